import { LANGUAGES, type Language } from '../../platform/people/people-types.js';

/**
 * The language of a public page (the registration page, the approval and QR pages): `?lang=` when it names
 * one we speak, else the browser's Accept-Language in its order of preference, else the site's default.
 */
export function pageLanguage(
  query: unknown,
  acceptLanguage: string | undefined,
  fallback: Language,
): Language {
  const asked = typeof query === 'string' ? known(query) : undefined;
  if (asked) return asked;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.trim(), q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((r) => r.tag && Number.isFinite(r.q) && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranked) {
    const lang = known(r.tag);
    if (lang) return lang;
  }
  return fallback;
}

/** zh, zh-CN, zh-Hans, zh-SG → zh-CN; en, en-GB → en. Traditional Chinese (zh-TW, zh-Hant) too: closer than English. */
function known(tag: string): Language | undefined {
  const t = tag.toLowerCase();
  if (t === 'zh' || t.startsWith('zh-')) return 'zh-CN';
  if (t === 'en' || t.startsWith('en-')) return 'en';
  return LANGUAGES.find((l) => l.toLowerCase() === t);
}
