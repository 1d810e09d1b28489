import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PointValue, RawReading } from '../../core/model/reading.js';
import { decodePayload } from './payload-decoder.js';
import type { RouteField, TopicRoute } from './topic-routes.js';

/**
 * Property-based fuzzing of the MQTT payload decoder: any route and any bytes give readings or a clear
 * problem, never an exception or a hang. fast-check picks a fresh seed each run and prints it (with the
 * shrunk counterexample) on failure; replay with `{ seed, path }` in the failing fc.assert.
 */

const RUNS = 10_000;
const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** The explicit 1 MB and deeply nested cases (JSON.parse is linear, but 1 MB is 1 MB). */
const SLOWEST_BIG_CASE_MS = 1_000;

type FieldType = RouteField['type'];

// ---------------------------------------------------------------- generators

/** Path segments: what the site file allows, keys of Object.prototype, and anything at all. */
const segmentArb = fc.oneof(
  fc.constantFrom(
    'temp_c',
    'air',
    'co2',
    'values',
    'a',
    'b',
    '0',
    '1',
    'length',
    'constructor',
    'toString',
    'valueOf',
    'hasOwnProperty',
    '__proto__',
    'ts',
    '',
  ),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/),
  fc.string({ unit: 'binary', maxLength: 6 }),
);

const typeArb = fc.constantFrom<FieldType>('number', 'boolean', 'string');

const fieldSpecArb = fc.record({
  type: typeArb,
  path: fc.oneof(
    { weight: 1, arbitrary: fc.constant<string[]>([]) },
    { weight: 8, arbitrary: fc.array(segmentArb, { minLength: 1, maxLength: 4 }) },
  ),
});

/** A route as buildTopicRoutes makes it: bare exactly when some point takes the whole payload (`$`). */
function toRoute(specs: { type: FieldType; path: string[] }[]): TopicRoute {
  return {
    topic: 'site/fuzz/asset/telemetry',
    deviceId: 'fuzz-dev',
    fields: specs.map((s, i) => ({ pointId: `asset/p${i}`, type: s.type, path: s.path })),
    bare: specs.some((s) => s.path.length === 0),
  };
}

const routeArb = fc.array(fieldSpecArb, { minLength: 0, maxLength: 6 }).map(toRoute);

/** The hub's clock: ms since the epoch, from 1970 to 2100. */
const arrivalArb = fc.integer({ min: 1, max: 4_102_444_800_000 });

/** A JSON text for a value: anything JSON can say, and the numbers JSON.parse turns into surprises. */
const valueTextArb = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
  fc
    .double()
    .map((d) => (Number.isFinite(d) ? String(d) : Number.isNaN(d) ? 'NaN' : d > 0 ? '1e400' : '-1e400')),
  fc.constantFrom(
    '1e400',
    '-1e400',
    '1e-400',
    '-0',
    '0',
    '1',
    '2',
    '0.5',
    'true',
    'false',
    'null',
    '""',
    '[]',
    '{}',
    '[1]',
    '123456789012345678901234567890',
  ),
  fc.string({ unit: 'binary', maxLength: 20 }).map((s) => JSON.stringify(s)),
);

/** A JSON text for `ts`, of every kind: valid, future, zero, negative, huge, ISO, not a date, wrong type. */
function tsTextArb(arrivalMs: number) {
  const horizon = arrivalMs + MAX_FUTURE_SKEW_MS;
  return fc.oneof(
    fc.integer({ min: -1_000_000, max: horizon + 10_000_000 }).map(String),
    fc.constantFrom(horizon, horizon + 1, horizon - 1, arrivalMs, 0, -1, 8.64e15, 8.64e15 + 1).map(String),
    fc.double({ min: -1e16, max: 1e16, noNaN: true }).map(String),
    fc.date({ noInvalidDate: true }).map((d) => JSON.stringify(d.toISOString())),
    fc
      .integer({ min: Math.max(1, arrivalMs - 1e11), max: horizon + 10_000_000 })
      .map((ms) => JSON.stringify(new Date(ms).toISOString())),
    fc.constantFrom(
      '"2023-11-14T22:13:20Z"',
      '"2023-11-14"',
      '"yesterday"',
      '"2023-02-30T00:00:00Z"',
      '"+275760-09-13T00:00:00.000Z"',
      '"+275760-09-13T00:00:00.001Z"',
      '"1970-01-01T00:00:00Z"',
      '"1969-12-31T23:59:59Z"',
      '"1700000000000"',
      '"1"',
      '""',
      '1e400',
      '-1e400',
      '-0',
    ),
    valueTextArb,
  );
}

