import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import type { AlertInstance, AlertVerdict } from '../domains/alerts/alert-service.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { sessionAs, type TestSession, tempDataDir, testHubOptions } from './hub-harness.js';
import { testSiteYaml } from './site-fixtures.js';

/** The test site with the rules these alerts belong to (an alert whose rule is gone is cleared at start). */
const siteWithRules = (dataDir: string) =>
  parseSiteText(
    `${testSiteYaml({ dataDir })}
rules:
  - { id: room-hot, name: Room hot, severity: high, target: { point: room-1/temp_c }, condition: { type: threshold, high: 28 } }
  - { id: co2-high, name: CO2 high, target: { point: room-1/co2_ppm }, condition: { type: threshold, high: 1200 } }
`,
    'alerts-site.yaml',
  );

const tempHigh: AlertInstance = {
  key: 'room-hot|room-1|room-1/temp_c',
  ruleId: 'room-hot',
  assetId: 'room-1',
  pointId: 'room-1/temp_c',
  severity: 'high',
  priority: 2,
  chatter: { transitions: 5, withinMs: 600_000 },
};
const co2High: AlertInstance = {
  ...tempHigh,
  key: 'co2-high|room-1|room-1/co2_ppm',
  ruleId: 'co2-high',
  pointId: 'room-1/co2_ppm',
  severity: 'medium',
  priority: 3,
};
const hot: AlertVerdict = { active: true, message: 'temp_c 31 °C above 28 °C', value: 31 };

