import { describe, expect, it } from 'vitest';
import {
  arbitrate,
  instantOf,
  localTime,
  type PlannedSchedule,
  piecesOfDay,
  plannedSchedule,
  wantAt,
} from './schedule-plan.js';
import { CalendarSchema, compileCalendar, ScheduleConfigSchema } from './schedule-schema.js';

const SHANGHAI = 'Asia/Shanghai';
const BERLIN = 'Europe/Berlin'; // 2026-03-29 02:00 CET → 03:00 CEST (01:00Z); 2026-10-25 03:00 CEST → 02:00 CET (01:00Z)
const at = (iso: string) => Date.parse(iso);
const iso = (ts: number) => new Date(ts).toISOString();

function schedule(
  body: Record<string, unknown>,
  order = 0,
  calendar?: Record<string, unknown>,
): PlannedSchedule {
  const config = ScheduleConfigSchema.parse({ id: 's', targets: { points: ['a/b'] }, ...body });
  return plannedSchedule(
    config,
    calendar ? compileCalendar(CalendarSchema.parse(calendar)) : undefined,
    order,
  );
}

const office = [
  { from: '07:30', to: '12:00', value: true },
  { from: '13:00', to: '18:00', value: true },
];

describe('schedule plan: weekdays, several periods a day, outside value', () => {
  const s = schedule({ weekly: { mon: office, tue: office }, outside: false });

  it('wants the period value inside, the outside value between, with the next edge', () => {
    // 2026-12-07 is a Monday
    const w = wantAt(s, at('2026-12-07T08:00:00+08:00'), SHANGHAI);
    expect(w).toMatchObject({ value: true, kind: 'period', dayType: 'weekday', weekday: 'mon' });
    expect(iso(w.since)).toBe('2026-12-06T23:30:00.000Z');
    expect(iso(w.until)).toBe('2026-12-07T04:00:00.000Z');
    const lunch = wantAt(s, at('2026-12-07T12:30:00+08:00'), SHANGHAI);
    expect(lunch).toMatchObject({ value: false, kind: 'outside' });
    expect(lunch.until).toBe(at('2026-12-07T13:00:00+08:00'));
    // Tuesday 18:00 → outside until next Monday 07:30 (the weekend merges into one piece)
    const evening = wantAt(s, at('2026-12-08T19:00:00+08:00'), SHANGHAI);
    expect(evening.since).toBe(at('2026-12-08T18:00:00+08:00'));
    expect(evening.until).toBe(at('2026-12-14T07:30:00+08:00'));
  });

  it('relinquishes (null) outside every period when no outside value is given', () => {
    const r = schedule({ weekly: { mon: office } });
    expect(wantAt(r, at('2026-12-07T20:00:00+08:00'), SHANGHAI).value).toBeNull();
  });

  it('a period to 24:00 and one from 00:00 the next day are one piece (no edge at midnight)', () => {
    const n = schedule({
      weekly: {
        mon: [{ from: '20:00', to: '24:00', value: 1 }],
        tue: [{ from: '00:00', to: '06:00', value: 1 }],
      },
    });
    const w = wantAt(n, at('2026-12-07T23:00:00+08:00'), SHANGHAI);
    expect(w.since).toBe(at('2026-12-07T20:00:00+08:00'));
    expect(w.until).toBe(at('2026-12-08T06:00:00+08:00'));
  });
});

