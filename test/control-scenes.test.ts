import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandRequester } from '../core/devices/command-service.js';
import { buildHub, type Hub } from '../hub/app.js';
import { ROLES, type Role } from '../platform/security/roles.js';
import { startControlSimulation } from './control-fixtures.js';
import { sessionAs, type TestSession, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';

/**
 * Scenes through the real hub against the simulated BACnet controllers: who may run them (the scene's roles and
 * each point's permission), the confirmation, the level they command on the devices' own priority arrays, the
 * release falling through to the level below, and active scenes across a restart.
 */

const SCENES = `
  scenes:
    - id: after-hours
      name: 下班模式 After hours
      roles: [engineer, supervisor, admin]
      commands:
        - { targets: { groups: [{ zone: b1, kind: lighting, point: on_cmd }] }, value: false }
        - { targets: { points: [ahu-2/fan_cmd] }, value: false }
    - id: evacuation
      name: 疏散 Evacuation
      level: life-safety
      roles: [security, admin]
      commands:
        - { targets: { groups: [{ kind: gate, point: hold_open }] }, value: true }
        - { targets: { groups: [{ kind: elevator, point: floor_cmd }] }, value: 0 }
        - { targets: { points: [ahu-2/smoke_mode] }, value: true }
`;

const TESTER: CommandRequester = {
  actor: 'test',
  via: 'system',
  permissions: new Set(['setpoint:write', 'gate:command']),
};

let sim: Awaited<ReturnType<typeof startControlSimulation>>;
let hub: Hub;
const dataDir = tempDataDir();

async function startHub(): Promise<Hub> {
  const h = await buildHub(testHubOptions(sim.site({ hubHost: '127.0.0.91', dataDir }), { live: false }));
  await h.start();
  await waitFor(
    () =>
      ['ahu-ctl', 'lc-ctl', 'gate-ctl', 'lift-ctl'].every(
        (id) =>
          h.supervisor.deviceHealth().find((d) => d.deviceId === id)?.state === 'online' &&
          h.supervisor.linkHealth().find((l) => l.linkId === `bacnet:${id}`)?.state === 'up',
      ),
    15_000,
    () => 'the controllers online',
  );
  return h;
}

const post = (url: string, s: TestSession, body?: object) =>
  hub.http.inject({ method: 'POST', url, headers: s.headers, payload: body ?? {} });
/** A level of an object's priority array on the simulated device (1 highest). */
const level = (device: Parameters<typeof sim.object>[0], object: string, n: number) =>
  sim.object(device, object).priority![n - 1];

/** The present value: the highest level set, else the relinquish default. */
const present = (device: Parameters<typeof sim.object>[0], object: string) => {
  const o = sim.object(device, object);
  return o.priority?.find((v) => v !== null) ?? o.value;
};

beforeAll(async () => {
  sim = await startControlSimulation({ simHost: '127.0.0.81', control: SCENES });
  hub = await startHub();
}, 30_000);

afterAll(async () => {
  await hub?.stop();
  await sim?.stop();
});

describe('scenes', () => {
  it('lists each scene with whether the caller may run it: one of its roles (the scene carries its own authority)', async () => {
    const may: Record<string, string[]> = { 'after-hours': [], evacuation: [] };
    const roleSets: Role[][] = [...ROLES.map((r) => [r]), ['security', 'engineer']];
    for (const roles of roleSets) {
      const s = await sessionAs(hub, roles);
      const res = await hub.http.inject({ method: 'GET', url: '/api/v1/control/scenes', headers: s.headers });
      expect(res.statusCode).toBe(200);
      for (const scene of res.json() as { id: string; mayActivate: boolean }[])
        if (scene.mayActivate) may[scene.id]!.push(roles.join('+'));
    }
    // a supervisor listed on after-hours runs it without setpoint:write of their own; a security officer runs
    // the evacuation (elevator and AHU included) without it
    expect(may).toEqual({
      'after-hours': ['engineer', 'supervisor', 'admin', 'security+engineer'],
      evacuation: ['security', 'admin', 'security+engineer'],
    });
    const s = await sessionAs(hub, ['viewer']);
    const [afterHours] = (
      await hub.http.inject({ method: 'GET', url: '/api/v1/control/scenes', headers: s.headers })
    ).json();
    expect(afterHours).toMatchObject({
      id: 'after-hours',
      level: 12,
      levelName: 'automation',
      source: 'site-file',
      mayActivate: false,
      active: null,
    });
    expect(afterHours.commands[0].points).toEqual(['f2-lights/on_cmd', 'f1-lights/on_cmd']);
  });

  it('refuses without confirm (400) and a caller it does not admit (403, audited); nothing is written', async () => {
    const engineer = await sessionAs(hub, ['engineer']);
    const noConfirm = await post('/api/v1/control/scenes/after-hours/activate', engineer, { reason: 'x' });
    expect(noConfirm.statusCode, noConfirm.body).toBe(400);
    expect(noConfirm.json().detail).toMatch(/confirm: true/);
    const noReason = await post('/api/v1/control/scenes/after-hours/activate', engineer, { confirm: true });
    expect(noReason.statusCode).toBe(400);

    const notListed = await post('/api/v1/control/scenes/evacuation/activate', engineer, {
      confirm: true,
      reason: 'drill',
    });
    expect(notListed.statusCode).toBe(403);
    expect(notListed.json().detail).toMatch(/run by security, admin/);

    expect(
      hub.audit.query({ action: 'scene.activated', outcome: 'denied', limit: 10 }).map((e) => e.actor),
    ).toEqual([engineer.username]);
    for (const [dev, obj] of [
      ['lc-ctl', 'binary-output:1'],
      ['gate-ctl', 'binary-value:1'],
      ['lift-ctl', 'analog-value:1'],
    ] as const)
      expect(sim.object(dev, obj).priority!.every((v) => v === null)).toBe(true);
    for (const id of ['f2-lights/on_cmd', 'gate-north/hold_open', 'lift-1/floor_cmd'])
      expect(hub.control.state(id)!.slots).toEqual([]);
  });

  it('activates at its level as the person, audited with the reason; release falls through to the level below', async () => {
    // a schedule holds floor 1's lights on at 14
    await hub.control.command({
      pointId: 'f1-lights/on_cmd',
      level: 14,
      value: true,
      by: TESTER,
      source: 'schedule:office',
    });
    await waitFor(() => level('lc-ctl', 'binary-output:2', 14) === 1);

    const engineer = await sessionAs(hub, ['engineer']);
    const res = await post('/api/v1/control/scenes/after-hours/activate', engineer, {
      confirm: true,
      reason: 'everyone left early',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().scene.active).toMatchObject({
      by: engineer.username,
      reason: 'everyone left early',
      holding: 3,
    });
    // BACnet: the devices' own arrays at 12
    expect(level('lc-ctl', 'binary-output:1', 12)).toBe(0);
    expect(level('lc-ctl', 'binary-output:2', 12)).toBe(0);
    expect(level('ahu-ctl', 'binary-value:1', 12)).toBe(0);
    expect(present('lc-ctl', 'binary-output:2')).toBe(0);
    expect(hub.control.state('f1-lights/on_cmd')).toMatchObject({
      effective: { value: false, level: 12, source: 'scene:after-hours' },
    });
    expect(hub.control.state('f1-lights/on_cmd')!.slots.find((s) => s.level === 12)).toMatchObject({
      actor: engineer.username,
    });
    expect(hub.audit.query({ action: 'scene.activated', outcome: 'ok', limit: 1 })[0]).toMatchObject({
      actor: engineer.username,
      target: 'scene:after-hours',
      detail: 'reason: everyone left early',
    });

    // a rule takes floor 2's lights at 12 meanwhile: the scene no longer holds that one
    await hub.control.command({
      pointId: 'f2-lights/on_cmd',
      level: 12,
      value: true,
      by: TESTER,
      source: 'rule:night-cleaning',
    });
    const rel = await post('/api/v1/control/scenes/after-hours/release', engineer, { reason: 'cleaners in' });
    expect(rel.statusCode, rel.body).toBe(200);
    expect(rel.json().released.sort()).toEqual(['ahu-2/fan_cmd', 'f1-lights/on_cmd']);
    expect(level('lc-ctl', 'binary-output:2', 12)).toBeNull();
    expect(present('lc-ctl', 'binary-output:2')).toBe(1); // the schedule's 14 rules again
    expect(hub.control.state('f1-lights/on_cmd')!.effective).toMatchObject({ value: true, level: 14 });
    expect(level('lc-ctl', 'binary-output:1', 12)).toBe(1); // the rule's, left alone
    expect(hub.audit.query({ action: 'scene.released', limit: 1 })[0]).toMatchObject({
      actor: engineer.username,
      detail: 'reason: cleaners in',
    });
    const again = await post('/api/v1/control/scenes/after-hours/release', engineer);
    expect(again.statusCode).toBe(409); // not active
    await hub.control.command({
      pointId: 'f2-lights/on_cmd',
      level: 12,
      value: null,
      by: TESTER,
      source: 'rule:night-cleaning',
    });
  });

  it('evacuation at life-safety: gates held open, elevator to the ground floor, smoke mode; active across a restart', async () => {
    const admin = await sessionAs(hub, ['admin']);
    const res = await post('/api/v1/control/scenes/evacuation/activate', admin, {
      confirm: true,
      reason: 'drill',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(level('gate-ctl', 'binary-value:1', 1)).toBe(1);
    expect(level('lift-ctl', 'analog-value:1', 1)).toBe(0);
    expect(level('ahu-ctl', 'binary-value:2', 1)).toBe(1);
    expect(res.json().scene).toMatchObject({ level: 1, levelName: 'life-safety' });

    await hub.stop();
    hub = await startHub();
    const list = (
      await hub.http.inject({
        method: 'GET',
        url: '/api/v1/control/scenes',
        headers: (await sessionAs(hub, ['viewer'])).headers,
      })
    ).json() as { id: string; active: unknown }[];
    expect(list.find((s) => s.id === 'evacuation')!.active).toMatchObject({
      by: admin.username,
      reason: 'drill',
      holding: 3,
      points: 3,
    });
    expect(list.find((s) => s.id === 'after-hours')!.active).toBeNull();

    const again = await sessionAs(hub, ['admin']);
    const rel = await hub.http.inject({
      method: 'POST',
      url: '/api/v1/control/scenes/evacuation/release',
      headers: again.headers,
      payload: { reason: 'all clear' },
    });
    expect(rel.statusCode, rel.body).toBe(200);
    expect(level('gate-ctl', 'binary-value:1', 1)).toBeNull();
    expect(level('lift-ctl', 'analog-value:1', 1)).toBeNull();
    expect(level('ahu-ctl', 'binary-value:2', 1)).toBeNull();
  }, 30_000);

  it('scenes made through the API: control:manage, checked like the site file’s, runnable, read-only site-file ones', async () => {
    const engineer = await sessionAs(hub, ['engineer']);
    const bad = await hub.http.inject({
      method: 'PUT',
      url: '/api/v1/control/scenes/holiday',
      headers: engineer.headers,
      payload: {
        scene: {
          name: 'Holiday',
          roles: ['engineer'],
          commands: [{ targets: { points: ['ahu-2/oa_damper_cmd'] }, value: 150 }],
        },
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/150 is above ahu-2\/oa_damper_cmd's maximum 100/);
    const ok = await hub.http.inject({
      method: 'PUT',
      url: '/api/v1/control/scenes/holiday',
      headers: engineer.headers,
      payload: {
        scene: {
          name: 'Holiday',
          roles: ['engineer'],
          commands: [{ targets: { points: ['ahu-2/oa_damper_cmd'] }, value: 0 }],
        },
      },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ id: 'holiday', source: 'api', mayActivate: true });
    // whoever saves a scene vouches for its commands: an engineer cannot make one that opens the gates
    const gates = await hub.http.inject({
      method: 'PUT',
      url: '/api/v1/control/scenes/open-gates',
      headers: engineer.headers,
      payload: {
        scene: {
          name: 'Open gates',
          roles: ['engineer'],
          commands: [{ targets: { groups: [{ kind: 'gate', point: 'hold_open' }] }, value: true }],
        },
      },
    });
    expect(gates.statusCode).toBe(403);
    expect(gates.json().detail).toMatch(/gate-north\/hold_open needs gate:command/);
    const fileOne = await hub.http.inject({
      method: 'PUT',
      url: '/api/v1/control/scenes/after-hours',
      headers: engineer.headers,
      payload: {
        scene: {
          name: 'x',
          roles: ['engineer'],
          commands: [{ targets: { points: ['ahu-2/fan_cmd'] }, value: true }],
        },
      },
    });
    expect(fileOne.statusCode).toBe(409);
    const act = await post('/api/v1/control/scenes/holiday/activate', engineer, {
      confirm: true,
      reason: 'holiday',
    });
    expect(act.statusCode, act.body).toBe(200);
    expect(level('ahu-ctl', 'analog-output:1', 12)).toBe(0);
    await post('/api/v1/control/scenes/holiday/release', engineer);
    const del = await hub.http.inject({
      method: 'DELETE',
      url: '/api/v1/control/scenes/holiday',
      headers: engineer.headers,
    });
    expect(del.statusCode).toBe(204);
    expect(hub.audit.query({ action: 'scene.', limit: 10 }).map((e) => e.action)).toEqual(
      expect.arrayContaining(['scene.created', 'scene.deleted']),
    );
  });
});
