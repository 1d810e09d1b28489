import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../core/actor.js';
import { ManualClock } from '../core/clock.js';
import type { AlertView } from '../domains/alerts/alert-types.js';
import { buildHub, type Hub } from '../hub/app.js';
import { loadSiteFile, parseSiteText } from '../hub/site-file.js';
import { hookServer } from './hook-server.js';
import { sessionAs, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';
import { type OpcuaSimProcess, opcuaSiteFile, startOpcuaSimProcess } from './opcua-fixtures.js';
import { freePort } from './services.js';
import { testSite, testSiteYaml } from './site-fixtures.js';

describe('rules over a real protocol: faults injected in the OPC UA simulator', () => {
  const SECRET = 'hook-secret-0123456789';
  let sim: OpcuaSimProcess;
  let hub: Hub;
  let hook: Awaited<ReturnType<typeof hookServer<{ event: string; alert: AlertView }>>>;
  const raised: AlertView[] = [];
  const alertOf = (ruleId: string) => hub.alerts.list({ limit: 100 }).find((a) => a.ruleId === ruleId);

  beforeAll(async () => {
    process.env.HUB_TEST_HOOK_SECRET = SECRET;
    hook = await hookServer<{ event: string; alert: AlertView }>();
    const { file } = opcuaSiteFile(await freePort(), {}, undefined, (site) => {
      site.storage = { mode: 'embedded' }; // the tickets' trend snapshots read history
      site.rules = [
        {
          id: 'chiller-fault',
          name: 'Chiller fault',
          severity: 'high',
          target: { point: 'chiller-1/fault_code' },
          condition: {
            type: 'state',
            codes: { '101': { message: 'Compressor overload', severity: 'critical' } },
          },
          actions: ['hook', 'ahu-unoccupied'],
        },
        {
          id: 'bms-offline',
          name: 'BMS offline',
          severity: 'high',
          target: { asset: 'chiller-1' },
          condition: { type: 'offline' },
        },
        {
          id: 'supply-high',
          name: 'CHW supply too warm',
          target: { kind: 'chiller', point: 'chw_supply_temp_c' },
          condition: { type: 'threshold', high: 25, deadband: 1, onDelayMs: 2000 },
        },
      ];
      site.actions = [
        { id: 'hook', type: 'webhook', url: hook.url, secretEnv: 'HUB_TEST_HOOK_SECRET', retries: 2 },
        {
          id: 'ahu-unoccupied',
          type: 'command',
          point: 'ahu-1/supply_air_setpoint_c',
          onRaised: 26,
          onCleared: 16,
          manualHoldMs: 600_000,
        },
      ];
    });
    sim = await startOpcuaSimProcess(file);
    const site = await loadSiteFile(file);
    hub = await buildHub(testHubOptions(site, { live: false }));
    hub.bus.on('alert.raised', (e) => raised.push(e.alert));
    await hub.start();
    await waitFor(() => hub.latest.get('chiller-1/fault_code')?.quality === 'good', 15_000);
  }, 60_000);
  afterAll(async () => {
    await hub?.stop();
    await sim?.kill();
    hook?.server.close();
    delete process.env.HUB_TEST_HOOK_SECRET;
  });

  it('a fault code from the chiller raises an alert with its message, signs a webhook and runs the automation', async () => {
    expect(hub.rules.instances).toBe(3);
    expect(alertOf('chiller-fault')).toBeUndefined();
    const t0 = Date.now();
    await sim.control('/assets/chiller-1/fault?code=101');
    await waitFor(() => raised.some((a) => a.ruleId === 'chiller-fault'), 5_000);
    const alert = alertOf('chiller-fault')!;
    expect(alert).toMatchObject({
      state: 'unacked',
      active: true,
      severity: 'critical', // the code's own severity
      assetId: 'chiller-1',
      pointId: 'chiller-1/fault_code',
    });
    expect(alert.message).toMatch(/101: Compressor overload/);
    expect(Date.now() - t0).toBeLessThan(5_000);
    // the webhook, signed with the secret over the exact body
    await waitFor(() => hook.hooks.some((h) => h.body.event === 'raised'));
    const h = hook.hooks.find((x) => x.body.event === 'raised')!;
    expect(h.signature).toBe(`sha256=${createHmac('sha256', SECRET).update(h.raw).digest('hex')}`);
    expect(h.body.alert).toMatchObject({ id: alert.id, ruleId: 'chiller-fault' });
    // the automation: the AHU to its unoccupied setpoint, through the command service (audited as rules)
    await waitFor(() => hub.latest.get('ahu-1/supply_air_setpoint_c')?.value === 26, 5_000);
    expect(hub.audit.query({ action: 'setpoint.write', actor: 'rules', limit: 5 })[0]).toMatchObject({
      target: 'ahu-1/supply_air_setpoint_c',
      outcome: 'ok',
    });

    // cleared at the source: returned to normal unacknowledged, the clear action runs
    await sim.control('/assets/chiller-1/fault?code=0');
    await waitFor(() => alertOf('chiller-fault')?.state === 'rtn-unacked', 5_000);
    await waitFor(() => hub.latest.get('ahu-1/supply_air_setpoint_c')?.value === 16, 5_000);
    await waitFor(() => hook.hooks.some((x) => x.body.event === 'cleared'));
    // acknowledged through the API: back to normal, with who and when
    const engineer = await sessionAs(hub, ['engineer']);
    const ack = await hub.http.inject({
      method: 'POST',
      url: `/api/v1/alerts/${alert.id}/ack`,
      headers: engineer.headers,
      payload: { comment: 'compressor reset on site' },
    });
    expect(ack.statusCode, ack.body).toBe(200);
    expect(ack.json()).toMatchObject({ state: 'normal' });
  });

  it('the fault opened one maintenance ticket with its evidence: the alert and the fault code trend; the clear is noted', async () => {
    // (the fault was injected and cleared by the test before)
    const alert = alertOf('chiller-fault')!;
    const tickets = hub.maintenance.tickets.list({ assetId: 'chiller-1', limit: 10 });
    expect(tickets).toHaveLength(1);
    const t = tickets[0]!;
    expect(t).toMatchObject({
      source: 'alert',
      kind: 'fault',
      ruleId: 'chiller-fault',
      alertId: alert.id,
      state: 'approved', // auto-raised tickets skip the department's approval by default
      priority: 1, // the code's critical severity
      title: 'Chiller 1: Chiller fault',
      occurrences: 1,
    });
    expect(t.description).toMatch(/101: Compressor overload/);
    expect(t.respondDueAt).toBeGreaterThan(t.createdAt);
    // the trend around the event, from the History API, a few seconds after the ticket
    await waitFor(() => hub.maintenance.tickets.store.evidence(t.id)?.capturedAt != null, 10_000);
    const evidence = hub.maintenance.tickets.store.evidence(t.id)!;
    expect(evidence.trendError).toBeNull();
    expect(evidence.alert).toMatchObject({ id: alert.id, ruleId: 'chiller-fault' });
    const series = evidence.trend!.series.find((x) => x.pointId === 'chiller-1/fault_code')!;
    expect(series.values.map(([, v]) => v)).toContain(101);
    expect(evidence.trend!.from).toBeLessThanOrEqual(t.createdAt - 60 * 60_000);
    // the clear reached the ticket's timeline
    const events = hub.maintenance.tickets.store.events(t.id).map((e) => e.event);
    expect(events).toEqual(['submit', 'approve', 'alert-cleared']);
    // and the API shows the same to anyone who reads the site
    const viewer = await sessionAs(hub, ['viewer']);
    const res = await hub.http.inject({ url: `/api/v1/tickets/${t.id}`, headers: viewer.headers });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ ticket: { id: t.id }, actions: [], evidence: { trendError: null } });
  });

  it("a rule does not fight an operator: the override at level 8 outranks the rule's 12; the rule's value applies when it ends", async () => {
    const engineer = await sessionAs(hub, ['engineer']);
    const manual = await hub.http.inject({
      method: 'POST',
      url: '/api/v1/points/ahu-1/supply_air_setpoint_c/command',
      headers: engineer.headers,
      payload: { value: 21, reason: 'event in the lobby' },
    });
    expect(manual.statusCode, manual.body).toBe(200);
    await waitFor(() => hub.latest.get('ahu-1/supply_air_setpoint_c')?.value === 21, 5_000);
    const writes = () => hub.audit.query({ action: 'setpoint.write', actor: 'rules', limit: 100 }).length;
    const rulesWrites = writes();
    const before = raised.length;
    await sim.control('/assets/chiller-1/fault?code=101');
    await waitFor(() => raised.length > before, 5_000);
    // the rule holds level 12 underneath the operator's 8: nothing reaches the device
    await waitFor(
      () =>
        hub.control
          .state('ahu-1/supply_air_setpoint_c')!
          .slots.some((s) => s.source === 'rule:chiller-fault'),
      5_000,
    );
    expect(hub.control.state('ahu-1/supply_air_setpoint_c')!.effective).toMatchObject({
      value: 21,
      level: 8,
      source: `operator:${engineer.username}`,
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(hub.latest.get('ahu-1/supply_air_setpoint_c')?.value).toBe(21);
    expect(writes()).toBe(rulesWrites);
    // the operator lets go: the rule's value applies
    const end = await hub.http.inject({
      method: 'DELETE',
      url: '/api/v1/control/points/ahu-1/supply_air_setpoint_c/override',
      headers: engineer.headers,
    });
    expect(end.statusCode, end.body).toBe(200);
    expect(end.json().effective).toMatchObject({ value: 26, level: 12, source: 'rule:chiller-fault' });
    await waitFor(() => hub.latest.get('ahu-1/supply_air_setpoint_c')?.value === 26, 5_000);
    // the alert clears: the rule lets go of 12 and its onCleared value is the point's fallback (16)
    await sim.control('/assets/chiller-1/fault?code=0');
    await waitFor(() => hub.latest.get('ahu-1/supply_air_setpoint_c')?.value === 16, 5_000);
    expect(hub.control.state('ahu-1/supply_air_setpoint_c')!.slots.map((s) => [s.level, s.source])).toEqual([
      [16, 'rule:chiller-fault'],
    ]);
  });

  it('the server going away raises the offline alert once, and its return clears it', async () => {
    await sim.kill();
    await waitFor(() => alertOf('bms-offline')?.active === true, 8_000);
    expect(raised.filter((a) => a.ruleId === 'bms-offline')).toHaveLength(1);
    await sim.restart();
    await waitFor(() => alertOf('bms-offline')?.active === false, 15_000);
    expect(alertOf('bms-offline')!.state).toBe('rtn-unacked');
    // the threshold rule never held: the supply water stays near its setpoint
    expect(alertOf('supply-high')).toBeUndefined();
  }, 40_000);
});

describe('backtest and dry run over embedded history', () => {
  let hub: Hub;
  let client: mqtt.MqttClient;
  const HOUR = 3_600_000;
  const t0 = Math.floor((Date.now() - 3 * HOUR) / 60_000) * 60_000;
  let siteFile: string;

  beforeAll(async () => {
    const port = await freePort();
    const yaml = `${testSiteYaml({ mqttPort: port })}
rules:
  - id: room-hot
    name: Room too warm
    target: { point: room-1/temp_c }
    condition: { type: threshold, high: 30, deadband: 2, onDelayMs: 120000 }
`;
    siteFile = join(tempDataDir(), 'site.yaml');
    writeFileSync(siteFile, yaml);
    hub = await buildHub(testHubOptions(parseSiteText(yaml, 'rules-site.yaml'), { live: false }));
    await hub.start();
    const { password } = hub.deviceCredentials.issue(SYSTEM, 'env-1');
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      clientId: 'env-1',
      username: 'env-1',
      password,
    });
    // an hour of readings a minute apart: 35 °C from minute 10 to 14 (5 min: fires after the 2-minute
    // on-delay), 31 °C (inside the hysteresis band) to minute 16, 27 °C (clears) from 16; a 1-minute spike at 40
    // at minute 40 (shorter than the on-delay: never fires)
    for (let m = 0; m < 60; m++) {
      const temp = m >= 10 && m < 15 ? 35 : m >= 15 && m < 16 ? 31 : m === 40 ? 40 : 24;
      await client.publishAsync(
        'site/t1/room-1/telemetry',
        JSON.stringify({ ts: t0 + m * 60_000, temp_c: temp }),
      );
    }
    await waitFor(() => hub.pipeline.counters.accepted >= 60, 10_000);
    // the embedded store flushes every second: until all 60 are in its table
    await waitFor(
      () => (hub.storage.health().embedded?.rawRows ?? 0) >= 60,
      5_000,
      () => JSON.stringify(hub.storage.health()),
    );
  }, 30_000);
  afterAll(async () => {
    await client?.endAsync();
    await hub?.stop();
  });

  it('replays a rule over stored history: when it would have fired and cleared, delays honoured', async () => {
    const viewer = await sessionAs(hub, ['viewer']);
    const res = await hub.http.inject({
      method: 'POST',
      url: '/api/v1/rules/backtest',
      headers: viewer.headers,
      payload: { ruleId: 'room-hot', from: t0, to: t0 + HOUR, stepMs: 60_000 },
    });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r.instances).toBe(1);
    expect(r.episodes).toHaveLength(1);
    expect(r.episodes[0]).toMatchObject({
      assetId: 'room-1',
      firedAt: t0 + 12 * 60_000,
      clearedAt: t0 + 16 * 60_000,
    });

    // tuning: without the on-delay the spike at minute 40 fires too
    const tuned = await hub.http.inject({
      method: 'POST',
      url: '/api/v1/rules/backtest',
      headers: viewer.headers,
      payload: {
        rule: {
          id: 'room-hot-2',
          name: 'Room too warm, no delay',
          target: { point: 'room-1/temp_c' },
          condition: { type: 'threshold', high: 30, deadband: 2 },
        },
        from: t0,
        to: t0 + HOUR,
        stepMs: 60_000,
      },
    });
    expect(tuned.statusCode, tuned.body).toBe(200);
    expect(tuned.json().episodes.map((e: { firedAt: number }) => (e.firedAt - t0) / 60_000)).toEqual([
      10, 40,
    ]);
  });

  it('the admin CLI replays the same rule while the hub runs', async () => {
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'hub/admin-cli.ts',
        'backtest',
        'room-hot',
        '--site',
        siteFile,
        '--from',
        new Date(t0).toISOString(),
        '--to',
        new Date(t0 + HOUR).toISOString(),
        '--step',
        '60s',
      ],
      { encoding: 'utf8', env: { ...process.env, HUB_LOG_LEVEL: 'silent' } },
    );
    expect(out).toMatch(/room-hot: 1 instance\(s\), .*: 1 episode\(s\)/);
    expect(out).toContain(
      `${new Date(t0 + 12 * 60_000).toISOString()}  ${new Date(t0 + 16 * 60_000).toISOString()}  room-1`,
    );
  });

  it('rules made through the API: checked, running at once, changed, removed, audited; site-file rules are not theirs', async () => {
    const engineer = await sessionAs(hub, ['engineer']);
    const put = (id: string, rule: unknown) =>
      hub.http.inject({
        method: 'PUT',
        url: `/api/v1/rules/${id}`,
        headers: engineer.headers,
        payload: { rule },
      });
    const cold = (low: number) => ({
      id: 'room-cold',
      name: 'Room too cold',
      target: { point: 'room-1/temp_c' },
      condition: { type: 'threshold', low },
    });
    const created = await put('room-cold', cold(10));
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ id: 'room-cold', instances: [{ pointId: 'room-1/temp_c' }] });
    await client.publishAsync('site/t1/room-1/telemetry', JSON.stringify({ temp_c: 5 }));
    await waitFor(() => hub.alerts.list({ limit: 20 }).some((a) => a.ruleId === 'room-cold' && a.active));
    // changed: the same alert goes on under the new limit (5 is not below 3: it clears)
    expect((await put('room-cold', cold(3))).statusCode).toBe(200);
    await client.publishAsync('site/t1/room-1/telemetry', JSON.stringify({ temp_c: 5.5 }));
    await waitFor(
      () => hub.alerts.list({ limit: 20 }).find((a) => a.ruleId === 'room-cold')?.active === false,
    );
    const listed = await hub.http.inject({ url: '/api/v1/rules', headers: engineer.headers });
    expect(listed.json()).toContainEqual(
      expect.objectContaining({ id: 'room-cold', source: 'api', updatedBy: engineer.username }),
    );
    expect(listed.json()).toContainEqual(expect.objectContaining({ id: 'room-hot', source: 'site-file' }));
    // checked like the site file; a site-file rule is changed in the file only
    const bad = await put('room-x', {
      id: 'room-x',
      name: 'X',
      target: { point: 'room-1/nope' },
      condition: { type: 'threshold', high: 1 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual(['rule.target.point: asset "room-1" has no point "nope"']);
    expect((await put('room-hot', { ...cold(1), id: 'room-hot' })).statusCode).toBe(409);
    const del = await hub.http.inject({
      method: 'DELETE',
      url: '/api/v1/rules/room-cold',
      headers: engineer.headers,
    });
    expect(del.statusCode).toBe(204);
    expect(hub.rules.ruleById('room-cold')).toBeUndefined();
    expect(hub.audit.query({ target: 'room-cold', limit: 10 }).map((a) => a.action)).toEqual([
      'rule.deleted',
      'rule.updated',
      'rule.created',
    ]);
  });

  it('dry run: a rule is checked like the site file and shows what it would apply to', async () => {
    const viewer = await sessionAs(hub, ['viewer']);
    const ok = await hub.http.inject({
      method: 'POST',
      url: '/api/v1/rules/dry-run',
      headers: viewer.headers,
      payload: {
        rule: {
          id: 'hot-rooms',
          name: 'Hot rooms',
          target: { kind: 'env-sensor', zone: 'b1', point: 'temp_c' },
          condition: { type: 'threshold', high: 28 },
        },
      },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().instances.map((i: { pointId: string }) => i.pointId)).toEqual([
      'room-1/temp_c',
      'room-2/temp_c',
    ]);
    const bad = await hub.http.inject({
      method: 'POST',
      url: '/api/v1/rules/dry-run',
      headers: viewer.headers,
      payload: {
        rule: {
          id: 'x',
          name: 'X',
          target: { point: 'room-1/nope_c' },
          condition: { type: 'threshold', deadband: -1 },
        },
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/rule\.condition/);
    const templates = await hub.http.inject({ url: '/api/v1/rules/templates', headers: viewer.headers });
    expect(templates.statusCode, templates.body).toBe(200);
    expect(templates.json()).toContainEqual(
      expect.objectContaining({
        name: 'pump-vibration',
        severity: 'high',
        point: 'vibration_mm_s',
        params: expect.objectContaining({
          type: 'object',
          properties: expect.objectContaining({ alarmMmS: expect.anything() }),
        }),
      }),
    );
    const rules = await hub.http.inject({ url: '/api/v1/rules', headers: viewer.headers });
    expect(rules.json()).toEqual([
      expect.objectContaining({
        id: 'room-hot',
        instances: [expect.objectContaining({ pointId: 'room-1/temp_c' })],
      }),
    ]);
  });
});

describe('alerts over a restart', () => {
  it('an alert active before the restart is cleared by the first normal reading after it, and never raised twice', async () => {
    const port = await freePort();
    const dataDir = tempDataDir();
    const yaml = `${testSiteYaml({ mqttPort: port, dataDir })}
rules:
  - { id: room-hot, name: Room too warm, target: { point: room-1/temp_c }, condition: { type: threshold, high: 30 } }
`;
    const run = async (temp: number) => {
      const hub = await buildHub(testHubOptions(parseSiteText(yaml, 'restart.yaml'), { live: false }));
      const events: string[] = [];
      hub.bus.on('alert.raised', () => events.push('raised'));
      hub.bus.on('alert.cleared', () => events.push('cleared'));
      await hub.start();
      const { password } = hub.deviceCredentials.issue(SYSTEM, 'env-1');
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        clientId: 'env-1',
        username: 'env-1',
        password,
      });
      await c.publishAsync('site/t1/room-1/telemetry', JSON.stringify({ temp_c: temp }));
      await waitFor(() => hub.latest.get('room-1/temp_c')?.value === temp);
      await c.endAsync();
      const alerts = hub.alerts.list({ limit: 10 });
      await hub.stop();
      return { events, alerts };
    };
    const first = await run(35);
    expect(first.events).toEqual(['raised']);
    expect(first.alerts[0]).toMatchObject({ state: 'unacked', active: true });
    const again = await run(36); // still hot after the restart: the same alert, no second raise
    expect(again.events).toEqual([]);
    expect(again.alerts).toHaveLength(1);
    const normal = await run(22); // normal after a restart: the alert it left active clears
    expect(normal.events).toEqual(['cleared']);
    expect(normal.alerts[0]).toMatchObject({ id: first.alerts[0]!.id, state: 'rtn-unacked', active: false });
  }, 30_000);
});

