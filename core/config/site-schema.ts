import { z } from 'zod';
import { ScheduleSchema } from '../time/schedule-schema.js';
import { ASSET_KINDS } from './asset-kinds.js';
import {
  emailAddressSchema,
  envNameSchema,
  finite,
  idSchema,
  intIn,
  pointNameSchema,
  portSchema,
  positiveMs,
} from './zod-helpers.js';

/**
 * The site file, first pass: structure and common fields. Devices and points are loose here; the second
 * pass (validate-site.ts) checks each against its protocol's own strict schema and the cross-references.
 */

export { ASSET_KINDS };

export const ZONE_KINDS = ['campus', 'building', 'floor', 'room', 'area', 'plant-room', 'outdoor'] as const;
export const POINT_KINDS = ['measurement', 'counter', 'state', 'command'] as const;
export const POINT_TYPES = ['number', 'boolean', 'string'] as const;

export const SiteInfoSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1),
  timezone: z.string().default('UTC'),
  address: z.string().optional(),
});

/** Strict-Transport-Security, sent over HTTPS only. */
export const HstsSchema = z.strictObject({
  /** 180 days; 0 tells browsers to forget it. */
  maxAgeS: intIn(0, 2 * 365 * 24 * 3600).default(15_552_000),
  includeSubDomains: z.boolean().default(false),
});

/** HTTPS on the hub's own port (hub/tls/). File paths are read from the hub's working directory, as mqtt.tls's. */
export const HttpTlsSchema = z
  .strictObject({
    /** PEM files: the certificate (chain) and its unencrypted key; reloaded on SIGHUP. */
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    /** Intermediate CA certificates sent with the certificate. */
    caFile: z.string().min(1).optional(),
    /**
     * Generate a self-signed certificate and key at the first start when the files are missing (default files:
     * <dataDir>/tls/hub.crt and hub.key).
     */
    selfSigned: z.boolean().default(false),
    /** A plain-HTTP listener on this port answering 308 to the same host and path over https. */
    redirectHttpPort: portSchema.optional(),
    hsts: HstsSchema.prefault({}),
  })
  .refine((t) => t.selfSigned || (t.certFile !== undefined && t.keyFile !== undefined), {
    error: 'expected certFile and keyFile (or selfSigned: true)',
    path: ['certFile'],
  })
  .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
    error: 'expected certFile and keyFile together',
    path: ['keyFile'],
  });

export const HttpSettingsSchema = z
  .strictObject({
    host: z.string().default('0.0.0.0'),
    port: portSchema.default(8080),
    /** Behind a reverse proxy: take the client address (for the audit log) from X-Forwarded-For. */
    trustProxy: z.boolean().default(false),
    /** Largest request body accepted. */
    bodyLimitBytes: intIn(1024, 64 * 1024 * 1024).default(1024 * 1024),
    tls: HttpTlsSchema.optional(),
  })
  .refine((h) => !h.tls?.redirectHttpPort || h.tls.redirectHttpPort !== h.port, {
    error: 'expected another port than hub.http.port',
    path: ['tls', 'redirectHttpPort'],
  });

export const AuthSettingsSchema = z.strictObject({
  /** A dashboard session ends after this much inactivity... */
  sessionIdleMinutes: intIn(1, 7 * 24 * 60).default(12 * 60),
  /** ...and at the latest this long after login. */
  sessionMaxHours: intIn(1, 24 * 90).default(7 * 24),
  /**
   * Failed logins in a row for one name from one client address before each next attempt from there waits
   * (1 s, doubling with each failure)... The account itself is never locked: from elsewhere it logs in.
   */
  lockoutAttempts: intIn(1, 100).default(5),
  /** ...up to this long (an admin's unlock lifts it sooner). */
  lockoutMinutes: intIn(1, 24 * 60).default(15),
  /** Login attempts per client address (IPv6: per /64) per minute, whatever the username. */
  loginAttemptsPerMinute: intIn(1, 10_000).default(10),
  passwordMinLength: intIn(8, 128).default(10),
});

/** The SMTP server e-mail actions send through (platform/notify/email-transport.ts). */
export const SmtpSettingsSchema = z
  .strictObject({
    host: z
      .string({ error: 'expected a host name or address' })
      .min(1, { error: 'expected a host name or address' }),
    /** 587 (submission, STARTTLS); 465 with secure; 25 for a relay on the site network. */
    port: portSchema.default(587),
    /** Implicit TLS from the first byte (port 465). */
    secure: z.boolean().default(false),
    /** Refuse to send unless the server upgrades with STARTTLS (otherwise it is used when offered). */
    requireTls: z.boolean().default(false),
    /** The sender address of every message. */
    from: emailAddressSchema,
    /** AUTH credentials, only from these environment variables (both or neither). */
    userEnv: envNameSchema.optional(),
    passwordEnv: envNameSchema.optional(),
  })
  .refine((s) => (s.userEnv === undefined) === (s.passwordEnv === undefined), {
    error: 'expected userEnv and passwordEnv together (or neither)',
    path: ['passwordEnv'],
  });

