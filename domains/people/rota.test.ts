import { describe, expect, it } from 'vitest';
import type { RotaConfig } from './oncall-schema.js';
import { handoverAt, localText, onCallAt, weekIndex, weeksBetween } from './rota.js';

const rota = (over: Partial<RotaConfig> = {}): RotaConfig => ({
  team: 'hvac',
  members: ['ann', 'bob', 'cai'],
  handover: { day: 'mon', time: '09:00' },
  start: '2026-01-05', // a Monday
  supervisor: 'sue',
  ...over,
});
const SH = 'Asia/Shanghai'; // UTC+8 all year, no DST
const at = (iso: string) => Date.parse(iso);

describe('on-call rota (pure)', () => {
  it('hands over on the day and time in the site zone, to the second', () => {
    const r = rota();
    expect(handoverAt(r, SH, 0)).toBe(at('2026-01-05T09:00:00+08:00'));
    expect(onCallAt(r, [], SH, at('2026-01-05T08:59:59+08:00')).username).toBe('cai'); // week -1
    expect(onCallAt(r, [], SH, at('2026-01-05T09:00:00+08:00')).username).toBe('ann');
    expect(onCallAt(r, [], SH, at('2026-01-12T08:59:59.999+08:00')).username).toBe('ann');
    const wk2 = onCallAt(r, [], SH, at('2026-01-12T09:00:00+08:00'));
    expect(wk2).toMatchObject({ username: 'bob', scheduled: 'bob', next: 'cai', supervisor: 'sue' });
    expect(wk2.since).toBe(at('2026-01-12T09:00:00+08:00'));
    expect(wk2.until).toBe(at('2026-01-19T09:00:00+08:00'));
    // the cycle wraps: week 3 is ann again, whose next is bob
    expect(onCallAt(r, [], SH, at('2026-01-26T10:00:00+08:00'))).toMatchObject({
      username: 'ann',
      next: 'bob',
    });
  });

  it('starts at the first handover day on or after the start date', () => {
    // start on a Wednesday, handover on Friday 18:00: the first turn begins Friday 9 January
    const r = rota({ start: '2026-01-07', handover: { day: 'fri', time: '18:00' } });
    expect(handoverAt(r, SH, 0)).toBe(at('2026-01-09T18:00:00+08:00'));
    expect(weekIndex(r, SH, at('2026-01-09T17:59:00+08:00'))).toBe(-1);
    expect(weekIndex(r, SH, at('2026-01-09T18:00:00+08:00'))).toBe(0);
    // long before the start the cycle still holds (negative weeks)
    expect(onCallAt(r, [], SH, at('2025-12-27T00:00:00+08:00')).username).toBe('bob'); // week -2
  });

  it('keeps the local handover hour across a DST change (Europe/Berlin, 29 March 2026)', () => {
    const r = rota({ handover: { day: 'mon', time: '09:00' }, start: '2026-03-23' });
    const BER = 'Europe/Berlin';
    // 23 March: CET (UTC+1); 30 March: CEST (UTC+2): the same 09:00 is an hour earlier in UTC
    expect(handoverAt(r, BER, 0)).toBe(at('2026-03-23T08:00:00Z'));
    expect(handoverAt(r, BER, 1)).toBe(at('2026-03-30T07:00:00Z'));
    expect(handoverAt(r, BER, 1) - handoverAt(r, BER, 0)).toBe(7 * 86_400_000 - 3_600_000);
    expect(onCallAt(r, [], BER, at('2026-03-30T06:59:59Z')).username).toBe('ann');
    expect(onCallAt(r, [], BER, at('2026-03-30T07:00:00Z')).username).toBe('bob');
    // and back in October (25 Oct 2026, CEST → CET): the week is an hour longer
    const oct = rota({ start: '2026-10-19' });
    expect(handoverAt(oct, BER, 1) - handoverAt(oct, BER, 0)).toBe(7 * 86_400_000 + 3_600_000);
    expect(onCallAt(oct, [], BER, at('2026-10-26T07:59:59Z')).username).toBe('ann');
    expect(onCallAt(oct, [], BER, at('2026-10-26T08:00:00Z')).username).toBe('bob');
    expect(localText(at('2026-10-26T08:00:00Z'), BER)).toBe('2026-10-26 09:00');
  });

  it('an override covers [from, to); the newest wins; next skips whoever is on call', () => {
    const r = rota();
    const t = at('2026-01-06T12:00:00+08:00'); // ann's week
    const o1 = { id: 1, team: 'hvac', username: 'bob', from: t - 3_600_000, to: t + 3_600_000 };
    const o2 = { id: 2, team: 'hvac', username: 'dan', from: t, to: t + 60_000 };
    const other = { id: 3, team: 'power', username: 'eve', from: 0, to: Number.MAX_SAFE_INTEGER };
    expect(onCallAt(r, [o1, other], SH, t)).toMatchObject({ username: 'bob', scheduled: 'ann', next: 'cai' });
    expect(onCallAt(r, [o2, o1], SH, t)).toMatchObject({ username: 'dan', scheduled: 'ann', next: 'bob' });
    expect(onCallAt(r, [o1], SH, t + 3_600_000).username).toBe('ann'); // `to` is exclusive
    expect(onCallAt(r, [o1], SH, t - 3_600_000).override?.id).toBe(1); // `from` inclusive
  });

  it('a rota of one: next is the supervisor', () => {
    expect(onCallAt(rota({ members: ['ann'] }), [], SH, at('2026-02-01T00:00:00Z'))).toMatchObject({
      username: 'ann',
      next: 'sue',
    });
  });

  it('lists the weeks overlapping a range', () => {
    const weeks = weeksBetween(rota(), SH, at('2026-01-06T00:00:00+08:00'), at('2026-01-20T00:00:00+08:00'));
    expect(weeks.map((w) => w.username)).toEqual(['ann', 'bob', 'cai']);
    expect(weeks[0]!.from).toBe(at('2026-01-05T09:00:00+08:00'));
  });
});
