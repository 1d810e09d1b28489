import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Medium } from '../../../domains/energy/energy-schema.js';
import { useApi } from '../hub.js';
import type { ZoneNode } from '../hub-types.js';
import { lang } from '../i18n.js';
import { formatNumber } from './chart.js';
import { t } from './energy-text.js';

/** Types of the energy API's answers and the small pieces the energy panels share (the words: energy-text.ts). */

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
/** GET /site's shapes are the hub's (hub-types.ts): the zones as a tree. */
export type { SiteAnswer } from '../hub-types.js';
export type SiteZone = ZoneNode;
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
