import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Pipeline } from '../../core/devices/pipeline.js';
import type { DeviceDiagnostics, DeviceHealthView } from '../../core/devices/supervisor.js';
import { notFound } from '../../core/errors.js';
import type { SiteModel } from '../../core/model/site-model.js';
import { actorOf } from '../../platform/security/auth-service.js';
import type { DeviceCredentialStore } from '../../platform/security/device-credentials.js';
import { principalOf } from './access.js';

export interface DeviceRouteServices {
  site: SiteModel;
  health: DeviceHealthView;
  diagnostics: DeviceDiagnostics;
  pipeline: Pick<Pipeline, 'counters'>;
  deviceCredentials: DeviceCredentialStore;
}

export async function deviceRoutes(app: FastifyInstance, s: DeviceRouteServices): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/devices',
    {
      config: { access: 'site:read' },
      schema: {
        tags: ['devices'],
        summary: 'Links (connections) and devices: state, last error, counters, malformed messages per topic',
      },
    },
    async () => ({
      links: s.health.linkHealth(),
      devices: s.health.deviceHealth().map((d) => {
        const config = s.site.deviceById.get(d.deviceId) as
          | { name?: string; sparkplug?: { groupId: string; edgeNodeId: string } }
          | undefined;
        const sp = config?.sparkplug;
        return {
          ...d,
          name: config?.name,
          // a Sparkplug B edge node (MQTT): its diagnostics are /devices/:id/sparkplug/browse
          ...(sp ? { sparkplug: { groupId: sp.groupId, edgeNodeId: sp.edgeNodeId } } : {}),
        };
      }),
      pipeline: s.pipeline.counters,
      /** Logins, publishes and subscriptions refused to clients that are no configured device. */
      unknownClients: s.health.unknownClientDenials(),
    }),
  );

  const DeviceParams = z.strictObject({ id: z.string().max(64) });
  api.get(
    '/api/v1/devices/:id/modbus/preview',
    {
      config: { access: 'devices:diagnose' },
      schema: {
        tags: ['devices'],
        summary:
          'Read raw registers of a Modbus device now and show them as every type in every word order (to pick the right one)',
        params: DeviceParams,
        querystring: z.strictObject({
          table: z.enum(['holding', 'input', 'coil', 'discrete']).default('holding'),
          register: z.coerce.number().int().min(0).max(65535).describe('0-based address'),
          count: z.coerce.number().int().min(1).max(125).default(2),
        }),
      },
    },
    async (req) => {
      if (s.site.deviceById.get(req.params.id)?.protocol !== 'modbus')
        throw notFound('Modbus device', req.params.id);
      return s.diagnostics.browse(req.params.id, req.query);
    },
  );
  api.get(
    '/api/v1/devices/:id/opcua/browse',
    {
      config: { access: 'devices:diagnose' },
      schema: {
        tags: ['devices'],
        summary:
          'Browse an OPC UA server: the children of a node (Objects by default) with each variable’s value, type and whether it is writable; node ids come back by namespace URI, ready for the site file',
        params: DeviceParams,
        querystring: z.strictObject({
          nodeId: z.string().min(1).max(512).default('i=85').describe('e.g. nsu=urn:plant;s=Chiller1'),
        }),
      },
    },
    async (req) => {
      if (s.site.deviceById.get(req.params.id)?.protocol !== 'opcua')
        throw notFound('OPC UA device', req.params.id);
      return s.diagnostics.browse(req.params.id, req.query);
    },
  );
  api.get(
    '/api/v1/devices/:id/sparkplug/browse',
    {
      config: { access: 'devices:diagnose' },
      schema: {
        tags: ['devices'],
        summary:
          'A Sparkplug B edge node: its session (online, bdSeq, seq, devices born) and every metric its births defined (alias, type, unit, latest value, the points that read it), with site-file points for the metrics no point names yet',
        params: DeviceParams,
      },
    },
    async (req) => {
      const d = s.site.deviceById.get(req.params.id) as
        | { protocol?: string; sparkplug?: unknown }
        | undefined;
      if (d?.protocol !== 'mqtt' || !d.sparkplug) throw notFound('Sparkplug B edge node', req.params.id);
      return s.diagnostics.browse(req.params.id, {});
    },
  );
  api.get(
    '/api/v1/devices/bacnet/discover',
    {
      config: { access: 'devices:diagnose' },
      schema: {
        tags: ['devices'],
        summary:
          'Who-Is on the hub’s BACnet socket (through its BBMD when it has one): every device that answers, with its name, max APDU, segmentation and objects (name, object, unit, present value), ready for the site file',
        querystring: z.strictObject({
          timeoutMs: z.coerce.number().int().min(100).max(30_000).default(3_000),
          low: z.coerce.number().int().min(0).max(4_194_303).default(0),
          high: z.coerce.number().int().min(0).max(4_194_303).default(4_194_303),
        }),
      },
    },
    async (req) => s.diagnostics.discover('bacnet', req.query),
  );
  api.get(
    '/api/v1/devices/:id/bacnet/object',
    {
      config: { access: 'devices:diagnose' },
      schema: {
        tags: ['devices'],
        summary:
          'One object of a BACnet device: its value, status flags, reliability, priority array and relinquish default (who commands it, at what level)',
        params: DeviceParams,
        querystring: z.strictObject({ object: z.string().min(3).max(64).describe('e.g. analog-value:1') }),
      },
    },
    async (req) => {
      if (s.site.deviceById.get(req.params.id)?.protocol !== 'bacnet')
        throw notFound('BACnet device', req.params.id);
      return s.diagnostics.browse(req.params.id, req.query);
    },
  );
  api.get(
    '/api/v1/devices/credentials',
    {
      config: { access: 'devices:manage' },
      schema: { tags: ['devices'], summary: 'MQTT devices and when their password was issued (null: never)' },
    },
    async () => s.deviceCredentials.list(),
  );
  api.post(
    '/api/v1/devices/:id/credentials',
    {
      config: { access: 'devices:manage' },
      schema: {
        tags: ['devices'],
        summary: 'Issue (or rotate) the MQTT password of a device, shown once; its open connection is closed',
        params: DeviceParams,
      },
    },
    async (req, reply) =>
      reply.code(201).send(s.deviceCredentials.issue(actorOf(principalOf(req), req.ip), req.params.id)),
  );
  api.delete(
    '/api/v1/devices/:id/credentials',
    {
      config: { access: 'devices:manage' },
      schema: {
        tags: ['devices'],
        summary: 'Revoke a device’s MQTT password; it is disconnected',
        params: DeviceParams,
      },
    },
    async (req, reply) => {
      s.deviceCredentials.revoke(actorOf(principalOf(req), req.ip), req.params.id);
      return reply.code(204).send();
    },
  );
}
