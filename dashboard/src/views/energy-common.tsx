import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Medium } from '../../../domains/energy/energy-schema.js';
import { useApi } from '../hub.js';
import { lang, messages } from '../i18n.js';
import { formatNumber } from './chart.js';

/** The energy view's words, types of the energy API's answers and the small pieces its panels share. */

export const t = messages({
  en: {
    title: 'Energy',
    scope: 'Scope',
    site: 'Whole site',
    month: 'Month',
    prevMonth: 'Previous month',
    nextMonth: 'Next month',
    csvMonth: 'Monthly report (CSV)',
    csvDay: 'Daily report {date} (CSV)',
    export: 'Export',
    electricity: 'Electricity',
    water: 'Water',
    gas: 'Gas',
    consumption: 'Consumption',
    thisMonth: 'This month',
    monthInProgress: 'month to date, against the same days of last month',
    vsLast: 'vs last month',
    vsBaseline: 'vs baseline',
    baseline: 'Baseline',
    expected: 'expected {v}',
    noBaseline: 'no baseline yet',
    noPrevious: 'nothing to compare',
    afterHoursWaste: 'After-hours waste',
    afterHoursUse: 'After-hours use',
    wasteOfUse: '{pct} of after-hours use',
    noWorkingHours: 'no working hours configured',
    peakDemand: 'Peak demand',
    demandCharge: 'demand charge {v}',
    cost: 'Cost',
    carbon: 'Carbon',
    completeness: 'Data',
    completenessLong: 'Data completeness',
    totalsTitle: 'This period against the last and the baseline',
    medium: 'Medium',
    previous: 'Last month',
    demandTitle: '15-minute demand (需量)',
    meter: 'Meter',
    date: 'Day',
    today: 'Today',
    limit: 'Limit',
    limitFrom: 'rule “{rule}”',
    noLimit: 'no demand rule on this meter',
    overLimit: 'Over limit',
    demand: 'Demand',
    peakAt: 'at {time}',
    latest: 'Latest',
    noDataToday: 'No readings for this day yet.',
    staleSince: 'No data since {time}',
    gapsNote: 'Gaps (no reading) are left empty, never drawn as 0.',
    dayTitle: 'Consumption by day',
    dayNull: 'no data',
    buildingsTitle: 'By building',
    building: 'Building',
    metersTitle: 'By meter',
    virtual: 'virtual',
    zone: 'Zone',
    afterHoursTitle: 'After-hours waste (下班后浪费)',
    afterHoursNote:
      'What meters used outside working hours, and how much of it was above their baseline for the hour.',
    nothingAfterHours: 'No after-hours waste this month.',
    nightTitle: 'Water night flow (夜间流量)',
    waterMeter: 'Water meter',
    flow: 'Flow',
    minFlow: 'Lowest flow {from}–{to}',
    neverZero: 'never fell to zero: check for leaks',
    fellToZero: 'fell to zero',
    noWater: 'No water meter configured.',
    noNightData: 'No readings for this night.',
    loadingReport: 'Working out the report…',
    empty: 'No meters in this scope.',
  },
  'zh-CN': {
    title: '能耗',
    scope: '范围',
    site: '全园区',
    month: '月份',
    prevMonth: '上个月',
    nextMonth: '下个月',
    csvMonth: '月报 (CSV)',
    csvDay: '{date} 日报 (CSV)',
    export: '导出',
    electricity: '电',
    water: '水',
    gas: '燃气',
    consumption: '用量',
    thisMonth: '本月',
    monthInProgress: '本月截至目前，对比上月同期',
    vsLast: '较上月',
    vsBaseline: '较基线',
    baseline: '基线',
    expected: '预期 {v}',
    noBaseline: '尚无基线',
    noPrevious: '无可比数据',
    afterHoursWaste: '下班后浪费',
    afterHoursUse: '下班后用量',
    wasteOfUse: '占下班后用量 {pct}',
    noWorkingHours: '未配置工作时间',
    peakDemand: '最大需量',
    demandCharge: '基本电费 {v}',
    cost: '费用',
    carbon: '碳排放',
    completeness: '数据',
    completenessLong: '数据完整率',
    totalsTitle: '本期对比上期与基线',
    medium: '能源',
    previous: '上月',
    demandTitle: '15 分钟需量',
    meter: '表计',
    date: '日期',
    today: '今天',
    limit: '限值',
    limitFrom: '规则“{rule}”',
    noLimit: '该表计无需量规则',
    overLimit: '超限',
    demand: '需量',
    peakAt: '{time}',
    latest: '最新',
    noDataToday: '当天尚无读数。',
    staleSince: '{time} 以来无数据',
    gapsNote: '缺数（无读数）留空显示，不按 0 计。',
    dayTitle: '逐日用量',
    dayNull: '无数据',
    buildingsTitle: '按建筑',
    building: '建筑',
    metersTitle: '按表计',
    virtual: '虚拟表',
    zone: '区域',
    afterHoursTitle: '下班后浪费',
    afterHoursNote: '非工作时间的用量，以及其中高于该时段基线的部分。',
    nothingAfterHours: '本月无下班后浪费。',
    nightTitle: '夜间流量（水）',
    waterMeter: '水表',
    flow: '流量',
    minFlow: '{from}–{to} 最低流量',
    neverZero: '从未降到零：请检查是否漏水',
    fellToZero: '曾降到零',
    noWater: '未配置水表。',
    noNightData: '该夜间无读数。',
    loadingReport: '正在计算报表…',
    empty: '该范围内没有表计。',
  },
});

