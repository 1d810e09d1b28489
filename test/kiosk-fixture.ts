import { createServer } from 'node:net';
import { SYSTEM } from '../core/actor.js';
import { buildHub, type Hub } from '../hub/app.js';
import { parseSiteText } from '../hub/site-file.js';
import type { Role } from '../platform/security/roles.js';
import { hookServer } from './hook-server.js';
import { tempDataDir, testHubOptions } from './hub-harness.js';
import { smtpTestServer } from './smtp-test-server.js';

/** A port free right now (the hub's publicUrl must name its own port before it starts). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * A hub with visitor self-service on, its people channels at real local servers: e-mail through an SMTP test
 * server, SMS through a webhook (the gateway's stand-in: the hook server), and the hosts' site-wide
 * `visitors.notify` webhook (which carries the signed approval link) at another hook server.
 */
export async function kioskHub(o: { selfService?: string; port?: number } = {}) {
  const smtp = await smtpTestServer();
  const sms = await hookServer();
  const hosts = await hookServer();
  const port = o.port ?? (await freePort());
  const yaml = `
site: { id: kiosk, name: Kiosk, timezone: Asia/Shanghai }
hub:
  http: { host: 127.0.0.1, port: ${port} }
  dataDir: ${tempDataDir()}
  logLevel: silent
  smtp: { host: 127.0.0.1, port: ${smtp.port}, from: hub@example.com }
mqtt: { mode: embedded, host: 127.0.0.1, port: 0 }
zones:
  - { id: b1, name: Building 1, kind: building }
devices:
  - { id: gate-ctl, protocol: mqtt }
assets:
  - { id: gate-a, name: Gate A, kind: gate, zone: b1, device: gate-ctl, points: [{ name: door_open, type: boolean, kind: state }] }
actions:
  - { id: host-hook, type: webhook, url: '${hosts.url}', retries: 0 }
  - { id: sms-hook, type: webhook, url: '${sms.url}', retries: 0 }
  - { id: mail, type: email, to: [desk@example.com], retries: 0 }
people:
  channels: { sms: sms-hook, email: mail }
  defaultChannels: { visitor: [email, sms] }
visitors:
  publicUrl: 'http://127.0.0.1:${port}'
  kiosks: [lobby]
  notify: [host-hook]
  selfService: ${o.selfService ?? '{ enabled: true }'}
`;
  const hub: Hub = await buildHub(testHubOptions(parseSiteText(yaml, 'kiosk.yaml'), { live: false }));
  const url = await hub.start();
  const user = (username: string, displayName: string, roles: Role[]) =>
    hub.auth.createUser(SYSTEM, {
      username,
      displayName,
      roles,
      password: `pw-${displayName.length}-0123456789-secret-Q`,
    });
  return {
    hub,
    url,
    smtp,
    sms,
    hosts,
    user,
    async stop() {
      await hub.stop();
      await smtp.close();
      for (const h of [sms, hosts]) await new Promise((r) => h.server.close(r));
    },
  };
}

/** Decode a raw e-mail's text body (quoted-printable or base64, as nodemailer chose). */
export function mailText(raw: string): string {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const body = rest.join('\r\n\r\n');
  if (/content-transfer-encoding:\s*base64/i.test(head)) return Buffer.from(body, 'base64').toString('utf8');
  if (/content-transfer-encoding:\s*quoted-printable/i.test(head))
    return Buffer.from(
      body
        .replace(/=\r\n/g, '')
        .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
      'latin1',
    ).toString('utf8');
  return body;
}
