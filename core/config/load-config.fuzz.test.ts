import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseSiteText } from '../../hub/site-file.js';
import { testSiteYaml } from '../../test/site-fixtures.js';
import { SiteModel } from '../model/site-model.js';
import { ConfigError } from './load-config.js';
import { formatPath } from './zod-helpers.js';

/**
 * Property-based fuzzing of the site-file parser: any text gives a SiteModel or a ConfigError whose every
 * line says where and what, never another exception and never a hang. fast-check picks a fresh seed each run
 * and prints it (with the shrunk counterexample) on failure; replay with `{ seed, path }` in that fc.assert.
 */

const FILE = 'fuzz-site.yaml';
const FIXTURE = testSiteYaml();
/** The explicit hostile files: alias bombs and deep nesting. */
const SLOWEST_HOSTILE_MS = 1_000;

/**
 * Runs per property, 10,000 in all. A structural case costs ~2 ms (the yaml package alone takes ~0.9 ms to
 * parse the 1.4 KB fixture), arbitrary text ~0.2 ms: this keeps the file well under 15 s on 2 cores.
 */
const RUNS = { text: 8_200, damagedFixture: 600, mutations: 1_200 };

// ---------------------------------------------------------------- what every outcome must look like

const WHERE_YAML = String.raw`line \d+, column \d+|YAML|\(root\)`;
/** formatPath: a key, then `.key` or `[n]`; keys here are never blank and hold no space, dot, bracket or colon. */
const PATH = String.raw`[^\s.[\]:]+(?:\.[^\s.[\]:]*|\[\d+\])*`;
/** For files whose keys the test controls. */
const STRICT_LINE = new RegExp(String.raw`^(?:${WHERE_YAML}|${PATH}): \S`);
/** For arbitrary text, where a key (so a path) may be any string at all. */
const ANY_LINE = new RegExp(String.raw`^(?:${WHERE_YAML}|[\s\S]+?): \S`);

type Outcome = { site: SiteModel; errors?: undefined } | { site?: undefined; errors: string[] };

/**
 * Parse and check the outcome is a SiteModel or a well-formed ConfigError. How long the slowest generated case
 * takes is measured by `npm run bench decode` (bench/decode.ts).
 */
function outcome(text: string, lineForm: RegExp): Outcome {
  let result: Outcome;
  try {
    result = { site: parseSiteText(text, FILE, {}) };
  } catch (err) {
    if (!(err instanceof ConfigError)) {
      const e = err as Error;
      throw new Error(`parseSiteText threw ${e?.name ?? typeof err}, not a ConfigError: ${e?.message}`, {
        cause: err,
      });
    }
    result = { errors: err.errors };
    expect(err.file).toBe(FILE);
  }
  if (result.site) expect(result.site).toBeInstanceOf(SiteModel);
  else {
    expect(result.errors.length).toBeGreaterThan(0);
    // A plain test per line (expect per line would double the cost of a case); expect only what is wrong.
    const wrong = result.errors.filter((line) => typeof line !== 'string' || !lineForm.test(line));
    expect(
      wrong,
      `error lines not of the form "<where>: <message>" among:\n${result.errors.join('\n')}`,
    ).toEqual([]);
  }
  return result;
}

// ---------------------------------------------------------------- arbitrary text: pieces

/** Pieces of YAML syntax, so random text often gets deep into the parser and the validator. */
const yamlTokenArb = fc.constantFrom(
  '\n',
  '\n  ',
  '\n    ',
  '  ',
  ' ',
  ': ',
  ':',
  '- ',
  '-',
  '? ',
  '[',
  ']',
  '{',
  '}',
  ', ',
  '&a ',
  '*a',
  '&b ',
  '*b',
  '!!str ',
  '!!int ',
  '!!map ',
  '!!seq ',
  '!!binary ',
  '!custom ',
  '<<: ',
  '|',
  '>-',
  "'",
  '"',
  '\\',
  '# c',
  '---',
  '...',
  '%YAML 1.2\n',
  '%TAG ! tag:x,2024:\n',
  '\t',
  '\r\n',
  '\uFEFF',
  'site',
  'zones',
  'devices',
  'assets',
  'points',
  'hub',
  'mqtt',
  'id',
  'name',
  'kind',
  'zone',
  'device',
  'protocol',
  'parent',
  'password',
  'b1',
  'mqtt',
  'env-sensor',
  'temp_c',
  '0',
  '-1',
  '1e400',
  '.inf',
  '.nan',
  '0x1F',
  '~',
  'null',
  'true',
  '__proto__',
  'constructor',
);

