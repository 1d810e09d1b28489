import type { Actor, AuditTrail } from '../../core/actor.js';
import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import {
  type CommandRequester,
  type CommandResult,
  type CommandService,
  valueProblem,
} from '../../core/devices/command-service.js';
import { conflict, forbidden, invalid, notFound } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { DeviceState } from '../../core/model/reading.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { ControlStore } from './control-store.js';
import type { LevelCommand, PointControl, PointControlState, Slot } from './control-types.js';
import { LEVELS, levelName } from './control-types.js';
import './control-events.js';
import {
  afterCommand,
  effectiveOf,
  expiredSlots,
  nextExpiry,
  unchanged,
  withoutLevel,
  withSlot,
  writeModeOf,
} from './priority-array-arbitration.js';
import { ArrayDeviceWriter, type FlushOutcome, type PointRuntime } from './priority-array-device.js';

/** The array itself when it writes on its own (a retry, a re-assert, an expired override). */
export const CONTROL_REQUESTER: CommandRequester = {
  actor: 'control',
  via: 'system',
  permissions: new Set(['setpoint:write', 'gate:command'] as const),
};
const SITE_FILE: Actor = { actor: 'site-file', via: 'system' };

/** How many points commandMany() writes at once. */
const PARALLEL = 32;
/** The slow retry of pending points looks this often. */
const RETRY_TICK_MS = 5_000;

export interface PriorityArraysOptions {
  site: SiteModel;
  store: ControlStore;
  commands: CommandService;
  audit: AuditTrail;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  /** A device's state now (the supervisor's); later changes come from `device.link-changed`. */
  deviceState: (deviceId: string) => DeviceState;
  /** The devices a link serves (the supervisor's). */
  devicesOfLink: (linkId: string) => string[];
}

/** A command and what the device made of it (the old command route answers with the write's result or error). */
export interface CommandOutcome extends FlushOutcome {
  state: PointControlState;
}

/**
 * The priority arrays of every command point (see PointControl in control-types.ts). Slots live in SQLite; the
 * arbitration is priority-array-arbitration.ts; device writes and retries priority-array-device.ts.
 *
 * BACnet points get each level written to the device's own array (a value or a relinquish). Modbus, OPC UA and
 * MQTT points get the effective value when it changes (or the point is pending); when every level is relinquished
 * nothing is written and the device keeps the last value it had (unless a level-16 default holds it).
 */
export class PriorityArrays implements PointControl {
  private readonly points = new Map<string, PointRuntime>();
  private readonly writer: ArrayDeviceWriter;
  private expiryTimer: unknown;
  private retryTimer: unknown;
  private readonly unsubscribe: (() => void)[] = [];
  private started = false;
  private stopped = false;

  constructor(private readonly opts: PriorityArraysOptions) {
    this.writer = new ArrayDeviceWriter({
      commands: opts.commands,
      bus: opts.bus,
      clock: opts.clock,
      log: opts.log,
      deviceState: opts.deviceState,
      wrote: (rt) => opts.store.putLastWrite(rt.def.id, rt.lastWrite!),
    });
    for (const def of opts.site.points)
      if (def.kind === 'command')
        this.points.set(def.id, {
          def,
          mode: writeModeOf(def.protocol),
          slots: [],
          pending: false,
          dirty: new Set(),
          queue: Promise.resolve(),
          retryAt: 0,
          retryDelayMs: ArrayDeviceWriter.firstRetryMs,
        });
  }

  /** The site file's override settings. */
  get settings() {
    const c = this.opts.site.config.control;
    return { overrideMinutes: c.overrideMinutes, maxOverrideMinutes: c.maxOverrideMinutes };
  }

