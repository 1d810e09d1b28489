import type { FunctionComponent } from 'preact';
import type { Route } from '../router.js';
import { peopleDeliveriesSection } from './people-deliveries.js';
import { peopleOncallSection } from './people-oncall.js';
import { peopleProfileSection } from './people-profile.js';
import { peopleUsersSection } from './people-users.js';

/**
 * The sections (tabs) of the People view, `#/people/<id>`: each with its label in the user's language, its
 * component, and who sees it (`visible`, e.g. a permission; absent: everyone logged in). Others append here.
 */
export interface PeopleSection {
  id: string;
  label: () => string;
  View: FunctionComponent<{ route: Route }>;
  visible?: () => boolean;
}

export const PEOPLE_SECTIONS: PeopleSection[] = [
  peopleProfileSection,
  peopleDeliveriesSection,
  peopleUsersSection,
  peopleOncallSection,
];
