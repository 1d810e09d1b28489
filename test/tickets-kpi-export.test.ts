import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../core/actor.js';
import { ManualClock } from '../core/clock.js';
import type { AlertInstance } from '../domains/alerts/alert-service.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import type { Role } from '../platform/security/roles.js';
import { login, sessionAs, type TestSession, tempDataDir, testHubOptions } from './hub-harness.js';

const MIN = 60_000;
/** Monday 2 Nov 2026 09:00 UTC: every ticket below is submitted after it. */
const START = Date.UTC(2026, 10, 2, 9, 0);

function siteYaml(dataDir: string) {
  return `
site: { id: kpi, name: KPI site }
hub: { http: { host: 127.0.0.1, port: 0 }, dataDir: ${dataDir}, logLevel: silent }
mqtt: { mode: embedded, host: 127.0.0.1, port: 0 }
storage: { mode: embedded }
zones:
  - { id: b1, name: Building 1, kind: building }
  - { id: b1-f1, name: Floor 1, kind: floor, parent: b1 }
  - { id: b2, name: Canteen, kind: building }
devices:
  - { id: gw, protocol: mqtt }
assets:
  - { id: ahu-1, name: AHU 1, kind: ahu, zone: b1, device: gw, points: [{ name: supply_temp_c, unit: degC }] }
  - { id: fan_2, name: '=Fan 2', kind: fan-coil, zone: b1-f1, device: gw, points: [{ name: speed, unit: '%' }] }
  - { id: fridge-1, name: Cold room, kind: generic, zone: b2, device: gw, points: [{ name: t, unit: degC }] }
rules:
  - { id: ahu-hot, name: AHU hot, severity: high, target: { point: ahu-1/supply_temp_c }, condition: { type: threshold, high: 28 } }
visitors:
  publicUrl: 'https://hub.example.com/'
maintenance:
  requireApproval: false
  teams:
    - { id: hvac, name: HVAC, members: [tech-a, tech-b], skills: [ahu], zones: [b1] }
`;
}

const hot: AlertInstance = {
  key: 'ahu-hot|ahu-1|ahu-1/supply_temp_c',
  ruleId: 'ahu-hot',
  assetId: 'ahu-1',
  pointId: 'ahu-1/supply_temp_c',
  severity: 'high',
  priority: 2,
  chatter: { transitions: 50, withinMs: 60_000 },
};

/** CSV rows as objects by header (no quoted newlines in these fixtures). */
function parseCsv(text: string): Record<string, string>[] {
  const split = (line: string) => {
    const out: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (quoted && c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = !quoted;
      else if (c === ',' && !quoted) {
        out.push(cur);
        cur = '';
      } else cur += c;
    }
    out.push(cur);
    return out;
  };
  const [head, ...rows] = text.trimEnd().split('\r\n');
  const names = split(head!);
  return rows.map((r) => Object.fromEntries(split(r).map((v, i) => [names[i], v])));
}

