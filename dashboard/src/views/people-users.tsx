import { can, useApi } from '../hub.js';
import { useLang } from '../i18n.js';
import { href, navigate, type Route } from '../router.js';
import { ErrorBox, Loading, Section } from '../ui.js';
import { ProfileForm } from './people-profile.js';
import type { PeopleSection } from './people-sections.js';
import { pt } from './people-text.js';

interface UserRow {
  id: number;
  username: string;
  displayName: string;
  disabled: boolean;
}

/** `#/people/users/<id>`: an admin (users:manage) sees and sets anyone's notification profile. */
function UsersSection({ route }: { route: Route }) {
  useLang();
  const { data, error, reload } = useApi<UserRow[]>('/users');
  const selected = Number(route.rest[1]) || undefined;
  if (error) return <ErrorBox error={error} retry={reload} />;
  if (!data) return <Loading />;
  return (
    <>
      <Section title={pt('tab-users')}>
        <p class="muted">{pt('pickUserHint')}</p>
        <div class="field">
          <label for="pp-user">{pt('pickUser')}</label>
          <select
            id="pp-user"
            value={selected ?? ''}
            onChange={(e) => navigate(href('people', ['users', (e.target as HTMLSelectElement).value]))}
          >
            <option value="">—</option>
            {data.map((u) => (
              <option key={u.id} value={u.id} disabled={u.disabled}>
                {u.displayName === u.username ? u.username : `${u.displayName} (${u.username})`}
              </option>
            ))}
          </select>
        </div>
      </Section>
      {selected !== undefined && (
        <ProfileForm
          key={selected}
          path={`/users/${selected}/profile`}
          title={(p) => pt('profileOf', { name: p.displayName, username: p.username })}
        />
      )}
    </>
  );
}

export const peopleUsersSection: PeopleSection = {
  id: 'users',
  label: () => pt('tab-users'),
  View: UsersSection,
  visible: () => can('users:manage'),
};
