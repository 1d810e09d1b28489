import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertView } from '../domains/alerts/alert-types.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import {
  connectDevice,
  login,
  sessionAs,
  TEST_ADMIN,
  type TestSession,
  tempDataDir,
  testHubOptions,
  waitFor,
} from './hub-harness.js';
import { freePort } from './services.js';
import { testSiteYaml } from './site-fixtures.js';

/**
 * Who may silence a gate's alarms: the gate controller reports its door forced over MQTT; an engineer may not
 * shelve that alert, unshelve it or take the gate out of service (alerts:security: security staff and admins),
 * and still shelves a chiller's alert. Out-of-service windows always end, at most the configured maximum ahead.
 */

const HOUR = 3_600_000;
const CHILLER_ALERT = 'chw-hot';

/** The test site plus a chiller with a rule, and optionally the site file's `alerts:` section. */
const site = (o: { mqttPort: number; dataDir: string; alerts?: string }) =>
  parseSiteText(
    `${testSiteYaml(o)}
  - id: chiller-1
    name: Chiller 1
    kind: chiller
    zone: b1
    device: env-2
    points:
      - { name: chw_supply_temp_c, unit: degC, topic: legacy/chiller1/chw, path: $ }
rules:
  - { id: ${CHILLER_ALERT}, name: CHW too warm, severity: high, target: { point: chiller-1/chw_supply_temp_c }, condition: { type: threshold, high: 9 } }
${o.alerts ?? ''}`,
    'alerts-security-site.yaml',
  );

describe('gate alerts are security’s to silence; out-of-service windows end', () => {
  const dataDir = tempDataDir();
  let mqttPort: number;
  let hub: Hub;
  let gate: MqttClient;
  let env: MqttClient;
  let engineer: TestSession;
  let guard: TestSession;
  let admin: TestSession;
  let gateAlert: number;
  let chillerAlert: number;

  const call = (s: TestSession, method: 'POST' | 'PUT' | 'GET', url: string, payload?: object) =>
    hub.http.inject({ method, url, headers: s.headers, payload });
  const alertOf = (ruleId: string) => hub.alerts.list({ limit: 50 }).find((a) => a.ruleId === ruleId);

  beforeAll(async () => {
    mqttPort = await freePort();
    hub = await buildHub(testHubOptions(site({ mqttPort, dataDir }), { live: false }));
    await hub.start();
    engineer = await sessionAs(hub, ['engineer']);
    guard = await sessionAs(hub, ['security']);
    admin = await login(hub, TEST_ADMIN.username, TEST_ADMIN.password);
    gate = await connectDevice(hub, mqttPort, 'gate-ctl');
    env = await connectDevice(hub, mqttPort, 'env-2');
    // the gate's door is forced; the chiller's water runs warm
    await gate.publishAsync('site/t1/gate-a/door', JSON.stringify({ event: 'forced' }));
    await env.publishAsync('legacy/chiller1/chw', '11.5');
    await waitFor(() => alertOf('system:gate-door-forced')?.active === true && !!alertOf(CHILLER_ALERT));
    gateAlert = alertOf('system:gate-door-forced')!.id;
    chillerAlert = alertOf(CHILLER_ALERT)!.id;
  });
  afterAll(async () => {
    await gate?.endAsync();
    await env?.endAsync();
    await hub?.stop();
  });

  it('each alert says what silencing it takes', async () => {
    const list = (await call(engineer, 'GET', '/api/v1/alerts')).json().alerts as AlertView[];
    expect(list.find((a) => a.id === gateAlert)).toMatchObject({
      assetId: 'gate-a',
      managePermission: 'alerts:security',
    });
    expect(list.find((a) => a.id === chillerAlert)).toMatchObject({ managePermission: 'alerts:manage' });
  });

  it('an engineer gets 403 shelving a gate alert (audited), and still shelves a chiller alert', async () => {
    const refused = await call(engineer, 'POST', `/api/v1/alerts/${gateAlert}/shelve`, { minutes: 60 });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ needs: 'alerts:security' });
    expect(hub.alerts.get(gateAlert)!.state).toBe('unacked');
    expect(hub.audit.query({ action: 'alert.shelved', outcome: 'denied', limit: 1 })[0]).toMatchObject({
      actor: engineer.username,
      target: String(gateAlert),
    });

    const ok = await call(engineer, 'POST', `/api/v1/alerts/${chillerAlert}/shelve`, { minutes: 60 });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ state: 'shelved', shelvedBy: engineer.username });
    // security staff are not engineers: the chiller's alert is not theirs to unshelve
    expect((await call(guard, 'POST', `/api/v1/alerts/${chillerAlert}/unshelve`, {})).statusCode).toBe(403);
    expect((await call(engineer, 'POST', `/api/v1/alerts/${chillerAlert}/unshelve`, {})).statusCode).toBe(
      200,
    );
  });

  it('a security-role user shelves and unshelves a gate alert; an engineer cannot undo it', async () => {
    const shelved = await call(guard, 'POST', `/api/v1/alerts/${gateAlert}/shelve`, {
      minutes: 30,
      comment: 'guard on the way to gate A',
    });
    expect(shelved.statusCode, shelved.body).toBe(200);
    expect(shelved.json()).toMatchObject({ state: 'shelved', shelvedBy: guard.username });
    expect((await call(engineer, 'POST', `/api/v1/alerts/${gateAlert}/unshelve`, {})).statusCode).toBe(403);
    const un = await call(guard, 'POST', `/api/v1/alerts/${gateAlert}/unshelve`, {});
    expect(un.statusCode, un.body).toBe(200);
    expect(un.json().state).toBe('unacked');

    // whatever an admin did to a gate alert, security staff can undo
    expect(
      (await call(admin, 'POST', `/api/v1/alerts/${gateAlert}/shelve`, { minutes: 60 })).statusCode,
    ).toBe(200);
    expect((await call(guard, 'POST', `/api/v1/alerts/${gateAlert}/unshelve`, {})).statusCode).toBe(200);
  });

  it('shelving longer than the default maximum (168 h) is refused', async () => {
    const res = await call(engineer, 'POST', `/api/v1/alerts/${chillerAlert}/shelve`, { minutes: 169 * 60 });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/^minutes: at most 10080 \(168 h, alerts\.maxShelveHours\)/);
  });

  it('maintenance without an end is 400 naming until; beyond the maximum (72 h) is 400', async () => {
    const url = '/api/v1/assets/chiller-1/maintenance';
    const open = await call(engineer, 'PUT', url, { on: true, comment: 'compressor swap' });
    expect(open.statusCode).toBe(400);
    expect(open.json()).toMatchObject({ errors: [{ path: 'until' }] });
    expect(open.json().detail).toMatch(/^until: required/);
    const long = await call(engineer, 'PUT', url, { on: true, until: Date.now() + 73 * HOUR });
    expect(long.statusCode).toBe(400);
    expect(long.json().detail).toMatch(/^until: at most 72 h ahead \(alerts\.maxOutOfServiceHours\)/);
    expect(hub.alerts.outOfService('chiller-1')).toBeUndefined();

    const ok = await call(engineer, 'PUT', url, { on: true, until: Date.now() + 71 * HOUR });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().alerts).toEqual([expect.objectContaining({ id: chillerAlert, state: 'suppressed' })]);
    expect((await call(engineer, 'PUT', url, { on: false })).statusCode).toBe(200);
  });

  it('a gate goes out of service only by security staff, who alone return it', async () => {
    const url = '/api/v1/assets/gate-a/maintenance';
    const body = { on: true, until: Date.now() + 2 * HOUR, comment: 'lock replaced' };
    expect((await call(engineer, 'PUT', url, body)).statusCode).toBe(403);
    expect(hub.alerts.get(gateAlert)!.state).toBe('unacked');
    expect((await call(admin, 'PUT', url, body)).statusCode).toBe(200);
    expect(hub.alerts.get(gateAlert)!.state).toBe('suppressed');
    expect((await call(engineer, 'PUT', url, { on: false })).statusCode).toBe(403);
    const back = await call(guard, 'PUT', url, { on: false, comment: 'lock checked' });
    expect(back.statusCode, back.body).toBe(200);
    expect(hub.alerts.get(gateAlert)!.state).toBe('unacked');
  });

  it('a window stored without an end (before this rule) gets one at start: now + the maximum, audited', async () => {
    await hub.stop();
    const db = new Database(join(dataDir, 'hub.db'));
    db.prepare(
      `INSERT INTO maintenance (asset_id, since, until, "by", comment) VALUES ('chiller-1', ?, NULL, 'old-engineer', 'forever')`,
    ).run(Date.now() - 10 * 24 * HOUR);
    db.close();
    const before = Date.now();
    hub = await buildHub(testHubOptions(site({ mqttPort: await freePort(), dataDir }), { live: false }));
    await hub.start();
    const w = hub.alerts.outOfService('chiller-1')!;
    expect(w.until).toBeGreaterThanOrEqual(before + 72 * HOUR);
    expect(w.until).toBeLessThanOrEqual(Date.now() + 72 * HOUR);
    expect(
      hub.audit.query({ action: 'alert.maintenance-changed', target: 'chiller-1', limit: 1 })[0],
    ).toMatchObject({ actor: 'system', before: { until: null }, after: { until: w.until } });
  });
});

