import type { PointValue } from '../hub-types.js';
import { lang } from '../i18n.js';
import { text } from './dom.js';
import { t } from './text.js';

/**
 * How the site page writes states, numbers, units and times: every word from the dictionary in text.ts, in
 * the language chosen in the top bar (i18n.ts); times on a 24-hour clock, in the site's time zone once the
 * site is loaded (the browser's before). The formats are made again when either changes (makeFormats).
 */

/** The dictionary's text for `${prefix}.${value}`, or the value itself when there is none. */
export function known(prefix: string, value: string | number | undefined): string {
  const key = `${prefix}.${value}`;
  const found = text(key);
  return found === key ? String(value) : found;
}

export const qualityText = (q: string | undefined) => known('quality', q);
export const deviceStateText = (s: string) => known('device', s);
export const linkStateText = (s: string) => known('link', s);
export const connText = (s: string) => known('conn', s);
export const roleText = (r: string) => known('role', r);
/** Why the hub ended a session (`session-ended` reasons), as the login form explains it. */
export const sessionEndText = (reason: string) => known('ended', reason);
export const statText = (k: string) => known('stat', k);

const UNITS: Record<string, string> = {
  degC: '°C',
  degF: '°F',
  m3: 'm³',
  'm3/h': 'm³/h',
  m2: 'm²',
  Nm3: 'Nm³',
  'Nm3/h': 'Nm³/h',
};

let siteTimeZone: string | undefined;
let numberFormat: Intl.NumberFormat;
let timeFormat: Intl.DateTimeFormat;
let dateTimeFormat: Intl.DateTimeFormat;
makeFormats();

/** The formats in the current language and time zone (again after either changed). */
export function makeFormats(): void {
  numberFormat = new Intl.NumberFormat(lang(), { maximumFractionDigits: 2 });
  timeFormat = makeDateFormat({ hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  dateTimeFormat = makeDateFormat({
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
}

/** The site is loaded: its times from now on in its time zone. */
export function setSiteTimeZone(timeZone: string): void {
  siteTimeZone = timeZone;
  makeFormats();
}

function makeDateFormat(opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat(lang(), { ...opts, timeZone: siteTimeZone });
  } catch {
    return new Intl.DateTimeFormat(lang(), opts);
  }
}

/** The time zone the times are shown in. */
export const shownTimeZone = (): string => dateTimeFormat.resolvedOptions().timeZone;

/** A count in the chosen language. */
export const formatCount = (n: number): string => numberFormat.format(n);

/** Time of day for recent timestamps, the full date for older ones. */
export function formatTime(ms: number | null | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  return Math.abs(Date.now() - ms) < 20 * 3600_000 ? timeFormat.format(d) : dateTimeFormat.format(d);
}

export function formatFull(ms: number | null | undefined): string {
  return typeof ms === 'number' && Number.isFinite(ms) ? dateTimeFormat.format(new Date(ms)) : '—';
}

export function formatUnit(unit: string | undefined): string {
  if (!unit) return '';
  return UNITS[unit] ?? unit;
}

export function formatValue(value: PointValue | null): string {
  if (typeof value === 'boolean') return value ? t('on') : t('off');
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    const rounded = Math.round(value * 100) / 100;
    return numberFormat.format(Object.is(rounded, -0) ? 0 : rounded);
  }
  return String(value);
}
