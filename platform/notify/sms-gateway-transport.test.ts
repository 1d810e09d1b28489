import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SmsGatewayServer } from '../../simulators/messaging/sms-gateway-server.js';
import { alertRaised, notifierFor, settle, ticketFor } from '../../test/channel-kit.js';
import type { Notifier } from './notifier.js';

let gateway: SmsGatewayServer;
let base: string;
let notifier: Notifier | undefined;

beforeEach(async () => {
  gateway = new SmsGatewayServer({ token: 'modem-token' });
  base = await gateway.start();
});

afterEach(async () => {
  await notifier?.stop();
  notifier = undefined;
  await gateway.stop();
});

/** The site file's description of a JSON gateway: the hub knows nothing else about it. */
const jsonGateway = (over: Record<string, unknown> = {}) => ({
  id: 'sms-gw',
  type: 'sms-gateway',
  url: `${base}/api/sms`,
  headerEnv: { Authorization: 'SMS_AUTH' },
  body: '{"to": "{mobile}", "message": "{text}"}',
  success: { path: 'Code', equals: 'OK' },
  ...over,
});
const env = { SMS_AUTH: 'Bearer modem-token' };

describe('SMS through a configured HTTP gateway', () => {
  it('sends the person the text (JSON-escaped into the template) and checks the JSON success', async () => {
    const { notifier: n, clock, id } = notifierFor(jsonGateway(), env);
    notifier = n;
    n.notify(
      {
        ...ticketFor('+8613800138000'),
        text: { title: '访客 "张三" 到访', body: '请审批\n谢谢', link: 'https://hub.example/a?x=1&y=2' },
      },
      [id],
    );
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 1, failed: 0 });
    expect(gateway.messages[0]).toMatchObject({
      to: '+8613800138000',
      text: '访客 "张三" 到访 请审批\n谢谢 https://hub.example/a?x=1&y=2',
    });
  });

  it('fits a GET gateway with the key in the URL, and a form body, from the site file alone', async () => {
    const get = notifierFor(
      {
        id: 'sms-get',
        type: 'sms-gateway',
        method: 'GET',
        url: `${base}/api/sms?apikey={token}&to={mobile}&message={text}`,
        tokenEnv: 'SMS_KEY',
      },
      { SMS_KEY: 'modem-token' },
    );
    notifier = get.notifier;
    get.notifier.notify(ticketFor('13800138000'), [get.id]);
    await settle(get.notifier, get.clock, get.id);
    await get.notifier.stop();
    const form = notifierFor(jsonGateway({ body: 'to={mobile}&message={text}', bodyEncoding: 'form' }), env);
    notifier = form.notifier;
    form.notifier.notify(ticketFor('13900139000'), [form.id]);
    await settle(form.notifier, form.clock, form.id);
    expect(gateway.messages.map((m) => [m.to, m.text])).toEqual([
      ['13800138000', '工单已指派给你 #7 B1 漏水，请处理 https://hub.example/#/tickets/7'],
      ['13900139000', '工单已指派给你 #7 B1 漏水，请处理 https://hub.example/#/tickets/7'],
    ]);
  });

  it('a group message goes to each number of `to`; the text is cut to maxChars', async () => {
    const {
      notifier: n,
      clock,
      id,
    } = notifierFor(jsonGateway({ to: ['13800000001', '13800000002'], maxChars: 20 }), env);
    notifier = n;
    n.notify(alertRaised('x'.repeat(100)), [id]);
    await settle(n, clock, id);
    expect(gateway.messages.map((m) => m.to)).toEqual(['13800000001', '13800000002']);
    expect([...(gateway.messages[0]?.text ?? '')]).toHaveLength(20);
  });

  it('a wrong token is refused by the gateway (401, final); a failed success check is final', async () => {
    const { notifier: n, clock, id } = notifierFor(jsonGateway(), { SMS_AUTH: 'Bearer wrong' });
    notifier = n;
    n.notify(ticketFor('13800138000'), [id]);
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ failed: 1, retried: 0 });
    expect(n.stats()[id]?.lastError).toContain('HTTP 401');
    await n.stop();
    const bad = notifierFor(jsonGateway(), env);
    notifier = bad.notifier;
    bad.notifier.notify(ticketFor('12'), [bad.id]);
    await settle(bad.notifier, bad.clock, bad.id);
    expect(bad.notifier.stats()[bad.id]?.lastError).toMatch(/^SMS gateway said Code="InvalidNumber"/);
  });

  it('retries a busy modem (503) and a dropped connection, then delivers', async () => {
    const { notifier: n, clock, id } = notifierFor(jsonGateway(), env);
    notifier = n;
    gateway.failNext(2);
    n.notify(ticketFor('13800138000'), [id]);
    await settle(n, clock, id);
    gateway.failNext(1, 'drop');
    n.notify(ticketFor('13800138000'), [id]);
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 2, retried: 3, failed: 0 });
  });

  it('refuses without its credential variable; a message with no number fails', async () => {
    const { notifier: n, clock, id } = notifierFor(jsonGateway(), {});
    notifier = n;
    n.notify(ticketFor('13800138000'), [id]);
    expect(n.stats()[id]).toMatchObject({ failed: 1, lastError: 'sms gateway credential not set: SMS_AUTH' });
    await n.stop();
    const none = notifierFor(jsonGateway(), env);
    notifier = none.notifier;
    none.notifier.notify(alertRaised(), [none.id]);
    await settle(none.notifier, none.clock, none.id);
    expect(none.notifier.stats()[none.id]?.lastError).toBe('no recipient: a personal delivery or to');
    expect(gateway.requests).toHaveLength(0);
    void clock;
  });
});

describe('the gateway template in the site file', () => {
  it('names the key of a misspelt placeholder, a JSON body that is not JSON, and a missing tokenEnv', async () => {
    const { ActionSchema } = await import('../../domains/rules/rule-schema.js');
    const { formatIssues } = await import('../../core/config/zod-helpers.js');
    const issues = (over: Record<string, unknown>) => {
      const r = ActionSchema.safeParse({
        id: 'sms-gw',
        type: 'sms-gateway',
        url: 'http://gw.local/api/sms',
        ...over,
      });
      return r.success ? [] : formatIssues(r.error.issues, ['actions', 2]);
    };
    expect(issues({ body: '{"to": "{mobil}", "message": "{text}"}' })).toEqual([
      'actions[2].body: unknown placeholder {mobil}: expected {mobile} {text} {title} {body} {link} {token}',
    ]);
    expect(issues({ body: '{"to": {mobile}}' })).toEqual([
      'actions[2].body: expected JSON once its placeholders are filled (bodyEncoding json)',
    ]);
    expect(issues({ url: 'http://gw.local/send?key={token}&to={mobile}' })).toEqual([
      'actions[2].tokenEnv: required: the template uses {token}',
    ]);
    expect(issues({ body: 'to={mobile}&message={text}', bodyEncoding: 'form' })).toEqual([]);
  });
});
