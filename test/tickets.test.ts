import { readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import type { AlertInstance } from '../domains/alerts/alert-service.js';
import { EVIDENCE_DELAY_MS } from '../domains/tickets/alert-tickets.js';
import { TICKET_ACTIONS } from '../domains/tickets/ticket-state.js';
import type { TicketView } from '../domains/tickets/ticket-types.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { type Hook, hookServer } from './hook-server.js';
import { sessionAs, type TestSession, tempDataDir, testHubOptions } from './hub-harness.js';

const MIN = 60_000;
const DAY = 86_400_000;

/** A real 1×1 PNG. */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f6d2a80000000049454e44ae426082',
  'hex',
);

/** A site with the maintenance organisation of a small office building. */
function siteYaml(dataDir: string, hookUrl = 'http://127.0.0.1:9/unused') {
  return `
site: { id: t1, name: Ticket site }
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
  - id: ahu-1
    name: AHU 1
    kind: ahu
    zone: b1-f1
    device: gw
    model: AHU-2000
    details: { manufacturer: Acme, serial: A-123, installed: '2021-05-01' }
    documents: [{ title: Manual, url: 'https://docs.example/ahu-2000.pdf' }]
    points:
      - { name: supply_temp_c, unit: degC }
      - { name: filter_dp_pa, unit: Pa }
  - id: chiller-1
    name: Chiller 1
    kind: chiller
    zone: b1
    device: gw
    points:
      - { name: run_hours_h, unit: h, kind: counter }
      - { name: chw_supply_temp_c, unit: degC }
rules:
  - { id: ahu-hot, name: AHU supply too warm, severity: high, target: { point: ahu-1/supply_temp_c }, condition: { type: threshold, high: 28 } }
  - { id: filter-dirty, name: AHU filter dirty, severity: medium, target: { point: ahu-1/filter_dp_pa }, condition: { type: threshold, high: 250 } }
  - { id: chw-warm, name: CHW warm, severity: low, target: { point: chiller-1/chw_supply_temp_c }, condition: { type: threshold, high: 12 } }
actions:
  - { id: desk-hook, type: webhook, url: '${hookUrl}', retries: 0 }
  - { id: boss-hook, type: webhook, url: '${hookUrl}', retries: 0 }
maintenance:
  sla:
    - { priority: 1, respondMinutes: 15, resolveMinutes: 240 }
    - { priority: 2, respondMinutes: 60, resolveMinutes: 480 }
    - { priority: 3, respondMinutes: 240, resolveMinutes: 1440 }
  escalation: { notify: [boss-hook] }
  notify: [desk-hook]
  fromAlerts: { minSeverity: medium, closeAfterClearMinutes: 30, recurrenceDays: 7 }
  teams:
    - { id: hvac, name: HVAC, members: [tech-a, tech-b], skills: [ahu, chiller], zones: [b1] }
    - { id: general, name: General, members: [tech-c] }
  departments:
    - { id: office, name: Admin office, members: [req-1], approvers: [appr-1] }
    - { id: canteen, name: Canteen, members: [req-2], approvers: [appr-2] }
  plans:
    - id: ahu-monthly
      name: AHU monthly service
      assets: [ahu-1]
      trigger: { cron: '0 8 1 * *' }
      team: hvac
      checklist: [Clean filter, { item: Belt tension, unit: mm }]
    - id: morning-round
      name: Morning round
      type: inspection
      assets: [ahu-1, chiller-1]
      trigger: { cron: '0 7 * * 2' }
      checklist: [No leaks, { item: Noise, unit: dB }]
    - id: chiller-2000h
      name: Chiller 2,000 h service
      kinds: [chiller]
      trigger: { point: run_hours_h, every: 2000 }
`;
}

const buildTicketHub = (dataDir: string, clock?: ManualClock, hookUrl?: string) =>
  buildHub(
    testHubOptions(parseSiteText(siteYaml(dataDir, hookUrl), 'tickets-site.yaml'), { clock, live: false }),
  );

