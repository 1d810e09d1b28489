import { createHmac } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { chatText, plainText, truncateBytes } from './chat-text.js';
import type { Delivery, Outcome, Refusal, Transport } from './delivery.js';
import type { ChannelConfig } from './notify-schema.js';
import { callVendor, joinUrl, notVendorJson, safeTarget } from './vendor-http.js';

/**
 * Feishu / Lark 自定义机器人, as its doc 自定义机器人使用指南
 * (open.feishu.cn/document/client-docs/bot-v3/add-custom-bot) says: `POST <base>/open-apis/bot/v2/hook/<token>`
 * with JSON; with 签名校验 on, the body carries `timestamp` (seconds, a string, within an hour) and
 * `sign` = base64(HmacSHA256(key = timestamp + "\n" + secret, message = "")) — the key is the string, the
 * message empty (unlike DingTalk). Bodies:
 * - text `{ msg_type: 'text', content: { text } }`; a person is mentioned by `<at user_id="ou_…">name</at>`
 * - post (rich text) `{ msg_type: 'post', content: { post: { zh_cn: { title, content: [[…tags]] } } } }`
 *   for group messages: a text line and an `a` (link) tag.
 * The answer `{ code, msg }`: 0 sent; 11232 (rate limit: 100/min, 5/s) retried, and 9499 when its message
 * says it is a limit ("too many request"; 9499 is also the plain "Bad Request", final); the rest (19021 sign
 * or timestamp, 19024 keyword, 19001 bad token…) final. The body must stay under 20 KB.
 */

export type FeishuBotAction = Extract<ChannelConfig, { type: 'feishu-bot' }>;

export const FEISHU_TOKEN_NOT_SET = 'feishu hook token not set';
export const FEISHU_SECRET_NOT_SET = 'feishu secret not set';
const TEXT_MAX_BYTES = 15_000;

export class FeishuBotTransport implements Transport {
  readonly target: string;

  constructor(
    private readonly opts: {
      action: FeishuBotAction;
      clock: Clock;
      env: NodeJS.ProcessEnv;
      fetch: typeof fetch;
    },
  ) {
    this.target = safeTarget(joinUrl(opts.action.baseUrl, '/open-apis/bot/v2/hook/'));
  }

  refusal(): Refusal | undefined {
    const { action, env } = this.opts;
    if (!env[action.tokenEnv])
      return {
        error: FEISHU_TOKEN_NOT_SET,
        warning: 'Feishu hook token variable not set; not sent',
        detail: { tokenEnv: action.tokenEnv },
      };
    if (action.secretEnv && !env[action.secretEnv])
      return {
        error: FEISHU_SECRET_NOT_SET,
        warning: 'Feishu secret variable not set; refusing to send unsigned',
        detail: { secretEnv: action.secretEnv },
      };
    return undefined;
  }

  async send(delivery: Delivery, signal: AbortSignal): Promise<Outcome> {
    const { action, env, clock } = this.opts;
    const refused = this.refusal();
    if (refused) return { ok: false, error: refused.error, retryable: false };
    const token = env[action.tokenEnv] as string;
    const url = joinUrl(action.baseUrl, `/open-apis/bot/v2/hook/${encodeURIComponent(token)}`);
    const signed: Record<string, string> = {};
    if (action.secretEnv) {
      const timestamp = String(Math.floor(clock.now() / 1000));
      signed.timestamp = timestamp;
      signed.sign = feishuSign(timestamp, env[action.secretEnv] as string);
    }
    const reply = await callVendor(
      this.opts.fetch,
      {
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ ...signed, ...feishuMessage(delivery) }),
      },
      { timeoutMs: action.timeoutMs, signal, clock },
    );
    if (reply.kind === 'failed') return reply.outcome;
    // Older hooks also answer StatusCode/StatusMessage; `code` is the documented one.
    const r = reply.json as { code?: unknown; msg?: unknown; StatusCode?: unknown } | undefined;
    const code = typeof r?.code === 'number' ? r.code : r?.StatusCode;
    if (typeof code !== 'number') return notVendorJson(reply.status, reply.text);
    if (code === 0) return { ok: true };
    const msg = String(r?.msg ?? '');
    return {
      ok: false,
      error: `Feishu code ${code}: ${msg.slice(0, 200)}`,
      retryable: code === 11232 || (code === 9499 && /too many|limit|frequen/i.test(msg)),
    };
  }

  close(): void {}
}

/** 签名校验: base64(HmacSHA256(key = timestamp + "\n" + secret, message = "")). */
export function feishuSign(timestamp: string, secret: string): string {
  return createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64');
}

export function feishuMessage(d: Delivery): Record<string, unknown> {
  const t = chatText(d);
  if (d.recipient) {
    const name = escapeAt(d.recipient.name);
    const id = escapeAt(d.recipient.address);
    return {
      msg_type: 'text',
      content: { text: truncateBytes(`<at user_id="${id}">${name}</at> ${plainText(t)}`, TEXT_MAX_BYTES) },
    };
  }
  const line: Record<string, unknown>[] = [{ tag: 'text', text: truncateBytes(t.body, TEXT_MAX_BYTES) }];
  const content: Record<string, unknown>[][] = [line];
  if (t.link) content.push([{ tag: 'a', text: t.link, href: t.link }]);
  return { msg_type: 'post', content: { post: { zh_cn: { title: truncateBytes(t.title, 300), content } } } };
}

/** The <at> tag is markup inside the text: a name or id must not close it. */
function escapeAt(s: string): string {
  return s.replace(/[<>"]/g, '');
}
