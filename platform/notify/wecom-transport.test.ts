import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WecomServer } from '../../simulators/messaging/wecom-server.js';
import { alertRaised, notifierFor, settle, ticketFor } from '../../test/channel-kit.js';
import type { Notifier } from './notifier.js';

let wecom: WecomServer;
let base: string;
let notifier: Notifier | undefined;

beforeEach(async () => {
  wecom = new WecomServer({
    robots: { 'robot-key-1': 'B1 机房群' },
    corpId: 'ww-corp',
    apps: { 1000002: 'app-secret' },
    users: ['wang.gong', 'li.si'],
  });
  base = await wecom.start();
});

afterEach(async () => {
  await notifier?.stop();
  notifier = undefined;
  await wecom.stop();
});

const robot = (over: Record<string, unknown> = {}) => ({
  id: 'wecom-group',
  type: 'wecom-robot',
  baseUrl: base,
  keyEnv: 'WECOM_ROBOT_KEY',
  ...over,
});
const app = (over: Record<string, unknown> = {}) => ({
  id: 'wecom-app',
  type: 'wecom-app',
  baseUrl: base,
  corpId: 'ww-corp',
  agentId: 1000002,
  secretEnv: 'WECOM_APP_SECRET',
  ...over,
});

describe('WeCom group robot', () => {
  it('posts a markdown group message the robot takes', async () => {
    const { notifier: n, clock, id } = notifierFor(robot(), { WECOM_ROBOT_KEY: 'robot-key-1' });
    notifier = n;
    n.notify(alertRaised(), [id]);
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 1, failed: 0 });
    expect(wecom.messages).toHaveLength(1);
    const m = wecom.messages[0];
    expect(m?.to).toBe('B1 机房群');
    expect(m?.body).toMatchObject({ msgtype: 'markdown' });
    expect(m?.text).toContain('Chiller 1 tripped 冷机跳闸');
  });

  it('mentions a person by mobile (mentioned_mobile_list) or by user id (mentioned_list)', async () => {
    const { notifier: n, clock, id } = notifierFor(robot(), { WECOM_ROBOT_KEY: 'robot-key-1' });
    notifier = n;
    n.notify(ticketFor('+8613800138000'), [id]);
    n.notify(ticketFor('wang.gong'), [id]);
    await settle(n, clock, id);
    expect(wecom.messages.map((m) => m.mentions)).toEqual([['+8613800138000'], ['wang.gong']]);
    expect(wecom.messages[0]?.body).toMatchObject({
      msgtype: 'text',
      text: { mentioned_mobile_list: ['+8613800138000'] },
    });
    expect(wecom.messages[1]?.body).toMatchObject({ text: { mentioned_list: ['wang.gong'] } });
    expect(wecom.messages[0]?.text).toContain(
      '工单已指派给你\n#7 B1 漏水，请处理\nhttps://hub.example/#/tickets/7',
    );
  });

  it('a wrong key is refused by the server (93000) and not retried', async () => {
    const { notifier: n, clock, id } = notifierFor(robot(), { WECOM_ROBOT_KEY: 'not-the-key' });
    notifier = n;
    n.notify(alertRaised(), [id]);
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 0, failed: 1, retried: 0 });
    expect(n.stats()[id]?.lastError).toContain('93000');
    expect(wecom.requests).toHaveLength(1);
  });

  it('retries through the rate limit (45009) and a dropped connection, then delivers', async () => {
    const { notifier: n, clock, id } = notifierFor(robot(), { WECOM_ROBOT_KEY: 'robot-key-1' });
    notifier = n;
    wecom.failNext(2); // 45009 api freq out of limit
    n.notify(alertRaised(), [id]);
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 1, retried: 2 });
    wecom.failNext(1, 'drop');
    n.notify(alertRaised('second'), [id]);
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 2, retried: 3, failed: 0 });
    expect(wecom.messages).toHaveLength(2);
  });

  it('times out a robot that never answers (timeoutMs) and retries it', async () => {
    const {
      notifier: n,
      clock,
      id,
    } = notifierFor(robot({ timeoutMs: 200 }), { WECOM_ROBOT_KEY: 'robot-key-1' });
    notifier = n;
    wecom.failNext(1, 'hang');
    n.notify(alertRaised(), [id]);
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 1, retried: 1, lastError: 'timeout after 200 ms' });
  });

  it('refuses without the key variable and sends nothing', async () => {
    const { notifier: n, id, log } = notifierFor(robot(), {});
    notifier = n;
    n.notify(alertRaised(), [id]);
    expect(n.stats()[id]).toMatchObject({ failed: 1, lastError: 'wecom robot key not set' });
    expect(log.warn).toHaveBeenCalledWith(
      { action: id, keyEnv: 'WECOM_ROBOT_KEY' },
      'WeCom robot key variable not set; not sent',
    );
    expect(wecom.requests).toHaveLength(0);
  });
});

