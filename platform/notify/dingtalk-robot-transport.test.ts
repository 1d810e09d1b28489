import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DingtalkServer } from '../../simulators/messaging/dingtalk-server.js';
import { alertRaised, notifierFor, settle, ticketFor } from '../../test/channel-kit.js';
import { dingtalkSign } from './dingtalk-robot-transport.js';
import type { Notifier } from './notifier.js';

let dingtalk: DingtalkServer;
let base: string;
let notifier: Notifier | undefined;
const SECRET = 'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd';

beforeEach(async () => {
  dingtalk = new DingtalkServer({
    robots: { 'tok-signed': { group: '运维群', secret: SECRET }, 'tok-plain': { group: '保安群' } },
  });
  base = await dingtalk.start();
});

afterEach(async () => {
  await notifier?.stop();
  notifier = undefined;
  await dingtalk.stop();
});

const robot = (over: Record<string, unknown> = {}) => ({
  id: 'dingtalk-robot',
  type: 'dingtalk-robot',
  baseUrl: base,
  tokenEnv: 'DT_TOKEN',
  secretEnv: 'DT_SECRET',
  ...over,
});
const env = { DT_TOKEN: 'tok-signed', DT_SECRET: SECRET };

describe('DingTalk custom robot (加签)', () => {
  it('signs as the doc says: the value its Python sample prints for a fixed timestamp and secret', () => {
    // computed with the doc's Python 3.8 sample (hmac, base64, urllib.parse.quote_plus), not with our code
    expect(dingtalkSign('1577262236757', 'this is secret')).toBe(
      'hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D',
    );
  });

  it('posts a signed markdown group message the robot takes', async () => {
    const { notifier: n, clock, id } = notifierFor(robot(), env);
    notifier = n;
    n.notify(alertRaised(), [id]);
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 1, failed: 0 });
    expect(dingtalk.messages[0]).toMatchObject({ to: '运维群', mentions: [] });
    expect(dingtalk.messages[0]?.body).toMatchObject({
      msgtype: 'markdown',
      markdown: { title: '[facility-hub] alert raised' },
    });
    expect(dingtalk.messages[0]?.text).toContain('Chiller 1 tripped 冷机跳闸');
  });

  it('@mentions a person by mobile (atMobiles) or user id (atUserIds) and names them in the text', async () => {
    const { notifier: n, clock, id } = notifierFor(robot(), env);
    notifier = n;
    n.notify(ticketFor('13800138000'), [id]);
    n.notify(ticketFor('manager4220'), [id]);
    await settle(n, clock, id);
    expect(dingtalk.messages.map((m) => m.mentions)).toEqual([['13800138000'], ['manager4220']]);
    expect(dingtalk.messages[0]?.body).toMatchObject({ at: { atMobiles: ['13800138000'], isAtAll: false } });
    expect(dingtalk.messages[1]?.body).toMatchObject({ at: { atUserIds: ['manager4220'] } });
    expect(dingtalk.messages[1]?.text).toMatch(/@manager4220$/);
  });

  it('a wrong secret is refused by the server (310000), final', async () => {
    const { notifier: n, clock, id } = notifierFor(robot(), { ...env, DT_SECRET: 'SECwrong' });
    notifier = n;
    n.notify(alertRaised(), [id]);
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 0, failed: 1, retried: 0 });
    expect(n.stats()[id]?.lastError).toBe('DingTalk errcode 310000: sign not match');
    expect(dingtalk.messages).toHaveLength(0);
  });

  it('a timestamp more than an hour off is refused by the server', async () => {
    const { notifier: n, clock, id } = notifierFor(robot(), env, Date.now() - 2 * 3_600_000);
    notifier = n;
    n.notify(alertRaised(), [id]);
    await settle(n, clock, id);
    expect(n.stats()[id]?.lastError).toContain('timestamp is not within one hour');
  });

  it('retries through 130101 (too fast) and a down server, then delivers', async () => {
    const { notifier: n, clock, id } = notifierFor(robot(), env);
    notifier = n;
    dingtalk.failNext(2);
    n.notify(alertRaised(), [id]);
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 1, retried: 2 });
    expect(dingtalk.requests.slice(0, 2).map((r) => (r.json as { errcode: number }).errcode)).toEqual([
      130101, 130101,
    ]);
    dingtalk.down();
    n.notify(alertRaised('second'), [id]);
    await new Promise((r) => setTimeout(r, 50));
    expect(n.stats()[id]?.lastError).toMatch(/^network error/);
    dingtalk.up();
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 2, failed: 0 });
  });

  it('the server enforces 20 messages a minute per robot', async () => {
    const { notifier: n, clock, id } = notifierFor(robot({ retries: 0 }), env);
    notifier = n;
    for (let i = 0; i < 21; i++) n.notify(alertRaised(`#${i}`), [id]);
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 20, failed: 1 });
    expect(n.stats()[id]?.lastError).toContain('130101');
  });

  it('an unsigned robot needs no secret; refusal when a configured variable is unset', async () => {
    const plain = notifierFor(robot({ secretEnv: undefined }), { DT_TOKEN: 'tok-plain' });
    notifier = plain.notifier;
    plain.notifier.notify(alertRaised(), [plain.id]);
    await settle(plain.notifier, plain.clock, plain.id);
    expect(dingtalk.messages[0]?.to).toBe('保安群');
    await plain.notifier.stop();

    const noSecret = notifierFor(robot(), { DT_TOKEN: 'tok-signed' });
    notifier = noSecret.notifier;
    noSecret.notifier.notify(alertRaised(), [noSecret.id]);
    expect(noSecret.notifier.stats()[noSecret.id]).toMatchObject({
      failed: 1,
      lastError: 'dingtalk secret not set',
    });
    const noToken = notifierFor(robot(), { DT_SECRET: SECRET });
    noToken.notifier.notify(alertRaised(), [noToken.id]);
    expect(noToken.notifier.stats()[noToken.id]).toMatchObject({
      failed: 1,
      lastError: 'dingtalk access token not set',
    });
    await noToken.notifier.stop();
    expect(dingtalk.requests).toHaveLength(1);
  });
});