type Call = (
  s: TestSession,
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  payload?: object,
) => Promise<{
  statusCode: number;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: an API response's JSON; each test reads the fields it checks
  json(): any;
}>;

describe('the repair workflow through the API', () => {
  const dataDir = tempDataDir();
  let hub: Hub;
  let s: Record<
    'req1' | 'req2' | 'appr1' | 'appr2' | 'desk' | 'techA' | 'techB' | 'boss' | 'admin' | 'viewer',
    TestSession
  >;
  let call: Call;

  beforeAll(async () => {
    hub = await buildTicketHub(dataDir);
    await hub.start();
    s = {
      req1: await sessionAs(hub, ['requester'], 'req-1'),
      req2: await sessionAs(hub, ['requester'], 'req-2'),
      appr1: await sessionAs(hub, ['approver'], 'appr-1'),
      appr2: await sessionAs(hub, ['approver'], 'appr-2'),
      desk: await sessionAs(hub, ['dispatcher'], 'desk'),
      techA: await sessionAs(hub, ['technician'], 'tech-a'),
      techB: await sessionAs(hub, ['technician'], 'tech-b'),
      boss: await sessionAs(hub, ['supervisor'], 'boss'),
      admin: await sessionAs(hub, ['admin'], 'root-2'),
      viewer: await sessionAs(hub, ['viewer'], 'watcher'),
    };
    call = (who, method, url, payload) =>
      hub.http.inject({ method, url, headers: who.headers, payload }) as ReturnType<Call>;
  });
  afterAll(() => hub?.stop());

  const report = async (who = s.req1, body: object = {}) => {
    const res = await call(who, 'POST', '/api/v1/tickets', {
      title: 'AHU 1 noisy',
      description: 'Loud rattling from the fan section since this morning',
      assetId: 'ahu-1',
      ...body,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().ticket as TicketView;
  };

  it('the whole lifecycle: report → approve → dispatch → accept → start → resolve (with a photo) → rate → closed', async () => {
    const t = await report();
    expect(t).toMatchObject({
      state: 'submitted',
      department: 'office',
      requester: 'req-1',
      zoneId: 'b1-f1',
    });

    // another department's approver may not; the requester's may
    const wrong = await call(s.appr2, 'POST', `/api/v1/tickets/${t.id}/approve`, {});
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().detail).toMatch(/only an approver of the ticket's department may approve/);
    const approved = await call(s.appr1, 'POST', `/api/v1/tickets/${t.id}/approve`, { comment: 'ok' });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json().ticket.state).toBe('approved');

    // a technician may not dispatch; the desk sees who fits (skill ahu, zone b1 covers b1-f1) and dispatches
    expect(
      (await call(s.techA, 'POST', `/api/v1/tickets/${t.id}/dispatch`, { assignee: 'tech-a' })).statusCode,
    ).toBe(403);
    const suggestions = (await call(s.desk, 'GET', `/api/v1/tickets/${t.id}/suggestions`)).json();
    expect(suggestions.teams[0]).toMatchObject({ id: 'hvac', score: 4 });
    expect(suggestions.technicians.map((x: { username: string }) => x.username)).toEqual([
      'tech-a',
      'tech-b',
      'tech-c',
    ]);
    const nobody = await call(s.desk, 'POST', `/api/v1/tickets/${t.id}/dispatch`, { assignee: 'watcher' });
    expect(nobody.statusCode).toBe(400);
    expect(nobody.json().detail).toMatch(/"watcher" is not a technician/);
    const dispatched = await call(s.desk, 'POST', `/api/v1/tickets/${t.id}/dispatch`, { assignee: 'tech-a' });
    expect(dispatched.json().ticket).toMatchObject({ state: 'dispatched', assignee: 'tech-a', team: 'hvac' });

    // only the assignee accepts, and says when they will be there
    expect(
      (await call(s.techB, 'POST', `/api/v1/tickets/${t.id}/accept`, { etaMinutes: 10 })).statusCode,
    ).toBe(403);
    expect((await call(s.techA, 'POST', `/api/v1/tickets/${t.id}/accept`, {})).statusCode).toBe(400);
    const accepted = (
      await call(s.techA, 'POST', `/api/v1/tickets/${t.id}/accept`, { etaMinutes: 30 })
    ).json();
    expect(accepted.ticket.state).toBe('accepted');
    expect(accepted.ticket.etaAt - accepted.ticket.acceptedAt).toBe(30 * MIN);
    expect(accepted.actions).toEqual(['start']);
    expect((await call(s.techA, 'POST', `/api/v1/tickets/${t.id}/start`, {})).json().ticket.state).toBe(
      'in-progress',
    );

    // a photo of the work, checked by content and served back as stored
    const photo = await hub.http.inject({
      method: 'POST',
      url: `/api/v1/tickets/${t.id}/photos?stage=work`,
      headers: { ...s.techA.headers, 'content-type': 'image/png' },
      payload: PNG,
    });
    expect(photo.statusCode, photo.body).toBe(201);
    const file = photo.json().file as string;
    expect(file).toMatch(/^[0-9a-f]{32}\.png$/);
    const back = await hub.http.inject({
      url: `/api/v1/tickets/${t.id}/photos/${file}`,
      headers: s.viewer.headers,
    });
    expect(back.statusCode).toBe(200);
    expect(back.headers['content-type']).toBe('image/png');
    expect(back.rawPayload.equals(PNG)).toBe(true);

    expect((await call(s.techA, 'POST', `/api/v1/tickets/${t.id}/resolve`, {})).statusCode).toBe(400);
    const resolved = await call(s.techA, 'POST', `/api/v1/tickets/${t.id}/resolve`, {
      resolution: 'Fan bearing replaced, belt re-tensioned',
    });
    expect(resolved.json().ticket).toMatchObject({
      state: 'resolved',
      resolution: 'Fan bearing replaced, belt re-tensioned',
    });

    // only the requester rates
    const deskRate = await call(s.desk, 'POST', `/api/v1/tickets/${t.id}/rate`, { rating: 5 });
    expect(deskRate.statusCode).toBe(403);
    expect((await call(s.req1, 'POST', `/api/v1/tickets/${t.id}/rate`, { rating: 6 })).statusCode).toBe(400);
    const rated = await call(s.req1, 'POST', `/api/v1/tickets/${t.id}/rate`, {
      rating: 5,
      comment: 'quick, thanks',
    });
    expect(rated.json().ticket).toMatchObject({ state: 'closed', rating: 5, ratingComment: 'quick, thanks' });
    expect(rated.json().actions).toEqual(['reopen']);

    // the timeline: every step with who
    const events = rated.json().events as { event: string; actor: string }[];
    expect(events.map((e) => `${e.event}:${e.actor}`)).toEqual([
      'submit:req-1',
      'approve:appr-1',
      'dispatch:desk',
      'accept:tech-a',
      'start:tech-a',
      'photo:tech-a',
      'resolve:tech-a',
      'rate:req-1',
    ]);
    expect(rated.json().photos).toHaveLength(1);
    expect(hub.audit.query({ action: 'ticket.approve', limit: 5 })[0]).toMatchObject({
      actor: 'appr-1',
      target: String(t.id),
    });

    // the service evaluation counts it: accepted, fixed first time, rated 5
    const kpis = await call(s.boss, 'GET', `/api/v1/tickets/kpis?from=0&to=${Date.now() + 1000}&group=team`);
    expect(kpis.statusCode, kpis.body).toBe(200);
    const hvac = kpis.json().groups.find((g: { key: string }) => g.key === 'hvac');
    expect(hvac).toMatchObject({
      tickets: 1,
      resolved: 1,
      firstTimeFix: 1,
      satisfaction: 5,
      ratings: 1,
      breaches: 0,
    });
    expect(hvac.mttaMinutes).toBeGreaterThanOrEqual(0);
    expect(hvac.slaCompliance).toBe(1);
    expect((await call(s.techA, 'GET', '/api/v1/tickets/kpis?from=0&to=1')).statusCode).toBe(403);
  });

  it('every action a state does not allow is a 409 naming the allowed ones', async () => {
    const t = await report();
    for (const action of TICKET_ACTIONS) {
      if (['approve', 'reject', 'cancel'].includes(action)) continue;
      const res = await call(s.admin, 'POST', `/api/v1/tickets/${t.id}/${action}`, {
        comment: 'x',
        assignee: 'tech-a',
        etaMinutes: 5,
        resolution: 'x',
        rating: 3,
      });
      // each body has only its own fields: strict schemas refuse the rest first
      expect([400, 409], `${action}: ${res.body}`).toContain(res.statusCode);
      const exact = await call(s.admin, 'POST', `/api/v1/tickets/${t.id}/${action}`, bodyFor(action));
      expect(exact.statusCode, `${action}: ${exact.body}`).toBe(409);
      expect(exact.json()).toMatchObject({ state: 'submitted', allowed: ['approve', 'reject', 'cancel'] });
    }
    expect((await call(s.appr1, 'POST', `/api/v1/tickets/${t.id}/reject`, {})).statusCode).toBe(400); // needs why
    expect(
      (await call(s.appr1, 'POST', `/api/v1/tickets/${t.id}/reject`, { comment: 'duplicate' })).json().ticket
        .state,
    ).toBe('rejected');
    const after = await call(s.admin, 'POST', `/api/v1/tickets/${t.id}/reopen`, { comment: 'x' });
    expect(after.statusCode).toBe(409);
    expect(after.json().allowed).toEqual([]);
    expect((await call(s.admin, 'POST', '/api/v1/tickets/999999/approve', {})).statusCode).toBe(404);
  });

  it('decline returns a ticket to the desk; the requester cancels only before dispatch; reopen after resolve', async () => {
    const t = await report();
    await call(s.appr1, 'POST', `/api/v1/tickets/${t.id}/approve`, {});
    await call(s.desk, 'POST', `/api/v1/tickets/${t.id}/dispatch`, { team: 'hvac' });
    // dispatched to the team: any member may decline or accept
    const declined = await call(s.techB, 'POST', `/api/v1/tickets/${t.id}/decline`, { comment: 'on leave' });
    expect(declined.json().ticket).toMatchObject({ state: 'approved', assignee: null });
    await call(s.desk, 'POST', `/api/v1/tickets/${t.id}/dispatch`, { team: 'hvac' });
    expect((await call(s.req1, 'POST', `/api/v1/tickets/${t.id}/cancel`, {})).statusCode).toBe(403);
    const taken = await call(s.techB, 'POST', `/api/v1/tickets/${t.id}/accept`, { etaMinutes: 5 });
    expect(taken.json().ticket).toMatchObject({ state: 'accepted', assignee: 'tech-b' });
    await call(s.techB, 'POST', `/api/v1/tickets/${t.id}/start`, {});
    await call(s.techB, 'POST', `/api/v1/tickets/${t.id}/resolve`, { resolution: 'tightened' });
    const reopened = await call(s.req1, 'POST', `/api/v1/tickets/${t.id}/reopen`, {
      comment: 'still rattles',
    });
    expect(reopened.json().ticket).toMatchObject({ state: 'reopened', reopened: 1, resolvedAt: null });
    expect(reopened.json().ticket.respondDueAt).toBeGreaterThan(t.respondDueAt!);

    const mine = await report(s.req2, { assetId: undefined, location: 'Canteen kitchen, tap 3' });
    expect(mine.department).toBe('canteen');
    expect(
      (await call(s.req2, 'POST', `/api/v1/tickets/${mine.id}/cancel`, { comment: 'fixed itself' })).json()
        .ticket.state,
    ).toBe('cancelled');
    const noWhere = await call(s.req1, 'POST', '/api/v1/tickets', { title: 'x', description: 'y' });
    expect(noWhere.statusCode).toBe(400);
    expect(
      (await call(s.viewer, 'POST', '/api/v1/tickets', { title: 'x', description: 'y', assetId: 'ahu-1' }))
        .statusCode,
    ).toBe(403);
    const listed = (await call(s.req2, 'GET', '/api/v1/tickets?mine=true')).json().tickets as TicketView[];
    expect(listed.map((x) => x.id)).toEqual([mine.id]);
  });

  it('photos: checked by content and size, only by people involved; names are the hub’s own', async () => {
    const t = await report();
    const upload = (who: TestSession, body: Buffer, type = 'image/png') =>
      hub.http.inject({
        method: 'POST',
        url: `/api/v1/tickets/${t.id}/photos`,
        headers: { ...who.headers, 'content-type': type },
        payload: body,
      });
    const html = await upload(s.req1, Buffer.from('<html><script>alert(1)</script></html>'));
    expect(html.statusCode).toBe(415);
    expect(html.json().detail).toMatch(/JPEG, PNG, WebP or HEIC/);
    const exe = await upload(
      s.req1,
      Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)]),
      'application/octet-stream',
    );
    expect(exe.statusCode).toBe(415);
    const huge = await upload(s.req1, Buffer.concat([PNG, Buffer.alloc(9 * 1024 * 1024)]));
    expect(huge.statusCode).toBe(413);
    expect((await upload(s.techB, PNG)).statusCode).toBe(403); // not its requester nor its technician
    expect((await upload(s.req1, PNG)).statusCode).toBe(201);
    const photosDir = join(dataDir, 'photos');
    expect(
      readdirSync(photosDir)
        .filter((f) => !f.startsWith('.'))
        .every((f) => /^[0-9a-f]{32}\.png$/.test(f)),
    ).toBe(true);
    for (const name of ['..%2Fhub.db', 'hub.db', `${'a'.repeat(32)}.png`]) {
      const res = await hub.http.inject({
        url: `/api/v1/tickets/${t.id}/photos/${name}`,
        headers: s.viewer.headers,
      });
      expect(res.statusCode, name).toBe(404);
    }
  });

  it('the equipment file: details, documents, live points, tickets, plans', async () => {
    const res = await call(s.viewer, 'GET', '/api/v1/assets/ahu-1/file');
    expect(res.statusCode, res.body).toBe(200);
    const f = res.json();
    expect(f.asset).toMatchObject({
      id: 'ahu-1',
      model: 'AHU-2000',
      details: { manufacturer: 'Acme', serial: 'A-123' },
      documents: [{ title: 'Manual' }],
      zonePath: [
        { id: 'b1', name: 'Building 1' },
        { id: 'b1-f1', name: 'Floor 1' },
      ],
    });
    expect(f.points.map((p: { name: string }) => p.name)).toEqual(['supply_temp_c', 'filter_dp_pa']);
    expect(f.tickets.length).toBeGreaterThanOrEqual(4);
    expect(f.plans).toEqual([
      expect.objectContaining({ id: 'ahu-monthly', type: 'preventive' }),
      expect.objectContaining({ id: 'morning-round', type: 'inspection' }),
    ]);
    expect((await call(s.viewer, 'GET', '/api/v1/assets/nope/file')).statusCode).toBe(404);
  });
});

