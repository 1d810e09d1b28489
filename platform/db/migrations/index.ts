import { security } from './001-security.js';
import { counterEvents } from './002-counter-events.js';
import { alerts } from './003-alerts.js';
import { apiRules } from './004-rules.js';
import { tickets } from './005-tickets.js';
import { visitors } from './006-visitors.js';
import { passSeal } from './007-pass-seal.js';
import { energy } from './008-energy.js';
import { auditKeyed } from './009-audit-keyed.js';
import { gateCredentials } from './010-gate-credentials.js';
import { loginResets } from './011-login-resets.js';
import { priorityArrays } from './012-priority-arrays.js';
import { schedules } from './013-schedules.js';
import { scenesPlans } from './014-scenes-plans.js';
import { controlActivity } from './015-control-activity.js';
import { people } from './016-people.js';
import { oncall } from './017-oncall.js';
import { visitorContacts } from './018-visitor-contacts.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** In order; a migration, once released, is never edited: add the next number instead. */
export const migrations: readonly Migration[] = [
  security,
  counterEvents,
  alerts,
  apiRules,
  tickets,
  visitors,
  passSeal,
  energy,
  auditKeyed,
  gateCredentials,
  loginResets,
  priorityArrays,
  schedules,
  scenesPlans,
  controlActivity,
  people,
  oncall,
  visitorContacts,
];
