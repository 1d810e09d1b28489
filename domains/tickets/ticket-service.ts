import { personActor } from '../../core/actor.js';
import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import { invalid, notFound } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import type { UserStore } from '../../platform/security/user-store.js';
import { type DispatchSuggestion, suggestDispatch } from './dispatch-suggest.js';
import type { KpiGroup, KpiRow } from './kpis.js';
import type { MaintenanceConfig } from './maintenance-schema.js';
import type { SlaPolicy } from './sla.js';
import {
  type ActionContext,
  type ActionInput,
  dataFor,
  fieldsFor,
  type TicketFields,
  trimmed,
} from './ticket-action-input.js';
import {
  allowedActions,
  checkAction,
  checkAddTo,
  mayAddTo,
  type Organisation,
  type TicketAction,
  type TicketActor,
} from './ticket-state.js';
import type { NewTicketRow, TicketQuery, TicketStore } from './ticket-store.js';
import {
  FINISHED_STATES,
  type TicketKind,
  type TicketSource,
  type TicketState,
  type TicketView,
} from './ticket-types.js';

/** The hub acting on its own (alerts, plans, timers). */
export const HUB: TicketActor = {
  username: 'system',
  permissions: new Set(['tickets:manage', 'tickets:dispatch']),
  via: 'system',
};

export type { ActionInput } from './ticket-action-input.js';
export { alertTicketKey } from './ticket-action-input.js';

export interface NewTicket {
  kind: TicketKind;
  source: TicketSource;
  title: string;
  description: string;
  assetId?: string;
  location?: string;
  priority: number;
  ruleId?: string;
  alertId?: number;
  planId?: string;
  dedupeKey?: string;
  linkedTicketId?: number;
  checklist?: { item: string; unit?: string }[];
  /** Skip the department's approval (auto-raised tickets, plans). */
  preApproved?: boolean;
  /** Dispatch at once to this team (plans). */
  team?: string;
}

/**
 * The repair workflow: creates tickets and carries them through the transition table (ticket-state.ts),
 * with who, when and why of every step in the ticket's timeline and every person's step in the audit log.
 * Announces `ticket.created` and `ticket.changed` on the bus. The only writer of the tickets' tables
 * besides the evidence and plan progress.
 */
export class TicketService implements Organisation {
  private readonly teams: Map<string, MaintenanceConfig['teams'][number]>;
  private readonly departments: Map<string, MaintenanceConfig['departments'][number]>;
  private readonly inputContext: ActionContext;

  constructor(
    readonly store: TicketStore,
    private readonly deps: {
      site: SiteModel;
      config: MaintenanceConfig;
      sla: SlaPolicy;
      users: UserStore;
      bus: EventBus;
      clock: Clock;
      audit: AuditLog;
      log: Logger;
    },
  ) {
    this.teams = new Map(deps.config.teams.map((t) => [t.id, t]));
    this.departments = new Map(deps.config.departments.map((d) => [d.id, d]));
    this.inputContext = { teams: this.teams, users: deps.users, sla: deps.sla, store };
  }

  approversOf(departmentId: string): readonly string[] | undefined {
    return this.departments.get(departmentId)?.approvers;
  }

  membersOf(teamId: string): readonly string[] | undefined {
    return this.teams.get(teamId)?.members;
  }

  departmentOf(username: string): string | undefined {
    for (const d of this.departments.values()) if (d.members.includes(username)) return d.id;
    return undefined;
  }

  get(id: number): TicketView | undefined {
    return this.store.get(id);
  }

  list(q: TicketQuery): TicketView[] {
    return this.store.list(q);
  }

  /** The tickets a person reported or is assigned, newest first. */
  listInvolving(q: TicketQuery, username: string): TicketView[] {
    const merged = new Map<number, TicketView>();
    for (const t of [...this.list({ ...q, requester: username }), ...this.list({ ...q, assignee: username })])
      merged.set(t.id, t);
    return [...merged.values()].sort((a, b) => b.id - a.id).slice(0, q.limit);
  }

  /**
   * One ticket with its timeline, photos, evidence, the actions this person may take now, and whether they
   * may add notes and photos (`mayAdd`).
   */
  detail(id: number, who: TicketActor) {
    const ticket = this.mustGet(id);
    return {
      ticket,
      actions: this.actionsFor(ticket, who),
      mayAdd: mayAddTo(ticket, who),
      events: this.store.events(id),
      photos: this.store.photos(id),
      evidence: this.store.evidence(id) ?? null,
    };
  }

