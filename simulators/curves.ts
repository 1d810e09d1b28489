import type { PointDef } from '../core/model/site-model.js';

const formats = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** The site's local hour (fractional) and weekday (0 Sunday … 6 Saturday) at a moment. */
export function siteWall(ms: number, timeZone: string): { hour: number; weekday: number; date: string } {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: 'numeric',
      minute: 'numeric',
      hourCycle: 'h23',
    });
    formats.set(timeZone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    hour: Number(parts.hour) + Number(parts.minute) / 60,
    weekday: WEEKDAYS[parts.weekday!] ?? 1,
    date: `${parts.year}-${parts.month}-${parts.day}`,
  };
}

/** Hour of day (fractional) at the site. */
export function siteHour(ms: number, timeZone: string): number {
  return siteWall(ms, timeZone).hour;
}

/** How busy a weekend day is against a working day, per profile (an office is nearly empty). */
export function dayFactor(weekday: number, profile: 'office' | 'canteen' | 'dormitory'): number {
  if (weekday !== 0 && weekday !== 6) return 1;
  return profile === 'office' ? 0.08 : profile === 'canteen' ? 0.35 : 1;
}

/** 0 at night, rising to 1 around mid-day on a working day; a canteen peaks at meal times. */
export function occupancy(hour: number, profile: 'office' | 'canteen' | 'dormitory' = 'office'): number {
  const bell = (centre: number, width: number) => Math.exp(-(((hour - centre) / width) ** 2));
  switch (profile) {
    case 'canteen':
      return Math.min(1, bell(7.5, 0.8) * 0.5 + bell(12, 0.9) + bell(18, 1) * 0.8);
    case 'dormitory':
      return Math.min(1, 1 - bell(13, 4.5) * 0.8);
    default:
      return hour < 7 || hour > 20 ? 0.02 : Math.min(1, bell(10.5, 2.5) + bell(15, 2.5));
  }
}

function noise(amplitude: number): number {
  return (Math.random() * 2 - 1) * amplitude;
}

export interface CurveState {
  counters: Map<string, number>;
  flags: Map<string, boolean>;
}

/** A believable value for a point at a time of day, from its name and unit. */
export function curveValue(
  point: PointDef,
  hour: number,
  profile: 'office' | 'canteen' | 'dormitory',
  state: CurveState,
): number | boolean {
  const occ = occupancy(hour, profile);
  const daily = Math.sin((2 * Math.PI * (hour - 9)) / 24); // peaks mid-afternoon
  const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;
  switch (point.name) {
    case 'temp_c':
      return round(23 + 1.8 * daily + (profile === 'canteen' ? 2 * occ : 0.8 * occ) + noise(0.1));
    case 'humidity_pct':
      return round(52 - 7 * daily + (profile === 'canteen' ? 8 * occ : 0) + noise(0.5), 1);
    case 'co2_ppm':
      return Math.round(430 + 650 * occ + noise(15));
    case 'door_open': {
      const open = Math.random() < 0.05 + 0.3 * occ;
      state.flags.set(point.id, open);
      return open;
    }
    case 'tamper':
      return false;
    case 'entries_total':
    case 'exits_total': {
      const arrivals = Math.random() < occ ? Math.floor(Math.random() * 4) : 0;
      const total = (state.counters.get(point.id) ?? Math.floor(Math.random() * 500)) + arrivals;
      state.counters.set(point.id, total);
      return total;
    }
  }
  if (point.type === 'boolean') return occ > 0.3;
  const lo = point.min ?? 0;
  const hi = point.max ?? lo + 100;
  return round(lo + (hi - lo) * (0.3 + 0.4 * occ) + noise((hi - lo) * 0.01));
}
