import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config/load-config.js';
import { parseSiteText } from '../../hub/site-file.js';

/** A small site with one team, and the `people:` section given. */
function site(people: string) {
  return `
site: { id: t1, name: Test, timezone: Asia/Shanghai }
hub: { dataDir: ':memory:', logLevel: silent }
zones: [{ id: b1, name: B1, kind: building }]
devices: [{ id: d1, protocol: mqtt }]
assets:
  - { id: ahu-1, name: AHU 1, kind: ahu, zone: b1, device: d1, points: [{ name: t_c, unit: degC }] }
maintenance:
  requireApproval: false
  teams: [{ id: hvac, name: HVAC, members: [ann, bob] }]
people:
${people}
`;
}

const errorsOf = (people: string): string[] => {
  try {
    parseSiteText(site(people), 'site.yaml');
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.errors;
    throw err;
  }
};

describe('people.oncall / escalation / digest in the site file', () => {
  it('accepts a rota and a chain, with defaults filled in', () => {
    const s = parseSiteText(
      site(`  oncall: [{ team: hvac, members: [ann, bob], supervisor: sue }]
  escalation:
    critical: [{ to: oncall }, { to: next, afterMinutes: 5 }, { to: supervisor, afterMinutes: 15 }]`),
      'site.yaml',
    );
    expect(s.config.people.oncall[0]).toMatchObject({
      handover: { day: 'mon', time: '09:00' },
      start: '2026-01-05',
    });
    expect(s.config.people.digest).toEqual({ severities: ['low'], everyMinutes: 60 });
    expect(s.config.people.ackLinkHours).toBe(24);
  });

  it('names the exact path of each mistake', () => {
    const errors = errorsOf(`  oncall:
    - { team: nobody, members: [ann, ann], supervisor: sue, start: '2026-02-30', handover: { day: someday, time: '25:00' } }
    - { team: hvac, members: [], supervisor: sue }
  escalation:
    critical: [{ to: next, afterMinutes: 5 }, { to: supervisor, afterMinutes: 5 }]
    low: [{ to: oncall }]
    urgent: [{ to: oncall }]`);
    const text = errors.join('\n');
    expect(text).toContain('people.oncall[0].handover.day');
    expect(text).toContain('people.oncall[0].handover.time: expected a time HH:MM');
    expect(text).toContain('people.oncall[1].members: expected at least one member');
    expect(text).toMatch(/people\.escalation.*urgent/);
    // the structure is wrong, so the cross-checks wait; fix it and they run
    const second = errorsOf(`  oncall:
    - { team: nobody, members: [ann, ann], supervisor: sue, start: '2026-02-30' }
    - { team: hvac, members: [ann], supervisor: sue }
    - { team: hvac, members: [bob], supervisor: sue }
  escalation:
    critical: [{ to: next, afterMinutes: 5 }, { to: supervisor, afterMinutes: 5 }]
    low: [{ to: oncall }]`).join('\n');
    expect(second).toContain('people.oncall[0].team: no team "nobody" (maintenance.teams)');
    expect(second).toContain('people.oncall[0].members[1]: "ann" is in the rota twice');
    expect(second).toContain('people.oncall[0].start: no such date 2026-02-30');
    expect(second).toContain('people.oncall[2].team: team "hvac" has two rotas');
    expect(second).toContain(
      'people.escalation.critical[0].afterMinutes: the first step tells someone at once',
    );
    expect(second).toContain(
      'people.escalation.critical[1].afterMinutes: expected more than the step before (5)',
    );
    expect(second).toContain('people.escalation.low: low is both escalated and in people.digest.severities');
  });
});
