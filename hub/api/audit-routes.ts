import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditLog } from '../../platform/audit/audit-log.js';

const msSchema = z.coerce.number().int().nonnegative();

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
      schema: { tags, summary: 'Walk the hash chain: ok, or the first entry that was altered' },
    },
    async () => s.audit.verify(),
  );
}