describe('the site file’s alerts section sets the maxima', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await buildHub(
      testHubOptions(
        site({
          mqttPort: await freePort(),
          dataDir: tempDataDir(),
          alerts: 'alerts: { maxShelveHours: 12, maxOutOfServiceHours: 8 }',
        }),
        { live: false },
      ),
    );
    await hub.start();
  });
  afterAll(() => hub?.stop());

  it('alerts.maxShelveHours and alerts.maxOutOfServiceHours', async () => {
    const engineer = await sessionAs(hub, ['engineer']);
    const a = hub.alerts.conditionChanged(
      {
        key: `${CHILLER_ALERT}|chiller-1|chiller-1/chw_supply_temp_c`,
        ruleId: CHILLER_ALERT,
        assetId: 'chiller-1',
        pointId: 'chiller-1/chw_supply_temp_c',
        severity: 'high',
        priority: 2,
        chatter: { transitions: 5, withinMs: 600_000 },
      },
      { active: true, message: 'chw 11.5 °C', value: 11.5 },
      Date.now(),
    )!;
    const shelve = (minutes: number) =>
      hub.http.inject({
        method: 'POST',
        url: `/api/v1/alerts/${a.id}/shelve`,
        headers: engineer.headers,
        payload: { minutes },
      });
    expect((await shelve(13 * 60)).statusCode).toBe(400);
    expect((await shelve(12 * 60)).statusCode).toBe(200);
    const oos = (until: number) =>
      hub.http.inject({
        method: 'PUT',
        url: '/api/v1/assets/chiller-1/maintenance',
        headers: engineer.headers,
        payload: { on: true, until },
      });
    expect((await oos(Date.now() + 9 * HOUR)).json().detail).toMatch(/at most 8 h ahead/);
    expect((await oos(Date.now() + 7 * HOUR)).statusCode).toBe(200);
  });
});
