import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Reading } from '../core/model/reading.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { sessionAs, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';
import { float32Registers, type RegisterServer, startRegisterServer } from './modbus-fixtures.js';
import { freePort, type Peer, serialPair, startPymodbus, startRegisterServerProcess } from './services.js';

/** A site with only Modbus devices (no MQTT, no storage). */
function modbusSite(devices: object[], assets: object[]) {
  return parseSiteText(
    stringify({
      site: { id: 'm1', name: 'Modbus site', timezone: 'Asia/Shanghai' },
      hub: { http: { host: '127.0.0.1', port: 0 }, dataDir: tempDataDir(), logLevel: 'silent' },
      mqtt: { mode: 'off' },
      storage: { mode: 'off' },
      zones: [{ id: 'plant', name: 'Plant room' }],
      devices,
      assets,
    }),
    'modbus-site.yaml',
  );
}

async function startHub(site: ReturnType<typeof modbusSite>) {
  const hub = await buildHub(testHubOptions(site, { live: false }));
  const readings: Reading[] = [];
  hub.bus.on('readings.accepted', (b) => readings.push(...b.map((r) => ({ ...r }))));
  await hub.start();
  return { hub, readings };
}

const latest = (hub: Hub, id: string) => hub.latest.get(id)!;
const device = (hub: Hub, id: string) => hub.supervisor.deviceHealth().find((d) => d.deviceId === id)!;

describe('Modbus TCP: types, word orders, coalescing, profiles', () => {
  let server: RegisterServer;
  let hub: Hub;

  beforeAll(async () => {
    const port = await freePort();
    server = await startRegisterServer(port, [1]);
    const u = server.units.get(1)!;
    u.hr.splice(0, 2, ...float32Registers(230.5)); // float32 ABCD
    u.hr.splice(2, 2, ...float32Registers(49.98, 'CDAB')); // float32 CDAB
    u.hr[4] = 0xfffe; // int16 -2
    u.hr.splice(10, 2, 0x5678, 0x1234); // uint32 0x12345678 in CDAB
    u.hr[12] = 0b1000_0000_0000_0100; // bits 2 and 15
    u.hr.splice(20, 3, 0x4348, 0x494e, 0x5400); // "CHINT"
    u.ir.splice(52, 2, ...float32Registers(12_345.5)); // total system power W (0x0034, the SDM630 profile)
    u.ir.splice(0, 2, ...float32Registers(229.9)); // L1 voltage (0x0000)
    u.co[3] = true;
    const site = modbusSite(
      [
        { id: 'meter', protocol: 'modbus', host: '127.0.0.1', port, unitId: 1, intervalMs: 200, maxGap: 10 },
        {
          id: 'sdm',
          protocol: 'modbus',
          host: '127.0.0.1',
          port,
          unitId: 1,
          intervalMs: 200,
          profile: 'sdm630',
        },
      ].slice(0, 1),
      [
        {
          id: 'm',
          name: 'Meter',
          kind: 'electricity-meter',
          zone: 'plant',
          device: 'meter',
          points: [
            { name: 'voltage_v', unit: 'V', register: 0, dataType: 'float32' },
            { name: 'frequency_hz', unit: 'Hz', register: 2, dataType: 'float32', order: 'CDAB' },
            { name: 'offset_raw', register: 4, dataType: 'int16' },
            { name: 'pulses', kind: 'counter', register: 10, dataType: 'uint32', order: 'CDAB' },
            { name: 'alarm', type: 'boolean', kind: 'state', register: 12, bit: 2 },
            { name: 'fault', type: 'boolean', kind: 'state', register: 12, bit: 15 },
            { name: 'model', type: 'string', kind: 'state', register: 20, dataType: 'string', length: 3 },
            { name: 'breaker_closed', type: 'boolean', kind: 'state', table: 'coil', register: 3 },
            {
              name: 'power_kw',
              unit: 'kW',
              table: 'input',
              register: 52,
              dataType: 'float32',
              sourceUnit: 'W',
            },
          ],
        },
      ],
    );
    ({ hub } = await startHub(site));
  });
  afterAll(async () => {
    await hub?.stop();
    await server?.close();
  });

  it('reads every type in its word order, and converts units', async () => {
    await waitFor(() => latest(hub, 'm/voltage_v').value !== null, 5_000);
    expect(latest(hub, 'm/voltage_v')).toMatchObject({ value: 230.5, quality: 'good' });
    expect(latest(hub, 'm/frequency_hz').value).toBeCloseTo(49.98, 4);
    expect(latest(hub, 'm/offset_raw').value).toBe(-2);
    expect(latest(hub, 'm/pulses').value).toBe(0x12345678);
    expect(latest(hub, 'm/alarm').value).toBe(true);
    expect(latest(hub, 'm/fault').value).toBe(true);
    expect(latest(hub, 'm/model').value).toBe('CHINT');
    expect(latest(hub, 'm/breaker_closed').value).toBe(true);
    expect(latest(hub, 'm/power_kw').value).toBeCloseTo(12.3455, 6);
    expect(device(hub, 'meter').state).toBe('online');
  });

  it('coalesces adjacent registers into few requests per poll', async () => {
    const stats = hub.supervisor.linkHealth()[0]!.stats!;
    // holding 0..22 (one request, gaps ≤ 10), input 52..53, coil 3: three requests per poll
    expect(stats.requestsPerCycle).toBe(3);
    const polls = stats.polls as number;
    const reads = server.reads.get(1)!;
    expect(reads / polls).toBeLessThanOrEqual(3.1);
  });
});

