import { z } from 'zod';
import { PERMISSIONS } from '../../core/actor.js';
import { envNameSchema, intIn } from '../../core/config/zod-helpers.js';
import { SPARKPLUG_ID } from '../../core/sparkplug/sparkplug-topic.js';

/** A Sparkplug group, edge node or host id: one MQTT topic level. */
export const sparkplugIdSchema = z
  .string({ error: 'expected a Sparkplug id (no "/", "+" or "#")' })
  .regex(SPARKPLUG_ID, { error: 'expected a Sparkplug id (no "/", "+" or "#")' });

/** TLS to the upstream broker. File paths are read from the hub's working directory. */
export const BrokerTlsSchema = z.strictObject({
  /** The CA that signs the broker's certificate (default: the system's). */
  caFile: z.string().min(1).optional(),
  /** A client certificate and key, when the broker asks for one. */
  certFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
  /** Only for a lab: accept any broker certificate. */
  rejectUnauthorized: z.boolean().default(true),
  /** The name the broker's certificate must carry, when it is not the URL's host. */
  servername: z.string().min(1).optional(),
});

/** One MQTT connection to a broker the site does not own (upstream, or the central's). */
export const BrokerConnectionShape = {
  /** mqtt://host:1883 or mqtts://host:8883. */
  url: z
    .string()
    .regex(/^mqtts?:\/\/[^/\s]+(:\d+)?\/?$/, { error: 'expected a broker URL such as mqtts://broker:8883' }),
  clientId: z.string().min(1).optional(),
  /** Credentials only from these environment variables (both or neither). */
  usernameEnv: envNameSchema.optional(),
  passwordEnv: envNameSchema.optional(),
  tls: BrokerTlsSchema.optional(),
  /** MQTT keep-alive; the broker publishes the will (NDEATH) after 1.5× this without a packet. */
  keepAliveS: intIn(5, 3600).default(30),
} as const;

export const UpstreamCommandsSchema = z.strictObject({
  /** Accept DCMD writes from upstream at all. Off by default: a site opts in to being commanded from afar. */
  remoteWrites: z.boolean().default(false),
  /** The priority (1 highest … 16) remote writes take in the points' priority arrays: automation. */
  priority: intIn(1, 16).default(12),
  /** Who upstream is, in the site's audit log (`upstream:<principal>`). */
  principal: z.string().min(1).max(64).default('central'),
  /** What the upstream principal may do: setpoints by default; gates only when listed. */
  permissions: z.array(z.enum(PERMISSIONS)).default(['setpoint:write']),
});

/** `upstream:` — this site's hub as a Sparkplug B edge node publishing to a central broker. */
export const UpstreamSchema = z
  .strictObject({
    ...BrokerConnectionShape,
    groupId: sparkplugIdSchema,
    /** The edge node id (default: the site's id). */
    edgeNodeId: sparkplugIdSchema.optional(),
    /**
     * The central's host id (its `central.hostId`): births wait for its STATE online, and while it is offline the
     * node ends its session and spools, so nothing is lost while the central itself is down (Sparkplug 3.0).
     */
    primaryHostId: sparkplugIdSchema.optional(),
    /** 1: each data message is acknowledged by the broker and spooled until it is (see the README); 0: per the spec. */
    qos: z.union([z.literal(0), z.literal(1)], { error: 'expected 0 or 1' }).default(1),
    /** How often the site's summary (alerts, tickets, power, energy today) is reported when it changed. */
    summaryIntervalMs: intIn(1000, 3_600_000).default(10_000),
    /** The store-and-forward spool while the broker is unreachable (the outbox's design). */
    spool: z
      .strictObject({
        maxBytes: intIn(1024 * 1024, 1024 ** 4).default(1024 ** 3),
        flushMs: intIn(50, 10_000).default(1000),
      })
      .prefault({}),
    /** Spooled (historical) metrics sent per second after a return, beside live data. */
    replayMetricsPerS: intIn(100, 10_000_000).default(100_000),
    commands: UpstreamCommandsSchema.prefault({}),
  })
  .refine((u) => (u.usernameEnv === undefined) === (u.passwordEnv === undefined), {
    error: 'expected usernameEnv and passwordEnv together (or neither)',
    path: ['passwordEnv'],
  });

/** `central:` — with `hub.mode: central`, the Sparkplug B host application over the fleet's sites. */
export const CentralSchema = z
  .strictObject({
    ...BrokerConnectionShape,
    /** The host application id: its STATE topic `spBv1.0/STATE/<hostId>`. */
    hostId: sparkplugIdSchema.default('facility-hub-central'),
    /** The Sparkplug groups to follow (`spBv1.0/<group>/#` each). */
    groups: z.array(sparkplugIdSchema).min(1, { error: 'expected at least one group' }),
    /** Sites the fleet view lists before they were ever heard from (else only those that were). */
    sites: z
      .array(
        z.strictObject({ group: sparkplugIdSchema, node: sparkplugIdSchema, name: z.string().optional() }),
      )
      .default([]),
    /** An online site silent this long is stale: its values shown as such, not as current. */
    silentAfterS: intIn(5, 86_400).default(60),
    /** At most one rebirth request per edge node in this window. */
    rebirthHoldoffMs: intIn(100, 600_000).default(5000),
    /** Let fleet users send DCMD writes (with setpoint:write at the central hub). */
    commands: z.boolean().default(false),
  })
  .refine((c) => (c.usernameEnv === undefined) === (c.passwordEnv === undefined), {
    error: 'expected usernameEnv and passwordEnv together (or neither)',
    path: ['passwordEnv'],
  });

export type BrokerTls = z.infer<typeof BrokerTlsSchema>;
export type UpstreamSettings = z.infer<typeof UpstreamSchema>;
export type CentralSettings = z.infer<typeof CentralSchema>;
export type BrokerConnection = Pick<
  UpstreamSettings,
  'url' | 'clientId' | 'usernameEnv' | 'passwordEnv' | 'tls' | 'keepAliveS'
>;

declare module '../../core/config/site-schema.js' {
  interface SiteSections {
    upstream?: UpstreamSettings;
    central?: CentralSettings;
  }
}