  /** Who should take the ticket: teams by skill and zone, technicians by the tickets in their hands. */
  suggestions(id: number): DispatchSuggestion {
    const t = this.mustGet(id);
    const inHand = (username: string) =>
      this.list({ assignee: username, open: true, limit: 500 }).filter((x) => x.state !== 'resolved').length;
    return suggestDispatch(t, this.deps.config.teams, this.deps.site, inHand);
  }

  /** The service evaluation over tickets submitted in [from, to) (kpis.ts). */
  kpis(from: number, to: number, group?: KpiGroup): { total: KpiRow; groups: KpiRow[] } {
    if (to <= from) throw invalid('to must be after from');
    const kpis = this.store.kpis(from, to, group);
    if (group !== 'technician') return kpis;
    // a technician's row carries the name people know them by
    const name = (u: string | null) => (u ? (this.deps.users.findByName(u)?.displayName ?? u) : null);
    return { ...kpis, groups: kpis.groups.map((g) => ({ ...g, name: name(g.key) })) };
  }

  /** What this person may do with the ticket now. */
  actionsFor(t: TicketView, who: TicketActor): TicketAction[] {
    return allowedActions(t, who, this);
  }

  /** A person reports a fault (报修). */
  report(
    who: TicketActor,
    input: { title: string; description: string; assetId?: string; location?: string; priority?: number },
  ): TicketView {
    if (input.assetId && !this.deps.site.assetById.has(input.assetId))
      throw invalid(`no asset "${input.assetId}"`);
    if (!input.assetId && !trimmed(input.location))
      throw invalid('name the asset, or say where the fault is (location)');
    return this.create(
      {
        kind: 'fault',
        source: 'person',
        title: input.title.trim(),
        description: input.description.trim(),
        assetId: input.assetId,
        location: trimmed(input.location),
        priority: input.priority ?? 3,
        preApproved: !this.deps.config.requireApproval,
      },
      who,
    );
  }

  /** Create a ticket (a report, an alert's, a plan's work order) with its service-level deadlines. */
  create(n: NewTicket, who: TicketActor): TicketView {
    const now = this.deps.clock.now();
    const asset = n.assetId ? this.deps.site.assetById.get(n.assetId) : undefined;
    const deadlines = this.deps.sla.deadlines(n.priority, now);
    const state: TicketState = n.team ? 'dispatched' : n.preApproved ? 'approved' : 'submitted';
    const row: NewTicketRow = {
      kind: n.kind,
      source: n.source,
      title: n.title,
      description: n.description,
      assetId: n.assetId ?? null,
      zoneId: asset?.zone ?? null,
      assetKind: asset?.kind ?? null,
      location: n.location ?? null,
      priority: n.priority,
      state,
      requester: who.username,
      department: who.username === HUB.username ? null : (this.departmentOf(who.username) ?? null),
      ruleId: n.ruleId ?? null,
      alertId: n.alertId ?? null,
      planId: n.planId ?? null,
      dedupeKey: n.dedupeKey ?? null,
      occurrences: 1,
      linkedTicketId: n.linkedTicketId ?? null,
      createdAt: now,
      respondDueAt: deadlines.respondDueAt,
      resolveDueAt: deadlines.resolveDueAt,
      checklist: n.checklist ?? null,
      team: n.team ?? null,
      dispatchedAt: n.team ? now : null,
    };
    const id = this.store.transaction(() => {
      const id = this.store.insert(row);
      if (state !== 'submitted') this.store.update(id, { approvedAt: now });
      this.store.addEvent(id, {
        ts: now,
        event: 'submit',
        to: 'submitted',
        actor: who.username,
        via: who.via,
      });
      if (state !== 'submitted')
        this.store.addEvent(id, {
          ts: now,
          event: n.team ? 'dispatch' : 'approve',
          from: 'submitted',
          to: state,
          actor: HUB.username,
          via: HUB.via,
          comment: n.team ? `to team ${n.team} by the plan` : 'approval not required by policy',
          data: n.team ? { team: n.team } : undefined,
        });
      return id;
    });
    const ticket = this.store.get(id)!;
    if (who.via !== 'system')
      this.deps.audit.record(personActor(who), { action: 'ticket.submitted', target: String(id) });
    this.deps.log.info({ ticket: id, kind: n.kind, source: n.source, asset: n.assetId }, 'ticket created');
    this.deps.bus.emit('ticket.created', { ticket });
    return ticket;
  }

