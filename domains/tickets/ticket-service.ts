import type { Actor } from '../../core/actor.js';
import type { EventBus } from '../../core/bus.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import { permissionsOf } from '../../platform/security/roles.js';
import type { UserStore } from '../../platform/security/user-store.js';
import type { MaintenanceConfig } from './maintenance-schema.js';
import type { SlaPolicy } from './sla.js';
import {
  allowedActions,
  checkAction,
  type Organisation,
  type TicketAction,
  type TicketActor,
} from './ticket-state.js';
import type { NewTicketRow, TicketQuery, TicketStore } from './ticket-store.js';
import {
  type ChecklistResult,
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

/** The input an action takes; each action reads its own fields. */
export interface ActionInput {
  comment?: string;
  /** dispatch */
  assignee?: string;
  team?: string;
  /** accept: when the technician expects to be there. */
  etaMinutes?: number;
  /** resolve */
  resolution?: string;
  checklistResults?: ChecklistResult[];
  /** rate */
  rating?: number;
}

/** The input is not enough for the action (400), e.g. a resolve without its description. */
export class TicketInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TicketInputError';
  }
}

export class TicketNotFoundError extends Error {
  constructor(readonly id: number) {
    super(`no ticket ${id}`);
    this.name = 'TicketNotFoundError';
  }
}

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

/** At most one unfinished ticket per asset and rule. */
export const alertKey = (assetId: string, ruleId: string) => `${assetId}|${ruleId}`;

const trimmed = (s: string | undefined) => (s?.trim() ? s.trim() : undefined);

/**
 * The repair workflow: creates tickets and carries them through the transition table (ticket-state.ts),
 * with who, when and why of every step in the ticket's timeline and every person's step in the audit log.
 * Announces `ticket.created` and `ticket.changed` on the bus. The only writer of the tickets' tables
 * besides the evidence and plan progress.
 */
