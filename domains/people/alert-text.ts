import type { Severity } from '../../core/model/severity.js';
import type { Language, MessageText } from '../../platform/people/people-types.js';
import type { AlertView } from '../alerts/alert-types.js';
import type { EscalationTarget } from './oncall-schema.js';
import type { DigestItem } from './oncall-store.js';

/** The words of on-call messages in both languages: an alert for the person on call (or escalated), a digest. */

const SEVERITY: Record<Language, Record<Severity, string>> = {
  en: { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low' },
  'zh-CN': { critical: '紧急', high: '高', medium: '中', low: '低' },
};

export interface AlertMessageInput {
  alert: AlertView;
  assetName: string;
  teamName: string;
  /** Which step of the chain: the person on call, the next in the rota, the supervisor. */
  to: EscalationTarget;
  /** Minutes the alert has been unacknowledged (escalations). */
  minutes: number;
  /** Who was told before and did not acknowledge (escalations). */
  before: string[];
  /** The signed acknowledge link, if the hub has a public URL. */
  link?: string;
  /** When the link expires, local time text. */
  linkUntil?: string;
}

export function alertText(m: AlertMessageInput): Record<Language, MessageText> {
  const { alert, assetName, teamName } = m;
  const escalated = m.to !== 'oncall';
  const en: MessageText = {
    title: `${escalated ? 'Escalated: ' : ''}[${SEVERITY.en[alert.severity]}] ${assetName}: ${alert.message}`,
    body: [
      escalated
        ? `Not acknowledged after ${m.minutes} min${m.before.length ? ` (told: ${m.before.join(', ')})` : ''}. You are ${m.to === 'next' ? 'next in the on-call rota' : 'the supervisor'} of ${teamName}.`
        : `You are on call for ${teamName}.`,
      `Alert ${alert.id} · ${alert.ruleId} · ${assetName}`,
      m.link ? `Acknowledge: ${m.link}${m.linkUntil ? ` (valid until ${m.linkUntil})` : ''}` : '',
    ]
      .filter(Boolean)
      .join('\n'),
    link: m.link,
  };
  const zh: MessageText = {
    title: `${escalated ? '升级：' : ''}【${SEVERITY['zh-CN'][alert.severity]}】${assetName}：${alert.message}`,
    body: [
      escalated
        ? `${m.minutes} 分钟内无人确认${m.before.length ? `（已通知：${m.before.join('、')}）` : ''}。您是${teamName}的${m.to === 'next' ? '下一位值班人员' : '主管'}。`
        : `您正在为${teamName}值班。`,
      `告警 ${alert.id} · ${alert.ruleId} · ${assetName}`,
      m.link ? `确认告警：${m.link}${m.linkUntil ? `（${m.linkUntil} 前有效）` : ''}` : '',
    ]
      .filter(Boolean)
      .join('\n'),
    link: m.link,
  };
  return { en, 'zh-CN': zh };
}

/** One message for a person's collected low-severity alerts. */
export function digestText(
  items: readonly DigestItem[],
  assetName: (id: string) => string,
  when: (ms: number) => string,
  link?: string,
): Record<Language, MessageText> {
  const lines = (lang: Language) =>
    items
      .slice(0, 50)
      .map(
        (i) =>
          `${when(i.raisedAt)} [${SEVERITY[lang][i.severity as Severity] ?? i.severity}] ${assetName(i.assetId)}: ${i.message}`,
      );
  const more = items.length > 50 ? items.length - 50 : 0;
  return {
    en: {
      title: `${items.length} alert${items.length === 1 ? '' : 's'} for you (digest)`,
      body: [...lines('en'), more ? `… and ${more} more` : ''].filter(Boolean).join('\n'),
      link,
    },
    'zh-CN': {
      title: `您有 ${items.length} 条告警（汇总）`,
      body: [...lines('zh-CN'), more ? `……另有 ${more} 条` : ''].filter(Boolean).join('\n'),
      link,
    },
  };
}
