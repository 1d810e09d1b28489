import type { Clock } from '../../core/clock.js';
import { notFound } from '../../core/errors.js';
import type { LatestValues } from '../../core/latest-values.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { AlertService } from '../alerts/alert-service.js';
import type { PlanConfig } from './maintenance-schema.js';
import { planAssets, ROUND } from './plan-scheduler.js';
import type { TicketService } from './ticket-service.js';

const RECENT = 50;

export interface EquipmentFileSources {
  site: SiteModel;
  latest: LatestValues;
  alerts: AlertService;
  tickets: TicketService;
  plans: readonly PlanConfig[];
  clock: Clock;
}

/**
 * One asset's file (设备档案): what it is and where, its documents, its live points, its alerts (and whether
 * it is out of service), its repair tickets, and its preventive maintenance and inspections (the plans that
 * cover it and their work orders). An unknown asset is not found.
 */
export function equipmentFile(assetId: string, s: EquipmentFileSources) {
  const asset = s.site.assetById.get(assetId);
  if (!asset) throw notFound('asset', assetId);
  const now = s.clock.now();
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
    // the API's name for an asset out of service (its alerts suppressed), from before the tickets
    maintenanceMode: s.alerts.outOfService(assetId) ?? null,
    alerts: s.alerts.list({ assetId, limit: RECENT }),
    tickets: tickets.filter((t) => t.kind === 'fault'),
    plans,
    workOrders: tickets.filter((t) => t.kind !== 'fault'),
    stats: {
      openTickets: tickets.filter((t) => !['closed', 'cancelled', 'rejected'].includes(t.state)).length,
      faultsLast90Days: tickets.filter((t) => t.kind === 'fault' && t.createdAt >= now - 90 * 86_400_000)
        .length,
    },
  };
}