export type { Medium };
/** Not the schema's MEDIA: that module brings zod into the page. */
export const MEDIA: Medium[] = ['electricity', 'water', 'gas'];

export interface MeterNode {
  id: string;
  name: string;
  medium: Medium;
  unit: string;
  zone: string;
  point?: string;
  add?: string[];
  subtract?: string[];
  billing: boolean;
  children: MeterNode[];
}
export interface MetersAnswer {
  timezone: string;
  currency: string;
  meters: MeterNode[];
}
export interface FlatMeter extends Omit<MeterNode, 'children'> {
  depth: number;
  parent: string | null;
}
export function flatten(nodes: MeterNode[], depth = 0, parent: string | null = null): FlatMeter[] {
  return nodes.flatMap(({ children, ...m }) => [
    { ...m, depth, parent },
    ...flatten(children, depth + 1, m.id),
  ]);
}

/** The report's shapes are the hub's own (domains/energy/report.ts). */
export type {
  EnergyReport as Report,
  MediumTotal,
  MeterFigures as Figures,
  MeterRow,
  ScopeSection as Section,
} from '../../../domains/energy/report.js';
export interface IntervalRow {
  start: number;
  end: number;
  value: number | null;
  completeness: number;
  peakDemandKw?: number | null;
  cost?: number | null;
}
export interface Intervals {
  meter: string;
  medium: Medium;
  unit: string;
  intervals: IntervalRow[];
}
export interface Rule {
  id: string;
  name?: string;
  condition?: { type: string; limitKw?: number; from?: string; to?: string; zeroBelow?: number };
  instances?: { assetId: string; pointId?: string }[];
}
export interface SiteZone {
  id: string;
  name: string;
  kind?: string;
  children?: SiteZone[];
}
export interface SiteAnswer {
  site: { id: string; name?: string; timezone?: string };
  zones: SiteZone[];
}
export function flatZones(zones: SiteZone[] = []): SiteZone[] {
  return zones.flatMap((z) => [z, ...flatZones(z.children)]);
}

/** The asset a physical meter's counter is on. */
export const assetOf = (m: { point?: string } | undefined) => m?.point?.split('/')[0];

