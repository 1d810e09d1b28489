import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import type { TicketView } from '../domains/tickets/ticket-types.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { SmsGatewayServer } from '../simulators/messaging/sms-gateway-server.js';
import type { DeliveredMessage } from '../simulators/messaging/vendor-server.js';
import { WecomServer } from '../simulators/messaging/wecom-server.js';
import { hookServer } from './hook-server.js';
import { login, sessionAs, type TestSession, tempDataDir, testHubOptions } from './hub-harness.js';
import { smtpTestServer, subjectOf } from './smtp-test-server.js';
import { waitFor } from './wait.js';

const PUBLIC = 'https://hub.example.com';
/** Monday 2026-03-02 10:00 in Shanghai (UTC+8). */
const START = Date.parse('2026-03-02T02:00:00Z');

/** The WeCom app and the SMS gateway behind the site's personal channels (the simulators check them). */
const WECOM = { corpId: 'ww-people', agentId: 1000002, secret: 'people-app-secret' };
const SMS_TOKEN = 'people-modem-token';
const ENV = { HUB_TEST_PEOPLE_WECOM_SECRET: WECOM.secret, HUB_TEST_PEOPLE_SMS_AUTH: `Bearer ${SMS_TOKEN}` };

/** The ticket a WeCom app message is about: its text card opens the ticket. */
const ticketOf = (m: DeliveredMessage | undefined) => {
  const url = (m?.body as { textcard?: { url?: string } } | undefined)?.textcard?.url ?? '';
  return Number(/\/#\/tickets\/(\d+)$/.exec(url)?.[1]);
};

/** What the desk's site-wide hook gets (a personal message would carry a recipient). */
type DeskHook = { recipient?: unknown };

function siteYaml(dataDir: string, hookUrl: string, smtpPort: number, wecomUrl: string, smsUrl: string) {
  return `
site: { id: p1, name: People site, timezone: Asia/Shanghai }
hub:
  http: { host: 127.0.0.1, port: 0 }
  dataDir: ${dataDir}
  logLevel: silent
  smtp: { host: 127.0.0.1, port: ${smtpPort}, from: hub@example.com }
mqtt: { mode: embedded, host: 127.0.0.1, port: 0 }
zones: [{ id: b1, name: Building 1, kind: building }]
devices: [{ id: gw, protocol: mqtt }]
assets:
  - { id: ahu-1, name: AHU 1, kind: ahu, zone: b1, device: gw, points: [{ name: supply_temp_c, unit: degC }] }
  - { id: gate-a, name: Gate A, kind: gate, zone: b1, device: gw, points: [{ name: door_open, type: boolean, kind: state }] }
actions:
  - { id: desk-hook, type: webhook, url: '${hookUrl}?to=desk', retries: 0 }
  - id: wecom-app
    type: wecom-app
    baseUrl: ${wecomUrl}
    corpId: ${WECOM.corpId}
    agentId: ${WECOM.agentId}
    secretEnv: HUB_TEST_PEOPLE_WECOM_SECRET
    retries: 0
  - id: sms-gw
    type: sms-gateway
    url: ${smsUrl}/api/sms
    headerEnv: { Authorization: HUB_TEST_PEOPLE_SMS_AUTH }
    body: '{"to": "{mobile}", "message": "{text}"}'
    success: { path: Code, equals: OK }
    retries: 0
  - { id: mail, type: email, to: [ops@example.com], retries: 0 }
people:
  channels: { wecom: wecom-app, sms: sms-gw, email: mail }
  defaultChannels: { ticket: [wecom, email], visitor: [email, sms] }
  publicUrl: ${PUBLIC}
maintenance:
  requireApproval: false
  notify: [desk-hook]
  teams:
    - { id: hvac, name: HVAC, members: [tech-a, tech-b], skills: [ahu], zones: [b1] }
visitors:
  publicUrl: ${PUBLIC}
`;
}

describe('tickets and visitors reach the right person on the right channel', () => {
  let hub: Hub;
  let hook: Awaited<ReturnType<typeof hookServer<DeskHook>>>;
  let wecom: WecomServer;
  let sms: SmsGatewayServer;
  let smtp: Awaited<ReturnType<typeof smtpTestServer>>;
  let s: Record<'req' | 'desk' | 'techA' | 'techB' | 'alice' | 'kiosk', TestSession>;
  const clock = new ManualClock(START);
  const call = async (who: TestSession, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
    const res = await hub.http.inject({ method, url, headers: who.headers, payload });
    return { status: res.statusCode, body: res.body, json: () => res.json() };
  };
  const relogin = async () => {
    for (const k of Object.keys(s) as (keyof typeof s)[])
      s[k] = await login(hub, s[k].username, s[k].password);
  };

  beforeAll(async () => {
    // the hub's notifier reads channel secrets from process.env (HubOptions has no env)
    Object.assign(process.env, ENV);
    hook = await hookServer<DeskHook>();
    // only TechA exists in the corp: an app message to anyone else comes back in invaliduser (a failed delivery)
    wecom = new WecomServer({
      robots: {},
      corpId: WECOM.corpId,
      apps: { [WECOM.agentId]: WECOM.secret },
      users: ['TechA'],
    });
    sms = new SmsGatewayServer({ token: SMS_TOKEN });
    const [wecomUrl, smsUrl] = await Promise.all([wecom.start(), sms.start()]);
    smtp = await smtpTestServer();
    hub = await buildHub(
      testHubOptions(
        parseSiteText(siteYaml(tempDataDir(), hook.url, smtp.port, wecomUrl, smsUrl), 'people-site.yaml'),
        { clock, live: false },
      ),
    );
    await hub.start();
    s = {
      req: await sessionAs(hub, ['requester'], 'req-1'),
      desk: await sessionAs(hub, ['dispatcher'], 'desk'),
      techA: await sessionAs(hub, ['technician'], 'tech-a'),
      techB: await sessionAs(hub, ['technician'], 'tech-b'),
      alice: await sessionAs(hub, ['requester'], 'alice'),
      kiosk: await sessionAs(hub, ['requester'], 'kiosk'),
    };
    const profile = (who: TestSession, body: object) => call(who, 'PUT', '/api/v1/me/profile', body);
    for (const [who, body] of [
      [s.techA, { contacts: { wecomId: 'TechA' }, channels: { ticket: ['wecom'] } }],
      [s.techB, { contacts: { email: 'tech-b@example.com' } }],
      [s.req, { language: 'en', contacts: { email: 'req@example.com' }, channels: { ticket: ['email'] } }],
      // The dispatcher has only a mobile. A WeCom app message's touser takes only a userid (contact-address.ts:
      // the mobile fallback is a group robot's @mention), so WeCom cannot reach them and their own ticket
      // channels go on to SMS. A wecom-robot instead is not an option for this one person: people.channels
      // names one action per kind, and a robot would turn every personal WeCom message into a group post.
      [s.desk, { contacts: { mobile: '13800000001' }, channels: { ticket: ['wecom', 'sms'] } }],
      [s.alice, { language: 'en', contacts: { email: 'alice@example.com', mobile: '13900000002' } }],
    ] as const) {
      const res = await profile(who, body);
      expect(res.status, res.body).toBe(200);
    }
  });
  afterAll(async () => {
    await hub?.stop();
    hook?.server.close();
    await wecom?.stop();
    await sms?.stop();
    await smtp?.close();
    for (const k of Object.keys(ENV)) delete process.env[k];
  });

  it('dispatch → the assignee on WeCom; accept → the requester by e-mail; resolve → "please rate" and the dispatcher', async () => {
    const created = await call(s.req, 'POST', '/api/v1/tickets', {
      title: 'AHU 1 noisy',
      description: 'Rattling from the fan section',
      assetId: 'ahu-1',
      priority: 3,
    });
    expect(created.status, created.body).toBe(201);
    const t = created.json().ticket as TicketView;
    // the site-wide desk hook still hears about it
    await waitFor(() => hook.hooks.some((h) => h.event === 'ticket.created'));

    expect(
      (await call(s.desk, 'POST', `/api/v1/tickets/${t.id}/dispatch`, { assignee: 'tech-a' })).status,
    ).toBe(200);
    await waitFor(() => wecom.messages.length === 1);
    // WeCom took an app message for TechA (a wrong userid would be invaliduser, and nothing recorded)
    expect(wecom.messages[0]).toMatchObject({
      channel: 'wecom-app',
      to: String(WECOM.agentId),
      mentions: ['TechA'],
    });
    expect(wecom.messages[0]!.body).toMatchObject({
      touser: 'TechA',
      agentid: WECOM.agentId,
      msgtype: 'textcard',
      textcard: { title: `工单 #${t.id} 已派给您：AHU 1 noisy`, url: `${PUBLIC}/#/tickets/${t.id}` },
    });
    expect((wecom.messages[0]!.body as { textcard: { description: string } }).textcard.description).toMatch(
      /^AHU 1 noisy\n/,
    );
    expect(JSON.stringify(wecom.messages[0]!.body)).not.toContain('tech-b');

    expect((await call(s.techA, 'POST', `/api/v1/tickets/${t.id}/accept`, { etaMinutes: 20 })).status).toBe(
      200,
    );
    await waitFor(() => smtp.messages.length === 1);
    expect(smtp.messages[0]!.to).toEqual(['req@example.com']);
    expect(subjectOf(smtp.messages[0]!.raw)).toBe(`Your ticket #${t.id} was accepted by tech-a`);

    expect((await call(s.techA, 'POST', `/api/v1/tickets/${t.id}/start`, {})).status).toBe(200);
    const resolved = await call(s.techA, 'POST', `/api/v1/tickets/${t.id}/resolve`, {
      resolution: 'Bearing replaced',
    });
    expect(resolved.status, resolved.body).toBe(200);
    await waitFor(() => smtp.messages.length === 2 && sms.messages.length === 1);
    expect(subjectOf(smtp.messages[1]!.raw)).toBe(`Your ticket #${t.id} is resolved: please rate the work`);
    expect(smtp.messages[1]!.raw).toContain(`${PUBLIC}/#/tickets/${t.id}`);
    // the dispatcher has no WeCom userid: WeCom is skipped and their mobile gets the SMS (title body link)
    expect(sms.messages[0]).toMatchObject({ channel: 'sms', to: '13800000001' });
    const dispatcherSms = sms.messages[0]!.text;
    const head = `您派发的工单 #${t.id} 已由 tech-a 处理完毕 AHU 1 noisy\n`;
    const tail = ` ${PUBLIC}/#/tickets/${t.id}`;
    expect(dispatcherSms.slice(0, head.length)).toBe(head);
    expect(dispatcherSms).toContain('Bearing replaced');
    expect(dispatcherSms.slice(-tail.length)).toBe(tail);
    expect(wecom.messages).toHaveLength(1);
    // the site-wide desk hook never carries a personal message
    expect(hook.hooks.filter((h) => h.body.recipient)).toEqual([]);

    const log = await call(s.desk, 'GET', `/api/v1/notifications/deliveries?topic=ticket&limit=50`);
    const rows = (
      log.json().items as { recipient: string | null; event: string; state: string; channelKind: string }[]
    )
      .filter((r) => r.recipient)
      .map((r) => `${r.event}:${r.recipient}:${r.channelKind}`);
    expect(rows).toEqual([
      'resolved:desk:sms',
      'resolved:req-1:email',
      'accepted:req-1:email',
      'assigned:tech-a:wecom',
    ]);
  });

  it('a ticket dispatched to a team reaches every member on their own channel', async () => {
    const t = (
      await call(s.req, 'POST', '/api/v1/tickets', {
        title: 'Filter',
        description: 'Dirty filter',
        assetId: 'ahu-1',
      })
    ).json().ticket as TicketView;
    const before = wecom.messages.length;
    const mails = smtp.messages.length;
    expect((await call(s.desk, 'POST', `/api/v1/tickets/${t.id}/dispatch`, { team: 'hvac' })).status).toBe(
      200,
    );
    await waitFor(() => wecom.messages.length === before + 1 && smtp.messages.length === mails + 1);
    expect(wecom.messages.at(-1)!.body).toMatchObject({
      touser: 'TechA',
      textcard: { title: `工单 #${t.id} 已派给您的班组 HVAC：Filter`, url: `${PUBLIC}/#/tickets/${t.id}` },
    });
    // tech-b has only e-mail: the default [wecom, email] skips WeCom
    expect(smtp.messages.at(-1)!.to).toEqual(['tech-b@example.com']);
    expect(subjectOf(smtp.messages.at(-1)!.raw)).toBe(`工单 #${t.id} 已派给您的班组 HVAC：Filter`);
  });

  it('a visitor registered for alice → alice by e-mail, in English, with the signed approval link that works', async () => {
    const mails = smtp.messages.length;
    const reg = await call(s.kiosk, 'POST', '/api/v1/visitors', {
      name: 'Zhang Wei',
      phone: '138-1234-5678',
      company: 'Acme Ltd',
      host: 'alice',
      purpose: 'Contract meeting',
      validFrom: new Date(START + 3_600_000).toISOString(),
      validUntil: new Date(START + 4 * 3_600_000).toISOString(),
    });
    expect(reg.status, reg.body).toBe(201);
    await waitFor(() => smtp.messages.length === mails + 1);
    const mail = smtp.messages.at(-1)!;
    expect(mail.to).toEqual(['alice@example.com']);
    expect(subjectOf(mail.raw)).toBe('Visitor Zhang Wei (Acme Ltd) for you: approve or decline');
    const link = /https:\/\/hub\.example\.com\/api\/v1\/passes\/link\/[A-Za-z0-9._~-]+/.exec(
      mail.raw.replace(/=\r\n/g, ''),
    )?.[0];
    expect(link).toBeDefined();
    // the link approves as alice, without a login
    const approve = await hub.http.inject({
      method: 'POST',
      url: link!.slice(PUBLIC.length),
      payload: { decision: 'approve' },
    });
    expect(approve.statusCode, approve.body).toBe(200);
    expect(approve.json().pass).toMatchObject({ state: 'approved' });
    expect(hub.visitors.passes.get(reg.json().pass.id)?.decidedBy).toBe('alice');

    // alice registering her own visitor is not told about it
    const own = await call(s.alice, 'POST', '/api/v1/visitors', {
      name: 'Li Na',
      phone: '139-0000-1111',
      host: 'alice',
      purpose: 'Interview',
      validFrom: new Date(START + 3_600_000).toISOString(),
      validUntil: new Date(START + 2 * 3_600_000).toISOString(),
    });
    expect(own.status, own.body).toBe(201);
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.messages.length).toBe(mails + 1);
    expect(hub.deliveries.list({ recipient: 'alice' })).toHaveLength(1);
  });

  it('quiet hours: a normal ticket is held until 07:00, an urgent one passes; the log shows held then sent', async () => {
    expect(
      (
        await call(s.techA, 'PUT', '/api/v1/me/profile', {
          contacts: { wecomId: 'TechA' },
          channels: { ticket: ['wecom'] },
          quietHours: { start: '22:00', end: '07:00' },
        })
      ).status,
    ).toBe(200);
    clock.advance(Date.parse('2026-03-02T15:00:00Z') - clock.now()); // 23:00 in Shanghai
    await relogin(); // the day's sessions timed out on the manual clock
    const report = async (priority: number) =>
      (
        await call(s.req, 'POST', '/api/v1/tickets', {
          title: `P${priority} fault`,
          description: 'Found on the night round',
          assetId: 'ahu-1',
          priority,
        })
      ).json().ticket as TicketView;
    const normal = await report(3);
    const urgent = await report(1);
    const before = wecom.messages.length;
    await call(s.desk, 'POST', `/api/v1/tickets/${normal.id}/dispatch`, { assignee: 'tech-a' });
    await call(s.desk, 'POST', `/api/v1/tickets/${urgent.id}/dispatch`, { assignee: 'tech-a' });
    await waitFor(() => wecom.messages.length === before + 1);
    expect(ticketOf(wecom.messages.at(-1))).toBe(urgent.id);
    const held = (await call(s.desk, 'GET', '/api/v1/notifications/deliveries?state=held')).json().items;
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({
      recipient: 'tech-a',
      subjectId: String(normal.id),
      releaseAt: Date.parse('2026-03-02T23:00:00Z'),
    });

    clock.advance(Date.parse('2026-03-02T23:00:00Z') - clock.now()); // 07:00
    await relogin();
    await waitFor(() => wecom.messages.length === before + 2);
    expect(ticketOf(wecom.messages.at(-1))).toBe(normal.id);
    expect(wecom.messages.at(-1)!.mentions).toEqual(['TechA']);
    // WeCom's message carries no hub id: the log shows the held row itself was sent, and no second delivery
    await waitFor(() => hub.deliveries.get(held[0].id)?.state === 'sent');
    const forNormal = hub.deliveries
      .list({ recipient: 'tech-a' })
      .filter((r) => r.subjectId === String(normal.id) && r.event === 'assigned');
    expect(forNormal.map((r) => [r.id, r.state])).toEqual([[held[0].id, 'sent']]);
  });

  it('someone no channel reaches is in the log as unreachable, with why', async () => {
    await sessionAs(hub, ['technician'], 'tech-new');
    const t = (
      await call(s.req, 'POST', '/api/v1/tickets', {
        title: 'Leak',
        description: 'Water under the unit',
        assetId: 'ahu-1',
      })
    ).json().ticket as TicketView;
    await call(s.desk, 'POST', `/api/v1/tickets/${t.id}/dispatch`, { assignee: 'tech-new' });
    const rows = (
      await call(s.desk, 'GET', '/api/v1/notifications/deliveries?state=unreachable&recipient=tech-new')
    ).json().items;
    expect(rows).toEqual([
      expect.objectContaining({
        event: 'assigned',
        subjectId: String(t.id),
        error: 'wecom: no contact; email: no contact',
      }),
    ]);
  });
});