type Tree = Map<string, Tree | string>;

/** Serialise a tree of JSON texts by hand, so leaves may be texts JSON.stringify would never write. */
function treeText(tree: Tree): string {
  const parts: string[] = [];
  for (const [key, node] of tree)
    parts.push(`${JSON.stringify(key)}:${typeof node === 'string' ? node : treeText(node)}`);
  return `{${parts.join(',')}}`;
}

function setIn(tree: Tree, path: string[], leaf: string) {
  let at = tree;
  for (let i = 0; i < path.length - 1; i++) {
    const next = at.get(path[i]!);
    if (next instanceof Map) at = next;
    else {
      const fresh: Tree = new Map();
      at.set(path[i]!, fresh);
      at = fresh;
    }
  }
  at.set(path[path.length - 1]!, leaf);
}

/** An object built from the route's own paths with arbitrary values, ts of every kind and some noise. */
function nearValidTextArb(route: TopicRoute, arrivalMs: number) {
  const withPath = route.fields.filter((f) => f.path.length > 0);
  return fc
    .record({
      values: fc.array(fc.option(valueTextArb, { nil: undefined }), {
        minLength: withPath.length,
        maxLength: withPath.length,
      }),
      ts: fc.option(tsTextArb(arrivalMs), { nil: undefined }),
      tsFirst: fc.boolean(),
      extra: fc.array(fc.tuple(segmentArb, valueTextArb), { maxLength: 3 }),
    })
    .map(({ values, ts, tsFirst, extra }) => {
      const tree: Tree = new Map();
      if (ts !== undefined && tsFirst) tree.set('ts', ts);
      withPath.forEach((f, i) => {
        const v = values[i];
        if (v !== undefined) setIn(tree, f.path, v);
      });
      for (const [k, v] of extra) tree.set(k, v);
      if (ts !== undefined && !tsFirst) tree.set('ts', ts);
      return treeText(tree);
    });
}

/** Damage a text: cut it short, or put a random byte somewhere. */
function damage(bytes: Buffer, at: number, byte: number, cut: boolean): Buffer {
  if (bytes.length === 0) return Buffer.from([byte]);
  const i = at % bytes.length;
  if (cut) return bytes.subarray(0, i);
  const copy = Buffer.from(bytes);
  copy[i] = byte;
  return copy;
}

/** Any payload at all, for a given route and clock. */
function payloadArb(route: TopicRoute, arrivalMs: number): fc.Arbitrary<Buffer> {
  const nearValid = nearValidTextArb(route, arrivalMs).map((t) => Buffer.from(t, 'utf8'));
  return fc.oneof(
    fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
    fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s, 'utf8')),
    fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null', 'utf8')),
    valueTextArb.map((t) => Buffer.from(t, 'utf8')),
    { weight: 3, arbitrary: nearValid },
    fc
      .tuple(nearValid, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean())
      .map(([b, at, byte, cut]) => damage(b, at, byte, cut)),
  );
}

// ---------------------------------------------------------------- the properties' checks

/** How long the slowest generated case takes is measured by `npm run bench decode` (bench/decode.ts). */
function timedDecode(route: TopicRoute, payload: Buffer, arrivalMs: number) {
  const out: RawReading[] = [];
  const t0 = performance.now();
  const problem = decodePayload(route, payload, arrivalMs, out);
  const ms = performance.now() - t0;
  return { problem, out, ms };
}

