import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FeishuServer } from '../../simulators/messaging/feishu-server.js';
import { alertRaised, notifierFor, settle, ticketFor } from '../../test/channel-kit.js';
import { feishuSign } from './feishu-bot-transport.js';
import type { Notifier } from './notifier.js';

let feishu: FeishuServer;
let base: string;
let notifier: Notifier | undefined;

beforeEach(async () => {
  feishu = new FeishuServer({
    bots: { 'hook-signed': { group: '设施群', secret: 'feishu-secret' }, 'hook-plain': { group: '前台群' } },
  });
  base = await feishu.start();
});

afterEach(async () => {
  await notifier?.stop();
  notifier = undefined;
  await feishu.stop();
});

const bot = (over: Record<string, unknown> = {}) => ({
  id: 'feishu-bot',
  type: 'feishu-bot',
  baseUrl: base,
  tokenEnv: 'FS_TOKEN',
  secretEnv: 'FS_SECRET',
  ...over,
});
const env = { FS_TOKEN: 'hook-signed', FS_SECRET: 'feishu-secret' };

describe('Feishu custom bot (签名校验)', () => {
  it('signs as the doc says: the value its Python sample prints (key = timestamp + "\\n" + secret, empty message)', () => {
    // computed with the doc's Python 3.9 sample (hmac.new(key_enc, b"", sha256), base64), not with our code
    expect(feishuSign('1599360473', 'secret')).toBe('q4jswNiMy51J5JuQV566yJat0/lQ/c+22kINzUgKsGU=');
  });

  it('posts a signed rich-text (post) group message with the link', async () => {
    const { notifier: n, clock, id } = notifierFor(bot(), env);
    notifier = n;
    n.notify(
      {
        ...alertRaised(),
        text: { title: '冷机跳闸', body: 'B1 冷机 1 跳闸', link: 'https://hub.example/#/alerts/41' },
      },
      [id],
    );
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 1, failed: 0 });
    const m = feishu.messages[0];
    expect(m?.to).toBe('设施群');
    expect(m?.body).toMatchObject({ msg_type: 'post', timestamp: expect.stringMatching(/^\d{10}$/) });
    expect(m?.text).toBe(
      '冷机跳闸\nB1 冷机 1 跳闸\nhttps://hub.example/#/alerts/41 (https://hub.example/#/alerts/41)',
    );
  });

  it('mentions a person with <at user_id="…">name</at>', async () => {
    const { notifier: n, clock, id } = notifierFor(bot(), env);
    notifier = n;
    n.notify(ticketFor('ou_7d8a6e6df7621556ce0d21922b676706'), [id]);
    await settle(n, clock, id);
    expect(feishu.messages[0]?.mentions).toEqual(['ou_7d8a6e6df7621556ce0d21922b676706']);
    expect(feishu.messages[0]?.text).toMatch(
      /^<at user_id="ou_7d8a6e6df7621556ce0d21922b676706">王工<\/at> 工单已指派给你/,
    );
  });

  it('a wrong secret or a stale timestamp is refused by the server (19021), final', async () => {
    const wrong = notifierFor(bot(), { ...env, FS_SECRET: 'nope' });
    notifier = wrong.notifier;
    wrong.notifier.notify(alertRaised(), [wrong.id]);
    await settle(wrong.notifier, wrong.clock, wrong.id);
    expect(wrong.notifier.stats()[wrong.id]).toMatchObject({ failed: 1, retried: 0 });
    expect(wrong.notifier.stats()[wrong.id]?.lastError).toContain('Feishu code 19021');
    await wrong.notifier.stop();

    const stale = notifierFor(bot(), env, Date.now() - 3_700_000);
    notifier = stale.notifier;
    stale.notifier.notify(alertRaised(), [stale.id]);
    await settle(stale.notifier, stale.clock, stale.id);
    expect(stale.notifier.stats()[stale.id]?.lastError).toContain('19021');
    expect(feishu.messages).toHaveLength(0);
  });

  it('retries through 11232 (frequency limited) and HTTP 503, then delivers', async () => {
    const { notifier: n, clock, id } = notifierFor(bot(), env);
    notifier = n;
    feishu.failNext(1);
    n.notify(alertRaised(), [id]);
    await settle(n, clock, id);
    feishu.failNext(1, { status: 503, json: { code: 500, msg: 'busy' } });
    n.notify(alertRaised('2'), [id]);
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 2, retried: 2, failed: 0 });
  });

  it('an unsigned bot sends without a sign; refuses when a configured variable is unset', async () => {
    const plain = notifierFor(bot({ secretEnv: undefined }), { FS_TOKEN: 'hook-plain' });
    notifier = plain.notifier;
    plain.notifier.notify(alertRaised(), [plain.id]);
    await settle(plain.notifier, plain.clock, plain.id);
    expect(feishu.messages[0]?.to).toBe('前台群');
    expect(feishu.messages[0]?.body).not.toHaveProperty('sign');
    await plain.notifier.stop();

    const noSecret = notifierFor(bot(), { FS_TOKEN: 'hook-signed' });
    notifier = noSecret.notifier;
    noSecret.notifier.notify(alertRaised(), [noSecret.id]);
    expect(noSecret.notifier.stats()[noSecret.id]).toMatchObject({
      failed: 1,
      lastError: 'feishu secret not set',
    });
    expect(feishu.requests).toHaveLength(1);
  });
});
