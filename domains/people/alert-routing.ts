import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { PeopleNotifier, TellOutcome } from '../../platform/people/people-types.js';
import type { AlertView } from '../alerts/alert-types.js';
import { suggestDispatch } from '../tickets/dispatch-suggest.js';
import type { TeamConfig } from '../tickets/maintenance-schema.js';
import { alertText, digestText } from './alert-text.js';
import { dueAt, type OncallRules, planFor, stopFor, targetOf } from './escalation-plan.js';
import type { EscalationStep } from './oncall-schema.js';
import type { EscalationRow, EscalationState, NoticeView, OncallStore } from './oncall-store.js';
import { localText } from './rota.js';
import type { RotaService } from './rota-service.js';

const MINUTE = 60_000;

export interface EscalationView {
  alertId: number;
  team: string | null;
  severity: string;
  state: EscalationState;
  startedAt: number;
  /** The next step's index and when it is due (running chains). */
  nextStep: number;
  nextAt: number | null;
  stoppedAt: number | null;
  stoppedBy: string | null;
  steps: readonly EscalationStep[];
  /** Who was told at each step, and how it went. */
  notices: NoticeView[];
}

export interface AlertRoutingDeps {
  site: SiteModel;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  store: OncallStore;
  rotas: RotaService;
  people: PeopleNotifier;
  rules: OncallRules;
  /** The alert as it is now. */
  alertById(id: number): AlertView | undefined;
  digestEveryMinutes: number;
  /** The signed acknowledge link for this alert and person (absent without a public URL). */
  ackLink(alertId: number, username: string): { url: string; expiresAt: number } | undefined;
}

/**
 * Alerts to the people on call: an alert raised goes to the person on call for the asset's team (the team
 * dispatch would suggest for the asset: skills, then zones); a severity with an escalation chain then goes to
 * the next in the rota and the supervisor while nobody acknowledges; low severities are collected per person
 * into one digest per period. Chains are stored with their next step's due time, so a restart continues them.
 */
export class AlertRouting {
  private readonly teams: readonly TeamConfig[];
  private offs: (() => void)[] = [];
  private tickTimer: unknown;
  private digestTimer: unknown;

  constructor(private readonly deps: AlertRoutingDeps) {
    const withRota = new Set(deps.rotas.teams());
    this.teams = deps.site.config.maintenance.teams.filter((t) => withRota.has(t.id));
  }

  /** Listen for alerts, run the steps that fell due while stopped, then check every second. */
  start(): void {
    const { bus, clock } = this.deps;
    this.offs = [
      bus.on('alert.raised', ({ alert }) => this.raised(alert)),
      bus.on('alert.changed', ({ alert, to, by }) => this.end(alert.id, stopFor(to, 'changed'), by)),
      bus.on('alert.cleared', ({ alert }) => this.end(alert.id, stopFor(alert.state, 'cleared'), 'system')),
    ];
    this.tick(clock.now());
    this.tickTimer = clock.setInterval(() => this.tick(clock.now()), 1_000);
    this.digestTimer = clock.setInterval(
      () => this.flushDigests(clock.now()),
      this.deps.digestEveryMinutes * MINUTE,
    );
  }

  stop(): void {
    for (const off of this.offs) off();
    this.offs = [];
    this.deps.clock.clearInterval(this.tickTimer);
    this.deps.clock.clearInterval(this.digestTimer);
  }

  /** An alert's change ends its running chain (acknowledged, or cleared), or does nothing. */
  end(alertId: number, state: EscalationState | undefined, by: string): void {
    if (!state) return;
    const row = this.deps.store.escalation(alertId);
    if (row?.state !== 'running') return;
    const now = this.deps.clock.now();
    Object.assign(row, { state, next_at: null, stopped_at: now, stopped_by: by, updated_at: now });
    this.deps.store.saveEscalation(row);
    this.deps.log.info({ alertId, state, by }, 'escalation stopped');
  }

  /** The team whose rota takes the asset's alerts: the best-ranked team with a rota, as dispatch ranks them. */
  teamFor(assetId: string): string | undefined {
    const asset = this.deps.site.assetById.get(assetId);
    if (!asset) return undefined;
    return suggestDispatch({ assetKind: asset.kind, zoneId: asset.zone }, this.teams, this.deps.site, () => 0)
      .teams[0]?.id;
  }

  /** A new occurrence: a digest item, or a new chain whose first step runs now. */
  raised(alert: AlertView): void {
    // a site without rotas has no on-call: nothing to route, nothing to store
    if (!this.teams.length) return;
    const now = this.deps.clock.now();
    const plan = planFor(alert.severity, this.deps.rules);
    const team = this.teamFor(alert.assetId);
    const who = team ? this.deps.rotas.onCall(team, now) : undefined;
    if (plan === 'digest') {
      if (who)
        this.deps.store.addDigestItem({
          username: who.username,
          alertId: alert.id,
          severity: alert.severity,
          assetId: alert.assetId,
          message: alert.message,
          raisedAt: alert.raisedAt ?? now,
        });
      return;
    }
    const row: EscalationRow = {
      alert_id: alert.id,
      team: team ?? null,
      severity: alert.severity,
      started_at: now,
      step: 0,
      next_at: team ? dueAt(plan, 0, now) : null,
      state: team ? 'running' : 'unrouted',
      stopped_at: null,
      stopped_by: null,
      updated_at: now,
    };
    this.deps.store.startEscalation(row);
    if (!team) {
      this.deps.log.warn({ alertId: alert.id, assetId: alert.assetId }, 'no on-call rota covers the asset');
      return;
    }
    this.tick(now);
  }

