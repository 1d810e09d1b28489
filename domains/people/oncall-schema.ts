import { z } from 'zod';
import { idSchema, intIn } from '../../core/config/zod-helpers.js';
import { SEVERITIES } from '../../core/model/severity.js';

/** Days a rota hands over on, as written in the site file. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const username = z
  .string({ error: 'expected a username' })
  .min(1, { error: 'expected a username' })
  .max(64, { error: 'expected a username of at most 64 characters' });

const HHMM = z
  .string({ error: 'expected a time HH:MM' })
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a time HH:MM (00:00–23:59)' });

const DATE = z
  .string({ error: 'expected a date YYYY-MM-DD' })
  .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { error: 'expected a date YYYY-MM-DD' });

/** One team's weekly rota: each member in turn for a week, handing over on `handover.day` at `handover.time`. */
export const RotaSchema = z.strictObject({
  /** A team of maintenance.teams. */
  team: idSchema,
  /** In order: the first is on call from the first handover on or after `start`. */
  members: z.array(username).min(1, { error: 'expected at least one member' }),
  /** When the week changes hands, in the site's time zone. */
  handover: z
    .strictObject({
      day: z.enum(WEEKDAYS).default('mon'),
      time: HHMM.default('09:00'),
    })
    .prefault({}),
  /** The first member's first week starts at the first handover on or after this date (site time zone). */
  start: DATE.default('2026-01-05'),
  /** The last step of an escalation: who is told when nobody on the rota acknowledged. */
  supervisor: username,
});

/** Who a step of an escalation tells: the person on call, the next in the rota, or the rota's supervisor. */
export const ESCALATION_TARGETS = ['oncall', 'next', 'supervisor'] as const;
export type EscalationTarget = (typeof ESCALATION_TARGETS)[number];

export const EscalationStepSchema = z.strictObject({
  to: z.enum(ESCALATION_TARGETS),
  /** Minutes after the alert was raised, if still unacknowledged (the first step: 0). */
  afterMinutes: intIn(0, 10_080).default(0),
});

export const DigestSchema = z.strictObject({
  /** Alerts of these severities are collected per on-call person and sent as one message per period. */
  severities: z.array(z.enum(SEVERITIES)).default(['low']),
  everyMinutes: intIn(5, 10_080).default(60),
});

/** The on-call and escalation keys of the site file's `people:` section (rotas, escalation chains, digests). */
export const OncallShape = {
  /** On-call rotas, one per team. */
  oncall: z.array(RotaSchema).default([]).describe('weekly on-call rotas per team'),
  /**
   * Escalation chains per alert severity: each step tells someone when the alert is still unacknowledged that
   * many minutes after it was raised. A severity without a chain (and not in the digest) tells the person on
   * call once.
   */
  escalation: z
    .partialRecord(z.enum(SEVERITIES), z.array(EscalationStepSchema).min(1).max(10))
    .default({})
    .describe('escalation chains per alert severity'),
  digest: DigestSchema.prefault({}).describe('severities collected into one message per period'),
  /** How long an acknowledge link in a message stays valid. */
  ackLinkHours: intIn(1, 168).default(24),
} satisfies z.ZodRawShape;

export type RotaConfig = z.infer<typeof RotaSchema>;
export type EscalationStep = z.infer<typeof EscalationStepSchema>;
export type DigestConfig = z.infer<typeof DigestSchema>;
