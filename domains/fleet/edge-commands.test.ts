import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Actor, AuditInput } from '../../core/actor.js';
import { EventBus } from '../../core/bus.js';
import { systemClock } from '../../core/clock.js';
import { CommandService } from '../../core/devices/command-service.js';
import { DriverError, type DriverFactory } from '../../core/devices/driver.js';
import { Pipeline } from '../../core/devices/pipeline.js';
import { Supervisor } from '../../core/devices/supervisor.js';
import { pointTransforms } from '../../core/devices/transform.js';
import { LatestValues } from '../../core/latest-values.js';
import { silentLogger } from '../../core/logger.js';
import type { PointValue } from '../../core/model/reading.js';
import type { SiteModel } from '../../core/model/site-model.js';
import type { SparkplugMetric } from '../../core/sparkplug/sparkplug-codec.js';
import { HUB_SITE, parseSiteText } from '../../hub/site-file.js';
import { EdgeCommands, pointAlias } from './edge-commands.js';
import { UpstreamCommandsSchema } from './fleet-schema.js';

/**
 * EdgeCommands over the real command service, supervisor and transform, with a driver that speaks no protocol
 * (it records the raw values and priorities it is asked to write, as framework.test.ts's does).
 */

const SITE = `
site: { id: s, name: S }
zones: [{ id: z, name: Z }]
devices:
  - { id: d1, protocol: rec }
assets:
  - id: ahu-1
    name: AHU 1
    kind: ahu
    zone: z
    device: d1
    points:
      - { name: supply_temp, unit: degC }
      - { name: supply_temp_setpoint, unit: degC, kind: command, min: 10, max: 30, scale: 0.1 }
      - { name: fan_cmd, type: boolean, kind: command }
  - id: gate-1
    name: Gate 1
    kind: gate
    zone: z
    device: d1
    points:
      - { name: hold_open, type: boolean, kind: command }
`;

function recordingFactory() {
  const writes: { pointId: string; raw: PointValue | null; priority: number }[] = [];
  const state = { fail: false };
  const factory: DriverFactory = {
    protocol: 'rec',
    deviceSchema: z.strictObject({ id: z.string(), protocol: z.literal('rec') }),
    pointShape: {},
    links: (site) => [{ linkId: 'rec-link', protocol: 'rec', devices: site.devicesOf('rec') }],
    pushed: () => true,
    label: (d) => `rec ${d.id}`,
    create: () => ({
      async connect() {},
      async close() {},
      async subscribe() {
        return {};
      },
      async write(point, raw, priority) {
        if (state.fail) throw new DriverError('refused', 'the device said no');
        writes.push({ pointId: point.id, raw, priority });
        return undefined;
      },
    }),
  };
  return { factory, writes, state };
}