function bodyFor(action: (typeof TICKET_ACTIONS)[number]): object {
  switch (action) {
    case 'dispatch':
      return { assignee: 'tech-a' };
    case 'accept':
      return { etaMinutes: 5 };
    case 'resolve':
      return { resolution: 'done' };
    case 'rate':
      return { rating: 4 };
    case 'decline':
    case 'reopen':
    case 'reject':
      return { comment: 'why' };
    default:
      return {};
  }
}

describe('tickets from alerts', () => {
  const dataDir = tempDataDir();
  const clock = new ManualClock(Date.UTC(2026, 10, 2, 9, 0));
  let hub: Hub;
  const inst = (ruleId: string, point: string, severity: 'low' | 'medium' | 'high'): AlertInstance => ({
    key: `${ruleId}|ahu-1|ahu-1/${point}`,
    ruleId,
    assetId: 'ahu-1',
    pointId: `ahu-1/${point}`,
    severity,
    priority: severity === 'high' ? 2 : 3,
    chatter: { transitions: 0, withinMs: 60_000 }, // no chatter detection: every raise is an occurrence
  });
  const hot = inst('ahu-hot', 'supply_temp_c', 'high');
  const dirty = inst('filter-dirty', 'filter_dp_pa', 'medium');
  const set = (i: AlertInstance, active: boolean) =>
    hub.alerts.conditionChanged(
      i,
      { active, message: active ? `${i.ruleId} active` : 'normal', value: 1 },
      clock.now(),
    );
  const ticketsOf = (ruleId: string) =>
    hub.maintenance.tickets.list({ limit: 500 }).filter((t) => t.ruleId === ruleId);

  beforeAll(async () => {
    hub = await buildTicketHub(dataDir, clock);
    await hub.start();
  });
  afterAll(() => hub?.stop());

  it('a burst of 100 raises of the same alert: exactly one ticket, occurrence count 100', () => {
    for (let i = 0; i < 100; i++) {
      set(hot, true);
      set(hot, false);
    }
    const list = ticketsOf('ahu-hot');
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ occurrences: 100, state: 'approved', priority: 2, source: 'alert' });
    const events = hub.maintenance.tickets.store.events(list[0]!.id);
    expect(events.filter((e) => e.event === 'occurrence')).toHaveLength(99);
    expect(events.filter((e) => e.event === 'alert-cleared')).toHaveLength(100);
    // the alert below the policy's severity opens none
    set(inst('chw-warm', 'chw_supply_temp_c', 'low'), true);
    expect(ticketsOf('chw-warm')).toHaveLength(0);
  });

  it('the evidence keeps the alert and the trend before it, from history', () => {
    const t = ticketsOf('ahu-hot')[0]!;
    clock.advance(EVIDENCE_DELAY_MS + 10);
    return expect
      .poll(() => hub.maintenance.tickets.store.evidence(t.id)?.capturedAt)
      .toBeTruthy()
      .then(() => {
        const e = hub.maintenance.tickets.store.evidence(t.id)!;
        expect(e.alert).toMatchObject({ ruleId: 'ahu-hot', assetId: 'ahu-1' });
        expect(e.trendError).toBeNull();
        expect(e.trend).toMatchObject({ series: [{ pointId: 'ahu-1/supply_temp_c', unit: 'degC' }] });
        expect(e.trend!.to - e.trend!.from).toBeGreaterThanOrEqual(60 * MIN);
      });
  });

  it('a transient fault: cleared and quiet for 30 min before anyone accepted it, its ticket closes itself', () => {
    set(dirty, true);
    const t = ticketsOf('filter-dirty')[0]!;
    set(dirty, false);
    clock.advance(29 * MIN);
    hub.maintenance.tick(clock.now());
    expect(hub.maintenance.tickets.get(t.id)!.state).toBe('approved');
    clock.advance(2 * MIN);
    hub.maintenance.tick(clock.now());
    expect(hub.maintenance.tickets.get(t.id)).toMatchObject({
      state: 'closed',
      resolution: 'cleared by itself',
    });
  });

  it('a recurrence within 7 days reopens the last ticket; after that it opens a new one', () => {
    const before = ticketsOf('filter-dirty');
    set(dirty, true);
    const after = ticketsOf('filter-dirty');
    expect(after).toHaveLength(before.length);
    expect(after[0]).toMatchObject({ id: before[0]!.id, state: 'reopened', reopened: 1, occurrences: 2 });
    // worked and closed, then the fault comes back 8 days later: a new ticket
    const tk = hub.maintenance.tickets;
    const HUB = {
      username: 'root',
      permissions: new Set(['tickets:dispatch', 'tickets:manage'] as const),
      via: 'cli' as const,
    };
    tk.act(after[0]!.id, 'cancel', HUB, { comment: 'test' });
    set(dirty, false);
    // it finished 8 days ago (moving the hub's clock 8 days would run a week of its timers)
    tk.update(after[0]!.id, { closedAt: clock.now() - 8 * DAY });
    set(dirty, true);
    const later = ticketsOf('filter-dirty');
    expect(later).toHaveLength(2);
    expect(later[0]).toMatchObject({ state: 'approved', occurrences: 1, linkedTicketId: null });
  });
});