describe('system alerts (no rule in the site file)', () => {
  it('a device offline for a minute raises its alert; coming back returns it', async () => {
    const port = await freePort();
    const clock = new ManualClock(Date.now());
    const hub = await buildHub(
      testHubOptions(parseSiteText(testSiteYaml({ mqttPort: port }), 's.yaml'), { live: false, clock }),
    );
    await hub.start();
    try {
      const { password } = hub.deviceCredentials.issue(SYSTEM, 'env-1');
      const connect = () =>
        mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'env-1', username: 'env-1', password });
      const c = await connect();
      await c.publishAsync('site/t1/room-1/telemetry', JSON.stringify({ temp_c: 21 }));
      await waitFor(
        () => hub.supervisor.deviceHealth().find((d) => d.deviceId === 'env-1')?.state === 'online',
      );
      await c.endAsync();
      await waitFor(
        () => hub.supervisor.deviceHealth().find((d) => d.deviceId === 'env-1')?.state === 'offline',
      );
      clock.advance(59_000);
      expect(hub.alerts.list({ limit: 10 })).toEqual([]); // a blip is not an alert
      clock.advance(1_500);
      const [alert] = hub.alerts.list({ limit: 10 });
      expect(alert).toMatchObject({
        ruleId: 'system:device-offline',
        assetId: 'room-1',
        state: 'unacked',
        severity: 'high',
      });
      expect(alert!.message).toMatch(/device env-1 offline/);
      const back = await connect();
      await back.publishAsync('site/t1/room-1/telemetry', JSON.stringify({ temp_c: 21 }));
      await waitFor(() => hub.alerts.list({ limit: 10 })[0]?.state === 'rtn-unacked');
      await back.endAsync();
    } finally {
      await hub.stop();
    }
  });

  it('the InfluxDB outbox filling up and a meter reset raise alerts', async () => {
    const hub = await buildHub(testHubOptions(testSite(), { live: false }));
    await hub.start();
    try {
      hub.bus.emit('storage.outbox-changed', { state: 'high', fill: 0.83, droppedLines: 0, ts: Date.now() });
      expect(hub.alerts.list({ limit: 10 }).map((a) => [a.ruleId, a.state])).toEqual([
        ['system:outbox-high', 'unacked'],
      ]);
      hub.bus.emit('storage.outbox-changed', {
        state: 'dropping',
        fill: 1,
        droppedLines: 5000,
        ts: Date.now(),
      });
      expect(
        hub.alerts
          .list({ limit: 10, active: true })
          .map((a) => a.ruleId)
          .sort(),
      ).toEqual(['system:outbox-dropping', 'system:outbox-high']);
      hub.bus.emit('storage.outbox-changed', { state: 'ok', fill: 0.2, droppedLines: 5000, ts: Date.now() });
      expect(hub.alerts.list({ limit: 10, active: true })).toEqual([]);
      hub.bus.emit('counter.jumped', {
        pointId: 'room-1/temp_c',
        kind: 'reset',
        from: 1200,
        to: 3,
        ts: Date.now(),
      });
      const reset = hub.alerts.list({ limit: 10 }).find((a) => a.ruleId === 'system:counter-reset')!;
      expect(reset).toMatchObject({ state: 'rtn-unacked', pointId: 'room-1/temp_c' }); // an event: to be acknowledged
      expect(reset.message).toMatch(/meter reset or replaced/);
    } finally {
      await hub.stop();
    }
  });
});