function valueFits(value: PointValue, type: FieldType): boolean {
  switch (type) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return value === true || value === false || value === 0 || value === 1;
    default:
      return typeof value === 'string';
  }
}

/** What must hold for every route, payload and clock. */
function checkInvariants(route: TopicRoute, payload: Buffer, arrivalMs: number) {
  const result = timedDecode(route, payload, arrivalMs);
  const { problem, out } = result;
  if (problem !== undefined) {
    expect(typeof problem).toBe('string');
    expect(problem.length).toBeGreaterThan(0);
  } else {
    // All well means at least one field was found and every one found was good.
    expect(out.length).toBeGreaterThan(0);
  }
  expect(out.length).toBeLessThanOrEqual(route.fields.length);
  for (const r of out) {
    const field = route.fields.find((f) => f.pointId === r.pointId);
    expect(field, `reading for unknown point ${r.pointId}`).toBeDefined();
    expect(r.quality).toBe('good');
    expect(Number.isFinite(r.ts)).toBe(true);
    expect(r.ts).toBeGreaterThan(0);
    expect(r.ts).toBeLessThanOrEqual(arrivalMs + MAX_FUTURE_SKEW_MS);
    expect(valueFits(r.value, field!.type), `${field!.type} point got ${JSON.stringify(r.value)}`).toBe(true);
  }
  return result;
}

// ---------------------------------------------------------------- well-formed messages: the exact oracle

/** Paths where neither is a prefix of the other, so setting one can never shadow another. */
function prefixFree(specs: { type: FieldType; path: string[] }[]) {
  const kept: typeof specs = [];
  for (const s of specs) {
    if (s.path.length === 0) {
      kept.push(s); // a bare point: not looked up in an object payload
      continue;
    }
    if (s.path[0] === 'ts') continue; // the message's own timestamp
    const clash = kept.some(
      (k) => k.path.length > 0 && (isPrefix(k.path, s.path) || isPrefix(s.path, k.path)),
    );
    if (!clash) kept.push(s);
  }
  return kept;
}

function isPrefix(a: string[], b: string[]): boolean {
  return a.length <= b.length && a.every((seg, i) => seg === b[i]);
}

function validValueArb(type: FieldType): fc.Arbitrary<PointValue> {
  switch (type) {
    case 'number':
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer());
    case 'boolean':
      return fc.constantFrom<PointValue>(true, false, 0, 1);
    default:
      return fc.string({ unit: 'binary', maxLength: 30 });
  }
}

/** A JSON value that is never an object key of a route path (noise the decoder must ignore). */
const noiseValueArb = fc.jsonValue({ maxDepth: 2 });

type Obj = Record<string, unknown>;

/** Null-prototype objects, so a key named `__proto__` is an ordinary key as it is in JSON. */
function setValue(root: Obj, path: string[], value: unknown) {
  let at = root;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    if (!Object.hasOwn(at, key)) at[key] = Object.create(null);
    at = at[key] as Obj;
  }
  at[path[path.length - 1]!] = value;
}

