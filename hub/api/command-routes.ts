import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CommandService } from '../../core/devices/command-service.js';
import type { LatestValues } from '../../core/latest-values.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { PriorityArrays } from '../../domains/control/priority-array.js';
import { actorOf } from '../../platform/security/auth-service.js';
import { principalOf } from './access.js';

const CommandBody = z.strictObject({
  value: z.union([z.number(), z.boolean(), z.string().max(1000)]),
  reason: z.string().max(500).optional().describe('kept in the audit log'),
});

export interface CommandRouteServices {
  commands: CommandService;
  control: PriorityArrays;
  latest: LatestValues;
  site: SiteModel;
  clock: { now(): number };
}

/**
 * The first command API. A gate's command (open, lock) is a one-off message straight through the command service.
 * Every other point's command is an operator override at level 8 (manual-operator) with the default expiry
 * (control.overrideMinutes): the priority array keeps it, audits it and writes the effective value. The answer
 * keeps its first shape ({ pointId, value, previous, ts }) with the point's array as `control`; a device that
 * refused or could not take the value answers with the error as before, the override staying pending.
 */
export async function commandRoutes(app: FastifyInstance, s: CommandRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const config = { access: ['setpoint:write', 'gate:command'] as const };

  const write = async (
    req: Parameters<typeof principalOf>[0],
    pointId: string,
    body: z.infer<typeof CommandBody>,
  ) => {
    const p = principalOf(req);
    const by = { ...actorOf(p, req.ip), permissions: p.permissions };
    const point = s.site.pointById.get(pointId);
    if (point?.kind !== 'command' || s.commands.permissionFor(point) === 'gate:command')
      return s.commands.write(by, pointId, body.value, body.reason);
    const previous = s.latest.get(pointId)?.value ?? null;
    const out = await s.control.override(by, pointId, body.value, body.reason ?? 'command API');
    if (out.error) throw out.error;
    return {
      pointId,
      value: body.value,
      previous: out.written?.previous ?? previous,
      ts: out.written?.ts ?? s.clock.now(),
      control: out.state,
    };
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
