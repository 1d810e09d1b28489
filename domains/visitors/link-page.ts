import type { PassView } from './pass-types.js';

/**
 * The page a host sees when they open their approve/decline link in a browser (an e-mail client opens links
 * there): the visitor (masked) and two buttons, a plain form posting back to the same URL. No script, so the
 * hub's Content-Security-Policy holds; every value is escaped (a visitor's name is whatever they typed).
 */

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)}</title>
<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}
dt{color:#666;font-size:.85em}dd{margin:0 0 .6em}button{font-size:1em;padding:.6em 1.4em;margin-right:.6em}
.code{font:2em monospace;letter-spacing:.1em}</style></head>
<body><h1>${esc(title)}</h1>${body}</body></html>`;
}

function summary(p: PassView, timeZone: string): string {
  const when = (ms: number) =>
    new Date(ms).toLocaleString('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' });
  const rows: [string, string | null][] = [
    ['Visitor', p.visitorName],
    ['Company', p.company],
    ['Phone', p.phoneMasked],
    ['Host', p.host],
    ['Purpose', p.purpose],
    ['From', when(p.validFrom)],
    ['Until', when(p.validUntil)],
    ['Entries', p.maxEntries === 0 ? 'any number' : String(p.maxEntries)],
    ['State', p.state],
  ];
  return `<dl>${rows
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v!)}</dd>`)
    .join('')}</dl>`;
}

/** The choice, while the pass waits for its host: the buttons the host may use (`choices`). */
export function linkChoicePage(
  p: PassView,
  timeZone: string,
  choices: readonly ('approve' | 'decline')[],
): string {
  const button = (d: 'approve' | 'decline') =>
    choices.includes(d)
      ? `<button name="decision" value="${d}">${d === 'approve' ? 'Approve' : 'Decline'}</button>`
      : '';
  const own =
    p.state === 'requested' && !choices.includes('approve')
      ? '<p>You registered this visitor as your own guest: someone else (security) approves.</p>'
      : '';
  const form =
    p.state !== 'requested'
      ? `<p>This visit is already ${esc(p.state)}.</p>`
      : `${own}${choices.length ? `<form method="post">${button('approve')}${button('decline')}</form>` : ''}`;
  return page(`Visitor ${p.visitorName}`, summary(p, timeZone) + form);
}

/** After the decision: the code, shown this once. */
export function linkResultPage(p: PassView, timeZone: string, code?: string): string {
  const body = code
    ? `<p>Approved. Give the visitor this pass code (it is shown only once):</p><p class="code">${esc(code)}</p>`
    : `<p>${esc(p.state === 'declined' ? 'Declined.' : `The visit is ${p.state}.`)}</p>`;
  return page(`Visitor ${p.visitorName}`, body + summary(p, timeZone));
}

/** A link that does not work, as a page. */
export function linkErrorPage(status: number, detail: string): string {
  return page(status === 410 ? 'Link expired' : 'Link not valid', `<p>${esc(detail)}</p>`);
}
