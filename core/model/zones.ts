import type { ZoneConfig } from '../config/site-schema.js';

/** A zone and every zone below it (empty when the zone does not exist). */
export function zoneSubtree(zones: ZoneConfig[], root: string): Set<string> {
  const out = new Set<string>();
  if (!zones.some((z) => z.id === root)) return out;
  out.add(root);
  let grew = true;
  while (grew) {
    grew = false;
    for (const z of zones)
      if (z.parent && out.has(z.parent) && !out.has(z.id)) {
        out.add(z.id);
        grew = true;
      }
  }
  return out;
}
