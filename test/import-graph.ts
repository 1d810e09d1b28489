import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';

/** One import between two of the project's own files, resolved the way tsc resolves it. */
export interface ImportEdge {
  from: string;
  to: string;
  /** `import type` / `export type`: erased at run time. */
  typeOnly: boolean;
}

const ROOT = resolve(import.meta.dirname, '..');

/**
 * The project's import graph from TypeScript's own parser and module resolution (tsconfig.json's options and
 * files): static imports, re-exports and dynamic import() calls. Paths are relative to the repository root.
 */
export function importGraph(): { files: string[]; edges: ImportEdge[] } {
  const configPath = resolve(ROOT, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const host = ts.createCompilerHost(parsed.options);
  const edges: ImportEdge[] = [];
  const files = parsed.fileNames.map((f) => relative(ROOT, f));
  for (const abs of parsed.fileNames) {
    const from = relative(ROOT, abs);
    const source = ts.createSourceFile(abs, readFileSync(abs, 'utf8'), ts.ScriptTarget.Latest, false);
    for (const { specifier, typeOnly } of importsOf(source)) {
      if (!specifier.startsWith('.')) continue;
      const resolved = ts.resolveModuleName(specifier, abs, parsed.options, host).resolvedModule;
      const target = resolved
        ? relative(ROOT, resolved.resolvedFileName)
        : relative(ROOT, resolve(dirname(abs), specifier));
      edges.push({ from, to: target, typeOnly });
    }
  }
  return { files, edges };
}

function importsOf(source: ts.SourceFile): { specifier: string; typeOnly: boolean }[] {
  const out: { specifier: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name &&
            !!clause.namedBindings &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      out.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      out.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      out.push({ specifier: node.arguments[0].text, typeOnly: false });
    } else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
      // `declare module '../core/bus.js' { ... }`: an augmentation points at the module it extends
      out.push({ specifier: node.name.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/**
 * The layers, bottom up. A file may import its own unit and the units listed for it; nothing else. Tests
 * (`*.test.ts`), the simulators, the bench and the test harness sit outside the product and may use anything.
 */
const MAY_IMPORT: Record<string, string[]> = {
  core: [],
  'adapters/*': ['core'],
  adapters: ['core', 'adapters/*'],
  'platform/db': ['core'],
  'platform/audit': ['core', 'platform/db'],
  'platform/security': ['core', 'platform/db', 'platform/audit'],
  'platform/storage': ['core', 'platform/db'],
  'platform/notify': ['core', 'platform/db'],
  'platform/people': ['core', 'platform/db', 'platform/audit', 'platform/security', 'platform/notify'],
  'domains/alerts': ['core', 'platform/*'],
  'domains/energy': ['core', 'platform/*'],
  'domains/rules': ['core', 'platform/*', 'domains/alerts', 'domains/energy', 'domains/control'],
  'domains/control': ['core', 'platform/*', 'domains/alerts', 'domains/energy', 'domains/visitors'],
  'domains/tickets': ['core', 'platform/*', 'domains/alerts'],
  'domains/visitors': ['core', 'platform/*', 'domains/alerts'],
  'domains/people': ['core', 'platform/*', 'domains/alerts', 'domains/tickets', 'domains/visitors'],
  'domains/fleet': ['core', 'platform/*'],
  hub: ['*'],
};

/** The unit a product file belongs to (`adapters/modbus`, `platform/db`, `core`, `hub`), or undefined. */
export function unitOf(file: string): string | undefined {
  if (file.endsWith('.test.ts')) return undefined;
  const [top, second] = file.split('/');
  if (top === 'core' || top === 'hub') return top;
  if (top === 'adapters') return second?.endsWith('.ts') ? 'adapters' : `adapters/${second}`;
  if (top === 'platform' || top === 'domains') return `${top}/${second}`;
  return undefined;
}

function allowed(from: string, to: string): boolean {
  if (from === to) return true;
  const rules = MAY_IMPORT[from] ?? MAY_IMPORT[from.replace(/\/.*/, '/*')] ?? [];
  return rules.some((r) => r === '*' || r === to || (r.endsWith('/*') && to.startsWith(r.slice(0, -1))));
}

/** Imports that run up or sideways against the table above. */
export function upwardImports(all: ImportEdge[]): string[] {
  return all
    .filter((e) => {
      const from = unitOf(e.from);
      const to = unitOf(e.to) ?? 'outside';
      return from !== undefined && !allowed(from, to);
    })
    .map((e) => `${e.from} → ${e.to}`);
}
