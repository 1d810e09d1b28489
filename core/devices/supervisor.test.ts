import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HUB_SITE, parseSiteText } from '../../hub/site-file.js';
import { EventBus } from '../bus.js';
import { ManualClock } from '../clock.js';
import { silentLogger } from '../logger.js';
import { backoffDelay } from './backoff.js';
import { type Driver, type DriverContext, DriverError, type DriverFactory, type PushSink } from './driver.js';
import { Supervisor } from './supervisor.js';
import { PointTransforms } from './transform.js';

describe('backoff', () => {
  it('doubles from the initial delay up to the cap', () => {
    const opts = { initialMs: 100, maxMs: 5_000, jitter: 0 };
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((a) => backoffDelay(a, opts))).toEqual([
      100, 200, 400, 800, 1600, 3200, 5000, 5000,
    ]);
  });
  it('jitter takes a random share off the step, never adds', () => {
    const opts = { initialMs: 1000, maxMs: 60_000, jitter: 0.5 };
    expect(backoffDelay(2, opts, () => 0)).toBe(4000);
    expect(backoffDelay(2, opts, () => 1)).toBe(2000);
    expect(backoffDelay(2, opts, () => 0.5)).toBe(3000);
  });
});

/** A scripted driver: connect() fails while `up` is false; the test drops the link at will. */
function scriptedFactory(opts: { send?: boolean } = {}) {
  const state = {
    up: false,
    connects: 0,
    closes: 0,
    ctx: undefined as DriverContext | undefined,
    sink: undefined as PushSink | undefined,
    sent: [] as unknown[][],
  };
  const factory: DriverFactory = {
    protocol: 'fake',
    deviceSchema: z.strictObject({
      id: z.string(),
      protocol: z.literal('fake'),
      offlineAfterMs: z.number().optional(),
    }),
    pointShape: {},
    links: (site) => [{ linkId: 'fake-link', protocol: 'fake', devices: site.devicesOf('fake') }],
    pushed: () => true,
    create(_link, _site, ctx): Driver {
      state.ctx = ctx;
      return {
        async connect() {
          state.connects++;
          if (!state.up) throw new DriverError('refused', 'connection refused');
        },
        async subscribe(_points, sink) {
          state.sink = sink;
          return {};
        },
        async write() {
          return undefined;
        },
        async close() {
          state.closes++;
        },
        ...(opts.send
          ? {
              async send(...args: unknown[]) {
                state.sent.push(args);
              },
            }
          : {}),
      };
    },
  };
  return { factory, state };
}

const site = parseSiteText(
  `
site: { id: s, name: S }
zones: [{ id: z, name: Z }]
devices: [{ id: dev-1, protocol: fake, offlineAfterMs: 5000 }]
assets:
  - { id: a, name: A, kind: generic, zone: z, device: dev-1, points: [{ name: value }] }
`,
  's.yaml',
  {},
  { ...HUB_SITE, factories: new Map([['fake', scriptedFactory().factory]]) },
);