describe('Modbus faults: exceptions, dead units, reconnects, writes', () => {
  let server: RegisterServer;
  let hub: Hub;
  let readings: Reading[];
  let port: number;

  const point = (name: string, register: number, extra: object = {}) => ({
    name,
    register,
    dataType: 'float32',
    ...extra,
  });

  beforeAll(async () => {
    port = await freePort();
    server = await startRegisterServer(port, [1, 2, 3]);
    for (const u of [1, 2, 3]) {
      const img = server.units.get(u)!;
      img.hr.splice(0, 2, ...float32Registers(100 + u));
      img.hr.splice(4, 2, ...float32Registers(200 + u));
      img.hr[30] = 7;
    }
    const site = modbusSite(
      [1, 2, 3].map((u) => ({
        id: `unit-${u}`,
        protocol: 'modbus',
        host: '127.0.0.1',
        port,
        unitId: u,
        intervalMs: 300,
        timeoutMs: 150,
        retries: 0,
        breakerFailures: 2,
      })),
      [1, 2, 3].map((u) => ({
        id: `meter-${u}`,
        name: `Meter ${u}`,
        kind: 'electricity-meter',
        zone: 'plant',
        device: `unit-${u}`,
        points: [
          point('a_v', 0),
          point('b_v', 4),
          { name: 'setpoint', kind: 'command', register: 30, dataType: 'uint16', min: 0, max: 100 },
        ],
      })),
    );
    ({ hub, readings } = await startHub(site));
    await waitFor(() => [1, 2, 3].every((u) => latest(hub, `meter-${u}/a_v`).value !== null), 5_000);
  });
  afterEach(() => {
    server.silent.clear();
    server.exceptions.clear();
    server.ignoreWrites = false;
  });
  afterAll(async () => {
    await hub?.stop();
    await server?.close();
  });

  it('an exception marks only the points it covers bad, with the reason; the device stays online', async () => {
    server.exceptions.set(4, 2); // register 4 (b_v) is now an illegal address
    await waitFor(() => latest(hub, 'meter-1/b_v').quality === 'bad', 5_000);
    expect(latest(hub, 'meter-1/b_v').reason).toBe('Modbus exception 2 (illegal data address) at holding 4');
    // a_v was read in the same block; the block is split so that only b_v fails
    const before = readings.filter((r) => r.pointId === 'meter-1/a_v').length;
    await waitFor(() => readings.filter((r) => r.pointId === 'meter-1/a_v').length > before + 2, 5_000);
    expect(latest(hub, 'meter-1/a_v').quality).toBe('good');
    expect(device(hub, 'unit-1').state).toBe('online');
    server.exceptions.clear();
    await waitFor(() => latest(hub, 'meter-1/b_v').quality === 'good', 5_000);
  });

  it('a unit that stops answering opens its breaker; the others keep their pace; it comes back by itself', async () => {
    server.silent.add(2);
    await waitFor(() => device(hub, 'unit-2').state === 'offline', 5_000);
    expect(device(hub, 'unit-2').lastError?.message).toBe('unit 2 did not answer 2 polls in a row');
    expect(latest(hub, 'meter-2/a_v')).toMatchObject({
      quality: 'bad',
      reason: 'unit 2 did not answer 2 polls in a row',
    });
    // with the breaker open, unit 2 costs a probe now and then, not a timeout every cycle
    const count = () => readings.filter((r) => r.pointId === 'meter-1/a_v').length;
    const c0 = count();
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 3_000));
    const perSecond = (count() - c0) / ((Date.now() - t0) / 1000);
    expect(perSecond).toBeGreaterThan(2.5); // 300 ms interval: ~3.3 a second
    expect(hub.supervisor.linkHealth()[0]!.stats).toMatchObject({ openBreakers: 1 });
    server.silent.delete(2);
    await waitFor(() => device(hub, 'unit-2').state === 'online', 10_000);
    await waitFor(() => latest(hub, 'meter-2/a_v').quality === 'good', 5_000);
  });

  it('writes a setpoint through the command service and reads it back; a refused or ignored write is reported', async () => {
    const eng = await sessionAs(hub, ['engineer']);
    const write = (value: number) =>
      hub.http.inject({
        method: 'POST',
        url: '/api/v1/points/meter-3/setpoint/command',
        payload: { value },
        headers: eng.headers,
      });
    const ok = await write(42);
    expect(ok.statusCode).toBe(200);
    expect(server.units.get(3)!.hr[30]).toBe(42);
    server.ignoreWrites = true;
    const ignored = await write(43);
    expect(ignored.statusCode).toBe(502);
    expect(ignored.json().detail).toBe(
      'meter-3/setpoint: meter-3/setpoint: wrote 43, the device reads back 42',
    );
    server.ignoreWrites = false;
    server.exceptions.set(30, 3);
    const refused = await write(44);
    expect(refused.statusCode).toBe(502);
    expect(refused.json().detail).toMatch(/Modbus exception 3 \(illegal data value\)/);
    expect(hub.audit.query({ action: 'setpoint.write', limit: 3 }).map((e) => e.outcome)).toEqual([
      'failed',
      'failed',
      'ok',
    ]);
  });

  it('the decode preview shows raw registers in every type and word order', async () => {
    const eng = await sessionAs(hub, ['engineer']);
    const res = await hub.http.inject({
      url: '/api/v1/devices/unit-1/modbus/preview?table=holding&register=0&count=2',
      headers: eng.headers,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.hex).toBe(
      float32Registers(101)
        .map((r) => r.toString(16).padStart(4, '0'))
        .join(' '),
    );
    expect(body.decoded.float32.ABCD).toBe(101);
    expect(body.decoded.float32.CDAB).not.toBe(101);
    expect(Object.keys(body.decoded)).toEqual(
      expect.arrayContaining(['int16', 'uint16', 'int32', 'uint32', 'float32', 'string']),
    );
    const viewer = await sessionAs(hub, ['viewer']);
    expect(
      (
        await hub.http.inject({
          url: '/api/v1/devices/unit-1/modbus/preview?table=holding&register=0&count=2',
          headers: viewer.headers,
        })
      ).statusCode,
    ).toBe(403);
  });
});

