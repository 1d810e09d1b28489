import type { Clock } from '../../core/clock.js';
import { chatText, mentionOf, plainText, truncateBytes } from './chat-text.js';
import type { Delivery, Outcome, Refusal, Transport } from './delivery.js';
import type { ChannelConfig } from './notify-schema.js';
import { callVendor, joinUrl, notVendorJson, safeTarget } from './vendor-http.js';

/**
 * WeCom 群机器人 (group robot), as its doc 群机器人配置说明 (developer.work.weixin.qq.com/document/path/91770)
 * says: `POST <base>/cgi-bin/webhook/send?key=<key>` with JSON
 * - text: `{ msgtype: 'text', text: { content, mentioned_list?, mentioned_mobile_list? } }` (content ≤ 2048 bytes)
 * - markdown: `{ msgtype: 'markdown', markdown: { content } }` (≤ 4096 bytes; cannot @ by the lists)
 * A personal delivery is a text that @mentions the person (a mobile in mentioned_mobile_list, else the user id
 * in mentioned_list); a group one uses `format`. The answer is `{ errcode, errmsg }`: 0 is sent; 45009
 * (rate limit: 20 a minute per robot) and -1 (busy) are retried; the rest (93000 bad key, 400xx) are final.
 */

export type WecomRobotAction = Extract<ChannelConfig, { type: 'wecom-robot' }>;

export const KEY_NOT_SET = 'wecom robot key not set';
const TEXT_MAX_BYTES = 2048;
const MARKDOWN_MAX_BYTES = 4096;
const RETRYABLE = new Set([-1, 45009]);

export class WecomRobotTransport implements Transport {
  readonly target: string;

  constructor(
    private readonly opts: {
      action: WecomRobotAction;
      clock: Clock;
      env: NodeJS.ProcessEnv;
      fetch: typeof fetch;
    },
  ) {
    this.target = safeTarget(joinUrl(opts.action.baseUrl, '/cgi-bin/webhook/send'));
  }

  refusal(): Refusal | undefined {
    if (this.key()) return undefined;
    return {
      error: KEY_NOT_SET,
      warning: 'WeCom robot key variable not set; not sent',
      detail: { keyEnv: this.opts.action.keyEnv },
    };
  }

  async send(delivery: Delivery, signal: AbortSignal): Promise<Outcome> {
    const { action, clock } = this.opts;
    const key = this.key();
    if (!key) return { ok: false, error: KEY_NOT_SET, retryable: false };
    const url = `${joinUrl(action.baseUrl, '/cgi-bin/webhook/send')}?key=${encodeURIComponent(key)}`;
    const reply = await callVendor(
      this.opts.fetch,
      {
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(robotBody(delivery, action.format)),
      },
      { timeoutMs: action.timeoutMs, signal, clock },
    );
    if (reply.kind === 'failed') return reply.outcome;
    return wecomOutcome(reply.status, reply.json, reply.text);
  }

  close(): void {}

  private key(): string | undefined {
    return this.opts.env[this.opts.action.keyEnv] || undefined;
  }
}

export function robotBody(d: Delivery, format: 'markdown' | 'text'): Record<string, unknown> {
  const t = chatText(d);
  if (d.recipient) {
    const m = mentionOf(d.recipient);
    return {
      msgtype: 'text',
      text: {
        content: truncateBytes(plainText(t), TEXT_MAX_BYTES),
        ...(m.kind === 'mobile' ? { mentioned_mobile_list: [m.mobile] } : { mentioned_list: [m.userId] }),
      },
    };
  }
  if (format === 'text')
    return { msgtype: 'text', text: { content: truncateBytes(plainText(t), TEXT_MAX_BYTES) } };
  const lines = [`**${t.title}**`, t.body, t.link ? `[${t.link}](${t.link})` : ''].filter(Boolean);
  return { msgtype: 'markdown', markdown: { content: truncateBytes(lines.join('\n'), MARKDOWN_MAX_BYTES) } };
}

/** WeCom's `{ errcode, errmsg }` (robot and app alike). */
export function wecomOutcome(status: number, json: unknown, text: string): Outcome {
  const r = json as { errcode?: unknown; errmsg?: unknown } | undefined;
  if (typeof r?.errcode !== 'number') return notVendorJson(status, text);
  if (r.errcode === 0) return { ok: true };
  return {
    ok: false,
    error: `WeCom errcode ${r.errcode}: ${String(r.errmsg ?? '').slice(0, 200)}`,
    retryable: RETRYABLE.has(r.errcode),
  };
}