export const HubSettingsSchema = z.strictObject({
  /**
   * site: a hub at the edge of one site (devices, rules, people; optionally `upstream:` to a central view).
   * central: a Sparkplug B host application over many sites' hubs (the `central:` section), with the fleet view.
   */
  mode: z.enum(['site', 'central']).default('site'),
  http: HttpSettingsSchema.prefault({}),
  dataDir: z.string().min(1).default('./data'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  auth: AuthSettingsSchema.prefault({}),
  /** Live updates to one dashboard client at most this often. */
  liveIntervalMs: intIn(20, 10_000).default(100),
  /** Expected update interval of a point that does not state its own. */
  defaultIntervalMs: positiveMs().default(10_000),
  /** For e-mail actions; an e-mail action without it is a site-file error. */
  smtp: SmtpSettingsSchema.optional(),
});

export const MqttTlsSchema = z.strictObject({
  port: portSchema.default(8883),
  /** PEM files: the broker's certificate chain and key. */
  certFile: z.string().min(1),
  keyFile: z.string().min(1),
  /** CA that signs device certificates; with it, a device may log in with a certificate whose CN is its id. */
  caFile: z.string().min(1).optional(),
  /** Refuse TLS clients without a certificate from caFile. */
  requireClientCert: z.boolean().default(false),
});

export const MqttSettingsSchema = z.strictObject({
  mode: z.enum(['embedded', 'external', 'off']).default('embedded'),
  /** Embedded broker listener. */
  host: z.string().default('0.0.0.0'),
  port: portSchema.default(1883),
  /** The plain-TCP listener; turn off to accept devices over TLS only. */
  plaintext: z.boolean().default(true),
  tls: MqttTlsSchema.optional(),
  /**
   * Embedded broker: accept clients without credentials and skip topic ACLs. For a lab only; by default each
   * device logs in as its id with a password the hub issued (or a client certificate) and may publish only
   * its own topics.
   */
  anonymous: z.boolean().default(false),
  maxConnections: intIn(1, 1_000_000).default(10_000),
  /** External broker, e.g. mqtt://broker.local:1883; required when mode is external. */
  url: z.string().url({ error: 'expected a broker URL such as mqtt://host:1883' }).optional(),
  clientId: z.string().min(1).optional(),
  /** Only from the environment (HUB_MQTT_USERNAME, HUB_MQTT_PASSWORD). */
  username: z.string().optional(),
  password: z.string().optional(),
  qos: z.union([z.literal(0), z.literal(1)], { error: 'expected 0 or 1' }).default(0),
  maxPayloadBytes: intIn(16, 16 * 1024 * 1024).default(64 * 1024),
});

export const RetentionSchema = z.strictObject({
  /** Every reading as it arrived. */
  rawDays: intIn(1, 36_500).default(30),
  /** 1-minute mean, min, max, last, sum and count per point. */
  minuteDays: intIn(1, 36_500).default(730),
  /** 15-minute last values (counters: energy and volume intervals). */
  quarterHourDays: intIn(1, 36_500).default(3650),
});

export const StorageSettingsSchema = z.strictObject({
  /** embedded: SQLite in the data dir (a small site, the demo); influxdb: InfluxDB 1.x through the outbox. */
  mode: z.enum(['embedded', 'influxdb', 'off']).default('embedded'),
  retention: RetentionSchema.prefault({}),
  influxdb: z
    .strictObject({
      url: z
        .string()
        .url({ error: 'expected an InfluxDB URL such as http://127.0.0.1:8086' })
        .default('http://127.0.0.1:8086'),
      database: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'expected a database name (letters, digits, _ and -)' })
        .default('hub'),
      /** Only from the environment (HUB_INFLUX_USERNAME, HUB_INFLUX_PASSWORD). */
      username: z.string().optional(),
      password: z.string().optional(),
    })
    .prefault({}),
  outbox: z
    .strictObject({
      /** The spool's bound on disk; a warning at 80 %, the oldest lines dropped (and counted) past it. */
      maxBytes: intIn(1024 * 1024, 1024 ** 4).default(1024 ** 3),
      /** Lines per write request (InfluxDB 1.x prefers few large writes). */
      batchLines: intIn(1, 100_000).default(5_000),
      /** How often the spool is written to disk: a hard crash loses at most this much. */
      flushMs: intIn(50, 10_000).default(1_000),
    })
    .prefault({}),
});

