import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModbusDevice } from '../adapters/modbus/modbus-schema.js';
import type { OpcuaDevice } from '../adapters/opcua/opcua-schema.js';
import type { SiteModel } from '../core/model/site-model.js';
import { loadSiteFile, parseSiteText } from '../hub/site-file.js';
import { type Simulation, startSimulation } from '../simulators/main.js';
import { freePort, requireBinary } from './services.js';
import { waitFor } from './wait.js';

/**
 * The Modbus simulators of the demo site, read and written with an independent client: Debian's mbpoll
 * (libmodbus), never our own adapter. A machine without mbpoll fails these tests; it does not skip them.
 */
describe('Modbus simulators of the demo site, through mbpoll', () => {
  let mbpollBin: string;
  let site: SiteModel;
  let sim: Simulation;
  /** The demo site's port → the free port the simulation listens on. */
  const ports = new Map<number, number>();

  interface Poll {
    code: number;
    out: string;
    err: string;
    /** address → value, as mbpoll prints them. */
    values: Map<number, number>;
    ms: number;
  }

  /** One mbpoll run against a device of the demo site (by id): its port and unit id. */
  const mbpoll = (deviceId: string, args: string[], write: string[] = [], timeoutS = 1): Promise<Poll> => {
    const d = site.deviceById.get(deviceId) as ModbusDevice;
    const port = ports.get(d.port)!;
    const argv = [
      '-m',
      'tcp',
      '-a',
      String(d.unitId),
      '-0',
      '-1',
      '-o',
      String(timeoutS),
      '-p',
      String(port),
    ];
    const started = performance.now();
    return new Promise((resolve) => {
      execFile(
        mbpollBin,
        [...argv, ...args, '127.0.0.1', ...write],
        { timeout: 20_000 },
        (error, out, err) => {
          const values = new Map<number, number>();
          for (const m of out.matchAll(/^\[(\d+)\]:\s+(\S+)/gm)) values.set(Number(m[1]), Number(m[2]));
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, out, err, values, ms: performance.now() - started });
        },
      );
    });
  };
  /** float32 big-endian values; table 3 = input registers, 4 = holding. */
  const floats = async (deviceId: string, table: 3 | 4, register: number, count: number) => {
    const r = await mbpoll(deviceId, [
      '-t',
      `${table}:float`,
      '-B',
      '-r',
      String(register),
      '-c',
      String(count),
    ]);
    expect(r.code, `mbpoll exit code; stderr: ${r.err}`).toBe(0);
    return r.values;
  };
  /** Raw 16-bit registers. */
  const words = async (deviceId: string, table: 3 | 4, register: number, count: number) => {
    const r = await mbpoll(deviceId, ['-t', `${table}:hex`, '-r', String(register), '-c', String(count)]);
    expect(r.code, `mbpoll exit code; stderr: ${r.err}`).toBe(0);
    return Array.from({ length: count }, (_, i) => r.values.get(register + i)!);
  };
  /** A float32 from two raw registers, high word first (mbpoll prints floats with 6 digits only). */
  const exactFloat = async (deviceId: string, table: 3 | 4, register: number) => {
    const [hi, lo] = await words(deviceId, table, register, 2);
    const b = Buffer.alloc(4);
    b.writeUInt16BE(hi!, 0);
    b.writeUInt16BE(lo!, 2);
    return b.readFloatBE(0);
  };
  const control = async (path: string) => {
    const res = await fetch(`${sim.controlUrl}${path}`, { method: 'POST' });
    expect(res.status, `POST ${path}`).toBe(200);
    return res.json();
  };
  const statusOf = async (id: string) => {
    const all = (await (await fetch(`${sim.controlUrl}/devices`)).json()) as { deviceId: string }[];
    return all.find((d) => d.deviceId === id) as Record<string, unknown>;
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    mbpollBin = requireBinary('mbpoll', 'apt-get install -y mbpoll');
    site = await loadSiteFile('config/demo-site.yaml', { HUB_LOG_LEVEL: 'silent' });
    for (const d of site.devicesOf('modbus') as ModbusDevice[])
      if (!ports.has(d.port)) ports.set(d.port, await freePort());
    // the OPC UA servers start too: on free ports, beside other test files
    const opcuaPorts = new Map<number, number>();
    for (const d of site.devicesOf('opcua') as OpcuaDevice[])
      opcuaPorts.set(Number(d.endpoint.split(':').pop()), await freePort());
    sim = await startSimulation(
      site,
      'mqtt://127.0.0.1:1', // no broker: these tests are about the Modbus devices
      { host: '127.0.0.1', port: 0 },
      {},
      { modbusPort: (p) => ports.get(p)!, opcuaPort: (p) => opcuaPorts.get(p)!, bacnetPort: () => 0 },
    );
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('serves every Modbus device of the demo site, a server per port', async () => {
    const modbus = site.devicesOf('modbus').map((d) => d.id);
    expect(modbus).toHaveLength(17); // 11 meters and drives, 6 lighting relays behind one gateway
    expect([...sim.modbus.devices.keys()].sort()).toEqual([...modbus].sort());
    expect(sim.modbus.servers.map((s) => s.units.size)).toEqual([1, 2, 2, 3, 3, 6]);
    const listed = (await (await fetch(`${sim.controlUrl}/devices`)).json()) as Record<string, unknown>[];
    expect(listed.filter((d) => d.protocol === 'mqtt')).toHaveLength(7);
    expect(listed.find((d) => d.deviceId === 'pm-b1-lighting')).toMatchObject({
      protocol: 'modbus',
      port: ports.get(5021),
      unitId: 2,
      profile: 'sdm630',
      state: 'online',
      listening: true,
    });
  });

  it('an SDM630 answers its input registers with a believable three-phase supply', async () => {
    const v = await floats('pm-b1-main', 3, 0, 36); // 0x00–0x47: per phase, totals, frequency
    for (const a of [0, 2, 4]) {
      expect(v.get(a)).toBeGreaterThanOrEqual(220);
      expect(v.get(a)).toBeLessThanOrEqual(240);
    }
    for (const a of [6, 8, 10, 12, 14, 16]) expect(v.get(a)).toBeGreaterThan(0); // currents, powers
    for (const a of [30, 32, 34, 62]) {
      expect(v.get(a)).toBeGreaterThanOrEqual(0.89); // power factors
      expect(v.get(a)).toBeLessThanOrEqual(0.99);
    }
    const total = v.get(0x34)!;
    expect(total).toBeGreaterThan(0);
    expect(v.get(12)! + v.get(14)! + v.get(16)!).toBeCloseTo(total, -2);
    // the phases are a little unbalanced, but only a little
    const currents = [v.get(6)!, v.get(8)!, v.get(10)!];
    expect(Math.max(...currents) / Math.min(...currents)).toBeLessThan(1.25);
    expect(v.get(0x46)).toBeGreaterThanOrEqual(49.5);
    expect(v.get(0x46)).toBeLessThanOrEqual(50.5);
    expect(v.get(0x2c), 'a register the map does not define reads 0').toBe(0);
    const ll = await floats('pm-b1-main', 3, 0xc8, 3);
    expect(ll.get(0xc8)).toBeGreaterThan(380);
    expect(ll.get(0xc8)).toBeLessThan(420);
    expect(await words('pm-b1-main', 3, 0x100, 4), 'unmapped input registers').toEqual([0, 0, 0, 0]);
    expect(await words('pm-b1-main', 4, 0, 4), 'the holding table is not mapped').toEqual([0, 0, 0, 0]);
    // a sub-meter behind the gateway port draws less than the incomer
    const sub = await floats('pm-b1-lighting', 3, 0x34, 1);
    expect(sub.get(0x34)).toBeGreaterThan(0);
    expect(sub.get(0x34)).toBeLessThan(total);
  });

  it("an SDM630's import energy grows with its power between two reads", async () => {
    const e1 = await exactFloat('pm-b1-main', 3, 0x48);
    const t1 = performance.now();
    const power = (await floats('pm-b1-main', 3, 0x34, 1)).get(0x34)!;
    await sleep(3_000);
    const e2 = await exactFloat('pm-b1-main', 3, 0x48);
    const hours = (performance.now() - t1) / 3_600_000;
    expect(e1).toBeGreaterThan(1_000);
    expect(e2).toBeGreaterThan(e1);
    // kWh = kW × h, give or take the load's swing and float32's resolution
    expect(e2 - e1).toBeGreaterThan((power / 1000) * hours * 0.5);
    expect(e2 - e1).toBeLessThan((power / 1000) * hours * 2 + 0.01);
    expect(
      await exactFloat('pm-b1-main', 3, 0x156),
      'total = import + export (no export)',
    ).toBeGreaterThanOrEqual(e2);
  });

  it('a DTSU666 answers its holding registers in its scaled units', async () => {
    const v = await floats('pm-b2-kitchen', 4, 0x2000, 13); // 0x2000–0x2019
    for (const a of [0x2006, 0x2008, 0x200a]) {
      expect(v.get(a)! * 0.1, 'L-N voltage × 0.1 V').toBeGreaterThanOrEqual(220);
      expect(v.get(a)! * 0.1).toBeLessThanOrEqual(240);
    }
    expect(v.get(0x2000)! * 0.1, 'L-L voltage × 0.1 V').toBeGreaterThan(380);
    expect(v.get(0x2000)! * 0.1).toBeLessThan(420);
    const current = v.get(0x200c)! * 0.001;
    const power = v.get(0x2014)! * 0.1;
    const volts = v.get(0x2006)! * 0.1;
    expect(current, 'current × 0.001 A').toBeGreaterThan(0);
    // P = U·I·cos φ with cos φ 0.9–0.98
    expect(power / (volts * current)).toBeGreaterThan(0.88);
    expect(power / (volts * current)).toBeLessThan(1);
    expect(v.get(0x2012)! * 0.1).toBeCloseTo((v.get(0x2014)! + v.get(0x2016)! + v.get(0x2018)!) * 0.1, -2);
    const pf = (await floats('pm-b2-kitchen', 4, 0x202a, 1)).get(0x202a)! * 0.001;
    expect(pf).toBeGreaterThanOrEqual(0.89);
    expect(pf).toBeLessThanOrEqual(0.99);
    const hz = (await floats('pm-b2-kitchen', 4, 0x2044, 1)).get(0x2044)! * 0.01;
    expect(hz).toBeGreaterThanOrEqual(49.5);
    expect(hz).toBeLessThanOrEqual(50.5);
    const energy = await floats('pm-b2-main', 4, 0x4000, 1);
    expect(energy.get(0x4000), 'energy in kWh').toBeGreaterThan(1_000);
  });

  it('the water and gas meters count litres in 32 bits and show a flow', async () => {
    for (const id of ['wm-b1', 'wm-b2', 'gm-b2']) {
      const r = await mbpoll(id, ['-t', '4:int', '-B', '-r', '0', '-c', '1']);
      expect(r.code, r.err).toBe(0);
      const m3 = r.values.get(0)! / 1000;
      expect(m3, `${id} volume`).toBeGreaterThan(1_000);
      const [flow] = await words(id, 4, 4, 1);
      expect(flow! * 0.01, `${id} flow m3/h`).toBeGreaterThanOrEqual(0);
      expect(flow! * 0.01).toBeLessThan(40);
    }
  });

  it('a VFD takes a setpoint written with FC6 and FC16, reads it back and ramps to it', async () => {
    const set = await mbpoll('vfd-b1-chw-pump-1', ['-t', '4', '-r', '256'], ['4000']); // FC6: 40.00 Hz
    expect(set.code, set.err).toBe(0);
    expect(await words('vfd-b1-chw-pump-1', 4, 256, 1)).toEqual([4000]);
    // FC16: setpoint 42.50 Hz and a 2.0 s acceleration time in one request
    const both = await mbpoll('vfd-b1-chw-pump-1', ['-t', '4', '-r', '256'], ['4250', '20']);
    expect(both.code, both.err).toBe(0);
    expect(both.out).toContain('Written 2 references');
    expect(await words('vfd-b1-chw-pump-1', 4, 256, 2)).toEqual([4250, 20]);
    // until the output frequency has ramped to the setpoint
    let output: number[] = [];
    await waitFor(
      async () => {
        output = await words('vfd-b1-chw-pump-1', 4, 0, 4);
        return output[1] === 4250;
      },
      5_000,
      () => `output registers ${output.join(', ')}`,
    );
    const [status, freq, amps, kw] = output;
    expect(status! & 1, 'running').toBe(1);
    expect(freq, 'output frequency follows the setpoint').toBe(4250);
    expect(amps! * 0.1).toBeGreaterThan(5);
    // the affinity law: 30 kW × (42.5/50)³ × 0.9 + losses ≈ 17 kW
    expect(kw! * 0.1).toBeGreaterThan(14);
    expect(kw! * 0.1).toBeLessThan(20);

    const tooFast = await mbpoll('vfd-b1-chw-pump-1', ['-t', '4', '-r', '256'], ['6000']);
    expect(tooFast.code, 'a setpoint over the maximum frequency is refused').not.toBe(0);
    expect(tooFast.err).toMatch(/illegal data value/i);
    const readOnly = await mbpoll('vfd-b1-chw-pump-1', ['-t', '4', '-r', '1'], ['100']);
    expect(readOnly.code).not.toBe(0);
    expect(readOnly.err).toMatch(/illegal data address/i);
    expect(await words('vfd-b1-chw-pump-1', 4, 256, 1)).toEqual([4250]);
  });

  it('the standby pump starts on its run coil (FC5) and stops again', async () => {
    const before = await words('vfd-b1-chw-pump-2', 4, 0, 2);
    expect(before[0]! & 1, 'standing by').toBe(0);
    expect(before[1]).toBe(0);
    const run = await mbpoll('vfd-b1-chw-pump-2', ['-t', '0', '-r', '0'], ['1']);
    expect(run.code, run.err).toBe(0);
    const coil = await mbpoll('vfd-b1-chw-pump-2', ['-t', '0', '-r', '0', '-c', '1']);
    expect(coil.values.get(0)).toBe(1);
    await sleep(1_000);
    const [status, freq] = await words('vfd-b1-chw-pump-2', 4, 0, 2);
    expect(status! & 1).toBe(1);
    expect(freq! * 0.01, 'ramping up at 5 Hz/s').toBeGreaterThan(2);
    expect((await mbpoll('vfd-b1-chw-pump-2', ['-t', '0', '-r', '0'], ['0'])).code).toBe(0);
  });

  it('lighting circuits: switched on their relay coils, their power shows in the B1 lighting meter (and the relay reads it back)', async () => {
    const relays = ['lr-b1-f1-1', 'lr-b1-f1-2', 'lr-b1-f2-1', 'lr-b1-f2-2', 'lr-b1-f3-1', 'lr-b1-f3-2'];
    const rated = 5 + 3 + 6 + 6 + 5 + 3; // kW, the assets' models
    const all = async (on: boolean) => {
      for (const r of relays)
        expect((await mbpoll(r, ['-t', '0', '-r', '0'], [on ? '1' : '0'])).code).toBe(0);
    };
    const meterKw = async () => (await exactFloat('pm-b1-lighting', 3, 0x34)) / 1000;
    await all(true);
    const relayKw = await exactFloat('lr-b1-f2-1', 3, 0);
    expect(relayKw, 'a 6 kW circuit at full level').toBeCloseTo(6, 1);
    const on = await meterKw();
    await all(false);
    expect((await mbpoll('lr-b1-f2-1', ['-t', '1', '-r', '0', '-c', '1'])).values.get(0), 'relay state').toBe(
      0,
    );
    const off = await meterKw();
    expect(on - off).toBeGreaterThan(rated * 0.85);
    expect(on - off).toBeLessThan(rated * 1.15);
    // dimmed to 50 %: the fittings draw 0.1 + 0.9 × 0.5 of their rated power
    await all(true);
    for (const r of relays) expect((await mbpoll(r, ['-t', '4', '-r', '0'], ['50'])).code).toBe(0);
    expect(await exactFloat('lr-b1-f2-1', 3, 0)).toBeCloseTo(6 * 0.55, 1);
    const dimmed = await meterKw();
    expect(dimmed - off).toBeGreaterThan(rated * 0.55 * 0.85);
    expect(dimmed - off).toBeLessThan(rated * 0.55 * 1.15);
    for (const r of relays) await mbpoll(r, ['-t', '4', '-r', '0'], ['100']);
  });

  it('stop: a device alone on its port stops accepting connections; start brings it back', async () => {
    await control('/devices/pm-b1-main/stop');
    const off = await mbpoll('pm-b1-main', ['-t', '3:float', '-B', '-r', '0', '-c', '1']);
    expect(off.code, 'mbpoll fails').not.toBe(0);
    expect(off.err).toMatch(/connection refused/i);
    expect(await statusOf('pm-b1-main')).toMatchObject({ state: 'offline', listening: false });
    await control('/devices/pm-b1-main/start');
    expect((await floats('pm-b1-main', 3, 0, 1)).get(0)).toBeGreaterThan(220);
    expect(await statusOf('pm-b1-main')).toMatchObject({ state: 'online', listening: true });
  });

  it('stop: a unit behind a gateway stops answering (timeout) while the others answer; the port closes with the last', async () => {
    await control('/devices/pm-b1-hvac/stop');
    const off = await mbpoll('pm-b1-hvac', ['-t', '3:float', '-B', '-r', '0', '-c', '1'], [], 0.5);
    expect(off.code).not.toBe(0);
    expect(off.err).toMatch(/timed out/i);
    expect((await floats('pm-b1-lighting', 3, 0, 1)).get(0), 'the other unit answers').toBeGreaterThan(220);
    await control('/devices/pm-b1-lighting/stop');
    const none = await mbpoll('pm-b1-lighting', ['-t', '3', '-r', '0'], [], 0.5);
    expect(none.err, 'no unit left: the port is closed').toMatch(/connection refused/i);
    await control('/devices/pm-b1-hvac/start');
    expect((await floats('pm-b1-hvac', 3, 0, 1)).get(0)).toBeGreaterThan(220);
    expect((await mbpoll('pm-b1-lighting', ['-t', '3', '-r', '0'], [], 0.5)).err).toMatch(/timed out/i);
    await control('/devices/pm-b1-lighting/start');
    expect((await floats('pm-b1-lighting', 3, 0, 1)).get(0)).toBeGreaterThan(220);
  });

  it('slow: answers come late (a short timeout misses them), and on time again with ms=0', async () => {
    await control('/devices/pm-b2-main/slow?ms=1500');
    const late = await mbpoll('pm-b2-main', ['-t', '4:float', '-B', '-r', '0x2006', '-c', '1'], [], 1);
    expect(late.code).not.toBe(0);
    expect(late.err).toMatch(/timed out/i);
    const patient = await mbpoll('pm-b2-main', ['-t', '4:float', '-B', '-r', '0x2006', '-c', '1'], [], 3);
    expect(patient.code, patient.err).toBe(0);
    expect(patient.ms).toBeGreaterThan(1_400);
    expect(patient.values.get(0x2006)! * 0.1).toBeGreaterThan(220);
    await control('/devices/pm-b2-main/slow?ms=0');
    const quick = await mbpoll('pm-b2-main', ['-t', '4:float', '-B', '-r', '0x2006', '-c', '1']);
    expect(quick.code).toBe(0);
    expect(quick.ms).toBeLessThan(1_000);
  });

  it('exception: reads covering the register get the exception code, the others answer; code=0 clears', async () => {
    expect(await control('/devices/pm-b1-main/exception?code=2&register=0x0034')).toMatchObject({
      exception: { code: 2, register: 0x34 },
    });
    const covering = await mbpoll('pm-b1-main', ['-t', '3:float', '-B', '-r', '0x30', '-c', '4']);
    expect(covering.code).not.toBe(0);
    expect(covering.err).toMatch(/illegal data address/i);
    expect((await floats('pm-b1-main', 3, 0, 3)).get(0)).toBeGreaterThan(220);
    await control('/devices/pm-b1-main/exception?code=4');
    const any = await mbpoll('pm-b1-main', ['-t', '3', '-r', '0']);
    expect(any.err, 'every read, without a register').toMatch(/slave device or server failure/i);
    await control('/devices/pm-b1-main/exception?code=0');
    expect((await floats('pm-b1-main', 3, 0x34, 1)).get(0x34)).toBeGreaterThan(0);
  });

  it('reset-counter: the energy and volume counters start again near 0', async () => {
    expect(await exactFloat('pm-b1-hvac', 3, 0x48)).toBeGreaterThan(1_000);
    await control('/devices/pm-b1-hvac/reset-counter');
    const e = await exactFloat('pm-b1-hvac', 3, 0x48);
    expect(e).toBeGreaterThanOrEqual(0);
    expect(e).toBeLessThan(0.5);
    await control('/devices/wm-b2/reset-counter');
    const r = await mbpoll('wm-b2', ['-t', '4:int', '-B', '-r', '0', '-c', '1']);
    expect(r.values.get(0), 'litres since the reset').toBeLessThan(100);
  });

  it('garbage: the next N reads return random register values, then the real ones again', async () => {
    // input registers 0x100– are not in the SDM630 map: a good meter reads zeros there
    expect(await words('pm-b1-lighting', 3, 0x100, 16)).toEqual(new Array(16).fill(0));
    expect(await control('/devices/pm-b1-lighting/garbage?count=2')).toEqual({ armed: 2, pending: 2 });
    for (let i = 0; i < 2; i++)
      expect(
        (await words('pm-b1-lighting', 3, 0x100, 16)).some((w) => w !== 0),
        `garbage read ${i + 1}`,
      ).toBe(true);
    expect(await words('pm-b1-lighting', 3, 0x100, 16)).toEqual(new Array(16).fill(0));
    expect(await statusOf('pm-b1-lighting')).toMatchObject({ garbagePending: 0 });
  });

  it('freeze: the device keeps showing the same values until unfrozen', async () => {
    await control('/devices/pm-b2-main/freeze');
    const a = await words('pm-b2-main', 4, 0x2006, 6);
    await sleep(300);
    expect(await words('pm-b2-main', 4, 0x2006, 6)).toEqual(a);
    await control('/devices/pm-b2-main/unfreeze');
    let moved: number[] = [];
    await waitFor(
      async () => {
        moved = await words('pm-b2-main', 4, 0x2006, 6);
        return moved.join() !== a.join();
      },
      5_000,
      () => 'the voltages to move again',
    );
    expect(moved, 'the voltages move again').not.toEqual(a);
  });

  it('the control API refuses Modbus faults for MQTT devices and bad queries', async () => {
    const post = (path: string) => fetch(`${sim.controlUrl}${path}`, { method: 'POST' });
    expect((await post('/devices/env-b1-f1/slow?ms=10')).status).toBe(400);
    expect((await post('/devices/nope/stop')).status).toBe(404);
    expect((await post('/devices/pm-b1-main/exception?code=2&register=0x1FFFF')).status).toBe(400);
    expect((await post('/devices/pm-b1-main/slow?ms=-1')).status).toBe(400);
  });
});