// ---------------------------------------------------------------- the fixture, damaged as text

const editArb = fc.record({
  at: fc.nat(),
  cut: fc.nat({ max: 20 }),
  insert: fc.oneof(
    fc.array(yamlTokenArb, { maxLength: 3 }).map((t) => t.join('')),
    fc.string({ unit: 'binary', maxLength: 4 }),
  ),
});

function damageText(text: string, edits: { at: number; cut: number; insert: string }[]): string {
  let out = text;
  for (const { at, cut, insert } of edits) {
    const i = at % (out.length + 1);
    out = out.slice(0, i) + insert + out.slice(i + cut);
  }
  return out;
}

// ---------------------------------------------------------------- the fixture, mutated as a structure

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Key = string | number;
type Node = { path: Key[]; value: Json };

const BASE = parseYaml(FIXTURE) as { [key: string]: Json };

/** Every node but the root, depth first. */
function nodes(value: Json, path: Key[] = [], into: Node[] = []): Node[] {
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) visit(value[i]!, [...path, i], into);
  else if (value !== null && typeof value === 'object')
    for (const k of Object.keys(value)) visit(value[k]!, [...path, k], into);
  return into;
}
function visit(value: Json, path: Key[], into: Node[]) {
  into.push({ path, value });
  nodes(value, path, into);
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function isMap(v: unknown): v is { [key: string]: Json } {
  return kindOf(v) === 'object';
}

function at(doc: Json, path: Key[]): Json {
  let node = doc;
  for (const k of path) node = (node as { [key: string]: Json })[k as string]!;
  return node;
}

/** Own data property, so `__proto__` is an ordinary key, as it is in YAML. */
function put(obj: { [key: string]: Json }, key: string, value: Json) {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Keys that look like YAML syntax or Object.prototype; none holds a space, dot, bracket or colon. */
const keyArb = fc.oneof(
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,8}$/),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'toString',
    '0',
    '1',
    '',
    'site',
    'id',
    'name',
    'points',
    'true',
    'null',
    '~',
    '-',
    '<<',
    '&a',
    '*a',
    '!!str',
    '#c',
    "'",
    '"',
    '\u00e9t\u00e9',
  ),
);

const scalarArb: fc.Arbitrary<Json> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    '',
    ' ',
    'yes',
    'no',
    '~',
    'null',
    '1e400',
    '0x1F',
    '.inf',
    '2024-01-01',
    'mqtt',
    'b1',
    'b1-f1',
    'env-1',
    'degC',
    'kWh',
    '$',
    'a.b',
    '*a',
    'line\nbreak',
  ),
);

const jsonArb: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    scalarArb,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.array(fc.tuple(keyArb, tie('v')), { maxLength: 4 }).map((entries) => {
      const obj: { [key: string]: Json } = {};
      for (const [k, v] of entries) put(obj, k, v);
      return obj;
    }),
  ),
})).v;

const hugeArb = fc.constantFrom<Json>(
  1e308,
  -1e308,
  2 ** 53 + 2,
  2 ** 64,
  1e21,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_VALUE,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.NaN,
  -0,
);

/** One value of every JSON kind; a wrong-type replacement picks one whose kind differs from the original. */
const byKindArb = fc.record({
  string: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('x', '80', 'true', 'null', '')),
  number: fc.oneof(fc.integer(), fc.double({ noNaN: true })),
  boolean: fc.boolean(),
  array: fc.array(jsonArb, { maxLength: 3 }),
  object: fc.constantFrom<Json>({}, { a: 1 }, { id: 'b1' }),
});