export const ZoneSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1),
  kind: z.enum(ZONE_KINDS).default('area'),
  parent: idSchema.optional(),
});

export const DeviceBaseSchema = z.looseObject({
  id: idSchema,
  protocol: z.string({ error: 'expected a protocol name' }),
  name: z.string().optional(),
});

export const PointCommonShape = {
  name: pointNameSchema,
  label: z.string().optional(),
  unit: z.string().default(''),
  kind: z.enum(POINT_KINDS).default('measurement'),
  type: z.enum(POINT_TYPES).default('number'),
  /** The device that feeds this point; defaults to the asset's device. */
  device: idSchema.optional(),
  /** raw × scale + offset is the device's value in sourceUnit (or unit), then converted to unit. */
  scale: finite().default(1),
  offset: finite().default(0),
  sourceUnit: z.string().optional(),
  /** Valid range; a value outside it is kept with quality bad. */
  min: finite().optional(),
  max: finite().optional(),
  /** A value that moved less than this from the last accepted one is not passed on. */
  deadband: z
    .number({ error: 'expected a number ≥ 0' })
    .min(0, { error: 'expected a number ≥ 0' })
    .default(0),
  /** Expected update interval; stale after 2×, bad after 4×. */
  intervalMs: positiveMs().optional(),
  /** Counters: the value at which the device's register wraps to 0 (e.g. 99999999.99 kWh). */
  rolloverAt: z
    .number({ error: 'expected a number > 0' })
    .positive({ error: 'expected a number > 0' })
    .optional(),
} as const;

export const PointCommonSchema = z.looseObject(PointCommonShape);

export const AssetSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1),
  kind: z.enum(ASSET_KINDS),
  zone: idSchema,
  device: idSchema.optional(),
  model: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  /** The equipment file's details: manufacturer, serial number, installed, warranty … (free keys). */
  details: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  /** Manuals, drawings, certificates: links shown in the equipment file. */
  documents: z.array(z.strictObject({ title: z.string().min(1), url: z.string().min(1) })).default([]),
  /** Each point is checked in full, with its protocol's fields, by validate-site.ts. */
  points: z.array(z.looseObject({})).min(1, { error: 'expected at least one point' }),
});

/**
 * The site file's own keys. The domains add theirs (rules, maintenance, visitors, energy) as sections: a
 * schema per key for the first pass, a type through `SiteSections`, and their checks (see validate-site.ts);
 * the composition root lists them (hub/site-file.ts).
 */
export const CoreSiteShape = {
  site: SiteInfoSchema,
  hub: HubSettingsSchema.prefault({}),
  mqtt: MqttSettingsSchema.prefault({}),
  storage: StorageSettingsSchema.prefault({}),
  zones: z.array(ZoneSchema).min(1, { error: 'expected at least one zone' }),
  devices: z.array(DeviceBaseSchema).default([]),
  assets: z.array(AssetSchema).default([]),
  /** Weekly hours, holidays and extra working days that rules, tickets, visitors and energy refer to by id. */
  schedules: z.array(ScheduleSchema).default([]),
} as const;

export type SiteInfo = z.infer<typeof SiteInfoSchema>;
export type HubSettings = z.infer<typeof HubSettingsSchema>;
export type HttpTlsSettings = z.infer<typeof HttpTlsSchema>;
export type SmtpSettings = z.infer<typeof SmtpSettingsSchema>;
export type AuthSettings = z.infer<typeof AuthSettingsSchema>;
export type MqttSettings = z.infer<typeof MqttSettingsSchema>;
export type StorageSettings = z.infer<typeof StorageSettingsSchema>;
export type ZoneConfig = z.infer<typeof ZoneSchema>;
export type DeviceConfig = z.infer<typeof DeviceBaseSchema>;
export type PointConfig = z.infer<typeof PointCommonSchema>;
export type AssetConfig = Omit<z.infer<typeof AssetSchema>, 'points'> & { points: PointConfig[] };
/**
 * What the domains add to the site file, one key each. Empty here: each domain declares its key where it
 * defines the section (`declare module '…/core/config/site-schema.js' { interface SiteSections { … } }`).
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by declaration merging, one key per domain
export interface SiteSections {}

type CoreSite = z.infer<z.ZodObject<typeof CoreSiteShape>>;
export type SiteConfig = Omit<CoreSite, 'assets'> & { assets: AssetConfig[] } & SiteSections;
