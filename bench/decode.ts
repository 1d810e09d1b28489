/**
 * `npm run bench decode`: the slowest single case of the two parsers that take input from outside, over
 * generated inputs of the kinds their fuzz tests generate (adapters/mqtt/payload-decoder.fuzz.test.ts,
 * core/config/load-config.fuzz.test.ts): the MQTT payload decoder over 10,000 payloads (random bytes, any
 * JSON, objects near a route's shape, damaged ones) and the site-file parser over 10,000 texts (any text, the
 * test site with a byte changed or cut short). Those tests check what each case gives; how long the slowest
 * took is measured here (it was a "< 200 ms" assert in them). A fixed seed: the same inputs every run.
 * Results: bench/results/decode.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { decodePayload } from '../adapters/mqtt/payload-decoder.js';
import type { TopicRoute } from '../adapters/mqtt/topic-routes.js';
import { ConfigError } from '../core/config/load-config.js';
import type { RawReading } from '../core/model/reading.js';
import { parseSiteText } from '../hub/site-file.js';
import { testSiteYaml } from '../test/site-fixtures.js';

const CASES = 10_000;
const SEED = 20_240_315;
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export interface DecodeFigure {
  cases: number;
  p50Ms: number;
  p99Ms: number;
  slowestMs: number;
  /** The slowest input, its size and start. */
  slowest: string;
}

export interface DecodeBenchResult {
  mqttPayload: DecodeFigure;
  siteFile: DecodeFigure;
}

const ROUTES: TopicRoute[] = [
  {
    topic: 'site/b/asset/telemetry',
    deviceId: 'dev',
    bare: false,
    fields: [
      { pointId: 'asset/temp_c', type: 'number', path: ['temp_c'] },
      { pointId: 'asset/co2_ppm', type: 'number', path: ['air', 'co2'] },
      { pointId: 'asset/state', type: 'string', path: ['state'] },
      { pointId: 'asset/open', type: 'boolean', path: ['open'] },
    ],
  },
  {
    topic: 'legacy/b/temp',
    deviceId: 'dev',
    bare: true,
    fields: [{ pointId: 'asset/t', type: 'number', path: [] }],
  },
];

/** Cut short, or one byte changed. */
const damaged = (arb: fc.Arbitrary<string>) =>
  fc.tuple(arb, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([text, at, byte, cut]) => {
    const b = Buffer.from(text, 'utf8');
    if (b.length === 0) return Buffer.from([byte]);
    const i = at % b.length;
    if (cut) return b.subarray(0, i);
    b[i] = byte;
    return b;
  });

const anyJson = fc.jsonValue({ maxDepth: 3 });
const nearRoute = fc
  .record(
    {
      ts: fc.oneof(
        fc.integer(),
        fc.double(),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.string(),
      ),
      temp_c: fc.oneof(fc.double(), anyJson),
      air: fc.oneof(fc.record({ co2: fc.oneof(fc.integer(), anyJson) }), anyJson),
      state: fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), anyJson),
      open: fc.oneof(fc.boolean(), fc.constantFrom(0, 1), anyJson),
    },
    { requiredKeys: [] },
  )
  .map((o) => JSON.stringify(o));
const payloadArb = fc.tuple(
  fc.constantFrom(...ROUTES),
  fc.oneof(
    fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
    fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s, 'utf8')),
    anyJson.map((v) => Buffer.from(JSON.stringify(v) ?? 'null', 'utf8')),
    { weight: 3, arbitrary: nearRoute.map((t) => Buffer.from(t, 'utf8')) },
    damaged(nearRoute),
  ),
);

const FIXTURE = testSiteYaml();
const siteTextArb = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: 'binary', maxLength: 400 }) },
  { weight: 2, arbitrary: damaged(fc.constant(FIXTURE)).map((b) => b.toString('utf8')) },
);

function figure(times: number[], slowest: string): DecodeFigure {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) =>
    Number(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!.toFixed(3));
  return { cases: times.length, p50Ms: at(0.5), p99Ms: at(0.99), slowestMs: at(1), slowest };
}

/** Time each case; keep the slowest input's description. */
function timeEach<T>(inputs: T[], run: (input: T) => void, describe: (input: T) => string): DecodeFigure {
  const times: number[] = [];
  let worst = -1;
  let slowest = '';
  for (const input of inputs) {
    const t0 = performance.now();
    run(input);
    const ms = performance.now() - t0;
    times.push(ms);
    if (ms > worst) {
      worst = ms;
      slowest = describe(input);
    }
  }
  return figure(times, slowest);
}

export function runDecodeBench(): DecodeBenchResult {
  const payloads = fc.sample(payloadArb, { numRuns: CASES, seed: SEED });
  const arrivalMs = Date.now();
  const out: RawReading[] = [];
  const mqttPayload = timeEach(
    payloads,
    ([route, payload]) => {
      out.length = 0;
      decodePayload(route, payload, arrivalMs, out);
    },
    ([route, payload]) =>
      `${route.bare ? 'bare' : 'object'} route, ${payload.length} bytes: ${JSON.stringify(payload.subarray(0, 60).toString('utf8'))}`,
  );
  const texts = fc.sample(siteTextArb, { numRuns: CASES, seed: SEED });
  const siteFile = timeEach(
    texts,
    (text) => {
      try {
        parseSiteText(text, 'bench-site.yaml', {});
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
      }
    },
    (text) => `${text.length} chars: ${JSON.stringify(text.slice(0, 60))}`,
  );
  const result = { mqttPayload, siteFile };
  mkdirSync(here('./results/'), { recursive: true });
  writeFileSync(
    here('./results/decode.json'),
    `${JSON.stringify(
      {
        scenario: 'decode',
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
        seed: SEED,
        ...result,
      },
      null,
      2,
    )}\n`,
  );
  return result;
}

export function printDecode(r: DecodeBenchResult): void {
  const line = (what: string, f: DecodeFigure) =>
    console.log(
      `  ${what} ${f.cases.toLocaleString('en')} cases: p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, slowest ${f.slowestMs} ms (${f.slowest})`,
    );
  console.log('decode: the slowest single case over generated inputs (seed fixed)');
  line('MQTT payload decoder', r.mqttPayload);
  line('site-file parser    ', r.siteFile);
}
