import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../core/clock.js';
import type { FleetHost } from '../../domains/fleet/host-app.js';
import type { TicketPhotos } from '../../domains/tickets/ticket-photos.js';
import { createMetrics, type MetricSources } from './metrics.js';

export interface HealthRouteServices extends MetricSources {
  siteId: string;
  clock: Clock;
  startedAt: number;
  photos: Pick<TicketPhotos, 'usage'>;
  /** hub.mode central: the fleet's host application. */
  fleet?: Pick<FleetHost, 'stats'>;
}

/** Something an operator should act on before it becomes a refusal or a loss. */
export interface HealthWarning {
  source: 'outbox' | 'photos' | 'fleet' | 'upstream';
  message: string;
  /** How full the bounded thing is, 0–1, where there is one. */
  fill?: number;
}

const percent = (fill: number) => `${Math.floor(fill * 100)} %`;
const size = (n: number) =>
  n >= 1024 ** 3 ? `${Number((n / 1024 ** 3).toFixed(1))} GB` : `${Number((n / 1024 ** 2).toFixed(1))} MB`;

/** The warnings of the moment: the history outbox, the ticket photos at 80 % of their bound. */
function healthWarnings(s: HealthRouteServices): HealthWarning[] {
  const warnings: HealthWarning[] = [];
  const outbox = s.storage.health().outbox;
  if (outbox && outbox.state !== 'ok')
    warnings.push({
      source: 'outbox',
      message:
        outbox.state === 'dropping'
          ? 'the history outbox is full: the oldest lines are being dropped (storage.outbox.maxBytes)'
          : 'the history outbox is above 80 % of storage.outbox.maxBytes: InfluxDB is not keeping up or is away',
    });
  const fleet = s.fleet?.stats();
  if (fleet && !fleet.connected)
    warnings.push({
      source: 'fleet',
      message: `the central hub is not connected to the fleet broker ${fleet.url}: site data is not arriving`,
    });
  const up = s.upstream?.();
  if (up && up.state !== 'connected' && up.state !== 'stopped')
    warnings.push({
      source: 'upstream',
      message: `the upstream broker is unreachable (${up.lastError ?? up.state}): readings are spooled (${up.spool.lines} waiting) and replayed on return`,
      fill: up.spool.fill,
    });
  else if (up && up.spool.fill >= 0.8)
    warnings.push({
      source: 'upstream',
      message: `the upstream spool is at ${percent(up.spool.fill)} of upstream.spool.maxBytes`,
      fill: up.spool.fill,
    });
  const photos = s.photos.usage();
  if (photos.state !== 'ok')
    warnings.push({
      source: 'photos',
      message: `ticket photos take ${percent(photos.fill)} of maintenance.photosMaxTotalBytes (${size(photos.bytes)} of ${size(photos.maxBytes)}): uploads that do not fit are refused`,
      fill: photos.fill,
    });
  return warnings;
}

/** The central's fleet block in health: its broker link, the sites by state, what the host application did. */
function fleetHealth(f: ReturnType<FleetHost['stats']>) {
  return {
    broker: { connected: f.connected, url: f.url, hostId: f.hostId, connects: f.connects },
    sites: f.sites,
    messages: f.messages,
    metrics: f.metrics,
    historicalMetrics: f.historicalMetrics,
    births: f.births,
    deaths: f.deaths,
    seqGaps: f.seqGaps,
    beforeBirth: f.beforeBirth,
    unknownAliases: f.unknownAliases,
    rebirthsRequested: f.rebirthsRequested,
    decodeErrors: f.decodeErrors,
    linesWritten: f.linesWritten,
    linesDiscarded: f.linesDiscarded,
    commandsSent: f.commandsSent,
    brokerDropped: f.brokerDropped,
  };
}

export async function healthRoutes(app: FastifyInstance, s: HealthRouteServices): Promise<void> {
  const metrics = createMetrics(s);

  app.get(
    '/healthz',
    { config: { access: 'public' }, schema: { tags: ['health'], summary: 'Alive' } },
    async () => ({
      status: 'ok',
      uptimeS: Math.round((s.clock.now() - s.startedAt) / 1000),
    }),
  );

  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: { tags: ['health'], summary: 'Ready: config loaded, links started' },
    },
    async (_req, reply) => {
      const links = s.supervisor.linkHealth();
      const ready = links.every((l) => l.state === 'up') && (s.fleet?.stats().connected ?? true);
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'starting',
        site: s.siteId,
        links: links.map((l) => ({ linkId: l.linkId, state: l.state })),
      });
    },
  );

  app.get(
    '/api/v1/health',
    {
      config: { access: 'site:read' },
      schema: {
        tags: ['health'],
        summary:
          "The hub's warnings (history outbox, ticket photos at 80 % of their bound) and the photos' use of their bound",
      },
    },
    async () => {
      const warnings = healthWarnings(s);
      return {
        status: warnings.length ? 'warning' : 'ok',
        site: s.siteId,
        uptimeS: Math.round((s.clock.now() - s.startedAt) / 1000),
        warnings,
        photos: s.photos.usage(),
        ...(s.fleet ? { fleet: fleetHealth(s.fleet.stats()) } : {}),
        ...(s.upstream ? { upstream: s.upstream() } : {}),
      };
    },
  );

  app.get(
    '/metrics',
    { config: { access: 'site:read' }, schema: { tags: ['health'], summary: 'Prometheus metrics' } },
    async (_req, reply) => reply.type(metrics.contentType).send(await metrics.metrics()),
  );
}
