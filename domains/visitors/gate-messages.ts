import { z } from 'zod';
import { CREDENTIAL_TYPES } from './gate-types.js';

/** The gate protocol's inbound payloads, checked before anything is decided (gate-types.ts has the shapes). */

const ts = z.number().int().positive();
const nonce = z.string().min(1).max(64);

export const ScanSchema = z.object({
  credential: z.object({ type: z.enum(CREDENTIAL_TYPES), value: z.string().min(1).max(256) }),
  nonce,
  ts: ts.optional(),
  direction: z.enum(['in', 'out']).default('in'),
});

export const DoorSchema = z.object({
  event: z.enum(['opened', 'closed', 'forced', 'held-open']),
  ts: ts.optional(),
});

export const PassageSchema = z.object({
  direction: z.enum(['in', 'out']),
  passId: z.number().int().positive().optional(),
  badge: z.string().max(64).optional(),
  /** The scan this passage follows (the hub knows who it was). */
  nonce: nonce.optional(),
  ts: ts.optional(),
});

/** What a gate decided on its own while the hub was unreachable, and what happened then, in order. */
export const SyncSchema = z.object({
  events: z
    .array(
      z.discriminatedUnion('kind', [
        ScanSchema.extend({
          kind: z.literal('decision'),
          decision: z.enum(['open', 'deny']),
          ts,
        }),
        PassageSchema.extend({ kind: z.literal('passage'), ts }),
        DoorSchema.extend({ kind: z.literal('door'), ts }),
      ]),
    )
    .max(10_000),
});

export type Scan = z.infer<typeof ScanSchema>;
export type Door = z.infer<typeof DoorSchema>;
export type Passage = z.infer<typeof PassageSchema>;
export type SyncEvent = z.infer<typeof SyncSchema>['events'][number];

/** JSON, then the schema; the problem as one line (for the device's malformed counter). */
export function parseGatePayload<T>(
  schema: z.ZodType<T>,
  payload: Buffer,
): { ok: true; value: T } | { ok: false; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  const r = schema.safeParse(json);
  if (r.success) return { ok: true, value: r.data };
  const i = r.error.issues[0]!;
  return { ok: false, problem: `${i.path.join('.') || '(payload)'}: ${i.message}` };
}