async function settle() {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

describe('supervisor', () => {
  function setup(opts: { send?: boolean } = {}) {
    const { factory, state } = scriptedFactory(opts);
    const clock = new ManualClock(0);
    const bus = new EventBus(silentLogger);
    const links: string[] = [];
    const devices: string[] = [];
    bus.on('link.changed', (e) => links.push(e.state));
    bus.on('device.link-changed', (e) => devices.push(`${e.deviceId}:${e.state}`));
    const supervisor = new Supervisor({
      site,
      factories: new Map([['fake', factory]]),
      bus,
      clock,
      log: silentLogger,
      transforms: new PointTransforms(site),
      publish: () => undefined,
      markBad: () => undefined,
      backoff: { initialMs: 1000, maxMs: 8000, jitter: 0 },
      // the scripted driver never authenticates anyone
      credentials: { verify: () => false, onChange: () => () => undefined },
    });
    return { supervisor, state, clock, links, devices, bus };
  }

  it('retries a refused connect with exponential backoff, then comes up', async () => {
    const { supervisor, state, clock, links } = setup();
    supervisor.start();
    await settle();
    expect(state.connects).toBe(1);
    expect(supervisor.linkHealth()[0]).toMatchObject({ state: 'backoff', attempts: 1, nextAttemptAt: 1000 });
    expect(supervisor.linkHealth()[0]!.lastError).toMatchObject({
      code: 'refused',
      message: 'connection refused',
    });
    const attemptsAt: number[] = [];
    for (let t = 0; t < 16_000; t += 100) {
      const before = state.connects;
      clock.advance(100);
      await settle();
      if (state.connects > before) attemptsAt.push(clock.now());
    }
    // waits of 1 s, 2 s, 4 s, 8 s (capped) after each failure
    expect(attemptsAt).toEqual([1000, 3000, 7000, 15000]);
    state.up = true;
    clock.advance(8_000);
    await settle();
    expect(supervisor.linkHealth()[0]).toMatchObject({ state: 'up', attempts: 0, connects: 1 });
    expect(links.at(-1)).toBe('up');
    await supervisor.stop();
  });

  it('a link lost after connect is reconnected, devices go offline, and back online when heard from', async () => {
    const { supervisor, state, clock, devices } = setup();
    state.up = true;
    supervisor.start();
    await settle();
    state.sink!.values(
      'dev-1',
      [1, 2, 3].map((value) => ({ pointId: 'a/value', value, quality: 'good', ts: 0 })),
    );
    expect(supervisor.deviceHealth()[0]).toMatchObject({ state: 'online', readings: 3 });
    state.up = false;
    state.ctx!.linkLost(new DriverError('closed', 'socket closed'));
    expect(supervisor.linkHealth()[0]).toMatchObject({ state: 'backoff', disconnects: 1 });
    expect(supervisor.deviceHealth()[0]).toMatchObject({ state: 'offline' });
    state.ctx!.linkLost(new DriverError('closed', 'again')); // a second report while down is ignored
    expect(supervisor.linkHealth()[0]!.errors).toBe(1);
    state.up = true;
    clock.advance(1000);
    await settle();
    expect(state.closes).toBe(1);
    expect(supervisor.linkHealth()[0]).toMatchObject({ state: 'up', connects: 2 });
    state.ctx!.devices.seen('dev-1');
    expect(devices).toEqual(['dev-1:online', 'dev-1:offline', 'dev-1:online']);
    await supervisor.stop();
  });

  it('a device that falls silent goes offline after its offlineAfterMs', async () => {
    const { supervisor, state, clock } = setup();
    state.up = true;
    supervisor.start();
    await settle();
    state.ctx!.devices.seen('dev-1');
    clock.advance(5_000);
    expect(supervisor.deviceHealth()[0]!.state).toBe('online');
    clock.advance(1_000);
    expect(supervisor.deviceHealth()[0]).toMatchObject({
      state: 'offline',
      lastError: { message: 'silent for 6 s' },
    });
    await supervisor.stop();
  });

  it('counts malformed messages per device and topic', async () => {
    const { supervisor, state } = setup();
    state.up = true;
    supervisor.start();
    await settle();
    for (let i = 0; i < 3; i++) state.ctx!.devices.malformed('dev-1', 't/a', 'not JSON', '{');
    state.ctx!.devices.malformed('dev-1', 't/b', 'not JSON', '[');
    expect(supervisor.deviceHealth()[0]).toMatchObject({
      malformed: 4,
      malformedByTopic: { 't/a': 3, 't/b': 1 },
      lastMalformed: { topic: 't/b', reason: 'not JSON', sample: '[' },
    });
    await supervisor.stop();
  });

  it('writes go to the driver only through a link that is up', async () => {
    const { supervisor, state } = setup();
    supervisor.start();
    await settle();
    const point = site.pointById.get('a/value')!;
    await expect(supervisor.write(point, 1, 8)).rejects.toMatchObject({ code: 'closed' });
    await expect(
      supervisor.write({ ...point, id: 'a/none', deviceId: undefined }, 1, 8),
    ).rejects.toMatchObject({
      code: 'bad-config',
    });
    expect(state.connects).toBe(1);
    await supervisor.stop();
  });

  it('device messages go to the bus; send reaches the driver of the asset’s link only while it is up', async () => {
    const { supervisor, state, bus } = setup({ send: true });
    const heard: unknown[] = [];
    bus.on('device.message', (m) => heard.push(m));
    supervisor.start();
    await settle();
    await expect(supervisor.send('a', 'decision', '{}')).rejects.toMatchObject({ code: 'closed' });
    state.up = true;
    await supervisor.stop();
    supervisor.start();
    await settle();
    const m = { deviceId: 'dev-1', assetId: 'a', channel: 'scan', payload: Buffer.from('{}'), ts: 1 };
    state.ctx!.message(m);
    expect(heard).toEqual([m]);
    await supervisor.send('a', 'allowlist', '{"v":1}', { retain: true });
    expect(state.sent).toEqual([['a', 'allowlist', '{"v":1}', { retain: true }]]);
    await expect(supervisor.send('nope', 'decision', '{}')).rejects.toMatchObject({ code: 'bad-config' });
    await supervisor.stop();
  });

  it('send to an asset whose driver cannot send is refused', async () => {
    const { supervisor, state } = setup();
    state.up = true;
    supervisor.start();
    await settle();
    await expect(supervisor.send('a', 'decision', '{}')).rejects.toThrow(/cannot send messages/);
    await supervisor.stop();
  });
});
