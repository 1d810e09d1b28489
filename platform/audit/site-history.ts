import { createHash } from 'node:crypto';
import type { SiteConfig } from '../../core/config/site-schema.js';
import type { Db } from '../db/database.js';
import type { AuditLog } from './audit-log.js';

const MAX_CHANGES = 200;

/**
 * The site file is the hub's configuration. At each start the validated file is compared with the one the
 * last start loaded; a difference is stored and audited as `config.changed` with the changed paths, so
 * "who raised that limit, and when" has an answer even though the change was made in a text editor.
 */
export function recordSiteVersion(
  db: Db,
  audit: AuditLog,
  config: SiteConfig,
  now: number,
): string[] | undefined {
  const json = JSON.stringify(withoutSecrets(config));
  const hash = createHash('sha256').update(json).digest('hex');
  const last = db.prepare('SELECT hash, config FROM site_versions ORDER BY id DESC LIMIT 1').get() as
    | { hash: string; config: string }
    | undefined;
  if (last?.hash === hash) return undefined;
  db.prepare('INSERT INTO site_versions (hash, loaded_at, config) VALUES (?, ?, ?)').run(hash, now, json);
  const changes = last ? diffPaths(JSON.parse(last.config), JSON.parse(json)) : [];
  audit.record(
    { actor: 'site-file', via: 'system' },
    {
      action: last ? 'config.changed' : 'config.loaded',
      target: config.site.id,
      before: last ? { hash: last.hash } : undefined,
      after: {
        hash,
        changes: changes.slice(0, MAX_CHANGES),
        more: Math.max(0, changes.length - MAX_CHANGES),
      },
    },
  );
  return changes;
}

function withoutSecrets(config: SiteConfig): SiteConfig {
  const { password: _, ...mqtt } = config.mqtt;
  const { password: __, ...influxdb } = config.storage.influxdb;
  return { ...config, mqtt, storage: { ...config.storage, influxdb } };
}

/**
 * Paths that differ between two JSON documents: `assets[b1-chiller].points[supply_temp_c].max: 12 → 14`.
 * Lists of objects with an id (or a name) are matched by it, so inserting an asset is one change, not a
 * shift of every later one.
 */
export function diffPaths(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (Array.isArray(a) && Array.isArray(b) && keyed(a) && keyed(b)) {
    const ka = new Map(a.map((x) => [keyOf(x), x]));
    const kb = new Map(b.map((x) => [keyOf(x), x]));
    const out: string[] = [];
    for (const [k, x] of ka)
      out.push(...(kb.has(k) ? diffPaths(x, kb.get(k), `${path}[${k}]`) : [`${path}[${k}]: removed`]));
    for (const k of kb.keys()) if (!ka.has(k)) out.push(`${path}[${k}]: added`);
    return out;
  }
  if (isObject(a) && isObject(b)) {
    const out: string[] = [];
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
      out.push(...diffPaths(a[k], b[k], path ? `${path}.${k}` : k));
    return out;
  }
  return [`${path || '(root)'}: ${short(a)} → ${short(b)}`];
}

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function keyOf(x: unknown): string {
  const o = x as Record<string, unknown>;
  return String(o.id ?? o.name);
}

function keyed(xs: unknown[]): boolean {
  return xs.every((x) => isObject(x) && (typeof x.id === 'string' || typeof x.name === 'string'));
}

function short(x: unknown): string {
  if (x === undefined) return '(none)';
  const s = JSON.stringify(x);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
