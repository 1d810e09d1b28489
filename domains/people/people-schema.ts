import { z } from 'zod';
import { OncallShape } from './oncall-schema.js';
import { RoutingShape } from './routing-schema.js';

/**
 * The site file's `people:` section: how people are reached (the action per channel kind, default channels and
 * language) and who is on call (rotas, escalation chains, digests). Each part's keys live in its own file.
 */
export const PeopleSchema = z.strictObject({
  ...RoutingShape,
  ...OncallShape,
});
export type PeopleConfig = z.infer<typeof PeopleSchema>;

declare module '../../core/config/site-schema.js' {
  interface SiteSections {
    /** People: personal notification routing, on-call rotas and escalation. */
    people: PeopleConfig;
  }
}
