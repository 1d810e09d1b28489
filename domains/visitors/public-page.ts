import type { Language } from '../../platform/people/people-types.js';

/**
 * The frame of the hub's public pages (visitor registration, the host's approval link, the visitor's QR):
 * one column that fits a phone, a language switch, styles inline (the CSP allows inline styles, not inline
 * scripts: a page's script is a file from the hub itself). Every value put in is escaped by the caller via esc.
 */

export const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

const STYLE = `*{box-sizing:border-box}body{font:16px system-ui,"PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;max-width:34rem;margin:1.5rem auto;padding:0 1rem;color:#1d2430}
h1{font-size:1.5rem;margin:.2em 0 .6em}nav.lang{text-align:right;font-size:.9em}nav.lang a,nav.lang strong{margin-left:.8em}
dt{color:#666;font-size:.85em}dd{margin:0 0 .6em}button{font-size:1em;padding:.6em 1.4em;margin:.2em .6em .2em 0;cursor:pointer}
label{display:block;margin:.7em 0 .2em;font-weight:600}input,textarea{font:inherit;width:100%;padding:.5em;border:1px solid #9aa4b2;border-radius:4px}
.row{display:flex;gap:.6em}.row>*{flex:1;min-width:0}.row.wrap{flex-wrap:wrap}.row.wrap>*{flex:1 1 14rem}.hint{color:#555;font-size:.9em;margin:.3em 0}
.hosts{list-style:none;padding:0;margin:.4em 0}.hosts label{font-weight:400;display:flex;gap:.5em;align-items:center;border:1px solid #ccd;border-radius:4px;padding:.5em;margin:.3em 0}
.hosts input{width:auto}.status{margin:1em 0;padding:.7em;border-radius:4px}.status:empty{display:none}
.status.error{background:#fde8e8;color:#8a1c1c}.status.ok{background:#e6f6ea;color:#1b5e20}
.code{font:2em monospace;letter-spacing:.1em}.qr svg{width:100%;max-width:18rem;height:auto;display:block;margin:1em auto}`;

export function publicPage(o: {
  lang: Language;
  title: string;
  body: string;
  /** The page's own URL without ?lang (the switch links to it). */
  path?: string;
  /** A script file served by the hub (same origin: the CSP's script-src 'self'). */
  script?: string;
}): string {
  const other = (l: Language, label: string) =>
    l === o.lang
      ? `<strong>${label}</strong>`
      : `<a href="${esc(`${o.path ?? ''}?lang=${l}`)}" hreflang="${l}">${label}</a>`;
  const nav =
    o.path === undefined ? '' : `<nav class="lang">${other('zh-CN', '中文')}${other('en', 'English')}</nav>`;
  return `<!doctype html>
<html lang="${o.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><link rel="icon" href="data:,"><title>${esc(o.title)}</title><style>${STYLE}</style>${
    o.script ? `<script src="${esc(o.script)}" defer></script>` : ''
  }</head>
<body>${nav}<h1>${esc(o.title)}</h1>${o.body}</body></html>`;
}