describe('rules made through the API over a restart', () => {
  it('are running again after the hub restarts', async () => {
    const dataDir = tempDataDir();
    const site = () => parseSiteText(testSiteYaml({ dataDir }), 'api-rules.yaml');
    const first = await buildHub(testHubOptions(site(), { live: false }));
    await first.start();
    const engineer = await sessionAs(first, ['engineer']);
    const res = await first.http.inject({
      method: 'PUT',
      url: '/api/v1/rules/co2-high',
      headers: engineer.headers,
      payload: {
        rule: {
          id: 'co2-high',
          name: 'CO2 high',
          target: { point: 'room-1/co2_ppm' },
          condition: { type: 'threshold', high: 1200 },
        },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    await first.stop();
    const second = await buildHub(testHubOptions(site(), { live: false }));
    try {
      expect(second.rules.ruleById('co2-high')).toMatchObject({
        condition: { type: 'threshold', high: 1200 },
      });
      expect(second.rules.instances).toBe(1);
    } finally {
      await second.stop();
    }
  });
});

describe('the operator override over a restart', () => {
  it("an operator's override still holds after the hub restarts: the rule's value waits underneath, then applies", async () => {
    const port = await freePort();
    const dataDir = tempDataDir();
    const yaml = `${testSiteYaml({ mqttPort: port, dataDir })}
actions:
  - { id: setback, type: command, point: ahu-1/supply_temp_sp_c, onRaised: 26 }
rules:
  - { id: room-hot, name: Room too warm, target: { point: room-1/temp_c }, condition: { type: threshold, high: 30 }, actions: [setback] }
`;
    const first = await buildHub(testHubOptions(parseSiteText(yaml, 'hold.yaml'), { live: false }));
    await first.start();
    const engineer = await sessionAs(first, ['engineer']);
    const manual = await first.http.inject({
      method: 'POST',
      url: '/api/v1/points/ahu-1/supply_temp_sp_c/command',
      headers: engineer.headers,
      payload: { value: 21 },
    });
    expect(manual.statusCode, manual.body).toBe(200);
    await first.stop();

    const second = await buildHub(testHubOptions(parseSiteText(yaml, 'hold.yaml'), { live: false }));
    await second.start();
    try {
      const { password } = second.deviceCredentials.issue(SYSTEM, 'env-1');
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        clientId: 'env-1',
        username: 'env-1',
        password,
      });
      await c.publishAsync('site/t1/room-1/telemetry', JSON.stringify({ temp_c: 35 }));
      await c.endAsync();
      await waitFor(() =>
        second.control.state('ahu-1/supply_temp_sp_c')!.slots.some((s) => s.source === 'rule:room-hot'),
      );
      expect(second.control.state('ahu-1/supply_temp_sp_c')!.effective).toMatchObject({
        value: 21,
        level: 8,
      });
      expect(second.audit.query({ action: 'setpoint.write', actor: 'rules', limit: 1 })).toEqual([]);
      // the override ends: the rule's value is written
      const admin = await sessionAs(second, ['engineer']);
      const end = await second.http.inject({
        method: 'DELETE',
        url: '/api/v1/control/points/ahu-1/supply_temp_sp_c/override',
        headers: admin.headers,
      });
      expect(end.statusCode, end.body).toBe(200);
      expect(second.audit.query({ action: 'setpoint.write', limit: 1 })[0]).toMatchObject({
        target: 'ahu-1/supply_temp_sp_c',
        outcome: 'ok',
        after: { value: 26, priority: 12 },
      });
    } finally {
      await second.stop();
    }
  });
});
