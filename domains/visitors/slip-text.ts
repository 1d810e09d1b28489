/** The pass slip's words in the two languages the hub speaks (the PDF; the dashboard has its own copy). */

export const SLIP_LANGS = ['zh-CN', 'en'] as const;
export type SlipLang = (typeof SLIP_LANGS)[number];

export interface SlipWords {
  title: string;
  passNo: (id: number) => string;
  visitor: string;
  company: string;
  host: string;
  validity: string;
  opensAt: (time: string) => string;
  entries: string;
  anyEntries: string;
  entriesOf: (used: number, max: number) => string;
  gates: string;
  allGates: string;
  issued: string;
  note: string;
  locale: string;
}

export const SLIP_WORDS: Record<SlipLang, SlipWords> = {
  en: {
    title: 'Visitor pass',
    passNo: (id) => `Pass no. ${id}`,
    visitor: 'Visitor',
    company: 'Company',
    host: 'Host',
    validity: 'Valid',
    opensAt: (time) => `gates open from ${time}`,
    entries: 'Entries',
    anyEntries: 'any number within the window',
    entriesOf: (used, max) => `${max} (${used} used)`,
    gates: 'Gates',
    allGates: 'all visitor gates',
    issued: 'Printed',
    note: 'Show the QR code at the gate. Keep this slip until you leave; it is valid only within the time above.',
    locale: 'en-GB',
  },
  'zh-CN': {
    title: '访客出入凭证',
    passNo: (id) => `凭证编号 ${id}`,
    visitor: '访客',
    company: '单位',
    host: '被访人',
    validity: '有效期',
    opensAt: (time) => `闸机自 ${time} 起放行`,
    entries: '进入次数',
    anyEntries: '有效期内不限次数',
    entriesOf: (used, max) => `${max} 次（已用 ${used} 次）`,
    gates: '通行闸机',
    allGates: '全部访客闸机',
    issued: '打印时间',
    note: '请在闸机处出示二维码。离开前请妥善保管本凭证，仅在上述时间内有效。',
    locale: 'zh-CN',
  },
};

/** A time in the site's zone, as people of this language write it. */
export function slipTime(ms: number, lang: SlipLang, timeZone: string): string {
  return new Intl.DateTimeFormat(SLIP_WORDS[lang].locale, {
    timeZone,
    year: 'numeric',
    // "7 Dec 2026" in English: 07/12 is read as July in half the world
    month: lang === 'en' ? 'short' : '2-digit',
    day: lang === 'en' ? 'numeric' : '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(ms);
}
