import type { DeviceMessage } from './devices/driver.js';
import type { Logger } from './logger.js';
import type { DeviceState, LinkState, PointValue, Quality, Reading } from './model/reading.js';

/**
 * The events on the bus. Names are dot.case, past tense. Core declares its own here; each layer above adds
 * its events to this interface where it defines them (`declare module '…/core/bus.js'` in an `*-events.ts`
 * file beside the code that emits them), so the bus stays one typed list while core imports nothing above it.
 */
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
  /**
   * A counter went down: a rollover (its register wrapped at the point's rolloverAt) or a reset (the meter
   * was replaced or cleared). Consumption is counted through it, never negative.
   */
  'counter.jumped': { pointId: string; kind: 'rollover' | 'reset'; from: number; to: number; ts: number };
  /** A write to a device finished (ok or failed). */
  'command.completed': {
    pointId: string;
    /** null: a priority was relinquished. */
    value: PointValue | null;
    ok: boolean;
    error?: string;
    actor: string;
    ts: number;
  };
  /** A device sent a message on one of its channels (not a reading): see core/devices/driver.ts DeviceMessage. */
  'device.message': DeviceMessage;
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
