import type { Actor, AuditTrail, Permission } from '../actor.js';
import type { EventBus } from '../bus.js';
import type { Clock } from '../clock.js';
import { conflict, DomainError, forbidden, invalid, notFound } from '../errors.js';
import type { LatestValues } from '../latest-values.js';
import type { Logger } from '../logger.js';
import { GATE_OUTBOUND } from '../model/asset-channels.js';
import type { PointValue } from '../model/reading.js';
import type { PointDef, SiteModel } from '../model/site-model.js';
import { DriverError } from './driver.js';
import type { Supervisor } from './supervisor.js';
import type { PointTransforms } from './transform.js';

/** Who asks for a command: an actor for the audit log and the permissions they hold. */
export interface CommandRequester extends Actor {
  permissions: ReadonlySet<Permission>;
}

export interface CommandResult {
  pointId: string;
  /** null: the priority was relinquished. */
  value: PointValue | null;
  previous: PointValue | null;
  ts: number;
}

/** BACnet's levels, which every protocol's commands carry: 8 is a person at the dashboard. */
export const PRIORITY = {
  lifeSafety: 1,
  manualOperator: 8,
  demandLimit: 10,
  automation: 12,
  schedule: 14,
} as const;

/**
 * The one door to a device: the API, rule actions and the visitors domain's gate messages come through here.
 * A write checks the point and the requester's permission, inverts the point's transform (engineering value →
 * what the device takes), goes through the supervisor, and audits the outcome either way. A message goes to an
 * outbound channel of its asset.
 */
export class CommandService {
  private messagesSent = 0;
  private messagesFailed = 0;

  constructor(
    private readonly site: SiteModel,
    private readonly supervisor: Supervisor,
    private readonly transforms: PointTransforms,
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

  /** Write an engineering value to a command point, at a priority (1 highest … 16; BACnet devices keep an array). */
  write(
    by: CommandRequester,
    pointId: string,
    value: PointValue,
    reason?: string,
    priority: number = PRIORITY.manualOperator,
  ): Promise<CommandResult> {
    return this.command(by, pointId, value, reason, priority);
  }

  /** Take back this priority's value on a device that keeps a priority array (BACnet): the next one rules. */
  relinquish(
    by: CommandRequester,
    pointId: string,
    priority: number,
    reason?: string,
  ): Promise<CommandResult> {
    return this.command(by, pointId, null, reason, priority);
  }

  private async command(
    by: CommandRequester,
    pointId: string,
    value: PointValue | null,
    reason: string | undefined,
    priority: number,
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
        after: { value, ...(priority !== PRIORITY.manualOperator ? { priority } : {}) },
        detail: [reason && `reason: ${reason}`, detail].filter(Boolean).join('; ') || undefined,
      });

    const needed = this.permissionFor(point);
    if (!by.permissions.has(needed)) {
      record('denied', `needs ${needed}`);
      throw forbidden(`writing ${pointId} needs the permission ${needed}`);
    }
    if (!Number.isInteger(priority) || priority < 1 || priority > 16)
      throw invalid(`priority: expected 1 (highest) to 16, got ${priority}`);
    const problem = value === null ? undefined : valueProblem(point, value);
    if (problem) throw invalid(`value: ${problem}`);

    const ts = this.clock.now();
    try {
      const raw = value === null ? null : this.transforms.inverse(point, value);
      await this.supervisor.write(point, raw, priority);
    } catch (err) {
      const e = DriverError.from(err);
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
      throw domainErrorOf(e, pointId);
    }
    record('ok');
    this.bus.emit('command.completed', { pointId, value, ok: true, actor: by.actor, ts });
    // debug: a burst of schedule edges writes thousands; each write is in the audit log already
    this.log.debug({ pointId, value, priority, actor: by.actor }, 'command written');
    return { pointId, value, previous, ts };
  }

  /**
   * A message on one of an asset's outbound channels (a gate's decision or allow-list). Sent by the visitors
   * domain as the system, many a second: counted, not audited (the gate's events are its record); a person's
   * message is audited.
   */
  async send(
    by: Actor,
    assetId: string,
    channel: string,
    payload: string,
    opts?: { retain?: boolean },
  ): Promise<void> {
    const asset = this.site.assetById.get(assetId);
    if (!asset) throw notFound('asset', assetId);
    if (!(OUTBOUND_CHANNELS[asset.kind] ?? []).includes(channel))
      throw conflict(`"${channel}" is not an outbound channel of a ${asset.kind}`);
    try {
      await this.supervisor.send(assetId, channel, payload, opts);
      this.messagesSent++;
      if (by.via !== 'system')
        this.audit.record(by, { action: 'device.message', target: `${assetId}/${channel}` });
    } catch (err) {
      this.messagesFailed++;
      const e = DriverError.from(err);
      if (by.via !== 'system')
        this.audit.record(by, {
          action: 'device.message',
          target: `${assetId}/${channel}`,
          outcome: 'failed',
          detail: `${e.code}: ${e.message}`,
        });
      throw domainErrorOf(e, `${assetId}/${channel}`);
    }
  }

  stats() {
    return { messagesSent: this.messagesSent, messagesFailed: this.messagesFailed };
  }
}

/** A link that is down is unavailable; a device that answered wrongly is upstream; a site that cannot is a conflict. */
function domainErrorOf(e: DriverError, target: string): DomainError {
  const kind =
    e.code === 'bad-config'
      ? 'conflict'
      : e.code === 'closed' || e.code === 'refused'
        ? 'unavailable'
        : 'upstream';
  return new DomainError(kind, `${target}: ${e.message}`, undefined, { cause: e });
}

const OUTBOUND_CHANNELS: Partial<Record<string, readonly string[]>> = { gate: GATE_OUTBOUND };

/** What is wrong with this value for this command point (its type, min and max), or undefined. */
export function valueProblem(point: PointDef, value: PointValue): string | undefined {
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
