import { useEffect, useState } from 'preact/hooks';

/**
 * The dashboard's two languages. Each view defines its own messages (`messages({ en, 'zh-CN' })`, the same
 * keys in both, checked by the type); `t(key, params)` fills `{name}` placeholders. The choice is kept in
 * localStorage; dates and numbers follow it, in the site's time zone.
 */
export const LANGS = ['zh-CN', 'en'] as const;
export type Lang = (typeof LANGS)[number];

const KEY = 'hub.lang';
const listeners = new Set<(l: Lang) => void>();
let current: Lang = initial();
let siteTimeZone = 'UTC';

function initial(): Lang {
  const saved = globalThis.localStorage?.getItem(KEY);
  if (saved === 'en' || saved === 'zh-CN') return saved;
  return navigator.language?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export const lang = (): Lang => current;

export function setLang(l: Lang): void {
  if (l === current) return;
  current = l;
  localStorage.setItem(KEY, l);
  document.documentElement.lang = l;
  for (const fn of listeners) fn(l);
}

export function onLang(fn: (l: Lang) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Re-render a component when the language changes. */
export function useLang(): Lang {
  const [l, set] = useState(current);
  useEffect(() => onLang(set), []);
  return l;
}

export type Params = Record<string, string | number>;

export function messages<K extends string>(dict: Record<Lang, Record<K, string>>) {
  return (key: K, params?: Params): string => {
    let text = dict[current][key] ?? dict.en[key] ?? key;
    if (params) for (const [k, v] of Object.entries(params)) text = text.replaceAll(`{${k}}`, String(v));
    return text;
  };
}

export function setSiteTimeZone(tz: string): void {
  siteTimeZone = tz;
}

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => T): T {
  const found = cache.get(key) as T | undefined;
  if (found) return found;
  const f = make();
  cache.set(key, f);
  return f;
}

/** A number in the user's language, at most `digits` decimals. */
export function fmtNumber(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return cached(
    `n|${current}|${digits}`,
    () => new Intl.NumberFormat(current, { maximumFractionDigits: digits }),
  ).format(v);
}

/** Date and time in the site's time zone. */
export function fmtDateTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return cached(
    `dt|${current}|${siteTimeZone}`,
    () =>
      new Intl.DateTimeFormat(current, {
        timeZone: siteTimeZone,
        dateStyle: 'short',
        timeStyle: 'medium',
        hourCycle: 'h23',
      }),
  ).format(ms);
}

export function fmtTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return cached(
    `t|${current}|${siteTimeZone}`,
    () => new Intl.DateTimeFormat(current, { timeZone: siteTimeZone, timeStyle: 'medium', hourCycle: 'h23' }),
  ).format(ms);
}

export function fmtDate(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return cached(
    `d|${current}|${siteTimeZone}`,
    () => new Intl.DateTimeFormat(current, { timeZone: siteTimeZone, dateStyle: 'medium' }),
  ).format(ms);
}

/** The site's local date (YYYY-MM-DD) of ms. */
export function siteDate(ms: number): string {
  return cached(
    `iso|${siteTimeZone}`,
    () => new Intl.DateTimeFormat('sv-SE', { timeZone: siteTimeZone }),
  ).format(ms);
}
