import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { buildHub, type Hub } from '../hub/app.js';
import { seedDemoProfiles } from '../hub/demo-people.js';
import { parseSiteText } from '../hub/site-file.js';
import { sessionAs, type TestSession, tempDataDir, testHubOptions } from './hub-harness.js';
import { waitFor } from './wait.js';

/** A WeCom stand-in that is down (503) until told otherwise, counting requests. */
let down = true;
let requests = 0;
let server: Server;

function siteYaml(url: string) {
  return `
site: { id: p2, name: People API site, timezone: Asia/Shanghai }
hub: { http: { host: 127.0.0.1, port: 0 }, dataDir: ${tempDataDir()}, logLevel: silent }
mqtt: { mode: embedded, host: 127.0.0.1, port: 0 }
zones: [{ id: b1, name: Building 1, kind: building }]
devices: [{ id: gw, protocol: mqtt }]
assets:
  - { id: ahu-1, name: AHU 1, kind: ahu, zone: b1, device: gw, points: [{ name: supply_temp_c, unit: degC }] }
actions:
  - { id: wecom-app, type: webhook, url: '${url}', retries: 2 }
people:
  channels: { wecom: wecom-app }
  defaultChannels: { ticket: [wecom] }
  defaultLanguage: en
maintenance:
  requireApproval: false
  teams: [{ id: hvac, name: HVAC, members: [tech-a] }]
`;
}

