import type { z } from 'zod';
import type { AuditTrail } from '../../core/actor.js';
import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { DeviceMessage } from '../../core/devices/driver.js';
import type { Logger } from '../../core/logger.js';
import { gateDevices } from '../../core/model/asset-channels.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { BusinessCalendar } from '../../core/time/business-time.js';
import type { Verdict } from './gate-decider.js';
import {
  type Door,
  DoorSchema,
  type Passage,
  PassageSchema,
  parseGatePayload,
  type Scan,
  ScanSchema,
  SyncSchema,
} from './gate-messages.js';
import type { DecisionRow, GateStore } from './gate-store.js';
import type { CredentialType, DecisionMessage } from './gate-types.js';
import { GateVerdicts } from './gate-verdicts.js';
import { keyedHash } from './privacy.js';
import type { VisitorsConfig } from './visitor-schema.js';

export interface Gate {
  id: string;
  zone: string;
  deviceId: string;
}

export interface GateStats {
  scans: number;
  opened: number;
  denied: number;
  malformed: number;
  /** Decisions the hub could not send (the gate's link down). */
  sendFailures: number;
  offlineEvents: number;
  /** Scans that repeated a recorded scan's nonce with another credential (denied, audited). */
  nonceReused: number;
  lastProblem?: string;
}

/** How long a decision keeps its credential's hash for telling a retry from a reused nonce. */
export const CREDENTIAL_KEPT_MS = 86_400_000;
/** A live message's own time is trusted this far from its arrival (a gate's clock may be off). */
const LIVE_SKEW_MS = 60_000;

/**
 * When it happened: the gate's time for offline events; for live ones too when it is plausible (a message
 * the gate's MQTT client held while disconnected arrives late, and order matters for who is inside), else
 * the arrival.
 */
function gateTime(gateTs: number | undefined, receivedAt: number, offline: boolean): number {
  if (gateTs === undefined) return receivedAt;
  if (offline) return gateTs;
  return gateTs <= receivedAt + LIVE_SKEW_MS && gateTs >= receivedAt - LIVE_SKEW_MS ? gateTs : receivedAt;
}

/** The gates the hub decides for: the configured list, or every gate asset on MQTT (as the adapter sees them). */
export function visitorGates(site: SiteModel, config: VisitorsConfig): Gate[] {
  const mqtt = gateDevices(site);
  return (config.gates ?? [...mqtt.keys()]).map((id) => ({
    id,
    zone: site.assetById.get(id)!.zone,
    deviceId: mqtt.get(id)!,
  }));
}

/**
 * The gates' side of the hub: a scan is answered on the gate's decision topic (pass validity, anti-passback,
 * staff badges by zone and schedule), and every decision, passage and door event is kept, announced on the
 * bus (gate.scanned, gate.passed, gate.door) and counted. A gate's offline sync replays what it decided alone,
 * once (decisions are unique per gate and nonce).
 */
export class GateService {
  readonly gates: ReadonlyMap<string, Gate>;
  private readonly stats = new Map<string, GateStats>();
  private readonly problemLogged = new Set<string>();
  /** Lookups, held entries and the decider (gate-verdicts.ts). */
  readonly verdicts: GateVerdicts;
  /** Decisions being sent, by `<gate>|<nonce>`, until recorded. */
  private readonly deciding = new Map<string, DecisionRow>();
  private off?: () => void;
  private forgetTimer?: unknown;

  constructor(
    private readonly store: GateStore,
    private readonly deps: {
      site: SiteModel;
      config: VisitorsConfig;
      key: Buffer;
      bus: EventBus;
      clock: Clock;
      log: Logger;
      calendars: ReadonlyMap<string, BusinessCalendar>;
      audit: AuditTrail;
      /** visitorGates(): the gates it answers for. */
      gates: readonly Gate[];
      send(assetId: string, channel: string, payload: string): Promise<void>;
    },
  ) {
    this.gates = new Map(deps.gates.map((g) => [g.id, g]));
    this.verdicts = new GateVerdicts(store, deps);
    const zero = { scans: 0, opened: 0, denied: 0, malformed: 0, sendFailures: 0, offlineEvents: 0 };
    for (const id of this.gates.keys()) this.stats.set(id, { ...zero, nonceReused: 0 });
    store.syncBadges(
      deps.config.staff.map((b) => ({
        badge_hash: keyedHash(deps.key, 'badge', b.badge),
        badge_masked: `****${b.badge.slice(-4)}`,
        holder: b.holder,
        zones: JSON.stringify(b.zones),
        schedule: b.schedule ?? null,
      })),
      deps.clock.now(),
    );
  }

  start(): void {
    this.off = this.deps.bus.on('device.message', (m) => this.message(m));
    const forget = () => this.store.forgetCredentials(this.deps.clock.now() - CREDENTIAL_KEPT_MS);
    forget();
    this.forgetTimer = this.deps.clock.setInterval(forget, 3_600_000);
  }

  stop(): void {
    this.off?.();
    this.deps.clock.clearInterval(this.forgetTimer);
  }

  statsByGate(): Record<string, GateStats> {
    return Object.fromEntries(this.stats);
  }