  /**
   * Load the slots, drop overrides that expired while the hub was stopped (audited), apply the site file's
   * defaults, and mark every held point to be re-asserted once, when its device is online.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    const { store, clock, bus } = this.opts;
    const now = clock.now();
    const lastWrites = store.lastWrites();
    for (const [pointId, slots] of store.slots()) {
      const rt = this.points.get(pointId);
      if (!rt) continue; // a point no longer in the site file: its slots stay stored, unused
      rt.slots = slots;
      for (const s of expiredSlots(slots, now)) {
        rt.slots = withoutLevel(rt.slots, s.level);
        store.delete(pointId, s.level);
        this.auditExpired(pointId, s, effectiveOf(slots), effectiveOf(rt.slots));
      }
    }
    for (const [pointId, w] of lastWrites) {
      const rt = this.points.get(pointId);
      if (rt) rt.lastWrite = w;
    }
    this.applyDefaults(now);
    for (const rt of this.points.values()) {
      if (rt.mode === 'levels') for (const s of rt.slots) rt.dirty.add(s.level);
      rt.pending = rt.mode === 'levels' ? rt.dirty.size > 0 : effectiveOf(rt.slots).value !== null;
    }
    this.unsubscribe.push(
      bus.on('device.link-changed', (e) => {
        this.writer.setState(e.deviceId, e.state);
        if (e.state === 'online') this.retryDevice(e.deviceId, 'device back online');
      }),
    );
    // a device can be heard from before its link takes writes (BACnet): a link that comes up retries too
    this.unsubscribe.push(
      bus.on('link.changed', (e) => {
        if (e.state === 'up') this.retryLink(e.linkId);
      }),
    );
    this.retryTimer = clock.setInterval(() => this.retryDue(), RETRY_TICK_MS);
    this.armExpiry();
    // devices already online (a hub whose links came up first) get their values now
    for (const rt of this.points.values())
      if (rt.pending && this.writer.stateOf(rt.def.deviceId) === 'online')
        this.enqueueFlush(rt, 're-asserted after a restart');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.opts.clock.clearTimeout(this.expiryTimer);
    this.opts.clock.clearInterval(this.retryTimer);
    for (const off of this.unsubscribe.splice(0)) off();
    // writes in flight finish (each has its driver's timeout)
    await Promise.all([...this.points.values()].map((rt) => rt.queue));
  }

  state(pointId: string): PointControlState | undefined {
    const rt = this.points.get(pointId);
    return rt && stateOf(rt);
  }

  list(): PointControlState[] {
    return [...this.points.values()].map(stateOf);
  }

  async command(cmd: LevelCommand): Promise<PointControlState> {
    return (await this.commandWithOutcome(cmd)).state;
  }

  async commandMany(cmds: readonly LevelCommand[]): Promise<PointControlState[]> {
    // per point in the order given; points in parallel, at most PARALLEL at once
    const byPoint = new Map<string, number[]>();
    cmds.forEach((c, i) => {
      const list = byPoint.get(c.pointId);
      if (list) list.push(i);
      else byPoint.set(c.pointId, [i]);
    });
    const out = new Array<PointControlState>(cmds.length);
    const groups = [...byPoint.values()];
    let next = 0;
    let failure: unknown;
    const worker = async () => {
      while (next < groups.length) {
        const group = groups[next++]!;
        for (const i of group) {
          try {
            out[i] = await this.command(cmds[i]!);
          } catch (err) {
            failure ??= err;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, groups.length) }, worker));
    if (failure) throw failure;
    return out;
  }

  /**
   * An operator's override at level 8: a reason is required; it relinquishes itself after `minutes` (default
   * control.overrideMinutes, at most control.maxOverrideMinutes).
   */
  override(
    by: CommandRequester,
    pointId: string,
    value: LevelCommand['value'],
    reason: string,
    minutes?: number,
  ): Promise<CommandOutcome> {
    if (!reason.trim()) throw invalid('reason: an override needs a reason');
    const { overrideMinutes, maxOverrideMinutes } = this.settings;
    const m = minutes ?? overrideMinutes;
    if (!Number.isFinite(m) || m <= 0 || m > maxOverrideMinutes)
      throw invalid(`minutes: expected more than 0 and at most ${maxOverrideMinutes}, got ${m}`);
    return this.commandWithOutcome({
      pointId,
      level: LEVELS['manual-operator'],
      value,
      by,
      source: `operator:${by.actor}`,
      reason,
      expiresAt: value === null ? undefined : this.opts.clock.now() + Math.round(m * 60_000),
    });
  }

