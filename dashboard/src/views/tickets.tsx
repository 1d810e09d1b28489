import type { Route } from '../router.js';
import { TicketsBoard } from './tickets-board.js';
import { TicketDetailView } from './tickets-detail.js';
import { TicketKpis } from './tickets-kpis.js';
import { ReportForm } from './tickets-report.js';

/**
 * Maintenance tickets (维修工单): `#/tickets` the board or list, `#/tickets/new` the fault report (报修) for a
 * phone, `#/tickets/kpis` the service KPIs per technician, `#/tickets/<id>` one ticket with the actions its viewer may take.
 */
export default function TicketsView({ route }: { route: Route }) {
  const [first] = route.rest;
  if (first === 'kpis') return <TicketKpis route={route} />;
  if (first === 'new') return <ReportForm preset={route.query.get('asset') ?? undefined} />;
  const id = first === undefined ? Number.NaN : Number(first);
  if (Number.isSafeInteger(id) && id > 0) return <TicketDetailView key={id} id={id} />;
  return <TicketsBoard route={route} />;
}