  private message(m: DeviceMessage): void {
    const gate = this.gates.get(m.assetId);
    if (!gate) return;
    const handle = <T>(schema: z.ZodType<T>, fn: (value: T) => void) => {
      const r = parseGatePayload(schema, m.payload);
      if (r.ok) fn(r.value);
      else this.malformed(gate, m, r.problem);
    };
    switch (m.channel) {
      case 'scan':
        handle(ScanSchema, (scan) => void this.scan(gate, scan, m.ts));
        break;
      case 'door':
        handle(DoorSchema, (door) => this.door(gate, door, m.ts, false));
        break;
      case 'passage':
        handle(PassageSchema, (p) => this.passage(gate, p, m.ts, false));
        break;
      case 'sync':
        handle(SyncSchema, (sync) => this.sync(gate, sync.events));
        break;
    }
  }

  /**
   * Decide, answer, record. The answer goes first: the person is waiting at the gate. A retry (the nonce of a
   * recorded scan) is answered again only when it presents the same credential; an open entry is held until
   * its passage (or the door time) so that no other gate lets the same pass in meanwhile.
   */
  async scan(gate: Gate, scan: Scan, receivedAt: number): Promise<void> {
    const stats = this.stats.get(gate.id)!;
    stats.scans++;
    const now = this.deps.clock.now();
    const credentialHash = this.verdicts.credentialHash(scan.credential);
    const key = `${gate.id}|${scan.nonce}`;
    // a retry may come while the first answer is still being sent (and not yet recorded)
    const earlier = this.deciding.get(key) ?? this.store.decisionByNonce(gate.id, scan.nonce);
    if (earlier && earlier.credential_hash !== credentialHash)
      return this.nonceReused(gate, scan, earlier, receivedAt);
    const verdict: Verdict = earlier
      ? {
          decision: earlier.decision,
          reason: (earlier.reason ?? undefined) as Verdict['reason'],
          passId: earlier.pass_id ?? undefined,
          badgeId: earlier.badge_id ?? undefined,
        }
      : this.verdicts.verdict(gate, scan, now);
    const row: DecisionRow = {
      ts: receivedAt,
      gate_id: gate.id,
      nonce: scan.nonce,
      credential_type: scan.credential.type,
      credential_hash: credentialHash,
      decision: verdict.decision,
      reason: verdict.reason ?? null,
      pass_id: verdict.passId ?? null,
      badge_id: verdict.badgeId ?? null,
      direction: scan.direction,
      offline: 0,
      latency_ms: null,
    };
    if (!earlier) {
      this.verdicts.hold(verdict, gate.id, scan.nonce, scan.direction, now);
      this.deciding.set(key, row);
    }
    const answer: DecisionMessage = {
      nonce: scan.nonce,
      decision: verdict.decision,
      ...(verdict.reason ? { reason: verdict.reason } : {}),
      ...(verdict.passId ? { passId: verdict.passId } : {}),
      ...(verdict.name ? { name: verdict.name } : {}),
      ts: this.deps.clock.now(),
    };
    let sent = true;
    try {
      await this.deps.send(gate.id, 'decision', JSON.stringify(answer));
    } catch (err) {
      sent = false;
      stats.sendFailures++;
      if (!earlier) this.verdicts.passed(gate.id, scan.nonce); // the gate never heard "open": nobody passes
      this.problem(gate.id, 'send', `decision not sent: ${(err as Error).message}`);
    }
    if (earlier) return; // a retry: answered again, recorded once
    this.deciding.delete(key);
    if (verdict.decision === 'open') stats.opened++;
    else stats.denied++;
    row.reason ??= sent ? null : 'not-sent';
    row.latency_ms = sent ? this.deps.clock.now() - receivedAt : null;
    this.store.recordDecision(row);
    this.deps.bus.emit('gate.scanned', {
      gateId: gate.id,
      nonce: scan.nonce,
      credentialType: scan.credential.type,
      decision: verdict.decision,
      reason: verdict.reason,
      passId: verdict.passId,
      badge: verdict.badgeId === undefined ? undefined : String(verdict.badgeId),
      direction: scan.direction,
      ts: receivedAt,
      offline: false,
    });
  }

  /** A scan that reuses a recorded nonce with another credential: denied, not given the recorded verdict. */
  private async nonceReused(gate: Gate, scan: Scan, earlier: DecisionRow, receivedAt: number) {
    const stats = this.stats.get(gate.id)!;
    stats.denied++;
    this.reportNonceReused(gate, scan, earlier, receivedAt, false);
    const answer: DecisionMessage = {
      nonce: scan.nonce,
      decision: 'deny',
      reason: 'nonce-reused',
      ts: this.deps.clock.now(),
    };
    try {
      await this.deps.send(gate.id, 'decision', JSON.stringify(answer));
    } catch (err) {
      stats.sendFailures++;
      this.problem(gate.id, 'send', `decision not sent: ${(err as Error).message}`);
    }
  }

