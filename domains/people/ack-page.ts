import type { Language } from '../../platform/people/people-types.js';
import type { AckLinkOpened } from './alert-ack.js';

/**
 * The page the acknowledge link opens in a browser (a chat app or e-mail client opens it there), in zh-CN or
 * English: the alert and one button, a plain form posting back to the same URL. No script, so the hub's
 * Content-Security-Policy holds; every value is escaped (an alert's message may carry a device's text).
 */

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

const WORDS = {
  en: {
    title: 'Acknowledge alert',
    done: 'Acknowledged',
    asset: 'Asset',
    severity: 'Severity',
    message: 'Alert',
    raised: 'Raised',
    state: 'State',
    you: 'Sent to',
    button: 'Acknowledge',
    ackedBy: (who: string, when: string) => `Acknowledged by ${who} at ${when}. The escalation has stopped.`,
    notWaiting: (state: string) => `This alert is ${state}: there is nothing to acknowledge.`,
    expired: 'Link expired',
    invalid: 'Link not valid',
    other: 'English',
    otherLang: 'zh-CN' as Language,
    otherLabel: '中文',
  },
  'zh-CN': {
    title: '确认告警',
    done: '已确认',
    asset: '设备',
    severity: '级别',
    message: '告警',
    raised: '发生时间',
    state: '状态',
    you: '接收人',
    button: '确认',
    ackedBy: (who: string, when: string) => `已由 ${who} 于 ${when} 确认，升级已停止。`,
    notWaiting: (state: string) => `该告警当前状态为 ${state}，无需确认。`,
    expired: '链接已过期',
    invalid: '链接无效',
    other: '中文',
    otherLang: 'en' as Language,
    otherLabel: 'English',
  },
} as const;

const STATE: Record<Language, Record<string, string>> = {
  en: {
    normal: 'normal',
    unacked: 'unacknowledged',
    acked: 'acknowledged',
    'rtn-unacked': 'back to normal, unacknowledged',
    shelved: 'shelved',
    suppressed: 'suppressed',
  },
  'zh-CN': {
    normal: '正常',
    unacked: '未确认',
    acked: '已确认',
    'rtn-unacked': '已恢复，未确认',
    shelved: '已搁置',
    suppressed: '已抑制',
  },
};

const SEVERITY: Record<Language, Record<string, string>> = {
  en: { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low' },
  'zh-CN': { critical: '紧急', high: '高', medium: '中', low: '低' },
};

function page(lang: Language, title: string, body: string): string {
  const w = WORDS[lang];
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)}</title>
<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}
dt{color:#666;font-size:.85em}dd{margin:0 0 .6em}button{font-size:1.1em;padding:.7em 1.6em}
nav{text-align:right;font-size:.9em}.sev-critical{color:#b00020;font-weight:600}</style></head>
<body><nav><a href="?lang=${w.otherLang}">${w.otherLabel}</a></nav><h1>${esc(title)}</h1>${body}</body></html>`;
}

export function ackPage(
  o: AckLinkOpened,
  lang: Language,
  when: (ms: number) => string,
  assetName: string,
  justAcked = false,
): string {
  const w = WORDS[lang];
  const a = o.alert;
  const rows: [string, string, string?][] = [
    [w.asset, assetName],
    [w.severity, SEVERITY[lang][a.severity] ?? a.severity, `sev-${a.severity}`],
    [w.message, a.message],
    [w.raised, a.raisedAt ? when(a.raisedAt) : '—'],
    [w.state, STATE[lang][a.state] ?? a.state],
    [w.you, `${o.displayName} (${o.username})`],
  ];
  const dl = `<dl>${rows.map(([k, v, c]) => `<dt>${esc(k)}</dt><dd${c ? ` class="${c}"` : ''}>${esc(v)}</dd>`).join('')}</dl>`;
  let action: string;
  if (o.canAck) action = `<form method="post"><button name="ack" value="1">${esc(w.button)}</button></form>`;
  else if (a.ackedBy && a.ackedAt) action = `<p>${esc(w.ackedBy(a.ackedBy, when(a.ackedAt)))}</p>`;
  else action = `<p>${esc(w.notWaiting(STATE[lang][a.state] ?? a.state))}</p>`;
  return page(lang, justAcked ? w.done : w.title, dl + action);
}

/** Why a link does not work, in Chinese (the English is the domain's own message). */
const ZH_DETAIL: Record<number, string> = {
  400: '这不是告警确认链接。',
  403: '该链接无效（已被修改、不属于本系统，或接收人账号已停用/无确认权限）。',
  404: '该告警已不存在。',
  409: '该告警当前无需确认。',
  410: '该确认链接已过期，请在控制台中确认。',
};

export function ackErrorPage(lang: Language, status: number, detail: string): string {
  const w = WORDS[lang];
  const text = lang === 'zh-CN' ? (ZH_DETAIL[status] ?? detail) : detail;
  return page(lang, status === 410 ? w.expired : w.invalid, `<p>${esc(text)}</p>`);
}

/** The page's language: `?lang=`, else the person's, else the browser's first of zh / en, else the site's. */
export function pageLanguage(
  query: string | undefined,
  person: Language | undefined,
  acceptLanguage: string | undefined,
  fallback: Language,
): Language {
  if (query === 'en' || query === 'zh-CN') return query;
  if (person) return person;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.trim().toLowerCase();
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return fallback;
}
