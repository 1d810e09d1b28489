import type { ActingPerson, Permission } from '../../core/actor.js';
import { conflict, forbidden } from '../../core/errors.js';
import {
  FINISHED_STATES,
  TICKET_ACTIONS,
  type TicketAction,
  type TicketState,
  type TicketView,
} from './ticket-types.js';

/**
 * The repair workflow as one table: for each action a person can take, the states it starts from, the
 * state it leads to, and who may take it. The service checks every action here and nowhere else.
 *
 *   submitted ─approve→ approved ─dispatch→ dispatched ─accept→ accepted ─start→ in-progress ─resolve→ resolved ─rate/close→ closed
 *       └reject→ rejected        dispatched ─decline→ approved (back to the desk)      resolved/closed ─reopen→ reopened ─dispatch→ …
 *   cancel from any state before the work is done.
 */

export { TICKET_ACTIONS, type TicketAction };

/** A person acting on a ticket. */
export type TicketActor = ActingPerson;

/** What the table needs to know about the organisation (maintenance.teams and .departments). */
export interface Organisation {
  approversOf(departmentId: string): readonly string[] | undefined;
  membersOf(teamId: string): readonly string[] | undefined;
}

interface Step {
  from: readonly TicketState[];
  to: TicketState;
  /** Said in a 403 when the state allows the action but the person may not take it. */
  who: string;
  may(t: TicketView, a: TicketActor, org: Organisation): boolean;
}

const has = (a: TicketActor, p: Permission) => a.permissions.has(p);
const isAssignee = (t: TicketView, a: TicketActor) => t.assignee === a.username;
const inTeam = (t: TicketView, a: TicketActor, org: Organisation) =>
  t.team !== null && (org.membersOf(t.team)?.includes(a.username) ?? false);
const approves = (t: TicketView, a: TicketActor, org: Organisation) =>
  has(a, 'tickets:manage') ||
  (has(a, 'tickets:approve') &&
    (t.department === null || (org.approversOf(t.department)?.includes(a.username) ?? false)));

const BEFORE_WORK: TicketState[] = ['submitted', 'approved', 'dispatched', 'accepted', 'reopened'];

export const STEPS: Record<TicketAction, Step> = {
  approve: {
    from: ['submitted'],
    to: 'approved',
    who: "an approver of the ticket's department",
    may: approves,
  },
  reject: {
    from: ['submitted'],
    to: 'rejected',
    who: "an approver of the ticket's department",
    may: approves,
  },
  dispatch: {
    // also a reassignment, until the work has started
    from: ['approved', 'reopened', 'dispatched', 'accepted'],
    to: 'dispatched',
    who: 'the service desk (tickets:dispatch)',
    may: (_t, a) => has(a, 'tickets:dispatch'),
  },
  accept: {
    from: ['dispatched'],
    to: 'accepted',
    who: 'the technician it is dispatched to, or a member of its team',
    may: (t, a, org) =>
      has(a, 'tickets:work') && (isAssignee(t, a) || (t.assignee === null && inTeam(t, a, org))),
  },
  decline: {
    from: ['dispatched'],
    to: 'approved',
    who: 'the technician it is dispatched to, or a member of its team',
    may: (t, a, org) =>
      has(a, 'tickets:work') && (isAssignee(t, a) || (t.assignee === null && inTeam(t, a, org))),
  },
  start: {
    from: ['accepted'],
    to: 'in-progress',
    who: 'the technician who accepted it',
    may: (t, a) => has(a, 'tickets:work') && isAssignee(t, a),
  },
  resolve: {
    from: ['in-progress'],
    to: 'resolved',
    who: 'the technician who accepted it',
    may: (t, a) => has(a, 'tickets:work') && isAssignee(t, a),
  },
  rate: {
    from: ['resolved'],
    to: 'closed',
    who: 'the person who reported it',
    may: (t, a) => t.requester === a.username,
  },
  close: {
    from: ['resolved'],
    to: 'closed',
    who: 'the service desk or a supervisor',
    may: (_t, a) => has(a, 'tickets:dispatch') || has(a, 'tickets:manage'),
  },
  reopen: {
    from: ['resolved', 'closed'],
    to: 'reopened',
    who: 'the person who reported it, or a supervisor',
    may: (t, a) => t.requester === a.username || has(a, 'tickets:manage'),
  },
  cancel: {
    from: BEFORE_WORK,
    to: 'cancelled',
    who: 'the person who reported it (before dispatch), or a supervisor',
    may: (t, a) =>
      has(a, 'tickets:manage') ||
      (t.requester === a.username && (t.state === 'submitted' || t.state === 'approved')),
  },
};

/** The actions this person may take on the ticket now (the dashboard offers exactly these). */
export function allowedActions(t: TicketView, a: TicketActor, org: Organisation): TicketAction[] {
  return TICKET_ACTIONS.filter((action) => {
    const step = STEPS[action];
    return step.from.includes(t.state) && step.may(t, a, org);
  });
}

/**
 * The state the action leads to, or the refusal: a conflict for the state (with `state` and the `allowed`
 * actions of this person), forbidden for the person.
 */
export function checkAction(
  t: TicketView,
  action: TicketAction,
  a: TicketActor,
  org: Organisation,
): TicketState {
  const step = STEPS[action];
  if (!step.from.includes(t.state)) {
    const allowed = allowedActions(t, a, org);
    throw conflict(
      `cannot ${action} ticket ${t.id} in state ${t.state}; allowed: ${allowed.length ? allowed.join(', ') : 'none'}`,
      { state: t.state, allowed },
    );
  }
  if (!step.may(t, a, org)) throw forbidden(`only ${step.who} may ${action} ticket ${t.id}`);
  return step.to;
}

/**
 * Who may add to a ticket (a note on its timeline, a photo), and when: one rule for both. Its requester, its
 * technician, the service desk or a supervisor, while the ticket is not finished (closed, cancelled,
 * rejected: what belongs to a closed one goes on it once it is reopened).
 */
export function mayAddTo(t: TicketView, a: TicketActor): boolean {
  return addsTo(t, a) && !FINISHED_STATES.includes(t.state);
}

const addsTo = (t: TicketView, a: TicketActor) =>
  t.requester === a.username || isAssignee(t, a) || has(a, 'tickets:dispatch') || has(a, 'tickets:manage');

/** mayAddTo as a refusal: forbidden for a person not involved, a conflict for a finished ticket. */
export function checkAddTo(t: TicketView, a: TicketActor, what: 'notes' | 'photos'): void {
  if (!addsTo(t, a))
    throw forbidden(
      `only its requester, its technician, the service desk or a supervisor may add ${what} to ticket ${t.id}`,
    );
  if (FINISHED_STATES.includes(t.state))
    throw conflict(`ticket ${t.id} is ${t.state}: nothing more can be added to it`, { state: t.state });
}
