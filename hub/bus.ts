import type { AlertState, AlertView } from '../rules/alert-types.js';
import type { Logger } from './logger.js';
import type { DeviceState, LinkState, PointValue, Quality, Reading } from './model/reading.js';

/** The one list of events. Names are dot.case, past tense. */
export interface EventMap {
  /** A batch of normalised readings, in arrival order. Listeners must not keep or mutate the array. */
  'readings.accepted': Reading[];
  /** A point's quality changed without a new value (staleness). */
  'point.quality-changed': { pointId: string; quality: Quality; reason: string; ts: number };
  /** A link (one connection an adapter holds) changed state. */
  'link.changed': { linkId: string; state: LinkState; previous: LinkState; error?: string; ts: number };
  /** A device behind a link came online or went offline. */
  'device.link-changed': {
    deviceId: string;
    state: DeviceState;
    previous: DeviceState;
    reason?: string;
    ts: number;
  };
  /** Sessions or tokens that no longer hold: live connections using them are closed. */
  'auth.revoked': {
    userId?: number;
    sessionId?: string;
    exceptSessionId?: string;
    tokenId?: string;
    reason: string;
    /** Permissions changed but access stays: clients should reconnect and re-authenticate. */
    reconnect?: boolean;
  };
  /**
   * The InfluxDB outbox crossed 80 % of its bound (high), dropped lines (dropping), or came back under 70 %
   * (ok). The rules engine turns this into an alert.
   */
  'storage.outbox-changed': {
    state: 'ok' | 'high' | 'dropping';
    fill: number;
    droppedLines: number;
    ts: number;
  };
  /**
   * A counter went down: a rollover (its register wrapped at the point's rolloverAt) or a reset (the meter
   * was replaced or cleared). Consumption is counted through it, never negative.
   */
  'counter.jumped': { pointId: string; kind: 'rollover' | 'reset'; from: number; to: number; ts: number };
  /** A write to a device finished (ok or failed). */
  'command.completed': {
    pointId: string;
    value: PointValue;
    ok: boolean;
    error?: string;
    actor: string;
    ts: number;
  };
  /** A new occurrence: the alert went from normal (or returned-unacknowledged) to unacked. */
  'alert.raised': { alert: AlertView };
  /** Any other change of state (ack, shelve, suppress, flapping, ...), with who made it (a username or 'system'). */
  'alert.changed': { alert: AlertView; from: AlertState; to: AlertState; by: string };
  /** The alert's condition returned to normal (unacked → rtn-unacked, acked → normal). */
  'alert.cleared': { alert: AlertView };
}

export type EventName = keyof EventMap;
type Listener<K extends EventName> = (payload: EventMap[K]) => void;

/** Synchronous typed bus. A listener that throws is logged and isolated: the others still run. */
export class EventBus {
  private listeners: { [K in EventName]?: Listener<K>[] } = {};

  constructor(private readonly log: Logger) {}

  on<K extends EventName>(event: K, listener: Listener<K>): () => void {
    if (!this.listeners[event]) this.listeners[event] = [];
    const list = this.listeners[event] as Listener<K>[];
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  emit<K extends EventName>(event: K, payload: EventMap[K]): void {
    const list = this.listeners[event] as Listener<K>[] | undefined;
    if (!list) return;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(payload);
      } catch (err) {
        this.log.error({ err, event }, 'event listener failed');
      }
    }
  }

  listenerCount(event: EventName): number {
    return this.listeners[event]?.length ?? 0;
  }
}
