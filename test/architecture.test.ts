import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name));
}

const product = [...sources('hub'), ...sources('adapters')];

describe('architecture rules', () => {
  it('only the command service writes to devices (so every write is permission-checked and audited)', () => {
    const writers = product.filter((f) => /supervisor\.write\(/.test(readFileSync(f, 'utf8')));
    expect(writers).toEqual(['core/devices/command-service.ts']);
  });

  it('adapters speak protocols only: they never import storage, security, the API or the live gateway', () => {
    const offenders = sources('adapters').flatMap((f) =>
      [
        ...readFileSync(f, 'utf8').matchAll(/from '(\.\.\/)+hub\/(db|security|api|audit|live|commands)\//g),
      ].map((m) => `${f}: ${m[0]}`),
    );
    expect(offenders).toEqual([]);
  });

  it("nor the domains: only the gate protocol's definition (its channels and payload shapes) is shared", () => {
    const offenders = sources('adapters').flatMap((f) =>
      [
        ...readFileSync(f, 'utf8').matchAll(
          /from '(\.\.\/)+hub\/(tickets|visitors|storage|notify)\/([\w-]+)/g,
        ),
      ]
        .filter((m) => m[3] !== 'gate-types')
        .map((m) => `${f}: ${m[0]}`),
    );
    expect(offenders).toEqual([]);
  });

  it('node-opcua is loaded only behind the lazy OPC UA adapter (a site without OPC UA never pays its ~80 MB)', () => {
    // files that import it at run time; each must itself be reached only through a dynamic import
    const eager = product.filter((f) =>
      /^import (?!type )[^;]*from 'node-opcua'/m.test(readFileSync(f, 'utf8')),
    );
    expect(eager.sort()).toEqual([
      'adapters/opcua/browse.ts',
      'adapters/opcua/opcua-adapter.ts',
      'adapters/opcua/server-certificate.ts',
      'adapters/opcua/variant.ts',
    ]);
    const importers = product.filter((f) =>
      /^import (?!type )[^;]*from '\.\/(opcua-adapter|browse|server-certificate|variant)\.js'/m.test(
        readFileSync(f, 'utf8'),
      ),
    );
    expect(importers.every((f) => eager.includes(f))).toBe(true);
  });
});
