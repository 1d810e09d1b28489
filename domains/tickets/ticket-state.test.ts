import { describe, expect, it } from 'vitest';
import { DomainError } from '../../core/errors.js';
import { permissionsOf, type Role } from '../../platform/security/roles.js';
import {
  allowedActions,
  checkAction,
  type Organisation,
  STEPS,
  TICKET_ACTIONS,
  type TicketActor,
} from './ticket-state.js';
import { TICKET_STATES, type TicketState, type TicketView } from './ticket-types.js';

const org: Organisation = {
  approversOf: (d) => (d === 'office' ? ['appr'] : undefined),
  membersOf: (t) => (t === 'hvac' ? ['tech', 'tech2'] : undefined),
};
const actor = (username: string, roles: Role[]): TicketActor => ({
  username,
  permissions: permissionsOf(roles),
  via: 'session',
});
const ticket = (state: TicketState, extra: Partial<TicketView> = {}) =>
  ({
    id: 7,
    state,
    requester: 'req',
    department: 'office',
    assignee: 'tech',
    team: 'hvac',
    ...extra,
  }) as TicketView;
const admin = actor('root', ['admin']);

describe('the ticket transition table', () => {
  it('every action from every state it does not start from is a 409 naming what is allowed', () => {
    let refused = 0;
    for (const state of TICKET_STATES)
      for (const action of TICKET_ACTIONS) {
        if (STEPS[action].from.includes(state)) continue;
        const t = ticket(state);
        let err: unknown;
        try {
          checkAction(t, action, admin, org);
        } catch (e) {
          err = e;
        }
        expect(err, `${action} from ${state}`).toBeInstanceOf(DomainError);
        expect(err).toMatchObject({
          kind: 'conflict',
          details: { state, allowed: allowedActions(t, admin, org) },
        });
        expect((err as Error).message).toContain(`cannot ${action} ticket 7 in state ${state}; allowed:`);
        refused++;
      }
    expect(refused).toBeGreaterThan(70);
  });

  it('finished tickets: cancelled and rejected allow nothing; closed only a reopen', () => {
    expect(allowedActions(ticket('cancelled'), admin, org)).toEqual([]);
    expect(allowedActions(ticket('rejected'), admin, org)).toEqual([]);
    expect(allowedActions(ticket('closed'), admin, org)).toEqual(['reopen']);
  });

  it('who: the department approves, the assignee works, the requester rates', () => {
    const forbidden = (
      state: TicketState,
      action: (typeof TICKET_ACTIONS)[number],
      a: TicketActor,
      extra = {},
    ) =>
      expect(() => checkAction(ticket(state, extra), action, a, org)).toThrow(
        expect.objectContaining({ kind: 'forbidden', message: expect.stringMatching(/^only .+ may /) }),
      );
    expect(checkAction(ticket('submitted'), 'approve', actor('appr', ['approver']), org)).toBe('approved');
    forbidden('submitted', 'approve', actor('other-appr', ['approver']));
    // a ticket of no department: any approver
    expect(
      checkAction(ticket('submitted', { department: null }), 'approve', actor('x', ['approver']), org),
    ).toBe('approved');
    forbidden('dispatched', 'accept', actor('tech2', ['technician'])); // dispatched to tech, not to tech2
    // dispatched to the team only: any member may take it, others may not
    expect(
      checkAction(ticket('dispatched', { assignee: null }), 'accept', actor('tech2', ['technician']), org),
    ).toBe('accepted');
    forbidden('dispatched', 'accept', actor('outsider', ['technician']), { assignee: null });
    forbidden('accepted', 'start', actor('tech2', ['technician']));
    forbidden('resolved', 'rate', actor('tech', ['technician']));
    expect(checkAction(ticket('resolved'), 'rate', actor('req', ['requester']), org)).toBe('closed');
    forbidden('dispatched', 'cancel', actor('req', ['requester'])); // once dispatched, only a supervisor
    expect(checkAction(ticket('dispatched'), 'cancel', actor('boss', ['supervisor']), org)).toBe('cancelled');
    forbidden('resolved', 'close', actor('tech', ['technician']));
    expect(checkAction(ticket('dispatched'), 'decline', actor('tech', ['technician']), org)).toBe('approved');
  });
});
