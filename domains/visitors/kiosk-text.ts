import type { Language } from '../../platform/people/people-types.js';

/** The public registration page (`/visit`) and the visitor's pass message, in both languages. */
export const KIOSK_TEXT = {
  en: {
    title: 'Visitor registration',
    intro:
      'Register your visit. Your host is asked to approve; you then receive your pass code by SMS or e-mail.',
    name: 'Your name',
    phone: 'Mobile phone',
    email: 'E-mail (optional)',
    company: 'Company (optional)',
    purpose: 'Purpose of the visit',
    from: 'From',
    until: 'Until',
    host: 'Who are you visiting?',
    hostPlaceholder: 'Type the name of the person you visit',
    find: 'Find',
    submit: 'Register',
    noScript: 'This page needs JavaScript. Please ask at reception.',
    minChars: 'Type at least {n} characters of the name.',
    noMatch: 'Nobody of that name. Check the spelling, or ask at reception.',
    pickHost: 'Pick your host from the list.',
    sending: 'Sending…',
    tooMany: 'Too many attempts from here; please wait a few minutes or ask at reception.',
    failed: 'Not registered: {why}',
    done: 'Thank you, {name}. {host} has been asked to approve your visit. Your pass code will come by SMS or e-mail once approved.',
    again: 'Register another visitor',
    disabled: 'Self-registration is not available here. Please ask at reception.',
    posterTitle: 'Visitors: register here',
    posterScan: 'Scan with your phone to register your visit, or open:',
  },
  'zh-CN': {
    title: '访客登记',
    intro: '请登记您的来访信息。被访人审批后，您将通过短信或电子邮件收到通行码。',
    name: '您的姓名',
    phone: '手机号码',
    email: '电子邮箱（选填）',
    company: '单位（选填）',
    purpose: '来访事由',
    from: '开始时间',
    until: '结束时间',
    host: '您要拜访谁？',
    hostPlaceholder: '请输入被访人姓名',
    find: '查找',
    submit: '提交登记',
    noScript: '本页面需要启用 JavaScript，请到前台办理。',
    minChars: '请至少输入姓名中的 {n} 个字。',
    noMatch: '未找到此人。请检查姓名，或到前台咨询。',
    pickHost: '请从列表中选择被访人。',
    sending: '正在提交…',
    tooMany: '尝试次数过多，请稍候几分钟或到前台办理。',
    failed: '登记未成功：{why}',
    done: '谢谢，{name}。已请 {host} 审批您的来访，审批通过后通行码将通过短信或电子邮件发送给您。',
    again: '登记下一位访客',
    disabled: '此处暂不提供自助登记，请到前台办理。',
    posterTitle: '访客请在此登记',
    posterScan: '请用手机扫码登记来访，或打开：',
  },
} satisfies Record<Language, Record<string, string>>;

export type KioskText = (typeof KIOSK_TEXT)['en'];

/** The message that hands an approved visitor their code and the link to their QR. */
export function visitorCodeText(v: {
  name: string;
  host: string;
  from: string;
  until: string;
  code: string;
  link?: string;
}): Record<Language, { title: string; body: string; link?: string }> {
  return {
    en: {
      title: 'Your visitor pass',
      body:
        `${v.name}, your visit to ${v.host} (${v.from} – ${v.until}) is approved. Pass code: ${v.code}. ` +
        (v.link ? 'Show the QR code at the gate: open the link.' : 'Type the code at the gate.'),
      link: v.link,
    },
    'zh-CN': {
      title: '您的访客通行证',
      body:
        `${v.name}，您拜访 ${v.host} 的申请（${v.from} – ${v.until}）已通过。通行码：${v.code}。` +
        (v.link ? '请打开链接，在闸机处出示二维码。' : '请在闸机处输入通行码。'),
      link: v.link,
    },
  };
}

/** The message that tells a self-registered visitor their visit was declined (then their contact goes). */
export function visitorDeclinedText(v: {
  name: string;
  host: string;
  from: string;
  until: string;
}): Record<Language, { title: string; body: string }> {
  return {
    en: {
      title: 'Your visit was not approved',
      body: `${v.name}, your visit to ${v.host} (${v.from} – ${v.until}) was not approved. Please contact your host or reception.`,
    },
    'zh-CN': {
      title: '您的来访未获批准',
      body: `${v.name}，您拜访 ${v.host} 的申请（${v.from} – ${v.until}）未获批准。请联系被访人或前台。`,
    },
  };
}

/** The public QR page (`/v/<token>`). */
export const QR_TEXT = {
  en: {
    title: 'Your visitor pass',
    show: 'Show this QR code at the gate, or type the code.',
    code: 'Pass code',
    host: 'Visiting',
    from: 'From',
    until: 'Until',
    gone: 'This pass is no longer valid.',
    notValid: 'This link is not valid.',
  },
  'zh-CN': {
    title: '访客通行证',
    show: '请在闸机处出示此二维码，或输入通行码。',
    code: '通行码',
    host: '被访人',
    from: '开始',
    until: '结束',
    gone: '此通行证已失效。',
    notValid: '此链接无效。',
  },
} satisfies Record<Language, Record<string, string>>;

/** Fill `{name}` placeholders. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
}
