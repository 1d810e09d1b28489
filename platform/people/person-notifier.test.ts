import type { Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { type Hook, hookServer } from '../../test/hook-server.js';
import { smtpTestServer, subjectOf } from '../../test/smtp-test-server.js';
import { waitFor } from '../../test/wait.js';
import { type Db, openDatabase } from '../db/database.js';
import { DeliveryLog } from '../notify/delivery-log.js';
import { Notifier } from '../notify/notifier.js';
import { EmailActionSchema, WebhookActionSchema } from '../notify/notify-schema.js';
import { UserStore } from '../security/user-store.js';
import type { PersonMessage } from './people-types.js';
import { type PeopleRouting, PersonNotifier } from './person-notifier.js';
import { ProfileStore } from './profile-store.js';

// 2026-03-02 is a Monday; Shanghai is UTC+8 all year
const SHANGHAI = 'Asia/Shanghai';
const at = (iso: string) => Date.parse(iso);

let db: Db;
let clock: ManualClock;
let hook: { server: Server; url: string; hooks: Hook[] };
let smtp: Awaited<ReturnType<typeof smtpTestServer>>;
let notifier: Notifier;
let people: PersonNotifier;
let deliveries: DeliveryLog;
let users: UserStore;
let profiles: ProfileStore;
const warn = vi.fn();
const log = { ...silentLogger, warn, error: vi.fn(), child: () => log } as unknown as typeof silentLogger;

const routing: PeopleRouting = {
  // the hook server stands in for a WeCom app and an SMS gateway (their own transports come from h-channels)
  channels: { wecom: 'wecom-hook', sms: 'sms-hook', email: 'mail' },
  defaultChannels: { ticket: ['wecom', 'email'], visitor: ['sms', 'email'] },
  defaultLanguage: 'zh-CN',
};

function build(env: NodeJS.ProcessEnv = {}) {
  deliveries = new DeliveryLog(db, () => clock.now());
  notifier = new Notifier({
    actions: [
      WebhookActionSchema.parse({ id: 'wecom-hook', type: 'webhook', url: hook.url, retries: 2 }),
      WebhookActionSchema.parse({ id: 'sms-hook', type: 'webhook', url: hook.url, secretEnv: 'SMS_SECRET' }),
      EmailActionSchema.parse({ id: 'mail', type: 'email', to: ['ops@example.com'], retries: 1 }),
    ],
    smtp: { host: '127.0.0.1', port: smtp.port, secure: false, requireTls: false, from: 'hub@example.com' },
    clock,
    log,
    env,
    random: () => 0,
    deliveryLog: deliveries,
  });
  people = new PersonNotifier({
    routing,
    users,
    profiles,
    notifier,
    deliveries,
    timeZone: SHANGHAI,
    clock,
    log,
  });
  people.start();
}

function user(username: string, displayName = username) {
  return users.create({ username, displayName, roles: ['engineer'], passwordHash: 'x', now: 0 });
}

function ticketMessage(id = 7, urgent = false): PersonMessage {
  return {
    kind: 'ticket',
    topic: 'ticket',
    event: 'assigned',
    subject: { id, title: 'AHU-1 fan' },
    urgent,
    text: {
      en: { title: `Ticket #${id} assigned to you`, body: 'AHU-1 fan', link: `https://hub/#/tickets/${id}` },
      'zh-CN': { title: `工单 #${id} 已指派给您`, body: 'AHU-1 风机', link: `https://hub/#/tickets/${id}` },
    },
  };
}

beforeEach(async () => {
  db = openDatabase(':memory:', silentLogger);
  users = new UserStore(db);
  profiles = new ProfileStore(db);
  clock = new ManualClock(at('2026-03-02T02:00:00Z')); // 10:00 in Shanghai
  hook = await hookServer();
  smtp = await smtpTestServer();
  warn.mockClear();
});

afterEach(async () => {
  people.stop();
  await notifier.stop();
  hook.server.closeAllConnections();
  await new Promise<void>((r) => hook.server.close(() => r()));
  await smtp.close();
  db.close();
});

describe('PersonNotifier', () => {
  it("uses the person's own channel, their address and language, and logs the delivery as sent", async () => {
    const li = user('li', '李工');
    profiles.put(
      li.id,
      {
        language: 'en',
        contacts: { mobile: '13800138000', wecomId: 'LiGong' },
        channels: { ticket: ['wecom'] },
      },
      'li',
      0,
    );
    build();
    const out = people.tell('li', ticketMessage());
    expect(out).toMatchObject({ status: 'queued', channel: 'wecom', actionId: 'wecom-hook' });
    await waitFor(() => hook.hooks.length === 1);
    const body = hook.hooks[0]!.body as { recipient: unknown; text: { title: string } };
    expect(body.recipient).toEqual({ username: 'li', name: '李工', address: 'LiGong' });
    expect(body.text.title).toBe('Ticket #7 assigned to you');
    await waitFor(() => deliveries.list()[0]?.state === 'sent');
    expect(deliveries.list()[0]).toMatchObject({
      state: 'sent',
      actionId: 'wecom-hook',
      channel: 'webhook',
      channelKind: 'wecom',
      recipient: 'li',
      topic: 'ticket',
      event: 'assigned',
      subjectId: '7',
      attempts: 1,
    });
  });

  it('falls back to the site defaults, skipping a channel without a contact; WeCom falls back to the mobile', async () => {
    const wang = user('wang');
    const zhao = user('zhao');
    profiles.put(wang.id, { contacts: { email: 'wang@example.com' }, channels: {} }, 'wang', 0);
    profiles.put(zhao.id, { contacts: { mobile: '+8613900139000' }, channels: {} }, 'zhao', 0);
    build();
    expect(people.tell('wang', ticketMessage(1))).toMatchObject({ status: 'queued', channel: 'email' });
    expect(people.tell('zhao', ticketMessage(2))).toMatchObject({ status: 'queued', channel: 'wecom' });
    await waitFor(() => smtp.messages.length === 1 && hook.hooks.length === 1);
    // the e-mail goes to the person, not the action's `to`, in the site's default language
    expect(smtp.messages[0]!.to).toEqual(['wang@example.com']);
    expect(subjectOf(smtp.messages[0]!.raw)).toBe('工单 #1 已指派给您');
    expect((hook.hooks[0]!.body as { recipient: { address: string } }).recipient.address).toBe(
      '+8613900139000',
    );
  });

  it('holds a non-urgent message in quiet hours and sends it when they end; an urgent one passes', async () => {
    const li = user('li');
    profiles.put(
      li.id,
      { contacts: { wecomId: 'LiGong' }, channels: {}, quietHours: { start: '22:00', end: '07:00' } },
      'li',
      0,
    );
    clock = new ManualClock(at('2026-03-02T15:30:00Z')); // 23:30 in Shanghai
    build();
    const held = people.tell('li', ticketMessage(3));
    expect(held).toMatchObject({ status: 'held', until: at('2026-03-02T23:00:00Z'), channel: 'wecom' });
    expect(people.tell('li', ticketMessage(4, true))).toMatchObject({ status: 'queued' });
    await waitFor(() => hook.hooks.length === 1);
    expect((hook.hooks[0]!.body as { ticket: { id: number } }).ticket.id).toBe(4);
    const id = held.status === 'held' ? held.deliveryId : '';
    expect(deliveries.get(id)).toMatchObject({ state: 'held', releaseAt: at('2026-03-02T23:00:00Z') });

    clock.advance(at('2026-03-02T22:59:00Z') - clock.now());
    await new Promise((r) => setTimeout(r, 100));
    expect(hook.hooks.length).toBe(1);
    clock.advance(60_000); // 07:00 in Shanghai
    await waitFor(() => hook.hooks.length === 2);
    expect(hook.hooks[1]!.headers['x-hub-delivery']).toBe(id);
    await waitFor(() => deliveries.get(id)?.state === 'sent');
  });

  it('releases at start what fell due while the hub was stopped', async () => {
    const li = user('li');
    profiles.put(
      li.id,
      { contacts: { wecomId: 'LiGong' }, channels: {}, quietHours: { start: '22:00', end: '07:00' } },
      'li',
      0,
    );
    clock = new ManualClock(at('2026-03-02T15:30:00Z'));
    build();
    const held = people.tell('li', ticketMessage(5));
    people.stop();
    await notifier.stop();
    clock = new ManualClock(at('2026-03-03T01:00:00Z')); // 09:00 next morning, a new run
    build();
    await waitFor(() => hook.hooks.length === 1);
    expect(hook.hooks[0]!.headers['x-hub-delivery']).toBe(held.status === 'held' ? held.deliveryId : '?');
  });

  it('logs an unreachable person each time with why, and warns once per person and kind', () => {
    user('nobody');
    build();
    expect(people.tell('nobody', ticketMessage(1))).toEqual({
      status: 'unreachable',
      reason: 'wecom: no contact; email: no contact',
    });
    people.tell('nobody', ticketMessage(2));
    expect(people.tell('ghost', ticketMessage(3))).toMatchObject({
      status: 'unreachable',
      reason: 'no such user, or disabled',
    });
    const rows = deliveries.list({ state: 'unreachable' });
    expect(rows.map((r) => [r.recipient, r.error])).toEqual([
      ['ghost', 'no such user, or disabled'],
      ['nobody', 'wecom: no contact; email: no contact'],
      ['nobody', 'wecom: no contact; email: no contact'],
    ]);
    expect(warn.mock.calls.filter((c) => c[1] === 'no channel reaches this person; not told')).toHaveLength(
      2,
    );
    expect(people.unreachable()).toEqual({ 'nobody:ticket': 2, 'ghost:ticket': 1 });
  });

  it('tells an outside person by e-mail and logs only their masked address', async () => {
    build();
    const out = people.tell(
      { displayName: 'Visitor Chen', language: 'en', contacts: { email: 'chen.visitor@example.org' } },
      { ...ticketMessage(9), kind: 'visitor', topic: 'visitor', event: 'approved' },
    );
    expect(out).toMatchObject({ status: 'queued', channel: 'email' });
    await waitFor(() => smtp.messages.length === 1);
    expect(smtp.messages[0]!.to).toEqual(['chen.visitor@example.org']);
    expect(deliveries.list()[0]!.recipient).toBe('c***@example.org');
  });

  it('logs retries and the final failure with why; a refused channel is failed at once', async () => {
    const li = user('li');
    const zhou = user('zhou');
    profiles.put(li.id, { contacts: { wecomId: 'LiGong' }, channels: {} }, 'li', 0);
    profiles.put(zhou.id, { contacts: { mobile: '13700137000' }, channels: { visitor: ['sms'] } }, 'zhou', 0);
    hook.server.removeAllListeners('request');
    hook.server.on('request', (_req, res) => res.writeHead(503).end('down'));
    build();
    const out = people.tell('li', ticketMessage(1));
    const id = out.status === 'queued' ? out.deliveryId : '';
    await waitFor(() => deliveries.get(id)?.attempts === 1);
    expect(deliveries.get(id)).toMatchObject({ state: 'queued', error: expect.stringContaining('503') });
    for (let i = 0; i < 2; i++) {
      const attempts = deliveries.get(id)!.attempts;
      clock.advance(10_000);
      await waitFor(() => deliveries.get(id)!.attempts > attempts);
    }
    await waitFor(() => deliveries.get(id)?.state === 'failed');
    expect(deliveries.get(id)).toMatchObject({ attempts: 3, error: expect.stringContaining('503') });
    // sms-hook's secret variable is not set: refused, nothing sent, and zhou has no other channel
    expect(people.tell('zhou', { ...ticketMessage(2), kind: 'visitor' })).toEqual({
      status: 'unreachable',
      reason: 'sms: secret not set',
    });
    expect(deliveries.list({ state: 'failed', channel: 'sms' })[0]).toMatchObject({
      recipient: 'zhou',
      attempts: 0,
      error: 'secret not set',
    });
    // with an e-mail after SMS, the refusal falls through to it
    profiles.put(
      zhou.id,
      {
        contacts: { mobile: '13700137000', email: 'zhou@example.com' },
        channels: { visitor: ['sms', 'email'] },
      },
      'zhou',
      0,
    );
    expect(people.tell('zhou', { ...ticketMessage(3), kind: 'visitor' })).toMatchObject({
      status: 'queued',
      channel: 'email',
    });
    await waitFor(() => smtp.messages.length === 1);
    expect(smtp.messages[0]!.to).toEqual(['zhou@example.com']);
  });
});