describe('a Modbus device without a profile', () => {
  let sim: Simulation;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    const site = parseSiteText(
      `
site: { id: s, name: S, timezone: Asia/Shanghai }
zones: [{ id: z, name: Z }]
devices:
  - { id: plc, protocol: modbus, host: 127.0.0.1, port: 502, unitId: 5 }
assets:
  - id: room
    name: Room
    kind: generic
    zone: z
    device: plc
    points:
      - { name: temp_c, unit: degC, register: 10, dataType: int16, scale: 0.1, min: -20, max: 60 }
      - { name: co2_ppm, unit: ppm, table: input, register: 20, dataType: uint16 }
      - { name: fan_on, type: boolean, kind: command, register: 3 }
`,
      'plc.yaml',
    );
    sim = await startSimulation(
      site,
      'mqtt://127.0.0.1:1',
      { host: '127.0.0.1', port: 0 },
      {},
      {
        modbusPort: () => port,
      },
    );
  });
  afterAll(async () => {
    await sim?.stop();
  });

  const poll = (args: string[], write: string[] = []) =>
    new Promise<{ code: number; values: Map<number, number>; err: string }>((resolve) => {
      const bin = requireBinary('mbpoll', 'apt-get install -y mbpoll');
      const argv = ['-m', 'tcp', '-a', '5', '-0', '-1', '-p', String(port), ...args, '127.0.0.1', ...write];
      execFile(bin, argv, { timeout: 20_000 }, (error, out, err) => {
        const values = new Map<number, number>();
        for (const m of out.matchAll(/^\[(\d+)\]:\s+(-?\d+)/gm)) values.set(Number(m[1]), Number(m[2]));
        resolve({ code: error ? 1 : 0, values, err });
      });
    });

  it("serves its points' own registers with the daily curves' values, in the points' raw units", async () => {
    const temp = await poll(['-t', '4', '-r', '10', '-c', '1']);
    expect(temp.code, temp.err).toBe(0);
    const tenths = temp.values.get(10)!;
    expect(tenths / 10, 'int16 in tenths of a degree').toBeGreaterThan(15);
    expect(tenths / 10).toBeLessThan(32);
    const co2 = await poll(['-t', '3', '-r', '20', '-c', '1']);
    expect(co2.values.get(20)).toBeGreaterThanOrEqual(380);
    expect(co2.values.get(20)).toBeLessThan(1200);
    expect((await poll(['-t', '4', '-r', '0', '-c', '3'])).values).toEqual(
      new Map([
        [0, 0],
        [1, 0],
        [2, 0],
      ]),
    );
  });

  it('takes a write to its command point (a coil: boolean, no table) and reads it back', async () => {
    expect((await poll(['-t', '0', '-r', '3'], ['1'])).code).toBe(0);
    expect((await poll(['-t', '0', '-r', '3', '-c', '1'])).values.get(3)).toBe(1);
    expect((await poll(['-t', '0', '-r', '3'], ['0'])).code).toBe(0);
    expect((await poll(['-t', '0', '-r', '3', '-c', '1'])).values.get(3)).toBe(0);
    for (const register of ['10', '3']) {
      const ro = await poll(['-t', '4', '-r', register], ['250']);
      expect(ro.code, `holding ${register} is not a command point`).not.toBe(0);
      expect(ro.err).toMatch(/illegal data address/i);
    }
  });
});