  /** command(), and what the device write made of it (its result, or its error: the point is then pending). */
  async commandWithOutcome(cmd: LevelCommand): Promise<CommandOutcome> {
    const rt = this.checked(cmd);
    return this.enqueue(rt, () => this.apply(rt, cmd));
  }

  private checked(cmd: LevelCommand): PointRuntime {
    const { site, commands, audit } = this.opts;
    const def = site.pointById.get(cmd.pointId);
    if (!def) throw notFound('point', cmd.pointId);
    const rt = this.points.get(cmd.pointId);
    if (!rt) throw conflict(`${cmd.pointId} is a ${def.kind} point; only command points are written`);
    const needed = commands.permissionFor(def);
    if (!cmd.by.permissions.has(needed)) {
      audit.record(cmd.by, {
        action: 'control.command',
        target: cmd.pointId,
        outcome: 'denied',
        after: { level: cmd.level, value: cmd.value },
        detail: `needs ${needed}`,
      });
      throw forbidden(`writing ${cmd.pointId} needs the permission ${needed}`);
    }
    if (!Number.isInteger(cmd.level) || cmd.level < 1 || cmd.level > 16)
      throw invalid(`level: expected 1 (highest) to 16, got ${cmd.level}`);
    const problem = cmd.value === null ? undefined : valueProblem(def, cmd.value);
    if (problem) throw invalid(`value: ${problem}`);
    if (!cmd.source) throw invalid('source: expected who holds the level, e.g. schedule:office-ahus');
    return rt;
  }

  private async apply(rt: PointRuntime, cmd: LevelCommand): Promise<CommandOutcome> {
    const { clock, store } = this.opts;
    const pointId = rt.def.id;
    const current = rt.slots.find((s) => s.level === cmd.level);
    if (unchanged(current, cmd.value, cmd.source, cmd.expiresAt) && !rt.pending)
      return { state: stateOf(rt) }; // idempotent: nothing stored, audited or written
    const before = effectiveOf(rt.slots);
    if (!unchanged(current, cmd.value, cmd.source, cmd.expiresAt)) {
      if (cmd.value === null) {
        rt.slots = withoutLevel(rt.slots, cmd.level);
        store.delete(pointId, cmd.level);
      } else {
        const slot: Slot = {
          level: cmd.level,
          value: cmd.value,
          source: cmd.source,
          actor: cmd.by.actor,
          since: current?.value === cmd.value ? current.since : clock.now(),
          ...(cmd.reason ? { reason: cmd.reason } : {}),
          ...(cmd.expiresAt !== undefined ? { expiresAt: cmd.expiresAt } : {}),
        };
        rt.slots = withSlot(rt.slots, slot);
        store.put(pointId, slot);
      }
      const after = effectiveOf(rt.slots);
      this.opts.audit.record(cmd.by, {
        action: 'control.command',
        target: pointId,
        before: { value: before.value, level: before.level, source: before.source },
        after: { value: after.value, level: after.level, source: after.source },
        detail: [
          `level ${cmd.level} (${levelName(cmd.level)}) ${cmd.value === null ? 'relinquished' : `← ${JSON.stringify(cmd.value)}`} by ${cmd.source}`,
          cmd.reason && `reason: ${cmd.reason}`,
          cmd.expiresAt !== undefined && `expires ${new Date(cmd.expiresAt).toISOString()}`,
        ]
          .filter(Boolean)
          .join('; '),
      });
      if (cmd.expiresAt !== undefined || current?.expiresAt !== undefined) this.armExpiry();
    }
    const next = afterCommand(rt.mode, {
      level: cmd.level,
      levelBefore: current?.value ?? null,
      levelAfter: cmd.value,
      effectiveBefore: before.value,
      effectiveAfter: effectiveOf(rt.slots).value,
      pending: rt.pending,
      dirty: rt.dirty,
    });
    rt.pending = next.pending;
    rt.dirty = next.dirty;
    let outcome: FlushOutcome = {};
    if (rt.pending) {
      if (this.writer.stateOf(rt.def.deviceId) === 'offline') {
        this.writer.markOffline(rt);
        store.putLastWrite(pointId, rt.lastWrite!);
      } else {
        this.writer.resetRetry(rt);
        // the write is the requester's when their command changed what the device gets; a write that only
        // catches up on a pending value (a re-assert, a retry) is the array's own
        const theirs =
          rt.mode === 'levels'
            ? (current?.value ?? null) !== cmd.value
            : before.value !== effectiveOf(rt.slots).value;
        outcome = theirs
          ? await this.writer.flush(rt, cmd.by, cmd.reason ?? `${cmd.source} at level ${cmd.level}`)
          : await this.writer.flush(rt, CONTROL_REQUESTER, 'a pending value, written with the next command');
      }
    }
    const state = stateOf(rt);
    this.opts.bus.emit('control.changed', state);
    return { ...outcome, state };
  }

