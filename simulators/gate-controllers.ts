import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { channelTopic } from '../adapters/mqtt/gate-channels.js';
import { commandTopicOf, type MqttPointSource, statusTopic } from '../adapters/mqtt/mqtt-schema.js';
import { gateDevices } from '../core/model/asset-channels.js';
import type { SiteModel } from '../core/model/site-model.js';
import type { CredentialType, DecisionMessage, DenyReason } from '../domains/visitors/gate-types.js';
import { type AllowList, decideFromAllowList, parseAllowList } from './allow-list.js';
import { GateTraffic } from './gate-traffic.js';
import type { DeviceHooks, SimulatedMqttDevice } from './mqtt-devices.js';

export interface GateControllerOptions {
  /** How long a scan waits for the hub's decision before the gate decides from its allow-list. */
  decisionTimeoutMs?: number;
  /** From the door opening to the person passing. */
  passageAfterMs?: number;
  /** From the door opening to it closing again. */
  doorOpenMs?: number;
  /** Each gate's allow-list key (hex, from `GET /api/v1/gates/:id/allowlist-key`), by gate id. */
  keys?: Record<string, string>;
}

export type DoorEvent = 'opened' | 'closed' | 'forced' | 'held-open';
type Direction = 'in' | 'out';

export interface ScanOutcome {
  gateId: string;
  nonce: string;
  decision: 'open' | 'deny';
  reason?: DenyReason;
  passId?: number;
  name?: string;
  /** hub: the hub answered; allow-list: the gate decided alone (hub unreachable) and queued it for sync. */
  source: 'hub' | 'allow-list';
  offline: boolean;
}

/** What the gate queues while the hub is unreachable, sent on `…/sync` as `{ events: [...] }`. */
export type SyncEvent = { kind: 'decision' | 'passage' | 'door'; offline: true } & Record<string, unknown>;

export interface GateStatus {
  gateId: string;
  deviceId: string;
  connected: boolean;
  hubReachable: boolean;
  door: 'open' | 'closed';
  /** Held open by the hub's `hold_open` command (an evacuation scene): it stays open until released. */
  heldOpen: boolean;
  allowList?: { version: number; validUntil: number; entries: number };
  /** Why the last allow-list received is not used (no key, a bad signature, another gate's). */
  allowListProblem?: string;
  keyProvisioned: boolean;
  queued: number;
  scans: number;
  offlineDecisions: number;
  synced: number;
}

const SYNC_BATCH = 100;
const QUEUE_LIMIT = 10_000;

/**
 * A gate controller speaking the gate protocol (domains/visitors/gate-types.ts) on its device's MQTT connection:
 * scan → wait for the decision by nonce → door opened, passage, door closed. When the hub does not answer in
 * time, or the link is down, it decides from its last retained allow-list and queues every event; they go
 * out on `…/sync` (with offline: true) when the link returns: a decision answered again, or a reconnect.
 */
export class SimulatedGateController implements DeviceHooks {
  readonly will?: DeviceHooks['will'];
  private client?: MqttClient;
  private readonly topic: Record<'scan' | 'door' | 'passage' | 'sync' | 'decision' | 'allowlist', string>;
  private readonly statusTopic: string;
  /** The gate's `hold_open` command point's topic, when the site gives the gate one. */
  private readonly holdTopic?: string;
  private readonly pending = new Map<string, (d: DecisionMessage) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closeTimer?: NodeJS.Timeout;
  private allowList?: AllowList;
  /** The last retained allow-list as received, read again when a key is provisioned. */
  private allowListRaw?: Buffer;
  private gateKey?: Buffer;
  private queue: SyncEvent[] = [];
  private readonly opts: Required<Omit<GateControllerOptions, 'keys'>>;
  readonly status: GateStatus;

  constructor(
    site: SiteModel,
    readonly gateId: string,
    readonly device: SimulatedMqttDevice,
    opts: Omit<GateControllerOptions, 'keys'> & { will?: boolean; key?: string } = {},
  ) {
    const t = (channel: string) => channelTopic(site.site.id, gateId, channel);
    this.topic = {
      scan: t('scan'),
      door: t('door'),
      passage: t('passage'),
      sync: t('sync'),
      decision: t('decision'),
      allowlist: t('allowlist'),
    };
    this.statusTopic = statusTopic(site.site.id, gateId);
    const hold = site.pointById.get(`${gateId}/hold_open`);
    if (hold?.kind === 'command')
      this.holdTopic = commandTopicOf(site.site.id, gateId, hold.config as MqttPointSource);
    // one will per connection: the first gate of a device carries it
    if (opts.will !== false)
      this.will = {
        topic: this.statusTopic,
        payload: JSON.stringify({ online: false }),
        qos: 1,
        retain: true,
      };
    this.opts = {
      decisionTimeoutMs: opts.decisionTimeoutMs ?? 2_000,
      passageAfterMs: opts.passageAfterMs ?? 800,
      doorOpenMs: opts.doorOpenMs ?? 4_000,
    };
    this.status = {
      gateId,
      deviceId: device.device.id,
      connected: false,
      hubReachable: true,
      door: 'closed',
      heldOpen: false,
      keyProvisioned: false,
      queued: 0,
      scans: 0,
      offlineDecisions: 0,
      synced: 0,
    };
    device.setValue(`${gateId}/door_open`, false); // the door point follows the controller, not a curve
    if (opts.key) this.provision(opts.key);
  }

