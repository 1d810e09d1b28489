import { createHmac } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { openCode, subKey } from './code-seal.js';
import type { Gate } from './gate-service.js';
import type { GateStore } from './gate-store.js';
import type { VisitorsConfig } from './visitor-schema.js';

/**
 * Each gate's offline allow-list: what it may open on its own when the hub is unreachable. Retained on the
 * gate's `allowlist` topic and refreshed every `allowList.refreshMinutes` (and soon after a pass changes).
 *
 *   { version, gate, issuedAt, validUntil, entries: [{ h, from, until }], sig }
 *
 * `h` = HMAC-SHA256(gate key, '<type>:<value>') in hex, for type `code` (a pass code; a QR's `FH1:<code>` is
 * the same code) and `card` (a staff badge that opens this gate). `sig` = HMAC-SHA256(gate key, the JSON of
 * the list without `sig`). The gate key is the gate's own (`GET /api/v1/gates/:id/allowlist-key`,
 * provisioned once): a list is only readable and only forgeable with it, and the broker lets only that gate
 * read its topic. A gate must refuse a list whose `sig` does not verify or whose `validUntil` has passed.
 */
export function gateKeyOf(key: Buffer, gateId: string): Buffer {
  return subKey(key, `gate-allowlist:${gateId}`);
}

export function allowListHash(gateKey: Buffer, type: 'code' | 'card', value: string): string {
  return createHmac('sha256', gateKey).update(`${type}:${value}`).digest('hex');
}

export function signAllowList(gateKey: Buffer, list: Record<string, unknown>): string {
  return createHmac('sha256', gateKey).update(JSON.stringify(list)).digest('hex');
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

  build(gate: Gate, now: number): Record<string, unknown> {
    const gateKey = gateKeyOf(this.deps.key, gate.id);
    const entries: { h: string; from?: number; until: number }[] = [];
    const early = this.deps.config.pass.earlyMinutes * 60_000;
    for (const p of this.store.sealedCodes(now)) {
      if (p.gates && !(JSON.parse(p.gates) as string[]).includes(gate.id)) continue;
      const code = openCode(this.deps.key, p.code_sealed);
      if (code)
        entries.push({
          h: allowListHash(gateKey, 'code', code),
          from: p.valid_from - early,
          until: p.valid_until,
        });
    }
    const validUntil = now + this.deps.config.allowList.validHours * 3_600_000;
    for (const badge of this.deps.badgesFor(gate))
      entries.push({ h: allowListHash(gateKey, 'card', badge), until: validUntil });
    const list = { version: ++this.version, gate: gate.id, issuedAt: now, validUntil, entries };
    return { ...list, sig: signAllowList(gateKey, list) };
  }

  async publishAll(): Promise<void> {
    const now = this.deps.clock.now();
    for (const gate of this.deps.gates) {
      try {
        await this.deps.send(gate.id, 'allowlist', JSON.stringify(this.build(gate, now)), { retain: true });
      } catch (err) {
        // the gate's link is down: the next refresh tries again; the gate keeps its last list meanwhile
        this.deps.log.debug({ gate: gate.id, err: (err as Error).message }, 'allow-list not sent');
      }
    }
  }
}
