import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../core/actor.js';
import { ManualClock } from '../core/clock.js';
import type { AlertInstance } from '../domains/alerts/alert-service.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import type { Role } from '../platform/security/roles.js';
import { WecomServer } from '../simulators/messaging/wecom-server.js';
import { sessionAs, type TestSession, tempDataDir, testHubOptions, waitFor } from './hub-harness.js';
import { smtpTestServer, subjectOf } from './smtp-test-server.js';

/**
 * On-call end to end, on a manual clock, through the real hub and real transports: the WeCom app (wecom-app,
 * gettoken then message/send to the person's userid) against the verifying WeCom simulator, e-mail to the SMTP
 * test server. hvac's rota is ann, bob (weekly from Monday 5 January 2026, 09:00 Shanghai), supervisor sue.
 */

const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);
// Tuesday 3 March 2026, 10:00 in Shanghai: week 8 of the rota, ann's (week 0 = ann)
const START = at('2026-03-03T10:00:00+08:00');

const AGENT_ID = 1000002;
const SECRET_ENV = 'HUB_TEST_ONCALL_WECOM_SECRET';
const SECRET = 'oncall-app-secret';

/** The body of a WeCom app message (发送应用消息) as the simulator took it. */
type AppBody = {
  touser: string;
  agentid: number;
  msgtype: 'textcard' | 'text';
  textcard?: { title: string; description: string; url: string };
  text?: { content: string };
};
/** One WeCom message as the person received it: to whom (userid), the title, the body and the link. */
type Received = { touser: string; title: string; body: string; link?: string };

function siteYaml(dataDir: string, wecomUrl: string, smtpPort: number) {
  return `
site: { id: oc, name: On-call site, timezone: Asia/Shanghai }
hub:
  http: { host: 127.0.0.1, port: 0 }
  dataDir: ${dataDir}
  logLevel: silent
  smtp: { host: 127.0.0.1, port: ${smtpPort}, secure: false, requireTls: false, from: hub@example.com }
mqtt: { mode: embedded, host: 127.0.0.1, port: 0 }
zones: [{ id: b1, name: Building 1, kind: building }]
devices: [{ id: d1, protocol: mqtt }]
assets:
  - { id: ahu-1, name: AHU 1, kind: ahu, zone: b1, device: d1, points: [{ name: supply_temp_c, unit: degC }, { name: filter_dp_pa, unit: Pa }] }
  - { id: ahu-2, name: AHU 2, kind: ahu, zone: b1, device: d1, points: [{ name: supply_temp_c, unit: degC }, { name: filter_dp_pa, unit: Pa }] }
  - { id: ahu-3, name: AHU 3, kind: ahu, zone: b1, device: d1, points: [{ name: supply_temp_c, unit: degC }, { name: filter_dp_pa, unit: Pa }] }
rules:
  - { id: supply-hot, name: Supply hot, severity: critical, target: { kind: ahu, point: supply_temp_c }, condition: { type: threshold, high: 30 } }
  - { id: filter-dirty, name: Filter dirty, severity: low, target: { kind: ahu, point: filter_dp_pa }, condition: { type: threshold, high: 250 } }
actions:
  - { id: wecom, type: wecom-app, baseUrl: '${wecomUrl}', corpId: ww-oncall, agentId: ${AGENT_ID}, secretEnv: ${SECRET_ENV} }
  - { id: mail, type: email, to: [ops@example.com] }
visitors: { publicUrl: 'https://hub.example.com' }
maintenance:
  requireApproval: false
  teams:
    - { id: hvac, name: HVAC team, members: [ann, bob], skills: [ahu] }
    - { id: elec, name: Electrical, members: [eve], skills: [electricity-meter], zones: [b1] }
people:
  channels: { wecom: wecom, email: mail }
  defaultChannels: { alert: [wecom, email], digest: [wecom, email] }
  oncall:
    - { team: hvac, members: [ann, bob], supervisor: sue, start: '2026-01-05', handover: { day: mon, time: '09:00' } }
  escalation:
    critical: [{ to: oncall }, { to: next, afterMinutes: 5 }, { to: supervisor, afterMinutes: 15 }]
  digest: { severities: [low], everyMinutes: 60 }
  ackLinkHours: 2
`;
}

