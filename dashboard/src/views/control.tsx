import { useLang } from '../i18n.js';
import { href, type Route } from '../router.js';
import { calendarSection } from './control-calendar.js';
import { plansSection } from './control-plans.js';
import { PointsSection } from './control-points.js';
import { scenesSection } from './control-scenes.js';
import { schedulesSection } from './control-schedules.js';
import type { ControlSection } from './control-section.js';
import { ct } from './control-text.js';

/**
 * The control view (`#/control/<section>`): the command points with their priority arrays and overrides, the
 * schedules, the holiday calendar, the scenes, and the occupancy and demand-limiting panels. One tab per entry
 * of SECTIONS; the first is the default.
 */
const SECTIONS: ControlSection[] = [
  { id: 'points', label: () => ct('tab-points'), View: PointsSection },
  schedulesSection,
  calendarSection,
  scenesSection,
  plansSection,
];

export default function ControlView({ route }: { route: Route }) {
  useLang();
  const current = SECTIONS.find((s) => s.id === route.rest[0]) ?? SECTIONS[0]!;
  const { View } = current;
  return (
    <section class="view ct" data-view-id="control" data-control-section={current.id}>
      <nav class="ct-tabs e-tabs" aria-label={ct('sections')}>
        {SECTIONS.map((s) => (
          <a
            key={s.id}
            class="btn btn-small"
            href={href('control', [s.id])}
            data-tab={s.id}
            aria-current={s.id === current.id ? 'page' : undefined}
          >
            {s.label()}
          </a>
        ))}
      </nav>
      <View route={route} />
    </section>
  );
}
