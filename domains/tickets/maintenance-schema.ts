import { z } from 'zod';
import { ASSET_KINDS } from '../../core/config/asset-kinds.js';
import { idSchema, intIn } from '../../core/config/zod-helpers.js';

/**
 * The site file's `maintenance:` section: how tickets are raised, timed, routed and notified, and the
 * preventive-maintenance and inspection plans. Cross-references (schedules, zones, assets, points, actions)
 * are checked by check-maintenance.ts once the whole site is known.
 */

export const SEVERITY_NAMES = ['low', 'medium', 'high', 'critical'] as const;

const username = z
  .string({ error: 'expected a username' })
  .min(1, { error: 'expected a username' })
  .max(64, { error: 'expected a username of at most 64 characters' });

/** Response and resolution targets for one priority (1 urgent … 4 low), in business minutes. */
export const SlaTargetSchema = z.strictObject({
  priority: intIn(1, 4),
  /** From submission to a technician's acceptance. */
  respondMinutes: intIn(1, 525_600),
  /** From submission to resolution. */
  resolveMinutes: intIn(1, 525_600),
});

export const DEFAULT_SLA: z.infer<typeof SlaTargetSchema>[] = [
  { priority: 1, respondMinutes: 15, resolveMinutes: 240 },
  { priority: 2, respondMinutes: 60, resolveMinutes: 480 },
  { priority: 3, respondMinutes: 240, resolveMinutes: 1_440 },
  { priority: 4, respondMinutes: 480, resolveMinutes: 4_320 },
];

export const EscalationSchema = z.strictObject({
  /** Raise the ticket's priority by one step (to at most 1) at each breach. */
  raisePriority: z.boolean().default(true),
  /** Actions (webhook or e-mail) that reach the supervisors; the dashboard is always told. */
  notify: z.array(idSchema).default([]),
});

export const FromAlertsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Alerts at least this severe open a ticket. */
  minSeverity: z.enum(SEVERITY_NAMES).default('high'),
  /** Only these rules (default: every rule, including the hub's own system alerts). */
  rules: z.array(z.string().min(1)).optional(),
  /** Never these rules. */
  exceptRules: z.array(z.string().min(1)).default([]),
  /** Auto-raised tickets go straight to the service desk, without the department's approval. */
  skipApproval: z.boolean().default(true),
  /**
   * A transient fault: when its alert has cleared and stayed clear this long and nobody has accepted the
   * ticket yet, the ticket is closed as "cleared by itself". Absent: such tickets stay open.
   */
  closeAfterClearMinutes: intIn(1, 10_080).optional(),
  /** The same fault again within this many days of its last ticket's resolution: reopen or link. */
  recurrenceDays: intIn(0, 365).default(7),
  onRecurrence: z.enum(['reopen', 'link']).default('reopen'),
  /** The trend snapshot kept as evidence: this long before the alert was raised, up to the ticket's creation. */
  trendMinutes: intIn(1, 1_440).default(60),
});

export const TeamSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1),
  /** Technicians (usernames). */
  members: z.array(username).default([]),
  /** Asset kinds this team repairs (suggestions rank them first); empty: any. */
  skills: z.array(z.enum(ASSET_KINDS)).default([]),
  /** Zones (and their sub-zones) this team covers; empty: the whole site. */
  zones: z.array(idSchema).default([]),
});

export const DepartmentSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1),
  /** Users whose tickets this department approves. */
  members: z.array(username).default([]),
  /** Who approves them (users with the approver role). */
  approvers: z.array(username).min(1, { error: 'expected at least one approver' }),
});

export const CHECKLIST_MAX = 100;
export const ChecklistItemSchema = z.union([
  z.string().min(1).max(200),
  z.strictObject({
    item: z.string().min(1).max(200),
    /** A reading to record (unit), instead of just ok / not ok. */
    unit: z.string().max(20).optional(),
  }),
]);

/** When a plan generates a work order: a cron expression, or every N units of a counter point. */
export const PlanTriggerSchema = z.union(
  [
    z.strictObject({
      /** node-cron syntax (5 or 6 fields), in the site's time zone, e.g. '0 8 1 * *' (08:00 on the 1st). */
      cron: z.string().min(1),
    }),
    z.strictObject({
      /** A point name on each asset (run hours, m³, kWh): one work order each time it grows by `every`. */
      point: z.string().min(1),
      every: z.number({ error: 'expected a number > 0' }).positive({ error: 'expected a number > 0' }),
    }),
  ],
  { error: 'expected { cron } or { point, every }' },
);

export const PlanSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1),
  /** preventive: service work; inspection: a round of checks. */
  type: z.enum(['preventive', 'inspection']).default('preventive'),
  /** The assets: ids, or every asset of these kinds (optionally within a zone). */
  assets: z.array(idSchema).optional(),
  kinds: z.array(z.enum(ASSET_KINDS)).optional(),
  zone: idSchema.optional(),
  trigger: PlanTriggerSchema,
  priority: intIn(1, 4).default(3),
  /** Dispatched to this team at once (default: waits at the service desk). */
  team: idSchema.optional(),
  checklist: z.array(ChecklistItemSchema).max(CHECKLIST_MAX).default([]),
  description: z.string().max(2_000).optional(),
});

export const MaintenanceSchema = z.strictObject({
  /** A schedule id (`schedules:`): SLA clocks run only while it is on. Absent: around the clock. */
  calendar: idSchema.optional(),
  sla: z.array(SlaTargetSchema).default(DEFAULT_SLA),
  /** Reported faults wait for their department's approval; false: they go straight to the service desk. */
  requireApproval: z.boolean().default(true),
  escalation: EscalationSchema.prefault({}),
  fromAlerts: FromAlertsSchema.prefault({}),
  /** A resolved ticket nobody rates is closed after this many days. */
  autoCloseResolvedDays: intIn(1, 365).default(7),
  teams: z.array(TeamSchema).default([]),
  departments: z.array(DepartmentSchema).default([]),
  /** Actions (webhook or e-mail) told about every ticket event. */
  notify: z.array(idSchema).default([]),
  plans: z.array(PlanSchema).default([]),
  /** Photos: the largest accepted upload, and how many a ticket may hold. */
  photoMaxBytes: intIn(1_024, 50 * 1024 * 1024).default(8 * 1024 * 1024),
  photosPerTicket: intIn(1, 100).default(20),
  /** How many photos one person may add in a day (midnight to midnight in the site's time zone). */
  photosPerUserPerDay: intIn(1, 10_000).default(50),
  /** All photos together (<dataDir>/photos): uploads that would pass it are refused; health warns at 80 %. */
  photosMaxTotalBytes: intIn(1024 * 1024, 1024 ** 4).default(4 * 1024 ** 3),
});

export type MaintenanceConfig = z.infer<typeof MaintenanceSchema>;
export type PlanConfig = z.infer<typeof PlanSchema>;
export type TeamConfig = z.infer<typeof TeamSchema>;
export type DepartmentConfig = z.infer<typeof DepartmentSchema>;
export type ChecklistItem = z.infer<typeof ChecklistItemSchema>;

declare module '../../core/config/site-schema.js' {
  interface SiteSections {
    /** Tickets, service levels, teams, preventive maintenance and inspections. */
    maintenance: MaintenanceConfig;
  }
}
