import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qrModules, SLIP_QR_BOX } from '../domains/visitors/slip-pdf.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import { sessionAs, type TestSession, testHubOptions } from './hub-harness.js';
import { freePort } from './services.js';
import { gateSiteYaml, NORTH_SOUTH } from './site-fixtures.js';

const HOUR = 3_600_000;
/** Where the renderings go, to be looked at. */
const SHOTS = '/tmp/shots-slips';
const DPI = 144;

/** The PDF as text (pdftotext keeps the layout's lines). */
function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'slip-'));
  writeFileSync(join(dir, 's.pdf'), pdf);
  return execFileSync('pdftotext', ['-layout', join(dir, 's.pdf'), '-'], { encoding: 'utf8' });
}

/** A rendered page: RGB pixels. */
interface Raster {
  width: number;
  height: number;
  dark(x: number, y: number): boolean;
}

/**
 * The PDF's one page rendered at DPI: saved as SHOTS/<name>.png (to be looked at) and read back as a binary
 * PPM (P6: a text header, then RGB bytes), which needs no image library.
 */
function render(pdf: Buffer, name: string): Raster {
  mkdirSync(SHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'slip-'));
  const file = join(dir, 's.pdf');
  writeFileSync(file, pdf);
  const r = ['-r', String(DPI), '-singlefile'];
  execFileSync('pdftoppm', ['-png', ...r, file, join(SHOTS, name)]);
  execFileSync('pdftoppm', [...r, file, join(dir, 'page')]);
  const ppm = readFileSync(join(dir, 'page.ppm'));
  const header = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(ppm.subarray(0, 50).toString('latin1'));
  if (!header) throw new Error('pdftoppm did not write a binary PPM');
  const [all, w, h] = header as unknown as [string, string, string];
  const width = Number(w);
  const data = ppm.subarray(all.length);
  return { width, height: Number(h), dark: (x, y) => data[(y * width + x) * 3]! < 128 };
}

/** Read the QR's modules back from the rendering: the centre of each module, dark or light. */
function readQr(page: Raster, size: number): boolean[][] {
  const scale = DPI / 72;
  const cell = SLIP_QR_BOX.size / size;
  return Array.from({ length: size }, (_, r) =>
    Array.from({ length: size }, (_, c) =>
      page.dark(
        Math.round((SLIP_QR_BOX.x + (c + 0.5) * cell) * scale),
        Math.round((SLIP_QR_BOX.y + (r + 0.5) * cell) * scale),
      ),
    ),
  );
}

