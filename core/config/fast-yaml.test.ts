import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument, stringify as stringifyYaml } from 'yaml';
import { modbusSite } from '../../bench/modbus.js';
import { testSiteYaml } from '../../test/site-fixtures.js';
import { NOT_PLAIN, parsePlainYaml } from './fast-yaml.js';

/** Where two values differ (types, prototypes, own keys in order, -0, NaN), or undefined. */
function difference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null)
    return Object.is(a, b) ? undefined : `${path}: ${String(a)} (${typeof a}) vs ${String(b)} (${typeof b})`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: prototypes differ`;
  const ka = Reflect.ownKeys(a);
  const kb = Reflect.ownKeys(b);
  if (ka.join('\u0000') !== kb.join('\u0000')) return `${path}: keys ${String(ka)} vs ${String(kb)}`;
  for (const k of ka) {
    const da = Object.getOwnPropertyDescriptor(a, k)!;
    const db = Object.getOwnPropertyDescriptor(b, k)!;
    if (da.enumerable !== db.enumerable || da.writable !== db.writable)
      return `${path}.${String(k)}: descriptors`;
    const d = difference(da.value, db.value, `${path}.${String(k)}`);
    if (d) return d;
  }
  return undefined;
}

/**
 * The fast path must give exactly what the yaml package gives, or leave the text to it: wherever it accepts a
 * text, the yaml package (as the loader calls it) finds no error and the same value (types, -0, NaN, every
 * key in its order).
 */
function sameAsYaml(text: string): boolean {
  const fast = parsePlainYaml(text);
  if (fast === NOT_PLAIN) return false;
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  expect(
    doc.errors.map((e) => e.message),
    `the fast path accepted a text with errors:\n${text}`,
  ).toEqual([]);
  expect(difference(fast, doc.toJS()), `different values for:\n${text}`).toBeUndefined();
  return true;
}

const files = [
  'config/demo-site.yaml',
  ...readdirSync('test/config-corpus')
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `test/config-corpus/${f}`),
];
const FIXTURE = testSiteYaml();

const pieceArb = fc.constantFrom(
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
  ',',
  '&a ',
  '*a',
  '!!str ',
  '<<: ',
  '|',
  '>-',
  "'",
  '"',
  "''",
  '\\',
  '\\"',
  '\\n',
  '# c',
  ' #',
  '#',
  '---',
  '...',
  '%YAML 1.2\n',
  '\t',
  '\r\n',
  'site',
  'id',
  'name',
  'a',
  'b',
  'x y',
  'http://h:1',
  'a:b',
  '0',
  '-1',
  '+2',
  '007',
  '0o17',
  '0x1F',
  '-0',
  '1.',
  '.5',
  '1e3',
  '1_000',
  '1e400',
  '.inf',
  '-.Inf',
  '.nan',
  '~',
  'null',
  'Null',
  'true',
  'False',
  'yes',
  '__proto__',
  'constructor',
  '2024-01-01',
  '温度',
);

const textArb = fc.array(pieceArb, { maxLength: 60 }).map((t) => t.join(''));
const styleArb = fc.record({
  indent: fc.integer({ min: 1, max: 4 }),
  collectionStyle: fc.constantFrom<'any' | 'block' | 'flow'>('any', 'block', 'flow'),
  indentSeq: fc.boolean(),
  lineWidth: fc.constantFrom(0, 20, 80),
  flowCollectionPadding: fc.boolean(),
});
const keyArb = fc.oneof(
  fc.constantFrom('id', 'name', 'a b', 'x:y', '1', 'true', '', '#', '- x', '"q"', "it's", 'constructor'),
  fc.string({ maxLength: 8 }),
);
const valueArb = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -0, 1.5, -2, 1e21, 0.1, Number.NaN, Number.POSITIVE_INFINITY),
    fc.constantFrom('', ' x', 'x ', 'a: b', 'a #b', '- a', '[a]', '{a}', 'null', '12', '0x1F', '1e3', '~'),
    fc.string({ maxLength: 12 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(keyArb, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Cut short, or a few characters changed. */
const damagedArb = (text: string) =>
  fc
    .array(
      fc.record({
        at: fc.nat(),
        cut: fc.nat({ max: 6 }),
        insert: fc.oneof(
          fc.array(pieceArb, { maxLength: 2 }).map((t) => t.join('')),
          fc.string({ maxLength: 3 }),
        ),
      }),
      { minLength: 1, maxLength: 3 },
    )
    .map((edits) => {
      let out = text;
      for (const { at, cut, insert } of edits) {
        const i = at % (out.length + 1);
        out = out.slice(0, i) + insert + out.slice(i + cut);
      }
      return out;
    });

describe('the plain-YAML fast path', () => {
  it("takes the test site and the bench's 40,000-point site, and the demo and corpus right", () => {
    expect(sameAsYaml(FIXTURE)).toBe(true);
    expect(sameAsYaml(modbusSite(20_000))).toBe(true);
    // whatever it takes of these is taken right (the demo uses anchors; some of the corpus is broken YAML)
    for (const file of files) sameAsYaml(readFileSync(file, 'utf8'));
  });

  it('leaves anchors, tags, block scalars, duplicate keys, folded scalars and errors to the yaml package', () => {
    for (const text of [
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: |\n  x\n',
      'a: 1\na: 2\n',
      'a: b\n  c\n',
      'a: [1,\n2]\n',
      'a: "x\n  y"\n',
      '{a: 1}\n{b: 2}\n',
      'a:\tb\n',
      'a: b # c\n\t\n',
      '---\na: 1\n',
      'a: 1\n...\n',
      '%YAML 1.2\n---\na: 1\n',
      '? a\n: b\n',
      'a: b: c\n',
      '- - a\n',
      '[a, , b]\n',
      '{a, b: 1}\n',
      '__proto__: 1\n',
      'true: 1\n',
      '',
      '# only a comment\n',
      `x: ${'['.repeat(100)}${']'.repeat(100)}\n`,
      `${'k'.repeat(1100)}: 1\n`,
    ])
      expect(parsePlainYaml(text), JSON.stringify(text)).toBe(NOT_PLAIN);
  });

  it('what it takes of generated YAML (any value, any style) is what the yaml package gives', () => {
    let taken = 0;
    fc.assert(
      fc.property(valueArb, styleArb, (value, style) => {
        if (sameAsYaml(stringifyYaml({ root: value }, style))) taken++;
      }),
      { numRuns: 3_000 },
    );
    expect(taken).toBeGreaterThan(1_000); // the fast path is not vacuous
  });

  it('what it takes of arbitrary text made of YAML pieces is what the yaml package gives', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        sameAsYaml(text);
      }),
      { numRuns: 10_000 },
    );
  });

  it('what it takes of damaged site files is what the yaml package gives', () => {
    const demo = readFileSync('config/demo-site.yaml', 'utf8');
    for (const text of [FIXTURE, demo])
      fc.assert(
        fc.property(damagedArb(text), (damaged) => {
          sameAsYaml(damaged);
        }),
        { numRuns: 1_000 },
      );
  });
});
