import type { Route } from '../router.js';
import { CalendarSection } from './control-calendar.js';
import { SchedulesSection } from './control-schedules.js';

/** TEMPORARY (H7's branch only, until H6's control view lands): the schedules and calendar sections at #/control. */
export default function ControlTemp(_: { route: Route }) {
  return (
    <section class="view control" data-view-id="control">
      <SchedulesSection />
      <CalendarSection />
    </section>
  );
}
