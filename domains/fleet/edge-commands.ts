import type { AuditTrail } from '../../core/actor.js';
import {
  type CommandRequester,
  type CommandService,
  valueProblem,
} from '../../core/devices/command-service.js';
import { DomainError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { PointValue } from '../../core/model/reading.js';
import type { PointDef, SiteModel } from '../../core/model/site-model.js';
import {
  NODE_CONTROL,
  pointValueOf,
  type SparkplugMetric,
  type SparkplugPayload,
} from '../../core/sparkplug/sparkplug-codec.js';
import { REQUESTED_BY_METRIC } from './fleet-metrics.js';
import type { UpstreamSettings } from './fleet-schema.js';
import type { EdgeCommandHandler } from './fleet-types.js';

/** The alias a point's metric carries in DBIRTH (site metrics take 1–99). */
export const POINT_ALIAS_BASE = 1000;
export const pointAlias = (p: PointDef): number => POINT_ALIAS_BASE + p.index;

/** A burst of refusals (or of one kind of failure) is logged once; a new burst after this quiet gap. */
const BURST_GAP_MS = 10_000;
/** Who asked at the central hub, as kept in the reason: at most this long. */
const REQUESTED_BY_MAX = 64;

/** One level of a point's priority array, commanded (the shape of domains/control's LevelCommand). */
export interface RemoteLevelCommand {
  pointId: string;
  level: number;
  /** null relinquishes the level. */
  value: PointValue | null;
  by: CommandRequester;
  source: string;
  reason?: string;
}

/**
 * The site's priority arrays (domains/control's PointControl, injected by hub/app.ts: a domain below hub may not
 * import another). With it, a remote write is one more writer at its level of the point's array, arbitrated with
 * the schedules, rules and operators; without it (tests, a hub without arrays) it goes to the command service.
 */
export interface RemoteLevelWriter {
  command(cmd: RemoteLevelCommand): Promise<{
    pending: boolean;
    effective: { value: PointValue | null; level: number | null; source: string | null };
  }>;
}

export interface EdgeCommandsOptions {
  settings: UpstreamSettings['commands'];
  site: SiteModel;
  commands: CommandService;
  audit: AuditTrail;
  log: Logger;
  /** The priority arrays; see RemoteLevelWriter. */
  levels?: RemoteLevelWriter;
  now?: () => number;
}

export interface EdgeCommandStats {
  /** DCMD metrics received (the `Requested by` metric not counted). */
  received: number;
  /** Written (or relinquished) at the device, or held in the array at the remote level. */
  written: number;
  /** Taken by the array but a higher level rules the point (an operator's override): applies when it lets go. */
  held: number;
  /** Taken by the array, the device not reached yet (offline, or it refused): retried by the array. */
  pending: number;
  /** remoteWrites is false. */
  refused: number;
  /** The upstream principal lacks the permission (a gate without gate:command). */
  denied: number;
  /** No such asset or point, not a command point, or a value the point does not take. */
  invalid: number;
  /** The device could not take it. */
  failed: number;
  /** NCMD metrics other than Rebirth (none is supported). */
  ncmdIgnored: number;
}

type Resolved =
  | { ok: true; point: PointDef; value: PointValue | null }
  | { ok: false; target: string; point?: PointDef; problem: string };

/**
 * Commands from upstream (Sparkplug B DCMD, and NCMD other than Rebirth, which the edge node answers itself).
 *
 * A DCMD names points of one asset (its Sparkplug device) by name or by the alias of its DBIRTH (1000 + the
 * point's index). Each becomes a write by `upstream:<principal>` (via `upstream`, with the permissions the site
 * file gives upstream) at the configured priority (12, automation, by default): through the point's priority
 * array when hub/app.ts gives it, so the remote value is arbitrated with everyone else's, or through the command
 * service; either way the site's own permission check, value check and audit apply. A null metric relinquishes
 * the level. `Command/Requested by` (the person at the central hub) goes into the reason.
 *
 * With `remoteWrites: false` (the default) nothing is written: every metric is refused, audited as denied and
 * counted; a burst of them is logged once. Unknown points, measurements and bad values are audited as failed,
 * counted and logged once per burst. Writes to one point keep their order; points are written in parallel.
 * handle() never throws.
 */
export class EdgeCommands implements EdgeCommandHandler {
  private readonly counters: EdgeCommandStats = {
    received: 0,
    written: 0,
    held: 0,
    pending: 0,
    refused: 0,
    denied: 0,
    invalid: 0,
    failed: 0,
    ncmdIgnored: 0,
  };
  private readonly requester: CommandRequester;
  private readonly source: string;
  private readonly queues = new Map<string, Promise<void>>();
  private readonly burstLastAt = new Map<string, number>();
  private readonly suppressed = new Map<string, number>();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly opts: EdgeCommandsOptions) {
    const { principal, permissions } = opts.settings;
    this.source = `upstream:${principal}`;
    this.requester = { actor: this.source, via: 'upstream', permissions: new Set(permissions) };
    this.now = opts.now ?? Date.now;
  }

  stats(): EdgeCommandStats {
    return { ...this.counters };
  }

  /** The hub stops: commands that arrive from now on are dropped (logged); the writes in flight finish. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.queues.values()]);
  }

  async handle(device: string | undefined, payload: SparkplugPayload): Promise<void> {
    if (this.closed) {
      this.burst('closed', 'warn', { device }, 'upstream command dropped: the hub is stopping');
      return;
    }
    try {
      if (device === undefined) return this.nodeCommand(payload);
      await this.deviceCommand(device, payload);
    } catch (err) {
      // nothing above should throw; a bug here must not take the edge node's message loop with it
      this.opts.log.error({ err, device }, 'upstream command not handled');
    }
  }

  private nodeCommand(payload: SparkplugPayload): void {
    for (const m of payload.metrics) {
      if (m.name === NODE_CONTROL.rebirth) continue; // the edge node's own
      this.counters.ncmdIgnored++;
      this.burst('ncmd', 'info', { metric: m.name ?? m.alias }, 'NCMD metric not supported: ignored');
    }
  }

  private async deviceCommand(device: string, payload: SparkplugPayload): Promise<void> {
    const { settings } = this.opts;
    let requestedBy: string | undefined;
    const metrics: SparkplugMetric[] = [];
    for (const m of payload.metrics) {
      if (m.name === REQUESTED_BY_METRIC) {
        if (typeof m.value === 'string' && m.value.trim())
          requestedBy = m.value
            .replace(/\p{Cc}/gu, ' ')
            .trim()
            .slice(0, REQUESTED_BY_MAX);
      } else metrics.push(m);
    }
    const reason = requestedBy
      ? `requested by ${requestedBy} at ${settings.principal}`
      : `DCMD from ${this.source}`;
    const writes: Promise<void>[] = [];
    for (const m of metrics) {
      this.counters.received++;
      const r = this.resolve(device, m);
      if (!settings.remoteWrites) {
        this.refuse(r.ok ? r.point.id : r.target, r.point, m, reason);
        continue;
      }
      if (!r.ok) {
        this.invalid(r.target, r.point, m, reason, r.problem);
        continue;
      }
      writes.push(this.enqueue(r.point.id, () => this.write(r.point, r.value, reason)));
    }
    await Promise.all(writes);
  }

  /** The point a metric names (by name, else by alias) and its value, or what is wrong with it. */
  private resolve(device: string, m: SparkplugMetric): Resolved {
    const { site } = this.opts;
    const label = m.name ?? (m.alias !== undefined ? `alias ${m.alias}` : '(no name or alias)');
    const target = `${device}/${label}`;
    if (!site.assetById.has(device)) return { ok: false, target, problem: `no asset "${device}"` };
    let point: PointDef | undefined;
    if (m.name !== undefined) point = site.pointById.get(`${device}/${m.name}`);
    else if (m.alias !== undefined) {
      const p = site.points[m.alias - POINT_ALIAS_BASE];
      point = p?.assetId === device ? p : undefined;
    }
    if (!point) return { ok: false, target, problem: `no point ${label} on asset ${device}` };
    if (point.kind !== 'command')
      return {
        ok: false,
        target: point.id,
        point,
        problem: `${point.id} is a ${point.kind} point; only command points are written`,
      };
    if (m.isNull || m.value === null) return { ok: true, point, value: null };
    const value = pointValueOf(m);
    if (value === undefined)
      return { ok: false, target: point.id, point, problem: `a ${m.type} metric is not a point value` };
    const problem = valueProblem(point, value);
    if (problem) return { ok: false, target: point.id, point, problem: `value: ${problem}` };
    return { ok: true, point, value };
  }

  private async write(point: PointDef, value: PointValue | null, reason: string): Promise<void> {
    const { commands, levels, settings, log } = this.opts;
    const by = this.requester;
    const priority = settings.priority;
    const gate = commands.permissionFor(point) === 'gate:command';
    try {
      if (levels && !gate) {
        const state = await levels.command({
          pointId: point.id,
          level: priority,
          value,
          by,
          source: this.source,
          reason,
        });
        if (state.pending) {
          this.counters.pending++;
          this.burst(
            `pending:${point.id}`,
            'warn',
            { pointId: point.id, value },
            'remote write taken by the priority array; the device has not got it yet (retried)',
          );
        } else if (value !== null && state.effective.level !== null && state.effective.level < priority) {
          this.counters.held++;
          log.info(
            { pointId: point.id, value, heldBy: state.effective.source },
            'remote write waits: a higher level holds the point',
          );
        } else this.counters.written++;
      } else {
        if (value === null) await commands.relinquish(by, point.id, priority, reason);
        else await commands.write(by, point.id, value, reason, priority);
        this.counters.written++;
      }
      log.debug({ pointId: point.id, value, priority }, 'remote write');
    } catch (err) {
      // the command service (or the array) audited it: a missing permission or a device that failed
      const e = err as Error;
      const denied = err instanceof DomainError && err.kind === 'forbidden';
      if (denied) this.counters.denied++;
      else this.counters.failed++;
      this.burst(
        denied ? 'denied' : `failed:${point.id}`,
        'warn',
        { pointId: point.id, value, err: e.message },
        denied ? 'remote write denied' : 'remote write failed',
      );
    }
  }

  private refuse(target: string, point: PointDef | undefined, m: SparkplugMetric, reason: string): void {
    this.counters.refused++;
    this.opts.audit.record(this.requester, {
      action: this.actionOf(point),
      target,
      outcome: 'denied',
      after: { value: m.isNull ? null : m.value, priority: this.opts.settings.priority },
      detail: `reason: ${reason}; remote writes are off (upstream.commands.remoteWrites)`,
    });
    this.burst(
      'refused',
      'warn',
      { target, actor: this.source },
      'remote write refused: upstream.commands.remoteWrites is false',
    );
  }

  private invalid(
    target: string,
    point: PointDef | undefined,
    m: SparkplugMetric,
    reason: string,
    problem: string,
  ): void {
    this.counters.invalid++;
    this.opts.audit.record(this.requester, {
      action: this.actionOf(point),
      target,
      outcome: 'failed',
      after: { value: m.isNull ? null : m.value, priority: this.opts.settings.priority },
      detail: `reason: ${reason}; ${problem}`,
    });
    this.burst('invalid', 'warn', { target, problem }, 'remote write not taken');
  }

  private actionOf(point: PointDef | undefined): string {
    return point && this.opts.commands.permissionFor(point) === 'gate:command'
      ? 'gate.command'
      : 'setpoint.write';
  }

  /** Writes to one point in the order they came; each write's errors are its own. */
  private enqueue(pointId: string, fn: () => Promise<void>): Promise<void> {
    const next = (this.queues.get(pointId) ?? Promise.resolve()).then(fn);
    this.queues.set(pointId, next);
    void next.then(() => {
      if (this.queues.get(pointId) === next) this.queues.delete(pointId);
    });
    return next;
  }

  /** Log the first of a burst (with how many the last burst had beyond it); count the rest. */
  private burst(key: string, level: 'info' | 'warn', fields: Record<string, unknown>, msg: string): void {
    const now = this.now();
    const last = this.burstLastAt.get(key);
    if (this.burstLastAt.size > 10_000) {
      this.burstLastAt.clear();
      this.suppressed.clear();
    }
    this.burstLastAt.set(key, now);
    if (last !== undefined && now - last <= BURST_GAP_MS) {
      this.suppressed.set(key, (this.suppressed.get(key) ?? 0) + 1);
      return;
    }
    const before = this.suppressed.get(key) ?? 0;
    this.suppressed.delete(key);
    this.opts.log[level](
      { ...fields, ...(before ? { previousBurstNotLogged: before } : {}) },
      `${msg} (further ones in this burst are counted, not logged)`,
    );
  }
}
