import type { DeviceHealthView } from '../core/devices/supervisor.js';
import type { Logger } from '../core/logger.js';
import type { AlertService } from '../domains/alerts/alert-service.js';
import type { EnergyOverview } from '../domains/energy/energy-overview.js';
import type { SiteSummary, SiteSummarySource } from '../domains/fleet/fleet-types.js';
import type { TicketService } from '../domains/tickets/ticket-service.js';

const KWH: Record<string, number> = { Wh: 0.001, kWh: 1, MWh: 1000 };

/**
 * The site's figures an edge node reports upstream, from the domains. Alerts, tickets and devices are read
 * at once; power and today's energy come from the energy overview (async, it reads history), so they are
 * refreshed in the background on each call and the last known figures are reported.
 */
export function siteSummarySource(d: {
  alerts: Pick<AlertService, 'activeCount'>;
  tickets: Pick<TicketService, 'list'>;
  devices: Pick<DeviceHealthView, 'deviceHealth'>;
  overview: Pick<EnergyOverview, 'now'>;
  log: Logger;
}): SiteSummarySource {
  let energy: Pick<SiteSummary, 'powerW' | 'energyTodayKwh'> = { powerW: null, energyTodayKwh: null };
  let refreshing = false;
  const refresh = () => {
    if (refreshing) return;
    refreshing = true;
    d.overview
      .now()
      .then((o) => {
        const elec = o.today.find((t) => t.medium === 'electricity');
        const factor = elec ? KWH[elec.unit] : undefined;
        energy = {
          powerW: o.powerKw === null ? null : o.powerKw * 1000,
          energyTodayKwh:
            elec?.consumption == null || factor === undefined ? null : elec.consumption * factor,
        };
      })
      .catch((err) => d.log.debug({ err: (err as Error).message }, 'fleet summary: energy not available'))
      .finally(() => {
        refreshing = false;
      });
  };
  return () => {
    refresh();
    const a = d.alerts.activeCount();
    const open = d.tickets.list({ open: true, limit: 100_000 });
    return {
      alertsActive: a.total,
      alertsUnacked: a.unacked,
      alertsCritical: a.critical ?? 0,
      ticketsOpen: open.length,
      ticketsOverdue: open.filter((t) => t.respondBreachedAt !== null || t.resolveBreachedAt !== null).length,
      devicesOffline: d.devices.deviceHealth().filter((h) => h.state === 'offline').length,
      ...energy,
    };
  };
}