const inst = (asset: string, rule: 'supply-hot' | 'filter-dirty'): AlertInstance => {
  const point = rule === 'supply-hot' ? 'supply_temp_c' : 'filter_dp_pa';
  return {
    key: `${rule}|${asset}|${asset}/${point}`,
    ruleId: rule,
    assetId: asset,
    pointId: `${asset}/${point}`,
    severity: rule === 'supply-hot' ? 'critical' : 'low',
    priority: rule === 'supply-hot' ? 1 : 4,
    chatter: { transitions: 5, withinMs: 600_000 },
  };
};

describe('on-call escalation through the hub (manual clock, real transports)', () => {
  const dataDir = tempDataDir();
  const clock = new ManualClock(START);
  const wecom = new WecomServer({
    robots: {},
    corpId: 'ww-oncall',
    apps: { [AGENT_ID]: SECRET },
    users: ['ann-wx', 'sue-wx', 'dan-wx'],
    now: () => clock.now(),
  });
  let wecomUrl: string;
  let smtp: Awaited<ReturnType<typeof smtpTestServer>>;
  let hub: Hub;
  let supervisor: TestSession;
  let technician: TestSession;

  /** Every WeCom message delivered (from the `since`-th on), as the person sees it. */
  const received = (since = 0): Received[] =>
    wecom.messages.slice(since).map((m) => {
      expect(m).toMatchObject({ channel: 'wecom-app', to: String(AGENT_ID) });
      const b = m.body as AppBody;
      expect(b.agentid).toBe(AGENT_ID);
      if (b.textcard)
        return {
          touser: b.touser,
          title: b.textcard.title,
          body: b.textcard.description,
          link: b.textcard.url,
        };
      const [title = '', ...rest] = (b.text?.content ?? '').split('\n');
      return { touser: b.touser, title, body: rest.join('\n') };
    });
  /** The WeCom messages about an alert (its body names it: "Alert 7 · …" / "告警 7 · …"), in order. */
  const wecomFor = (alertId: number, since = 0) =>
    received(since).filter((m) => new RegExp(`^(Alert|告警) ${alertId} · `, 'm').test(m.body));
  const mailsTo = (address: string) => smtp.messages.filter((m) => m.to.includes(address));
  const open = async () => {
    hub = await buildHub(
      testHubOptions(parseSiteText(siteYaml(dataDir, wecomUrl, smtp.port), 'oc.yaml'), {
        clock,
        live: false,
      }),
    );
    await hub.start();
  };
  const raise = (asset: string, rule: 'supply-hot' | 'filter-dirty' = 'supply-hot') =>
    hub.alerts.conditionChanged(
      inst(asset, rule),
      { active: true, message: `${rule} on ${asset}`, value: 31 },
      clock.now(),
    )!;
  /** A new occurrence of an alert that exists: its condition clears, then comes back. */
  const raiseAgain = (asset: string) => {
    hub.alerts.conditionChanged(inst(asset, 'supply-hot'), { active: false, message: 'ok' }, clock.now());
    return raise(asset);
  };
  const escalation = async (id: number) =>
    (
      await hub.http.inject({
        method: 'GET',
        url: `/api/v1/oncall/escalations/${id}`,
        headers: supervisor.headers,
      })
    ).json();

  beforeAll(async () => {
    process.env[SECRET_ENV] = SECRET;
    wecomUrl = await wecom.start();
    smtp = await smtpTestServer();
    await open();
    const person = async (
      username: string,
      roles: Role[],
      profile: Parameters<Hub['profiles']['put']>[1],
    ) => {
      const { user } = await hub.auth.createUser(SYSTEM, {
        username,
        roles,
        password: 'correct-horse-battery-staple-42',
      });
      hub.profiles.put(user.id, profile, 'admin', clock.now());
    };
    await person('ann', ['technician'], { language: 'zh-CN', contacts: { wecomId: 'ann-wx' }, channels: {} });
    await person('bob', ['technician'], {
      language: 'en',
      contacts: { email: 'bob@example.com' },
      channels: {},
    });
    await person('sue', ['supervisor'], { language: 'en', contacts: { wecomId: 'sue-wx' }, channels: {} });
    await person('dan', ['technician'], { language: 'en', contacts: { wecomId: 'dan-wx' }, channels: {} });
    supervisor = await sessionAs(hub, ['supervisor']);
    technician = await sessionAs(hub, ['technician']);
  });
  afterAll(async () => {
    await hub?.stop();
    await wecom.stop();
    await smtp.close();
    delete process.env[SECRET_ENV];
  });

  it('shows who is on call now and at a time, with the next handover', async () => {
    const res = await hub.http.inject({ method: 'GET', url: '/api/v1/oncall', headers: technician.headers });
    expect(res.statusCode).toBe(200);
    const board = res.json();
    expect(board.rotas[0]).toMatchObject({
      team: 'hvac',
      teamName: 'HVAC team',
      now: { username: 'ann', next: 'bob', supervisor: 'sue', until: at('2026-03-09T09:00:00+08:00') },
    });
    expect(board.rotas[0].weeks.map((w: { username: string }) => w.username)).toEqual([
      'ann',
      'bob',
      'ann',
      'bob',
    ]);
    const next = await hub.http.inject({
      method: 'GET',
      url: `/api/v1/oncall/at?t=${at('2026-03-09T09:00:00+08:00')}&team=hvac`,
      headers: technician.headers,
    });
    expect(next.json().onCall[0]).toMatchObject({ username: 'bob', next: 'ann' });
  });

  it('critical: the person on call at once, after 5 min the next in the rota, after 15 the supervisor', async () => {
    const alert = raise('ahu-1');
    await waitFor(
      () => wecomFor(alert.id).length === 1,
      5_000,
      () => 'the WeCom message to ann',
    );
    // as WeCom took it: a text card to ann's userid, in her language, with the signed acknowledge link
    expect(wecom.messages.at(-1)?.mentions).toEqual(['ann-wx']);
    expect(wecom.messages.at(-1)?.body).toMatchObject({ msgtype: 'textcard', touser: 'ann-wx' });
    const first = wecomFor(alert.id)[0]!;
    expect(first.touser).toBe('ann-wx');
    expect(first.title).toBe('【紧急】AHU 1：supply-hot on ahu-1'); // raised, not escalated (no 升级：)
    expect(first.body).toContain('您正在为HVAC team值班');
    expect(first.link).toMatch(/^https:\/\/hub\.example\.com\/api\/v1\/oncall\/ack\/[\w-]+\.[\w-]+$/);
    expect(first.body).toContain(`确认告警：${first.link}`);

    clock.advance(5 * MIN - 1_000);
    expect(mailsTo('bob@example.com')).toHaveLength(0);
    clock.advance(1_000); // the 5th minute: bob, by e-mail (no WeCom id), in English
    await waitFor(
      () => mailsTo('bob@example.com').length === 1,
      5_000,
      () => 'the e-mail to bob',
    );
    expect(subjectOf(mailsTo('bob@example.com')[0]!.raw)).toBe(
      'Escalated: [Critical] AHU 1: supply-hot on ahu-1',
    );
    expect(mailsTo('bob@example.com')[0]!.raw).toContain('Not acknowledged after 5 min (told: ann)');

    // escalating now: told ann and bob, the supervisor next, at the 15th minute
    const running = (
      await hub.http.inject({ method: 'GET', url: '/api/v1/oncall/escalations', headers: supervisor.headers })
    ).json().escalations;
    expect(running).toMatchObject([
      {
        alertId: alert.id,
        state: 'running',
        nextStep: 2,
        nextAt: START + 15 * MIN,
        alert: { assetId: 'ahu-1', severity: 'critical' },
        notices: [{ username: 'ann' }, { username: 'bob' }],
      },
    ]);
    expect(running[0].alert.transitions).toBeUndefined();

    clock.advance(10 * MIN); // the 15th minute: the supervisor
    await waitFor(
      () => wecomFor(alert.id).length === 2,
      5_000,
      () => 'the WeCom message to sue',
    );
    const third = wecomFor(alert.id)[1]!;
    expect(third.touser).toBe('sue-wx');
    expect(third.title).toBe('Escalated: [Critical] AHU 1: supply-hot on ahu-1');
    expect(third.body).toContain('You are the supervisor of HVAC team');
    expect(third.link).toMatch(/^https:\/\/hub\.example\.com\/api\/v1\/oncall\/ack\//);
    expect(third.link).not.toBe(first.link); // signed for sue, not ann

    const e = await escalation(alert.id);
    expect(e).toMatchObject({ state: 'exhausted', team: 'hvac', nextAt: null });
    expect(
      e.notices.map(
        (n: { target: string; username: string; outcome: string }) =>
          `${n.target}:${n.username}:${n.outcome}`,
      ),
    ).toEqual(['oncall:ann:queued', 'next:bob:queued', 'supervisor:sue:queued']);
    // nothing more, however long it stays unacknowledged
    clock.advance(60 * MIN);
    expect(wecomFor(alert.id)).toHaveLength(2);
  });

  it('acknowledging through the signed link (a page in her language) stops the chain', async () => {
    const alert = raise('ahu-2');
    await waitFor(
      () => wecomFor(alert.id).length === 1,
      5_000,
      () => 'the WeCom message to ann',
    );
    const msg = wecomFor(alert.id)[0]!;
    expect(msg.touser).toBe('ann-wx');
    const path = new URL(msg.link!).pathname;

    const page = await hub.http.inject({ method: 'GET', url: path, headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<html lang="zh-CN">');
    expect(page.body).toContain('<h1>确认告警</h1>');
    expect(page.body).toContain('<button name="ack" value="1">确认</button>');
    expect(page.body).not.toContain('<script');
    const en = await hub.http.inject({
      method: 'GET',
      url: `${path}?lang=en`,
      headers: { accept: 'text/html' },
    });
    expect(en.body).toContain('<h1>Acknowledge alert</h1>');
    expect(en.body).toContain('AHU 2');

    const done = await hub.http.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'ack=1',
    });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('<h1>已确认</h1>');
    expect(done.body).toMatch(/已由 ann 于 2026-03-03 \d\d:\d\d 确认/);
    expect(hub.alerts.get(alert.id)).toMatchObject({ state: 'acked', ackedBy: 'ann' });
    expect(await escalation(alert.id)).toMatchObject({
      state: 'acknowledged',
      stoppedBy: 'ann',
      nextAt: null,
    });
    const byAlert = async (id: number) =>
      (
        await hub.http.inject({
          method: 'GET',
          url: `/api/v1/oncall/escalations?alert=${id}`,
          headers: supervisor.headers,
        })
      ).json().escalations;
    expect(await byAlert(alert.id)).toMatchObject([
      { state: 'acknowledged', alert: { id: alert.id, state: 'acked' } },
    ]);
    expect(await byAlert(999_999)).toEqual([]);
    const audit = hub.audit.query({ action: 'alert.acknowledged', limit: 10 });
    expect(audit.find((a) => a.target === String(alert.id))).toMatchObject({
      actor: 'ann',
      via: 'system',
      detail: 'signed link in the on-call message',
    });

    clock.advance(20 * MIN);
    expect(wecomFor(alert.id)).toHaveLength(1);
    expect(mailsTo('bob@example.com')).toHaveLength(1); // only the first alert's

    // the link again: nothing left to acknowledge (409 as a page); altered: refused
    const again = await hub.http.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'ack=1',
    });
    expect(again.statusCode).toBe(409);
    const tampered = `${path.slice(0, -3)}${path.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    const bad = await hub.http.inject({ method: 'GET', url: tampered });
    expect(bad.statusCode).toBe(403);
    expect(bad.headers['content-type']).toContain('application/problem+json');
  });

  it('a restart mid-chain continues it: nobody is told twice, the next step comes on time', async () => {
    const alert = raise('ahu-3');
    await waitFor(
      () => wecomFor(alert.id).length === 1,
      5_000,
      () => 'the WeCom message to ann',
    );
    expect(wecomFor(alert.id)[0]!.touser).toBe('ann-wx');
    clock.advance(2 * MIN);
    await hub.stop();
    clock.advance(1 * MIN); // the hub is down for a minute
    await open();
    supervisor = await sessionAs(hub, ['supervisor']);
    expect(await escalation(alert.id)).toMatchObject({ state: 'running', nextStep: 1 });
    clock.advance(2 * MIN - 1_000);
    expect(mailsTo('bob@example.com')).toHaveLength(1);
    clock.advance(1_000);
    await waitFor(
      () => mailsTo('bob@example.com').length === 2,
      5_000,
      () => 'the e-mail to bob after the restart',
    );
    expect(wecomFor(alert.id)).toHaveLength(1); // ann was not told again
    // acknowledged in the dashboard: the chain stops before the supervisor
    const ack = await hub.http.inject({
      method: 'POST',
      url: `/api/v1/alerts/${alert.id}/ack`,
      headers: technician.headers,
      payload: {},
    });
    expect(ack.statusCode).toBe(200);
    clock.advance(15 * MIN);
    expect(wecomFor(alert.id)).toHaveLength(1);
    expect((await escalation(alert.id)).state).toBe('acknowledged');
  });

  it('low severities are collected per person into one digest per period', async () => {
    const before = wecom.messages.length;
    for (const a of ['ahu-1', 'ahu-2', 'ahu-3']) raise(a, 'filter-dirty');
    clock.advance(1_000);
    expect(wecom.messages.length).toBe(before); // nothing at once
    const digests = () =>
      received(before).filter((m) => m.title.includes('（汇总）') || m.title.includes('(digest)'));
    clock.advance(60 * MIN);
    await waitFor(
      () => digests().length > 0,
      5_000,
      () => 'the digest',
    );
    expect(received(before)).toHaveLength(1); // the digest, and nothing else
    const d = digests()[0]!;
    expect(d.touser).toBe('ann-wx');
    expect(d.title).toBe('您有 3 条告警（汇总）');
    // one line per alert, in the order raised, in her language
    expect(d.body.split('\n')).toEqual(
      [1, 2, 3].map((n) => expect.stringContaining(`[低] AHU ${n}: filter-dirty on ahu-${n}`)),
    );
    // the next period has nothing new: no empty digest
    clock.advance(60 * MIN);
    await new Promise((r) => setTimeout(r, 50));
    expect(received(before)).toHaveLength(1);
  });

  it('an override (supervisors, audited) puts someone else on call; bad input names the field', async () => {
    const from = clock.now();
    const to = from + 4 * 3_600_000;
    const post = (s: TestSession, payload: object) =>
      hub.http.inject({ method: 'POST', url: '/api/v1/oncall/overrides', headers: s.headers, payload });
    expect((await post(technician, { team: 'hvac', username: 'dan', from, to })).statusCode).toBe(403);
    const unknown = await post(supervisor, { team: 'hvac', username: 'nobody', from, to });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors).toEqual([{ path: 'username', message: 'no active user "nobody"' }]);
    expect(
      (await post(supervisor, { team: 'hvac', username: 'dan', from, to: from })).json().errors[0].path,
    ).toBe('to');
    expect(
      (await post(supervisor, { team: 'plumbing', username: 'dan', from, to })).json().errors[0].path,
    ).toBe('team');

    const created = await post(supervisor, {
      team: 'hvac',
      username: 'dan',
      from,
      to,
      note: 'ann at the dentist',
    });
    expect(created.statusCode).toBe(201);
    const board = (
      await hub.http.inject({ method: 'GET', url: '/api/v1/oncall', headers: technician.headers })
    ).json();
    expect(board.rotas[0].now).toMatchObject({ username: 'dan', scheduled: 'ann', next: 'bob' });
    expect(hub.audit.query({ action: 'oncall.override-added', limit: 5 })[0]).toMatchObject({
      target: `hvac#${created.json().id}`,
    });

    // the alert goes to dan now
    const alert = raiseAgain('ahu-1');
    await waitFor(
      () => wecomFor(alert.id).some((m) => m.touser === 'dan-wx'),
      5_000,
      () => 'the WeCom message to dan',
    );

    // extended by an hour, with a note: changed in place, audited with before and after
    const put = await hub.http.inject({
      method: 'PUT',
      url: `/api/v1/oncall/overrides/${created.json().id}`,
      headers: supervisor.headers,
      payload: { team: 'hvac', username: 'dan', from, to: to + 3_600_000, note: 'and the pharmacy' },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ id: created.json().id, to: to + 3_600_000, note: 'and the pharmacy' });
    expect(hub.audit.query({ action: 'oncall.override-changed', limit: 5 })[0]).toMatchObject({
      before: { to },
      after: { to: to + 3_600_000 },
    });
    const del = await hub.http.inject({
      method: 'DELETE',
      url: `/api/v1/oncall/overrides/${created.json().id}`,
      headers: supervisor.headers,
    });
    expect(del.statusCode).toBe(200);
    const after = (
      await hub.http.inject({ method: 'GET', url: '/api/v1/oncall', headers: technician.headers })
    ).json();
    expect(after.rotas[0].now.username).toBe('ann');
    expect(hub.audit.query({ action: 'oncall.override-removed', limit: 5 })).toHaveLength(1);
  });

  it('an on-call person nobody can reach: the next step comes at once, not after its minutes', async () => {
    await hub.auth.createUser(SYSTEM, {
      username: 'eve',
      roles: ['technician'],
      password: 'correct-horse-battery-staple-42',
    }); // no profile: no contacts
    const from = clock.now();
    const o = await hub.http.inject({
      method: 'POST',
      url: '/api/v1/oncall/overrides',
      headers: supervisor.headers,
      payload: { team: 'hvac', username: 'eve', from, to: from + 3_600_000 },
    });
    expect(o.statusCode).toBe(201);
    const mails = mailsTo('bob@example.com').length;
    const alert = raiseAgain('ahu-2');
    clock.advance(1_000); // the next tick, not the 5th minute
    await waitFor(
      () => mailsTo('bob@example.com').length === mails + 1,
      5_000,
      () => 'the e-mail to bob',
    );
    const e = await escalation(alert.id);
    expect(e.notices).toMatchObject([
      { target: 'oncall', username: 'eve', outcome: 'unreachable' },
      { target: 'next', username: 'bob', outcome: 'queued' },
    ]);
    expect(e).toMatchObject({ state: 'running', nextStep: 2, nextAt: e.startedAt + 15 * MIN });
    await hub.http.inject({
      method: 'DELETE',
      url: `/api/v1/oncall/overrides/${o.json().id}`,
      headers: supervisor.headers,
    });
    hub.alerts.conditionChanged(inst('ahu-2', 'supply-hot'), { active: false, message: 'ok' }, clock.now());
  });

  it("quiet hours: a high alert's single notice waits; a critical one goes through at once", async () => {
    const ann = hub.auth.users.findByName('ann')!;
    const profile = { language: 'zh-CN' as const, contacts: { wecomId: 'ann-wx' }, channels: {} };
    hub.profiles.put(
      ann.id,
      { ...profile, quietHours: { start: '00:00', end: '23:59' } },
      'ann',
      clock.now(),
    );
    const before = wecom.messages.length;
    // ahu-3's condition clears and comes back as high (a severity without a chain: told once, not urgent)
    hub.alerts.conditionChanged(inst('ahu-3', 'supply-hot'), { active: false, message: 'ok' }, clock.now());
    const high = hub.alerts.conditionChanged(
      inst('ahu-3', 'supply-hot'),
      { active: true, message: 'supply 29 °C', severity: 'high' },
      clock.now(),
    )!;
    expect(high.severity).toBe('high');
    const critical = raiseAgain('ahu-1');
    await waitFor(
      () => wecomFor(critical.id, before).some((m) => m.touser === 'ann-wx'),
      5_000,
      () => 'the critical alert to ann',
    );
    // (an alert keeps its id across occurrences: only messages since this test count)
    expect(wecomFor(high.id, before)).toHaveLength(0);
    const e = await escalation(high.id);
    expect(e).toMatchObject({ state: 'exhausted', steps: [{ to: 'oncall', afterMinutes: 0 }] });
    expect(e.notices).toMatchObject([{ target: 'oncall', username: 'ann', outcome: 'held' }]);
    hub.profiles.put(ann.id, profile, 'ann', clock.now());
  });

  it('an acknowledge link expires (a page in English for an English browser)', async () => {
    const before = wecom.messages.length;
    const alert = raiseAgain('ahu-2');
    // (an alert keeps its id across occurrences: only the message of this one)
    await waitFor(
      () => wecomFor(alert.id, before).length > 0,
      5_000,
      () => 'the new WeCom message',
    );
    const mine = wecomFor(alert.id, before)[0]!;
    expect(mine.touser).toBe('ann-wx');
    const path = new URL(mine.link!).pathname;
    clock.advance(2 * 3_600_000 - 1_000); // good until its last second
    expect((await hub.http.inject({ method: 'GET', url: path })).statusCode).toBe(200);
    clock.advance(1_000);
    const res = await hub.http.inject({
      method: 'GET',
      url: path,
      headers: { accept: 'text/html', 'accept-language': 'en-GB,en;q=0.8' },
    });
    expect(res.statusCode).toBe(410);
    expect(res.body).toContain('<h1>Link expired</h1>');
  });
});
