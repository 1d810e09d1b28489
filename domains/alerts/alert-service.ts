import { type ActingPerson, personActor } from '../../core/actor.js';
import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import { conflict, notFound } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { SEVERITIES } from '../../core/model/severity.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import type { Db } from '../../platform/db/database.js';
import { AlertChatter } from './alert-chatter.js';
import { AlertLifecycle, RULES, TIMER } from './alert-lifecycle.js';
import { AlertPolicy, type ManagePermission } from './alert-policy.js';
import { type AlertEvent, transition, USER_ACTIONS, type UserAction } from './alert-state.js';
import { type AlertQuery, type AlertRow, AlertStore, json } from './alert-store.js';
import type {
  ActiveCounts,
  AlertInstance,
  AlertTransitionView,
  AlertVerdict,
  AlertView,
  OutOfServiceView,
} from './alert-types.js';
import { type AlertsConfig, DEFAULT_ALERTS_CONFIG } from './alerts-section.js';
import { OutOfService, type OutOfServiceChange } from './out-of-service.js';

export type { ManagePermission } from './alert-policy.js';
export type { AlertQuery } from './alert-store.js';
export type {
  ActiveCounts,
  AlertInstance,
  AlertTransitionView,
  AlertVerdict,
  AlertView,
  OutOfServiceView,
} from './alert-types.js';
export type { OutOfServiceChange } from './out-of-service.js';

export interface AlertServiceDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  audit: AuditLog;
  /** An asset's kind (a gate's alerts are security's); default none known. */
  assetKind?: (assetId: string) => string | undefined;
  /** The site file's `alerts:` limits; default the section's defaults. */
  limits?: AlertsConfig;
}

/** The hub's own alerts (`system:…`) are raised and cleared by the hub, never by a rule. */
const isHubAlert = (ruleId: string) => ruleId.startsWith('system:');
const isUserAction = (e: AlertEvent): e is UserAction => (USER_ACTIONS as readonly string[]).includes(e);
/** For an alert nothing evaluates any more: no chatter counting, and a flapping one settles at once. */
const NO_CHATTER = { transitions: 1_000_000, withinMs: 1 };

/**
 * Alerts and their ISA-18.2 lifecycle: what the rules engine's verdicts, people (ack, shelve), out-of-service
 * windows and time do to them, on the transition table of alert-state.ts. State lives in SQLite (alert-store);
 * every change is stored with who and when and announced on the bus: `alert.raised` (a new occurrence),
 * `alert.cleared` (the condition returned to normal), `alert.changed` (everything else). People's steps go
 * to the audit log, refusals included.
 */
export class AlertService {
  private readonly clock: Clock;
  private readonly audit: AuditLog;
  private readonly life: AlertLifecycle;
  private readonly chatter: AlertChatter;
  private readonly outOfServiceWindows: OutOfService;
  private readonly policy: AlertPolicy;

  constructor(deps: AlertServiceDeps) {
    this.clock = deps.clock;
    this.audit = deps.audit;
    const policy = new AlertPolicy(
      deps.assetKind ?? (() => undefined),
      deps.limits ?? DEFAULT_ALERTS_CONFIG,
      deps.audit,
    );
    this.policy = policy;
    this.life = new AlertLifecycle(new AlertStore(deps.db), deps.bus, (row) =>
      policy.forAlert(row.rule_id, row.asset_id),
    );
    this.chatter = new AlertChatter(this.life, deps.log);
    this.outOfServiceWindows = new OutOfService(this.life, deps.audit, policy, deps.clock.now());
  }

  // ── the rules engine ────────────────────────────────────────────────────────────────────────────────────

