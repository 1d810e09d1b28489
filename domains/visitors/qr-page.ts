import type { Language } from '../../platform/people/people-types.js';
import { QR_TEXT } from './kiosk-text.js';
import type { PassView } from './pass-types.js';
import { esc, publicPage } from './public-page.js';

/** The visitor's pass page (`/v/<token>`): the QR as an inline SVG (no script, no external image) and the code. */
export function qrPage(o: {
  lang: Language;
  path: string;
  pass: PassView;
  host: string;
  code: string;
  /** The QR as an SVG document (qrcode's toString). */
  svg: string;
  show: (ms: number) => string;
}): string {
  const t = QR_TEXT[o.lang];
  const svg = o.svg.replace(/^<\?xml[^>]*>\s*/, '');
  const body = `<p>${esc(t.show)}</p><div class="qr" role="img" aria-label="QR">${svg}</div>
<dl><dt>${esc(t.code)}</dt><dd class="code" id="code">${esc(o.code)}</dd>
<dt>${esc(t.host)}</dt><dd>${esc(o.host)}</dd>
<dt>${esc(t.from)}</dt><dd>${esc(o.show(o.pass.validFrom))}</dd>
<dt>${esc(t.until)}</dt><dd>${esc(o.show(o.pass.validUntil))}</dd></dl>`;
  return publicPage({ lang: o.lang, title: t.title, path: o.path, body });
}

/** The QR page's refusal: an unknown, altered or expired link, or a pass that no longer opens a gate. */
export function qrGonePage(lang: Language): string {
  const t = QR_TEXT[lang];
  return publicPage({ lang, title: t.title, body: `<p>${esc(t.gone)}</p>` });
}