const mutationArb = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('replace' as const),
    pick: fc.nat(),
    with: fc.oneof(
      fc.record({ how: fc.constant('json' as const), value: jsonArb }),
      fc.record({ how: fc.constant('wrongType' as const), values: byKindArb, alt: fc.nat() }),
      fc.record({ how: fc.constant('huge' as const), value: hugeArb }),
      fc.record({ how: fc.constant('empty' as const), value: fc.constant<Json>('') }),
    ),
  }),
  fc.record({
    kind: fc.constant('addKey' as const),
    pick: fc.nat(),
    // `zz_…` is a key no schema has: the oracle can expect "unknown key" for it.
    key: fc.oneof(
      fc.stringMatching(/^[a-z0-9_]{0,8}$/).map((k) => `zz_${k}`),
      keyArb,
    ),
    value: jsonArb,
  }),
  fc.record({ kind: fc.constant('duplicate' as const), pick: fc.nat(), which: fc.nat() }),
);

/** Half the runs apply one mutation, so the path oracle below gets many chances. */
const mutationsArb = fc.oneof(fc.tuple(mutationArb), fc.array(mutationArb, { minLength: 2, maxLength: 4 }));

type Mutation = typeof mutationArb extends fc.Arbitrary<infer M> ? M : never;

/** Apply one mutation; return the line prefix the error list must then hold, when that can be exact. */
function applyMutation(doc: { [key: string]: Json }, m: Mutation): string | undefined {
  const all = nodes(doc);
  switch (m.kind) {
    case 'delete': {
      const node = all[m.pick % all.length];
      if (!node) return undefined;
      const parent = at(doc, node.path.slice(0, -1));
      const key = node.path[node.path.length - 1]!;
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete (parent as { [key: string]: Json })[key];
      const where = formatPath(node.path);
      // Not always "required": a missing enum says "expected one of …, got nothing".
      return !Array.isArray(parent) && REQUIRED.test(where) ? `${where}: ` : undefined;
    }
    case 'replace': {
      const node = all[m.pick % all.length];
      if (!node) return undefined;
      let value: Json;
      if (m.with.how === 'wrongType') {
        const candidates = Object.entries(m.with.values)
          .concat([['null', null]])
          .filter(([kind]) => kind !== kindOf(node.value))
          .map(([, v]) => v);
        value = candidates[m.with.alt % candidates.length]!;
      } else value = m.with.value;
      // A copy: later mutations must not change fast-check's own values (they are replayed when shrinking).
      value = structuredClone(value);
      const parent = at(doc, node.path.slice(0, -1));
      const key = node.path[node.path.length - 1]!;
      if (Array.isArray(parent)) parent[key as number] = value;
      else put(parent as { [key: string]: Json }, key as string, value);
      // Every scalar in the fixture has one type its schema accepts: any other type is reported there.
      const scalar = ['string', 'number', 'boolean'].includes(kindOf(node.value));
      return scalar && kindOf(value) !== kindOf(node.value) ? `${formatPath(node.path)}: ` : undefined;
    }
    case 'addKey': {
      const maps = [{ path: [] as Key[], value: doc as Json }, ...all].filter((n) => isMap(n.value));
      const node = maps[m.pick % maps.length]!;
      put(node.value as { [key: string]: Json }, m.key, structuredClone(m.value));
      // Every mapping in the fixture is strict.
      return m.key.startsWith('zz_') ? `${formatPath([...node.path, m.key])}: unknown key` : undefined;
    }
    case 'duplicate': {
      const lists = all.filter((n) => Array.isArray(n.value) && n.value.length > 0);
      const node = lists[m.pick % lists.length];
      if (!node) return undefined;
      const list = node.value as Json[];
      const copy = structuredClone(list[m.which % list.length]!);
      list.push(copy);
      const where = formatPath(node.path);
      const idKey = /\.points$/.test(where) ? 'name' : 'id';
      const named = isMap(copy) && typeof copy[idKey] === 'string';
      return UNIQUE.test(where) && named
        ? `${formatPath([...node.path, list.length - 1])}: duplicate ${idKey} "`
        : undefined;
    }
  }
}

