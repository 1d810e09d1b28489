import { type ActingPerson, personActor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { invalid, notFound } from '../../core/errors.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import { gateKeyOf } from './allow-list.js';
import type { GateService } from './gate-service.js';
import type { GateStore } from './gate-store.js';
import { type Traffic, traffic } from './traffic.js';

const DAY = 86_400_000;

/**
 * What security and the facility team read about the gates: each gate's state and counters, who is on site,
 * the traffic for the access-management report; and the one provisioning step, a gate's allow-list key.
 */
export class GateReports {
  constructor(
    private readonly d: {
      gates: GateService;
      store: GateStore;
      site: SiteModel;
      key: Buffer;
      clock: Clock;
      audit: AuditLog;
      /** A device's link state (online, offline, unknown). */
      deviceState: (deviceId: string) => string;
    },
  ) {}

  /** The visitor gates: zone, device state, decisions and problems counted. */
  summaries() {
    const stats = this.d.gates.statsByGate();
    return [...this.d.gates.gates.values()].map((g) => ({
      id: g.id,
      name: this.d.site.assetById.get(g.id)?.name ?? g.id,
      zone: g.zone,
      device: g.deviceId,
      state: this.d.deviceState(g.deviceId),
      ...stats[g.id],
    }));
  }

  /** How many visitors and staff are on site now (counts only). */
  occupancy(): { visitors: number; staff: number } {
    const inside = this.d.store.inside();
    return { visitors: inside.visitors.length, staff: inside.staff.length };
  }

  /** The evacuation list: every visitor (with host) and staff member on site now. */
  onSite() {
    return { at: this.d.clock.now(), ...this.d.store.inside() };
  }

  /** Entries and exits in [from, to), at most a year at a time. */
  traffic(from: number, to: number): Traffic {
    if (to <= from) throw invalid('to must be after from');
    if (to - from > 366 * DAY) throw invalid('at most a year at a time');
    return traffic(this.d.store, this.d.site.site.timezone, from, to);
  }

  /** A gate's own key for its offline allow-list, to provision into its controller; audited. */
  allowListKey(gateId: string, by: ActingPerson): { gate: string; key: string } {
    if (!this.d.gates.gates.has(gateId)) throw notFound('gate', gateId);
    this.d.audit.record(personActor(by), { action: 'gate.allowlist-key', target: gateId });
    return { gate: gateId, key: gateKeyOf(this.d.key, gateId).toString('hex') };
  }
}
