import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import type { TicketView } from '../domains/tickets/ticket-types.js';
import { buildHub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { sessionAs, type TestSession, tempDataDir, testHubOptions } from './hub-harness.js';

/**
 * Who may add to a ticket (notes and photos: one rule), and how much: photos per ticket (atomically, under
 * concurrent uploads), per person and day, all photos together, and the health warning at 80 %.
 */

const HOUR = 3_600_000;
/** A real 1×1 PNG. */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f6d2a80000000049454e44ae426082',
  'hex',
);
/** A PNG of `bytes` (the signature decides the type; the rest is padding). */
const pngOf = (bytes: number) => Buffer.concat([PNG, Buffer.alloc(bytes - PNG.length)]);

function siteYaml(dataDir: string, maintenance = '') {
  return `
site: { id: t2, name: Ticket additions, timezone: Asia/Shanghai }
hub: { http: { host: 127.0.0.1, port: 0 }, dataDir: ${dataDir}, logLevel: silent }
mqtt: { mode: embedded, host: 127.0.0.1, port: 0 }
storage: { mode: off }
zones:
  - { id: b1, name: Building 1, kind: building }
devices:
  - { id: gw, protocol: mqtt }
assets:
  - { id: ahu-1, name: AHU 1, kind: ahu, zone: b1, device: gw, points: [{ name: supply_temp_c, unit: degC }] }
maintenance:
  teams:
    - { id: hvac, name: HVAC, members: [tech-a, tech-b] }
  departments:
    - { id: office, name: Office, members: [req-1, req-2], approvers: [appr-1] }
${maintenance}
`;
}

type Res = {
  statusCode: number;
  body: string;
  headers: Record<string, unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: an API response's JSON; each test reads the fields it checks
  json(): any;
};

