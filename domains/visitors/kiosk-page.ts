import type { Language } from '../../platform/people/people-types.js';
import { KIOSK_TEXT } from './kiosk-text.js';
import { esc, publicPage } from './public-page.js';

export const KIOSK_SCRIPT_PATH = '/visit/kiosk.js';

/**
 * The public registration page (`/visit`): a plain form; kiosk.js (a file, for the CSP) adds the host search
 * and sends it as JSON. The texts the script shows ride in data- attributes, in the page's language.
 */
export function kioskPage(o: {
  lang: Language;
  enabled: boolean;
  window: { from: string; until: string; min: string };
  minChars: { cjk: number; other: number };
}): string {
  const t = KIOSK_TEXT[o.lang];
  if (!o.enabled)
    return publicPage({ lang: o.lang, title: t.title, path: '/visit', body: `<p>${esc(t.disabled)}</p>` });
  const field = (id: string, label: string, attrs: string) =>
    `<label for="${id}">${esc(label)}</label><input id="${id}" name="${id}" ${attrs}>`;
  const data = {
    lang: o.lang,
    'min-cjk': String(o.minChars.cjk),
    'min-other': String(o.minChars.other),
    'min-chars': t.minChars,
    'no-match': t.noMatch,
    'pick-host': t.pickHost,
    sending: t.sending,
    'too-many': t.tooMany,
    failed: t.failed,
    done: t.done,
  };
  const dataAttrs = Object.entries(data)
    .map(([k, v]) => `data-${k}="${esc(v)}"`)
    .join(' ');
  const body = `<p>${esc(t.intro)}</p>
<noscript><p class="status error">${esc(t.noScript)}</p></noscript>
<form id="visit-form" ${dataAttrs} novalidate>
${field('name', t.name, 'required maxlength="100" autocomplete="name"')}
${field('phone', t.phone, 'required type="tel" maxlength="32" autocomplete="tel" inputmode="tel"')}
${field('email', t.email, 'type="email" maxlength="254" autocomplete="email"')}
${field('company', t.company, 'maxlength="100" autocomplete="organization"')}
${field('purpose', t.purpose, 'required maxlength="200"')}
<div class="row wrap"><div>${field('from', t.from, `required type="datetime-local" value="${esc(o.window.from)}" min="${esc(o.window.min)}"`)}</div>
<div>${field('until', t.until, `required type="datetime-local" value="${esc(o.window.until)}" min="${esc(o.window.min)}"`)}</div></div>
<label for="host-q">${esc(t.host)}</label>
<div class="row"><input id="host-q" type="search" maxlength="40" autocomplete="off" placeholder="${esc(t.hostPlaceholder)}"><button type="button" id="host-find" style="flex:0 0 auto">${esc(t.find)}</button></div>
<p class="hint" id="host-hint" aria-live="polite"></p>
<ul class="hosts" id="host-results"></ul>
<p><button type="submit" id="submit">${esc(t.submit)}</button></p>
</form>
<div id="status" class="status" role="status" aria-live="polite"></div>
<p><a id="again" href="/visit?lang=${o.lang}" hidden>${esc(t.again)}</a></p>`;
  return publicPage({ lang: o.lang, title: t.title, path: '/visit', body, script: KIOSK_SCRIPT_PATH });
}

/** The poster for reception (`/visit/poster`): a large QR of the registration page's address, to print. */
export function posterPage(o: { lang: Language; url: string; svg: string }): string {
  const t = KIOSK_TEXT[o.lang];
  const svg = o.svg.replace(/^<\?xml[^>]*>\s*/, '');
  const body = `<style>.qr svg{max-width:26rem}.url{font:1.2em monospace;word-break:break-all;text-align:center}
@media print{nav.lang{display:none}body{margin:2cm auto}}</style>
<p>${esc(t.posterScan)}</p><div class="qr">${svg}</div><p class="url" id="poster-url">${esc(o.url)}</p>`;
  return publicPage({ lang: o.lang, title: t.posterTitle, path: '/visit/poster', body });
}
