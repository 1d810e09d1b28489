import type { Clock } from '../../core/clock.js';
import { chatText, plainText, truncateBytes } from './chat-text.js';
import type { Delivery, Outcome, Refusal, Transport } from './delivery.js';
import type { ChannelConfig } from './notify-schema.js';
import { callVendor, joinUrl, safeTarget } from './vendor-http.js';
import { wecomOutcome } from './wecom-robot-transport.js';

/**
 * WeCom 应用消息 (an app's message to people), as the docs 获取access_token
 * (developer.work.weixin.qq.com/document/path/91039) and 发送应用消息 (…/path/90236) say:
 * 1. `GET <base>/cgi-bin/gettoken?corpid=&corpsecret=` → `{ errcode: 0, access_token, expires_in: 7200 }`;
 *    the token is cached (per corp id and secret) until shortly before it expires, as the doc asks (gettoken
 *    is rate-limited), and fetched again at once when message/send says 40014 (invalid) or 42001 (expired).
 * 2. `POST <base>/cgi-bin/message/send?access_token=` with `{ touser, msgtype, agentid, text | textcard }`:
 *    `touser` is the person's user id (personal) or the action's `toUser`/`toParty` joined by `|`; a text
 *    card (title, description, url, btntxt) when there is a link, else text.
 * The answer `{ errcode, errmsg, invaliduser }`: a personal delivery whose person is listed in `invaliduser`
 * was not reached (final).
 */

export type WecomAppAction = Extract<ChannelConfig, { type: 'wecom-app' }>;

export const APP_SECRET_NOT_SET = 'wecom app secret not set';
/** Refresh this long before WeCom's expiry (clocks differ; a token must not die in flight). */
const EXPIRY_MARGIN_MS = 5 * 60_000;
const TOKEN_INVALID = new Set([40014, 42001]);

export class WecomAppTransport implements Transport {
  readonly target: string;
  private token?: { value: string; secret: string; expiresAt: number };

  constructor(
    private readonly opts: {
      action: WecomAppAction;
      clock: Clock;
      env: NodeJS.ProcessEnv;
      fetch: typeof fetch;
    },
  ) {
    this.target = safeTarget(joinUrl(opts.action.baseUrl, '/cgi-bin/message/send'));
  }

  refusal(): Refusal | undefined {
    if (this.secret()) return undefined;
    return {
      error: APP_SECRET_NOT_SET,
      warning: 'WeCom app secret variable not set; not sent',
      detail: { secretEnv: this.opts.action.secretEnv },
    };
  }

  async send(delivery: Delivery, signal: AbortSignal): Promise<Outcome> {
    const { action } = this.opts;
    const secret = this.secret();
    if (!secret) return { ok: false, error: APP_SECRET_NOT_SET, retryable: false };
    const to = delivery.recipient
      ? { touser: delivery.recipient.address }
      : {
          ...(action.toUser?.length ? { touser: action.toUser.join('|') } : {}),
          ...(action.toParty?.length ? { toparty: action.toParty.join('|') } : {}),
        };
    if (!to.touser && !('toparty' in to)) {
      return { ok: false, error: 'no recipient: a personal delivery or toUser/toParty', retryable: false };
    }
    const body = JSON.stringify({ ...to, agentid: action.agentId, ...appMessage(delivery) });
    for (let round = 0; round < 2; round++) {
      const token = await this.accessToken(secret, signal);
      if (!token.ok) return token.outcome;
      const url = `${joinUrl(action.baseUrl, '/cgi-bin/message/send')}?access_token=${encodeURIComponent(token.value)}`;
      const reply = await callVendor(
        this.opts.fetch,
        { method: 'POST', url, headers: { 'content-type': 'application/json' }, body },
        { timeoutMs: action.timeoutMs, signal, clock: this.opts.clock },
      );
      if (reply.kind === 'failed') return reply.outcome;
      const r = reply.json as { errcode?: number; invaliduser?: string } | undefined;
      if (typeof r?.errcode === 'number' && TOKEN_INVALID.has(r.errcode) && round === 0) {
        this.token = undefined; // expired or revoked early: one fresh token, once
        continue;
      }
      const outcome = wecomOutcome(reply.status, reply.json, reply.text);
      // A person not in the corp is a failed personal delivery; a group list with one stale id still arrived.
      if (outcome.ok && r?.invaliduser && delivery.recipient) {
        return {
          ok: false,
          error: `WeCom invaliduser: ${String(r.invaliduser).slice(0, 100)}`,
          retryable: false,
        };
      }
      return outcome;
    }
    return { ok: false, error: 'WeCom access token refused twice', retryable: true };
  }

  close(): void {}

  private async accessToken(
    secret: string,
    signal: AbortSignal,
  ): Promise<{ ok: true; value: string } | { ok: false; outcome: Outcome }> {
    const { action, clock } = this.opts;
    const cached = this.token;
    if (cached && cached.secret === secret && clock.now() < cached.expiresAt)
      return { ok: true, value: cached.value };
    const url = `${joinUrl(action.baseUrl, '/cgi-bin/gettoken')}?corpid=${encodeURIComponent(action.corpId)}&corpsecret=${encodeURIComponent(secret)}`;
    const reply = await callVendor(
      this.opts.fetch,
      { method: 'GET', url },
      { timeoutMs: action.timeoutMs, signal, clock },
    );
    if (reply.kind === 'failed') return { ok: false, outcome: reply.outcome };
    const r = reply.json as { errcode?: number; access_token?: unknown; expires_in?: unknown } | undefined;
    const judged = wecomOutcome(reply.status, reply.json, reply.text);
    if (!judged.ok) return { ok: false, outcome: { ...judged, error: `gettoken: ${judged.error}` } };
    if (typeof r?.access_token !== 'string' || !r.access_token) {
      return { ok: false, outcome: { ok: false, error: 'gettoken: no access_token', retryable: true } };
    }
    const lifeMs = (typeof r.expires_in === 'number' ? r.expires_in : 7200) * 1000;
    this.token = {
      value: r.access_token,
      secret,
      expiresAt: clock.now() + Math.max(0, lifeMs - EXPIRY_MARGIN_MS),
    };
    return { ok: true, value: r.access_token };
  }

  private secret(): string | undefined {
    return this.opts.env[this.opts.action.secretEnv] || undefined;
  }
}

/** A text card when there is a link to open (title ≤ 128 bytes, description ≤ 512), else text (≤ 2048). */
export function appMessage(d: Delivery): Record<string, unknown> {
  const t = chatText(d);
  if (t.link) {
    return {
      msgtype: 'textcard',
      textcard: {
        title: truncateBytes(t.title, 128),
        description: truncateBytes(t.body, 512),
        url: t.link,
      },
    };
  }
  return { msgtype: 'text', text: { content: truncateBytes(plainText(t), 2048) } };
}
