import type { VisitorsConfig } from './visitor-schema.js';

type Fail = (path: PropertyKey[], message: string) => void;

/** visitors.selfService against the rest of the section (users live in the database, not the site file). */
export function checkSelfService(v: VisitorsConfig, fail: Fail): void {
  const s = v.selfService;
  if (!s.enabled) return;
  if (!v.publicUrl)
    fail(
      ['visitors', 'publicUrl'],
      'visitors.selfService needs the hub URL people use (the host approval link and the visitor QR link)',
    );
  if (s.hosts !== 'registrants') {
    const kiosks = new Set(v.kiosks);
    s.hosts.forEach((u, i) => {
      if (kiosks.has(u))
        fail(
          ['visitors', 'selfService', 'hosts', i],
          `"${u}" is a kiosk (visitors.kiosks) and cannot be a host`,
        );
    });
  }
}
