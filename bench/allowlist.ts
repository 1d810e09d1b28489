/**
 * `npm run bench allowlist`: building a gate's offline allow-list (domains/visitors/allow-list.ts) for 10,000
 * active passes, and what the list's key is worth to whoever takes it from a controller. In this process, on a
 * SQLite state database in memory: 10,000 approved passes with sealed codes, the real AllowListPublisher.
 * Measured, the median of 5 runs (3 for ten gates):
 *   - one gate's list: the seals opened, the QR tags derived, the entries and the signature (what a gate's
 *     refresh costs the hub); publishing to 10 gates derives the tags once;
 *   - the old construction on the same rows (entries HMAC(gate key, 'code:' + code), the seals opened per gate),
 *     for one gate and for 10;
 *   - the published JSON's size;
 *   - an attacker's rate: HMAC-SHA256 over `code:<8 digits>` with one gate's key, as Node does it
 *     (createHmac) and with the key's inner and outer states computed once (Hash.copy), on one core; from it
 *     the time to try all 10^8 codes against the old construction, and 2^128 tags against the new one.
 * Results: bench/results/allowlist.json.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { AllowListPublisher, gateKeyOf, signAllowList } from '../domains/visitors/allow-list.js';
import { codeOpener, sealCode } from '../domains/visitors/code-seal.js';
import type { Gate } from '../domains/visitors/gate-service.js';
import { GateStore } from '../domains/visitors/gate-store.js';
import { PassStore } from '../domains/visitors/pass-store.js';
import { keyedHash } from '../domains/visitors/privacy.js';
import { VisitorsSchema } from '../domains/visitors/visitor-schema.js';
import { openDatabase } from '../platform/db/database.js';

const PASSES = 10_000;
const GATES = 10;
const RUNS = 5;
const ATTACK_TRIES = 300_000;
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export interface AllowListBenchResult {
  passes: number;
  /** One gate's list, new construction (tags derived for it alone). */
  buildMs: number;
  /** The same with the old construction (code entries). */
  oldBuildMs: number;
  /** All GATES gates published: tags once, entries per gate. */
  publishAllMs: number;
  /** The old construction for GATES gates (every gate opened every seal). */
  oldPublishAllMs: number;
  gates: number;
  bytes: number;
  oldBytes: number;
  /** HMACs a second on one core: createHmac per try, and with the key's pads hashed once. */
  attackHmacPerS: { createHmac: number; precomputed: number };
  /** Trying all 10^8 codes on one core at the faster rate. */
  oldCodeSpaceS: number;
  /** Trying 2^128 tags at the same rate, in years. */
  tagSpaceYears: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function timed(run: () => unknown, runs = RUNS): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    ms.push(performance.now() - t0);
  }
  return Math.round(median(ms) * 10) / 10;
}

/** 10,000 approved passes valid now, each with its code sealed as the hub seals it. */
function seed(key: Buffer, now: number) {
  const db = openDatabase(':memory:', silentLogger);
  const passes = new PassStore(db);
  passes.transaction(() => {
    for (let i = 0; i < PASSES; i++) {
      const visitor = passes.insertVisitor({
        name: `Visitor ${i}`,
        phone_masked: null,
        phone_hash: null,
        id_masked: null,
        id_hash: null,
        company: null,
        created_at: now,
        purge_after: now + 86_400_000,
      });
      const id = passes.insertPass({
        visitor_id: visitor,
        host: 'host',
        purpose: 'Visit',
        state: 'approved',
        valid_from: now - 3_600_000,
        valid_until: now + 8 * 3_600_000,
        max_entries: 0,
        gates: null,
        created_at: now,
        created_by: 'host',
      });
      const code = String(10_000_000 + i * 7_919).slice(-8);
      passes.update(id, { code_hash: keyedHash(key, 'code', code), code_sealed: sealCode(key, code) });
    }
  });
  return new GateStore(db);
}

/** The construction before: every gate opened every seal and listed HMAC(gate key, 'code:' + code). */
function oldBuild(store: GateStore, key: Buffer, gate: Gate, now: number, earlyMs: number) {
  const gateKey = gateKeyOf(key, gate.id);
  const open = codeOpener(key);
  const entries: { h: string; from?: number; until: number }[] = [];
  for (const p of store.sealedCodes(now)) {
    if (p.gates && !(JSON.parse(p.gates) as string[]).includes(gate.id)) continue;
    const code = open(p.code_sealed);
    if (code)
      entries.push({
        h: createHmac('sha256', gateKey).update(`code:${code}`).digest('hex'),
        from: p.valid_from - earlyMs,
        until: p.valid_until,
      });
  }
  const list = { version: 1, gate: gate.id, issuedAt: now, validUntil: now + 86_400_000, entries };
  return { ...list, sig: signAllowList(gateKey, list) };
}