describe('the pass slip (出入凭证)', () => {
  let hub: Hub;
  let host: TestSession;
  let other: TestSession;
  let security: TestSession;
  const t0 = Date.now();

  const register = async (name: string, company?: string) => {
    const res = await hub.http.inject({
      method: 'POST',
      url: '/api/v1/visitors',
      headers: host.headers,
      payload: {
        name,
        phone: '13812345678',
        company,
        host: 'wang-host',
        purpose: 'Meeting',
        validFrom: t0,
        validUntil: t0 + 8 * HOUR,
        maxEntries: 2,
        gates: ['gate-north'],
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().pass.id as number;
  };
  const approve = async (id: number) => {
    const res = await hub.http.inject({
      method: 'POST',
      url: `/api/v1/passes/${id}/approve`,
      headers: security.headers,
      payload: {},
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { code: string; qr: string };
  };
  const get = (url: string, s: TestSession) => hub.http.inject({ method: 'GET', url, headers: s.headers });

  beforeAll(async () => {
    const port = await freePort();
    const yaml = gateSiteYaml({
      id: 's1',
      name: 'Slip site 东区',
      mqttPort: port,
      gates: NORTH_SOUTH,
      visitors: '  requireHostApproval: true',
    });
    hub = await buildHub(testHubOptions(parseSiteText(yaml, 'slip.yaml'), { live: false }));
    await hub.start();
    host = await sessionAs(hub, ['requester'], 'wang-host');
    hub.auth.users.update(hub.auth.users.findByName('wang-host')!.id, { displayName: '王主任' });
    other = await sessionAs(hub, ['requester'], 'li-other');
    security = await sessionAs(hub, ['security'], 'desk');
  }, 30_000);
  afterAll(async () => {
    await hub?.stop();
  });

  it('zh-CN: masked name, host, company, validity, gate, pass number; the QR is the issued credential', async () => {
    const id = await register('张三丰', '东方建设有限公司');
    const issued = await approve(id);
    const res = await get(`/api/v1/passes/${id}/slip.pdf?lang=zh-CN`, host);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['cache-control']).toBe('no-store');
    const pdf = res.rawPayload;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    expect(text).toContain('访客出入凭证');
    expect(text).toContain('张**');
    expect(text).not.toContain('张三丰');
    expect(text).not.toContain('三丰');
    expect(text).toContain('东方建设有限公司');
    expect(text).toContain('王主任');
    expect(text).toContain('North gate');
    expect(text).not.toContain('South gate');
    expect(text).toContain(`凭证编号 ${id}`);
    expect(text).toContain('2 次（已用 0 次）');
    expect(text).toContain('Slip site 东区');
    // the code is on the slip only inside the QR, never as text
    expect(text).not.toContain(issued.code);

    const page = render(pdf, 'slip-zh-CN');
    // A6 at 144 dpi
    expect(Math.abs(page.width - (297.64 * DPI) / 72)).toBeLessThan(1);
    const expected = qrModules(issued.qr);
    const read = readQr(page, expected.size);
    const mismatches = read.flatMap((row, r) => row.filter((dark, c) => dark !== expected.dark(r, c)));
    expect(mismatches).toEqual([]);
    // and it is not just any QR: another pass's payload gives another matrix
    const wrong = qrModules(issued.qr.replace(issued.code, '00000000'));
    expect(read.some((row, r) => row.some((dark, c) => dark !== wrong.dark(r, c)))).toBe(true);
  });

  it('en: the words in English, a Latin name masked per word; security may print it too', async () => {
    const id = await register('John Smith');
    await approve(id);
    const res = await get(`/api/v1/passes/${id}/slip.pdf?lang=en`, security);
    expect(res.statusCode, res.body).toBe(200);
    const text = pdfText(res.rawPayload);
    expect(text).toContain('Visitor pass');
    expect(text).toContain('J*** S****');
    expect(text).not.toContain('John');
    expect(text).not.toContain('Smith');
    expect(text).toContain(`Pass no. ${id}`);
    expect(text).toContain('2 (0 used)');
    expect(text).not.toContain('Company'); // none given: no empty row
    render(res.rawPayload, 'slip-en');
  });

  it('the print view data: masked name, the same QR payload and its modules; audited as printed', async () => {
    const id = await register('李四');
    const issued = await approve(id);
    const res = await get(`/api/v1/passes/${id}/slip`, host);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.visitorName).toBe('李*');
    expect(body.qr).toBe(issued.qr);
    const m = qrModules(issued.qr);
    expect(body.qrMatrix).toEqual(
      Array.from({ length: m.size }, (_, r) =>
        Array.from({ length: m.size }, (_, c) => (m.dark(r, c) ? '1' : '0')).join(''),
      ),
    );
    expect(body.hostName).toBe('王主任');
    expect(body.gates).toEqual([{ id: 'gate-north', name: 'North gate' }]);
    expect(JSON.stringify(body)).not.toContain('13812345678');
    const audit = await get('/api/v1/audit?action=pass.slip', await sessionAs(hub, ['admin']));
    const entries = (audit.json().entries ?? audit.json()) as {
      action: string;
      target: string;
      detail: string;
    }[];
    expect(
      entries.some((e) => e.action === 'pass.slip' && e.target === String(id) && e.detail === 'print'),
    ).toBe(true);
  });

  it('no slip for a pass that cannot open a gate (409), none for a pass one may not see (404), bad lang 400', async () => {
    const id = await register('Waiting Person');
    const requested = await get(`/api/v1/passes/${id}/slip.pdf`, host);
    expect(requested.statusCode).toBe(409);
    expect(requested.json().detail).toContain('requested');
    await approve(id);
    expect((await get(`/api/v1/passes/${id}/slip.pdf`, other)).statusCode).toBe(404);
    expect((await get(`/api/v1/passes/${id}/slip`, other)).statusCode).toBe(404);
    expect((await get('/api/v1/passes/999999/slip.pdf', security)).statusCode).toBe(404);
    const bad = await get(`/api/v1/passes/${id}/slip.pdf?lang=fr`, host);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('lang');
    const revoke = await hub.http.inject({
      method: 'POST',
      url: `/api/v1/passes/${id}/revoke`,
      headers: security.headers,
      payload: { comment: 'left early' },
    });
    expect(revoke.statusCode, revoke.body).toBe(200);
    const revoked = await get(`/api/v1/passes/${id}/slip`, security);
    expect(revoked.statusCode).toBe(409);
    expect(revoked.json().detail).toContain('revoked');
  });

  it('no slip once the entries are used up (409)', async () => {
    const id = await register('Used Up');
    await approve(id);
    const gate = hub.visitors.gates.gates.get('gate-north')!;
    for (const direction of ['in', 'out', 'in'] as const)
      hub.visitors.gates.passage(gate, { direction, passId: id }, Date.now(), false);
    const res = await get(`/api/v1/passes/${id}/slip.pdf`, host);
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toContain('used all its 2 entries');
  });
});
