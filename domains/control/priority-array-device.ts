import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { CommandRequester, CommandResult, CommandService } from '../../core/devices/command-service.js';
import type { Logger } from '../../core/logger.js';
import type { DeviceState, PointValue } from '../../core/model/reading.js';
import type { PointDef } from '../../core/model/site-model.js';
import type { LastWrite } from './control-store.js';
import type { Slot } from './control-types.js';
import { effectiveOf, type WriteMode } from './priority-array-arbitration.js';

/** One command point as the array keeps it in memory. */
export interface PointRuntime {
  def: PointDef;
  mode: WriteMode;
  /** Non-null levels, highest priority first. */
  slots: Slot[];
  /** `effective`: the effective value has not reached the device. `levels`: some of `dirty` have not. */
  pending: boolean;
  /** BACnet levels whose value (or relinquish) the device's own array does not have yet. */
  dirty: Set<number>;
  lastWrite?: LastWrite;
  /** Commands and writes of this point run one after another, in order. */
  queue: Promise<unknown>;
  /** The slow retry: not before this time, and the wait after the next failure. */
  retryAt: number;
  retryDelayMs: number;
}

/** What a flush did: the command service's result of the last write, or the error that stopped it. */
export interface FlushOutcome {
  written?: CommandResult;
  error?: unknown;
}

const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 600_000;

/**
 * The device side of the priority arrays: writes through the command service (the one door: permission-checked,
 * audited, read back), each device's online state, and the retry of pending points when their device comes back
 * (`device.link-changed`) or on a slow timer with backoff.
 */
export class ArrayDeviceWriter {
  private readonly deviceStates = new Map<string, DeviceState>();

  constructor(
    private readonly opts: {
      commands: CommandService;
      bus: EventBus;
      clock: Clock;
      log: Logger;
      deviceState: (deviceId: string) => DeviceState;
      /** Called after each write attempt (stored, and the change emitted). */
      wrote: (rt: PointRuntime) => void;
    },
  ) {}

  /** Online, offline or not known yet (the hub is connecting). */
  stateOf(deviceId: string | undefined): DeviceState {
    if (!deviceId) return 'unknown';
    let s = this.deviceStates.get(deviceId);
    if (s === undefined) {
      s = this.opts.deviceState(deviceId);
      this.deviceStates.set(deviceId, s);
    }
    return s;
  }

  setState(deviceId: string, state: DeviceState): void {
    this.deviceStates.set(deviceId, state);
  }

  /**
   * Send the device what it lacks: `levels`, each dirty level (value or relinquish) at that priority; `effective`,
   * the effective value at its level. Stops at the first failure: the rest stays pending with the error.
   */
  async flush(rt: PointRuntime, by: CommandRequester, reason: string | undefined): Promise<FlushOutcome> {
    const { commands, clock } = this.opts;
    const id = rt.def.id;
    const out: FlushOutcome = {};
    const attempt = async (value: PointValue | null, level: number) => {
      try {
        out.written =
          value === null
            ? await commands.relinquish(by, id, level, reason)
            : await commands.write(by, id, value, reason, level);
        rt.lastWrite = { value, level, ts: clock.now(), ok: true };
        return true;
      } catch (err) {
        out.error = err;
        rt.lastWrite = { value, level, ts: clock.now(), ok: false, error: (err as Error).message };
        return false;
      }
    };
    if (rt.mode === 'levels') {
      for (const level of [...rt.dirty].sort((a, b) => a - b)) {
        const value = rt.slots.find((s) => s.level === level)?.value ?? null;
        if (!(await attempt(value, level))) break;
        rt.dirty.delete(level);
      }
      rt.pending = rt.dirty.size > 0;
    } else {
      const eff = effectiveOf(rt.slots);
      if (eff.value === null || eff.level === null) rt.pending = false;
      else rt.pending = !(await attempt(eff.value, eff.level));
    }
    if (rt.pending) {
      rt.retryAt = clock.now() + rt.retryDelayMs;
      rt.retryDelayMs = Math.min(rt.retryDelayMs * 2, MAX_RETRY_MS);
    } else this.resetRetry(rt);
    this.opts.wrote(rt);
    return out;
  }

  /** A point that needs a write but whose device is known to be offline: pending, said so, tried on return. */
  markOffline(rt: PointRuntime): void {
    rt.lastWrite = {
      value: rt.lastWrite?.value ?? null,
      level: rt.lastWrite?.level ?? null,
      ts: this.opts.clock.now(),
      ok: false,
      error: `device ${rt.def.deviceId} is offline: written when it is back`,
    };
  }

  resetRetry(rt: PointRuntime): void {
    rt.retryAt = 0;
    rt.retryDelayMs = FIRST_RETRY_MS;
  }

  static firstRetryMs = FIRST_RETRY_MS;
}