/** HMAC-SHA256 with the key's inner and outer pads hashed once, each try copying those states. */
function precomputedHmac(key: Buffer) {
  const block = Buffer.alloc(64);
  key.copy(block);
  const pad = (x: number) => Buffer.from(block.map((b) => b ^ x));
  const inner = createHash('sha256').update(pad(0x36));
  const outer = createHash('sha256').update(pad(0x5c));
  return (msg: string) => outer.copy().update(inner.copy().update(msg).digest()).digest();
}

function attackRate(gateKey: Buffer): { createHmac: number; precomputed: number } {
  const rate = (fn: (m: string) => unknown) => {
    const t0 = performance.now();
    for (let i = 0; i < ATTACK_TRIES; i++) fn(`code:${String(i).padStart(8, '0')}`);
    return Math.round(ATTACK_TRIES / ((performance.now() - t0) / 1000));
  };
  const fast = precomputedHmac(gateKey);
  // the two agree: the shortcut is HMAC
  if (!fast('code:1').equals(createHmac('sha256', gateKey).update('code:1').digest()))
    throw new Error('precomputed HMAC differs from createHmac');
  return {
    createHmac: rate((m) => createHmac('sha256', gateKey).update(m).digest()),
    precomputed: rate(fast),
  };
}

export async function runAllowListBench(): Promise<AllowListBenchResult> {
  const key = Buffer.alloc(32, 7);
  const now = Date.now();
  const store = seed(key, now);
  const config = VisitorsSchema.parse({});
  const gates: Gate[] = Array.from({ length: GATES }, (_, i) => ({
    id: `g${i}`,
    zone: 'z',
    deviceId: `d${i}`,
  }));
  const publisher = new AllowListPublisher(store, {
    gates,
    key,
    config,
    badgesFor: () => [],
    clock: systemClock,
    log: silentLogger,
    send: async () => undefined,
  });
  const earlyMs = config.pass.earlyMinutes * 60_000;
  const list = publisher.build(gates[0]!, now);
  if ((list.entries as unknown[]).length !== PASSES) throw new Error('not every pass was listed');
  const buildMs = await timed(() => publisher.build(gates[0]!, now));
  const oldBuildMs = await timed(() => oldBuild(store, key, gates[0]!, now, earlyMs));
  const publishAllMs = await timed(() => publisher.publishAll(), 3);
  const oldPublishAllMs = await timed(() => {
    for (const g of gates) JSON.stringify(oldBuild(store, key, g, now, earlyMs));
  }, 3);
  const gateKey = gateKeyOf(key, 'g0');
  const attackHmacPerS = attackRate(gateKey);
  const best = Math.max(attackHmacPerS.createHmac, attackHmacPerS.precomputed);
  const result: AllowListBenchResult = {
    passes: PASSES,
    buildMs,
    oldBuildMs,
    publishAllMs,
    oldPublishAllMs,
    gates: GATES,
    bytes: JSON.stringify(list).length,
    oldBytes: JSON.stringify(oldBuild(store, key, gates[0]!, now, earlyMs)).length,
    attackHmacPerS,
    oldCodeSpaceS: Math.round(1e8 / best),
    tagSpaceYears: 2 ** 128 / best / (365.25 * 86_400),
  };
  mkdirSync(here('./results/'), { recursive: true });
  writeFileSync(
    here('./results/allowlist.json'),
    `${JSON.stringify({ scenario: 'allowlist', date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, ...result }, null, 2)}\n`,
  );
  return result;
}

export function printAllowList(r: AllowListBenchResult): void {
  const n = (v: number) => v.toLocaleString('en');
  console.log(`allowlist: ${n(r.passes)} active passes per gate (median of ${RUNS} runs, 3 for ten gates)`);
  console.log(`  one gate's list, QR tags (now):     ${r.buildMs} ms, ${n(r.bytes)} bytes`);
  console.log(`  one gate's list, codes (before):    ${r.oldBuildMs} ms, ${n(r.oldBytes)} bytes`);
  console.log(`  ${r.gates} gates published (tags once):  ${r.publishAllMs} ms`);
  console.log(`  ${r.gates} gates, codes (before):         ${r.oldPublishAllMs} ms`);
  console.log(
    `  HMAC-SHA256 with one gate's key, one core: ${n(r.attackHmacPerS.createHmac)}/s (createHmac), ${n(r.attackHmacPerS.precomputed)}/s (pads hashed once)`,
  );
  console.log(`  → all 10^8 codes against the old list: ${n(r.oldCodeSpaceS)} s on one core`);
  console.log(`  → 2^128 tags against the new list: ${r.tagSpaceYears.toExponential(1)} years`);
}