interface Entry {
  who: Actor;
  what: AuditInput;
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function setup(commandsSettings: Record<string, unknown> = {}) {
  const rec = recordingFactory();
  const factories = new Map([['rec', rec.factory]]);
  const site: SiteModel = parseSiteText(SITE, 's.yaml', {}, { ...HUB_SITE, factories });
  const bus = new EventBus(silentLogger);
  const transforms = pointTransforms(site, factories);
  const pipeline = new Pipeline(site, bus, systemClock, silentLogger, transforms);
  const supervisor = new Supervisor({
    site,
    factories,
    bus,
    clock: systemClock,
    log: silentLogger,
    transforms,
    publish: pipeline.ingest,
    markBad: pipeline.markBad,
    credentials: { verify: () => false, onChange: () => () => undefined },
  });
  const audit: Entry[] = [];
  const trail = { record: (who: Actor, what: AuditInput) => void audit.push({ who, what }) };
  const commands = new CommandService(
    site,
    supervisor,
    transforms,
    new LatestValues(site, bus),
    trail,
    bus,
    systemClock,
    silentLogger,
  );
  const logged: { level: string; msg: string }[] = [];
  const log = {
    ...silentLogger,
    info: (_o: unknown, msg: string) => void logged.push({ level: 'info', msg }),
    warn: (_o: unknown, msg: string) => void logged.push({ level: 'warn', msg }),
    error: (_o: unknown, msg: string) => void logged.push({ level: 'error', msg }),
    debug: () => undefined,
  } as unknown as typeof silentLogger;
  const settings = UpstreamCommandsSchema.parse(commandsSettings);
  const edge = new EdgeCommands({ settings, site, commands, audit: trail, log });
  supervisor.start();
  stops.push(() => supervisor.stop());
  // the link connects on the next turns of the event loop
  for (let i = 0; i < 50 && supervisor.linkHealth()[0]?.state !== 'up'; i++)
    await new Promise((r) => setTimeout(r, 10));
  expect(supervisor.linkHealth()[0]?.state).toBe('up');
  return { site, edge, audit, logged, writes: rec.writes, rec: rec.state };
}

const dbl = (name: string, value: number): SparkplugMetric => ({ name, type: 'Double', value });

describe('EdgeCommands: DCMD writes through the command service', () => {
  it('writes a metric named as the point at the configured priority, inverts the transform, and audits upstream:<principal> with who asked', async () => {
    const t = await setup({ remoteWrites: true });
    await t.edge.handle('ahu-1', {
      metrics: [
        dbl('supply_temp_setpoint', 21.5),
        { name: 'Command/Requested by', type: 'String', value: 'alice' },
      ],
    });
    expect(t.writes).toEqual([{ pointId: 'ahu-1/supply_temp_setpoint', raw: 215, priority: 12 }]);
    expect(t.audit).toHaveLength(1);
    expect(t.audit[0]!.who).toMatchObject({ actor: 'upstream:central', via: 'upstream' });
    expect(t.audit[0]!.what).toMatchObject({
      action: 'setpoint.write',
      target: 'ahu-1/supply_temp_setpoint',
      outcome: 'ok',
      after: { value: 21.5, priority: 12 },
      detail: 'reason: requested by alice at central',
    });
    expect(t.edge.stats()).toMatchObject({ received: 1, written: 1, refused: 0, invalid: 0 });
  });

  it('resolves the DBIRTH alias (1000 + the point index), takes the principal and priority from the site file, and a null metric relinquishes', async () => {
    const t = await setup({ remoteWrites: true, priority: 10, principal: 'hq' });
    const fan = t.site.pointById.get('ahu-1/fan_cmd')!;
    await t.edge.handle('ahu-1', {
      metrics: [{ alias: pointAlias(fan), type: 'Boolean', value: true }],
    });
    await t.edge.handle('ahu-1', {
      metrics: [{ alias: pointAlias(fan), type: 'Boolean', value: null, isNull: true }],
    });
    expect(t.writes).toEqual([
      { pointId: 'ahu-1/fan_cmd', raw: true, priority: 10 },
      { pointId: 'ahu-1/fan_cmd', raw: null, priority: 10 },
    ]);
    expect(t.audit.map((e) => [e.who.actor, e.what.outcome, e.what.detail])).toEqual([
      ['upstream:hq', 'ok', 'reason: DCMD from upstream:hq'],
      ['upstream:hq', 'ok', 'reason: DCMD from upstream:hq'],
    ]);
    // an alias of another asset's point is not this asset's
    const gate = t.site.pointById.get('gate-1/hold_open')!;
    await t.edge.handle('ahu-1', { metrics: [{ alias: pointAlias(gate), type: 'Boolean', value: true }] });
    expect(t.writes).toHaveLength(2);
    expect(t.audit.at(-1)!.what).toMatchObject({
      outcome: 'failed',
      target: `ahu-1/alias ${pointAlias(gate)}`,
    });
  });

  it('refuses every write when remoteWrites is false: audited as denied, counted, logged once per burst', async () => {
    const t = await setup({});
    for (let i = 0; i < 5; i++)
      await t.edge.handle('ahu-1', {
        metrics: [dbl('supply_temp_setpoint', 20 + i), { name: 'fan_cmd', type: 'Boolean', value: true }],
      });
    expect(t.writes).toEqual([]);
    expect(t.audit).toHaveLength(10);
    expect(t.audit[0]!.who).toMatchObject({ actor: 'upstream:central', via: 'upstream' });
    expect(t.audit[0]!.what).toMatchObject({
      action: 'setpoint.write',
      target: 'ahu-1/supply_temp_setpoint',
      outcome: 'denied',
      after: { value: 20, priority: 12 },
    });
    expect(t.audit[0]!.what.detail).toMatch(/remote writes are off/);
    expect(t.edge.stats()).toMatchObject({ received: 10, refused: 10, written: 0 });
    expect(t.logged.filter((l) => l.msg.startsWith('remote write refused'))).toHaveLength(1);
  });

  it('unknown assets and points, measurements and bad values: nothing written, each audited as failed, counted', async () => {
    const t = await setup({ remoteWrites: true });
    await t.edge.handle('nope', { metrics: [dbl('x', 1)] });
    await t.edge.handle('ahu-1', {
      metrics: [
        dbl('no_such_point', 1),
        dbl('supply_temp', 5),
        dbl('supply_temp_setpoint', 99),
        { name: 'fan_cmd', type: 'String', value: 'on' },
        { alias: 99_999, type: 'Double', value: 1 },
      ],
    });
    expect(t.writes).toEqual([]);
    expect(t.audit.map((e) => [e.what.target, e.what.outcome])).toEqual([
      ['nope/x', 'failed'],
      ['ahu-1/no_such_point', 'failed'],
      ['ahu-1/supply_temp', 'failed'],
      ['ahu-1/supply_temp_setpoint', 'failed'],
      ['ahu-1/fan_cmd', 'failed'],
      ['ahu-1/alias 99999', 'failed'],
    ]);
    expect(t.audit[3]!.what.detail).toMatch(/above the point's maximum 30/);
    expect(t.audit[2]!.what.detail).toMatch(/measurement point/);
    expect(t.edge.stats()).toMatchObject({ received: 6, invalid: 6, written: 0 });
  });

  it("the site's own permission check: a gate needs gate:command, which upstream lacks unless listed", async () => {
    const t = await setup({ remoteWrites: true });
    await t.edge.handle('gate-1', { metrics: [{ name: 'hold_open', type: 'Boolean', value: true }] });
    expect(t.writes).toEqual([]);
    expect(t.audit[0]!.what).toMatchObject({
      action: 'gate.command',
      outcome: 'denied',
      detail: expect.stringMatching(/needs gate:command/),
    });
    expect(t.edge.stats()).toMatchObject({ denied: 1 });

    const t2 = await setup({ remoteWrites: true, permissions: ['setpoint:write', 'gate:command'] });
    await t2.edge.handle('gate-1', { metrics: [{ name: 'hold_open', type: 'Boolean', value: true }] });
    expect(t2.writes).toEqual([{ pointId: 'gate-1/hold_open', raw: true, priority: 12 }]);
    expect(t2.audit[0]!.what).toMatchObject({ action: 'gate.command', outcome: 'ok' });
  });

  it('a device that refuses: audited as failed by the command service, counted, handle() does not throw; writes to one point keep their order', async () => {
    const t = await setup({ remoteWrites: true });
    t.rec.fail = true;
    await expect(
      t.edge.handle('ahu-1', { metrics: [dbl('supply_temp_setpoint', 20)] }),
    ).resolves.toBeUndefined();
    expect(t.audit[0]!.what).toMatchObject({
      outcome: 'failed',
      detail: expect.stringMatching(/the device said no/),
    });
    expect(t.edge.stats()).toMatchObject({ failed: 1, written: 0 });
    t.rec.fail = false;
    await Promise.all(
      [11, 12, 13, 14].map((v) => t.edge.handle('ahu-1', { metrics: [dbl('supply_temp_setpoint', v)] })),
    );
    expect(t.writes.map((w) => w.raw)).toEqual([110, 120, 130, 140]);
  });

  it('NCMD: Rebirth is the edge node’s own; other node commands are logged and ignored', async () => {
    const t = await setup({ remoteWrites: true });
    await t.edge.handle(undefined, {
      metrics: [
        { name: 'Node Control/Rebirth', type: 'Boolean', value: true },
        { name: 'Node Control/Reboot', type: 'Boolean', value: true },
      ],
    });
    expect(t.writes).toEqual([]);
    expect(t.audit).toEqual([]);
    expect(t.edge.stats()).toMatchObject({ ncmdIgnored: 1, received: 0 });
    expect(t.logged.map((l) => l.msg)).toEqual([expect.stringMatching(/^NCMD metric not supported/)]);
  });
});