describe('profiles and the delivery log through the API', () => {
  let hub: Hub;
  let s: Record<'tech' | 'desk' | 'admin' | 'req' | 'viewer', TestSession>;
  const clock = new ManualClock(Date.parse('2026-03-02T02:00:00Z'));
  const call = async (who: TestSession, method: 'GET' | 'PUT' | 'POST', url: string, payload?: object) => {
    const res = await hub.http.inject({ method, url, headers: who.headers, payload });
    return { status: res.statusCode, body: res.body, json: () => res.json() };
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => res.writeHead(down ? 503 : 204).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wecom`;
    hub = await buildHub(
      testHubOptions(parseSiteText(siteYaml(url), 'people-api.yaml'), { clock, live: false }),
    );
    await hub.start();
    s = {
      tech: await sessionAs(hub, ['technician'], 'tech-a'),
      desk: await sessionAs(hub, ['dispatcher'], 'desk'),
      admin: await sessionAs(hub, ['admin'], 'root-2'),
      req: await sessionAs(hub, ['requester'], 'req-1'),
      viewer: await sessionAs(hub, ['viewer'], 'watcher'),
    };
  });
  afterAll(async () => {
    await hub?.stop();
    server?.closeAllConnections();
    server?.close();
  });

  it('my profile: defaults first, then what I save; bad input is refused naming the field; changes are audited without values', async () => {
    const first = (await call(s.tech, 'GET', '/api/v1/me/profile')).json();
    expect(first).toMatchObject({
      username: 'tech-a',
      language: null,
      contacts: {},
      quietHours: null,
      effective: { language: 'en', channels: { ticket: ['wecom'], visitor: [] } },
      site: { channelKinds: ['wecom'], defaultLanguage: 'en' },
    });

    for (const [body, path] of [
      [{ contacts: { email: 'not-an-address' } }, 'body.contacts.email'],
      [{ contacts: { mobile: '12-34' } }, 'body.contacts.mobile'],
      [{ contacts: { wecomId: 'has space' } }, 'body.contacts.wecomId'],
      [{ quietHours: { start: '24:00', end: '07:00' } }, 'body.quietHours.start'],
      [{ quietHours: { start: '7:00', end: '07:00' } }, 'body.quietHours.start'],
      [{ channels: { ticket: ['pager'] } }, 'body.channels.ticket.0'],
      [{ channels: { ticket: ['sms', 'sms'] } }, 'body.channels.ticket'],
      [{ language: 'fr' }, 'body.language'],
      [{ contacts: { fax: '123' } }, 'body.contacts'],
    ] as const) {
      const res = await call(s.tech, 'PUT', '/api/v1/me/profile', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(
        res.json().errors.map((e: { path: string }) => e.path),
        JSON.stringify(body),
      ).toContain(path);
    }

    const saved = await call(s.tech, 'PUT', '/api/v1/me/profile', {
      language: 'zh-CN',
      contacts: { wecomId: 'TechA', mobile: '+8613800000001', email: '' },
      channels: { ticket: ['wecom', 'sms'] },
      quietHours: { start: '22:00', end: '07:00' },
    });
    expect(saved.status, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({
      language: 'zh-CN',
      contacts: { wecomId: 'TechA', mobile: '+8613800000001' },
      channels: { ticket: ['wecom', 'sms'] },
      quietHours: { start: '22:00', end: '07:00' },
      updatedBy: 'tech-a',
    });
    expect(saved.json().contacts).not.toHaveProperty('email');
    expect(hub.people.profile('tech-a')).toMatchObject({ language: 'zh-CN', contacts: { wecomId: 'TechA' } });
    const audit = hub.audit.query({ action: 'profile.update', limit: 5 })[0]!;
    expect(audit).toMatchObject({
      actor: 'tech-a',
      target: 'user:tech-a',
      detail: 'changed: language, contacts.mobile, contacts.wecomId, channels.ticket, quietHours',
    });
    expect(JSON.stringify(audit)).not.toContain('8613800000001');
  });

  it("another user's profile only with users:manage; an admin's change is audited as the admin", async () => {
    const techId = hub.auth.users.findByName('tech-a')!.id;
    expect((await call(s.desk, 'GET', `/api/v1/users/${techId}/profile`)).status).toBe(403);
    expect((await call(s.req, 'PUT', `/api/v1/users/${techId}/profile`, {})).status).toBe(403);
    expect((await call(s.admin, 'GET', '/api/v1/users/9999/profile')).status).toBe(404);
    const put = await call(s.admin, 'PUT', `/api/v1/users/${techId}/profile`, {
      contacts: { wecomId: 'TechA' },
    });
    expect(put.status, put.body).toBe(200);
    expect(put.json()).toMatchObject({ language: null, quietHours: null, updatedBy: 'root-2' });
    expect(hub.audit.query({ action: 'profile.update', limit: 1 })[0]).toMatchObject({
      actor: 'root-2',
      target: 'user:tech-a',
    });
  });

  it('a channel that is down: retried, then failed with why in the log; the channel card counts it; then it recovers', async () => {
    const t = (
      await call(s.req, 'POST', '/api/v1/tickets', {
        title: 'Fan noise',
        description: 'Loud fan',
        assetId: 'ahu-1',
      })
    ).json().ticket;
    expect(
      (await call(s.desk, 'POST', `/api/v1/tickets/${t.id}/dispatch`, { assignee: 'tech-a' })).status,
    ).toBe(200);
    const deliveries = async (q: string) =>
      (await call(s.desk, 'GET', `/api/v1/notifications/deliveries?${q}`)).json().items as {
        id: string;
        state: string;
        attempts: number;
        error: string | null;
      }[];
    await waitFor(() => requests === 1);
    for (let n = 2; n <= 3; n++) {
      await waitFor(async () => (await deliveries('recipient=tech-a'))[0]?.attempts === n - 1);
      clock.advance(5_000);
      await waitFor(() => requests === n);
    }
    await waitFor(async () => (await deliveries('recipient=tech-a'))[0]?.state === 'failed');
    const [failed] = await deliveries('state=failed&channel=wecom');
    expect(failed).toMatchObject({ state: 'failed', attempts: 3, error: expect.stringContaining('503') });

    const channels = (await call(s.desk, 'GET', '/api/v1/notifications/channels')).json();
    expect(channels.channels).toEqual([
      expect.objectContaining({
        id: 'wecom-app',
        type: 'webhook',
        kinds: ['wecom'],
        failed: 1,
        retried: 2,
        sent: 0,
      }),
    ]);
    expect(channels.channels[0].lastError).toContain('503');

    down = false;
    await call(s.desk, 'POST', `/api/v1/tickets/${t.id}/dispatch`, { assignee: 'tech-a' });
    await waitFor(async () => (await deliveries('recipient=tech-a'))[0]?.state === 'sent');
    const [sent, before] = await deliveries('recipient=tech-a');
    expect(sent).toMatchObject({ attempts: 1, error: null });
    expect(before!.id).toBe(failed!.id);
  });

  it("the demo's people get profiles once; a profile someone saved is left alone", async () => {
    await sessionAs(hub, ['technician'], 'wang-hvac');
    expect(seedDemoProfiles(hub)).toBe(2); // wang-hvac and desk; tech-a is not a demo user
    expect(hub.people.profile('wang-hvac')).toMatchObject({
      contacts: { wecomId: 'wx-wanghvac', mobile: '13800138001' },
      channels: { ticket: ['wecom', 'sms'] },
    });
    await call(s.desk, 'PUT', '/api/v1/me/profile', { contacts: { email: 'desk@example.com' } });
    expect(seedDemoProfiles(hub)).toBe(0);
    expect(hub.people.profile('desk')?.contacts).toEqual({ email: 'desk@example.com' });
  });

  it('the log pages with before/limit, filters, and is for notify:read only', async () => {
    const page1 = (await call(s.desk, 'GET', '/api/v1/notifications/deliveries?limit=1')).json();
    expect(page1.items).toHaveLength(1);
    expect(page1.next).toBe(page1.items[0].id);
    const page2 = (
      await call(s.desk, 'GET', `/api/v1/notifications/deliveries?limit=1&before=${page1.next}`)
    ).json();
    expect(page2.items[0].id).not.toBe(page1.items[0].id);
    expect(page2.items[0].state).toBe('failed');
    expect((await call(s.desk, 'GET', '/api/v1/notifications/deliveries?state=nope')).status).toBe(400);
    expect((await call(s.desk, 'GET', '/api/v1/notifications/deliveries?limit=0')).status).toBe(400);
    expect((await call(s.viewer, 'GET', '/api/v1/notifications/deliveries')).status).toBe(403);
    expect((await call(s.tech, 'GET', '/api/v1/notifications/channels')).status).toBe(403);
  });
});
