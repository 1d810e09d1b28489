import type { EventBus } from '../../core/bus.js';
import type { Logger } from '../../core/logger.js';
import type { PeopleNotifier } from '../../platform/people/people-types.js';
import type { TicketView } from '../tickets/ticket-types.js';
import { type TicketMessageKind, ticketText } from './ticket-text.js';

export interface TicketRoutingOptions {
  bus: EventBus;
  people: PeopleNotifier;
  tickets: {
    membersOf(teamId: string): readonly string[] | undefined;
    store: { events(ticketId: number): readonly { event: string; actor: string }[] };
  };
  /** A user's display name (messages name the technician, not their login). */
  displayName(username: string): string | undefined;
  /** A team's name (maintenance.teams). */
  teamName(teamId: string): string | undefined;
  /** The hub's address for ticket links (`<publicUrl>/#/tickets/<id>`), if known. */
  publicUrl?: string;
  timeZone: string;
  log: Logger;
}

/** The hub's own accounts: never told anything. */
const NOBODY = new Set(['system', 'kiosk']);

/**
 * Ticket events to people (beside the site-wide `maintenance.notify` actions, which keep working):
 * dispatched → the assignee, or the team's members when dispatched to a team (no assignee); accepted → the requester;
 * resolved → the requester ("please rate", with the ticket's link) and whoever dispatched it. Nobody is told
 * about their own action. Priority 1 (urgent) assignments pass quiet hours.
 */
export function wireTicketRouting(o: TicketRoutingOptions): () => void {
  const base = o.publicUrl?.replace(/\/+$/, '');
  const linkOf = (t: TicketView) => (base ? `${base}/#/tickets/${t.id}` : undefined);

  function tell(
    to: string | null | undefined,
    t: TicketView,
    kind: TicketMessageKind,
    event: string,
    who?: string,
  ) {
    if (!to || NOBODY.has(to)) return;
    const outcome = o.people.tell(to, {
      kind: 'ticket',
      topic: 'ticket',
      event,
      subject: t,
      urgent: t.priority === 1 && (kind === 'assigned' || kind === 'team'),
      text: ticketText({ ticket: t, kind, who, link: linkOf(t), timeZone: o.timeZone }),
    });
    o.log.debug({ ticket: t.id, to, event, outcome: outcome.status }, 'ticket message to a person');
  }

  // to a technician: them (their team is filled in, but is not being asked); to a team only: its members
  function dispatched(t: TicketView, by: string) {
    if (t.assignee) {
      if (t.assignee !== by) tell(t.assignee, t, 'assigned', 'assigned');
      return;
    }
    if (!t.team) return;
    for (const member of new Set(o.tickets.membersOf(t.team) ?? []))
      if (member !== by) tell(member, t, 'team', 'assigned', o.teamName(t.team) ?? t.team);
  }

  const offs = [
    // a plan's ticket is dispatched to its team as it is created
    o.bus.on('ticket.created', ({ ticket }) => {
      if (ticket.state === 'dispatched') dispatched(ticket, ticket.requester);
    }),
    o.bus.on('ticket.changed', ({ ticket: t, event, by }) => {
      const assigneeName = (t.assignee && o.displayName(t.assignee)) ?? t.assignee ?? '';
      if (event === 'dispatch') dispatched(t, by);
      else if (event === 'accept' && t.requester !== by)
        tell(t.requester, t, 'accepted', 'accepted', assigneeName);
      else if (event === 'resolve') {
        if (t.requester !== by) tell(t.requester, t, 'rate', 'resolved', assigneeName);
        const dispatcher = o.tickets.store
          .events(t.id)
          .filter((e) => e.event === 'dispatch')
          .at(-1)?.actor;
        if (dispatcher && dispatcher !== by && dispatcher !== t.requester)
          tell(dispatcher, t, 'resolved', 'resolved', assigneeName);
      }
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
