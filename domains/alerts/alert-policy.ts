import { type ActingPerson, type Permission, personActor } from '../../core/actor.js';
import { forbidden, invalid } from '../../core/errors.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import type { AlertsConfig } from './alerts-section.js';

/** What it takes to shelve, unshelve or suppress an alert, or to take its asset out of service. */
export type ManagePermission = Extract<Permission, 'alerts:manage' | 'alerts:security'>;

/** The gates' own alerts (door forced, held open, refusal bursts: domains/visitors/gate-alerts.ts). */
export const GATE_RULE_PREFIX = 'system:gate-';
/** Assets whose alerts are security's: hiding them hides an intrusion. */
const SECURITY_ASSET_KINDS: ReadonlySet<string> = new Set(['gate']);

const HOUR = 3_600_000;

/**
 * Who may hide or silence which alert, and for how long. A gate's alerts (every alert of an asset of kind
 * `gate`: the gates' own, the gate controller's device-offline alert, any rule on a gate; and the gates' own
 * by rule id even once the gate has left the site file) need `alerts:security` to shelve, unshelve or
 * suppress, and so does taking a gate out of service or returning it: an engineer cannot silence a door
 * alarm, and security staff can undo whatever anyone did to one. Everything else needs `alerts:manage`.
 * A shelf lasts at most `alerts.maxShelveHours`; an out-of-service window must end, at most
 * `alerts.maxOutOfServiceHours` ahead.
 */
export class AlertPolicy {
  readonly maxShelveMs: number;
  readonly maxOutOfServiceMs: number;

  constructor(
    private readonly assetKind: (assetId: string) => string | undefined,
    limits: AlertsConfig,
    private readonly audit: AuditLog,
  ) {
    this.maxShelveMs = limits.maxShelveHours * HOUR;
    this.maxOutOfServiceMs = limits.maxOutOfServiceHours * HOUR;
  }

  /** The permission an asset's out-of-service window needs. */
  forAsset(assetId: string): ManagePermission {
    return SECURITY_ASSET_KINDS.has(this.assetKind(assetId) ?? '') ? 'alerts:security' : 'alerts:manage';
  }

  /** The permission shelving, unshelving or suppressing this alert needs. */
  forAlert(ruleId: string, assetId: string): ManagePermission {
    return ruleId.startsWith(GATE_RULE_PREFIX) ? 'alerts:security' : this.forAsset(assetId);
  }

  /** Refuse (403, audited as denied) unless the person holds `needed`. */
  require(
    person: ActingPerson,
    needed: ManagePermission,
    audit: { action: string; target: string; what: string },
  ): void {
    if (person.permissions.has(needed)) return;
    const why =
      needed === 'alerts:security'
        ? `${audit.what} is a gate's: it needs alerts:security (security staff)`
        : `${audit.what} needs alerts:manage`;
    this.audit.record(personActor(person), {
      action: audit.action,
      target: audit.target,
      outcome: 'denied',
      detail: why,
    });
    throw forbidden(why, { needs: needed });
  }

  /** A shelf's length, checked against the maximum. */
  checkShelve(durationMs: number): void {
    if (!(durationMs > 0)) throw invalid('minutes: expected a positive duration', fieldError('minutes'));
    if (durationMs > this.maxShelveMs) {
      const message = `minutes: at most ${this.maxShelveMs / 60_000} (${this.maxShelveMs / HOUR} h, alerts.maxShelveHours)`;
      throw invalid(message, fieldError('minutes', message));
    }
  }

  /** An out-of-service window's end: required, in the future, at most the maximum ahead. */
  checkUntil(until: number | undefined, now: number): number {
    if (until === undefined) {
      const message = `until: required: an out-of-service window ends, at most ${this.maxOutOfServiceMs / HOUR} h ahead (alerts.maxOutOfServiceHours)`;
      throw invalid(message, fieldError('until', message));
    }
    if (until <= now) throw invalid('until: is in the past', fieldError('until', 'is in the past'));
    if (until > now + this.maxOutOfServiceMs) {
      const message = `until: at most ${this.maxOutOfServiceMs / HOUR} h ahead (alerts.maxOutOfServiceHours)`;
      throw invalid(message, fieldError('until', message));
    }
    return until;
  }
}

const fieldError = (path: string, message = 'invalid') => ({ errors: [{ path, message }] });
