import type { Params } from '../i18n.js';
import { type SiteTextKey, t } from './text.js';

/**
 * The site page's DOM helpers: its elements by id, elements made with their attributes and text, text marked
 * for translation (data-i18n), and the flash of a value that just changed. All text goes through textContent
 * or attributes, never HTML.
 */

/** The elements of index.html the site page reads and writes, by id. */
interface PageElements {
  app: HTMLDivElement;
  login: HTMLElement;
  'login-form': HTMLFormElement;
  'login-notice': HTMLParagraphElement;
  'login-error': HTMLParagraphElement;
  'login-username': HTMLInputElement;
  'login-password': HTMLInputElement;
  'login-submit': HTMLButtonElement;
  'site-name': HTMLHeadingElement;
  'site-meta': HTMLSpanElement;
  'site-counts': HTMLSpanElement;
  conn: HTMLSpanElement;
  'last-update': HTMLTimeElement;
  user: HTMLDivElement;
  'user-name': HTMLSpanElement;
  'user-roles': HTMLSpanElement;
  'change-password': HTMLButtonElement;
  logout: HTMLButtonElement;
  banner: HTMLDivElement;
  notice: HTMLDivElement;
  tree: HTMLDivElement;
  devices: HTMLUListElement;
  'devices-count': HTMLSpanElement;
  links: HTMLUListElement;
  pipeline: HTMLDListElement;
  'password-dialog': HTMLDialogElement;
  'password-form': HTMLFormElement;
  'password-username': HTMLInputElement;
  'password-current': HTMLInputElement;
  'password-new': HTMLInputElement;
  'password-confirm': HTMLInputElement;
  'password-revoke-tokens': HTMLInputElement;
  'password-error': HTMLParagraphElement;
  'password-submit': HTMLButtonElement;
  'password-cancel': HTMLButtonElement;
}

export type PageElementId = keyof PageElements;

/** An element of index.html. */
export const $ = <K extends PageElementId>(id: K): PageElements[K] =>
  document.getElementById(id) as PageElements[K];

/** The dictionary's text for a key made at run time (a key it does not have comes back as it is). */
export const text = (key: string, params?: Params): string => t(key as SiteTextKey, params);

export type Attrs = Record<string, string | number | boolean | null | undefined>;
export type Child = Node | string | number | null | undefined | false;

/** Create an element. attrs: class, title, data-*, aria-*, …; children: nodes or strings (as text). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs)
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = String(v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
  }
  return el;
}

/**
 * An element whose text is the dictionary's `key` (with `params`): marked with data-i18n, so that it is
 * translated again when the language changes.
 */
export function tx<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  key: SiteTextKey,
  params?: Params,
  attrs: Attrs = {},
): HTMLElementTagNameMap[K] {
  return h(
    tag,
    { ...attrs, 'data-i18n': key, 'data-i18n-args': params ? JSON.stringify(params) : undefined },
    t(key, params),
  );
}

const I18N_ATTRS = ['title', 'aria-label'] as const;

/** `${prefix}.${value}` from the dictionary, marked for translation, or the value as it is when unknown. */
export function textOrKey<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  prefix: string,
  value: string,
  attrs?: Attrs,
): HTMLElementTagNameMap[K] {
  const key = `${prefix}.${value}`;
  return text(key) === key ? h(tag, attrs, String(value)) : tx(tag, key as SiteTextKey, undefined, attrs);
}

/** Fill the text and attributes of every element marked with data-i18n, data-i18n-title, data-i18n-aria-label. */
export function translateStatic(root: ParentNode = document): void {
  const params = (el: HTMLElement): Params | undefined =>
    el.dataset.i18nArgs ? (JSON.parse(el.dataset.i18nArgs) as Params) : undefined;
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]'))
    el.textContent = text(el.dataset.i18n!, params(el));
  for (const attr of I18N_ATTRS)
    for (const el of root.querySelectorAll<HTMLElement>(`[data-i18n-${attr}]`))
      el.setAttribute(attr, text(el.getAttribute(`data-i18n-${attr}`)!, params(el)));
}

const reduceMotion = matchMedia('(prefers-reduced-motion: reduce)').matches;

/** Briefly highlight an element that just changed. */
export function flash(el: HTMLElement, strength = 0.55): void {
  if (reduceMotion || typeof el.animate !== 'function') return;
  el.animate(
    [{ backgroundColor: `rgba(255, 199, 0, ${strength})` }, { backgroundColor: 'rgba(255, 199, 0, 0)' }],
    { duration: 1400, easing: 'ease-out' },
  );
}
