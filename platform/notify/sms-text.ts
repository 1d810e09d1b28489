import { chatText } from './chat-text.js';
import type { Delivery } from './delivery.js';

/**
 * What an SMS says and to whom, for every SMS channel: the placeholders {mobile} {text} {title} {body} {link}
 * {token} of the gateway template and the cloud presets' template parameters.
 */

export interface SmsFields {
  mobile: string;
  /** Title, body and link in one message, cut to the channel's maximum. */
  text: string;
  title: string;
  body: string;
  link: string;
  token: string;
}

/** The numbers a delivery goes to: the person's mobile, else the action's `to`. */
export function smsNumbers(d: Delivery, to: readonly string[] | undefined): string[] {
  return d.recipient ? [d.recipient.address.trim()] : [...(to ?? [])];
}

export function smsFields(d: Delivery, mobile: string, maxChars: number, token = ''): SmsFields {
  const t = chatText(d);
  const text = [t.title, t.body, t.link].filter((s) => s?.trim()).join(' ');
  return { mobile, text: cutChars(text, maxChars), title: t.title, body: t.body, link: t.link ?? '', token };
}

/** `{name}` replaced by encode(fields[name]); unknown names stay as they are. */
export function fillTemplate(template: string, fields: SmsFields, encode: (s: string) => string): string {
  return template.replace(/\{(mobile|text|title|body|link|token)\}/g, (_, name: keyof SmsFields) =>
    encode(fields[name]),
  );
}

/** JSON-string escaping for a placeholder inside a JSON template's quotes. */
export function jsonEscape(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

function cutChars(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}
