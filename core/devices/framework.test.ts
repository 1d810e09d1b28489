import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HUB_SITE, parseSiteText } from '../../hub/site-file.js';
import { EventBus } from '../bus.js';
import { ManualClock } from '../clock.js';
import { silentLogger } from '../logger.js';
import type { PointValue, RawReading, Reading } from '../model/reading.js';
import type { SiteModel } from '../model/site-model.js';
import { CommandService } from './command-service.js';
import {
  type Driver,
  DriverError,
  type DriverFactory,
  type DriverPoint,
  type PushSink,
  type ReadOutcome,
  type SubscribeResult,
} from './driver.js';
import { Pipeline } from './pipeline.js';
import { Supervisor } from './supervisor.js';
import { pointTransforms } from './transform.js';

/**
 * The device framework with a fake driver that speaks no protocol at all: what the framework owns (the poll
 * schedule, breakers and probes, the one transform both ways, heartbeats and the silence watch) is proven
 * here once for every protocol.
 */

interface FakeDevice {
  /** Answer reads (false: every read times out). */
  answers: boolean;
  /** Raw value per point name. */
  raw: Record<string, PointValue>;
  /** Clock time of every read of this device. */
  reads: number[];
  /** How long a read takes (ms of the manual clock). */
  readMs: number;
}

function fakeFactory(opts: { changesOnly?: boolean; pushed?: (name: string) => boolean } = {}) {
  const state = {
    devices: new Map<string, FakeDevice>(),
    sink: undefined as PushSink | undefined,
    subscribed: [] as string[],
    subscribeResult: {} as SubscribeResult,
    writes: [] as { pointId: string; raw: PointValue | null; priority: number }[],
    connects: 0,
    clock: undefined as ManualClock | undefined,
    /** Reads in flight end when the link closes, as a real connection's do. */
    inFlight: new Set<(err: Error) => void>(),
  };
  const device = (id: string) => {
    const d = state.devices.get(id) ?? { answers: true, raw: {}, reads: [], readMs: 0 };
    state.devices.set(id, d);
    return d;
  };
  const factory: DriverFactory = {
    protocol: 'fake',
    deviceSchema: z.strictObject({
      id: z.string(),
      protocol: z.literal('fake'),
      intervalMs: z.number().default(1000),
      timeoutMs: z.number().default(200),
      retries: z.number().default(0),
      breakerFailures: z.number().default(2),
    }),
    pointShape: { profileScale: z.number().optional() },
    links: (site) => [{ linkId: 'fake-link', protocol: 'fake', devices: site.devicesOf('fake') }],
    pushed: (p) => opts.pushed?.(p.name) ?? false,
    changesOnly: opts.changesOnly,
    label: (d) => `fake ${d.id}`,
    sourceScaling: (site) =>
      new Map(
        site.points
          .filter((p) => (p.config as { profileScale?: number }).profileScale)
          .map((p) => [p.id, { scale: (p.config as { profileScale?: number }).profileScale, unit: 'W' }]),
      ),
    create(): Driver<{ deviceId: string; points: readonly DriverPoint[] }> {
      return {
        async connect() {
          state.connects++;
        },
        async close() {
          for (const fail of state.inFlight) fail(new DriverError('closed', 'closed'));
          state.inFlight.clear();
        },
        plan: (d, points) => ({ deviceId: d.id, points }),
        async read(plan): Promise<ReadOutcome> {
          const d = device(plan.deviceId);
          const clock = state.clock!;
          d.reads.push(clock.now());
          if (d.readMs)
            await new Promise<void>((resolve, reject) => {
              state.inFlight.add(reject);
              clock.setTimeout(() => {
                state.inFlight.delete(reject);
                resolve();
              }, d.readMs);
            });
          if (!d.answers) throw new DriverError('timeout', 'no answer');
          return {
            values: plan.points
              .filter((p) => d.raw[p.point.name] !== undefined)
              .map((p) => ({
                pointId: p.point.id,
                value: d.raw[p.point.name]!,
                quality: 'good',
                ts: clock.now(),
              })),
          };
        },
        async subscribe(points, sink) {
          state.sink = sink;
          state.subscribed = points.map((p) => p.point.id);
          return state.subscribeResult;
        },
        async write(point, raw, priority) {
          state.writes.push({ pointId: point.id, raw, priority });
          return undefined;
        },
      };
    },
  };
  return { factory, state, device };
}

const SITE = `
site: { id: s, name: S }
zones: [{ id: z, name: Z }]
devices:
  - { id: d1, protocol: fake }
  - { id: d2, protocol: fake }
assets:
  - id: a1
    name: A1
    kind: generic
    zone: z
    device: d1
    points:
      # the device gives tenths of a watt-hour... (profile ×0.1, in W) ...the point wants kW, offset by 1
      - { name: power_kw, unit: kW, profileScale: 0.1, offset: 1 }
      - { name: temp_c, unit: degC, sourceUnit: degF }
      - { name: setpoint_c, unit: degC, sourceUnit: degF, scale: 0.5, kind: command }
  - id: a2
    name: A2
    kind: generic
    zone: z
    device: d2
    points:
      - { name: flow, unit: L/s }
`;