describe('alerts through the API (lifecycle, permissions, persistence)', () => {
  const dataDir = tempDataDir();
  const clock = new ManualClock(Date.now());
  let hub: Hub;
  let engineer: TestSession;
  let technician: TestSession;
  let viewer: TestSession;
  let raised = 0;
  let alertId: number;

  const call = (s: TestSession, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    hub.http.inject({ method, url, headers: s.headers, payload });

  beforeAll(async () => {
    hub = await buildHub(testHubOptions(siteWithRules(dataDir), { clock, live: false }));
    await hub.start();
    hub.bus.on('alert.raised', () => raised++);
    engineer = await sessionAs(hub, ['engineer']);
    technician = await sessionAs(hub, ['technician']);
    viewer = await sessionAs(hub, ['viewer']);
  });
  afterAll(() => hub?.stop());

  it('lists a raised alert for everyone who reads the site; unknown ids are 404', async () => {
    const a = hub.alerts.conditionChanged(tempHigh, hot, clock.now())!;
    alertId = a.id;
    expect(raised).toBe(1);
    const res = await call(viewer, 'GET', '/api/v1/alerts?active=true&asset=room-1');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      alerts: [
        { id: a.id, state: 'unacked', active: true, severity: 'high', message: hot.message, value: 31 },
      ],
      counts: { high: 1, total: 1, unacked: 1 },
    });
    expect((await call(viewer, 'GET', '/api/v1/alerts?state=acked')).json().alerts).toEqual([]);
    expect((await call(viewer, 'GET', '/api/v1/alerts?severity=bogus')).statusCode).toBe(400);
    const missing = await call(viewer, 'GET', '/api/v1/alerts/999999');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await call(engineer, 'POST', '/api/v1/alerts/999999/ack', {})).statusCode).toBe(404);
  });

  it('acknowledge with a comment: the transition shows who and when; a second ack is 409 naming what is allowed', async () => {
    expect((await call(viewer, 'POST', `/api/v1/alerts/${alertId}/ack`, { comment: 'x' })).statusCode).toBe(
      403,
    );
    clock.advance(5_000);
    const ackedAt = clock.now();
    const res = await call(technician, 'POST', `/api/v1/alerts/${alertId}/ack`, {
      comment: 'window open, closing it',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ state: 'acked', ackedBy: technician.username, ackedAt });

    const detail = (await call(viewer, 'GET', `/api/v1/alerts/${alertId}`)).json();
    expect(
      detail.transitions.map((t: { from: string; to: string; event: string }) => [t.from, t.to, t.event]),
    ).toEqual([
      ['normal', 'unacked', 'activate'],
      ['unacked', 'acked', 'ack'],
    ]);
    expect(detail.transitions[0]).toMatchObject({ actor: 'system', via: 'rules' });
    expect(detail.transitions[1]).toMatchObject({
      actor: technician.username,
      via: 'session',
      ts: ackedAt,
      comment: 'window open, closing it',
    });

    const again = await call(engineer, 'POST', `/api/v1/alerts/${alertId}/ack`, {});
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(again.json()).toMatchObject({ status: 409, state: 'acked', allowed: ['shelve'] });
    expect(again.json().detail).toMatch(/allowed: shelve/);
    const noBody = await call(engineer, 'POST', `/api/v1/alerts/${alertId}/unshelve`);
    expect(noBody.statusCode, noBody.body).toBe(409);

    const audit = hub.audit.query({ action: 'alert.', limit: 10 });
    expect(audit.map((e) => [e.action, e.actor, e.outcome])).toEqual([
      ['alert.unshelved', engineer.username, 'failed'],
      ['alert.acknowledged', engineer.username, 'failed'],
      ['alert.acknowledged', technician.username, 'ok'],
    ]);
  });

  it('shelve (alerts:manage) hides the alert; the hub’s clock ends the shelf', async () => {
    const shelve = { minutes: 30, comment: 'sensor recalibration' };
    expect((await call(technician, 'POST', `/api/v1/alerts/${alertId}/shelve`, shelve)).statusCode).toBe(403);
    expect(
      (await call(engineer, 'POST', `/api/v1/alerts/${alertId}/shelve`, { minutes: 0 })).statusCode,
    ).toBe(400);
    const res = await call(engineer, 'POST', `/api/v1/alerts/${alertId}/shelve`, shelve);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      state: 'shelved',
      shelvedBy: engineer.username,
      shelvedUntil: clock.now() + 1_800_000,
    });
    expect((await call(viewer, 'GET', '/api/v1/alerts')).json().counts.total).toBe(0);

    clock.advance(29 * 60_000);
    expect(hub.alerts.get(alertId)!.state).toBe('shelved');
    clock.advance(60_000); // the hub's one-second tick sees the shelf run out
    expect(hub.alerts.get(alertId)).toMatchObject({ state: 'unacked', active: true, shelvedUntil: null });
    expect(hub.alerts.get(alertId)!.transitions.at(-1)).toMatchObject({
      from: 'shelved',
      to: 'unacked',
      event: 'unshelve',
      actor: 'system',
      via: 'timer',
    });

    // and by hand
    await call(engineer, 'POST', `/api/v1/alerts/${alertId}/shelve`, { minutes: 60 });
    const un = await call(engineer, 'POST', `/api/v1/alerts/${alertId}/unshelve`, { comment: 'done' });
    expect(un.statusCode).toBe(200);
    expect(un.json().state).toBe('unacked');
  });

  it('maintenance suppresses the asset’s alerts, new ones included, until it runs out', async () => {
    const url = '/api/v1/assets/room-1/maintenance';
    const body = { on: true, until: clock.now() + 600_000, comment: 'replacing the sensor' };
    expect((await call(technician, 'PUT', url, body)).statusCode).toBe(403);
    expect((await call(engineer, 'PUT', '/api/v1/assets/nope/maintenance', body)).statusCode).toBe(404);
    expect((await call(engineer, 'PUT', url, { on: true, until: clock.now() - 1 })).statusCode).toBe(400);
    const res = await call(engineer, 'PUT', url, body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      maintenance: { assetId: 'room-1', by: engineer.username, until: body.until, comment: body.comment },
      alerts: [{ id: alertId, state: 'suppressed' }],
    });
    expect((await call(viewer, 'GET', '/api/v1/maintenance')).json()).toEqual([
      expect.objectContaining({ assetId: 'room-1', since: clock.now() }),
    ]);

    const before = raised;
    const co2 = hub.alerts.conditionChanged(co2High, { active: true, message: 'co2 1800 ppm' }, clock.now())!;
    expect(co2.state).toBe('suppressed');
    expect(raised).toBe(before);
    const ack = await call(engineer, 'POST', `/api/v1/alerts/${co2.id}/ack`, {});
    expect(ack.statusCode).toBe(409);
    expect(ack.json().allowed).toEqual([]);

    clock.advance(601_000);
    expect((await call(viewer, 'GET', '/api/v1/maintenance')).json()).toEqual([]);
    expect(
      (await call(viewer, 'GET', '/api/v1/alerts?state=unacked'))
        .json()
        .alerts.map((a: { id: number }) => a.id),
    ).toEqual([co2.id, alertId]);
    // acknowledge the CO2 alert so its state is not the default one after the restart
    expect(
      (await call(engineer, 'POST', `/api/v1/alerts/${co2.id}/ack`, { comment: 'ventilating' })).statusCode,
    ).toBe(200);
  });

  it('survives a restart: same states, and the engine re-reporting an active condition raises nothing', async () => {
    const beforeStop = (await call(viewer, 'GET', '/api/v1/alerts')).json().alerts;
    await hub.stop();

    hub = await buildHub(testHubOptions(siteWithRules(dataDir), { clock, live: false }));
    await hub.start();
    let raisedAfter = 0;
    const changed: string[] = [];
    hub.bus.on('alert.raised', () => raisedAfter++);
    hub.bus.on('alert.changed', (e) => changed.push(`${e.from}→${e.to}`));
    viewer = await sessionAs(hub, ['viewer']);

    const after = (await call(viewer, 'GET', '/api/v1/alerts')).json().alerts;
    expect(after).toEqual(beforeStop);
    expect(after.map((a: { state: string }) => a.state)).toEqual(['acked', 'unacked']);
    expect(hub.alerts.activeKeys().sort()).toEqual([co2High.key, tempHigh.key].sort());

    // the rules engine starts, re-evaluates and reports what it finds
    expect(hub.alerts.conditionChanged(tempHigh, hot, clock.now())).toMatchObject({
      id: alertId,
      state: 'unacked',
    });
    hub.alerts.conditionChanged(co2High, { active: true, message: 'co2 1750 ppm' }, clock.now());
    expect(raisedAfter).toBe(0);
    expect(changed).toEqual([]);
    const detail = (await call(viewer, 'GET', `/api/v1/alerts/${alertId}`)).json();
    expect(detail.occurrences).toBe(1);
    expect(detail.transitions.filter((t: { event: string }) => t.event === 'activate')).toHaveLength(1);
  });
});