/** Keys the schemas require, by where they sit. */
const REQUIRED =
  /^(site|zones|site\.(id|name)|zones\[\d+\]\.(id|name)|devices\[\d+\]\.(id|protocol)|assets\[\d+\]\.(id|name|kind|zone|points)|assets\[\d+\]\.points\[\d+\]\.name)$/;
/** Lists whose items must have distinct ids (points: names). */
const UNIQUE = /^(zones|devices|assets|assets\[\d+\]\.points)$/;

const styleArb = fc.record({
  indent: fc.integer({ min: 1, max: 4 }),
  collectionStyle: fc.constantFrom<'any' | 'block' | 'flow'>('any', 'block', 'flow'),
});

// ---------------------------------------------------------------- arbitrary text, assembled

/** Mappings with the site file's own keys and arbitrary values, so random input reaches the validator. */
const siteShapedArb = fc
  .array(
    fc.tuple(
      fc.constantFrom('site', 'hub', 'mqtt', 'zones', 'devices', 'assets', 'x'),
      fc.oneof(jsonArb, fc.array(fc.dictionary(keyArb, jsonArb, { maxKeys: 5 }), { maxLength: 3 })),
    ),
    { maxLength: 6 },
  )
  .map((entries) => {
    const doc: { [key: string]: Json } = {};
    for (const [k, v] of entries) put(doc, k, v as Json);
    return stringifyYaml(doc);
  });

const arbitraryTextArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 300 }),
  { weight: 3, arbitrary: fc.array(yamlTokenArb, { maxLength: 80 }).map((t) => t.join('')) },
  fc.jsonValue({ maxDepth: 4 }).map((v) => stringifyYaml(v)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  siteShapedArb,
);

// ---------------------------------------------------------------- tests

describe('site file parser fuzzing', () => {
  it('the fixture itself is a valid site', () => {
    expect(outcome(FIXTURE, STRICT_LINE).site).toBeInstanceOf(SiteModel);
  });

  it(`arbitrary text gives a SiteModel or a ConfigError (${RUNS.text} runs)`, () => {
    fc.assert(
      fc.property(arbitraryTextArb, (text) => {
        outcome(text, ANY_LINE);
      }),
      { numRuns: RUNS.text },
    );
  });

  it(`the fixture with its text damaged gives a SiteModel or a ConfigError (${RUNS.damagedFixture} runs)`, () => {
    fc.assert(
      fc.property(fc.array(editArb, { minLength: 1, maxLength: 3 }), (edits) => {
        outcome(damageText(FIXTURE, edits), ANY_LINE);
      }),
      { numRuns: RUNS.damagedFixture },
    );
  });

  it(`structural mutations of the fixture are reported at their path (${RUNS.mutations} runs)`, () => {
    fc.assert(
      fc.property(mutationsArb, styleArb, (mutations, style) => {
        const doc = structuredClone(BASE);
        const expected = mutations.map((m) => applyMutation(doc, m));
        const text = stringifyYaml(doc, style);
        const result = outcome(text, STRICT_LINE);
        // One mutation whose effect is certain: the error list names its path.
        const only = expected.length === 1 ? expected[0] : undefined;
        if (only !== undefined) {
          expect(result.errors, `expected a line starting "${only}" for:\n${text}`).toBeDefined();
          expect(
            result.errors!.some((line) => line.startsWith(only)),
            `expected a line starting "${only}" among:\n${result.errors!.join('\n')}\nfor:\n${text}`,
          ).toBe(true);
        }
      }),
      { numRuns: RUNS.mutations },
    );
  });
});

