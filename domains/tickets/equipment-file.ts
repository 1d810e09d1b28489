import type { LatestValues } from '../../core/latest-values.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { AlertService } from '../alerts/alert-service.js';
import type { PlanConfig } from './maintenance-schema.js';
import { planAssets, ROUND } from './plan-scheduler.js';
import type { TicketService } from './ticket-service.js';

const RECENT = 50;

/**
 * One asset's file (设备档案): what it is and where, its documents, its live points, its alerts, its repair
 * tickets, and its preventive maintenance and inspections (the plans that cover it and their work orders).
 */
export function equipmentFile(
  assetId: string,
  s: {
    site: SiteModel;
    latest: LatestValues;
    alerts: AlertService;
    tickets: TicketService;
    plans: readonly PlanConfig[];
    now: number;
  },
) {
  const asset = s.site.assetById.get(assetId);
  if (!asset) return undefined;
  const zonePath: { id: string; name: string }[] = [];
  for (let z = s.site.zoneById.get(asset.zone); z; z = z.parent ? s.site.zoneById.get(z.parent) : undefined)
    zonePath.unshift({ id: z.id, name: z.name });
  const tickets = s.tickets.list({ assetId, limit: RECENT });
  const plans = s.plans
    .filter((p) => planAssets(p, s.site).includes(assetId))
    .map((p) => {
      const progress = s.tickets.store.progress(p.id, assetId) ?? s.tickets.store.progress(p.id, ROUND);
      return {
        id: p.id,
        name: p.name,
        type: p.type,
        trigger: p.trigger,
        /** Counter plans: the reading at which the next work order is due. */
        nextDueValue: progress?.next_due_value ?? null,
        lastTicketId: progress?.last_ticket_id ?? null,
      };
    });
  return {
    asset: {
      id: asset.id,
      name: asset.name,
      kind: asset.kind,
      model: asset.model ?? null,
      device: asset.device ?? null,
      zone: asset.zone,
      zonePath,
      tags: asset.tags ?? {},
      details: asset.details ?? {},
      documents: asset.documents,
    },
    points: (s.site.pointsByAsset.get(assetId) ?? []).map((p) => {
      const v = s.latest.get(p.id);
      return {
        id: p.id,
        name: p.name,
        label: p.label ?? null,
        unit: p.unit,
        kind: p.kind,
        value: v?.value ?? null,
        quality: v?.quality ?? 'bad',
        ts: v?.ts ?? null,
      };
    }),
    maintenanceMode: s.alerts.outOfService(assetId) ?? null, // out of service: its alerts suppressed
    alerts: s.alerts.list({ assetId, limit: RECENT }),
    tickets: tickets.filter((t) => t.kind === 'fault'),
    plans,
    workOrders: tickets.filter((t) => t.kind !== 'fault'),
    stats: {
      openTickets: tickets.filter((t) => !['closed', 'cancelled', 'rejected'].includes(t.state)).length,
      faultsLast90Days: tickets.filter((t) => t.kind === 'fault' && t.createdAt >= s.now - 90 * 86_400_000)
        .length,
    },
  };
}
