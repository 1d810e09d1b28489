import { messages } from '../i18n.js';
import { en } from './tickets-text-en.js';
import { zh } from './tickets-text-zh.js';

/** The tickets view's words (every label in both languages), and how states, actions, kinds and events read. */
export const t = messages({ en, 'zh-CN': zh });

type Key = Parameters<typeof t>[0];
export const stateText = (s: string) => t(`s.${s}` as Key);
export const actionText = (a: string) => t(`a.${a}` as Key);
export const actionHint = (a: string) => t(`h.${a}` as Key);
export const kindText = (k: string) => t(`k.${k}` as Key);
export const sourceText = (s: string) => t(`src.${s}` as Key);
export const priorityText = (p: number) => t(`p${Math.min(4, Math.max(1, p))}` as Key);
export const stageText = (s: string) =>
  s === 'report' ? t('stageReport') : s === 'work' ? t('stageWork') : t('stageResolution');
export function eventText(e: string): string {
  const text = t(`e.${e}` as Key);
  return text === `e.${e}` ? e : text;
}
export const who = (username: string) => (username === 'system' ? t('system') : username);
