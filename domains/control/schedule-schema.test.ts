import { describe, expect, it } from 'vitest';
import { parseSiteText } from '../../hub/site-file.js';
import { testSiteYaml } from '../../test/site-fixtures.js';

/** The site file's control.calendars and control.schedules: every problem at its exact path. */
function errorsOf(control: string): string[] {
  try {
    parseSiteText(`${testSiteYaml()}control:\n${control}`, 'site.yaml');
    return [];
  } catch (err) {
    return String((err as Error).message)
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('control.'));
  }
}

describe('control.schedules in the site file', () => {
  it('accepts calendars, several periods a day, 24:00, events and optimum start', () => {
    expect(
      errorsOf(`
  calendars:
    - { id: cn-2026, holidays: ['2026-10-01..2026-10-07', '2026-01-01'], workdays: [{ date: '2026-09-27', as: mon }] }
  schedules:
    - id: office
      targets: { groups: [{ zone: b1, kind: ahu, point: supply_temp_sp_c }] }
      calendar: cn-2026
      weekly: { mon: [{ from: '07:30', to: '12:00', value: 22 }, { from: '13:00', to: '24:00', value: 21 }] }
      holiday: []
      outside: 16
      events: [{ date: '2026-12-24', from: '18:00', to: '22:00', value: 24, name: Party }]
      optimumStart: { temperature: room-1/temp_c, setpoint: 24, maxLeadMinutes: 90 }
`),
    ).toEqual([]);
  });

  it('reports each cross-reference problem at its path', () => {
    const errors = errorsOf(`
  calendars:
    - { id: c1, holidays: ['2026-10-01'], workdays: [{ date: '2026-10-01', as: mon }] }
  schedules:
    - id: s1
      targets: { points: [ahu-1/supply_temp_sp_c, room-1/temp_c] }
      weekly: { mon: [{ from: '08:00', to: '18:00', value: 22 }] }
    - id: s2
      targets: { points: [ahu-1/supply_temp_sp_c] }
      calendar: nope
      weekly: { tue: [{ from: '08:00', to: '18:00', value: 45 }] }
      holiday: [{ from: '08:00', to: '09:00', value: true }]
      events: [{ date: '2026-12-24', from: '08:00', to: '12:00', value: 20 }, { date: '2026-12-24', from: '11:00', to: '13:00', value: 21 }]
      optimumStart: { temperature: room-1/nope, setpoint: 22 }
`);
    expect(errors).toEqual([
      'control.calendars[0].workdays[0].date: 2026-10-01 is also a holiday',
      'control.schedules[0].targets.points[1]: room-1/temp_c is a measurement point; expected a command point',
      'control.schedules[1].calendar: no calendar "nope"',
      "control.schedules[1].weekly.tue[0].value: 45 is above ahu-1/supply_temp_sp_c's max 30",
      'control.schedules[1].holiday[0].value: ahu-1/supply_temp_sp_c is a number point, got true',
      'control.schedules[1].events[1]: overlaps event 0 on 2026-12-24 (08:00–12:00)',
      'control.schedules[1].optimumStart.temperature: no point room-1/nope in the site',
    ]);
  });

  it('reports overlapping periods and bad times in the structure pass', () => {
    const errors = errorsOf(`
  schedules:
    - id: s1
      targets: { points: [ahu-1/supply_temp_sp_c] }
      weekly: { mon: [{ from: '08:00', to: '12:00', value: 22 }, { from: '11:30', to: '13:00', value: 22 }], tue: [{ from: '25:00', to: '26:00', value: 1 }] }
`);
    expect(errors).toEqual(
      expect.arrayContaining([
        'control.schedules[0].weekly.mon[1]: overlaps period 0 (08:00–12:00): periods of a day must not overlap',
        expect.stringMatching(/^control\.schedules\[0\]\.weekly\.tue\[0\]\.from: expected a time HH:MM/),
      ]),
    );
  });
});
