import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intervalStart } from '../core/time/zoned-time.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { sessionAs, type TestSession, testHubOptions } from './hub-harness.js';
import { freePort } from './services.js';
import { clearOfSiteMidnight } from './site-day.js';
import { gateSiteYaml, NORTH_SOUTH } from './site-fixtures.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TZ = 'Asia/Shanghai';
const BADGE = '04A1B2C3D4';

function siteYaml(port: number): string {
  return `${gateSiteYaml({
    id: 'st1',
    name: 'Stats site',
    mqttPort: port,
    gates: NORTH_SOUTH,
    visitors: `  requireHostApproval: true
  staff: [{ badge: '${BADGE}', holder: Guard Zhou, zones: [campus] }]`,
  })}maintenance:
  departments:
    - { id: ops, name: Operations 运营部, members: [alice], approvers: [alice] }
    - { id: canteen, name: Canteen, members: [carol], approvers: [carol] }
`;
}

/**
 * A known sequence of gate events over two days (site time Asia/Shanghai), fed through the gate engine's own
 * passage and scan handlers with their receive times, then the statistics read through the API: every
 * number below is counted by hand from the sequence.
 */
await clearOfSiteMidnight(TZ); // `today` below holds for the whole file

describe('entry statistics against a known sequence of gate events', () => {
  let hub: Hub;
  let alice: TestSession;
  let bob: TestSession;
  let desk: TestSession;
  const now = Date.now();
  const today = intervalStart(now, '1d', TZ);
  /** D: the day before yesterday, site time. */
  const D = today - 2 * DAY;
  const at = (day: number, h: number, m: number) => D + day * DAY + h * HOUR + m * MIN;
  const p: Record<string, number> = {};
  const codes: Record<string, string> = {};

  const register = async (s: TestSession, name: string) => {
    const res = await hub.http.inject({
      method: 'POST',
      url: '/api/v1/visitors',
      headers: s.headers,
      payload: {
        name,
        phone: '13800001111',
        host: s.username,
        purpose: 'Visit',
        validFrom: at(-1, 19, 0),
        validUntil: now + 2 * HOUR,
        maxEntries: 0,
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().pass.id as number;
  };
  const approve = async (id: number) => {
    const res = await hub.http.inject({
      method: 'POST',
      url: `/api/v1/passes/${id}/approve`,
      headers: desk.headers,
      payload: {},
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().code as string;
  };
  const passage = (
    gate: string,
    direction: 'in' | 'out',
    ts: number,
    who: { passId?: number; badge?: string },
  ) => hub.visitors.gates.passage(hub.visitors.gates.gates.get(gate)!, { direction, ...who }, ts, false);
  let nonce = 0;
  const scan = (gate: string, value: string, ts: number) =>
    hub.visitors.gates.scan(
      hub.visitors.gates.gates.get(gate)!,
      { credential: { type: 'code', value }, nonce: `n${++nonce}`, direction: 'in' },
      ts,
    );
  const get = (url: string) => hub.http.inject({ method: 'GET', url, headers: desk.headers });

  beforeAll(async () => {
    const port = await freePort();
    hub = await buildHub(testHubOptions(parseSiteText(siteYaml(port), 'stats.yaml'), { live: false }));
    await hub.start();
    alice = await sessionAs(hub, ['requester'], 'alice');
    bob = await sessionAs(hub, ['requester'], 'bob');
    desk = await sessionAs(hub, ['security'], 'desk');
    for (const [k, host] of [
      ['P1', alice],
      ['P2', alice],
      ['P3', bob],
      ['P4', bob],
      ['P5', bob],
      ['P6', alice],
      ['P8', alice],
    ] as const) {
      p[k] = await register(host, `Visitor ${k}`);
      codes[k] = await approve(p[k]!);
    }
    p.P7 = await register(bob, 'Visitor P7'); // waits for bob
    const revoke = await hub.http.inject({
      method: 'POST',
      url: `/api/v1/passes/${p.P5}/revoke`,
      headers: desk.headers,
      payload: { comment: 'not today' },
    });
    expect(revoke.statusCode, revoke.body).toBe(200);

    passage('gate-north', 'in', at(-1, 20, 0), { passId: p.P4 }); // before the period: inside at its start
    passage('gate-north', 'in', at(0, 8, 0), { badge: BADGE });
    await scan('gate-north', '99999991', at(0, 9, 0));
    await scan('gate-north', '99999992', at(0, 9, 1));
    passage('gate-north', 'in', at(0, 9, 10), { passId: p.P1 });
    passage('gate-south', 'in', at(0, 9, 45), { passId: p.P2 });
    passage('gate-north', 'in', at(0, 10, 5), { passId: p.P3 });
    passage('gate-south', 'out', at(0, 10, 15), { passId: p.P2 });
    passage('gate-south', 'out', at(0, 11, 40), { passId: p.P1 });
    passage('gate-south', 'in', at(0, 12, 0), {}); // nobody recognised: counted, not anyone
    passage('gate-north', 'in', at(0, 13, 5), { passId: p.P1 });
    await scan('gate-south', codes.P5!, at(0, 14, 0));
    passage('gate-north', 'out', at(0, 16, 0), { passId: p.P3 });
    passage('gate-north', 'out', at(0, 17, 30), { passId: p.P1 });
    passage('gate-north', 'out', at(0, 18, 0), { badge: BADGE });
    passage('gate-south', 'in', at(1, 8, 30), { passId: p.P3 });
    // today: P8 came and went
    const mid = today + Math.floor((now - today) / 2);
    passage('gate-north', 'in', mid, { passId: p.P8 });
    passage('gate-north', 'out', mid + 1, { passId: p.P8 });
  }, 30_000);
  afterAll(async () => {
    await hub?.stop();
  });

  const row = (key: string, visits: number, entries: number, exits: number, label = key) => ({
    key,
    label,
    visits,
    entries,
    exits,
  });
  const day = (n: number) => new Date(D + n * DAY + 8 * HOUR).toISOString().slice(0, 10);

  it('visits and passages by hour, day, gate and host department; totals', async () => {
    const res = await get(`/api/v1/visitors/stats?from=${D}&to=${today}`);
    expect(res.statusCode, res.body).toBe(200);
    const s = res.json();
    expect(s.timeZone).toBe(TZ);
    expect(s.totals).toEqual({ visits: 3, entries: 7, exits: 5, opened: 0, denied: 3 });
    const hours = Object.fromEntries(
      (s.hour as { key: string; visits: number; entries: number; exits: number }[])
        .filter((h) => h.entries || h.exits)
        .map((h) => [h.key, [h.visits, h.entries, h.exits]]),
    );
    expect(s.hour).toHaveLength(24);
    expect(hours).toEqual({
      '08': [0, 2, 0],
      '09': [2, 2, 0],
      '10': [1, 1, 1],
      '11': [0, 0, 1],
      '12': [0, 1, 0],
      '13': [0, 1, 0],
      '16': [0, 0, 1],
      '17': [0, 0, 1],
      '18': [0, 0, 1],
    });
    expect(s.day).toEqual([row(day(0), 3, 6, 5), row(day(1), 0, 1, 0)]);
    expect(s.gate).toEqual([
      row('gate-north', 2, 4, 3, 'North gate'),
      row('gate-south', 1, 3, 2, 'South gate'),
    ]);
    expect(s.department).toEqual([
      row('ops', 2, 3, 3, 'Operations 运营部'),
      row('canteen', 0, 0, 0, 'Canteen'),
      row('(none)', 1, 2, 1, ''),
    ]);
  });

  it('peak inside per day, replayed from who was already inside; denied scans by reason', async () => {
    const s = (await get(`/api/v1/visitors/stats?from=${D}&to=${today}`)).json();
    expect(s.peak).toEqual([
      { day: day(0), visitors: 4, visitorsAt: at(0, 10, 5), people: 5, peopleAt: at(0, 10, 5) },
      { day: day(1), visitors: 2, visitorsAt: at(1, 8, 30), people: 2, peopleAt: at(1, 8, 30) },
    ]);
    expect(s.denied).toEqual([
      { reason: 'unknown', count: 2 },
      { reason: 'revoked', count: 1 },
    ]);
    const one = (await get(`/api/v1/visitors/stats?from=${D}&to=${today}&by=denied`)).json();
    expect(one).toEqual({ from: D, to: today, timeZone: TZ, by: 'denied', rows: s.denied });
  });

  it('each table as CSV', async () => {
    const csv = async (by: string) => {
      const res = await get(`/api/v1/visitors/stats.csv?from=${D}&to=${today}&by=${by}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="visitor-stats-${by}.csv"`);
      return res.body;
    };
    expect(await csv('department')).toBe(
      'department,name,visits,entries,exits\r\nops,Operations 运营部,2,3,3\r\ncanteen,Canteen,0,0,0\r\n(none),,1,2,1\r\n',
    );
    expect(await csv('day')).toBe(`day,visits,entries,exits\r\n${day(0)},3,6,5\r\n${day(1)},0,1,0\r\n`);
    expect(await csv('peak')).toBe(
      'day,peak_visitors,peak_visitors_at,peak_people,peak_people_at\r\n' +
        `${day(0)},4,${new Date(at(0, 10, 5)).toISOString()},5,${new Date(at(0, 10, 5)).toISOString()}\r\n` +
        `${day(1)},2,${new Date(at(1, 8, 30)).toISOString()},2,${new Date(at(1, 8, 30)).toISOString()}\r\n`,
    );
    expect(await csv('denied')).toBe('reason,count\r\nunknown,2\r\nrevoked,1\r\n');
    const hour = (await csv('hour')).split('\r\n');
    expect(hour[0]).toBe('hour,visits,entries,exits');
    expect(hour[10]).toBe('09,2,2,0');
    expect(await csv('gate')).toContain('gate-north,North gate,2,4,3\r\n');
  });

  it("the desk's today list: awaiting, expected, inside, left", async () => {
    const res = await get('/api/v1/visitors/today');
    expect(res.statusCode, res.body).toBe(200);
    const list = res.json();
    expect(list.from).toBe(today);
    const by = Object.fromEntries(
      (
        list.visitors as { passId: number; status: string; arrivedAt: number | null; leftAt: number | null }[]
      ).map((v) => [v.passId, v]),
    );
    const status = (k: string) => by[p[k]!]?.status;
    expect([status('P1'), status('P2'), status('P3'), status('P4'), status('P5')]).toEqual([
      'left',
      'left',
      'inside',
      'inside',
      undefined, // revoked: not expected
    ]);
    expect([status('P6'), status('P7'), status('P8')]).toEqual(['expected', 'awaiting', 'left']);
    const mid = today + Math.floor((now - today) / 2);
    expect(by[p.P8!]).toMatchObject({
      arrivedAt: mid,
      leftAt: mid + 1,
      visitorName: 'Visitor P8',
      host: 'alice',
    });
  });

  it('refuses a bad range or table with the field named', async () => {
    const bad = async (q: string, field: string) => {
      const res = await get(`/api/v1/visitors/stats${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.body).toContain(field);
    };
    await bad(`?from=${today}&to=${D}`, 'to must be after from');
    await bad(`?to=${today}`, 'from');
    await bad(`?from=${D}&to=${today}&by=week`, 'by');
    await bad(`.csv?from=${D}&to=${today}`, 'by');
    await bad(`?from=0&to=${400 * DAY}`, 'at most a year');
    const requester = await hub.http.inject({
      method: 'GET',
      url: `/api/v1/visitors/stats?from=${D}&to=${today}`,
      headers: alice.headers,
    });
    expect(requester.statusCode).toBe(403);
  });
});
