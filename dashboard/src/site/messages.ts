import { $ } from './dom.js';

/**
 * The page's messages: the banner (a load or live problem), the notice (done, for a while), the login
 * form's and the password dialog's. A message given as a function of the language is written again when the
 * language changes.
 */
export type Message = string | (() => string);

/** Messages on show that are functions of the language: element → text. */
const shownMessages = new Map<HTMLElement, () => string>();
let noticeTimer: number | undefined;

/**
 * Set a message element's text; an empty text hides it. A function as the text is called again when the
 * language changes, so the message follows it.
 */
export function setMessage(el: HTMLElement, message: Message): void {
  if (typeof message === 'function') shownMessages.set(el, message);
  else shownMessages.delete(el);
  const shown = typeof message === 'function' ? message() : message;
  el.textContent = shown ?? '';
  el.hidden = !shown;
}

export function showBanner(message: Message): void {
  setMessage($('banner'), message);
}

export function showNotice(message: Message): void {
  clearTimeout(noticeTimer);
  setMessage($('notice'), message);
  if (message) noticeTimer = setTimeout(() => setMessage($('notice'), ''), 8_000);
}

/** The language changed: the messages on show, in it. */
export function relabelMessages(): void {
  for (const [el, message] of shownMessages) if (!el.hidden) el.textContent = message();
}