  /** Level-16 values from the site file; a default the file no longer has is relinquished. */
  private applyDefaults(now: number): void {
    const { store } = this.opts;
    const wanted = new Map(this.opts.site.config.control.defaults.map((d) => [d.point, d.value]));
    for (const rt of this.points.values()) {
      const id = rt.def.id;
      const current = rt.slots.find((s) => s.level === LEVELS.default);
      const value = wanted.get(id);
      if (value === undefined) {
        if (current?.source === 'site-file') {
          const before = effectiveOf(rt.slots);
          rt.slots = withoutLevel(rt.slots, LEVELS.default);
          store.delete(id, LEVELS.default);
          this.auditSiteFile(id, null, before, effectiveOf(rt.slots));
        }
        continue;
      }
      if (current?.source === 'site-file' && current.value === value) continue;
      const before = effectiveOf(rt.slots);
      const slot: Slot = {
        level: LEVELS.default,
        value,
        source: 'site-file',
        actor: 'site-file',
        since: now,
      };
      rt.slots = withSlot(rt.slots, slot);
      store.put(id, slot);
      this.auditSiteFile(id, value, before, effectiveOf(rt.slots));
    }
  }

  private auditSiteFile(
    pointId: string,
    value: Slot['value'] | null,
    before: PointControlState['effective'],
    after: PointControlState['effective'],
  ) {
    this.opts.audit.record(SITE_FILE, {
      action: 'control.command',
      target: pointId,
      before: { value: before.value, level: before.level, source: before.source },
      after: { value: after.value, level: after.level, source: after.source },
      detail: `level 16 (default) ${value === null ? 'relinquished' : `← ${JSON.stringify(value)}`} by site-file`,
    });
  }

  private auditExpired(
    pointId: string,
    slot: Slot,
    before: PointControlState['effective'],
    after: PointControlState['effective'],
  ) {
    this.opts.audit.record(CONTROL_REQUESTER, {
      action: 'control.expired',
      target: pointId,
      before: { value: before.value, level: before.level, source: before.source },
      after: { value: after.value, level: after.level, source: after.source },
      detail: `level ${slot.level} (${levelName(slot.level)}) held by ${slot.source} since ${new Date(slot.since).toISOString()} expired${slot.reason ? `; reason was: ${slot.reason}` : ''}`,
    });
  }

  /** One timer, for the earliest expiry; re-armed whenever an expiry is set or cleared. */
  private armExpiry(): void {
    const { clock } = this.opts;
    clock.clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    if (this.stopped) return;
    const next = nextExpiry([...this.points.values()].flatMap((rt) => rt.slots));
    if (next === undefined) return;
    // at most an hour at a time: a timer longer than 2^31 ms would fire at once
    const wait = Math.min(Math.max(0, next - clock.now()), 3_600_000);
    this.expiryTimer = clock.setTimeout(() => this.expire(), wait);
  }