const wellFormedArb = fc
  .tuple(fc.array(fieldSpecArb, { minLength: 1, maxLength: 6 }), arrivalArb)
  .map(([specs, arrivalMs]) => ({ route: toRoute(prefixFree(specs)), arrivalMs }))
  .filter(({ route }) => route.fields.some((f) => f.path.length > 0))
  .chain(({ route, arrivalMs }) => {
    const withPath = route.fields.filter((f) => f.path.length > 0);
    const horizon = arrivalMs + MAX_FUTURE_SKEW_MS;
    const used = new Set(route.fields.flatMap((f) => f.path));
    return fc.record({
      route: fc.constant(route),
      arrivalMs: fc.constant(arrivalMs),
      // Which fields are present (at least one) and their values.
      present: fc
        .array(fc.boolean(), { minLength: withPath.length, maxLength: withPath.length })
        .filter((p) => p.some(Boolean)),
      values: fc.tuple(...withPath.map((f) => validValueArb(f.type))),
      ts: fc.oneof(
        fc.constant<{ text?: unknown; ms?: number }>({}),
        fc.integer({ min: 1, max: horizon }).map((ms) => ({ text: ms, ms })),
        fc.double({ min: Number.MIN_VALUE, max: horizon, noNaN: true }).map((ms) => ({ text: ms, ms })),
        fc.integer({ min: 1, max: horizon }).map((ms) => ({ text: new Date(ms).toISOString(), ms })),
        fc.constant({ text: horizon, ms: horizon }),
      ),
      noise: fc.array(
        fc.tuple(
          fc.string({ maxLength: 8 }).filter((k) => !used.has(k) && k !== 'ts'),
          noiseValueArb,
        ),
        { maxLength: 3 },
      ),
      indent: fc.constantFrom<string | number | undefined>(undefined, 0, 2, '\t'),
    });
  });

// ---------------------------------------------------------------- tests