  /**
   * A rule instance's (debounced) condition now says `verdict`. Creates the alert on its first activation and
   * applies activate or clear; the same verdict twice changes nothing (after a restart the engine re-reports
   * what it finds, and an alert already active stays as it is). Returns the alert, if there is one.
   */
  conditionChanged(inst: AlertInstance, verdict: AlertVerdict, now: number): AlertView | undefined {
    let row = this.life.rowByKey(inst.key);
    if (!row) {
      if (!verdict.active) return undefined;
      row = this.life.create(inst, verdict, now);
    }
    if (row.flap_window_ms !== inst.chatter.withinMs) row.flap_window_ms = inst.chatter.withinMs;
    if (row.flapping === 1 && this.chatter.quiet(row, now)) this.chatter.endFlapping(row, now);

    const active = verdict.active ? 1 : 0;
    if (row.active === active) {
      // nothing flipped; keep what a person reads up to date, without events
      const value = json(verdict.value);
      if (active && (row.message !== verdict.message || row.value !== value)) {
        row.message = verdict.message;
        row.value = value;
        this.life.save(row, now);
      }
      return this.life.view(row);
    }

    // the condition flipped
    row.active = active;
    row.message = verdict.message;
    row.value = json(verdict.value);
    if (verdict.active) {
      row.severity = verdict.severity ?? inst.severity;
      row.priority = inst.priority;
    }
    row.last_flip_at = now;
    const recent = this.chatter.recordFlip(inst, now);

    if (row.flapping === 1) {
      // chattering: only the remembered condition changes
      if (verdict.active) row.occurrences++;
      this.life.save(row, now);
      return this.life.view(row);
    }
    if (this.chatter.startFlapping(row, inst, recent, verdict, now)) return this.life.view(row);

    // an alert raised while its asset is out of service is suppressed from the start
    if (this.outOfServiceWindows.has(row.asset_id) && row.state !== 'suppressed')
      this.life.apply(row, 'suppress', RULES, now, 'asset out of service');
    this.life.applyCondition(row, verdict.active ? 'activate' : 'clear', RULES, now, verdict.value);
    return this.life.view(row);
  }

  /**
   * The rule instances running now: the active alerts of any other rule (removed, or no longer fitting the
   * site, while the hub was down) are cleared, saying why. The hub's own alerts are left alone.
   */
  retireGoneRules(running: ReadonlySet<string>, now: number): void {
    for (const a of this.list({ active: true, limit: 100_000 })) {
      if (running.has(a.key) || isHubAlert(a.ruleId)) continue;
      const inst: AlertInstance = {
        key: a.key,
        ruleId: a.ruleId,
        assetId: a.assetId,
        pointId: a.pointId ?? undefined,
        severity: a.severity,
        priority: a.priority,
        chatter: NO_CHATTER,
      };
      this.conditionChanged(
        inst,
        { active: false, message: 'the rule is gone (removed, or it no longer fits the site)' },
        now,
      );
    }
  }

  /** Run fn with every alert write inside one SQLite transaction (the engine's batch of readings). */
  batch(fn: () => void): void {
    this.life.store.transaction(fn);
  }

  /** Time passes: shelves and out-of-service windows run out, flapping alerts that went quiet settle. */
  tick(now: number): void {
    for (const id of this.life.store.shelvesDue(now)) {
      const row = this.life.rowById(id);
      if (row?.state === 'shelved') this.life.apply(row, 'unshelve', TIMER, now, 'shelf expired');
    }
    this.outOfServiceWindows.expire(now);
    for (const id of this.life.store.flappingDue(now)) {
      const row = this.life.rowById(id);
      if (row?.flapping === 1) this.chatter.endFlapping(row, now);
    }
  }

  // ── people ──────────────────────────────────────────────────────────────────────────────────────────────

  /** Acknowledge: unacked → acked, rtn-unacked → normal (the route checks alerts:ack). */
  ack(id: number, person: ActingPerson, comment?: string): AlertView {
    return this.userAction(id, person, 'ack', 'alert.acknowledged', comment, (row, now) => {
      row.acked_at = now;
      row.acked_by = person.username;
      row.ack_comment = comment ?? null;
    });
  }

  /**
   * Hide an alert for durationMs, at most alerts.maxShelveHours (it comes back by itself, as unacked if its
   * condition is still active). A gate's alert needs alerts:security, any other alerts:manage.
   */
  shelve(id: number, person: ActingPerson, durationMs: number, comment?: string): AlertView {
    this.policy.checkShelve(durationMs);
    return this.userAction(id, person, 'shelve', 'alert.shelved', comment, (row, now) => {
      row.shelved_until = now + durationMs;
      row.shelved_by = person.username;
    });
  }

