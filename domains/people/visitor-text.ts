import type { Language, MessageText } from '../../platform/people/people-types.js';
import type { PassView } from '../visitors/pass-types.js';
import { messageTime } from './message-time.js';

/** The host's message about a visitor waiting for them, in both languages. */
export function visitorRequestedText(
  pass: PassView,
  link: string | undefined,
  timeZone: string,
): Record<Language, MessageText> {
  const from = (lang: Language) => messageTime(pass.validFrom, lang, timeZone);
  const until = (lang: Language) => messageTime(pass.validUntil, lang, timeZone);
  const company = (open: string, close: string) => (pass.company ? `${open}${pass.company}${close}` : '');
  return {
    en: {
      title: `Visitor ${pass.visitorName}${company(' (', ')')} for you: approve or decline`,
      body: [
        `Purpose: ${pass.purpose}`,
        `When: ${from('en')} – ${until('en')}`,
        link ? 'Open the link to approve or decline.' : 'Approve or decline in the hub (Visitors).',
      ].join('\n'),
      ...(link ? { link } : {}),
    },
    'zh-CN': {
      title: `访客 ${pass.visitorName}${company('（', '）')} 来访，请审批`,
      body: [
        `来访事由：${pass.purpose}`,
        `时间：${from('zh-CN')} – ${until('zh-CN')}`,
        link ? '请打开链接同意或拒绝。' : '请在平台（访客）中同意或拒绝。',
      ].join('\n'),
      ...(link ? { link } : {}),
    },
  };
}
