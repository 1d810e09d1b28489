import { InfluxDB } from 'influx';
import type { StorageSettings } from '../../core/config/site-schema.js';

export const RAW_RP = 'raw';
export const MINUTE_RP = '1m';
export const QUARTER_RP = '15m';

/** The InfluxQL client (queries, schema) for the configured database. Writes go through InfluxHttp. */
export function influxClient(s: StorageSettings['influxdb']): InfluxDB {
  const url = new URL(s.url);
  return new InfluxDB({
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    database: s.database,
    username: s.username,
    password: s.password,
    options: { timeout: 30_000 },
  });
}

/** The rollups: what the continuous queries compute and the backfill repeats for data that arrived late. */
export function rollupSelect(db: string, rp: string): string {
  const q = `"${db}"`;
  return rp === MINUTE_RP
    ? `SELECT mean(*), min(*), max(*), last(*), sum(*), count(*) INTO ${q}."${MINUTE_RP}".:MEASUREMENT FROM ${q}."${RAW_RP}"./.*/`
    : `SELECT last(*) INTO ${q}."${QUARTER_RP}".:MEASUREMENT FROM ${q}."${RAW_RP}"./.*/`;
}

const GROUP = { [MINUTE_RP]: '1m', [QUARTER_RP]: '15m' } as const;

/**
 * Create (or bring up to date) the database, the three retention policies and the two continuous queries.
 * Idempotent: it runs at every start and whenever InfluxDB comes back without the database.
 */
export async function setUpInflux(influx: InfluxDB, s: StorageSettings): Promise<void> {
  const db = s.influxdb.database;
  await influx.createDatabase(db);
  const wanted = [
    { name: RAW_RP, days: s.retention.rawDays, isDefault: true },
    { name: MINUTE_RP, days: s.retention.minuteDays, isDefault: false },
    { name: QUARTER_RP, days: s.retention.quarterHourDays, isDefault: false },
  ];
  const existing = await influx.showRetentionPolicies(db);
  for (const rp of wanted) {
    const options = { database: db, duration: `${rp.days}d`, replication: 1, isDefault: rp.isDefault };
    const found = existing.find((e) => e.name === rp.name);
    if (!found) await influx.createRetentionPolicy(rp.name, options);
    else if (found.duration !== `${rp.days * 24}h0m0s` || found.default !== rp.isDefault)
      await influx.alterRetentionPolicy(rp.name, options);
  }
  // Recompute the last 10 minutes (1m) or 30 (15m) every time, so slightly late data is still rolled up;
  // older late data is backfilled by the storage service.
  const cqs = await influx.showContinousQueries(db);
  for (const [rp, resample] of [
    [MINUTE_RP, 'EVERY 1m FOR 10m'],
    [QUARTER_RP, 'EVERY 15m FOR 30m'],
  ] as const) {
    const name = `hub_rollup_${rp}`;
    const body = `${rollupSelect(db, rp)} GROUP BY time(${GROUP[rp]}), *`;
    const current = cqs.find((c) => c.name === name);
    if (current?.query.includes(`RESAMPLE ${resample}`)) continue;
    if (current) await influx.dropContinuousQuery(name, db);
    await influx.createContinuousQuery(name, body, db, `RESAMPLE ${resample}`);
  }
}

/** Roll up [from, to) again: for data that arrived after its continuous query ran. */
export async function backfillRollups(influx: InfluxDB, db: string, from: number, to: number): Promise<void> {
  for (const rp of [MINUTE_RP, QUARTER_RP] as const) {
    const size = rp === MINUTE_RP ? 60_000 : 15 * 60_000;
    const a = Math.floor(from / size) * size;
    const b = Math.ceil((to + 1) / size) * size;
    await influx.query(
      `${rollupSelect(db, rp)} WHERE time >= ${a}ms AND time < ${b}ms GROUP BY time(${GROUP[rp]}), *`,
      {
        database: db,
      },
    );
  }
}