export const mediumName = (m: Medium) => t(m);
export const unitOf = (unit: string) => (unit === 'm3' ? 'm³' : unit);
export const num = (v: number | null | undefined, digits = 1) => formatNumber(v, digits);
export const pctText = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined
    ? '—'
    : `${v > 0 ? '+' : v < 0 ? '−' : '±'}${formatNumber(Math.abs(v), digits)} %`;
export const completenessText = (c: number | null | undefined) =>
  c === null || c === undefined ? '—' : `${formatNumber(c * 100, 1)} %`;

const money = new Map<string, Intl.NumberFormat>();
export function moneyText(v: number | null | undefined, currency: string): string {
  if (v === null || v === undefined) return '—';
  const key = `${lang()}|${currency}`;
  let f = money.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat(lang(), { style: 'currency', currency, maximumFractionDigits: 0 });
    } catch {
      f = new Intl.NumberFormat(lang(), { maximumFractionDigits: 0 });
    }
    money.set(key, f);
  }
  return f.format(v);
}

/** A change where up is worse: red when up, green when down. */
export function Change({ pct, title }: { pct: number | null | undefined; title?: string }) {
  const tone = pct === null || pct === undefined ? 'muted' : pct > 0.5 ? 'up' : pct < -0.5 ? 'down' : 'flat';
  return (
    <span class={`e-change e-change-${tone}`} title={title} data-pct={pct ?? ''}>
      {tone === 'up' ? '▲ ' : tone === 'down' ? '▼ ' : ''}
      {pctText(pct)}
    </span>
  );
}

/** Completeness as a small badge: full, partial or none. */
export function Completeness({ value }: { value: number | null | undefined }) {
  const tone =
    value === null || value === undefined || value === 0 ? 'bad' : value >= 0.999 ? 'good' : 'warn';
  return (
    <span
      class={`badge badge-${tone} completeness`}
      title={t('completenessLong')}
      data-completeness={value ?? ''}
    >
      {completenessText(value)}
    </span>
  );
}

export function Stat(props: {
  label: string;
  value: ComponentChildren;
  unit?: string;
  sub?: ComponentChildren;
  name?: string;
  tone?: 'bad' | 'warn' | 'good';
}) {
  return (
    <div class={`e-stat${props.tone ? ` e-stat-${props.tone}` : ''}`} data-stat={props.name}>
      <span class="e-stat-label">{props.label}</span>
      <span class="e-stat-value">
        <b>{props.value}</b>
        {props.unit && <small>{props.unit}</small>}
      </span>
      {props.sub !== undefined && <span class="e-stat-sub">{props.sub}</span>}
    </div>
  );
}

/** Ticks once a minute: "now" for ranges that end at now. */
export function useMinute(): number {
  const [now, setNow] = useState(() => Math.floor(Date.now() / 60_000) * 60_000);
  useEffect(() => {
    const timer = setInterval(() => setNow(Math.floor(Date.now() / 60_000) * 60_000), 15_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** A meter's 15-minute intervals over [from, to) (the panels' one query), and the rows once they are its. */
export function useQuarterHours(meterId: string | undefined, from: number, to: number) {
  const res = useApi<Intervals>(
    meterId && to > from
      ? `/energy/meters/${encodeURIComponent(meterId)}/intervals?interval=15m&from=${from}&to=${to}`
      : null,
  );
  return { res, rows: res.data?.meter === meterId ? res.data?.intervals : undefined };
}

/** The day picker of a panel: up to today. */
export function DateField(props: {
  control: string;
  date: string;
  today: string;
  onDate: (date: string) => void;
}) {
  return (
    <label class="e-field">
      <span>{t('date')}</span>
      <input
        type="date"
        data-control={props.control}
        value={props.date}
        max={props.today}
        onChange={(e) => {
          const v = (e.target as HTMLInputElement).value;
          if (v) props.onDate(v);
        }}
      />
    </label>
  );
}
