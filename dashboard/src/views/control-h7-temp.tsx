import type { Route } from '../router.js';
import { CalendarSection } from './control-calendar.js';
import { SchedulesSection } from './control-schedules.js';

/**
 * TEMPORARY (H7's branch only, until H6's control view lands): `#/control/schedules` and `#/control/calendar`
 * as H6's tabs will have them.
 */
export default function ControlTemp({ route }: { route: Route }) {
  return (
    <section class="view control" data-view-id="control" data-control-section={route.rest[0] ?? 'schedules'}>
      {route.rest[0] === 'calendar' ? <CalendarSection /> : <SchedulesSection />}
    </section>
  );
}