describe('Modbus against an independent server (Debian pymodbus), over TCP, RTU over TCP, and a serial line', () => {
  const units = {
    1: { hr: [...float32Registers(230.25), 0, 0, 1234], ir: [...float32Registers(50.01, 'CDAB')], co: [] },
  };
  const assets = [
    {
      id: 'pm',
      name: 'pymodbus meter',
      kind: 'electricity-meter',
      zone: 'plant',
      device: 'peer',
      points: [
        { name: 'voltage_v', unit: 'V', register: 0, dataType: 'float32' },
        { name: 'count', kind: 'counter', register: 4, dataType: 'uint16' },
        { name: 'frequency_hz', unit: 'Hz', table: 'input', register: 0, dataType: 'float32', order: 'CDAB' },
      ],
    },
  ];
  const expectValues = async (hub: Hub) => {
    await waitFor(() => latest(hub, 'pm/count').value !== null, 10_000);
    expect(latest(hub, 'pm/voltage_v').value).toBe(230.25);
    expect(latest(hub, 'pm/count').value).toBe(1234);
    expect(latest(hub, 'pm/frequency_hz').value).toBeCloseTo(50.01, 4);
  };

  const tcpSite = (port: number) =>
    modbusSite(
      [{ id: 'peer', protocol: 'modbus', host: '127.0.0.1', port, intervalMs: 200, timeoutMs: 300 }],
      assets,
    );

  it('Modbus TCP', async () => {
    const port = await freePort();
    const peer: Peer = await startPymodbus('tcp', port, units);
    const { hub } = await startHub(tcpSite(port));
    try {
      await expectValues(hub);
    } finally {
      await hub.stop();
      await peer.kill();
    }
  });

  it('a server process killed and started again is reconnected without a hub restart', async () => {
    const port = await freePort();
    const peer = await startRegisterServerProcess(port, units);
    const { hub } = await startHub(tcpSite(port));
    try {
      await expectValues(hub);
      await peer.kill();
      await waitFor(() => device(hub, 'peer').state === 'offline', 10_000);
      await peer.restart();
      await waitFor(
        () => device(hub, 'peer').state === 'online',
        15_000,
        () => JSON.stringify([hub.supervisor.linkHealth()[0], device(hub, 'peer')]),
      );
      expect(hub.supervisor.linkHealth()[0]!.connects).toBeGreaterThanOrEqual(2);
    } finally {
      await hub.stop();
      await peer.kill();
    }
  });

  it('RTU frames through a TCP serial gateway', async () => {
    const port = await freePort();
    const peer = await startPymodbus('rtu-over-tcp', port, units);
    const { hub } = await startHub(
      modbusSite(
        [
          {
            id: 'peer',
            protocol: 'modbus',
            transport: 'rtu-over-tcp',
            host: '127.0.0.1',
            port,
            intervalMs: 200,
          },
        ],
        assets,
      ),
    );
    try {
      await expectValues(hub);
    } finally {
      await hub.stop();
      await peer.kill();
    }
  });

  it('RTU on a serial line (a socat pair), with the inter-frame silence', async () => {
    const pair = await serialPair();
    const peer = await startPymodbus('rtu', pair.b, units);
    const { hub } = await startHub(
      modbusSite(
        [
          {
            id: 'peer',
            protocol: 'modbus',
            transport: 'rtu',
            path: pair.a,
            baudRate: 9600,
            intervalMs: 300,
            timeoutMs: 500,
          },
        ],
        assets,
      ),
    );
    try {
      await expectValues(hub);
    } finally {
      await hub.stop();
      await peer.kill();
      await pair.stop();
    }
  });
});

