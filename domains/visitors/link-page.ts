import type { Language } from '../../platform/people/people-types.js';
import { fill } from './kiosk-text.js';
import { LINK_TEXT } from './link-text.js';
import type { PassView } from './pass-types.js';
import { esc, publicPage } from './public-page.js';

/**
 * The page a host sees when they open their approve/decline link in a browser (an e-mail client opens links
 * there): the visitor (masked) and two buttons, a plain form posting back to the same URL (its ?lang kept).
 * No script, so the hub's Content-Security-Policy holds; every value is escaped (a visitor's name is whatever
 * they typed). In zh-CN or English (page-language.ts), with a switch.
 */

export interface LinkPageOptions {
  lang: Language;
  timeZone: string;
  /** The link's path, for the language switch. */
  path?: string;
}

function summary(p: PassView, o: LinkPageOptions): string {
  const t = LINK_TEXT[o.lang];
  const when = (ms: number) =>
    new Date(ms).toLocaleString(t.locale, { timeZone: o.timeZone, dateStyle: 'medium', timeStyle: 'short' });
  const rows: [string, string | null][] = [
    [t.rows.visitor, p.visitorName],
    [t.rows.company, p.company],
    [t.rows.phone, p.phoneMasked],
    [t.rows.host, p.host],
    [t.rows.purpose, p.purpose],
    [t.rows.from, when(p.validFrom)],
    [t.rows.until, when(p.validUntil)],
    [t.rows.entries, p.maxEntries === 0 ? t.anyNumber : String(p.maxEntries)],
    [t.rows.state, t.states[p.state]],
  ];
  return `<dl>${rows
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v!)}</dd>`)
    .join('')}</dl>`;
}

const title = (p: PassView, lang: Language) => fill(LINK_TEXT[lang].visitor, { name: p.visitorName });

/** The choice, while the pass waits for its host: the buttons the host may use (`choices`). */
export function linkChoicePage(
  p: PassView,
  o: LinkPageOptions,
  choices: readonly ('approve' | 'decline')[],
): string {
  const t = LINK_TEXT[o.lang];
  const button = (d: 'approve' | 'decline') =>
    choices.includes(d) ? `<button name="decision" value="${d}">${esc(t[d])}</button>` : '';
  const own = p.state === 'requested' && !choices.includes('approve') ? `<p>${esc(t.ownGuest)}</p>` : '';
  const form =
    p.state !== 'requested'
      ? `<p>${esc(fill(t.already, { state: t.states[p.state] }))}</p>`
      : `${own}${choices.length ? `<form method="post">${button('approve')}${button('decline')}</form>` : ''}`;
  return publicPage({ lang: o.lang, title: title(p, o.lang), path: o.path, body: summary(p, o) + form });
}

/**
 * After the decision: the code, shown this once (`sentToVisitor`: a self-registered visitor is also sent it,
 * with their QR link).
 */
export function linkResultPage(
  p: PassView,
  o: LinkPageOptions,
  code?: string,
  sentToVisitor = false,
): string {
  const t = LINK_TEXT[o.lang];
  const body = code
    ? `<p>${esc(sentToVisitor ? t.approvedSent : t.approved)}</p><p class="code">${esc(code)}</p>`
    : `<p>${esc(p.state === 'declined' ? t.declined : fill(t.isNow, { state: t.states[p.state] }))}</p>`;
  return publicPage({ lang: o.lang, title: title(p, o.lang), body: body + summary(p, o) });
}

/** A link that does not work, as a page. */
export function linkErrorPage(status: number, detail: string, lang: Language = 'en'): string {
  const t = LINK_TEXT[lang];
  return publicPage({ lang, title: status === 410 ? t.expired : t.notValid, body: `<p>${esc(detail)}</p>` });
}
