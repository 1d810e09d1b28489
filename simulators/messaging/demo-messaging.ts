import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DingtalkServer } from './dingtalk-server.js';
import { FeishuServer } from './feishu-server.js';
import type { MailSink } from './mail-sink.js';
import { SmsGatewayServer } from './sms-gateway-server.js';
import type { DeliveredMessage, VendorServer } from './vendor-server.js';
import { WecomServer } from './wecom-server.js';

/**
 * The demo's messaging vendors, beside the simulated site: WeCom (robot and app), DingTalk, Feishu, an SMS
 * gateway and a mail server, on the ports config/demo-site.yaml's `actions:` point at, with the credentials
 * read from the same environment variables the hub reads (the demo sets them to known values when unset,
 * so both sides agree). Everything delivered is listed on one page: http://127.0.0.1:8095/ (JSON at /messages).
 */

export const DEMO_MESSAGING_PORTS = {
  wecom: 8091,
  dingtalk: 8092,
  feishu: 8093,
  sms: 8094,
  inbox: 8095,
  smtp: 8025,
};

/** The variables the demo site's actions name, and their demo values (used only when unset). */
export const DEMO_MESSAGING_ENV: Record<string, string> = {
  DEMO_WECOM_CORP_SECRET: 'demo-wecom-app-secret',
  DEMO_DINGTALK_TOKEN: 'demo-dingtalk-access-token',
  DEMO_DINGTALK_SECRET: 'SECdemo0dingtalk0signing0secret',
  DEMO_FEISHU_HOOK: 'demo-feishu-hook-token',
  DEMO_FEISHU_SECRET: 'demo-feishu-signing-secret',
  DEMO_SMS_AUTH: 'Bearer demo-sms-gateway-token',
};

/** The demo's WeCom corp and app (config/demo-site.yaml: wecom-app). */
export const DEMO_WECOM = { corpId: 'ww-demo-campus', agentId: 1000002 };

export function applyDemoMessagingEnv(env: NodeJS.ProcessEnv = process.env): void {
  for (const [k, v] of Object.entries(DEMO_MESSAGING_ENV)) env[k] ??= v;
}

export interface DemoMessaging {
  vendors: VendorServer[];
  /** Absent where smtp-server is not installed (a production image): e-mail then goes nowhere. */
  mail?: MailSink;
  inboxUrl: string;
  /** Every vendor's base URL by name (wecom, dingtalk, feishu, sms, smtp). */
  urls: Record<string, string>;
  /** Everything delivered, newest last. */
  messages(): DeliveredMessage[];
  stop(): Promise<void>;
}

export async function startDemoMessaging(
  env: NodeJS.ProcessEnv = process.env,
  ports: typeof DEMO_MESSAGING_PORTS = DEMO_MESSAGING_PORTS,
  host = '127.0.0.1',
): Promise<DemoMessaging> {
  const need = (name: string) => env[name] ?? (DEMO_MESSAGING_ENV[name] as string);
  const wecom = new WecomServer({
    robots: {},
    corpId: DEMO_WECOM.corpId,
    apps: { [DEMO_WECOM.agentId]: need('DEMO_WECOM_CORP_SECRET') },
    users: 'any',
  });
  const dingtalk = new DingtalkServer({
    robots: {
      [need('DEMO_DINGTALK_TOKEN')]: { group: '设施运维群 Facilities', secret: need('DEMO_DINGTALK_SECRET') },
    },
  });
  const feishu = new FeishuServer({
    bots: {
      [need('DEMO_FEISHU_HOOK')]: { group: '园区值班群 Campus duty', secret: need('DEMO_FEISHU_SECRET') },
    },
  });
  const sms = new SmsGatewayServer({ token: need('DEMO_SMS_AUTH').replace(/^Bearer /, '') });
  const mail = await import('./mail-sink.js').then(
    (m) => new m.MailSink(),
    () => undefined,
  );
  const vendors: VendorServer[] = [wecom, dingtalk, feishu, sms];
  const urls: Record<string, string> = {};
  const inbox = inboxServer(() => all());
  const all = () =>
    [...vendors.flatMap((v) => v.messages), ...(mail?.messages ?? [])].sort((a, b) => a.at - b.at);
  try {
    urls.wecom = await wecom.start(ports.wecom, host);
    urls.dingtalk = await dingtalk.start(ports.dingtalk, host);
    urls.feishu = await feishu.start(ports.feishu, host);
    urls.sms = await sms.start(ports.sms, host);
    if (mail) {
      await mail.start(ports.smtp, host);
      urls.smtp = `smtp://${host}:${mail.port()}`;
    }
    await new Promise<void>((resolve, reject) => {
      inbox.once('error', reject);
      inbox.listen(ports.inbox, host, () => resolve());
    });
  } catch (err) {
    await Promise.all([...vendors.map((v) => v.stop()), mail?.stop()]);
    inbox.close();
    throw err;
  }
  const inboxUrl = `http://${host}:${(inbox.address() as AddressInfo).port}/`;
  return {
    vendors,
    mail,
    inboxUrl,
    urls,
    messages: all,
    async stop() {
      inbox.closeAllConnections();
      inbox.close();
      await Promise.all([...vendors.map((v) => v.stop()), mail?.stop()]);
    },
  };
}

/** GET / : the delivered messages as a page (newest first); GET /messages: as JSON. Loopback only. */
function inboxServer(messages: () => DeliveredMessage[]): Server {
  return createServer((req, res) => {
    const list = messages().slice(-200).reverse();
    if (req.url === '/messages') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(list.map(({ body: _body, ...m }) => m)));
      return;
    }
    if (req.url !== '/') {
      res.writeHead(404).end();
      return;
    }
    const rows = list
      .map(
        (m) =>
          `<tr><td>${new Date(m.at).toISOString().slice(11, 19)}</td><td>${esc(m.channel)}</td><td>${esc(m.to)}</td><td>${esc(m.mentions.join(', '))}</td><td><pre>${esc(m.text)}</pre></td></tr>`,
      )
      .join('');
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    });
    res.end(
      `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>Demo messages 演示消息</title><style>body{font:14px system-ui;margin:1em}td{border-bottom:1px solid #ddd;padding:4px;vertical-align:top}pre{margin:0;white-space:pre-wrap}</style><h1>Messages the demo sent 演示发出的消息</h1><table><tr><th>UTC</th><th>channel</th><th>to</th><th>@ / addressed</th><th>text</th></tr>${rows}</table>`,
    );
  });
}

function esc(s: string): string {
  return s.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string,
  );
}
