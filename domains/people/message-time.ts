import type { Language } from '../../platform/people/people-types.js';

/** A time as a person reads it in a message: their language, the site's time zone (`3 Mar 2026, 14:30`). */
export function messageTime(ms: number, lang: Language, timeZone: string): string {
  return new Date(ms).toLocaleString(lang === 'zh-CN' ? 'zh-CN' : 'en-GB', {
    timeZone,
    dateStyle: 'medium',
    timeStyle: 'short',
  });
}