describe('Modbus counters: rollover and meter replacement', () => {
  it('records a rollover and a reset as they happen, in the state database (energy intervals: test/storage-*)', async () => {
    const port = await freePort();
    const server = await startRegisterServer(port, [1]);
    const image = server.units.get(1)!.hr;
    image[40] = 65_530;
    const doc = {
      devices: [{ id: 'em', protocol: 'modbus', host: '127.0.0.1', port, intervalMs: 100 }],
      assets: [
        {
          id: 'em1',
          name: 'Meter',
          kind: 'electricity-meter',
          zone: 'plant',
          device: 'em',
          // a 16-bit register counting kWh: it wraps at 65536
          points: [
            {
              name: 'energy_kwh',
              unit: 'kWh',
              kind: 'counter',
              register: 40,
              dataType: 'uint16',
              rolloverAt: 65_536,
            },
          ],
        },
      ],
    };
    const hub = await buildHub(testHubOptions(modbusSite(doc.devices, doc.assets), { live: false }));
    const events: unknown[] = [];
    hub.bus.on('counter.jumped', (e) => events.push(e));
    await hub.start();
    try {
      const step = async (value: number) => {
        image[40] = value;
        await waitFor(() => hub.latest.get('em1/energy_kwh')?.value === value, 5_000);
      };
      await step(65_530);
      await step(65_534);
      await step(4); // wrapped: 2 to the top, then 4
      await step(9);
      await step(2); // the meter was replaced: the new one has counted 2
      expect(events).toEqual([
        expect.objectContaining({ pointId: 'em1/energy_kwh', kind: 'rollover', from: 65_534, to: 4 }),
        expect.objectContaining({ pointId: 'em1/energy_kwh', kind: 'reset', from: 9, to: 2 }),
      ]);
      const viewer = await sessionAs(hub, ['viewer']);
      const recorded = await hub.http.inject({
        url: '/api/v1/points/em1%2Fenergy_kwh/counter-events',
        headers: viewer.headers,
      });
      expect(recorded.json().map((e: { kind: string }) => e.kind)).toEqual(['rollover', 'reset']);
    } finally {
      await hub.stop();
      await server.close();
    }
  });
});
