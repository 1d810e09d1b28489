import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditTrail } from '../../core/actor.js';
import { conflict, DomainError, invalid, notFound, unavailable } from '../../core/errors.js';
import type { SparkplugMetric } from '../../core/sparkplug/sparkplug-codec.js';
import type { FleetSiteAnswer } from '../../domains/fleet/fleet-api-types.js';
import { REQUESTED_BY_METRIC } from '../../domains/fleet/fleet-metrics.js';
import { actorOf } from '../../platform/security/auth-service.js';
import { principalOf } from './access.js';

/** What the route needs of the central's Sparkplug host application (domains/fleet/host-app.ts's FleetHost). */
export interface FleetCommandHost {
  /** A site as the central knows it from its births and data, or undefined. */
  site(id: string): FleetSiteAnswer | undefined;
  /** Publish a DCMD to the site's edge node for one of its assets (Sparkplug devices). */
  sendCommand(site: string, asset: string, metrics: SparkplugMetric[]): Promise<void>;
}

export interface FleetCommandRouteServices {
  host: FleetCommandHost;
  /** The `central.commands` setting: fleet users may send DCMD writes at all. */
  enabled: boolean;
  audit: AuditTrail;
  clock: { now(): number };
}

const CommandBody = z.strictObject({
  value: z.union([z.number(), z.boolean(), z.string().max(1000)]),
  reason: z.string().max(500).optional().describe('kept in the central audit log'),
});

const Params = z.object({ site: z.string(), asset: z.string(), point: z.string() });

/**
 * A write to a point of a site, from the central hub: a Sparkplug DCMD to the site's edge node, carrying the
 * user as `Command/Requested by`. The central checks its own user (setpoint:write), that fleet commands are on
 * (`central.commands`), and that the site is online and the point is one its DBIRTH marked writable; it audits the
 * request (`fleet.command`). The site then decides for itself: remote writes on (`upstream.commands.remoteWrites`),
 * its own permission check for the upstream principal, the value's range, its priority array; and audits it as
 * `upstream:<principal>`, with the user in the reason. The answer is 202: the DCMD was published; Sparkplug has no
 * answer to a command, and the value shows in the site's data once the device took it.
 */
export async function fleetCommandRoutes(app: FastifyInstance, s: FleetCommandRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post(
    '/api/v1/fleet/sites/:site/assets/:asset/points/:point/command',
    {
      config: { access: 'setpoint:write' },
      schema: {
        tags: ['fleet'],
        summary:
          "Write a site's command point from the central (a DCMD); the site checks, writes at its remote priority and audits",
        params: Params,
        body: CommandBody,
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const who = actorOf(p, req.ip);
      const { site: siteId, asset: assetId, point: pointName } = req.params;
      const { value, reason } = req.body;
      const target = `${siteId}/${assetId}/${pointName}`;
      const record = (outcome: 'ok' | 'denied' | 'failed', detail?: string) =>
        s.audit.record(who, {
          action: 'fleet.command',
          target,
          outcome,
          after: { value },
          detail: [reason && `reason: ${reason}`, detail].filter(Boolean).join('; ') || undefined,
        });
      if (!s.enabled) {
        record('denied', 'fleet commands are off (central.commands)');
        throw conflict('fleet commands are off at this central hub (central.commands: false)');
      }
      const site = s.host.site(siteId);
      if (!site) throw notFound('site', siteId);
      const asset = site.assets.find((a) => a.id === assetId);
      if (!asset) throw notFound('asset', `${siteId}/${assetId}`);
      const point = asset.points.find((pt) => pt.name === pointName);
      if (!point) throw notFound('point', target);
      if (!point.writable) {
        record('failed', 'not a writable point');
        throw conflict(`${target} is a ${point.kind} point; only command points are written`);
      }
      if (point.value !== null && typeof point.value !== typeof value) {
        record('failed', `expected a ${typeof point.value}`);
        throw invalid(`value: ${target} takes a ${typeof point.value}, got ${JSON.stringify(value)}`);
      }
      if (site.site.state === 'offline' || site.site.state === 'unknown' || asset.state === 'offline') {
        record('failed', `the ${asset.state === 'offline' ? 'asset' : 'site'} is offline`);
        throw unavailable(`${target}: the ${asset.state === 'offline' ? 'asset' : 'site'} is offline`);
      }
      const ts = s.clock.now();
      const metrics: SparkplugMetric[] = [
        {
          name: pointName,
          timestamp: ts,
          type: typeof value === 'number' ? 'Double' : typeof value === 'boolean' ? 'Boolean' : 'String',
          value,
        },
        { name: REQUESTED_BY_METRIC, timestamp: ts, type: 'String', value: p.user.username },
      ];
      try {
        await s.host.sendCommand(siteId, assetId, metrics);
      } catch (err) {
        record('failed', (err as Error).message);
        if (err instanceof DomainError) throw err;
        throw unavailable(`${target}: the DCMD was not published: ${(err as Error).message}`);
      }
      record('ok');
      return reply.code(202).send({ site: siteId, asset: assetId, point: pointName, value, sentAt: ts });
    },
  );
}