  /** A person (or the hub) takes an action from the transition table. */
  act(id: number, action: TicketAction, who: TicketActor, input: ActionInput = {}): TicketView {
    const t = this.mustGet(id);
    const to = checkAction(t, action, who, this);
    const now = this.deps.clock.now();
    const fields = fieldsFor(this.inputContext, t, action, who, input, now);
    const comment = trimmed(input.comment) ?? trimmed(input.resolution) ?? null;
    this.store.transaction(() => {
      this.store.update(id, { ...fields, state: to, updatedAt: now });
      this.store.addEvent(id, {
        ts: now,
        event: action,
        from: t.state,
        to,
        actor: who.username,
        via: who.via,
        comment,
        data: dataFor(action, fields, input),
      });
    });
    if (who.via !== 'system')
      this.deps.audit.record(personActor(who), {
        action: `ticket.${action}`,
        target: String(id),
        detail: comment ?? undefined,
      });
    const ticket = this.store.get(id)!;
    this.deps.bus.emit('ticket.changed', { ticket, event: action, from: t.state, to, by: who.username });
    return ticket;
  }

  /** A person's note on the timeline: who may, and when, is the rule photos follow too (checkAddTo). */
  addNote(id: number, who: TicketActor, comment: string): TicketView {
    checkAddTo(this.mustGet(id), who, 'notes');
    return this.note(id, who, comment);
  }

  /** A note on the timeline, unchecked (the hub: an alert that cleared or came back, a plan; a photo's). */
  note(id: number, who: TicketActor, comment: string, event = 'note', data?: unknown): TicketView {
    const t = this.mustGet(id);
    const now = this.deps.clock.now();
    this.store.transaction(() => {
      this.store.update(id, { updatedAt: now });
      this.store.addEvent(id, { ts: now, event, actor: who.username, via: who.via, comment, data });
    });
    const ticket = { ...t, updatedAt: now };
    this.deps.bus.emit('ticket.changed', { ticket, event, from: t.state, to: t.state, by: who.username });
    return ticket;
  }

  /** A supervisor changes the priority (the deadlines stay as set at submission). */
  setPriority(id: number, who: TicketActor, priority: number, comment?: string): TicketView {
    const t = this.mustGet(id);
    if (FINISHED_STATES.includes(t.state)) throw invalid(`ticket ${id} is ${t.state}`);
    const now = this.deps.clock.now();
    this.store.transaction(() => {
      this.store.update(id, { priority, updatedAt: now });
      this.store.addEvent(id, {
        ts: now,
        event: 'priority',
        actor: who.username,
        via: who.via,
        comment: comment ?? null,
        data: { from: t.priority, to: priority },
      });
    });
    if (who.via !== 'system')
      this.deps.audit.record(personActor(who), {
        action: 'ticket.priority',
        target: String(id),
        before: t.priority,
        after: priority,
      });
    const ticket = this.store.get(id)!;
    this.deps.bus.emit('ticket.changed', {
      ticket,
      event: 'priority',
      from: t.state,
      to: t.state,
      by: who.username,
    });
    return ticket;
  }

  /** Set fields and record an event without a person's action (occurrences, breaches, the hub's closes). */
  record(id: number, event: string, fields: TicketFields, comment: string, data?: unknown): TicketView {
    const t = this.mustGet(id);
    const now = this.deps.clock.now();
    const to = fields.state ?? t.state;
    this.store.transaction(() => {
      this.store.update(id, { ...fields, updatedAt: now });
      this.store.addEvent(id, {
        ts: now,
        event,
        from: fields.state ? t.state : null,
        to: fields.state ?? null,
        actor: HUB.username,
        via: HUB.via,
        comment,
        data,
      });
    });
    const ticket = this.store.get(id)!;
    this.deps.bus.emit('ticket.changed', { ticket, event, from: t.state, to, by: HUB.username });
    return ticket;
  }

  update(id: number, fields: TicketFields): void {
    this.store.update(id, fields);
  }

  mustGet(id: number): TicketView {
    const t = this.store.get(id);
    if (!t) throw notFound('ticket', id);
    return t;
  }
}
