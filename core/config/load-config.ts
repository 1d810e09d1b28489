import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { SiteModel } from '../model/site-model.js';
import { NOT_PLAIN, parsePlainYaml } from './fast-yaml.js';
import { type PhaseTimings, stopwatch } from './phase-timings.js';
import { type SiteSpec, validateSite } from './validate-site.js';

/** The hub refuses to start on any of these; `errors` holds one line per failing path. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly errors: string[],
  ) {
    super(`${file}: ${errors.length} problem${errors.length === 1 ? '' : 's'}\n  ${errors.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Environment variables that override the site file, and where they land. */
export const ENV_OVERRIDES: Record<string, { path: string[]; numeric?: boolean; secret?: boolean }> = {
  HUB_HTTP_HOST: { path: ['hub', 'http', 'host'] },
  HUB_HTTP_PORT: { path: ['hub', 'http', 'port'], numeric: true },
  HUB_DATA_DIR: { path: ['hub', 'dataDir'] },
  HUB_LOG_LEVEL: { path: ['hub', 'logLevel'] },
  HUB_MQTT_MODE: { path: ['mqtt', 'mode'] },
  HUB_MQTT_HOST: { path: ['mqtt', 'host'] },
  HUB_MQTT_PORT: { path: ['mqtt', 'port'], numeric: true },
  HUB_MQTT_URL: { path: ['mqtt', 'url'] },
  HUB_MQTT_USERNAME: { path: ['mqtt', 'username'] },
  HUB_MQTT_PASSWORD: { path: ['mqtt', 'password'], secret: true },
  HUB_STORAGE_MODE: { path: ['storage', 'mode'] },
  HUB_INFLUX_URL: { path: ['storage', 'influxdb', 'url'] },
  HUB_INFLUX_DATABASE: { path: ['storage', 'influxdb', 'database'] },
  HUB_INFLUX_USERNAME: { path: ['storage', 'influxdb', 'username'] },
  HUB_INFLUX_PASSWORD: { path: ['storage', 'influxdb', 'password'], secret: true },
};

/**
 * Read, parse and validate a site file, with the environment's overrides applied. `spec` names the drivers and
 * sections a site file may use; the hub's own is in hub/site-file.ts.
 */
export async function loadSite(
  file: string,
  spec: SiteSpec,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SiteModel> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the site file: ${(err as Error).message}`]);
  }
  return parseSite(text, file, spec, env);
}

/** `timings`, when given, gets each phase's milliseconds added (the bench's breakdown; see phase-timings.ts). */
export function parseSite(
  text: string,
  file: string,
  spec: SiteSpec,
  env: NodeJS.ProcessEnv = {},
  timings?: PhaseTimings,
): SiteModel {
  const lap = stopwatch(timings);
  // Plain YAML (most site files, and every large generated one) takes the fast path, which gives the same
  // value; anything else, and every error with its position, is the yaml package's.
  let raw = parsePlainYaml(text);
  lap('yaml (fast path)');
  if (raw === NOT_PLAIN) raw = parseYaml(text, file, lap);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError(file, ['(root): expected a mapping with site, zones, devices and assets']);

  const secretsInFile = Object.entries(ENV_OVERRIDES)
    .filter(([, o]) => o.secret && getPath(raw, o.path) !== undefined)
    .map(([name, o]) => `${o.path.join('.')}: secrets are not read from the site file; set ${name} instead`);
  if (secretsInFile.length) throw new ConfigError(file, secretsInFile);

  const fromEnv = new Map<string, string>();
  for (const [name, o] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    setPath(raw, o.path, o.numeric && /^\d+$/.test(value) ? Number(value) : value);
    fromEnv.set(o.path.join('.'), name);
  }

  const result = validateSite(raw, spec, timings);
  if (!result.ok) {
    throw new ConfigError(
      file,
      result.errors.map((line) => {
        const name = fromEnv.get(line.slice(0, line.indexOf(':')));
        return name ? `${line} (from ${name})` : line;
      }),
    );
  }
  return result.site;
}

/** The site file's value by the yaml package, or a ConfigError with each YAML error's line and column. */
function parseYaml(text: string, file: string, lap: (phase: string) => void): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  lap('yaml parse');
  if (doc.errors.length) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const at = e.linePos?.[0];
        const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        return `${at ? `line ${at.line}, column ${at.col}` : 'YAML'}: ${message}`;
      }),
    );
  }
  try {
    return doc.toJS();
  } catch (err) {
    // The yaml package throws (a ReferenceError) on an alias bomb ("billion laughs") or an unresolved alias.
    throw new ConfigError(file, [`YAML: ${(err as Error).message}`]);
  } finally {
    lap('yaml toJS');
  }
}

function getPath(obj: unknown, path: string[]): unknown {
  let at = obj as Record<string, unknown> | undefined;
  for (const key of path) {
    if (!at || typeof at !== 'object') return undefined;
    at = at[key] as Record<string, unknown> | undefined;
  }
  return at;
}

function setPath(obj: object, path: string[], value: unknown) {
  let at = obj as Record<string, unknown>;
  for (const key of path.slice(0, -1)) {
    if (!at[key] || typeof at[key] !== 'object') at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[path[path.length - 1]!] = value;
}