  /**
   * The nonce of a recorded scan with another credential is not a retry (a retry repeats the same scan): a
   * buggy or forged controller. Counted, audited as the gate's device, announced; the recorded row stays.
   */
  private reportNonceReused(
    gate: Gate,
    scan: { nonce: string; credential: { type: CredentialType }; direction: 'in' | 'out' },
    earlier: DecisionRow,
    ts: number,
    offline: boolean,
  ): void {
    this.stats.get(gate.id)!.nonceReused++;
    this.problem(gate.id, 'nonce', `scan ${scan.nonce} repeated with another credential: not a retry`);
    this.deps.audit.record(
      { actor: gate.deviceId, via: 'device' },
      {
        action: 'gate.nonce-reused',
        target: gate.id,
        outcome: 'denied',
        detail: `nonce ${scan.nonce}${offline ? ' (offline sync)' : ''}: another ${scan.credential.type} than the recorded ${earlier.credential_type}`,
      },
    );
    this.deps.bus.emit('gate.scanned', {
      gateId: gate.id,
      nonce: scan.nonce,
      credentialType: scan.credential.type,
      decision: 'deny',
      reason: 'nonce-reused',
      direction: scan.direction,
      ts,
      offline,
    });
  }

  passage(gate: Gate, p: Passage, receivedAt: number, offline: boolean): void {
    const ts = gateTime(p.ts, receivedAt, offline);
    let { passId } = p;
    let badgeId: number | undefined;
    if (p.nonce) {
      const d = this.store.decisionByNonce(gate.id, p.nonce);
      passId ??= d?.pass_id ?? undefined;
      badgeId = d?.badge_id ?? undefined;
    }
    if (badgeId === undefined && p.badge)
      badgeId = this.store.badge(keyedHash(this.deps.key, 'badge', p.badge))?.id;
    // the entry held since the decision is counted by the passage itself from now on
    this.verdicts.passed(gate.id, p.nonce, passId, badgeId);
    const fresh = this.store.recordPassage({
      ts,
      gateId: gate.id,
      direction: p.direction,
      passId,
      badgeId,
      offline,
      nonce: p.nonce,
    });
    if (!fresh) return;
    this.deps.bus.emit('gate.passed', {
      gateId: gate.id,
      direction: p.direction,
      passId,
      badge: badgeId === undefined ? undefined : String(badgeId),
      ts,
      offline,
    });
  }

  door(gate: Gate, d: Door, receivedAt: number, offline: boolean): void {
    const ts = gateTime(d.ts, receivedAt, offline);
    this.store.recordDoor(ts, gate.id, d.event, offline);
    this.deps.bus.emit('gate.door', { gateId: gate.id, event: d.event, ts, offline });
  }

  /** The gate's offline events, in its order; a decision it already reported is skipped. */
  private sync(gate: Gate, events: import('./gate-messages.js').SyncEvent[]): void {
    const stats = this.stats.get(gate.id)!;
    for (const e of events) {
      stats.offlineEvents++;
      if (e.kind === 'decision') {
        const credentialHash = this.verdicts.credentialHash(e.credential);
        const inserted = this.store.recordDecision({
          ts: e.ts,
          gate_id: gate.id,
          nonce: e.nonce,
          credential_type: e.credential.type,
          credential_hash: credentialHash,
          decision: e.decision,
          reason: e.decision === 'deny' ? 'offline' : null,
          pass_id: null,
          badge_id: null,
          direction: e.direction,
          offline: 1,
          latency_ms: null,
        });
        if (!inserted) {
          // a replayed sync is the same scan; the nonce of another scan with another credential is not
          const earlier = this.store.decisionByNonce(gate.id, e.nonce);
          if (earlier && earlier.credential_hash !== credentialHash)
            this.reportNonceReused(gate, e, earlier, e.ts, true);
          continue;
        }
        // who it was, if the hub knows the credential (the gate only had hashes)
        const who = this.verdicts.verdict(gate, e, e.ts);
        if (who.passId !== undefined || who.badgeId !== undefined)
          this.store.patchDecision(gate.id, e.nonce, who.passId, who.badgeId);
        this.deps.bus.emit('gate.scanned', {
          gateId: gate.id,
          nonce: e.nonce,
          credentialType: e.credential.type,
          decision: e.decision,
          passId: who.passId,
          direction: e.direction,
          ts: e.ts,
          offline: true,
        });
      } else if (e.kind === 'passage') this.passage(gate, e, e.ts, true);
      else this.door(gate, e, e.ts, true);
    }
    this.deps.log.info({ gate: gate.id, events: events.length }, 'gate offline events reconciled');
  }

  private malformed(gate: Gate, m: DeviceMessage, problem: string): void {
    this.stats.get(gate.id)!.malformed++;
    this.problem(gate.id, m.channel, `malformed ${m.channel}: ${problem}`);
  }

  /** Logged once per gate and kind of problem (counted every time). */
  private problem(gateId: string, kind: string, text: string): void {
    this.stats.get(gateId)!.lastProblem = text;
    const k = `${gateId}|${kind}`;
    if (this.problemLogged.has(k)) return;
    this.problemLogged.add(k);
    this.deps.log.warn({ gate: gateId }, text);
  }
}
