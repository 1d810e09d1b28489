import type { SiteModel } from '../../core/model/site-model.js';
import { zoneSubtree } from '../../core/model/zones.js';
import type { TeamConfig } from './maintenance-schema.js';
import type { TicketView } from './ticket-types.js';

export interface DispatchSuggestion {
  teams: { id: string; name: string; score: number; reasons: string[] }[];
  /** Members of the suggested teams, best team first, then the fewest tickets in hand. */
  technicians: { username: string; team: string; inHand: number }[];
}

/**
 * Who should take a ticket (the service desk's one-click dispatch): teams ranked by skill (the asset's kind)
 * and zone (a team covering the asset's zone or one above it), their technicians by current load. Only the
 * ticket's asset kind and zone count, so an alert's asset is ranked the same way (on-call routing).
 */
export function suggestDispatch(
  t: Pick<TicketView, 'assetKind' | 'zoneId'>,
  teams: readonly TeamConfig[],
  site: SiteModel,
  inHand: (username: string) => number,
): DispatchSuggestion {
  const ranked = teams
    .map((team) => {
      const reasons: string[] = [];
      let score = 0;
      if (t.assetKind && team.skills.includes(t.assetKind as TeamConfig['skills'][number])) {
        score += 2;
        reasons.push(`repairs ${t.assetKind}`);
      } else if (!team.skills.length) {
        score += 1;
        reasons.push('any equipment');
      }
      if (t.zoneId && team.zones.some((z) => zoneSubtree(site.zones, z).has(t.zoneId!))) {
        score += 2;
        reasons.push(`covers ${site.zoneById.get(t.zoneId)?.name ?? t.zoneId}`);
      } else if (!team.zones.length) {
        score += 1;
        reasons.push('whole site');
      }
      return { id: team.id, name: team.name, score, reasons, members: team.members };
    })
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score);
  const seen = new Set<string>();
  const technicians: DispatchSuggestion['technicians'] = [];
  for (const team of ranked) {
    const members = team.members
      .filter((u) => !seen.has(u))
      .map((username) => ({ username, team: team.id, inHand: inHand(username) }))
      .sort((a, b) => a.inHand - b.inHand);
    for (const m of members) {
      seen.add(m.username);
      technicians.push(m);
    }
  }
  return { teams: ranked.map(({ members: _, ...rest }) => rest), technicians };
}