describe('MQTT payload decoder fuzzing', () => {
  it(`arbitrary routes and payloads never throw and only yield good readings (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        routeArb.chain((route) =>
          arrivalArb.chain((arrivalMs) =>
            payloadArb(route, arrivalMs).map((payload) => ({ route, arrivalMs, payload })),
          ),
        ),
        ({ route, arrivalMs, payload }) => {
          checkInvariants(route, payload, arrivalMs);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`a well-formed message gives exactly one reading per present field and no problem (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(wellFormedArb, ({ route, arrivalMs, present, values, ts, noise, indent }) => {
        const withPath = route.fields.filter((f) => f.path.length > 0);
        const doc = Object.create(null) as Obj;
        for (const [k, v] of noise) doc[k] = v;
        const expected: [string, PointValue][] = [];
        withPath.forEach((f, i) => {
          if (!present[i]) return;
          setValue(doc, f.path, values[i]);
          // JSON carries -0 as 0: compare against what the wire can say.
          expected.push([f.pointId, JSON.parse(JSON.stringify(values[i]))]);
        });
        if (ts.text !== undefined) doc.ts = ts.text;
        const payload = Buffer.from(JSON.stringify(doc, null, indent), 'utf8');

        const { problem, out } = checkInvariants(route, payload, arrivalMs);
        expect(problem).toBeUndefined();
        expect(out.map((r) => [r.pointId, r.value])).toEqual(expected);
        const expectedTs = ts.ms ?? arrivalMs;
        for (const r of out) expect(r.ts).toBe(expectedTs);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('MQTT payload decoder: hostile payloads', () => {
  const NOW = 1_700_000_000_000;
  const objectRoute = toRoute([
    { type: 'number', path: ['temp_c'] },
    { type: 'string', path: ['s'] },
    { type: 'boolean', path: ['a'] },
  ]);
  const bareRoute = toRoute([{ type: 'number', path: [] }]);
  const bareStringRoute = toRoute([{ type: 'string', path: [] }]);

  function decodeBig(route: TopicRoute, payload: Buffer) {
    const result = checkInvariants(route, payload, NOW);
    expect(result.ms, `${payload.length} bytes`).toBeLessThan(SLOWEST_BIG_CASE_MS);
    return result;
  }

  it('deeply nested JSON: 10,000 levels, open or closed, arrays or objects', () => {
    const n = 10_000;
    expect(decodeBig(objectRoute, Buffer.from('['.repeat(n))).problem).toBe('not JSON');
    expect(decodeBig(objectRoute, Buffer.from('{"a":'.repeat(n))).problem).toBe('not JSON');
    const arrays = Buffer.from('['.repeat(n) + ']'.repeat(n));
    expect(decodeBig(objectRoute, arrays).problem).toBe('expected a JSON object');
    expect(decodeBig(bareRoute, arrays).problem).toBe('$: expected number, got a list');
    const objects = Buffer.from(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`);
    expect(decodeBig(objectRoute, objects).problem).toBe('a: expected boolean, got an object');
    // A point whose path is 10,000 keys deep still finds its value.
    const deep = toRoute([{ type: 'boolean', path: Array<string>(n).fill('a') }]);
    expect(decodeBig(deep, objects)).toMatchObject({ problem: undefined, out: [{ value: 1 }] });
  });

  it('1 MB payloads: one huge string, huge arrays, deep nesting, random bytes', () => {
    const MB = 1 << 20;
    const big = 'x'.repeat(MB);
    const huge = decodeBig(objectRoute, Buffer.from(JSON.stringify({ s: big, temp_c: 1 })));
    expect(huge.problem).toBeUndefined();
    expect(huge.out.map((r) => r.pointId)).toEqual(['asset/p0', 'asset/p1']);
    expect(decodeBig(bareStringRoute, Buffer.from(JSON.stringify(big))).out[0]?.value).toBe(big);
    const numbers = `[${Array.from({ length: MB / 8 }, (_, i) => i * 1.5).join(',')}]`;
    expect(decodeBig(bareRoute, Buffer.from(numbers)).problem).toBe('$: expected number, got a list');
    const keys = `{${Array.from({ length: MB / 16 }, (_, i) => `"k${i}":${i}`).join(',')},"temp_c":2}`;
    expect(decodeBig(objectRoute, Buffer.from(keys)).out).toHaveLength(1);
    const nested = Buffer.from('['.repeat(MB / 2) + ']'.repeat(MB / 2));
    expect(decodeBig(bareRoute, nested).problem).toBe('$: expected number, got a list');
    expect(decodeBig(objectRoute, Buffer.from('['.repeat(MB))).problem).toBe('not JSON');
    const random = Buffer.alloc(MB);
    for (let i = 0; i < MB; i++) random[i] = (i * 2654435761) >>> 24;
    expect(decodeBig(objectRoute, random).problem).toBe('not JSON');
    expect(decodeBig(objectRoute, Buffer.alloc(MB)).problem).toBe('not JSON');
  });

  it('invalid UTF-8: inside a string it becomes U+FFFD, outside one the message is not JSON', () => {
    const bad = [
      [0xff, 0xfe], // never valid
      [0xc0, 0xaf], // overlong '/'
      [0xed, 0xa0, 0x80], // an encoded surrogate
      [0xe2, 0x82], // truncated sequence
      [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
      [0x80], // lone continuation byte
    ];
    for (const bytes of bad) {
      const inString = Buffer.concat([
        Buffer.from('{"s":"'),
        Buffer.from(bytes),
        Buffer.from('","temp_c":3}'),
      ]);
      const r = decodeBig(objectRoute, inString);
      expect(r.problem).toBeUndefined();
      expect(r.out[1]?.value).toMatch(/^\uFFFD+$/);
      const outside = Buffer.concat([Buffer.from('{"temp_c":3'), Buffer.from(bytes), Buffer.from('}')]);
      expect(decodeBig(objectRoute, outside).problem).toBe('not JSON');
      expect(decodeBig(bareRoute, Buffer.from(bytes)).problem).toBe('not JSON');
    }
    // A byte-order mark is not JSON either.
    expect(decodeBig(objectRoute, Buffer.from('\uFEFF{"temp_c":3}')).problem).toBe('not JSON');
  });

  it('an empty payload, whitespace, and numbers JSON.parse turns into Infinity', () => {
    expect(decodeBig(objectRoute, Buffer.alloc(0)).problem).toBe('not JSON');
    expect(decodeBig(objectRoute, Buffer.from(' \n\t ')).problem).toBe('not JSON');
    expect(decodeBig(bareRoute, Buffer.from('1e400')).problem).toBe('$: expected number, got Infinity');
    expect(decodeBig(objectRoute, Buffer.from('{"ts":1e400,"temp_c":1}')).problem).toMatch(
      /^ts is not a timestamp/,
    );
  });
});
