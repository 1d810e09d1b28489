import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CommandService } from '../../core/devices/command-service.js';
import { actorOf } from '../../platform/security/auth-service.js';
import { principalOf } from './access.js';

const CommandBody = z.strictObject({
  value: z.union([z.number(), z.boolean(), z.string().max(1000)]),
  reason: z.string().max(500).optional().describe('kept in the audit log'),
});

export interface CommandRouteServices {
  commands: CommandService;
}

export async function commandRoutes(app: FastifyInstance, s: CommandRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const config = { access: ['setpoint:write', 'gate:command'] as const };

  const write = async (
    req: Parameters<typeof principalOf>[0],
    pointId: string,
    body: z.infer<typeof CommandBody>,
  ) => {
    const p = principalOf(req);
    return s.commands.write(
      { ...actorOf(p, req.ip), permissions: p.permissions },
      pointId,
      body.value,
      body.reason,
    );
  };

  api.post(
    '/api/v1/points/:id/command',
    {
      config,
      schema: {
        tags: ['commands'],
        summary:
          'Write a command point (a setpoint needs setpoint:write, a gate gate:command); audited, ok or not',
        params: z.object({ id: z.string() }),
        body: CommandBody,
      },
    },
    async (req) => write(req, req.params.id, req.body),
  );
  api.post(
    '/api/v1/points/:asset/:point/command',
    {
      config,
      schema: {
        tags: ['commands'],
        summary: 'The same, addressed as /points/<asset>/<point>/command',
        params: z.object({ asset: z.string(), point: z.string() }),
        body: CommandBody,
      },
    },
    async (req) => write(req, `${req.params.asset}/${req.params.point}`, req.body),
  );
}
