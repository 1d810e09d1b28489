import { invalid } from '../../core/errors.js';
import { permissionsOf } from '../../platform/security/roles.js';
import type { UserStore } from '../../platform/security/user-store.js';
import type { MaintenanceConfig } from './maintenance-schema.js';
import type { SlaPolicy } from './sla.js';
import type { TicketAction, TicketActor } from './ticket-state.js';
import type { TicketStore } from './ticket-store.js';
import type { ChecklistResult, TicketView } from './ticket-types.js';

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

export type TicketFields = Partial<TicketView> & { dedupeKey?: string | null };

/** What the input checks need to know. */
export interface ActionContext {
  teams: ReadonlyMap<string, MaintenanceConfig['teams'][number]>;
  users: UserStore;
  sla: SlaPolicy;
  store: TicketStore;
}

/** At most one unfinished ticket per asset and rule: the dedupe key of an alert's ticket. */
export const alertTicketKey = (assetId: string, ruleId: string) => `${assetId}|${ruleId}`;

export const trimmed = (s: string | undefined) => (s?.trim() ? s.trim() : undefined);

/**
 * The columns an action sets, after checking its input: what is missing or wrong is refused as invalid
 * (a resolve without its description, a dispatch to someone who is no technician).
 */
export function fieldsFor(
  ctx: ActionContext,
  t: TicketView,
  action: TicketAction,
  who: TicketActor,
  input: ActionInput,
  now: number,
): TicketFields {
  const need = (value: string | undefined, what: string) => {
    if (!trimmed(value)) throw invalid(`${action} needs ${what}`);
  };
  switch (action) {
    case 'approve':
      return { approvedAt: now };
    case 'reject':
      need(input.comment, 'a comment saying why');
      return { closedAt: now, dedupeKey: null };
    case 'dispatch': {
      if (!input.assignee && !input.team) throw invalid('dispatch needs an assignee or a team');
      if (input.team && !ctx.teams.has(input.team)) throw invalid(`no team "${input.team}"`);
      if (input.assignee) checkTechnician(ctx.users, input.assignee);
      return {
        assignee: input.assignee ?? null,
        team: input.team ?? (input.assignee ? teamOf(ctx, input.assignee) : null),
        dispatchedAt: now,
        acceptedAt: null,
        etaAt: null,
      };
    }
    case 'accept': {
      const eta = input.etaMinutes;
      if (eta === undefined) throw invalid('accept needs etaMinutes (when you expect to be there)');
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
        throw invalid(
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
        throw invalid('rate needs a rating from 1 to 5');
      return { rating: r, ratingComment: trimmed(input.comment) ?? null, closedAt: now, dedupeKey: null };
    }
    case 'close':
      return { closedAt: now, dedupeKey: null };
    case 'reopen': {
      need(input.comment, 'a comment saying what is still wrong');
      const d = ctx.sla.deadlines(t.priority, now);
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
        !ctx.store.byDedupeKey(alertTicketKey(t.assetId, t.ruleId))
          ? { dedupeKey: alertTicketKey(t.assetId, t.ruleId) }
          : {}),
      };
    }
    case 'cancel':
      return { closedAt: now, dedupeKey: null };
  }
}

/** What the timeline keeps of an action besides its comment. */
export function dataFor(action: TicketAction, fields: TicketFields, input: ActionInput): unknown {
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

function checkTechnician(users: UserStore, username: string): void {
  const user = users.findByName(username);
  if (!user || user.disabled) throw invalid(`no active user "${username}"`);
  if (!permissionsOf(user.roles).has('tickets:work'))
    throw invalid(`"${username}" is not a technician (needs the technician role)`);
}

function teamOf(ctx: ActionContext, username: string): string | null {
  for (const t of ctx.teams.values()) if (t.members.includes(username)) return t.id;
  return null;
}
