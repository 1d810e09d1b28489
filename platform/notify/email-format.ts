import { type Delivery, deliveryBody, eventName } from './delivery.js';

/**
 * The words of a notification e-mail: a subject line a phone's lock screen can show, and a plain-text body
 * with the subject's main fields for people and the webhook's JSON for scripts. No HTML: it renders the same
 * in every client and has nothing to sanitise.
 */

const SUBJECT_MAX = 160;
const FIELD_MAX = 300;

/** `[facility-hub] alert raised: supply_temp_c 9.4 °C above 8 °C` */
export function emailSubject(d: Delivery): string {
  if (d.text) return oneLine(d.text.title, SUBJECT_MAX);
  return oneLine(`[facility-hub] ${d.topic} ${d.event}: ${headline(d)}`, SUBJECT_MAX);
}

export function emailText(d: Delivery): string {
  // a personal delivery: the text in the person's language first, the link on its own line
  if (d.text) {
    return [
      d.text.body,
      ...(d.text.link ? ['', d.text.link] : []),
      '',
      `Delivery ${d.id} (${eventName(d)}).`,
      '',
    ].join('\n');
  }
  const fields = Object.entries(d.subject)
    .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
    .map(([k, v]) => `${k}: ${oneLine(show(k, v), FIELD_MAX)}`);
  return [
    `${d.topic} ${d.event}: ${headline(d)}`,
    '',
    ...fields,
    '',
    `Delivery ${d.id} (${eventName(d)}), sent ${new Date(d.sentAt).toISOString()}. The same as JSON:`,
    '',
    JSON.stringify(deliveryBody(d), null, 2),
    '',
  ].join('\n');
}

/** The summary, else the subject's title or message, else its id. */
function headline(d: Delivery): string {
  for (const v of [d.summary, d.subject.title, d.subject.message]) {
    if (typeof v === 'string' && v.trim()) return v;
  }
  return `#${String(d.subject.id)}`;
}

/** Clock times (`raisedAt`, `dueAt`: ms since the epoch) as ISO dates; the JSON keeps the numbers. */
function show(key: string, value: unknown): string {
  if (typeof value === 'number' && /At$/.test(key) && Math.abs(value) <= 8.64e15) {
    return new Date(value).toISOString();
  }
  return String(value);
}

/** No line breaks (a header must not be split, a field must stay one line), at most `max` characters. */
function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
