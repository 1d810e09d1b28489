import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importGraph, unitOf, upwardImports } from './import-graph.js';

const { files, edges } = importGraph();
const product = files.filter((f) => unitOf(f) !== undefined);

describe('architecture rules', () => {
  it('imports point down only: core imports nothing above it, adapters only core, domains core and platform', () => {
    expect(upwardImports(edges)).toEqual([]);
  });

  it('the check sees the real graph: every layer is present and a made-up upward import is caught', () => {
    const units = new Set(product.map(unitOf));
    for (const u of ['core', 'adapters/modbus', 'platform/db', 'domains/alerts', 'hub'])
      expect(units).toContain(u);
    expect(edges.length).toBeGreaterThan(500);
    expect(
      upwardImports([
        { from: 'core/bus.ts', to: 'domains/alerts/alert-types.ts', typeOnly: true },
        { from: 'adapters/mqtt/mqtt-driver.ts', to: 'adapters/modbus/decode.ts', typeOnly: false },
        { from: 'domains/alerts/alert-service.ts', to: 'domains/rules/rule-schema.ts', typeOnly: false },
        { from: 'platform/db/database.ts', to: 'core/logger.ts', typeOnly: false },
      ]),
    ).toEqual([
      'core/bus.ts → domains/alerts/alert-types.ts',
      'adapters/mqtt/mqtt-driver.ts → adapters/modbus/decode.ts',
      'domains/alerts/alert-service.ts → domains/rules/rule-schema.ts',
    ]);
  });

  it('only the command service writes or sends to devices (so every command is permission-checked and audited)', () => {
    const writers = product.filter((f) => /supervisor\.(write|send)\(/.test(readFileSync(f, 'utf8')));
    expect(writers).toEqual(['core/devices/command-service.ts']);
  });

  it('node-opcua is loaded only behind the lazy OPC UA adapter (a site without OPC UA never pays its ~80 MB)', () => {
    // node-opcua-crypto (the HTTPS self-signed certificate) too: only by a dynamic import where one is made
    const eager = product.filter((f) =>
      /^import (?!type )[^;]*from 'node-opcua(-[\w-]+)?'/m.test(readFileSync(f, 'utf8')),
    );
    const runtimeImporters = edges.filter(
      (e) => !e.typeOnly && eager.includes(e.to) && !eager.includes(e.from),
    );
    // the only way in from outside is the dynamic import in the lazy adapter
    for (const e of runtimeImporters)
      expect(readFileSync(e.from, 'utf8')).toMatch(/await import\('\.\/opcua-/);
    expect(eager.length).toBeGreaterThan(0);
  });

  it("Tahu's Sparkplug codec is loaded at the first payload, not at import (every hub imports the fleet's files)", () => {
    const users = product.filter((f) => /['"]sparkplug-payload['"]/.test(readFileSync(f, 'utf8')));
    expect(users).toEqual(['core/sparkplug/sparkplug-codec.ts']);
    const codec = readFileSync(users[0]!, 'utf8');
    expect(codec).not.toMatch(/^import (?!type )[^;]*from 'sparkplug-payload/m);
    expect(codec).toMatch(/createRequire\(import\.meta\.url\)\('sparkplug-payload'\)/);
  });
});
