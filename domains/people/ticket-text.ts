import type { Language, MessageText } from '../../platform/people/people-types.js';
import type { TicketView } from '../tickets/ticket-types.js';
import { messageTime } from './message-time.js';

/** The words of ticket messages to people, in both languages (ticket-routing.ts decides who gets which). */

export type TicketMessageKind = 'assigned' | 'team' | 'accepted' | 'rate' | 'resolved';

export interface TicketTextInput {
  ticket: TicketView;
  kind: TicketMessageKind;
  /** Display names: the assignee's (accepted, resolved), the team's (team). */
  who?: string;
  link?: string;
  timeZone: string;
}

const TITLES: Record<TicketMessageKind, Record<Language, (t: TicketView, who: string) => string>> = {
  assigned: {
    en: (t) => `Ticket #${t.id} assigned to you: ${t.title}`,
    'zh-CN': (t) => `工单 #${t.id} 已派给您：${t.title}`,
  },
  team: {
    en: (t, who) => `Ticket #${t.id} for your team ${who}: ${t.title}`,
    'zh-CN': (t, who) => `工单 #${t.id} 已派给您的班组 ${who}：${t.title}`,
  },
  accepted: {
    en: (t, who) => `Your ticket #${t.id} was accepted by ${who}`,
    'zh-CN': (t, who) => `您报修的工单 #${t.id} 已由 ${who} 接单`,
  },
  rate: {
    en: (t) => `Your ticket #${t.id} is resolved: please rate the work`,
    'zh-CN': (t) => `您报修的工单 #${t.id} 已处理完毕，请评价`,
  },
  resolved: {
    en: (t, who) => `Ticket #${t.id} you dispatched was resolved by ${who}`,
    'zh-CN': (t, who) => `您派发的工单 #${t.id} 已由 ${who} 处理完毕`,
  },
};

function body(i: TicketTextInput, lang: Language): string {
  const t = i.ticket;
  const zh = lang === 'zh-CN';
  const lines = [t.title];
  const where = [t.location, t.assetId].filter(Boolean).join(' · ');
  if (where) lines.push(`${zh ? '位置' : 'Where'}: ${where}`);
  lines.push(`${zh ? '优先级' : 'Priority'}: P${t.priority}`);
  if ((i.kind === 'assigned' || i.kind === 'team') && t.resolveDueAt)
    lines.push(`${zh ? '完成时限' : 'Resolve by'}: ${messageTime(t.resolveDueAt, lang, i.timeZone)}`);
  if ((i.kind === 'rate' || i.kind === 'resolved') && t.resolution)
    lines.push(`${zh ? '处理结果' : 'Resolution'}: ${t.resolution}`);
  if (i.kind === 'rate') lines.push(zh ? '请打开链接为本次维修评分。' : 'Open the link to rate the repair.');
  return lines.join('\n');
}

export function ticketText(i: TicketTextInput): Record<Language, MessageText> {
  const make = (lang: Language): MessageText => ({
    title: TITLES[i.kind][lang](i.ticket, i.who ?? ''),
    body: body(i, lang),
    ...(i.link ? { link: i.link } : {}),
  });
  return { en: make('en'), 'zh-CN': make('zh-CN') };
}
