import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, sessionAs, startTestHub, type TestHub, type TestSession } from './hub-harness.js';
import { freePort } from './services.js';
import { testSite } from './site-fixtures.js';

describe('HTTP API (app.inject)', () => {
  let t: TestHub;
  let viewer: TestSession;
  const ts = Date.now() - 5_000;

  beforeAll(async () => {
    const port = await freePort();
    t = await startTestHub(testSite({ mqttPort: port }), { live: false });
    viewer = await sessionAs(t.hub, ['viewer']);
    const c = await connectDevice(t.hub, port, 'env-1');
    await c.publishAsync('site/t1/room-1/telemetry', JSON.stringify({ ts, temp_c: 71, humidity_pct: 45 }));
    await t.waitForReadings(2);
    await c.endAsync();
  });
  afterAll(() => t?.stop());

  const get = (url: string) => t.hub.http.inject({ method: 'GET', url, headers: viewer.headers });

  it('/healthz and /readyz', async () => {
    expect((await get('/healthz')).json()).toMatchObject({ status: 'ok' });
    const ready = await get('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ready',
      site: 't1',
      links: [{ linkId: 'mqtt', state: 'up' }],
    });
  });

  it('/metrics speaks Prometheus and counts readings', async () => {
    const res = await get('/metrics');
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/^hub_readings_total\{outcome="accepted"\} 2$/m);
    expect(res.body).toMatch(/^hub_readings_total\{outcome="out_of_range"\} 1$/m);
    expect(res.body).toMatch(/^hub_link_up\{link="mqtt",protocol="mqtt"\} 1$/m);
    expect(res.body).toMatch(/^hub_device_online\{device="env-1"\} 0$/m); // its client has disconnected
    expect(res.body).toMatch(/^hub_device_readings_total\{device="env-1"\} 2$/m);
    expect(res.body).toMatch(/^hub_process_resident_memory_bytes \d+/m);
  });

  it('/api/v1/site returns the zone tree with asset ids', async () => {
    const body = (await get('/api/v1/site')).json();
    expect(body.site).toMatchObject({ id: 't1', name: 'Test site' });
    expect(body.mode).toBe('site');
    expect(body.zones).toHaveLength(1);
    expect(body.zones[0]).toMatchObject({
      id: 'b1',
      assets: ['gate-a', 'ahu-1'],
      children: [{ id: 'b1-f1', assets: ['room-1', 'room-2'] }],
    });
    expect(body.counts).toEqual({ zones: 2, assets: 4, points: 8, devices: 3 });
  });

  it('/api/v1/assets filters by zone (with sub-zones) and kind, with values on request', async () => {
    expect((await get('/api/v1/assets?zone=b1')).json().map((a: { id: string }) => a.id)).toEqual([
      'room-1',
      'room-2',
      'gate-a',
      'ahu-1',
    ]);
    expect((await get('/api/v1/assets?kind=gate')).json().map((a: { id: string }) => a.id)).toEqual([
      'gate-a',
    ]);
    const withValues = (await get('/api/v1/assets?zone=b1-f1&values=true')).json();
    expect(withValues[0].points[0]).toMatchObject({
      id: 'room-1/temp_c',
      latest: { value: 71, quality: 'bad', reason: 'out of range (-20 to 60)' },
    });
  });

  it('/api/v1/assets/:id and the latest value of a point, both ways of addressing it', async () => {
    const asset = (await get('/api/v1/assets/room-1')).json();
    expect(asset).toMatchObject({ id: 'room-1', kind: 'env-sensor', deviceId: 'env-1' });
    expect(asset.points.map((p: { name: string }) => p.name)).toEqual(['temp_c', 'humidity_pct', 'co2_ppm']);
    const latest = { pointId: 'room-1/humidity_pct', value: 45, quality: 'good', ts, unit: '%' };
    expect((await get('/api/v1/points/room-1%2Fhumidity_pct/latest')).json()).toEqual(latest);
    expect((await get('/api/v1/points/room-1/humidity_pct/latest')).json()).toEqual(latest);
    expect((await get('/api/v1/points/room-1/co2_ppm/latest')).json()).toMatchObject({
      value: null,
      quality: 'bad',
      reason: 'no data yet',
    });
  });

  it('errors are problem+json with the failing paths', async () => {
    const missing = await get('/api/v1/assets/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.json()).toMatchObject({ status: 404, title: 'Not Found', detail: 'no asset "nope"' });

    const bad = await get('/api/v1/assets?values=maybe&colour=red');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ status: 400, title: 'Bad Request' });
    const paths = bad.json().errors.map((e: { path: string }) => e.path);
    expect(paths).toContain('querystring.values');

    const noRoute = await get('/api/v1/nothing-here');
    expect(noRoute.statusCode).toBe(404);
    expect(noRoute.json()).toMatchObject({ status: 404, detail: 'no route GET /api/v1/nothing-here' });

    expect((await get('/api/v1/assets?zone=mars')).json()).toMatchObject({
      status: 404,
      detail: 'no zone "mars"',
    });
  });

  it('/api/v1/devices shows links, devices and pipeline counters', async () => {
    const body = (await get('/api/v1/devices')).json();
    expect(body.links[0]).toMatchObject({
      linkId: 'mqtt',
      protocol: 'mqtt',
      state: 'up',
      stats: { mode: 'embedded' },
    });
    expect(body.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual(['env-1', 'env-2', 'gate-ctl']);
    expect(body.devices[0]).toMatchObject({ readings: 2, malformed: 0 });
    expect(body.devices[1]).toMatchObject({ state: 'unknown', readings: 0 });
    expect(body.pipeline).toMatchObject({ accepted: 2, outOfRange: 1 });
  });

  it('serves OpenAPI at /api/docs', async () => {
    const spec = (await get('/api/docs/json')).json();
    expect(spec.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/v1/site',
      '/api/v1/assets',
      '/api/v1/assets/{id}',
      '/api/v1/points/{id}/latest',
      '/api/v1/devices',
      '/healthz',
    ])
      expect(Object.keys(spec.paths)).toContain(path);
    expect((await get('/api/docs')).statusCode).toBeLessThan(400);
  });

  it('serves the dashboard at /', async () => {
    const res = await get('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});