describe('site file parser: hostile files', () => {
  function rejectedQuickly(text: string): string[] {
    const t0 = performance.now();
    const { errors } = outcome(text, ANY_LINE);
    const ms = performance.now() - t0;
    expect(errors, 'expected a ConfigError').toBeDefined();
    expect(ms, `${text.length} chars took ${ms.toFixed(0)} ms`).toBeLessThan(SLOWEST_HOSTILE_MS);
    return errors!;
  }

  it('a "billion laughs" alias bomb is refused at once', () => {
    const levels = 'abcdefghi'.split('');
    const lines = levels.map((name, i) =>
      i === 0
        ? `${name}: &${name} [lol, lol, lol, lol, lol, lol, lol, lol, lol]`
        : `${name}: &${name} [${Array<string>(9)
            .fill(`*${levels[i - 1]}`)
            .join(', ')}]`,
    );
    expect(rejectedQuickly(lines.join('\n'))).toEqual([
      'YAML: Excessive alias count indicates a resource exhaustion attack',
    ]);
    // The same inside an otherwise valid site, where the validator would walk it.
    const inSite = `${FIXTURE}\nx-bomb:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
    expect(rejectedQuickly(inSite)).toEqual([
      'YAML: Excessive alias count indicates a resource exhaustion attack',
    ]);
    // Block style, one alias per line.
    const block = levels
      .map((name, i) =>
        i === 0
          ? `${name}: &${name}\n${Array<string>(9).fill('  - lol').join('\n')}`
          : `${name}: &${name}\n${Array<string>(9)
              .fill(`  - *${levels[i - 1]}`)
              .join('\n')}`,
      )
      .join('\n');
    expect(rejectedQuickly(block)).toEqual([
      'YAML: Excessive alias count indicates a resource exhaustion attack',
    ]);
  });

  it('an alias to itself, before its anchor, or to no anchor at all, is an error', () => {
    expect(rejectedQuickly('site: &a { id: s, name: *a }\nzones: [{ id: z, name: Z }]')).toEqual([
      'site.name: expected string, got an object',
    ]);
    expect(rejectedQuickly('site: *a\nzones: &a [{ id: z, name: Z }]')).toEqual([
      'YAML: Unresolved alias (the anchor must be set before the alias): a',
    ]);
    expect(rejectedQuickly('*nowhere')).toEqual([
      'YAML: Unresolved alias (the anchor must be set before the alias): nowhere',
    ]);
  });

  it('deeply nested flow sequences and mappings do not hang', () => {
    const n = 10_000;
    rejectedQuickly('['.repeat(n));
    rejectedQuickly('['.repeat(n) + ']'.repeat(n));
    rejectedQuickly(`site: ${'['.repeat(n)}${']'.repeat(n)}`);
    rejectedQuickly('{a: '.repeat(n) + '}'.repeat(n));
    rejectedQuickly(`${FIXTURE}\nx-deep: ${'{a: '.repeat(n)}1${'}'.repeat(n)}\n`);
  });

  it('deeply nested block sequences and mappings do not hang', () => {
    const n = 2_000;
    rejectedQuickly(`${Array.from({ length: n }, (_, i) => `${' '.repeat(i)}- `).join('\n')}x`);
    rejectedQuickly(`${Array.from({ length: n }, (_, i) => `${' '.repeat(i)}a:`).join('\n')} x`);
  });

  it('every nesting depth up to 2,000 is a ConfigError, wherever the stack runs out', () => {
    for (let depth = 100; depth <= 2_000; depth += 100) {
      rejectedQuickly(`x: ${'['.repeat(depth)}${']'.repeat(depth)}`);
      rejectedQuickly(`x: ${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`);
    }
  });

  it('empty and trivial files', () => {
    expect(rejectedQuickly('')).toEqual(['(root): expected a mapping with site, zones, devices and assets']);
    rejectedQuickly('---\nsite: {}\n---\nzones: []\n');
    rejectedQuickly('\uFEFF');
    rejectedQuickly('\u0000');
  });
});
