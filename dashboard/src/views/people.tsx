import { useLang } from '../i18n.js';
import { href, type Route } from '../router.js';
import { PEOPLE_SECTIONS } from './people-sections.js';
import { pt } from './people-text.js';

/** The People view (`#/people/<section>`): my notification profile, the delivery log, and what others add. */
export default function PeopleView({ route }: { route: Route }) {
  useLang();
  const sections = PEOPLE_SECTIONS.filter((s) => s.visible?.() ?? true);
  const current = sections.find((s) => s.id === route.rest[0]) ?? sections[0]!;
  const { View } = current;
  return (
    <section class="view pp" data-view-id="people" data-people-section={current.id}>
      <nav class="e-tabs pp-tabs" aria-label={pt('sections')}>
        {sections.map((s) => (
          <a
            key={s.id}
            class="btn btn-small"
            href={href('people', [s.id])}
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