async function ticketHub(maintenance = '', clock?: ManualClock) {
  const dataDir = tempDataDir();
  const site = parseSiteText(siteYaml(dataDir, maintenance), 'additions.yaml');
  const hub = await buildHub(testHubOptions(site, { clock, live: false }));
  const url = await hub.start();
  const call = (who: TestSession, method: 'GET' | 'POST', path: string, payload?: object) =>
    hub.http.inject({ method, url: path, headers: who.headers, payload }) as unknown as Promise<Res>;
  const upload = (who: TestSession, id: number, photo: Buffer = PNG) =>
    hub.http.inject({
      method: 'POST',
      url: `/api/v1/tickets/${id}/photos`,
      headers: { ...who.headers, 'content-type': 'image/png' },
      payload: photo,
    }) as unknown as Promise<Res>;
  const report = async (who: TestSession) => {
    const res = await call(who, 'POST', '/api/v1/tickets', {
      title: 'AHU 1 noisy',
      description: 'Rattling from the fan',
      assetId: 'ahu-1',
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().ticket as TicketView;
  };
  return { hub, url, dataDir, call, upload, report };
}

type TicketHub = Awaited<ReturnType<typeof ticketHub>>;

describe('notes and photos: one rule for who may add, and when', () => {
  let t: TicketHub;
  let s: Record<'req1' | 'req2' | 'appr' | 'desk' | 'techA' | 'techB' | 'boss', TestSession>;
  beforeAll(async () => {
    t = await ticketHub();
    s = {
      req1: await sessionAs(t.hub, ['requester'], 'req-1'),
      req2: await sessionAs(t.hub, ['requester'], 'req-2'),
      appr: await sessionAs(t.hub, ['approver'], 'appr-1'),
      desk: await sessionAs(t.hub, ['dispatcher'], 'desk'),
      techA: await sessionAs(t.hub, ['technician'], 'tech-a'),
      techB: await sessionAs(t.hub, ['technician'], 'tech-b'),
      boss: await sessionAs(t.hub, ['supervisor'], 'boss'),
    };
  });
  afterAll(() => t?.hub.stop());

  const note = (who: TestSession, id: number, comment = 'any news?') =>
    t.call(who, 'POST', `/api/v1/tickets/${id}/notes`, { comment });

  it('a requester not involved may add neither a note nor a photo (403); the people involved may (201)', async () => {
    const ticket = await t.report(s.req1);
    const stranger = await note(s.req2, ticket.id, 'spam on a stranger’s ticket');
    expect(stranger.statusCode, stranger.body).toBe(403);
    expect(stranger.json().detail).toBe(
      `only its requester, its technician, the service desk or a supervisor may add notes to ticket ${ticket.id}`,
    );
    expect((await t.upload(s.req2, ticket.id)).statusCode).toBe(403);
    // a technician it was not given to: neither
    expect((await note(s.techB, ticket.id)).statusCode).toBe(403);
    expect((await t.upload(s.techB, ticket.id)).statusCode).toBe(403);

    const own = await note(s.req1, ticket.id, 'it got louder');
    expect(own.statusCode, own.body).toBe(201);
    expect(own.json().mayAdd).toBe(true);
    expect((await note(s.desk, ticket.id, 'looking for a technician')).statusCode).toBe(201);
    expect((await note(s.boss, ticket.id, 'priority for the lobby')).statusCode).toBe(201);
    expect((await t.upload(s.req1, ticket.id)).statusCode).toBe(201);
    // what the dashboard offers follows the same rule
    expect((await t.call(s.req2, 'GET', `/api/v1/tickets/${ticket.id}`)).json().mayAdd).toBe(false);

    const events = (await t.call(s.req1, 'GET', `/api/v1/tickets/${ticket.id}`)).json().events as {
      event: string;
      actor: string;
    }[];
    expect(events.map((e) => `${e.event}:${e.actor}`)).toEqual([
      'submit:req-1',
      'note:req-1',
      'note:desk',
      'note:boss',
      'photo:req-1',
    ]);
  });

  it('a cancelled or closed ticket takes neither notes nor photos (409), from anyone involved', async () => {
    const cancelled = await t.report(s.req1);
    expect(
      (await t.call(s.req1, 'POST', `/api/v1/tickets/${cancelled.id}/cancel`, {})).json().ticket.state,
    ).toBe('cancelled');
    const onCancelled = await note(s.req1, cancelled.id);
    expect(onCancelled.statusCode, onCancelled.body).toBe(409);
    expect(onCancelled.json()).toMatchObject({
      state: 'cancelled',
      detail: `ticket ${cancelled.id} is cancelled: nothing more can be added to it`,
    });
    expect((await t.upload(s.req1, cancelled.id)).statusCode).toBe(409);

    const ticket = await t.report(s.req1);
    const step = async (who: TestSession, action: string, body: object = {}) => {
      const res = await t.call(who, 'POST', `/api/v1/tickets/${ticket.id}/${action}`, body);
      expect(res.statusCode, `${action}: ${res.body}`).toBe(200);
    };
    await step(s.appr, 'approve');
    await step(s.desk, 'dispatch', { assignee: 'tech-a' });
    await step(s.techA, 'accept', { etaMinutes: 10 });
    await step(s.techA, 'start');
    expect((await note(s.techA, ticket.id, 'bearing worn')).statusCode).toBe(201); // its technician
    await step(s.techA, 'resolve', { resolution: 'bearing replaced' });
    await step(s.req1, 'rate', { rating: 5 });

    for (const who of [s.req1, s.techA, s.desk, s.boss]) {
      const late = await note(who, ticket.id, 'one more thing');
      expect(late.statusCode, `${who.username}: ${late.body}`).toBe(409);
      expect(late.json()).toMatchObject({
        state: 'closed',
        detail: `ticket ${ticket.id} is closed: nothing more can be added to it`,
      });
      expect((await t.upload(who, ticket.id)).statusCode, who.username).toBe(409);
    }
    expect((await t.call(s.req1, 'GET', `/api/v1/tickets/${ticket.id}`)).json().mayAdd).toBe(false);
    // not involved and closed: who comes first, as for the workflow's steps
    expect((await note(s.req2, ticket.id)).statusCode).toBe(403);
  });
});

describe('photos per ticket, with uploads arriving together', () => {
  const LIMIT = 5;
  let t: TicketHub;
  let req1: TestSession;
  beforeAll(async () => {
    t = await ticketHub(`  photosPerTicket: ${LIMIT}`);
    req1 = await sessionAs(t.hub, ['requester'], 'req-1');
  });
  afterAll(() => t?.hub.stop());

  it(`${LIMIT + 5} parallel uploads over real connections: exactly ${LIMIT} stored, the rest 409, files = rows`, async () => {
    const ticket = await t.report(req1);
    const photo = pngOf(256 * 1024); // large enough that the writes overlap
    const results = await Promise.all(
      Array.from({ length: LIMIT + 5 }, () =>
        fetch(new URL(`/api/v1/tickets/${ticket.id}/photos?stage=report`, t.url), {
          method: 'POST',
          headers: { ...req1.headers, 'content-type': 'image/png' },
          body: photo,
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> })),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(LIMIT).fill(201), ...Array(5).fill(409)]);
    for (const r of results.filter((x) => x.status === 409))
      expect(r.body).toMatchObject({
        limit: 'photosPerTicket',
        detail: `ticket ${ticket.id} already has ${LIMIT} photos (maintenance.photosPerTicket)`,
      });

    const rows = (await t.call(req1, 'GET', `/api/v1/tickets/${ticket.id}`)).json().photos as {
      file: string;
      bytes: number;
    }[];
    expect(rows).toHaveLength(LIMIT);
    expect(rows.every((p) => p.bytes === photo.length)).toBe(true);
    // on disk: exactly the stored photos, no refused one and no temp file left behind
    const onDisk = readdirSync(join(t.dataDir, 'photos')).sort();
    expect(onDisk).toEqual(rows.map((p) => p.file).sort());
  });
});

describe('photos per person and day', () => {
  // 22:00 in Shanghai: the day ends in two hours
  const T0 = Date.UTC(2026, 2, 2, 14, 0);
  const clock = new ManualClock(T0);
  let t: TicketHub;
  let s: Record<'req1' | 'desk', TestSession>;
  beforeAll(async () => {
    // the default quota (50 a day), on a ticket that may hold them all
    t = await ticketHub('  photosPerTicket: 100', clock);
    s = {
      req1: await sessionAs(t.hub, ['requester'], 'req-1'),
      desk: await sessionAs(t.hub, ['dispatcher'], 'desk'),
    };
  });
  afterAll(() => t?.hub.stop());

  it('the 51st photo of the day is a 429 until the next local day (Retry-After); others are not held up', async () => {
    const ticket = await t.report(s.req1);
    for (let i = 0; i < 50; i++) {
      const ok = await t.upload(s.req1, ticket.id);
      expect(ok.statusCode, `photo ${i + 1}: ${ok.body}`).toBe(201);
    }
    const over = await t.upload(s.req1, ticket.id);
    expect(over.statusCode, over.body).toBe(429);
    expect(over.headers['retry-after']).toBe(String(2 * 3600));
    expect(over.json()).toMatchObject({
      limit: 'photosPerUserPerDay',
      retryAfterS: 7200,
      detail:
        'req-1 has added 50 photos today, the most one person may (maintenance.photosPerUserPerDay); more from midnight, site time',
    });
    expect((await t.upload(s.desk, ticket.id)).statusCode).toBe(201); // the quota is each person's own

    clock.advance(2 * HOUR - 1_000);
    const stillToday = await t.upload(s.req1, ticket.id);
    expect(stillToday.statusCode).toBe(429);
    expect(stillToday.headers['retry-after']).toBe('1');
    clock.advance(1_000); // midnight in Shanghai
    expect((await t.upload(s.req1, ticket.id)).statusCode).toBe(201);
  });
});

describe('all photos together, and the health warning at 80 %', () => {
  const PHOTO = 210_000;
  let t: TicketHub;
  let req1: TestSession;
  let viewer: TestSession;
  beforeAll(async () => {
    // 1 MiB for all photos: four of these are 80.1 %, a fifth does not fit
    t = await ticketHub('  photoMaxBytes: 300000\n  photosMaxTotalBytes: 1048576');
    req1 = await sessionAs(t.hub, ['requester'], 'req-1');
    viewer = await sessionAs(t.hub, ['viewer'], 'watcher');
  });
  afterAll(() => t?.hub.stop());

  const health = async () => {
    const res = await t.call(viewer, 'GET', '/api/v1/health');
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it('warns in GET /api/v1/health from 80 %, and refuses the photo that would pass the bound with a 413 naming it', async () => {
    const ticket = await t.report(req1);
    for (let i = 0; i < 3; i++) expect((await t.upload(req1, ticket.id, pngOf(PHOTO))).statusCode).toBe(201);
    const below = await health();
    expect(below).toMatchObject({ status: 'ok', warnings: [] });
    expect(below.photos).toMatchObject({ files: 3, bytes: 3 * PHOTO, maxBytes: 1_048_576, state: 'ok' });

    expect((await t.upload(req1, ticket.id, pngOf(PHOTO))).statusCode).toBe(201);
    const high = await health();
    expect(high.status).toBe('warning');
    expect(high.warnings).toEqual([
      {
        source: 'photos',
        fill: (4 * PHOTO) / 1_048_576,
        message:
          'ticket photos take 80 % of maintenance.photosMaxTotalBytes (0.8 MB of 1 MB): uploads that do not fit are refused',
      },
    ]);

    const full = await t.upload(req1, ticket.id, pngOf(PHOTO));
    expect(full.statusCode, full.body).toBe(413);
    expect(full.json()).toMatchObject({
      limit: 'photosMaxTotalBytes',
      detail:
        'the photos take 0.8 MB of the 1 MB all photos may take (maintenance.photosMaxTotalBytes); this one (0.2 MB) does not fit',
    });
    // a smaller one still fits
    expect((await t.upload(req1, ticket.id, pngOf(100_000))).statusCode).toBe(201);
    expect(readdirSync(join(t.dataDir, 'photos'))).toHaveLength(5);
  });
});