  /** End a shelf now; the same permission as shelving (security staff undo any shelf on a gate's alert). */
  unshelve(id: number, person: ActingPerson, comment?: string): AlertView {
    return this.userAction(id, person, 'unshelve', 'alert.unshelved', comment);
  }

  /**
   * Take an asset out of service (every alert of it, and any raised meanwhile, is suppressed) until `until`
   * (required, at most alerts.maxOutOfServiceHours ahead), or return it to service (`on: false`), which
   * returns each alert to unacked or normal. A gate needs alerts:security either way. Idempotent.
   */
  setOutOfService(
    assetId: string,
    person: ActingPerson,
    opts: { on: boolean; until?: number; comment?: string },
  ): OutOfServiceChange {
    const now = this.clock.now();
    return opts.on
      ? this.outOfServiceWindows.begin(assetId, person, opts, now)
      : this.outOfServiceWindows.endBy(assetId, person, now, opts.comment);
  }

  // ── queries ─────────────────────────────────────────────────────────────────────────────────────────────

  /** Newest first. */
  list(q: AlertQuery): AlertView[] {
    return this.life.store.list(q).map((r) => this.life.view(this.life.adopt(r)));
  }

  /** One alert with every transition, oldest first. */
  get(id: number): (AlertView & { transitions: AlertTransitionView[] }) | undefined {
    const row = this.life.rowById(id);
    if (!row) return undefined;
    return { ...this.life.view(row), transitions: this.life.store.transitionsOf(id) };
  }

  activeCount(): ActiveCounts {
    const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as ActiveCounts;
    out.total = 0;
    for (const { severity, n } of this.life.store.activeBySeverity()) {
      out[severity] = n;
      out.total += n;
    }
    out.unacked = this.life.store.unackedCount();
    return out;
  }

  /** Keys of the alerts whose condition is active (the rules engine starts those instances active). */
  activeKeys(): string[] {
    return this.life.store.activeKeys();
  }

  /** The asset's out-of-service window, if it is out of service. */
  outOfService(assetId: string): OutOfServiceView | undefined {
    return this.outOfServiceWindows.get(assetId);
  }

  /** Every asset out of service, by asset id. */
  outOfServiceList(): OutOfServiceView[] {
    return this.outOfServiceWindows.list();
  }

  // ── inside ──────────────────────────────────────────────────────────────────────────────────────────────

  private userAction(
    id: number,
    person: ActingPerson,
    action: UserAction,
    auditAction: string,
    comment: string | undefined,
    update?: (row: AlertRow, now: number) => void,
  ): AlertView {
    const row = this.life.rowById(id);
    if (!row) throw notFound('alert', id);
    const needed: ManagePermission | undefined =
      action === 'ack' ? undefined : this.policy.forAlert(row.rule_id, row.asset_id);
    if (needed)
      this.policy.require(person, needed, {
        action: auditAction,
        target: String(id),
        what: `${action === 'shelve' ? 'shelving' : 'unshelving'} alert ${id} (${row.asset_id})`,
      });
    const actor = personActor(person);
    const from = row.state;
    const r = transition(from, action, row.active === 1);
    if (!r.ok) {
      const allowed = r.allowed.filter(isUserAction);
      this.audit.record(actor, {
        action: auditAction,
        target: String(id),
        outcome: 'failed',
        detail: `refused in state ${from}; allowed: ${allowed.join(', ') || 'none'}`,
      });
      throw conflict(
        `cannot ${action} alert ${id} in state ${from}; allowed: ${allowed.length ? allowed.join(', ') : 'none'}`,
        { state: from, allowed },
      );
    }
    const now = this.clock.now();
    if (from === 'shelved') this.life.unshelved(row);
    row.state = r.to;
    update?.(row, now);
    this.life.saveWith(
      row,
      { from, to: r.to, event: action, by: { actor: actor.actor, via: actor.via }, comment },
      now,
    );
    this.audit.record(actor, {
      action: auditAction,
      target: String(id),
      before: { state: from },
      after: { state: r.to, ...(row.shelved_until !== null ? { shelvedUntil: row.shelved_until } : {}) },
      detail: comment,
    });
    if (action === 'unshelve') this.life.settled(row, from, r.to, actor.actor);
    else this.life.changed(row, from, r.to, actor.actor);
    return this.life.view(row);
  }
}