describe('KPIs per technician and the CSV exports, through the API', () => {
  const clock = new ManualClock(START);
  let hub: Hub;
  const s = {} as Record<'req' | 'desk' | 'techA' | 'techB' | 'boss' | 'viewer', TestSession>;
  const ids: Record<string, number> = {};
  let afterFirst = 0;

  const call = (who: TestSession, method: 'GET' | 'POST', url: string, payload?: object) =>
    hub.http.inject({ method, url, headers: who.headers, payload });
  const act = async (who: TestSession, id: number, action: string, body: object = {}) => {
    const res = await call(who, 'POST', `/api/v1/tickets/${id}/${action}`, body);
    expect(res.statusCode, `${action}: ${res.body}`).toBe(200);
  };
  const report = async (title: string) => {
    const res = await call(s.req, 'POST', '/api/v1/tickets', {
      title,
      description: 'broken',
      assetId: 'ahu-1',
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().ticket.id as number;
  };
  const at = (ms: number) => clock.advance(ms - clock.now());
  const person = async (username: string, displayName: string, roles: Role[]) => {
    const password = `pw-${displayName.length}-0123456789-secret-kpi`;
    await hub.auth.createUser(SYSTEM, { username, displayName, roles, password });
    return login(hub, username, password);
  };

  beforeAll(async () => {
    hub = await buildHub(
      testHubOptions(parseSiteText(siteYaml(tempDataDir()), 'kpi-site.yaml'), { clock, live: false }),
    );
    await hub.start();
    s.req = await sessionAs(hub, ['requester'], 'req-1');
    s.desk = await sessionAs(hub, ['dispatcher'], 'desk');
    s.techA = await person('tech-a', '李伟', ['technician']);
    s.techB = await person('tech-b', 'Wang Fang', ['technician']);
    s.boss = await sessionAs(hub, ['supervisor'], 'boss');
    s.viewer = await sessionAs(hub, ['viewer'], 'watcher');

    // T0 (before the period): tech-b, resolved; must not count
    const t0 = START;
    ids.old = await report('Old one');
    await act(s.desk, ids.old, 'dispatch', { assignee: 'tech-b' });
    await act(s.techB, ids.old, 'accept', { etaMinutes: 5 });
    at(t0 + 5 * MIN);
    await act(s.techB, ids.old, 'start');
    await act(s.techB, ids.old, 'resolve', { resolution: 'done' });
    await act(s.req, ids.old, 'rate', { rating: 1 });

    // T1: tech-a, dispatched +10, accepted +15, resolved +70, rated 5: a first-time fix
    const t1 = START + 60 * MIN;
    afterFirst = t1;
    at(t1);
    ids.t1 = await report('=HYPERLINK("http://evil.example")');
    at(t1 + 10 * MIN);
    await act(s.desk, ids.t1, 'dispatch', { assignee: 'tech-a' });
    at(t1 + 15 * MIN);
    await act(s.techA, ids.t1, 'accept', { etaMinutes: 5 });
    at(t1 + 20 * MIN);
    await act(s.techA, ids.t1, 'start');
    at(t1 + 70 * MIN);
    await act(s.techA, ids.t1, 'resolve', { resolution: 'Belt replaced, "tension" set' });
    await act(s.req, ids.t1, 'rate', { rating: 5 });

    // T2: tech-a, resolved +100, reopened, dispatched again +120, accepted +130, resolved +160, rated 3
    const t2 = START + 180 * MIN;
    at(t2);
    ids.t2 = await report('Fan noise');
    await act(s.desk, ids.t2, 'dispatch', { assignee: 'tech-a' });
    at(t2 + 25 * MIN);
    await act(s.techA, ids.t2, 'accept', { etaMinutes: 5 });
    await act(s.techA, ids.t2, 'start');
    at(t2 + 100 * MIN);
    await act(s.techA, ids.t2, 'resolve', { resolution: 'tightened' });
    at(t2 + 110 * MIN);
    await act(s.req, ids.t2, 'reopen', { comment: 'still noisy' });
    at(t2 + 120 * MIN);
    await act(s.desk, ids.t2, 'dispatch', { assignee: 'tech-a' });
    at(t2 + 130 * MIN);
    await act(s.techA, ids.t2, 'accept', { etaMinutes: 5 });
    await act(s.techA, ids.t2, 'start');
    at(t2 + 160 * MIN);
    await act(s.techA, ids.t2, 'resolve', { resolution: 'bearing replaced' });
    await act(s.req, ids.t2, 'rate', { rating: 3 });

    // T3: tech-b, dispatched +30, accepted +90, still in progress
    const t3 = START + 400 * MIN;
    at(t3);
    ids.t3 = await report('Leak');
    at(t3 + 30 * MIN);
    await act(s.desk, ids.t3, 'dispatch', { assignee: 'tech-b' });
    at(t3 + 90 * MIN);
    await act(s.techB, ids.t3, 'accept', { etaMinutes: 5 });
    await act(s.techB, ids.t3, 'start');

    // T4 waits at the desk; T5 is cancelled (left out of KPIs)
    ids.t4 = await report('Door squeaks');
    ids.t5 = await report('Never mind');
    await act(s.req, ids.t5, 'cancel');
  });
  afterAll(() => hub?.stop());

  it('GET /tickets/kpis?group=technician: each technician’s numbers from the known tickets', async () => {
    const res = await call(
      s.boss,
      'GET',
      `/api/v1/tickets/kpis?from=${afterFirst}&to=${clock.now() + 1}&group=technician`,
    );
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.group).toBe('technician');
    expect(body.total).toMatchObject({ key: 'all', tickets: 4, resolved: 2 });
    const row = (key: string | null) => body.groups.find((g: { key: string | null }) => g.key === key);
    expect(row('tech-a')).toEqual({
      key: 'tech-a',
      name: '李伟',
      tickets: 2,
      resolved: 2,
      mttaMinutes: 72.5, // (15 + 130) / 2: the reopened one was accepted again at +130
      acceptMinutes: 7.5, // (5 + 10) / 2: from the (last) dispatch
      mttrMinutes: 115, // (70 + 160) / 2
      slaCompliance: 1, // the default service levels, both met
      breaches: 0,
      firstTimeFix: 0.5,
      satisfaction: 4,
      ratings: 2,
    });
    expect(row('tech-b')).toMatchObject({
      name: 'Wang Fang',
      tickets: 1,
      resolved: 0,
      mttaMinutes: 90,
      acceptMinutes: 60,
      mttrMinutes: null,
      firstTimeFix: null,
      satisfaction: null,
      ratings: 0,
    });
    // the one at the desk has no technician
    expect(row(null)).toMatchObject({ name: null, tickets: 1, resolved: 0 });
    expect(body.groups).toHaveLength(3);

    // the whole history: tech-b's old ticket (rated 1) counts too
    const all = (
      await call(s.desk, 'GET', `/api/v1/tickets/kpis?from=0&to=${clock.now() + 1}&group=technician`)
    ).json();
    expect(all.groups.find((g: { key: string }) => g.key === 'tech-b')).toMatchObject({
      tickets: 2,
      resolved: 1,
      satisfaction: 1,
      firstTimeFix: 1,
    });
    // technicians may not; a bad group names the field
    expect((await call(s.techA, 'GET', '/api/v1/tickets/kpis?from=0&to=1&group=technician')).statusCode).toBe(
      403,
    );
    const bad = await call(s.boss, 'GET', '/api/v1/tickets/kpis?from=0&to=1&group=person');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].path).toBe('querystring.group');
  });

  it('GET /tickets/export.csv: the rows, the filters, formulas defused, audited; the desk and supervisors only', async () => {
    const res = await call(s.desk, 'GET', `/api/v1/tickets/export.csv?from=${afterFirst}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="tickets.csv"');
    expect(res.headers['x-truncated']).toBe('false');
    const rows = parseCsv(res.body);
    expect(rows.map((r) => Number(r.ticket_id))).toEqual([ids.t5, ids.t4, ids.t3, ids.t2, ids.t1]);
    const t1 = rows.find((r) => Number(r.ticket_id) === ids.t1)!;
    expect(t1).toMatchObject({
      state: 'closed',
      assignee: 'tech-a',
      team: 'hvac',
      requester: 'req-1',
      asset_id: 'ahu-1',
      minutes_to_accept: '15',
      minutes_to_resolve: '70',
      reopened: '0',
      rating: '5',
      resolution: 'Belt replaced, "tension" set',
      created_at: new Date(afterFirst).toISOString(),
    });
    // a spreadsheet would run it: prefixed with '
    expect(t1.title).toBe(`'=HYPERLINK("http://evil.example")`);
    expect(res.body).toContain(`"'=HYPERLINK(""http://evil.example"")"`);

    const mine = parseCsv(
      (await call(s.boss, 'GET', '/api/v1/tickets/export.csv?assignee=tech-a&state=closed')).body,
    );
    expect(mine.map((r) => Number(r.ticket_id))).toEqual([ids.t2, ids.t1]);
    const open = parseCsv((await call(s.boss, 'GET', '/api/v1/tickets/export.csv?open=true')).body);
    expect(open.map((r) => Number(r.ticket_id))).toEqual([ids.t4, ids.t3]);

    const period = await call(s.boss, 'GET', '/api/v1/tickets/export.csv?from=10&to=5');
    expect(period.statusCode).toBe(400);
    expect(period.json().errors).toEqual([{ path: 'querystring.to', message: 'must be after from' }]);
    const unknown = await call(s.boss, 'GET', '/api/v1/tickets/export.csv?colour=red');
    expect(unknown.statusCode).toBe(400);

    for (const who of [s.techA, s.req, s.viewer])
      expect((await call(who, 'GET', '/api/v1/tickets/export.csv')).statusCode).toBe(403);
    expect((await hub.http.inject({ url: '/api/v1/tickets/export.csv' })).statusCode).toBe(401);
    const audited = hub.audit.query({ action: 'tickets.exported', limit: 10 });
    expect(audited.some((e) => e.actor === 'desk' && /^5 row\(s\)/.test(e.detail ?? ''))).toBe(true);
  });

  it('GET /alerts/export.csv: one row per alert with its latest occurrence; those who work alerts only', async () => {
    const raisedAt = clock.now();
    const a = hub.alerts.conditionChanged(
      hot,
      { active: true, message: '@SUM(1+1) supply 31 °C', value: 31 },
      raisedAt,
    )!;
    clock.advance(2 * MIN);
    hub.alerts.ack(
      a.id,
      { username: 'tech-a', permissions: new Set(['alerts:ack'] as const), via: 'session' },
      'on my way, "now"',
    );
    const res = await call(s.techA, 'GET', `/api/v1/alerts/export.csv?from=${raisedAt}&severity=high`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="alerts.csv"');
    const rows = parseCsv(res.body);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      alert_id: String(a.id),
      rule_id: 'ahu-hot',
      asset_id: 'ahu-1',
      severity: 'high',
      state: 'acked',
      active: 'yes',
      message: "'@SUM(1+1) supply 31 °C",
      value: '31',
      raised_at: new Date(raisedAt).toISOString(),
      acked_by: 'tech-a',
      ack_comment: 'on my way, "now"',
    });
    // outside the period, or another severity: nothing but the header
    const none = await call(s.techA, 'GET', `/api/v1/alerts/export.csv?to=${raisedAt}`);
    expect(none.body).toBe(
      'alert_id,rule_id,asset_id,point_id,severity,priority,state,active,message,value,raised_at,cleared_at,acked_at,acked_by,ack_comment,shelved_until,occurrences\r\n',
    );
    expect(
      (await call(s.techA, 'GET', '/api/v1/alerts/export.csv?severity=low')).body.split('\r\n'),
    ).toHaveLength(2);
    for (const who of [s.req, s.viewer])
      expect((await call(who, 'GET', '/api/v1/alerts/export.csv')).statusCode).toBe(403);
    expect((await call(s.boss, 'GET', '/api/v1/alerts/export.csv?state=bogus')).statusCode).toBe(400);
  });

  it('GET /asset-labels: a zone and the zones below it, each QR the report URL at visitors.publicUrl', async () => {
    const res = await call(s.viewer, 'GET', '/api/v1/asset-labels?zone=b1');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ base: 'https://hub.example.com/', baseFrom: 'publicUrl', total: 2 });
    expect(body.labels.map((l: { id: string }) => l.id)).toEqual(['ahu-1', 'fan_2']);
    const fan = body.labels[1];
    expect(fan).toMatchObject({
      name: '=Fan 2',
      zone: 'b1-f1',
      zonePath: 'Building 1 / Floor 1',
      url: 'https://hub.example.com/#/report?asset=fan_2',
    });
    // the SVG is the QR of exactly that URL (the qrcode package draws the same matrix again)
    const QRCode = (await import('qrcode')).default;
    expect(fan.svg).toBe(
      await QRCode.toString(fan.url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
    );
    expect(fan.svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);

    expect((await call(s.viewer, 'GET', '/api/v1/asset-labels')).json().total).toBe(3);
    expect((await call(s.viewer, 'GET', '/api/v1/asset-labels?zone=nowhere')).statusCode).toBe(404);
    expect((await call(s.viewer, 'GET', `/api/v1/asset-labels?zone=${'x'.repeat(65)}`)).statusCode).toBe(400);
    expect((await hub.http.inject({ url: '/api/v1/asset-labels' })).statusCode).toBe(401);
  });
});