async function settle(n = 6) {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

function setup(opts: Parameters<typeof fakeFactory>[0] = {}) {
  const fake = fakeFactory(opts);
  const factories = new Map([['fake', fake.factory]]);
  const site: SiteModel = parseSiteText(SITE, 's.yaml', {}, { ...HUB_SITE, factories });
  const clock = new ManualClock(1_000_000);
  fake.state.clock = clock;
  const bus = new EventBus(silentLogger);
  const transforms = pointTransforms(site, factories);
  const pipeline = new Pipeline(site, bus, clock, silentLogger, transforms);
  const readings: Reading[] = [];
  const bad: { pointId: string; reason: string }[] = [];
  bus.on('readings.accepted', (batch) => readings.push(...batch.map((r) => ({ ...r }))));
  bus.on(
    'point.quality-changed',
    (e) => e.quality === 'bad' && bad.push({ pointId: e.pointId, reason: e.reason }),
  );
  const supervisor = new Supervisor({
    site,
    factories,
    bus,
    clock,
    log: silentLogger,
    transforms,
    publish: pipeline.ingest,
    markBad: pipeline.markBad,
    credentials: { verify: () => false, onChange: () => () => undefined },
    random: () => 0,
  });
  /** Move the clock in steps, letting the loops run between them; flush the pipeline. */
  const run = async (ms: number, step = 50) => {
    for (let t = 0; t < ms; t += step) {
      clock.advance(step);
      await settle();
    }
    pipeline.flush();
  };
  return { ...fake, site, clock, bus, pipeline, supervisor, transforms, readings, bad, run };
}

describe('device framework: the poll schedule', () => {
  it('polls each device at its interval from a per-link phase offset, and counts an overrun instead of a burst', async () => {
    const t = setup();
    t.device('d1').raw = { power_kw: 10, temp_c: 50 };
    t.device('d2').raw = { flow: 1 };
    t.supervisor.start();
    await t.run(5_000);
    const d1 = t.device('d1').reads;
    expect(d1.length).toBeGreaterThanOrEqual(4);
    const gaps = d1.slice(1).map((at, i) => at - d1[i]!);
    expect(new Set(gaps)).toEqual(new Set([1000]));
    // the first read is offset within the interval, the same for every device of the link
    expect((d1[0]! - 1_000_000) % 1000).toBe(t.device('d2').reads[0]! - 1_000_000);
    // a read that takes 2.5 intervals skips the missed cycles
    t.device('d1').readMs = 2_500;
    await t.run(6_000);
    const stats = t.supervisor.linkHealth()[0]!.stats!;
    expect(stats.overruns).toBeGreaterThan(0);
    await t.supervisor.stop();
  });
});

describe('device framework: breakers and probes', () => {
  it('a device that stops answering opens its breaker (offline, points bad with the reason), is probed on a backoff without delaying the other, and comes back', async () => {
    const t = setup();
    t.device('d1').raw = { power_kw: 10, temp_c: 50 };
    t.device('d2').raw = { flow: 1 };
    t.supervisor.start();
    await t.run(2_100);
    t.device('d1').answers = false;
    const d2Before = t.device('d2').reads.length;
    await t.run(10_000);
    const health = (id: string) => t.supervisor.deviceHealth().find((d) => d.deviceId === id)!;
    expect(health('d1')).toMatchObject({
      state: 'offline',
      lastError: { message: 'fake d1 did not answer 2 polls in a row' },
    });
    expect(t.bad).toContainEqual({
      pointId: 'a1/power_kw',
      reason: 'fake d1 did not answer 2 polls in a row',
    });
    // probes on a backoff (1 s, 2 s, 4 s ...): fewer than one per interval
    const d1Reads = t.device('d1').reads.filter((at) => at > 1_002_100);
    expect(d1Reads.length).toBeLessThan(8);
    // the healthy device kept its pace: one read per second
    const d2Reads = t.device('d2').reads.slice(d2Before);
    expect(d2Reads.length).toBeGreaterThanOrEqual(9);
    expect(health('d2').state).toBe('online');
    t.device('d1').answers = true;
    await t.run(10_000);
    expect(health('d1').state).toBe('online');
    await t.supervisor.stop();
  });

  it('when no device on a link answers, the link itself is lost and reconnected', async () => {
    const t = setup();
    t.supervisor.start();
    await t.run(1_500);
    expect(t.state.connects).toBe(1);
    t.device('d1').answers = false;
    t.device('d2').answers = false;
    await t.run(8_000);
    expect(t.supervisor.linkHealth()[0]!.lastError?.message).toBe(
      'no device on this link answers: reconnecting',
    );
    expect(t.state.connects).toBeGreaterThan(1);
    await t.supervisor.stop();
  });
});

describe('device framework: one transform, both ways', () => {
  it('applies the device scaling, then the point scale, offset and unit to readings, and inverts all of it for writes', async () => {
    const t = setup();
    t.device('d1').raw = { power_kw: 1234, temp_c: 212 };
    t.supervisor.start();
    await t.run(1_200);
    const last = (id: string) => t.readings.filter((r) => r.pointId === id).at(-1)?.value;
    // 1234 × 0.1 W = 123.4 W = 0.1234 kW, + 1
    expect(last('a1/power_kw')).toBeCloseTo(1.1234, 9);
    expect(last('a1/temp_c')).toBeCloseTo(100, 9);
    // a command in °C goes to the device in its own raw units: (°F) / 0.5
    const commands = new CommandService(
      t.site,
      t.supervisor,
      t.transforms,
      { get: () => undefined } as never,
      { record: () => undefined },
      t.bus,
      t.clock,
      silentLogger,
    );
    const engineer = {
      actor: 'e',
      via: 'session' as const,
      permissions: new Set(['setpoint:write' as const]),
    };
    await commands.write(engineer, 'a1/setpoint_c', 20, undefined, 12);
    expect(t.state.writes).toEqual([{ pointId: 'a1/setpoint_c', raw: 136, priority: 12 }]);
    // forward of the inverse is the value asked for
    const p = t.site.pointById.get('a1/setpoint_c')!;
    expect(t.transforms.forward(p, t.transforms.inverse(p, 21.5) as number)).toBeCloseTo(21.5, 9);
    await t.supervisor.stop();
  });
});

describe('device framework: pushed values, heartbeats and the silence watch', () => {
  const pushed = (id: string, value: number): RawReading => ({ pointId: id, value, quality: 'good', ts: 0 });

  it('passes a steady pushed value on once per interval while the subscription lives; silent: uncertain, then the link is lost and its points bad', async () => {
    const t = setup({ changesOnly: true, pushed: (n) => n === 'temp_c' });
    t.state.subscribeResult = { keepAliveMs: 1_000 };
    t.supervisor.start();
    await t.run(100);
    expect(t.state.subscribed).toEqual(['a1/temp_c']);
    t.state.sink!.values('d1', [pushed('a1/temp_c', 212)]);
    // keep-alives every 500 ms for 5 s: the steady value is passed on once per interval (1 s)
    for (let i = 0; i < 10; i++) {
      await t.run(500);
      t.state.sink!.alive();
    }
    const temps = t.readings.filter((r) => r.pointId === 'a1/temp_c');
    expect(temps.length).toBeGreaterThanOrEqual(5);
    expect(temps.every((r) => r.quality === 'good' && Math.abs((r.value as number) - 100) < 1e-9)).toBe(true);
    // silence: after 2 keep-alives + grace the last value turns uncertain ...
    const quality: string[] = [];
    t.bus.on('readings.accepted', (b) =>
      b.filter((r) => r.pointId === 'a1/temp_c').forEach((r) => void quality.push(r.quality)),
    );
    await t.run(3_500);
    expect(quality).toContain('uncertain');
    // ... after 4 + 2 graces the link is lost and the points turn bad at once
    await t.run(3_000);
    expect(t.supervisor.linkHealth()[0]!.lastError?.message).toMatch(/^subscription silent for/);
    expect(
      t.bad.some((b) => b.pointId === 'a1/temp_c' && b.reason.startsWith('link lost: subscription silent')),
    ).toBe(true);
    // a late value of the dead subscription changes nothing
    const before = t.readings.length;
    const deadSink = t.state.sink!;
    await t.run(1_000); // reconnected, resubscribed: a new sink
    deadSink.values('d1', [pushed('a1/temp_c', 0)]);
    t.pipeline.flush();
    expect(t.readings.slice(before).some((r) => r.value === 0 || (r.value as number) < -17)).toBe(false);
    // nor is the last value of the old subscription passed on as a heartbeat of the new one: only a fresh value
    for (let i = 0; i < 6; i++) {
      await t.run(500);
      t.state.sink!.alive();
    }
    expect(t.readings.slice(before).filter((r) => r.pointId === 'a1/temp_c')).toEqual([]);
    t.state.sink!.values('d1', [pushed('a1/temp_c', 50)]);
    await t.run(1_500);
    expect(t.readings.slice(before).filter((r) => r.pointId === 'a1/temp_c').length).toBeGreaterThanOrEqual(
      2,
    );
    await t.supervisor.stop();
  });

  it('points a device will not subscribe are polled instead; refused ones turn bad with the reason', async () => {
    const t = setup({ changesOnly: true, pushed: (n) => n !== 'setpoint_c' });
    t.state.subscribeResult = {
      pollInstead: ['a1/temp_c'],
      refused: [{ pointIds: ['a2/flow'], reason: 'unknown object' }],
    };
    t.device('d1').raw = { temp_c: 32 };
    t.supervisor.start();
    await t.run(2_100);
    expect(t.device('d1').reads.length).toBeGreaterThanOrEqual(1);
    expect(t.readings.some((r) => r.pointId === 'a1/temp_c' && r.value === 0)).toBe(true);
    expect(t.bad).toContainEqual({ pointId: 'a2/flow', reason: 'unknown object' });
    expect(t.device('d2').reads).toEqual([]);
    await t.supervisor.stop();
  });
});
