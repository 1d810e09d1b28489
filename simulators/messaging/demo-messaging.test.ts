import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { loadSiteFile } from '../../hub/site-file.js';
import { Notifier } from '../../platform/notify/notifier.js';
import type { ChannelConfig } from '../../platform/notify/notify-schema.js';
import { quietLog, settle, ticketFor } from '../../test/channel-kit.js';
import { applyDemoMessagingEnv, type DemoMessaging, startDemoMessaging } from './demo-messaging.js';

let messaging: DemoMessaging | undefined;
let notifier: Notifier | undefined;

afterEach(async () => {
  await notifier?.stop();
  await messaging?.stop();
});

const DEMO_IDS = ['mail', 'sms-gw', 'wecom-app', 'dingtalk-robot', 'feishu-bot'];

describe('the demo site’s channels and the messaging simulators the demo starts', () => {
  it('each of the demo’s five actions delivers a personal message with the demo credentials', async () => {
    const env: NodeJS.ProcessEnv = {};
    applyDemoMessagingEnv(env);
    messaging = await startDemoMessaging(env, {
      wecom: 0,
      dingtalk: 0,
      feishu: 0,
      sms: 0,
      inbox: 0,
      smtp: 0,
    });
    const site = await loadSiteFile('config/demo-site.yaml', { HUB_LOG_LEVEL: 'silent' });
    const urls = messaging.urls;
    // the site file as written, only moved to this test's ports
    const actions = site.config.actions
      .filter((a) => DEMO_IDS.includes(a.id))
      .map((a) => {
        const c = a as ChannelConfig;
        if (c.type === 'wecom-app') return { ...c, baseUrl: urls.wecom as string };
        if (c.type === 'dingtalk-robot') return { ...c, baseUrl: urls.dingtalk as string };
        if (c.type === 'feishu-bot') return { ...c, baseUrl: urls.feishu as string };
        if (c.type === 'sms-gateway')
          return { ...c, url: c.url.replace('http://127.0.0.1:8094', urls.sms as string) };
        return c;
      });
    expect(actions.map((a) => a.id).sort()).toEqual([...DEMO_IDS].sort());
    const smtpPort = Number(new URL(urls.smtp as string).port);
    const clock = new ManualClock(Date.now());
    notifier = new Notifier({
      actions,
      smtp: { ...(site.hub.smtp as NonNullable<typeof site.hub.smtp>), port: smtpPort },
      clock,
      log: quietLog() as unknown as Logger,
      env,
      random: () => 0,
    });
    const address: Record<string, string> = {
      mail: 'wang@demo.example',
      'sms-gw': '+8613800138000',
      'wecom-app': 'wang.gong',
      'dingtalk-robot': '13800138000',
      'feishu-bot': 'ou_demo_wang',
    };
    for (const id of DEMO_IDS) notifier.notify(ticketFor(address[id] as string), [id]);
    for (const id of DEMO_IDS) await settle(notifier, clock, id);
    for (const id of DEMO_IDS) expect(notifier.stats()[id], id).toMatchObject({ sent: 1, failed: 0 });
    const res = await fetch(`${messaging.inboxUrl}messages`);
    const listed = (await res.json()) as { channel: string; mentions: string[] }[];
    expect(listed.map((m) => m.channel).sort()).toEqual(['dingtalk', 'email', 'feishu', 'sms', 'wecom-app']);
    expect(listed.flatMap((m) => m.mentions).sort()).toEqual(
      ['+8613800138000', '13800138000', 'ou_demo_wang', 'wang.gong', 'wang@demo.example'].sort(),
    );
    expect(messaging.mail?.messages[0]?.text).toBe('工单已指派给你'); // the personal subject, decoded
    const page = await (await fetch(messaging.inboxUrl)).text();
    expect(page).toContain('工单已指派给你');
  });
});
