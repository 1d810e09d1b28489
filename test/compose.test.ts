import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import type { BacnetDeviceConfig } from '../adapters/bacnet/bacnet-schema.js';
import { normalizeAddress } from '../adapters/bacnet/udp-transport.js';
import { ENV_OVERRIDES } from '../core/config/load-config.js';
import {
  HttpSettingsSchema,
  MqttSettingsSchema,
  MqttTlsSchema,
  StorageSettingsSchema,
} from '../core/config/site-schema.js';
import type { SiteModel } from '../core/model/site-model.js';
import { loadSiteFile } from '../hub/site-file.js';

/**
 * There is no Docker engine where the tests run, so docker-compose.yml and the Dockerfile are checked
 * statically: against the code (the environment variables it reads, its default ports, the site schema),
 * against each other, and against the files they mount.
 */

const ROOT = join(import.meta.dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

const COMPOSE_FILE = 'docker-compose.yml';
const EXAMPLE_ENV_FILE = 'config/compose/example.env';
const MOSQUITTO_CONF_TARGET = '/mosquitto/config/mosquitto.conf';
/** The port the influxdb:1.x image serves its HTTP API on (its own fact; the schema's default URL agrees). */
const INFLUXDB_IMAGE_PORT = 8086;

// ── docker compose's file model, as far as it is used here ──────────────────────────────────────────────

type Scalar = string | number | boolean | null;
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  profiles?: string[];
  restart?: string;
  command?: string | string[];
  environment?: Record<string, Scalar> | string[];
  volumes?: (string | { type?: string; source?: string; target: string; read_only?: boolean })[];
  ports?: (
    | string
    | number
    | { target: number; published?: string | number; host_ip?: string; protocol?: string }
  )[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  network_mode?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** docker compose's interpolation: $$, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR:+alt}, $VAR. */
const INTERPOLATION = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(INTERPOLATION, (all, braced?: string, op?: string, arg = '', bare?: string) => {
    if (all === '$$') return '$';
    const name = (braced ?? bare)!;
    const value = env[name];
    const nonEmpty = value !== undefined && value !== '';
    switch (op) {
      case ':-':
        return nonEmpty ? value : arg;
      case '-':
        return value ?? arg;
      case ':+':
        return nonEmpty ? arg : '';
      case '+':
        return value === undefined ? '' : arg;
      case ':?':
      case '?':
        if (op === ':?' ? !nonEmpty : value === undefined) throw new Error(`${name} must be set: ${arg}`);
        return value!;
      default:
        return value ?? '';
    }
  });
}

function referencedVariables(text: string): string[] {
  return [...text.matchAll(INTERPOLATION)].flatMap((m) => (m[0] === '$$' ? [] : [(m[1] ?? m[4])!]));
}

/** Every string in the file interpolated, as docker compose does before it reads the model. */
function interpolateAll<T>(value: T, env: Record<string, string>): T {
  if (typeof value === 'string') return interpolate(value, env) as T;
  if (Array.isArray(value)) return value.map((v) => interpolateAll(v, env)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, env)])) as T;
  return value;
}

/** A service's environment as written (mapping or KEY=VALUE list); a key without a value is undefined. */
function environmentOf(s: Service): Record<string, string | undefined> {
  const env = s.environment ?? {};
  if (Array.isArray(env))
    return Object.fromEntries(
      env.map((e) =>
        e.includes('=') ? [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] : [e, undefined],
      ),
    );
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? undefined : String(v)]));
}

/** The environment the container gets, for loadSiteFile: unset keys left out. */
function containerEnv(s: Service): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(environmentOf(s)).filter(([, v]) => v !== undefined));
}

interface Mount {
  source?: string;
  target: string;
  readOnly: boolean;
  bind: boolean;
}

function mountsOf(s: Service): Mount[] {
  return (s.volumes ?? []).map((v) => {
    if (typeof v !== 'string')
      return {
        source: v.source,
        target: v.target,
        readOnly: v.read_only === true,
        bind: v.type === 'bind' || /^[./~]/.test(v.source ?? ''),
      };
    const parts = v.split(':');
    if (parts.length === 1) return { target: parts[0]!, readOnly: false, bind: false };
    const [source, target, mode = ''] = parts as [string, string, string?];
    return { source, target, readOnly: mode.split(',').includes('ro'), bind: /^[./~]/.test(source) };
  });
}

interface Port {
  hostIp?: string;
  published?: string;
  target: number;
  /** tcp (the default) or udp. */
  protocol: string;
}

/** Short syntax "[HOST_IP:]HOST_PORT:CONTAINER_PORT[/PROTO]" or "CONTAINER_PORT", or the long syntax. */
function portsOf(s: Service): Port[] {
  return (s.ports ?? []).map((p) => {
    if (typeof p === 'object')
      return {
        hostIp: p.host_ip,
        published: p.published?.toString(),
        target: Number(p.target),
        protocol: p.protocol ?? 'tcp',
      };
    const [spec = '', protocol = 'tcp'] = String(p).split('/');
    const i = spec.lastIndexOf(':');
    if (i < 0) return { target: Number(spec), protocol };
    const host = spec.slice(0, i);
    const j = host.lastIndexOf(':');
    return j < 0
      ? { published: host, target: Number(spec.slice(i + 1)), protocol }
      : {
          hostIp: host.slice(0, j).replace(/^\[|\]$/g, ''),
          published: host.slice(j + 1),
          target: Number(spec.slice(i + 1)),
          protocol,
        };
  });
}

function argvOf(s: Service): string[] {
  if (s.command === undefined) return [];
  return Array.isArray(s.command) ? s.command.map(String) : s.command.trim().split(/\s+/);
}

/** `--name value` or `--name=value`. */
function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

function dependsOn(s: Service): Record<string, string> {
  const d = s.depends_on ?? {};
  if (Array.isArray(d)) return Object.fromEntries(d.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(d).map(([name, v]) => [name, v?.condition ?? 'service_started']));
}

const buildContext = (s: Service) => (typeof s.build === 'string' ? s.build : s.build?.context);
const isUnder = (path: string, dir: string) =>
  posix.normalize(path).startsWith(`${posix.normalize(dir).replace(/\/$/, '')}/`);

/** The mount that holds `path` inside the container (the deepest one). */
function mountHolding(s: Service, path: string): Mount | undefined {
  return mountsOf(s)
    .filter((m) => m.target === path || isUnder(path, m.target))
    .sort((a, b) => b.target.length - a.target.length)[0];
}

