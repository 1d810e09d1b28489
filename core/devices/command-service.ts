import type { Actor, AuditTrail, Permission } from '../actor.js';
import type { EventBus } from '../bus.js';
import type { Clock } from '../clock.js';
import { conflict, DomainError, forbidden, invalid, notFound } from '../errors.js';
import type { LatestValues } from '../latest-values.js';
import type { Logger } from '../logger.js';
import type { PointValue } from '../model/reading.js';
import type { PointDef, SiteModel } from '../model/site-model.js';
import { AdapterError } from './driver.js';
import type { Supervisor } from './supervisor.js';

/** Who asks for a command: an actor for the audit log and the permissions they hold. */
export interface CommandRequester extends Actor {
  permissions: ReadonlySet<Permission>;
}

export interface CommandResult {
  pointId: string;
  value: PointValue;
  previous: PointValue | null;
  ts: number;
}

/**
 * The one door to a device: the API, rule actions and gate decisions call write(); it checks the point
 * and the requester's permission, goes through the supervisor, and audits the outcome either way.
 */
export class CommandService {
  constructor(
    private readonly site: SiteModel,
    private readonly supervisor: Supervisor,
    private readonly latest: LatestValues,
    private readonly audit: AuditTrail,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Gates are opened by security staff; every other command point is a setpoint for engineers. */
  permissionFor(point: PointDef): Permission {
    return this.site.assetById.get(point.assetId)?.kind === 'gate' ? 'gate:command' : 'setpoint:write';
  }

  async write(
    by: CommandRequester,
    pointId: string,
    value: PointValue,
    reason?: string,
  ): Promise<CommandResult> {
    const point = this.site.pointById.get(pointId);
    if (!point) throw notFound('point', pointId);
    if (point.kind !== 'command')
      throw conflict(`${pointId} is a ${point.kind} point; only command points are written`);
    const action = this.permissionFor(point) === 'gate:command' ? 'gate.command' : 'setpoint.write';
    const previous = this.latest.get(pointId)?.value ?? null;
    const record = (outcome: 'ok' | 'denied' | 'failed', detail?: string) =>
      this.audit.record(by, {
        action,
        target: pointId,
        outcome,
        before: { value: previous },
        after: { value },
        detail: [reason && `reason: ${reason}`, detail].filter(Boolean).join('; ') || undefined,
      });

    const needed = this.permissionFor(point);
    if (!by.permissions.has(needed)) {
      record('denied', `needs ${needed}`);
      throw forbidden(`writing ${pointId} needs the permission ${needed}`);
    }
    const problem = valueProblem(point, value);
    if (problem) throw invalid(`value: ${problem}`);

    const ts = this.clock.now();
    try {
      await this.supervisor.write(pointId, value);
    } catch (err) {
      const e = AdapterError.from(err);
      record('failed', `${e.code}: ${e.message}`);
      this.bus.emit('command.completed', {
        pointId,
        value,
        ok: false,
        error: e.message,
        actor: by.actor,
        ts,
      });
      this.log.warn({ pointId, actor: by.actor, code: e.code, err: e.message }, 'command failed');
      throw new DomainError(
        e.code === 'bad-config'
          ? 'conflict'
          : e.code === 'closed' || e.code === 'refused'
            ? 'unavailable'
            : 'upstream',
        `${pointId}: ${e.message}`,
        undefined,
        { cause: err },
      );
    }
    record('ok');
    this.bus.emit('command.completed', { pointId, value, ok: true, actor: by.actor, ts });
    this.log.info({ pointId, value, actor: by.actor }, 'command written');
    return { pointId, value, previous, ts };
  }
}

function valueProblem(point: PointDef, value: PointValue): string | undefined {
  if (point.type === 'number') {
    if (typeof value !== 'number' || !Number.isFinite(value))
      return `expected a number, got ${JSON.stringify(value)}`;
    if (point.min !== undefined && value < point.min)
      return `${value} is below the point's minimum ${point.min}`;
    if (point.max !== undefined && value > point.max)
      return `${value} is above the point's maximum ${point.max}`;
    return undefined;
  }
  if (point.type === 'boolean')
    return typeof value === 'boolean' ? undefined : `expected true or false, got ${JSON.stringify(value)}`;
  return typeof value === 'string' ? undefined : `expected a string, got ${JSON.stringify(value)}`;
}
