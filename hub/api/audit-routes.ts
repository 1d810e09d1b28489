import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditLog } from '../../platform/audit/audit-log.js';
import { actorOf } from '../../platform/security/auth-service.js';
import { principalOf } from './access.js';

const msSchema = z.coerce.number().int().nonnegative();
const hex = (chars: number) => z.string().regex(new RegExp(`^[0-9a-f]{${chars}}$`));

/** A checkpoint as GET /api/v1/audit/checkpoint and `admin audit-checkpoint` give it. */
const CheckpointSchema = z.strictObject({
  count: z.number().int().nonnegative(),
  headId: z.number().int().nonnegative(),
  headHash: z.union([hex(64), z.literal('genesis')]),
  at: z.number().int().nonnegative(),
  sig: hex(64),
});

export interface AuditRouteServices {
  audit: AuditLog;
}

export async function auditRoutes(app: FastifyInstance, s: AuditRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['audit'];

  api.get(
    '/api/v1/audit',
    {
      config: { access: 'audit:read' },
      schema: {
        tags,
        summary: 'The audit log, newest first. action "user." matches every user action',
        querystring: z.strictObject({
          from: msSchema.optional().describe('ms since the epoch, inclusive'),
          to: msSchema.optional().describe('ms since the epoch, exclusive'),
          actor: z.string().max(100).optional(),
          action: z.string().max(100).optional(),
          target: z.string().max(300).optional(),
          outcome: z.enum(['ok', 'denied', 'failed']).optional(),
          before: z.coerce.number().int().positive().optional().describe('page: entries older than this id'),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
    },
    async (req) => {
      const { before, ...q } = req.query;
      const entries = s.audit.query({ ...q, beforeId: before });
      return { entries, next: entries.length === q.limit ? entries.at(-1)?.id : undefined };
    },
  );

  api.get(
    '/api/v1/audit/verify',
    {
      config: { access: 'audit:read' },
      schema: { tags, summary: 'Walk the keyed hash chain: ok, or the first entry that was altered and why' },
    },
    async () => s.audit.verify(),
  );

  api.post(
    '/api/v1/audit/verify',
    {
      config: { access: 'audit:read' },
      schema: {
        tags,
        summary:
          'Walk the chain and check a checkpoint taken earlier: the log must still hold its head, with the same hash, after as many rows (later rows are fine); a truncated or rewritten history names the first bad row',
        body: z.strictObject({ checkpoint: CheckpointSchema }),
      },
    },
    async (req) => s.audit.verify(req.body.checkpoint),
  );

  api.get(
    '/api/v1/audit/checkpoint',
    {
      config: { access: 'audit:read' },
      schema: {
        tags,
        summary:
          "The log's head now, signed with the hub's audit key: { count, headId, headHash, at, sig }. Keep it off the hub's machine; POST it to /api/v1/audit/verify later",
      },
    },
    async (req) => {
      // the export is itself on record (and is the checkpoint's head, unless someone appends in between)
      s.audit.record(actorOf(principalOf(req), req.ip), { action: 'audit.checkpoint' });
      return s.audit.checkpoint();
    },
  );
}