export class TicketService implements Organisation {
  private readonly teams: Map<string, MaintenanceConfig['teams'][number]>;
  private readonly departments: Map<string, MaintenanceConfig['departments'][number]>;

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
      throw new TicketInputError(`no asset "${input.assetId}"`);
    if (!input.assetId && !trimmed(input.location))
      throw new TicketInputError('name the asset, or say where the fault is (location)');
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
      this.deps.audit.record(this.auditActor(who), { action: 'ticket.submitted', target: String(id) });
    this.deps.log.info({ ticket: id, kind: n.kind, source: n.source, asset: n.assetId }, 'ticket created');
    this.deps.bus.emit('ticket.created', { ticket });
    return ticket;
  }

  /** A person (or the hub) takes an action from the transition table. */
  act(id: number, action: TicketAction, who: TicketActor, input: ActionInput = {}): TicketView {
    const t = this.mustGet(id);
    const to = checkAction(t, action, who, this);
    const now = this.deps.clock.now();
    const fields = this.fieldsFor(t, action, who, input, now);
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
      this.deps.audit.record(this.auditActor(who), {
        action: `ticket.${action}`,
        target: String(id),
        detail: comment ?? undefined,
      });
    const ticket = this.store.get(id)!;
    this.deps.bus.emit('ticket.changed', { ticket, event: action, from: t.state, to, by: who.username });
    return ticket;
  }

  /** A note on the timeline (a person, or the hub: an alert that cleared or came back). */
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
    if (FINISHED_STATES.includes(t.state)) throw new TicketInputError(`ticket ${id} is ${t.state}`);
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
      this.deps.audit.record(this.auditActor(who), {
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
  record(
    id: number,
    event: string,
    fields: Partial<TicketView> & { dedupeKey?: string | null },
    comment: string,
    data?: unknown,
  ): TicketView {
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

  update(id: number, fields: Partial<TicketView> & { dedupeKey?: string | null }): void {
    this.store.update(id, fields);
  }

  mustGet(id: number): TicketView {
    const t = this.store.get(id);
    if (!t) throw new TicketNotFoundError(id);
    return t;
  }

  private auditActor(who: TicketActor): Actor {
    return { actor: who.username, via: who.via, ip: who.ip, tokenId: who.tokenId };
  }

  /** The columns an action sets, after checking its input. */
  private fieldsFor(
    t: TicketView,
    action: TicketAction,
    who: TicketActor,
    input: ActionInput,
    now: number,
  ): Partial<TicketView> & { dedupeKey?: string | null } {
    const need = (value: string | undefined, what: string) => {
      if (!trimmed(value)) throw new TicketInputError(`${action} needs ${what}`);
    };
    switch (action) {
      case 'approve':
        return { approvedAt: now };
      case 'reject':
        need(input.comment, 'a comment saying why');
        return { closedAt: now, dedupeKey: null };
      case 'dispatch': {
        if (!input.assignee && !input.team)
          throw new TicketInputError('dispatch needs an assignee or a team');
        if (input.team && !this.teams.has(input.team)) throw new TicketInputError(`no team "${input.team}"`);
        if (input.assignee) this.checkTechnician(input.assignee);
        return {
          assignee: input.assignee ?? null,
          team: input.team ?? (input.assignee ? this.teamOf(input.assignee) : null),
          dispatchedAt: now,
          acceptedAt: null,
          etaAt: null,
        };
      }
      case 'accept': {
        const eta = input.etaMinutes;
        if (eta === undefined)
          throw new TicketInputError('accept needs etaMinutes (when you expect to be there)');
        return { assignee: who.username, acceptedAt: now, etaAt: now + eta * 60_000 };
      }
      case 'decline':
        need(input.comment, 'a comment saying why');
        return { assignee: null, dispatchedAt: null };
      case 'start':
        return { startedAt: now };
      case 'resolve': {
        need(input.resolution, 'a description of the repair (resolution)');
        const results = input.checklistResults ?? [];
        const missing = (t.checklist ?? []).filter((c) => !results.some((r) => r.item === c.item));
        if (missing.length)
          throw new TicketInputError(
            `resolve needs a result for every checklist item; missing: ${missing.map((c) => c.item).join(', ')}`,
          );
        return {
          resolvedAt: now,
          resolution: input.resolution!.trim(),
          checklistResults: results.length ? results : null,
        };
      }
      case 'rate': {
        const r = input.rating;
        if (r === undefined || !Number.isInteger(r) || r < 1 || r > 5)
          throw new TicketInputError('rate needs a rating from 1 to 5');
        return { rating: r, ratingComment: trimmed(input.comment) ?? null, closedAt: now, dedupeKey: null };
      }
      case 'close':
        return { closedAt: now, dedupeKey: null };
      case 'reopen': {
        need(input.comment, 'a comment saying what is still wrong');
        const d = this.deps.sla.deadlines(t.priority, now);
        return {
          reopened: t.reopened + 1,
          closedAt: null,
          resolvedAt: null,
          acceptedAt: null,
          startedAt: null,
          rating: null,
          ratingComment: null,
          respondDueAt: d.respondDueAt,
          resolveDueAt: d.resolveDueAt,
          // an alert's ticket takes up its alert's dedupe again, unless a newer ticket holds it
          ...(t.source === 'alert' &&
          t.ruleId &&
          t.assetId &&
          !this.store.byDedupeKey(alertKey(t.assetId, t.ruleId))
            ? { dedupeKey: alertKey(t.assetId, t.ruleId) }
            : {}),
        };
      }
      case 'cancel':
        return { closedAt: now, dedupeKey: null };
    }
  }

  private checkTechnician(username: string): void {
    const user = this.deps.users.findByName(username);
    if (!user || user.disabled) throw new TicketInputError(`no active user "${username}"`);
    if (!permissionsOf(user.roles).has('tickets:work'))
      throw new TicketInputError(`"${username}" is not a technician (needs the technician role)`);
  }

  private teamOf(username: string): string | null {
    for (const t of this.teams.values()) if (t.members.includes(username)) return t.id;
    return null;
  }
}

function dataFor(action: TicketAction, fields: Partial<TicketView>, input: ActionInput): unknown {
  switch (action) {
    case 'dispatch':
      return { assignee: fields.assignee, team: fields.team };
    case 'accept':
      return { etaAt: fields.etaAt };
    case 'rate':
      return { rating: input.rating };
    case 'resolve':
      return fields.checklistResults ? { checklistResults: fields.checklistResults } : undefined;
    default:
      return undefined;
  }
}