  /** Run every step that is due. */
  tick(now: number): void {
    for (const row of this.deps.store.due(now)) {
      try {
        this.runStep(row, now);
      } catch (err) {
        this.deps.log.error({ err, alertId: row.alert_id }, 'escalation step failed');
      }
    }
  }

  private runStep(row: EscalationRow, now: number): void {
    const steps = planFor(row.severity as AlertView['severity'], this.deps.rules);
    const alert = this.deps.alertById(row.alert_id);
    const step = steps === 'digest' ? undefined : steps[row.step];
    const who = row.team ? this.deps.rotas.onCall(row.team, now) : undefined;
    if (!alert || !step || steps === 'digest' || !who) {
      Object.assign(row, { state: 'exhausted', next_at: null, updated_at: now });
      this.deps.store.saveEscalation(row);
      return;
    }
    // a step whose person already had this alert (a rota of two: next = the one told first) is not repeated
    const told = this.deps.store.notices(row.alert_id);
    const username = targetOf(step.to, who);
    let reached = true;
    if (!told.some((n) => n.username === username)) {
      const outcome = this.tellStep(alert, row, step, username, told, now);
      this.deps.store.addNotice(row.alert_id, {
        step: row.step,
        target: step.to,
        username,
        ts: now,
        outcome: outcome.status,
        detail:
          outcome.status === 'unreachable' ? outcome.reason : `${outcome.channel} (${outcome.actionId})`,
      });
      reached = outcome.status !== 'unreachable';
    }
    row.step++;
    // nobody reached (no channel of theirs works): the next step now, not after its minutes
    const due = dueAt(steps, row.step, row.started_at);
    row.next_at = due === null || reached ? due : now;
    if (row.next_at === null) row.state = 'exhausted';
    row.updated_at = now;
    this.deps.store.saveEscalation(row);
  }

  private tellStep(
    alert: AlertView,
    row: EscalationRow,
    step: EscalationStep,
    username: string,
    told: NoticeView[],
    now: number,
  ): TellOutcome {
    const link = this.deps.ackLink(alert.id, username);
    const tz = this.deps.site.site.timezone;
    const text = alertText({
      alert,
      assetName: this.deps.site.assetById.get(alert.assetId)?.name ?? alert.assetId,
      teamName: this.deps.rotas.teamName(row.team!),
      to: step.to,
      minutes: Math.round((now - row.started_at) / MINUTE),
      before: [...new Set(told.map((n) => n.username))],
      link: link?.url,
      linkUntil: link && localText(link.expiresAt, tz),
    });
    return this.deps.people.tell(username, {
      kind: 'alert',
      topic: 'alert',
      event: step.to === 'oncall' ? 'raised' : 'escalated',
      subject: { ...alert, escalation: { step: row.step, to: step.to, team: row.team } },
      // an escalation is urgent by nature; a first notice only for a critical alert
      urgent: step.to !== 'oncall' || alert.severity === 'critical',
      text,
    });
  }

  /** One digest message per person with alerts waiting. */
  flushDigests(now: number): void {
    const tz = this.deps.site.site.timezone;
    for (const [username, items] of this.deps.store.digestWaiting()) {
      const text = digestText(
        items,
        (id) => this.deps.site.assetById.get(id)?.name ?? id,
        (ms) => localText(ms, tz).slice(11),
      );
      const outcome = this.deps.people.tell(username, {
        kind: 'digest',
        topic: 'alert',
        event: 'digest',
        subject: { id: items[0]!.alertId, alertIds: items.map((i) => i.alertId), count: items.length },
        text,
      });
      this.deps.store.markDigestSent(
        items.map((i) => i.id),
        now,
      );
      if (outcome.status === 'unreachable')
        this.deps.log.warn({ username, count: items.length, reason: outcome.reason }, 'digest not delivered');
    }
  }

  /** Chains in a state (running: escalating now), newest first, each with its alert as it is now. */
  escalations(state: EscalationState, limit = 100): (EscalationView & { alert?: AlertView })[] {
    return this.deps.store.list(state, limit).map((row) => ({
      ...this.viewOf(row),
      alert: this.deps.alertById(row.alert_id),
    }));
  }

  /** The alert as it is now (for views beside its chain). */
  alertOf(alertId: number): AlertView | undefined {
    return this.deps.alertById(alertId);
  }

  escalation(alertId: number): EscalationView | undefined {
    const row = this.deps.store.escalation(alertId);
    return row && this.viewOf(row);
  }

  private viewOf(row: EscalationRow): EscalationView {
    const alertId = row.alert_id;
    const plan = planFor(row.severity as AlertView['severity'], this.deps.rules);
    return {
      alertId,
      team: row.team,
      severity: row.severity,
      state: row.state,
      startedAt: row.started_at,
      nextStep: row.step,
      nextAt: row.next_at,
      stoppedAt: row.stopped_at,
      stoppedBy: row.stopped_by,
      steps: plan === 'digest' ? [] : plan,
      notices: this.deps.store.notices(alertId),
    };
  }
}