// ── A .env file: KEY=value lines; `# KEY=value` lines are documented alternatives ───────────────────────

function parseEnvFile(text: string): {
  values: Record<string, string>;
  alternatives: Record<string, string>;
} {
  const values: Record<string, string> = {};
  const alternatives: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^(#\s*)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) (m[1] ? alternatives : values)[m[2]!] = m[3]!.trim();
  }
  return { values, alternatives };
}

// ── The Dockerfile ────────────────────────────────────────────────────────────────────────────────────

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const lines = text.split('\n').filter((l) => !/^\s*#/.test(l));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of joined.split('\n')) {
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    const rest = m[2]!.trim();
    if (op === 'FROM') {
      const [image, as, name] = interpolate(rest, args).split(/\s+/);
      stages.push({ image: image!, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (!stages.length && op === 'ARG') {
      const [k, v = ''] = rest.split('=');
      args[k!] = v;
    } else stages.at(-1)?.instructions.push({ op, args: rest });
  }
  return { args, stages };
}

const instructions = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op);

/** `ENV A=1 B=2` or `ENV A 1`. */
function envOfStage(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of instructions(stage, 'ENV')) {
    if (!args.split(/\s+/)[0]!.includes('=')) {
      const [k, ...v] = args.split(/\s+/);
      env[k!] = v.join(' ');
    } else
      for (const kv of args.split(/\s+/)) env[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
  }
  return env;
}

/** `["a", "b"]` (exec form) or `a b` (shell form), as words. */
function words(args: string): string[] {
  return args.trim().startsWith('[') ? (JSON.parse(args) as string[]) : args.trim().split(/\s+/);
}

// ── What the code reads ───────────────────────────────────────────────────────────────────────────────

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every HUB_* and SIM_* variable the hub, its CLI, the adapters and the simulators read from an environment. */
function variablesReadByCode(): Set<string> {
  const read = new Set(Object.keys(ENV_OVERRIDES));
  for (const dir of ['hub', 'adapters', 'simulators'])
    for (const file of sourceFiles(dir))
      for (const m of readFileSync(join(ROOT, file), 'utf8').matchAll(
        /\benv(?:\.|\[\s*['"])((?:HUB|SIM)_[A-Z0-9_]+)/g,
      ))
        read.add(m[1]!);
  return read;
}

// ── The tests ─────────────────────────────────────────────────────────────────────────────────────────

const composeText = read(COMPOSE_FILE);
const example = parseEnvFile(read(EXAMPLE_ENV_FILE));

function parseCompose(): Compose {
  const doc = parseDocument(composeText, { uniqueKeys: true });
  if (doc.errors.length) throw new Error(`${COMPOSE_FILE}: ${doc.errors.map((e) => e.message).join('; ')}`);
  return doc.toJS() as Compose;
}

/** As written: interpolations not resolved. */
const raw = parseCompose();
/** With the example .env, as a first `docker compose up` sees it. */
const compose = interpolateAll(raw, example.values);
/** With the documented alternatives too: the hub on the mosquitto service. */
const externalCompose = interpolateAll(raw, { ...example.values, ...example.alternatives });

function service(c: Compose, name: string): Service {
  const s = c.services?.[name];
  if (!s)
    throw new Error(`${COMPOSE_FILE} has no service "${name}" (it has: ${Object.keys(c.services ?? {})})`);
  return s;
}

const HUB_IMAGE_SERVICES = ['hub', 'simulator-credentials', 'simulators'];

/** The site file a service mounts, with the environment applied as the hub would. */
async function siteOf(c: Compose, name: string, sitePath: string): Promise<SiteModel> {
  const s = service(c, name);
  const mount = mountsOf(s).find((m) => m.target === sitePath);
  if (!mount?.source) throw new Error(`service ${name}: ${sitePath} is not the target of any volume`);
  try {
    return await loadSiteFile(join(ROOT, mount.source), containerEnv(s));
  } catch (err) {
    throw new Error(
      `service ${name}: the site file ${mount.source} (at ${sitePath}) does not load with the service's environment: ${(err as Error).message}`,
    );
  }
}

describe('docker-compose.yml: services', () => {
  it('parses, without duplicate keys', () => {
    expect(raw.services, 'a services mapping').toBeTypeOf('object');
  });

  it('has the hub and its simulators built from this repository, InfluxDB 1.8 and Eclipse Mosquitto 2', () => {
    for (const name of HUB_IMAGE_SERVICES)
      expect(buildContext(service(compose, name)), `service ${name}: build from the repository root`).toMatch(
        /^\.\/?$/,
      );
    expect(service(compose, 'influxdb').image, 'service influxdb: image').toMatch(/^influxdb:1\.8(\.|$|-)/);
    expect(service(compose, 'mosquitto').image, 'service mosquitto: image').toMatch(
      /^eclipse-mosquitto:2(\.|$|-)/,
    );
  });

  it('runs the hub and InfluxDB by default, the simulators under "demo", mosquitto under "external-broker"', () => {
    expect(service(compose, 'hub').profiles ?? [], 'service hub: no profile').toEqual([]);
    expect(service(compose, 'influxdb').profiles ?? [], 'service influxdb: no profile').toEqual([]);
    expect(service(compose, 'simulators').profiles, 'service simulators: profiles').toEqual(['demo']);
    expect(
      service(compose, 'simulator-credentials').profiles,
      'service simulator-credentials: profiles',
    ).toEqual(['demo']);
    expect(service(compose, 'mosquitto').profiles, 'service mosquitto: profiles').toEqual([
      'external-broker',
    ]);
  });

  it('restarts every long-running service unless stopped, and never a one-shot', () => {
    const oneShots = new Set(
      Object.values(compose.services).flatMap((s) =>
        Object.entries(dependsOn(s))
          .filter(([, condition]) => condition === 'service_completed_successfully')
          .map(([name]) => name),
      ),
    );
    expect(oneShots, 'simulator-credentials runs once before the simulators').toContain(
      'simulator-credentials',
    );
    for (const [name, s] of Object.entries(compose.services)) {
      if (oneShots.has(name))
        expect(s.restart ?? 'no', `service ${name} is a one-shot: restart "no"`).toBe('no');
      else expect(s.restart, `service ${name}: restart`).toBe('unless-stopped');
    }
  });

  it('depends only on declared services, and waits for health only where there is a health check', () => {
    const dockerfileHasHealthcheck = parseDockerfile(read('Dockerfile'))
      .stages.at(-1)!
      .instructions.some((i) => i.op === 'HEALTHCHECK' && !/^NONE\b/i.test(i.args));
    for (const [name, s] of Object.entries(compose.services))
      for (const [dep, condition] of Object.entries(dependsOn(s))) {
        const target = compose.services[dep];
        expect(target, `service ${name} depends on "${dep}", which is not a service`).toBeDefined();
        if (condition !== 'service_healthy' || !target) continue;
        const checked =
          target.healthcheck?.disable !== true &&
          (target.healthcheck?.test !== undefined ||
            (buildContext(target) !== undefined && dockerfileHasHealthcheck));
        expect(checked, `service ${name} waits for ${dep} to be healthy, which has no health check`).toBe(
          true,
        );
      }
  });

  it("turns the image's hub health check off in the other services built from it", () => {
    for (const name of HUB_IMAGE_SERVICES.filter((n) => n !== 'hub'))
      expect(
        service(compose, name).healthcheck?.disable,
        `service ${name} runs the hub's image but not the hub: healthcheck: { disable: true }`,
      ).toBe(true);
  });

  it('declares every named volume it mounts', () => {
    for (const [name, s] of Object.entries(compose.services))
      for (const m of mountsOf(s).filter((m) => !m.bind && m.source))
        expect(
          Object.keys(compose.volumes ?? {}),
          `service ${name} mounts the undeclared volume ${m.source}`,
        ).toContain(m.source);
  });

  it('mounts only files and directories that exist in the repository', () => {
    for (const [name, s] of Object.entries(compose.services))
      for (const m of mountsOf(s).filter((m) => m.bind))
        expect(existsSync(join(ROOT, m.source!)), `service ${name}: ${m.source} does not exist`).toBe(true);
  });
});

describe('docker-compose.yml: environment', () => {
  const readByCode = variablesReadByCode();

  it('finds what the code reads (the scan itself works)', () => {
    for (const name of [
      'HUB_SITE_FILE',
      'HUB_ADMIN_USERNAME',
      'HUB_ADMIN_PASSWORD',
      'HUB_LOG_LEVEL',
      'SIM_BROKER_URL',
      'SIM_BACNET_HOST',
    ])
      expect(readByCode, `the scan of hub/, adapters/ and simulators/ finds ${name}`).toContain(name);
  });

  it('sets only HUB_* and SIM_* variables that the hub, its CLI or the simulators read', () => {
    for (const [name, s] of Object.entries(raw.services))
      for (const key of Object.keys(environmentOf(s)).filter((k) => /^(HUB|SIM)_/.test(k)))
        expect(
          readByCode.has(key),
          `service ${name} sets ${key}, which no code reads (known: ${[...readByCode].sort().join(', ')})`,
        ).toBe(true);
  });

  it('takes every secret from the environment (an interpolation without a default), never a literal', () => {
    const secrets = new Set([
      ...Object.entries(ENV_OVERRIDES)
        .filter(([, o]) => o.secret)
        .map(([name]) => name),
      'HUB_ADMIN_PASSWORD',
    ]);
    const onlyInterpolation = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-|:?\?[^}]*)?\}$/;
    let seen = 0;
    for (const [name, s] of Object.entries(raw.services))
      for (const [key, value] of Object.entries(environmentOf(s))) {
        if (!secrets.has(key) && !/PASSWORD|SECRET|TOKEN/i.test(key)) continue;
        seen++;
        expect(value, `service ${name}: ${key} must be "\${${key}:-}" (from .env), not a literal`).toMatch(
          onlyInterpolation,
        );
      }
    expect(
      seen,
      'the hub takes HUB_ADMIN_PASSWORD and the InfluxDB and MQTT passwords',
    ).toBeGreaterThanOrEqual(3);
    for (const key of Object.keys({ ...example.values, ...example.alternatives }))
      if (secrets.has(key) || /PASSWORD|SECRET|TOKEN/i.test(key))
        expect(
          example.values[key] ?? example.alternatives[key],
          `${EXAMPLE_ENV_FILE}: ${key} is left empty`,
        ).toBe('');
  });

  it(`documents every variable it interpolates in ${EXAMPLE_ENV_FILE}`, () => {
    const documented = new Set([...Object.keys(example.values), ...Object.keys(example.alternatives)]);
    for (const name of new Set(referencedVariables(composeText)))
      expect(
        documented.has(name),
        `${COMPOSE_FILE} uses \${${name}}, not documented in ${EXAMPLE_ENV_FILE}`,
      ).toBe(true);
  });

  it(`has the same defaults with and without a .env copied from ${EXAMPLE_ENV_FILE}`, () => {
    expect(
      interpolateAll(raw, {}),
      'the defaults written in docker-compose.yml agree with the example .env',
    ).toEqual(compose);
  });
});

describe('docker-compose.yml: the hub', () => {
  const hub = service(compose, 'hub');
  const env = containerEnv(hub);
  let site: SiteModel;

  beforeAll(async () => {
    expect(env.HUB_SITE_FILE, 'service hub: HUB_SITE_FILE').toBeTruthy();
    site = await siteOf(compose, 'hub', env.HUB_SITE_FILE!);
  });

  it('reads a site file that is mounted read-only from the repository and loads with its environment', () => {
    const mount = mountsOf(hub).find((m) => m.target === env.HUB_SITE_FILE);
    expect(mount?.bind, `service hub: ${env.HUB_SITE_FILE} is a file from the repository`).toBe(true);
    expect(mount?.readOnly, `service hub: the site file is mounted read-only (":ro")`).toBe(true);
    const cmdSite = argvOf(hub).find((a) => /\.ya?ml$/.test(a));
    if (cmdSite)
      expect(cmdSite, 'service hub: the site file in command is HUB_SITE_FILE').toBe(env.HUB_SITE_FILE);
  });

  it('keeps its data dir (HUB_DATA_DIR) on a writable named volume', () => {
    expect(env.HUB_DATA_DIR, 'service hub: HUB_DATA_DIR is an absolute path').toMatch(/^\//);
    expect(site.hub.dataDir, 'the site file with the environment: hub.dataDir').toBe(env.HUB_DATA_DIR);
    const mount = mountsOf(hub).find((m) => m.target === env.HUB_DATA_DIR);
    expect(mount, `service hub: a volume mounted at HUB_DATA_DIR ${env.HUB_DATA_DIR}`).toBeDefined();
    expect(mount?.bind, 'service hub: the data dir is a named volume').toBe(false);
    expect(mount?.readOnly, 'service hub: the data dir is writable').toBe(false);
  });

  it('listens on all interfaces inside the container', () => {
    expect(site.hub.http.host, 'hub.http.host (or HUB_HTTP_HOST)').toBe('0.0.0.0');
    if (site.mqtt.mode === 'embedded') expect(site.mqtt.host, 'mqtt.host (or HUB_MQTT_HOST)').toBe('0.0.0.0');
  });

  it('publishes the HTTP and embedded MQTT ports the site file sets, on the same host ports', () => {
    const expected = [site.hub.http.port];
    if (site.mqtt.mode === 'embedded' && site.mqtt.plaintext) expected.push(site.mqtt.port);
    if (site.mqtt.mode === 'embedded' && site.mqtt.tls) expected.push(site.mqtt.tls.port);
    // the demo simulators' control port is published by the hub too (they share its network)
    const controlPort = Number(option(argvOf(service(compose, 'simulators')), 'control-port'));
    const ports = portsOf(hub).filter((p) => p.target !== controlPort);
    const byNumber = (a: number, b: number) => a - b;
    expect(
      ports.map((p) => p.target).sort(byNumber),
      `service hub: container ports = http ${site.hub.http.port}, mqtt ${site.mqtt.port}`,
    ).toEqual([...expected].sort(byNumber));
    for (const p of ports)
      expect(p.published, `service hub: port ${p.target} published as itself`).toBe(String(p.target));
    expect(expected, "the demo uses the hub's default ports").toEqual([
      HttpSettingsSchema.parse({}).port,
      MqttSettingsSchema.parse({}).port,
    ]);
  });

  it('stores history in the influxdb service, on the port the influxdb image serves', () => {
    expect(site.storage.mode, 'storage.mode (HUB_STORAGE_MODE)').toBe('influxdb');
    const url = new URL(site.storage.influxdb.url);
    expect(url.hostname, 'HUB_INFLUX_URL: the host is the influxdb service').toBe('influxdb');
    expect(Number(url.port), `HUB_INFLUX_URL: the port is the influxdb image's ${INFLUXDB_IMAGE_PORT}`).toBe(
      INFLUXDB_IMAGE_PORT,
    );
    const schemaDefault = new URL(StorageSettingsSchema.parse({}).influxdb.url);
    expect(Number(schemaDefault.port), "the schema's default InfluxDB URL agrees on the port").toBe(
      INFLUXDB_IMAGE_PORT,
    );
    expect(dependsOn(hub).influxdb, 'service hub: depends_on influxdb: condition: service_healthy').toBe(
      'service_healthy',
    );
  });

  it('switches to the mosquitto service with the alternatives documented in the example .env', async () => {
    const external = service(externalCompose, 'hub');
    const s = await siteOf(externalCompose, 'hub', containerEnv(external).HUB_SITE_FILE!);
    expect(s.mqtt.mode, `mqtt.mode with ${EXAMPLE_ENV_FILE}'s HUB_MQTT_MODE`).toBe('external');
    const url = new URL(s.mqtt.url!);
    expect(url.hostname, "HUB_MQTT_URL's host is the mosquitto service").toBe('mosquitto');
    expect(Number(url.port), "HUB_MQTT_URL's port is mosquitto's listener").toBe(mosquittoListener());
    expect(s.mqtt.username, `${EXAMPLE_ENV_FILE}: HUB_MQTT_USERNAME`).toBeTruthy();
    expect(composeText, `the comments generate the ACL for the hub's user ${s.mqtt.username}`).toContain(
      `mosquitto-acl --hub-user ${s.mqtt.username}`,
    );
  });
});

describe('docker-compose.yml: influxdb', () => {
  const influx = service(compose, 'influxdb');

  it('serves its API on 127.0.0.1 only', () => {
    const port = portsOf(influx).find((p) => p.target === INFLUXDB_IMAGE_PORT);
    expect(port, `service influxdb: publishes ${INFLUXDB_IMAGE_PORT}`).toBeDefined();
    expect(port?.hostIp, 'service influxdb: bound to 127.0.0.1').toBe('127.0.0.1');
  });

  it('keeps its data on a named volume, reports nothing home, and has a health check on /ping', () => {
    const mount = mountsOf(influx).find((m) => m.target === '/var/lib/influxdb');
    expect(mount && !mount.bind, 'service influxdb: a named volume at /var/lib/influxdb').toBe(true);
    expect(containerEnv(influx).INFLUXDB_REPORTING_DISABLED, 'INFLUXDB_REPORTING_DISABLED').toBe('true');
    const test = [influx.healthcheck?.test ?? []].flat().join(' ');
    expect(test, 'service influxdb: healthcheck').toContain(`:${INFLUXDB_IMAGE_PORT}/ping`);
  });

  it("creates its admin from the hub's InfluxDB credentials", () => {
    const env = environmentOf(service(raw, 'influxdb'));
    expect(env.INFLUXDB_ADMIN_USER, 'INFLUXDB_ADMIN_USER').toMatch(/^\$\{HUB_INFLUX_USERNAME(:?-)?\}$/);
    expect(env.INFLUXDB_ADMIN_PASSWORD, 'INFLUXDB_ADMIN_PASSWORD').toMatch(
      /^\$\{HUB_INFLUX_PASSWORD(:?-)?\}$/,
    );
  });
});

describe('docker-compose.yml: the demo simulators', () => {
  const hub = service(compose, 'hub');
  const hubEnv = containerEnv(hub);
  const sims = service(compose, 'simulators');
  const creds = service(compose, 'simulator-credentials');
  const argv = argvOf(sims);
  const hubDataVolume = () => {
    const volume = mountsOf(hub).find((m) => m.target === hubEnv.HUB_DATA_DIR)?.source;
    if (!volume) throw new Error(`service hub: no volume at HUB_DATA_DIR ${hubEnv.HUB_DATA_DIR}`);
    return volume;
  };

  it('runs the built simulators on the same site file as the hub', async () => {
    expect(argv.slice(0, 2), 'service simulators: command').toEqual(['node', 'dist/simulators/main.js']);
    const sitePath = argv[2]!;
    const hubSite = mountsOf(hub).find((m) => m.target === hubEnv.HUB_SITE_FILE);
    const simSite = mountsOf(sims).find((m) => m.target === sitePath);
    expect(simSite?.source, `service simulators: ${sitePath} is the hub's site file`).toBe(hubSite?.source);
    expect(simSite?.readOnly, 'service simulators: the site file is read-only').toBe(true);
    await siteOf(compose, 'simulators', sitePath);
  });

  it("publishes to the hub's embedded broker", async () => {
    const site = await siteOf(compose, 'hub', hubEnv.HUB_SITE_FILE!);
    const broker = new URL(option(argv, 'broker') ?? '');
    expect(broker.protocol, 'service simulators: --broker is an mqtt:// URL').toBe('mqtt:');
    expect(broker.hostname, "service simulators: --broker host is the hub's own address").toBe('127.0.0.1');
    expect(Number(broker.port), `service simulators: --broker port is the hub's MQTT port`).toBe(
      site.mqtt.port,
    );
    const external = new URL(option(argvOf(service(externalCompose, 'simulators')), 'broker') ?? '');
    expect(external.hostname, `with ${EXAMPLE_ENV_FILE}'s SIM_BROKER_URL, the mosquitto service`).toBe(
      'mosquitto',
    );
    expect(Number(external.port), "... on mosquitto's listener").toBe(mosquittoListener());
  });

  it('reads the device passwords the one-shot issued, from the shared data volume', () => {
    const file = option(argv, 'credentials');
    expect(file, 'service simulators: --credentials').toBeTruthy();
    const credArgv = argvOf(creds);
    expect(credArgv.slice(0, 3), 'service simulator-credentials: command').toEqual([
      'node',
      'dist/hub/admin-cli.js',
      'device-credentials',
    ]);
    expect(credArgv, 'service simulator-credentials: --all').toContain('--all');
    expect(option(credArgv, 'out'), 'simulator-credentials --out is simulators --credentials').toBe(file);
    expect(
      mountHolding(sims, file!)?.source,
      `service simulators: ${file} lies on the hub's data volume`,
    ).toBe(hubDataVolume());
    expect(
      mountHolding(creds, file!)?.source,
      `service simulator-credentials: ${file} on the hub's data volume`,
    ).toBe(hubDataVolume());
    expect(dependsOn(sims)['simulator-credentials'], 'the simulators start after the one-shot').toBe(
      'service_completed_successfully',
    );
  });

  it("issues the passwords in the hub's own database, with the hub's site file", async () => {
    const env = containerEnv(creds);
    expect(env.HUB_SITE_FILE, 'service simulator-credentials: HUB_SITE_FILE').toBe(hubEnv.HUB_SITE_FILE);
    expect(env.HUB_DATA_DIR, 'service simulator-credentials: HUB_DATA_DIR').toBe(hubEnv.HUB_DATA_DIR);
    const data = mountsOf(creds).find((m) => m.target === env.HUB_DATA_DIR);
    expect(data?.source, "service simulator-credentials: the hub's data volume at HUB_DATA_DIR").toBe(
      hubDataVolume(),
    );
    expect(data?.readOnly, 'service simulator-credentials: the data volume is writable').toBe(false);
    const site = await siteOf(compose, 'simulator-credentials', env.HUB_SITE_FILE!);
    expect(site.hub.dataDir, 'simulator-credentials: hub.dataDir with its environment').toBe(
      hubEnv.HUB_DATA_DIR,
    );
    expect(dependsOn(creds).hub, 'the one-shot waits for a healthy hub (its migrations done)').toBe(
      'service_healthy',
    );
  });

  it("shares the hub's network, so the site file's 127.0.0.1 Modbus and OPC UA endpoints reach them", async () => {
    expect(sims.network_mode, 'service simulators: network_mode').toBe('service:hub');
    expect(portsOf(sims), 'service simulators: no ports of its own (it has none with network_mode)').toEqual(
      [],
    );
    const site = await siteOf(compose, 'hub', hubEnv.HUB_SITE_FILE!);
    const hosts = site.devices.flatMap((d) => {
      const x = d as { host?: string; endpoint?: string };
      return x.host ? [x.host] : x.endpoint ? [new URL(x.endpoint).hostname] : [];
    });
    expect(hosts.length, 'the demo site has Modbus and OPC UA devices').toBeGreaterThan(0);
    expect(new Set(hosts), 'every Modbus and OPC UA device of the demo is at 127.0.0.1').toEqual(
      new Set(['127.0.0.1']),
    );
  });

  it("serves the site file's BACnet/IP devices in the hub's namespace too: loopback, distinct UDP ports, nothing published", async () => {
    const site = await siteOf(compose, 'hub', hubEnv.HUB_SITE_FILE!);
    const devices = site.devicesOf('bacnet') as unknown as BacnetDeviceConfig[];
    expect(devices.length, 'the demo site has BACnet devices').toBeGreaterThan(0);
    const hostOf = (address: string) => normalizeAddress(address).split(':')[0];
    const portOf = (address: string) => Number(normalizeAddress(address).split(':')[1]);
    for (const d of devices) {
      expect(d.address, `BACnet device ${d.id}: an address (the simulators serve only those)`).toBeTruthy();
      expect(hostOf(d.address!), `BACnet device ${d.id}: at 127.0.0.1`).toBe('127.0.0.1');
      expect(d.localAddress, `BACnet device ${d.id}: the hub's socket (localAddress) on 127.0.0.1`).toBe(
        '127.0.0.1',
      );
      // loopback has no broadcast: Who-Is reaches the devices the list names
      expect(
        new Set((d.broadcast ?? []).map(normalizeAddress)),
        `BACnet device ${d.id}: broadcast lists every BACnet device, for discovery`,
      ).toEqual(new Set(devices.map((x) => normalizeAddress(x.address!))));
    }
    const sockets = new Set(devices.map((d) => `${d.localAddress}:${d.localPort}`));
    expect(sockets.size, "the BACnet devices share the hub's one socket").toBe(1);
    const devicePorts = devices.map((d) => portOf(d.address!));
    expect(new Set(devicePorts).size, 'each simulated BACnet device on its own UDP port').toBe(
      devices.length,
    );
    expect(devicePorts, "no simulated device on the hub's BACnet port").not.toContain(devices[0]!.localPort);

    // the simulators bind them where the site file says: no other host, no port offset
    const simEnv = containerEnv(sims);
    const host = option(argv, 'bacnet-host') ?? simEnv.SIM_BACNET_HOST;
    expect(
      [undefined, '', '127.0.0.1', '0.0.0.0'],
      `service simulators: --bacnet-host / SIM_BACNET_HOST ${host}`,
    ).toContain(host);
    const offset = option(argv, 'bacnet-port-offset') ?? simEnv.SIM_BACNET_PORT_OFFSET ?? '0';
    expect(Number(offset), 'service simulators: no BACnet port offset').toBe(0);
    // a port published to a socket on the container's loopback would reach nothing
    expect(
      portsOf(hub).filter((p) => p.protocol === 'udp'),
      'service hub: no UDP port published (BACnet stays on loopback)',
    ).toEqual([]);
  });

  it('serves the fault-injection API on 127.0.0.1 only', () => {
    expect(option(argv, 'control-host'), 'service simulators: --control-host').toBe('0.0.0.0');
    const controlPort = Number(option(argv, 'control-port'));
    const port = portsOf(hub).find((p) => p.target === controlPort);
    expect(port, `service hub publishes the simulators' --control-port ${controlPort}`).toBeDefined();
    expect(port?.hostIp, 'the control API is bound to 127.0.0.1').toBe('127.0.0.1');
  });
});

function mosquittoConfPath(): string {
  const mount = mountsOf(service(compose, 'mosquitto')).find((m) => m.target === MOSQUITTO_CONF_TARGET);
  if (!mount?.source) throw new Error(`service mosquitto: nothing mounted at ${MOSQUITTO_CONF_TARGET}`);
  return mount.source;
}

function mosquittoSetting(name: string): string[] {
  return [...read(mosquittoConfPath()).matchAll(new RegExp(`^\\s*${name}\\s+(.+?)\\s*$`, 'gm'))].map(
    (m) => m[1]!,
  );
}

function mosquittoListener(): number {
  const listeners = mosquittoSetting('listener').map((l) => Number(l.split(/\s+/)[0]));
  if (listeners.length !== 1)
    throw new Error(`${mosquittoConfPath()}: expected one listener, got ${listeners}`);
  return listeners[0]!;
}

describe('docker-compose.yml: mosquitto', () => {
  const mosquitto = service(compose, 'mosquitto');

  it('mounts its configuration read-only from config/compose/mosquitto/', () => {
    expect(mosquittoConfPath(), 'the configuration file').toMatch(/^\.\/config\/compose\/mosquitto\//);
    expect(mountHolding(mosquitto, MOSQUITTO_CONF_TARGET)?.readOnly, 'mounted with ":ro"').toBe(true);
  });

  it('refuses anonymous clients and checks passwords and ACLs from files under /mosquitto/config', () => {
    expect(mosquittoSetting('allow_anonymous'), `${mosquittoConfPath()}: allow_anonymous`).toEqual(['false']);
    for (const name of ['password_file', 'acl_file']) {
      const [path, ...more] = mosquittoSetting(name);
      expect(more, `${name} is set once`).toEqual([]);
      expect(path, `${mosquittoConfPath()}: ${name}`).toMatch(/^\/mosquitto\/config\//);
      const mount = mountHolding(mosquitto, path!);
      expect(
        mount && !mount.bind,
        `service mosquitto: ${path} lies on a named volume (it is generated)`,
      ).toBe(true);
      expect(composeText, `the comments in ${COMPOSE_FILE} show how to write ${path}`).toContain(path);
    }
    expect(composeText, 'the comments generate the ACL with the admin CLI').toContain(
      'node dist/hub/admin-cli.js mosquitto-acl',
    );
  });

  it("listens on one port inside the network, published on a host port other than the hub's", () => {
    const listener = mosquittoListener();
    const port = portsOf(mosquitto).find((p) => p.target === listener);
    expect(port, `service mosquitto: publishes its listener ${listener}`).toBeDefined();
    const hubPorts = portsOf(service(compose, 'hub')).map((p) => p.published);
    expect(hubPorts, 'two services cannot publish the same host port').not.toContain(port?.published);
  });
});

describe('docker-compose.yml: the fleet (profile fleet)', () => {
  const FLEET_SITES = ['site-north', 'site-south'];
  const FLEET_SERVICES = ['fleet-broker', 'central', ...FLEET_SITES, ...FLEET_SITES.map((s) => `${s}-sim`)];
  const broker = () => service(compose, 'fleet-broker');
  const brokerConfPath = () => {
    const mount = mountsOf(broker()).find((m) => m.target === MOSQUITTO_CONF_TARGET);
    if (!mount?.source) throw new Error(`service fleet-broker: nothing mounted at ${MOSQUITTO_CONF_TARGET}`);
    return mount.source;
  };
  const brokerSetting = (name: string) =>
    [...read(brokerConfPath()).matchAll(new RegExp(`^\\s*${name}\\s+(.+?)\\s*$`, 'gm'))].map((m) => m[1]!);
  const brokerListener = () => {
    const listeners = brokerSetting('listener').map((l) => Number(l.split(/\s+/)[0]));
    expect(listeners, `${brokerConfPath()}: one listener`).toHaveLength(1);
    return listeners[0]!;
  };
  /** A broker URL of a site file: on the fleet-broker service's listener. */
  const expectOnBroker = (url: string, what: string) => {
    const u = new URL(url);
    expect(u.hostname, `${what}: the fleet-broker service`).toBe('fleet-broker');
    expect(Number(u.port), `${what}: fleet-broker's listener`).toBe(brokerListener());
  };
  /** The credentials a broker connection names come from the service's environment: the password interpolated. */
  const expectCredentials = (name: string, conn: { usernameEnv?: string; passwordEnv?: string }) => {
    expect(conn.usernameEnv && conn.passwordEnv, `${name}: usernameEnv and passwordEnv`).toBeTruthy();
    const env = environmentOf(service(raw, name));
    expect(env[conn.passwordEnv!], `service ${name}: ${conn.passwordEnv} from .env`).toMatch(
      /^\$\{[A-Z0-9_]+:-\}$/,
    );
    return containerEnv(service(compose, name))[conn.usernameEnv!];
  };
  const acl = read('config/fleet/fleet.acl');

  it('runs the broker, the central and two site hubs with their simulators under "fleet" only', () => {
    for (const name of FLEET_SERVICES)
      expect(service(compose, name).profiles, `service ${name}: profiles`).toEqual(['fleet']);
    expect(broker().image, 'service fleet-broker: image').toMatch(/^eclipse-mosquitto:2(\.|$|-)/);
    for (const name of FLEET_SERVICES.filter((n) => n !== 'fleet-broker'))
      expect(buildContext(service(compose, name)), `service ${name}: the hub's image`).toMatch(/^\.\/?$/);
  });

  it('keeps the broker closed: no anonymous clients, passwords on a volume, the ACL from config/fleet/', () => {
    expect(mountHolding(broker(), MOSQUITTO_CONF_TARGET)?.readOnly, 'configuration mounted ":ro"').toBe(true);
    expect(brokerSetting('allow_anonymous'), `${brokerConfPath()}: allow_anonymous`).toEqual(['false']);
    const [passwd] = brokerSetting('password_file');
    const passwdMount = mountHolding(broker(), passwd!);
    expect(passwdMount && !passwdMount.bind, `${passwd} on a named volume (it holds secrets)`).toBe(true);
    expect(composeText, `the comments show how to write ${passwd}`).toContain(passwd);
    const [aclPath] = brokerSetting('acl_file');
    const aclMount = mountsOf(broker()).find((m) => m.target === aclPath);
    expect(aclMount?.source, `${aclPath}: the recipe's ACL`).toBe('./config/fleet/fleet.acl');
    expect(aclMount?.readOnly, `${aclPath} mounted ":ro"`).toBe(true);
    const maxQueued = Number(brokerSetting('max_queued_messages')[0]);
    expect(maxQueued, "room for a returning site's replay in the central's queue").toBeGreaterThanOrEqual(
      100_000,
    );
  });

  it('has each site hub publish upstream to fleet-broker as its own edge node, logging in as that id', async () => {
    const nodes = new Set<string>();
    for (const name of FLEET_SITES) {
      const s = service(compose, name);
      const site = await siteOf(compose, name, containerEnv(s).HUB_SITE_FILE!);
      expect(site.hub.mode, `${name}: hub.mode`).toBe('site');
      const up = site.config.upstream;
      expect(up, `${name}: an upstream: section`).toBeDefined();
      expectOnBroker(up!.url, `${name}: upstream.url`);
      const node = up!.edgeNodeId ?? site.site.id;
      nodes.add(node);
      expect(
        expectCredentials(name, up!),
        `${name}: its broker user is its edge node id (fleet.acl's %u)`,
      ).toBe(node);
      expect(site.hub.dataDir, `${name}: hub.dataDir`).toBe(containerEnv(s).HUB_DATA_DIR);
      const data = mountsOf(s).find((m) => m.target === site.hub.dataDir);
      expect(data && !data.bind, `${name}: its data dir (the upstream spool) on a named volume`).toBe(true);
      expect(dependsOn(s)['fleet-broker'], `${name} starts after fleet-broker`).toBeDefined();
    }
    expect(nodes.size, 'every site its own edge node id').toBe(FLEET_SITES.length);
    expect(acl, 'fleet.acl lets a site publish its births and data as itself').toMatch(
      /^pattern write spBv1\.0\/\+\/NBIRTH\/%u$/m,
    );
  });

  it("has the central follow the sites' group on fleet-broker and write them to the influxdb service", async () => {
    const s = service(compose, 'central');
    const site = await siteOf(compose, 'central', containerEnv(s).HUB_SITE_FILE!);
    expect(site.hub.mode, 'central: hub.mode').toBe('central');
    const central = site.config.central!;
    expectOnBroker(central.url, 'central: central.url');
    expect(expectCredentials('central', central), "central: the ACL's user central").toBe('central');
    expect(acl, 'fleet.acl gives the user central read on every group').toMatch(
      /^user central\ntopic read spBv1\.0\/#$/m,
    );
    for (const name of FLEET_SITES) {
      const ss = await siteOf(compose, name, containerEnv(service(compose, name)).HUB_SITE_FILE!);
      expect(central.groups, `central.groups has ${name}'s group`).toContain(ss.config.upstream!.groupId);
      expect(
        central.sites.map((x) => x.node),
        `central.sites lists ${name} (shown before it is heard from)`,
      ).toContain(ss.config.upstream!.edgeNodeId ?? ss.site.id);
    }
    expect(site.storage.mode, 'central: storage.mode').toBe('influxdb');
    expect(new URL(site.storage.influxdb.url).hostname, 'central: the influxdb service').toBe('influxdb');
    expect(Number(new URL(site.storage.influxdb.url).port)).toBe(INFLUXDB_IMAGE_PORT);
    expect(site.storage.influxdb.database, "central: its own database, not the site hub's").not.toBe(
      (await siteOf(compose, 'hub', containerEnv(service(compose, 'hub')).HUB_SITE_FILE!)).storage.influxdb
        .database,
    );
    expect(dependsOn(s).influxdb, 'central waits for a healthy influxdb').toBe('service_healthy');
  });

  it('feeds each site hub from its simulators in its own network namespace', async () => {
    for (const name of FLEET_SITES) {
      const sim = service(compose, `${name}-sim`);
      const hub = service(compose, name);
      expect(sim.network_mode, `service ${name}-sim: network_mode`).toBe(`service:${name}`);
      expect(sim.healthcheck?.disable, `service ${name}-sim: no hub health check`).toBe(true);
      const argv = argvOf(sim);
      expect(argv.slice(0, 2)).toEqual(['node', 'dist/simulators/main.js']);
      const site = await siteOf(compose, name, containerEnv(hub).HUB_SITE_FILE!);
      expect(
        mountsOf(sim).find((m) => m.target === argv[2])?.source,
        `${name}-sim: the hub's site file`,
      ).toBe(mountsOf(hub).find((m) => m.target === containerEnv(hub).HUB_SITE_FILE)?.source);
      const url = new URL(option(argv, 'broker') ?? '');
      expect(url.hostname, `${name}-sim: the hub's broker on their shared loopback`).toBe('127.0.0.1');
      expect(Number(url.port), `${name}-sim: the hub's mqtt.port`).toBe(site.mqtt.port);
      expect(site.mqtt.host, `${name}: its embedded broker on loopback only (anonymous, a lab)`).toBe(
        '127.0.0.1',
      );
    }
  });

  it('publishes each hub of the fleet on a host port of its own', () => {
    const published = Object.values(compose.services).flatMap((s) => portsOf(s).map((p) => p.published));
    const fleet = ['central', ...FLEET_SITES].flatMap((n) =>
      portsOf(service(compose, n)).map((p) => p.published),
    );
    expect(fleet.length, 'the central and each site publish their HTTP port').toBe(3);
    for (const p of fleet)
      expect(
        published.filter((x) => x === p),
        `host port ${p} once`,
      ).toHaveLength(1);
  });
});

describe('Dockerfile', () => {
  const { stages } = parseDockerfile(read('Dockerfile'));
  const runtime = stages.at(-1)!;
  const build = stages[0]!;
  const hubEnv = containerEnv(service(compose, 'hub'));

  it('builds on a Node LTS Debian image that the code supports, the same in every stage', () => {
    expect(stages.length, 'a build stage and a runtime stage').toBeGreaterThanOrEqual(2);
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const minMajor = Number(/(\d+)/.exec(engines)?.[1]);
    for (const stage of stages) {
      const m = /^node:(\d+)[.-].*bookworm/.exec(stage.image);
      expect(m, `FROM ${stage.image}: a node:<major>-bookworm image`).not.toBeNull();
      const major = Number(m?.[1]);
      expect(major, `FROM ${stage.image}: package.json needs node ${engines}`).toBeGreaterThanOrEqual(
        Math.max(20, minMajor),
      );
      expect(major % 2, `FROM ${stage.image}: an even (LTS) major`).toBe(0);
    }
    expect(new Set(stages.map((s) => s.image)).size, 'better-sqlite3 is compiled for one Node ABI').toBe(1);
  });

  it('builds with npm ci and tsc, then drops the dev dependencies', () => {
    const runs = instructions(build, 'RUN')
      .map((i) => i.args)
      .join('\n');
    for (const step of ['npm ci', 'npm run build', 'npm prune --omit=dev'])
      expect(runs, `build stage: ${step}`).toContain(step);
    expect(runs, 'build stage: build tools for better-sqlite3').toMatch(/python3.*make.*g\+\+/);
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build, 'npm run build is tsc').toMatch(/^tsc -p tsconfig\.build\.json/);
  });

  it('runs as node, with HUB_DATA_DIR as a volume owned by node', () => {
    expect(instructions(runtime, 'USER').at(-1)?.args, 'runtime stage: USER').toBe('node');
    const dataDir = envOfStage(runtime).HUB_DATA_DIR;
    expect(dataDir, 'runtime stage: ENV HUB_DATA_DIR is the one docker-compose.yml uses').toBe(
      hubEnv.HUB_DATA_DIR,
    );
    const volumes = instructions(runtime, 'VOLUME').flatMap((i) => words(i.args));
    expect(volumes, 'runtime stage: VOLUME HUB_DATA_DIR').toContain(dataDir);
    const runs = instructions(runtime, 'RUN')
      .map((i) => i.args)
      .join('\n');
    expect(runs, `runtime stage: ${dataDir} chowned to node before VOLUME`).toMatch(
      new RegExp(`chown (-R )?node(:node)? ${dataDir}\\b`),
    );
  });

  it("exposes the hub's default HTTP, MQTT and MQTT-over-TLS ports", () => {
    const exposed = instructions(runtime, 'EXPOSE').flatMap((i) =>
      words(i.args).map((p) => Number(p.split('/')[0])),
    );
    const defaults = [
      HttpSettingsSchema.parse({}).port,
      MqttSettingsSchema.parse({}).port,
      MqttTlsSchema.parse({ certFile: 'x', keyFile: 'x' }).port,
    ];
    for (const port of defaults) expect(exposed, `runtime stage: EXPOSE ${port}`).toContain(port);
  });

  it('checks /healthz with node, and starts the compiled hub', () => {
    const health = instructions(runtime, 'HEALTHCHECK').at(-1)?.args ?? '';
    expect(health, 'runtime stage: HEALTHCHECK ... /healthz').toContain('/healthz');
    expect(health, 'HEALTHCHECK runs node (no curl or wget in slim images)').toMatch(/CMD \[?\s*"?node\b/);
    expect(health, 'HEALTHCHECK runs node, not curl or wget').not.toMatch(/\b(curl|wget)\b/);
    const cmd = words(instructions(runtime, 'CMD').at(-1)?.args ?? '[]');
    expect(cmd.slice(0, 2), 'runtime stage: CMD').toEqual(['node', 'dist/hub/main.js']);
  });

  it('copies what the compiled code needs, and every dist/*.js it runs has a source the build compiles', () => {
    const copied = instructions(runtime, 'COPY').map((i) => i.args.split(/\s+/).at(-1)!.replace(/^\.\//, ''));
    for (const dir of ['node_modules', 'dist', 'dashboard'])
      expect(copied, `runtime stage: COPY ... ./${dir}`).toContain(dir);
    const tsconfig = JSON.parse(read('tsconfig.json')) as {
      compilerOptions: { outDir: string; rootDir: string };
    };
    expect(tsconfig.compilerOptions, 'tsc emits dist/<path>.js for <path>.ts').toMatchObject({
      outDir: 'dist',
      rootDir: '.',
    });
    const included = (JSON.parse(read('tsconfig.build.json')) as { include: string[] }).include;
    const scripts = [
      ...Object.values(compose.services).flatMap(argvOf),
      ...words(instructions(runtime, 'CMD').at(-1)?.args ?? '[]'),
    ].filter((a) => /^dist\/.*\.js$/.test(a));
    expect(scripts.length, 'the services run compiled scripts').toBeGreaterThanOrEqual(3);
    for (const script of scripts) {
      const source = script.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect(existsSync(join(ROOT, source)), `${script}: ${source} exists`).toBe(true);
      expect(included, `${script}: tsconfig.build.json compiles ${source.split('/')[0]}/`).toContain(
        source.split('/')[0],
      );
    }
  });
});

describe('.dockerignore', () => {
  it('keeps local state, build output, secrets and history out of the build context', () => {
    const entries = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const entry of ['node_modules', 'dist', 'data', 'test-results', '.git', 'bench/results', '.env'])
      expect(entries, `.dockerignore: ${entry}`).toContain(entry);
  });
});
