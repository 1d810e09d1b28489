import { messages } from '../i18n.js';
import { en } from './text-en.js';
import { zh } from './text-zh.js';

/**
 * The site page's words (index.html and the site modules), in both languages. Static HTML names its key in
 * `data-i18n` (text), `data-i18n-title` or `data-i18n-aria-label` (attributes), with `{name}` parameters in
 * `data-i18n-args` (JSON); the page fills them at start and again when the language changes (dom.ts).
 */
export const t = messages({ en, 'zh-CN': zh });

/** A key of the site page's dictionary. */
export type SiteTextKey = Parameters<typeof t>[0];
