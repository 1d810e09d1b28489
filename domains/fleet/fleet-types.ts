import type { SparkplugPayload } from '../../core/sparkplug/sparkplug-codec.js';

/** The site's figures the edge node reports upstream; the composition root builds it from the domains. */
export interface SiteSummary {
  alertsActive: number;
  alertsUnacked: number;
  alertsCritical: number;
  ticketsOpen: number;
  ticketsOverdue: number;
  devicesOffline: number;
  /** Site-wide active power now (W), or null where the site has no main meters. */
  powerW: number | null;
  /** Energy since local midnight (kWh), or null. */
  energyTodayKwh: number | null;
}

export type SiteSummarySource = () => SiteSummary;

/** Where the edge node hands the commands it receives that are not its own (Rebirth is). */
export interface EdgeCommandHandler {
  /** An NCMD (device undefined) or a DCMD for an asset; never throws (refusals are logged and audited). */
  handle(device: string | undefined, payload: SparkplugPayload): Promise<void>;
}
