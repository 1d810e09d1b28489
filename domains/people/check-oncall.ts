import type { SiteConfig } from '../../core/config/site-schema.js';
import { WEEKDAYS } from './oncall-schema.js';

type Fail = (path: PropertyKey[], message: string) => void;

/**
 * The on-call keys' references, once the whole site is known: each rota's team is a team of maintenance.teams
 * (one rota per team), members appear once, the start date exists, and each escalation chain starts at once and
 * goes forward in time.
 */
export function checkOncall(config: SiteConfig, fail: Fail): void {
  const people = config.people;
  const teams = new Set(config.maintenance.teams.map((t) => t.id));
  const seen = new Set<string>();
  people.oncall.forEach((rota, i) => {
    const at = (...path: PropertyKey[]) => ['people', 'oncall', i, ...path];
    if (!teams.has(rota.team)) fail(at('team'), `no team "${rota.team}" (maintenance.teams)`);
    if (seen.has(rota.team)) fail(at('team'), `team "${rota.team}" has two rotas`);
    seen.add(rota.team);
    const members = new Set<string>();
    rota.members.forEach((m, k) => {
      if (members.has(m)) fail(at('members', k), `"${m}" is in the rota twice`);
      members.add(m);
    });
    const [y, mo, d] = rota.start.split('-').map(Number) as [number, number, number];
    const date = new Date(Date.UTC(y, mo - 1, d));
    if (date.getUTCDate() !== d) fail(at('start'), `no such date ${rota.start}`);
    if (!WEEKDAYS.includes(rota.handover.day)) fail(at('handover', 'day'), 'expected mon … sun');
  });
  for (const [severity, steps] of Object.entries(people.escalation)) {
    const at = (...path: PropertyKey[]) => ['people', 'escalation', severity, ...path];
    if (!steps?.length) continue;
    if (steps[0]!.afterMinutes !== 0)
      fail(at(0, 'afterMinutes'), 'the first step tells someone at once: expected 0');
    steps.forEach((s, k) => {
      if (k > 0 && s.afterMinutes <= steps[k - 1]!.afterMinutes)
        fail(at(k, 'afterMinutes'), `expected more than the step before (${steps[k - 1]!.afterMinutes})`);
    });
    if (people.digest.severities.includes(severity as never))
      fail(at(), `${severity} is both escalated and in people.digest.severities: choose one`);
  }
}