describe('schedule plan: DST in Europe/Berlin', () => {
  const s = schedule({ weekly: { sun: [{ from: '02:30', to: '05:00', value: 1 }] }, outside: 0 });

  it('spring forward: a 02:30 edge happens at the change (03:00 CEST), once', () => {
    expect(instantOf('2026-03-29', 150, BERLIN)).toBe(at('2026-03-29T01:00:00Z'));
    const before = wantAt(s, at('2026-03-29T00:30:00Z'), BERLIN); // 01:30 CET
    expect(before.value).toBe(0);
    expect(iso(before.until)).toBe('2026-03-29T01:00:00.000Z');
    const after = wantAt(s, at('2026-03-29T01:00:00Z'), BERLIN);
    expect(after.value).toBe(1);
    expect(iso(after.until)).toBe('2026-03-29T03:00:00.000Z'); // 05:00 CEST
    expect(localTime(after.since, BERLIN)).toBe('03:00');
  });

  it('autumn: the repeated hour runs once (02:30 starts at its first pass and holds through the second)', () => {
    const before = wantAt(s, at('2026-10-25T00:00:00Z'), BERLIN); // 02:00 CEST
    expect(iso(before.until)).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST
    const second = wantAt(s, at('2026-10-25T01:45:00Z'), BERLIN); // 02:45 CET, the second pass
    expect(second.value).toBe(1);
    expect(iso(second.since)).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(second.until)).toBe('2026-10-25T04:00:00.000Z'); // 05:00 CET
    expect(localTime(at('2026-10-25T01:45:00Z'), BERLIN)).toBe('02:45+');
    // the day is 25 hours long and its pieces cover it exactly
    const day = piecesOfDay(s, '2026-10-25', BERLIN);
    expect(day.at(-1)!.end - day[0]!.start).toBe(25 * 3_600_000);
  });

  it('a period wholly inside the skipped hour never happens', () => {
    const gap = schedule({ weekly: { sun: [{ from: '02:10', to: '02:50', value: 1 }] }, outside: 0 });
    const day = piecesOfDay(gap, '2026-03-29', BERLIN);
    expect(day.map((p) => p.value)).toEqual([0]);
    expect(day[0]!.end - day[0]!.start).toBe(23 * 3_600_000);
  });
});

describe('schedule plan: calendars (Asia/Shanghai)', () => {
  const calendar = {
    id: 'cn-2026',
    holidays: ['2026-10-01..2026-10-07'],
    workdays: [
      { date: '2026-09-27', as: 'mon' },
      { date: '2026-10-10', as: 'fri' },
    ],
  };
  const s = schedule(
    {
      calendar: 'cn-2026',
      weekly: { mon: office, fri: [{ from: '08:00', to: '17:00', value: true }] },
      holiday: [{ from: '10:00', to: '11:00', value: true }],
      outside: false,
    },
    0,
    calendar,
  );

  it('a make-up working day follows the weekday it names', () => {
    // 2026-09-27 is a Sunday: it runs Monday's periods
    const w = wantAt(s, at('2026-09-27T08:00:00+08:00'), SHANGHAI);
    expect(w).toMatchObject({ value: true, dayType: 'workday', weekday: 'mon' });
    expect(wantAt(s, at('2026-10-10T16:30:00+08:00'), SHANGHAI)).toMatchObject({
      value: true,
      weekday: 'fri',
    });
    // the Sunday before has nothing
    expect(wantAt(s, at('2026-09-20T08:00:00+08:00'), SHANGHAI).value).toBe(false);
  });

  it('a holiday in a range runs the holiday periods, not the weekday', () => {
    // 2026-10-05 is a Monday inside the range
    expect(wantAt(s, at('2026-10-05T08:00:00+08:00'), SHANGHAI)).toMatchObject({
      value: false,
      dayType: 'holiday',
    });
    expect(wantAt(s, at('2026-10-05T10:30:00+08:00'), SHANGHAI)).toMatchObject({
      value: true,
      dayType: 'holiday',
    });
  });
});