describe('WeCom app message', () => {
  it('sends to the person (touser) with one cached token, as a text card with the link', async () => {
    const { notifier: n, clock, id } = notifierFor(app(), { WECOM_APP_SECRET: 'app-secret' });
    notifier = n;
    n.notify(ticketFor('wang.gong'), [id]);
    n.notify(ticketFor('li.si'), [id]);
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 2, failed: 0 });
    expect(wecom.tokenRequests).toBe(1);
    expect(wecom.messages.map((m) => m.mentions)).toEqual([['wang.gong'], ['li.si']]);
    expect(wecom.messages[0]?.body).toMatchObject({
      touser: 'wang.gong',
      agentid: 1000002,
      msgtype: 'textcard',
      textcard: { title: '工单已指派给你', url: 'https://hub.example/#/tickets/7' },
    });
  });

  it('gets a fresh token when WeCom says it expired (42001) and sends in the same attempt', async () => {
    const { notifier: n, clock, id } = notifierFor(app(), { WECOM_APP_SECRET: 'app-secret' });
    notifier = n;
    n.notify(ticketFor('wang.gong'), [id]);
    await settle(n, clock, id);
    wecom.expireTokens();
    n.notify(ticketFor('wang.gong'), [id]);
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 2, retried: 0 });
    expect(wecom.tokenRequests).toBe(2);
    expect(wecom.requests.map((r) => (r.json as { errcode: number }).errcode)).toEqual([0, 0, 42001, 0, 0]);
  });

  it('refreshes the cached token before it expires on the clock', async () => {
    const { notifier: n, clock, id } = notifierFor(app(), { WECOM_APP_SECRET: 'app-secret' });
    notifier = n;
    n.notify(ticketFor('wang.gong'), [id]);
    await settle(n, clock, id);
    clock.advance(7200_000 - 4 * 60_000); // inside the 5-minute margin
    n.notify(ticketFor('wang.gong'), [id]);
    await settle(n, clock, id);
    expect(wecom.tokenRequests).toBe(2);
  });

  it('a wrong secret is refused at gettoken (40001); an unknown user comes back in invaliduser', async () => {
    const bad = notifierFor(app(), { WECOM_APP_SECRET: 'wrong' });
    notifier = bad.notifier;
    bad.notifier.notify(ticketFor('wang.gong'), [bad.id]);
    await settle(bad.notifier, bad.clock, bad.id);
    expect(bad.notifier.stats()[bad.id]).toMatchObject({ failed: 1, retried: 0 });
    expect(bad.notifier.stats()[bad.id]?.lastError).toContain('gettoken: WeCom errcode 40001');
    await bad.notifier.stop();

    const good = notifierFor(app(), { WECOM_APP_SECRET: 'app-secret' });
    notifier = good.notifier;
    good.notifier.notify(ticketFor('nobody'), [good.id]);
    await settle(good.notifier, good.clock, good.id);
    expect(good.notifier.stats()[good.id]).toMatchObject({ failed: 1 });
    expect(good.notifier.stats()[good.id]?.lastError).toContain('81013');
    expect(wecom.messages).toHaveLength(0);
  });

  it('a group message goes to toUser; refuses without the secret variable', async () => {
    const {
      notifier: n,
      clock,
      id,
    } = notifierFor(app({ toUser: ['li.si', 'ghost'] }), {
      WECOM_APP_SECRET: 'app-secret',
    });
    notifier = n;
    n.notify(alertRaised(), [id]);
    await settle(n, clock, id);
    // one of two listed users does not exist: WeCom delivers to the other (and names the missing one)
    expect(n.stats()[id]).toMatchObject({ sent: 1, failed: 0 });
    expect(wecom.requests.at(-1)?.json).toMatchObject({ errcode: 0, invaliduser: 'ghost' });
    expect(wecom.messages[0]?.mentions).toEqual(['li.si']);
    await n.stop();

    const none = notifierFor(app(), {});
    notifier = none.notifier;
    none.notifier.notify(ticketFor('wang.gong'), [none.id]);
    expect(none.notifier.stats()[none.id]).toMatchObject({
      failed: 1,
      lastError: 'wecom app secret not set',
    });
  });
});
