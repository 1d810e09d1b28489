import { createHmac } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { chatText, mentionOf, plainText, truncateBytes } from './chat-text.js';
import type { Delivery, Outcome, Refusal, Transport } from './delivery.js';
import type { ChannelConfig } from './notify-schema.js';
import { callVendor, joinUrl, notVendorJson, safeTarget } from './vendor-http.js';

/**
 * DingTalk 自定义机器人, as its docs 自定义机器人安全设置 (加签) and 自定义机器人发送群消息
 * (open.dingtalk.com/document/robots/customize-robot-security-settings, …/custom-robot-access) say:
 * `POST <base>/robot/send?access_token=<token>&timestamp=<ms>&sign=<sign>` where
 * sign = urlEncode(base64(HmacSHA256(key = secret, message = timestamp + "\n" + secret))), the timestamp in
 * ms within an hour of DingTalk's clock. Bodies:
 * - text: `{ msgtype: 'text', text: { content }, at: { atMobiles, atUserIds, isAtAll } }`; a person is
 *   mentioned by listing them in `at` and writing `@<mobile or user id>` in the content
 * - markdown: `{ msgtype: 'markdown', markdown: { title, text } }` (group messages, format markdown)
 * The answer `{ errcode, errmsg }`: 0 sent; 130101 (more than 20 a minute) and -1 (busy) retried; the rest
 * (310000 sign/keyword/IP refused, 300001 token, 400102 robot stopped) final.
 */

export type DingtalkRobotAction = Extract<ChannelConfig, { type: 'dingtalk-robot' }>;

export const DINGTALK_TOKEN_NOT_SET = 'dingtalk access token not set';
export const DINGTALK_SECRET_NOT_SET = 'dingtalk secret not set';
const CONTENT_MAX_BYTES = 18_000; // DingTalk allows 20000 bytes per message
const RETRYABLE = new Set([-1, 130101]);

export class DingtalkRobotTransport implements Transport {
  readonly target: string;

  constructor(
    private readonly opts: {
      action: DingtalkRobotAction;
      clock: Clock;
      env: NodeJS.ProcessEnv;
      fetch: typeof fetch;
    },
  ) {
    this.target = safeTarget(joinUrl(opts.action.baseUrl, '/robot/send'));
  }

  refusal(): Refusal | undefined {
    const { action, env } = this.opts;
    if (!env[action.tokenEnv])
      return {
        error: DINGTALK_TOKEN_NOT_SET,
        warning: 'DingTalk token variable not set; not sent',
        detail: { tokenEnv: action.tokenEnv },
      };
    if (action.secretEnv && !env[action.secretEnv])
      return {
        error: DINGTALK_SECRET_NOT_SET,
        warning: 'DingTalk secret variable not set; refusing to send unsigned',
        detail: { secretEnv: action.secretEnv },
      };
    return undefined;
  }

  async send(delivery: Delivery, signal: AbortSignal): Promise<Outcome> {
    const { action, env, clock } = this.opts;
    const refused = this.refusal();
    if (refused) return { ok: false, error: refused.error, retryable: false };
    const token = env[action.tokenEnv] as string;
    let url = `${joinUrl(action.baseUrl, '/robot/send')}?access_token=${encodeURIComponent(token)}`;
    if (action.secretEnv) {
      const timestamp = String(clock.now());
      url += `&timestamp=${timestamp}&sign=${dingtalkSign(timestamp, env[action.secretEnv] as string)}`;
    }
    const reply = await callVendor(
      this.opts.fetch,
      {
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json;charset=utf-8' },
        body: JSON.stringify(dingtalkBody(delivery, action.format)),
      },
      { timeoutMs: action.timeoutMs, signal, clock },
    );
    if (reply.kind === 'failed') return reply.outcome;
    const r = reply.json as { errcode?: unknown; errmsg?: unknown } | undefined;
    if (typeof r?.errcode !== 'number') return notVendorJson(reply.status, reply.text);
    if (r.errcode === 0) return { ok: true };
    return {
      ok: false,
      error: `DingTalk errcode ${r.errcode}: ${String(r.errmsg ?? '').slice(0, 200)}`,
      retryable: RETRYABLE.has(r.errcode),
    };
  }

  close(): void {}
}

/** 加签: urlEncode(base64(HmacSHA256(secret, timestamp + "\n" + secret))). */
export function dingtalkSign(timestamp: string, secret: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
  return encodeURIComponent(mac);
}

export function dingtalkBody(d: Delivery, format: 'markdown' | 'text'): Record<string, unknown> {
  const t = chatText(d);
  if (d.recipient) {
    const m = mentionOf(d.recipient);
    const handle = m.kind === 'mobile' ? m.mobile : m.userId;
    return {
      msgtype: 'text',
      text: { content: truncateBytes(`${plainText(t)}\n@${handle}`, CONTENT_MAX_BYTES) },
      at: {
        ...(m.kind === 'mobile' ? { atMobiles: [m.mobile] } : { atUserIds: [m.userId] }),
        isAtAll: false,
      },
    };
  }
  if (format === 'text')
    return { msgtype: 'text', text: { content: truncateBytes(plainText(t), CONTENT_MAX_BYTES) } };
  const lines = [`### ${t.title}`, '', t.body];
  if (t.link) lines.push('', `[${t.link}](${t.link})`);
  return {
    msgtype: 'markdown',
    markdown: {
      title: truncateBytes(t.title, 200),
      text: truncateBytes(lines.join('\n'), CONTENT_MAX_BYTES),
    },
  };
}