  /** Store the gate's allow-list key (hex); the last list received is checked again with it. */
  provision(keyHex: string): void {
    if (!/^[0-9a-f]{64}$/i.test(keyHex)) throw new Error('expected the gate key as 64 hex digits');
    this.gateKey = Buffer.from(keyHex, 'hex');
    this.status.keyProvisioned = true;
    if (this.allowListRaw) this.readAllowList(this.allowListRaw);
  }

  // ── DeviceHooks ──────────────────────────────────────────────────────────────────────────────────
  connected(client: MqttClient): void {
    this.client = client;
    this.status.connected = true;
    client.subscribe(
      [this.topic.decision, this.topic.allowlist, ...(this.holdTopic ? [this.holdTopic] : [])],
      { qos: 1 },
    );
    client.publish(this.statusTopic, JSON.stringify({ online: true }), { qos: 1, retain: true });
    this.reachable(); // the link is back: send what was decided without the hub
  }

  closed(): void {
    this.status.connected = false;
  }

  message(topic: string, payload: Buffer): void {
    if (topic === this.topic.decision) {
      const d = parse(payload) as DecisionMessage | undefined;
      if (typeof d?.nonce === 'string' && (d.decision === 'open' || d.decision === 'deny'))
        this.pending.get(d.nonce)?.(d);
    } else if (topic === this.topic.allowlist) this.readAllowList(payload);
    else if (topic === this.holdTopic) {
      // `{"point": "hold_open", "value": true|false|1|0}` (the hub's MQTT command)
      const c = parse(payload) as { point?: string; value?: unknown } | undefined;
      if (c?.point === 'hold_open' && c.value !== undefined && c.value !== null)
        this.holdOpen(c.value === true || c.value === 1 || c.value === 'true');
    }
  }

  /** Hold the door open (an evacuation: everyone out without a scan) or release it to close. */
  holdOpen(on: boolean): void {
    this.status.heldOpen = on;
    if (on) {
      if (this.closeTimer) clearTimeout(this.closeTimer);
      this.closeTimer = undefined;
      if (this.status.door !== 'open') this.door('opened');
    } else if (this.status.door === 'open') this.door('closed');
  }

  private readAllowList(payload: Buffer) {
    this.allowListRaw = payload;
    const { list, problem } = parseAllowList(payload, this.gateKey, this.gateId);
    this.status.allowListProblem = problem;
    // a list that does not check out leaves the last good one in force (until its validUntil)
    if (problem) return;
    this.allowList = list;
    this.status.allowList = list && {
      version: list.version,
      validUntil: list.validUntil,
      entries: list.entries.size,
    };
  }

  // ── what happens at the gate ─────────────────────────────────────────────────────────────────────
  /** Someone presents a credential. Resolves when the gate has decided (the door sequence goes on). */
  async scan(
    credential: { type: CredentialType; value: string },
    direction: Direction = 'in',
  ): Promise<ScanOutcome> {
    this.status.scans++;
    const nonce = randomUUID();
    const ts = Date.now();
    const client = this.link();
    const answer = client && (await this.ask(client, { credential, nonce, ts, direction }));
    if (answer) {
      this.reachable();
      const { decision, reason, passId, name } = answer;
      if (decision === 'open') this.open(direction, nonce, passId, credential);
      return { gateId: this.gateId, nonce, decision, reason, passId, name, source: 'hub', offline: false };
    }
    if (client) this.status.hubReachable = false; // connected, but nobody answered in time
    const local = decideFromAllowList(this.allowList, credential, this.gateId, direction, Date.now());
    this.status.offlineDecisions++;
    this.enqueue({ kind: 'decision', nonce, credential, direction, ...local, ts, offline: true });
    if (local.decision === 'open') this.open(direction, nonce, undefined, credential);
    return { gateId: this.gateId, nonce, ...local, source: 'allow-list', offline: true };
  }

  /** A door event from the door's own sensors (forced, held open) or an operator. */
  door(event: DoorEvent): void {
    this.status.door = event === 'closed' ? 'closed' : 'open';
    this.device.setValue(`${this.gateId}/door_open`, this.status.door === 'open');
    this.emit('door', { event, ts: Date.now() });
  }

  /** Someone goes through without a scan (behind someone else). */
  tailgate(direction: Direction = 'in'): void {
    this.emit('passage', { direction, ts: Date.now() });
  }

  /** Drop the MQTT connection (the gate keeps working on its allow-list) / restore it. */
  async offline(): Promise<void> {
    await this.device.stop();
  }

