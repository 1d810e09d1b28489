import { createHmac } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { codeOpener, subKey } from './code-seal.js';
import type { Gate } from './gate-service.js';
import type { GateStore } from './gate-store.js';
import { qrTagger } from './pass-qr.js';
import type { VisitorsConfig } from './visitor-schema.js';

/**
 * Each gate's offline allow-list: what it may open on its own when the hub is unreachable. Retained on the
 * gate's `allowlist` topic and refreshed every `allowList.refreshMinutes` (and soon after a pass changes).
 *
 *   { version, gate, issuedAt, validUntil, entries: [{ h, from, until }], sig }
 *
 * `h` = HMAC-SHA256(gate key, 'qr:<tag>') in hex for a pass valid at this gate (the 128-bit tag of its QR
 * `FH2:<code>.<tag>`, pass-qr.ts), or HMAC-SHA256(gate key, 'card:<badge>') for a staff badge that opens this
 * gate. Typed 8-digit codes (and ID cards) have no entry: the hub alone checks them. `sig` = HMAC-SHA256(gate
 * key, the JSON of the list without `sig`). The gate key is the gate's own (`GET /api/v1/gates/:id/allowlist-key`,
 * provisioned once), derived from the visitors key and the gate id.
 *
 * Why tags and not codes: the gate key sits in every controller. With it, an entry `HMAC(key, 'code:' + code)`
 * falls to trying all 10^8 codes (minutes in Node on one core, seconds in native code: `npm run bench
 * allowlist`), and the code then opens every gate. An entry over a 128-bit tag needs 2^128 tries; and gate B's
 * entries are keyed with B's key. What one gate's key still gives: forging that gate's list (so opening that
 * gate), and trying badge numbers against its `card` entries (see the README).
 */
export function gateKeyOf(key: Buffer, gateId: string): Buffer {
  return subKey(key, `gate-allowlist:${gateId}`);
}

export function allowListHash(gateKey: Buffer, type: 'qr' | 'card', value: string): string {
  return createHmac('sha256', gateKey).update(`${type}:${value}`).digest('hex');
}

export function signAllowList(gateKey: Buffer, list: Record<string, unknown>): string {
  return createHmac('sha256', gateKey).update(JSON.stringify(list)).digest('hex');
}

/** An active pass as the lists need it: its QR tag, when it opens, and its gates (null: every gate). */
export interface ListedPass {
  tag: string;
  from: number;
  until: number;
  gates: string[] | null;
}

export class AllowListPublisher {
  private timer?: unknown;
  private soon?: unknown;
  private version = 0;

  constructor(
    private readonly store: GateStore,
    private readonly deps: {
      gates: Iterable<Gate>;
      key: Buffer;
      config: VisitorsConfig;
      /** Staff badges from the site file that open each gate (raw numbers: the site file has them). */
      badgesFor(gate: Gate): string[];
      clock: Clock;
      log: Logger;
      send(assetId: string, channel: string, payload: string, opts: { retain: true }): Promise<void>;
    },
  ) {}

  start(): void {
    this.version = this.deps.clock.now();
    void this.publishAll();
    this.timer = this.deps.clock.setInterval(
      () => void this.publishAll(),
      this.deps.config.allowList.refreshMinutes * 60_000,
    );
  }

  stop(): void {
    this.deps.clock.clearInterval(this.timer);
    this.deps.clock.clearTimeout(this.soon);
  }

  /** A pass was issued or revoked: publish again within a second (bursts coalesce). */
  changed(): void {
    if (this.soon !== undefined) return;
    this.soon = this.deps.clock.setTimeout(() => {
      this.soon = undefined;
      void this.publishAll();
    }, 1_000);
  }

  /** The active passes' tags, derived once per publication for all gates. */
  listedPasses(now: number): ListedPass[] {
    const open = codeOpener(this.deps.key);
    const tagOf = qrTagger(this.deps.key);
    const early = this.deps.config.pass.earlyMinutes * 60_000;
    const passes: ListedPass[] = [];
    for (const p of this.store.sealedCodes(now)) {
      const code = open(p.code_sealed);
      if (code)
        passes.push({
          tag: tagOf(p.id, code),
          from: p.valid_from - early,
          until: p.valid_until,
          gates: p.gates ? (JSON.parse(p.gates) as string[]) : null,
        });
    }
    return passes;
  }

  /** One gate's list: the passes valid at this gate (none limited to others), and its badges. */
  build(gate: Gate, now: number, passes = this.listedPasses(now)): Record<string, unknown> {
    const gateKey = gateKeyOf(this.deps.key, gate.id);
    const entries: { h: string; from?: number; until: number }[] = [];
    for (const p of passes) {
      if (p.gates && !p.gates.includes(gate.id)) continue;
      entries.push({ h: allowListHash(gateKey, 'qr', p.tag), from: p.from, until: p.until });
    }
    const validUntil = now + this.deps.config.allowList.validHours * 3_600_000;
    for (const badge of this.deps.badgesFor(gate))
      entries.push({ h: allowListHash(gateKey, 'card', badge), until: validUntil });
    const list = { version: ++this.version, gate: gate.id, issuedAt: now, validUntil, entries };
    return { ...list, sig: signAllowList(gateKey, list) };
  }

  async publishAll(): Promise<void> {
    const now = this.deps.clock.now();
    const passes = this.listedPasses(now);
    for (const gate of this.deps.gates) {
      try {
        const list = JSON.stringify(this.build(gate, now, passes));
        await this.deps.send(gate.id, 'allowlist', list, { retain: true });
      } catch (err) {
        // the gate's link is down: the next refresh tries again; the gate keeps its last list meanwhile
        this.deps.log.debug({ gate: gate.id, err: (err as Error).message }, 'allow-list not sent');
      }
    }
  }
}
