import { z } from 'zod';
import { intIn, positiveMs } from '../../core/config/zod-helpers.js';
import { SEVERITIES } from '../../core/model/severity.js';

/** Keys every channel of the site file's `actions:` has (webhook, e-mail, chat robots, SMS). */

export const ALERT_EVENTS = ['raised', 'changed', 'cleared'] as const;
export type AlertEventName = (typeof ALERT_EVENTS)[number];
/** Which alert transitions an action hears (ticket messages are not filtered by it). */
export const alertEvents = z.array(z.enum(ALERT_EVENTS)).default(['raised', 'cleared']);

/** events, minSeverity, retries and timeoutMs with a channel's own defaults. */
export function deliveryKeys(defaults: { minSeverity: (typeof SEVERITIES)[number]; timeoutMs: number }) {
  return {
    events: alertEvents,
    /** Only alerts at least this severe. */
    minSeverity: z.enum(SEVERITIES).default(defaults.minSeverity),
    /** Tries after the first, with backoff (1 s doubling, at most 5 min). */
    retries: intIn(0, 20).default(6),
    timeoutMs: positiveMs().default(defaults.timeoutMs),
  };
}

/** A vendor's API root: default the vendor's, a local simulator or an on-site proxy in tests and closed sites. */
export function baseUrl(vendorDefault: string) {
  return z
    .string()
    .url({ error: 'expected an http(s) URL such as https://example.com' })
    .refine((u) => /^https?:\/\//.test(u), { error: 'expected an http(s) URL' })
    .default(vendorDefault);
}
