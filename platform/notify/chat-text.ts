import type { Delivery, DeliveryRecipient } from './delivery.js';

/**
 * The words of a chat or SMS message: the personal text (title, body, link) when personal routing set it,
 * else a title and one line made from the topic, event and the summary (as the e-mail subject does).
 */

export interface ChatText {
  title: string;
  body: string;
  link?: string;
}

export function chatText(d: Delivery): ChatText {
  if (d.text) return d.text;
  return { title: `[facility-hub] ${d.topic} ${d.event}`, body: headline(d) };
}

/** Title, body and link as plain lines. */
export function plainText(t: ChatText): string {
  return [t.title, t.body, t.link].filter((s) => s?.trim()).join('\n');
}

/** How a group robot mentions a person: an address of only digits and `+` is a mobile, else a user id. */
export type Mention = { kind: 'mobile'; mobile: string } | { kind: 'user'; userId: string };

export function mentionOf(r: DeliveryRecipient): Mention {
  const a = r.address.trim();
  return /^\+?\d+$/.test(a) ? { kind: 'mobile', mobile: a } : { kind: 'user', userId: a };
}

/** At most `maxBytes` of UTF-8, cut at a character boundary, with … when cut (vendors count bytes). */
export function truncateBytes(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  const ell = '…';
  let out = '';
  let used = Buffer.byteLength(ell, 'utf8');
  for (const ch of s) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (used + n > maxBytes) break;
    out += ch;
    used += n;
  }
  return out + ell;
}

function headline(d: Delivery): string {
  for (const v of [d.summary, d.subject.title, d.subject.message]) {
    if (typeof v === 'string' && v.trim()) return v.replace(/\s+/g, ' ').trim();
  }
  return `#${String(d.subject.id)}`;
}