  /** Expired overrides leave the array at once (so the next timer is for the next expiry); the write is queued. */
  private expire(): void {
    this.expiryTimer = undefined;
    const now = this.opts.clock.now();
    for (const rt of this.points.values()) {
      const expired = expiredSlots(rt.slots, now);
      for (const slot of expired) {
        const before = effectiveOf(rt.slots);
        rt.slots = withoutLevel(rt.slots, slot.level);
        this.opts.store.delete(rt.def.id, slot.level);
        const after = effectiveOf(rt.slots);
        this.auditExpired(rt.def.id, slot, before, after);
        const next = afterCommand(rt.mode, {
          level: slot.level,
          levelBefore: slot.value,
          levelAfter: null,
          effectiveBefore: before.value,
          effectiveAfter: after.value,
          pending: rt.pending,
          dirty: rt.dirty,
        });
        rt.pending = next.pending;
        rt.dirty = next.dirty;
      }
      if (!expired.length) continue;
      this.opts.bus.emit('control.changed', stateOf(rt));
      if (rt.pending) {
        this.writer.resetRetry(rt);
        this.enqueueFlush(rt, `override by ${expired[0]!.source} expired`);
      }
    }
    this.armExpiry();
  }

  /** A device came back: its pending points get their values, once. */
  private retryDevice(deviceId: string, reason: string): void {
    for (const rt of this.points.values())
      if (rt.pending && rt.def.deviceId === deviceId) {
        this.writer.resetRetry(rt);
        this.enqueueFlush(rt, reason);
      }
  }

  /** A link came up: pending points of its devices that are not offline get their values. */
  private retryLink(linkId: string): void {
    const devices = new Set(this.opts.devicesOfLink(linkId));
    for (const rt of this.points.values())
      if (
        rt.pending &&
        rt.def.deviceId &&
        devices.has(rt.def.deviceId) &&
        this.writer.stateOf(rt.def.deviceId) !== 'offline'
      ) {
        this.writer.resetRetry(rt);
        this.enqueueFlush(rt, 'link up');
      }
  }

  /** The slow retry: pending points whose wait is over, unless their device is known to be offline. */
  private retryDue(): void {
    const now = this.opts.clock.now();
    for (const rt of this.points.values())
      if (rt.pending && rt.retryAt <= now && this.writer.stateOf(rt.def.deviceId) !== 'offline')
        this.enqueueFlush(rt, 'retry of a pending write');
  }

  private enqueueFlush(rt: PointRuntime, reason: string): void {
    rt.retryAt = Number.POSITIVE_INFINITY; // queued: the slow retry leaves it alone until the flush ends
    void this.enqueue(rt, async () => {
      if (!rt.pending || this.stopped) {
        if (!rt.pending) this.writer.resetRetry(rt);
        else rt.retryAt = 0;
        return;
      }
      if (this.writer.stateOf(rt.def.deviceId) === 'offline') {
        // tried again when the device is back
        rt.retryAt = 0;
        this.writer.markOffline(rt);
        this.opts.store.putLastWrite(rt.def.id, rt.lastWrite!);
        this.opts.bus.emit('control.changed', stateOf(rt));
        return;
      }
      await this.writer.flush(rt, CONTROL_REQUESTER, reason);
      this.opts.bus.emit('control.changed', stateOf(rt));
    }).catch((err) => this.opts.log.error({ err, pointId: rt.def.id }, 'pending write failed'));
  }

  private enqueue<T>(rt: PointRuntime, fn: () => Promise<T>): Promise<T> {
    const run = rt.queue.then(fn, fn);
    rt.queue = run.catch(() => undefined);
    return run;
  }
}

function stateOf(rt: PointRuntime): PointControlState {
  return {
    pointId: rt.def.id,
    slots: rt.slots.map((s) => ({ ...s })),
    effective: effectiveOf(rt.slots),
    ...(rt.lastWrite ? { lastWrite: { ...rt.lastWrite } } : {}),
    pending: rt.pending,
  };
}

export type { CommandResult };
