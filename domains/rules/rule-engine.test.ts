import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../core/bus.js';
import { ManualClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { parseSiteText } from '../../hub/site-file.js';
import { AuditLog } from '../../platform/audit/audit-log.js';
import { type Db, openDatabase } from '../../platform/db/database.js';
import { AlertService } from '../alerts/alert-service.js';
import { RuleEngine } from './rule-engine.js';
import type { RuleConfig } from './rule-schema.js';

const SITE = `
site: { id: s, name: S, timezone: Asia/Shanghai }
hub: { dataDir: ${mkdtempSync(join(tmpdir(), 'engine-'))}, logLevel: silent }
mqtt: { mode: off }
storage: { mode: off }
zones: [{ id: z, name: Z }]
assets:
  - { id: ahu-1, name: AHU 1, kind: ahu, zone: z, points: [{ name: supply_temp_c, unit: degC }] }
  - { id: ahu-2, name: AHU 2, kind: ahu, zone: z, points: [{ name: supply_temp_c, unit: degC }] }
rules:
  - id: supply-hot
    name: Supply too warm
    target: { kind: ahu, point: supply_temp_c }
    condition: { type: threshold, high: 20, deadband: 1, onDelayMs: 60000, offDelayMs: 30000 }
`;

function rig(dir = mkdtempSync(join(tmpdir(), 'engine-db-')), clock = new ManualClock(1_800_000_000_000)) {
  const site = parseSiteText(SITE, 'engine.yaml');
  const bus = new EventBus(silentLogger);
  const db: Db = openDatabase(dir, silentLogger);
  const alerts = new AlertService({
    db,
    bus,
    clock,
    log: silentLogger,
    audit: new AuditLog(db, () => clock.now()),
  });
  const engine = new RuleEngine({ site, bus, clock, log: silentLogger, alerts });
  const events: string[] = [];
  bus.on('alert.raised', (e) => events.push(`raised ${e.alert.assetId}`));
  bus.on('alert.cleared', (e) => events.push(`cleared ${e.alert.assetId}`));
  engine.start();
  const read = (assetId: string, value: number) =>
    bus.emit('readings.accepted', [
      { pointId: `${assetId}/supply_temp_c`, value, quality: 'good', ts: clock.now() },
    ]);
  const stop = () => {
    engine.stop();
    db.close();
  };
  return { site, bus, alerts, engine, events, clock, read, stop, dir };
}

describe('rule engine', () => {
  it('one instance per asset of the kind; on- and off-delays run on the clock, at tick resolution', () => {
    const r = rig();
    expect(r.engine.instances).toBe(2);
    r.read('ahu-1', 25);
    r.clock.advance(59_000);
    expect(r.events).toEqual([]);
    r.clock.advance(1_250);
    expect(r.events).toEqual(['raised ahu-1']);
    r.read('ahu-1', 19.5); // inside the hysteresis band: still active
    r.clock.advance(120_000);
    expect(r.events).toEqual(['raised ahu-1']);
    r.read('ahu-1', 18);
    r.clock.advance(29_000);
    expect(r.events).toEqual(['raised ahu-1']);
    r.clock.advance(1_250);
    expect(r.events).toEqual(['raised ahu-1', 'cleared ahu-1']);
    r.stop();
  });

  it('after a restart an alert still hot is not cleared and raised again, even with delays', () => {
    const a = rig();
    a.read('ahu-1', 25);
    a.clock.advance(61_000);
    expect(a.events).toEqual(['raised ahu-1']);
    a.stop();
    const b = rig(a.dir, a.clock);
    b.read('ahu-1', 24);
    b.clock.advance(120_000);
    b.read('ahu-1', 19.5); // in the band: the seeded threshold keeps it
    b.clock.advance(120_000);
    expect(b.events).toEqual([]);
    expect(b.alerts.list({ limit: 5 })).toMatchObject([{ assetId: 'ahu-1', active: true, occurrences: 1 }]);
    b.stop();
  });

  it('setRules keeps the state of unchanged instances, seeds edited ones, and clears the alerts of removed ones', () => {
    const r = rig();
    r.read('ahu-1', 25);
    r.read('ahu-2', 25);
    r.clock.advance(61_000);
    expect(r.events.sort()).toEqual(['raised ahu-1', 'raised ahu-2']);
    const rule = r.site.config.rules[0]!;
    // the same rule, only its message edited: nothing cleared or raised again
    r.engine.setRules([{ ...rule, message: '{asset} supply air too warm' } as RuleConfig]);
    r.read('ahu-1', 24);
    r.clock.advance(61_000);
    expect(r.events).toHaveLength(2);
    // narrowed to one asset: the other's alert clears, saying why
    r.engine.setRules([{ ...rule, target: { asset: 'ahu-1', point: 'supply_temp_c' } } as RuleConfig]);
    expect(r.events.at(-1)).toBe('cleared ahu-2');
    expect(r.alerts.list({ limit: 5, assetId: 'ahu-2' })[0]!.message).toMatch(/rule removed or changed/);
    expect(r.engine.instances).toBe(1);
    r.stop();
  });
});