  online(): void {
    this.device.start();
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.closeTimer) clearTimeout(this.closeTimer);
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────────────
  private link(): MqttClient | undefined {
    return this.client?.connected ? this.client : undefined;
  }

  private ask(client: MqttClient, scan: Record<string, unknown> & { nonce: string }) {
    return new Promise<DecisionMessage | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(scan.nonce);
        resolve(undefined);
      }, this.opts.decisionTimeoutMs);
      this.pending.set(scan.nonce, (d) => {
        clearTimeout(timer);
        this.pending.delete(scan.nonce);
        resolve(d);
      });
      // a publish that fails (link dropping) ends in the timeout like a hub that does not answer
      client.publish(this.topic.scan, JSON.stringify(scan), { qos: 1 }, () => undefined);
    });
  }

  /** Door opened, the person passes, the door closes. A second opening while open keeps it open longer. */
  private open(
    direction: Direction,
    nonce: string,
    passId: number | undefined,
    credential: { type: CredentialType; value: string },
  ) {
    if (this.status.door !== 'open') this.door('opened');
    // the scan's nonce tells the hub who passed, also for a passage it only hears of by sync
    this.later(this.opts.passageAfterMs, () =>
      this.emit('passage', {
        direction,
        nonce,
        ...(passId !== undefined ? { passId } : {}),
        ...(credential.type === 'card' ? { badge: credential.value } : {}),
        ts: Date.now(),
      }),
    );
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.closeTimer = setTimeout(() => {
      this.closeTimer = undefined;
      if (this.status.door === 'open' && !this.status.heldOpen) this.door('closed');
    }, this.opts.doorOpenMs);
  }

  private later(ms: number, run: () => void) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      run();
    }, ms);
    this.timers.add(t);
  }

  /**
   * Publish a door or passage event now, or queue it while the hub is unreachable. A publish the client refuses
   * or cannot finish (the link is going down as the person passes) is queued too: the hub drops a passage it
   * hears of twice (by the scan's nonce), never one it did not hear of.
   */
  private emit(channel: 'door' | 'passage', event: Record<string, unknown>) {
    const client = this.link();
    if (client && this.status.hubReachable)
      client.publish(this.topic[channel], JSON.stringify(event), { qos: 1 }, (err) => {
        if (err) this.enqueue({ kind: channel, ...event, offline: true });
      });
    else this.enqueue({ kind: channel, ...event, offline: true });
  }

  private enqueue(e: SyncEvent) {
    this.queue.push(e);
    if (this.queue.length > QUEUE_LIMIT) this.queue.shift(); // a real controller's memory is finite too
    this.status.queued = this.queue.length;
  }

  /** The hub answers again: send the queue on sync, oldest first, in batches that fit a message. */
  private reachable() {
    this.status.hubReachable = true;
    const client = this.link();
    if (!client || !this.queue.length) return;
    const events = this.queue;
    this.queue = [];
    this.status.queued = 0;
    let requeued = 0;
    for (let i = 0; i < events.length; i += SYNC_BATCH) {
      const batch = events.slice(i, i + SYNC_BATCH);
      client.publish(this.topic.sync, JSON.stringify({ events: batch }), { qos: 1 }, (err) => {
        if (!err) {
          this.status.synced += batch.length;
          return;
        }
        // not sent (the link dropped again): back in the queue, ahead of newer events, in order
        this.queue.splice(requeued, 0, ...batch);
        requeued += batch.length;
        this.status.queued = this.queue.length;
      });
    }
  }
}

function parse(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
}

export interface GateSimulation {
  /** By gate asset id. */
  controllers: Map<string, SimulatedGateController>;
  traffic: GateTraffic;
  stop(): void;
}

/**
 * A controller for every gate of the site fed by an MQTT device, riding on its device's connection (attach
 * before the devices start), and the demo's traffic generator over them.
 */
export function createGateSimulation(
  site: SiteModel,
  devices: Map<string, SimulatedMqttDevice>,
  opts: GateControllerOptions = {},
): GateSimulation {
  const controllers = createGateControllers(site, devices, opts);
  const traffic = new GateTraffic([...controllers.values()], site.site.timezone);
  return {
    controllers,
    traffic,
    stop() {
      traffic.stop();
      for (const c of controllers.values()) c.stop();
    },
  };
}

function createGateControllers(
  site: SiteModel,
  devices: Map<string, SimulatedMqttDevice>,
  opts: GateControllerOptions,
): Map<string, SimulatedGateController> {
  const gates = new Map<string, SimulatedGateController>();
  const withWill = new Set<string>();
  for (const [gateId, deviceId] of gateDevices(site)) {
    const device = devices.get(deviceId);
    if (!device) continue;
    const { keys, ...timing } = opts;
    const gate = new SimulatedGateController(site, gateId, device, {
      ...timing,
      will: !withWill.has(deviceId),
      key: keys?.[gateId],
    });
    withWill.add(deviceId);
    device.attach(gate);
    gates.set(gateId, gate);
  }
  return gates;
}