describe('service levels and plans on the hub’s clock, across restarts', () => {
  const dataDir = tempDataDir();
  // Monday 30 Nov 2026, 07:58 UTC (the site's zone)
  const clock = new ManualClock(Date.UTC(2026, 10, 30, 7, 58));
  let hub: Hub;
  // biome-ignore lint/suspicious/noExplicitAny: webhook bodies of several events; each test reads what it checks
  let hooks: Hook<any>[];
  let server: Server;
  let hookUrl: string;

  beforeAll(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: as above, the webhook bodies
    ({ server, url: hookUrl, hooks } = await hookServer<any>());
    hub = await buildTicketHub(dataDir, clock, hookUrl);
    await hub.start();
  });
  afterAll(async () => {
    await hub?.stop();
    server?.close();
  });

  const restart = async (advanceMs: number) => {
    await hub.stop();
    clock.advance(advanceMs); // time passes while the hub is off
    hub = await buildTicketHub(dataDir, clock, hookUrl);
    await hub.start();
  };

  it('a response target missed while the hub was off is escalated at start: breach recorded, priority raised, supervisors told', async () => {
    const requester = await sessionAs(hub, ['requester'], 'req-1');
    const res = await hub.http.inject({
      method: 'POST',
      url: '/api/v1/tickets',
      headers: requester.headers,
      payload: {
        title: 'Chiller alarm',
        description: 'red light on the panel',
        assetId: 'chiller-1',
        priority: 2,
      },
    });
    const t = res.json().ticket as TicketView;
    expect(t.respondDueAt! - t.createdAt).toBe(60 * MIN);
    await expect.poll(() => hooks.some((h) => h.event === 'ticket.created')).toBe(true);

    await restart(61 * MIN);
    const escalated = hub.maintenance.tickets.get(t.id)!;
    expect(escalated).toMatchObject({ priority: 1, respondBreachedAt: clock.now(), resolveBreachedAt: null });
    const events = hub.maintenance.tickets.store.events(t.id).filter((e) => e.event === 'escalate');
    expect(events).toHaveLength(1);
    expect(events[0]!.comment).toBe('response target missed');
    await expect.poll(() => hooks.filter((h) => h.event === 'ticket.escalate').length).toBe(2); // desk and supervisors
    expect(hooks.find((h) => h.event === 'ticket.escalate')!.body.ticket).toMatchObject({
      id: t.id,
      priority: 1,
    });

    // the next tick and another restart escalate nothing twice; the resolution target then passes too
    hub.maintenance.tick(clock.now());
    await restart(MIN);
    expect(hub.maintenance.tickets.store.events(t.id).filter((e) => e.event === 'escalate')).toHaveLength(1);
    clock.advance(480 * MIN);
    hub.maintenance.tick(clock.now());
    // the hub's own 5 s tick caught it while the time ran
    const breachedAt = hub.maintenance.tickets.get(t.id)!.resolveBreachedAt!;
    expect(breachedAt - t.resolveDueAt!).toBeGreaterThanOrEqual(0);
    expect(breachedAt - t.resolveDueAt!).toBeLessThanOrEqual(5_000);
    const kpis = (
      await hub.http.inject({
        url: `/api/v1/tickets/kpis?from=0&to=${clock.now() + 1}`,
        headers: (await sessionAs(hub, ['supervisor'], 'boss')).headers,
      })
    ).json();
    expect(kpis.total).toMatchObject({ breaches: 1, slaCompliance: 0 });
  });

  it('preventive maintenance by calendar: the 1st of the month at 08:00 makes one work order, dispatched to its team', async () => {
    const monthly = () =>
      hub.maintenance.tickets.list({ limit: 100 }).filter((t) => t.planId === 'ahu-monthly');
    // Tue 1 Dec 2026 07:59 → 08:00:30
    clock.advance(Date.UTC(2026, 11, 1, 7, 59) - clock.now());
    hub.maintenance.tick(clock.now());
    expect(monthly()).toHaveLength(0);
    // the Tuesday 07:00 inspection round: one work order for both assets, every item on each
    const round = hub.maintenance.tickets.list({ limit: 100 }).filter((t) => t.planId === 'morning-round');
    expect(round).toHaveLength(1);
    expect(round[0]).toMatchObject({
      kind: 'inspection',
      assetId: null,
      title: 'Morning round (2 assets)',
      location: 'AHU 1, Chiller 1',
      checklist: [
        { item: 'AHU 1: No leaks' },
        { item: 'AHU 1: Noise', unit: 'dB' },
        { item: 'Chiller 1: No leaks' },
        { item: 'Chiller 1: Noise', unit: 'dB' },
      ],
    });
    clock.advance(Date.UTC(2026, 11, 1, 8, 0, 30) - clock.now());
    hub.maintenance.tick(clock.now());
    hub.maintenance.tick(clock.now() + 1000);
    expect(monthly()).toHaveLength(1);
    const wo = monthly()[0]!;
    expect(wo).toMatchObject({
      kind: 'preventive',
      source: 'plan',
      state: 'dispatched',
      team: 'hvac',
      assetId: 'ahu-1',
      checklist: [{ item: 'Clean filter' }, { item: 'Belt tension', unit: 'mm' }],
    });
    // resolving needs every checklist item; the results are kept
    const tech = await sessionAs(hub, ['technician'], 'tech-a');
    const go = (action: string, payload: object) =>
      hub.http.inject({
        method: 'POST',
        url: `/api/v1/tickets/${wo.id}/${action}`,
        headers: tech.headers,
        payload,
      });
    await go('accept', { etaMinutes: 0 });
    await go('start', {});
    const partial = await go('resolve', {
      resolution: 'serviced',
      checklistResults: [{ item: 'Clean filter', ok: true }],
    });
    expect(partial.statusCode).toBe(400);
    expect(partial.json().detail).toMatch(/missing: Belt tension/);
    const done = await go('resolve', {
      resolution: 'serviced',
      checklistResults: [
        { item: 'Clean filter', ok: true },
        { item: 'Belt tension', ok: true, value: 12 },
      ],
    });
    expect(done.json().ticket.checklistResults).toHaveLength(2);
    const desk = await sessionAs(hub, ['dispatcher'], 'desk');
    await hub.http.inject({
      method: 'POST',
      url: `/api/v1/tickets/${wo.id}/close`,
      headers: desk.headers,
      payload: {},
    });

    // off from 2 Dec to 2 Jan: the missed 1 Jan is made up at start, once
    await restart(Date.UTC(2027, 0, 2, 9, 0) - clock.now());
    expect(monthly()).toHaveLength(2);
    hub.maintenance.tick(clock.now() + 60_000);
    await restart(MIN);
    expect(monthly()).toHaveLength(2);
  });

  it('preventive maintenance by run hours: every 2,000 h; due again while open is a note, not a second order', async () => {
    const orders = () =>
      hub.maintenance.tickets.list({ limit: 100 }).filter((t) => t.planId === 'chiller-2000h');
    const hours = (value: number) => {
      hub.pipeline.ingest([{ pointId: 'chiller-1/run_hours_h', value, quality: 'good', ts: clock.now() }]);
      hub.pipeline.flush();
    };
    hours(1_990);
    expect(orders()).toHaveLength(0);
    hours(2_001);
    expect(orders()).toHaveLength(1);
    hours(2_500);
    expect(orders()).toHaveLength(1);
    await restart(MIN); // the progress is kept: 2,600 h is not due again
    hours(2_600);
    expect(orders()).toHaveLength(1);
    hours(4_002);
    expect(orders()).toHaveLength(1);
    expect(hub.maintenance.tickets.store.events(orders()[0]!.id).at(-1)).toMatchObject({ event: 'plan-due' });
    expect(orders()[0]).toMatchObject({
      kind: 'preventive',
      state: 'approved',
      title: 'Chiller 2,000 h service: Chiller 1',
    });
  });
});
