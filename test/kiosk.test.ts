import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionAs, waitFor } from './hub-harness.js';
import { kioskHub, mailText } from './kiosk-fixture.js';

/**
 * Visitor self-service through the real hub: the host search shows display names and opaque tokens only,
 * refuses short queries and answers 429 past its rate; a registration is the kiosk's (audited), the
 * visitor's contact is sealed until the decision and erased after it; the approved visitor is sent the code
 * and their QR link (e-mail through an SMTP server, SMS through the gateway webhook); the QR page shows it.
 */

type Hosts = { hosts: { name: string; token: string }[] };
const hour = 3_600_000;

describe('visitor self-service', () => {
  let k: Awaited<ReturnType<typeof kioskHub>>;
  const get = (url: string, headers: Record<string, string> = {}) =>
    k.hub.http.inject({ method: 'GET', url, headers });
  const search = async (q: string) => {
    const res = await get(`/api/v1/public/hosts?q=${encodeURIComponent(q)}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Hosts;
  };
  const local = (ms: number) => k.hub.visitors.selfService.local(ms);
  const visit = (host: string, extra: Record<string, unknown> = {}) =>
    k.hub.http.inject({
      method: 'POST',
      url: '/api/v1/public/visits',
      payload: {
        name: 'Chen Jing',
        phone: '139 1234 5678',
        company: 'Acme',
        purpose: 'Interview',
        from: local(Date.now() + hour),
        until: local(Date.now() + 3 * hour),
        host,
        language: 'en',
        ...extra,
      },
    });
  const approvalPath = async (passId: number) => {
    await waitFor(() => k.hosts.hooks.some((h) => (h.body.visitor as { id: number })?.id === passId));
    const hook = k.hosts.hooks.find((h) => (h.body.visitor as { id: number }).id === passId)!;
    return new URL((hook.body.visitor as { approvalUrl: string }).approvalUrl).pathname;
  };
  const lastPass = () =>
    k.hub.visitors.passes.list(
      { limit: 1 },
      { username: 'x', permissions: new Set(['passes:manage']), via: 'system' },
    )[0]!;

  beforeAll(async () => {
    // registrations limited well above what these tests send (the limit has its own test)
    k = await kioskHub({ selfService: '{ enabled: true, registerRate: { max: 100 } }' });
    await k.user('zhangwei', '张伟', ['requester']);
    await k.user('zhangli', '张丽', ['security']);
    await k.user('alice', 'Alice Morgan', ['requester']);
    for (let i = 1; i <= 7; i++) await k.user(`tester${i}`, `Test Person ${i}`, ['requester']);
    await k.user('watcher', 'Alice Watcher', ['viewer']); // no passes:register: no host
    await k.user('lobby', 'Alice Lobby', ['requester']); // a kiosk account: no host
    const off = await k.user('gone', 'Alice Gone', ['requester']);
    k.hub.auth.users.update(off.user.id, { disabled: true });
  });
  afterAll(() => k?.stop());

  it('answers display names and opaque tokens, nothing else', async () => {
    const res = await get('/api/v1/public/hosts?q=alice');
    expect(res.statusCode).toBe(200);
    const body = res.json() as Hosts;
    // exactly one host: the viewer, the kiosk account and the disabled user are not hosts
    expect(Object.keys(body)).toEqual(['hosts']);
    expect(body.hosts).toHaveLength(1);
    expect(Object.keys(body.hosts[0]!)).toEqual(['name', 'token']);
    expect(body.hosts[0]!.name).toBe('Alice Morgan');
    // the token says nothing: not the username, not even once decoded; a new one each time
    const token = body.hosts[0]!.token;
    for (const text of [res.body, Buffer.from(token, 'base64url').toString('latin1')])
      for (const secret of ['"alice"', 'requester', 'roles', 'lobby', 'watcher'])
        expect(text).not.toContain(secret);
    expect((await search('alice')).hosts[0]!.token).not.toBe(token);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('needs 2 characters of a Chinese name and 3 otherwise; shows at most 5', async () => {
    for (const q of ['张', 'al', '  a  ', '']) {
      const res = await get(`/api/v1/public/hosts?q=${encodeURIComponent(q)}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().detail).toMatch(/^q: type at least [23] characters/);
    }
    expect((await search('张伟')).hosts.map((h) => h.name)).toEqual(['张伟']);
    expect((await search('ali')).hosts.map((h) => h.name)).toEqual(['Alice Morgan']);
    // the full-width and upper-case forms match too
    expect((await search('ＡＬＩＣＥ')).hosts.map((h) => h.name)).toEqual(['Alice Morgan']);
    expect((await search('test person')).hosts.map((h) => h.name)).toEqual(
      [1, 2, 3, 4, 5].map((i) => `Test Person ${i}`),
    );
    // not a username search
    expect((await search('zhangwei')).hosts).toEqual([]);
    expect((await get(`/api/v1/public/hosts?q=${'x'.repeat(101)}`)).statusCode).toBe(400);
    expect((await get('/api/v1/public/hosts')).json().errors[0].path).toBe('querystring.q');
  });

  it('registers as the kiosk, audited; the contact is kept only sealed', async () => {
    const [host] = (await search('张伟')).hosts;
    const res = await visit(host!.token, { email: 'chen.jing@example.org' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({ state: 'requested', host: '张伟' });
    const pass = lastPass();
    expect(pass).toMatchObject({
      host: 'zhangwei',
      createdBy: 'kiosk',
      visitorName: 'Chen Jing',
      phoneMasked: '139****5678',
    });
    const entry = k.hub.audit.query({ action: 'pass.registered', target: String(pass.id), limit: 1 })[0]!;
    expect(entry).toMatchObject({ actor: 'kiosk', via: 'anonymous', ip: '127.0.0.1' });
    const rows = k.hub.db.prepare('SELECT * FROM visitor_contacts').all() as {
      pass_id: number;
      sealed: string;
    }[];
    expect(rows.map((r) => r.pass_id)).toEqual([pass.id]);
    const stored = JSON.stringify(rows);
    for (const clear of ['13912345678', 'chen.jing', 'example.org', 'Chen Jing'])
      expect(stored).not.toContain(clear);
  });

  it('refuses bad input by field, a stale or forged host token, and a body too big', async () => {
    const [host] = (await search('Alice')).hosts;
    const bad = async (extra: Record<string, unknown>, detail: RegExp) => {
      const res = await visit(host!.token, extra);
      expect(res.statusCode, res.body).toBe(400);
      expect(`${res.json().detail} ${JSON.stringify(res.json().errors ?? [])}`).toMatch(detail);
    };
    await bad({ email: 'not-an-address' }, /^email: /);
    await bad({ from: '09:00' }, /^from: expected a date and time/);
    await bad({ until: local(Date.now() - hour) }, /validUntil must be after validFrom|already over/);
    await bad({ phone: 'call me' }, /phone: expected 5–20 digits/);
    await bad({ name: '' }, /body\.name/);
    await bad({ host: 'x'.repeat(60) }, /^host: search again/);
    await bad({ role: 'admin' }, /Unrecognized key|unrecognized/i);
    const big = await visit(host!.token, { purpose: 'x'.repeat(5_000) });
    expect(big.statusCode).toBe(413);
  });

  it('tells the approved visitor their code and QR link by e-mail, then forgets the contact', async () => {
    const [host] = (await search('张伟')).hosts;
    expect((await visit(host!.token, { email: 'li.na@example.org', name: 'Li Na' })).statusCode).toBe(201);
    const pass = lastPass();
    const path = await approvalPath(pass.id);
    const decided = await k.hub.http.inject({ method: 'POST', url: path, payload: { decision: 'approve' } });
    expect(decided.statusCode, decided.body).toBe(200);
    const code = decided.json().code as string;
    await waitFor(() => k.smtp.messages.some((m) => m.to.includes('li.na@example.org')));
    const mail = k.smtp.messages.find((m) => m.to.includes('li.na@example.org'))!;
    const text = mailText(mail.raw);
    expect(text).toContain(`Pass code: ${code}`);
    expect(text).toContain('Li Na, your visit to 张伟');
    const link = /http:\/\/127\.0\.0\.1:\d+\/v\/\S+/.exec(text)?.[0];
    expect(link).toBeDefined();
    // the contact is gone the moment the decision was made
    expect(
      k.hub.db.prepare('SELECT count(*) AS n FROM visitor_contacts WHERE pass_id = ?').get(pass.id),
    ).toEqual({ n: 0 });
    // the QR page: the code and an SVG QR, no script; Chinese by the browser's language
    const page = await get(new URL(link!).pathname, { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<dd class="code" id="code">${code}</dd>`);
    expect(page.body).toContain('<svg');
    expect(page.body).toContain('访客通行证');
    expect(page.body).not.toContain('<script');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    // revoked: the page says so, without the code
    await k.hub.visitors.passes.revoke(
      pass.id,
      { username: 'zhangli', permissions: new Set(['passes:manage']), via: 'system' },
      'left',
    );
    const gone = await get(new URL(link!).pathname);
    expect(gone.statusCode).toBe(404);
    expect(gone.body).not.toContain(code);
    // a forged or altered token: the same page
    expect((await get(`${new URL(link!).pathname.slice(0, -2)}xx`)).statusCode).toBe(404);
  });

  it('texts a visitor without e-mail (the SMS gateway gets the mobile and the words)', async () => {
    const [host] = (await search('Alice')).hosts;
    expect(
      (await visit(host!.token, { language: 'zh-CN', name: '王芳', phone: '13700001111' })).statusCode,
    ).toBe(201);
    const pass = lastPass();
    const decided = await k.hub.http.inject({
      method: 'POST',
      url: await approvalPath(pass.id),
      payload: { decision: 'approve' },
    });
    const code = decided.json().code as string;
    await waitFor(() => k.sms.hooks.length > 0);
    const body = k.sms.hooks.at(-1)!.body as {
      recipient: { address: string };
      text: { body: string; link: string };
    };
    expect(body.recipient.address).toBe('13700001111');
    expect(body.text.body).toContain(`通行码：${code}`);
    expect(body.text.link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v\//);
    expect(k.hub.visitors.selfService.contacts.get(pass.id)).toBeUndefined();
  });

  it('tells a declined visitor so, then erases their contact', async () => {
    const [host] = (await search('Alice')).hosts;
    expect((await visit(host!.token, { email: 'no.thanks@example.org', name: 'Zhao Lei' })).statusCode).toBe(
      201,
    );
    const pass = lastPass();
    expect(k.hub.visitors.selfService.contacts.get(pass.id)).toMatchObject({
      email: 'no.thanks@example.org',
    });
    const res = await k.hub.http.inject({
      method: 'POST',
      url: await approvalPath(pass.id),
      payload: { decision: 'decline' },
    });
    expect(res.statusCode).toBe(200);
    expect(k.hub.visitors.selfService.contacts.get(pass.id)).toBeUndefined();
    await waitFor(() => k.smtp.messages.some((m) => m.to.includes('no.thanks@example.org')));
    const text = mailText(k.smtp.messages.find((m) => m.to.includes('no.thanks@example.org'))!.raw);
    expect(text).toContain('Zhao Lei, your visit to Alice Morgan');
    expect(text).toContain('was not approved');
    expect(text).not.toMatch(/\/v\/|Pass code/);
  });

  it('shows the approval page in zh-CN or English', async () => {
    const [host] = (await search('张伟')).hosts;
    await visit(host!.token);
    const path = await approvalPath(lastPass().id);
    const zh = await get(path, { accept: 'text/html', 'accept-language': 'zh-CN,zh;q=0.9' });
    expect(zh.body).toContain('<html lang="zh-CN">');
    expect(zh.body).toContain('>同意</button>');
    expect(zh.body).toContain('待审批');
    const en = await get(`${path}?lang=en`, { accept: 'text/html', 'accept-language': 'zh-CN' });
    expect(en.body).toContain('>Approve</button>');
    expect(en.body).toContain(`href="${path}?lang=zh-CN"`);
    // the form posts back to the same URL: the language stays
    const done = await k.hub.http.inject({
      method: 'POST',
      url: `${path}?lang=zh-CN`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'decision=approve',
    });
    expect(done.body).toContain('此通行码正通过短信或电子邮件发送给访客');
  });

  it('serves the page with its script as a file, in the browser language', async () => {
    const zh = await get('/visit', { 'accept-language': 'zh-CN' });
    expect(zh.statusCode).toBe(200);
    expect(zh.body).toContain('访客登记');
    expect(zh.body).toContain('<script src="/visit/kiosk.js" defer></script>');
    expect(zh.body).not.toMatch(/<script>|<script [^s]/);
    expect((await get('/visit?lang=en')).body).toContain('Visitor registration');
    const js = await get('/visit/kiosk.js');
    expect(js.headers['content-type']).toContain('text/javascript');
    expect(js.body).toContain('/api/v1/public/hosts');
  });

  it('prints a poster whose QR opens the registration page in its language', async () => {
    const res = await get('/visit/poster?lang=zh-CN');
    expect(res.statusCode).toBe(200);
    const url = `${k.url.replace(/\/+$/, '')}/visit?lang=zh-CN`;
    expect(res.body).toContain(`<p class="url" id="poster-url">${url}</p>`);
    // the QR is that address's (regenerated: the same text makes the same symbol)
    const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    expect(res.body).toContain(svg.replace(/^<\?xml[^>]*>\s*/, ''));
    expect(res.body).toContain('访客请在此登记');
  });

  it('a session is not needed, and a logged-in user gains nothing', async () => {
    const s = await sessionAs(k.hub, ['admin']);
    const res = await k.hub.http.inject({
      method: 'GET',
      url: '/api/v1/public/hosts?q=alice',
      headers: s.headers,
    });
    expect(Object.keys(res.json().hosts[0])).toEqual(['name', 'token']);
  });
});

describe('self-service limits', () => {
  it('answers 429 past the search and registration rates, per address', async () => {
    const k = await kioskHub({ selfService: '{ enabled: true, searchRate: { max: 3, perSeconds: 60 } }' });
    try {
      const at = (ip: string) =>
        k.hub.http.inject({ method: 'GET', url: '/api/v1/public/hosts?q=nobody', remoteAddress: ip });
      for (let i = 0; i < 3; i++) expect((await at('10.0.0.1')).statusCode).toBe(200);
      const refused = await at('10.0.0.1');
      expect(refused.statusCode).toBe(429);
      expect(refused.json().detail).toMatch(/too many attempts/);
      expect((await at('10.0.0.2')).statusCode).toBe(200);
      // registrations: 10 per 10 minutes by default, bad ones count too
      const register = () =>
        k.hub.http.inject({
          method: 'POST',
          url: '/api/v1/public/visits',
          payload: {},
          remoteAddress: '10.0.0.3',
        });
      for (let i = 0; i < 10; i++) expect((await register()).statusCode).toBe(400);
      expect((await register()).statusCode).toBe(429);
    } finally {
      await k.stop();
    }
  });

  it('is off unless enabled: 404 everywhere, the page says to ask at reception', async () => {
    const k = await kioskHub({ selfService: '{ enabled: false }' });
    try {
      const page = await k.hub.http.inject({ method: 'GET', url: '/visit?lang=en' });
      expect(page.statusCode).toBe(404);
      expect(page.body).toContain('Please ask at reception');
      expect(
        (await k.hub.http.inject({ method: 'GET', url: '/api/v1/public/hosts?q=alice' })).statusCode,
      ).toBe(404);
      expect(
        (await k.hub.http.inject({ method: 'POST', url: '/api/v1/public/visits', payload: {} })).statusCode,
      ).toBe(404);
    } finally {
      await k.stop();
    }
  });
});
