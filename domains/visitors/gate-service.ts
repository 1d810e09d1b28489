import type { z } from 'zod';
import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { DeviceMessage } from '../../core/devices/driver.js';
import type { Logger } from '../../core/logger.js';
import { gateDevices } from '../../core/model/asset-channels.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { zoneSubtree } from '../../core/model/zones.js';
import type { BusinessCalendar } from '../../core/time/business-time.js';
import { type BadgeFacts, decide, type Verdict } from './gate-decider.js';
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
import type { GateStore } from './gate-store.js';
import type { DecisionMessage } from './gate-types.js';
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
  lastProblem?: string;
}

const QR_PREFIX = 'FH1:';
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
  /** A badge's zones (its JSON list) → them and their sub-zones. */
  private readonly badgeZones = new Map<string, ReadonlySet<string>>();
  private off?: () => void;

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
      /** visitorGates(): the gates it answers for. */
      gates: readonly Gate[];
      send(assetId: string, channel: string, payload: string): Promise<void>;
    },
  ) {
    this.gates = new Map(deps.gates.map((g) => [g.id, g]));
    for (const id of this.gates.keys())
      this.stats.set(id, { scans: 0, opened: 0, denied: 0, malformed: 0, sendFailures: 0, offlineEvents: 0 });
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
  }

  stop(): void {
    this.off?.();
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

  /** Decide, answer, record. The answer goes first: the person is waiting at the gate. */
  async scan(gate: Gate, scan: Scan, receivedAt: number): Promise<void> {
    const stats = this.stats.get(gate.id)!;
    stats.scans++;
    const earlier = this.store.decisionByNonce(gate.id, scan.nonce);
    const verdict: Verdict = earlier
      ? {
          decision: earlier.decision,
          reason: (earlier.reason ?? undefined) as Verdict['reason'],
          passId: earlier.pass_id ?? undefined,
          badgeId: earlier.badge_id ?? undefined,
        }
      : this.verdict(gate, scan, this.deps.clock.now());
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
      this.problem(gate.id, 'send', `decision not sent: ${(err as Error).message}`);
    }
    if (earlier) return; // a retry: answered again, recorded once
    if (verdict.decision === 'open') stats.opened++;
    else stats.denied++;
    const latency = this.deps.clock.now() - receivedAt;
    this.store.recordDecision({
      ts: receivedAt,
      gate_id: gate.id,
      nonce: scan.nonce,
      credential_type: scan.credential.type,
      decision: verdict.decision,
      reason: verdict.reason ?? (sent ? null : 'not-sent'),
      pass_id: verdict.passId ?? null,
      badge_id: verdict.badgeId ?? null,
      direction: scan.direction,
      offline: 0,
      latency_ms: sent ? latency : null,
    });
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

  private verdict(gate: Gate, scan: Scan, now: number): Verdict {
    const { key, config } = this.deps;
    const { type, value } = scan.credential;
    const found: Parameters<typeof decide>[1] = {};
    if (type === 'card') found.badge = this.badgeFacts(keyedHash(key, 'badge', value));
    if (type === 'id') found.pass = this.store.passByIdHash(keyedHash(key, 'id', value), now);
    if (type === 'code' || type === 'qr') {
      const code = type === 'qr' ? (value.startsWith(QR_PREFIX) ? value.slice(QR_PREFIX.length) : '') : value;
      if (code) found.pass = this.store.passByCodeHash(keyedHash(key, 'code', code));
    }
    return decide({ type, gateId: gate.id, gateZone: gate.zone, direction: scan.direction, now }, found, {
      antiPassback: config.antiPassback,
      earlyMs: config.pass.earlyMinutes * 60_000,
    });
  }

  private badgeFacts(hash: string): BadgeFacts | undefined {
    const b = this.store.badge(hash);
    if (!b) return undefined;
    // a handful of distinct lists: each expanded to its sub-zones once, not at every scan
    let zones = this.badgeZones.get(b.zones);
    if (!zones) {
      const expanded = new Set<string>();
      for (const z of JSON.parse(b.zones) as string[])
        for (const s of zoneSubtree(this.deps.site.zones, z)) expanded.add(s);
      this.badgeZones.set(b.zones, expanded);
      zones = expanded;
    }
    return {
      id: b.id,
      holder: b.holder,
      zones,
      schedule: b.schedule ? this.deps.calendars.get(b.schedule) : undefined,
      inside: b.inside === 1,
      disabled: b.disabled === 1,
    };
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
        const inserted = this.store.recordDecision({
          ts: e.ts,
          gate_id: gate.id,
          nonce: e.nonce,
          credential_type: e.credential.type,
          decision: e.decision,
          reason: e.decision === 'deny' ? 'offline' : null,
          pass_id: null,
          badge_id: null,
          direction: e.direction,
          offline: 1,
          latency_ms: null,
        });
        if (!inserted) continue;
        // who it was, if the hub knows the credential (the gate only had hashes)
        const who = this.verdict(gate, e, e.ts);
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
