import type { ApiProblem } from '../hub.js';
import type {
  AssetAnswer,
  PointAnswer,
  PointValue,
  ScheduleBody,
  SchedulePeriod,
  ScheduleTargets,
  Weekday,
  ZoneNode,
} from '../hub-types.js';
import { siteDate } from '../i18n.js';

/**
 * The schedule editor's plain logic: times as minutes, the periods of a row of the grid, the target points a
 * schedule resolves to (as domains/control/targets.ts does), the value type they take, the API's field errors
 * by path, and dates in the site's calendar.
 */

export const DAY_MIN = 1440;

/** '07:30' → 450; '24:00' → 1440. */
export function toMin(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
}

/** 450 → '07:30'; 1440 → '24:00'. */
export function toHHMM(min: number): string {
  const h = Math.floor(min / 60);
  return `${String(h).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
}

/** A row of the grid: a weekday, or the calendar's holidays. */
export type RowId = Weekday | 'holiday';

export function rowPeriods(body: ScheduleBody, row: RowId): SchedulePeriod[] {
  return (row === 'holiday' ? body.holiday : body.weekly[row]) ?? [];
}

/** The same schedule with a row's periods replaced (kept in time order). */
export function withRow(body: ScheduleBody, row: RowId, periods: SchedulePeriod[]): ScheduleBody {
  const sorted = [...periods].sort((a, b) => toMin(a.from) - toMin(b.from));
  if (row === 'holiday') return { ...body, holiday: sorted };
  const weekly = { ...body.weekly };
  if (sorted.length) weekly[row] = sorted;
  else delete weekly[row];
  return { ...body, weekly };
}

/** The path of a row's periods in the API's errors: `weekly.mon`, `holiday`. */
export const rowPath = (row: RowId): string => (row === 'holiday' ? 'holiday' : `weekly.${row}`);

/**
 * A new period drawn over [from, to) from a cell at `anchor`: clipped to the free gap around the anchor (the
 * periods before and after it), or null when the anchor is inside a period.
 */
export function freeSpan(
  periods: SchedulePeriod[],
  anchor: number,
  from: number,
  to: number,
): [number, number] | null {
  let lo = 0;
  let hi = DAY_MIN;
  for (const p of periods) {
    const [f, t] = [toMin(p.from), toMin(p.to)];
    if (anchor >= f && anchor < t) return null;
    if (t <= anchor) lo = Math.max(lo, t);
    if (f > anchor) hi = Math.min(hi, f);
  }
  const a = Math.max(from, lo);
  const b = Math.min(to, hi);
  return b > a ? [a, b] : null;
}

/** Where "add period" puts a new one: 08:00–18:00 if free, else the widest free gap of the row. */
export function newSpan(periods: SchedulePeriod[]): [number, number] | null {
  const at8 = freeSpan(periods, 480, 480, 1080);
  if (at8) return at8;
  const edges = [0, ...periods.flatMap((p) => [toMin(p.from), toMin(p.to)]), DAY_MIN];
  let best: [number, number] | null = null;
  for (let i = 0; i < edges.length; i += 2) {
    const [a, b] = [edges[i] ?? 0, edges[i + 1] ?? 0];
    if (b > a && (!best || b - a > best[1] - best[0])) best = [a, b];
  }
  return best;
}

export function emptySchedule(): ScheduleBody {
  return { id: '', name: '', targets: { points: [], groups: [] }, weekly: {}, holiday: [], events: [] };
}

/** The body the API takes: empty lists and blanks left out. */
export function cleanBody(b: ScheduleBody): ScheduleBody {
  const out: ScheduleBody = {
    id: b.id.trim(),
    targets: {
      ...(b.targets.points?.length ? { points: b.targets.points } : {}),
      ...(b.targets.groups?.length ? { groups: b.targets.groups } : {}),
    },
    weekly: b.weekly,
  };
  if (b.level !== undefined && b.level !== 'schedule' && b.level !== 14) out.level = b.level;
  if (b.name?.trim()) out.name = b.name.trim();
  if (b.calendar) out.calendar = b.calendar;
  if (b.holiday?.length) out.holiday = b.holiday;
  if (b.outside !== undefined) out.outside = b.outside;
  if (b.events?.length) out.events = b.events;
  if (b.optimumStart) out.optimumStart = b.optimumStart;
  return out;
}

/** Every zone id of a tree with the ids of all zones below it (itself included). */
export function zoneSubtrees(
  zones: ZoneNode[],
  out = new Map<string, Set<string>>(),
): Map<string, Set<string>> {
  const walk = (z: ZoneNode): Set<string> => {
    const ids = new Set([z.id]);
    for (const c of z.children) for (const id of walk(c)) ids.add(id);
    out.set(z.id, ids);
    return ids;
  };
  for (const z of zones) walk(z);
  return out;
}

/** The command points a target list names, each once, in the site's order. */
export function resolvePoints(
  targets: ScheduleTargets,
  assets: AssetAnswer[],
  subtrees: Map<string, Set<string>>,
): PointAnswer[] {
  const named = new Set(targets.points ?? []);
  const out: PointAnswer[] = [];
  for (const a of assets)
    for (const p of a.points) {
      if (p.kind !== 'command') continue;
      const hit =
        named.has(p.id) ||
        (targets.groups ?? []).some(
          (g) =>
            g.point === p.name &&
            (!g.kind || g.kind === a.kind) &&
            (!g.zone || subtrees.get(g.zone)?.has(a.zone)),
        );
      if (hit) out.push(p);
    }
  return out;
}

/** What a schedule's values are: on/off when every target is boolean, else a number (bounds from the points). */
export interface ValueKind {
  type: 'boolean' | 'number';
  min?: number;
  max?: number;
  unit?: string;
}

export function valueKind(points: PointAnswer[]): ValueKind {
  if (points.length && points.every((p) => p.type === 'boolean')) return { type: 'boolean' };
  const nums = points.filter((p) => p.type !== 'boolean');
  const mins = nums.map((p) => p.min).filter((v): v is number => v !== undefined);
  const maxs = nums.map((p) => p.max).filter((v): v is number => v !== undefined);
  return {
    type: 'number',
    min: mins.length ? Math.max(...mins) : undefined,
    max: maxs.length ? Math.min(...maxs) : undefined,
    unit: nums[0]?.unit || undefined,
  };
}

/** A new period's value: on, or the middle of the points' range. */
export function defaultValue(kind: ValueKind): PointValue {
  if (kind.type === 'boolean') return true;
  if (kind.min !== undefined && kind.max !== undefined) return Math.round((kind.min + kind.max) / 2);
  return kind.min ?? 0;
}

/**
 * The API's complaints by field: `weekly.mon.1.from` → message. The problem's `errors` come as
 * `{ path, message }` or as 'path: message' text; a leading `body.` or `schedule.` is dropped.
 */
export function fieldErrors(err: unknown): { byPath: Map<string, string>; detail: string } {
  const p = (err as ApiProblem)?.problem;
  const byPath = new Map<string, string>();
  for (const e of (p?.errors ?? []) as unknown[]) {
    let path: string;
    let message: string;
    if (typeof e === 'string') {
      const i = e.indexOf(': ');
      [path, message] = i > 0 ? [e.slice(0, i), e.slice(i + 2)] : ['', e];
    } else {
      const x = e as { path?: string | (string | number)[]; message?: string };
      path = Array.isArray(x.path) ? x.path.join('.') : (x.path ?? '');
      message = x.message ?? '';
    }
    path = path
      .replace(/\[(\d+)\]/g, '.$1')
      .replace(/^(body|schedule|calendar)(\.|$)/, '')
      .replace(/^\./, '');
    byPath.set(path, byPath.has(path) ? `${byPath.get(path)}; ${message}` : message);
  }
  const detail = p?.detail ?? (err as Error)?.message ?? String(err);
  return { byPath, detail };
}

/** The errors at a path or below it. */
export function errorsUnder(byPath: Map<string, string>, prefix: string): string[] {
  return [...byPath.entries()]
    .filter(([p]) => p === prefix || p.startsWith(`${prefix}.`))
    .map(([p, m]) => (p === prefix ? m : `${p.slice(prefix.length + 1)}: ${m}`));
}

/** 'YYYY-MM-DD' plus n days. */
export function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Monday 0 … Sunday 6 of a 'YYYY-MM-DD'. */
export function weekdayIndex(date: string): number {
  return (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;
}

export const siteToday = (): string => siteDate(Date.now());
export const siteTomorrow = (): string => addDays(siteToday(), 1);

/** A value as words: on/off, or a number with its unit. */
export function valueText(v: PointValue | null | undefined, onOff: [string, string], unit?: string): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? onOff[0] : onOff[1];
  return unit && typeof v === 'number' ? `${v} ${unit === 'degC' ? '°C' : unit}` : String(v);
}

/** An answer as a list, whether the API wraps it (`{ schedules: [...] }`) or not. */
export function listOf<T>(data: unknown, key: string): T[] | undefined {
  if (data === undefined) return undefined;
  if (Array.isArray(data)) return data as T[];
  const inner = (data as Record<string, unknown>)?.[key];
  return Array.isArray(inner) ? (inner as T[]) : [];
}