describe('schedule plan: events and optimum start', () => {
  it('an event rules during its window, the day’s periods around it', () => {
    const s = schedule({
      weekly: { thu: [{ from: '08:00', to: '18:00', value: 22 }] },
      outside: 16,
      events: [{ date: '2026-12-24', from: '17:00', to: '22:00', value: 24, name: 'Year-end party' }],
    });
    const d = piecesOfDay(s, '2026-12-24', SHANGHAI).map((p) => [
      localTime(p.start, SHANGHAI),
      p.value,
      p.kind,
    ]);
    expect(d).toEqual([
      ['00:00', 16, 'outside'],
      ['08:00', 22, 'period'],
      ['17:00', 24, 'event'],
      ['22:00', 16, 'outside'],
    ]);
    expect(wantAt(s, at('2026-12-24T19:00:00+08:00'), SHANGHAI).eventName).toBe('Year-end party');
  });

  it('optimum start moves the first period of the day earlier by the lead', () => {
    const s = schedule({
      weekly: { mon: office },
      outside: false,
      optimumStart: { temperature: 'x/t', setpoint: 24 },
    });
    const d = piecesOfDay(s, '2026-12-07', SHANGHAI, () => 45);
    expect(d.map((p) => localTime(p.start, SHANGHAI))).toEqual(['00:00', '06:45', '12:00', '13:00', '18:00']);
    expect(d[1]!.leadMinutes).toBe(45);
  });
});

describe('arbitrate: two schedules on one point at one level', () => {
  const a = schedule({ id: 'a', weekly: { mon: [{ from: '08:00', to: '18:00', value: 22 }] } }, 0);
  const b = schedule(
    { id: 'b', weekly: { mon: [{ from: '12:00', to: '14:00', value: 18 }] }, outside: 16 },
    1,
  );
  const rule = (iso: string) => {
    const t = at(iso);
    return arbitrate([a, b].map((s) => ({ ...wantAt(s, t, SHANGHAI), order: s.order })));
  };

  it('the period that started most recently wins; a period beats an outside value', () => {
    expect(rule('2026-12-07T09:00:00+08:00')).toMatchObject({ scheduleId: 'a', value: 22 });
    expect(rule('2026-12-07T13:00:00+08:00')).toMatchObject({ scheduleId: 'b', value: 18 });
    expect(rule('2026-12-07T15:00:00+08:00')).toMatchObject({ scheduleId: 'a', value: 22 });
    expect(rule('2026-12-07T19:00:00+08:00')).toMatchObject({ scheduleId: 'b', value: 16 });
  });

  it('an event beats a period that started later', () => {
    const e = schedule(
      { id: 'e', weekly: {}, events: [{ date: '2026-12-07', from: '11:00', to: '15:00', value: 20 }] },
      2,
    );
    const t = at('2026-12-07T13:30:00+08:00');
    expect(arbitrate([a, b, e].map((s) => ({ ...wantAt(s, t, SHANGHAI), order: s.order })))).toMatchObject({
      scheduleId: 'e',
    });
  });
});

describe('schedule schema', () => {
  it('reports overlapping periods at their exact path', () => {
    const r = ScheduleConfigSchema.safeParse({
      id: 's',
      targets: { points: ['a/b'] },
      weekly: { mon: [office[0], { from: '11:00', to: '14:00', value: true }] },
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['weekly', 'mon', 1]);
  });

  it('takes 24:00 as an end, refuses a period ending before it starts and a bad range', () => {
    const ok = ScheduleConfigSchema.safeParse({
      id: 's',
      targets: { points: ['a/b'] },
      weekly: { fri: [{ from: '18:00', to: '24:00', value: 1 }] },
    });
    expect(ok.success).toBe(true);
    const bad = ScheduleConfigSchema.safeParse({
      id: 's',
      targets: { points: ['a/b'] },
      weekly: { fri: [{ from: '18:00', to: '08:00', value: 1 }] },
    });
    expect(bad.error!.issues[0]!.path).toEqual(['weekly', 'fri', 0, 'to']);
    const cal = CalendarSchema.safeParse({ id: 'c', holidays: ['2026-10-07..2026-10-01'] });
    expect(cal.error!.issues[0]!.path).toEqual(['holidays', 0]);
  });
});
