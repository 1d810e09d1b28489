import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  isObject,
  jsonBody,
  RateWindow,
  type VendorAnswer,
  type VendorRequest,
  VendorServer,
} from './vendor-server.js';

/**
 * Feishu / Lark 自定义机器人 as its doc 自定义机器人使用指南 describes it
 * (open.feishu.cn/document/client-docs/bot-v3/add-custom-bot): `POST /open-apis/bot/v2/hook/<token>` with
 * JSON. With 签名校验 on, the body has `timestamp` (seconds, within an hour) and `sign`: "把 timestamp + "\n"
 * + 密钥 当做签名字符串，使用 HmacSHA256 算法计算签名，再进行 Base64 编码" — the doc's sample code uses the
 * string as the HMAC *key* over an empty message. Messages: text `{ msg_type: 'text', content: { text } }`
 * (`<at user_id="…">name</at>` mentions), post `{ msg_type: 'post', content: { post: { <lang>: { title,
 * content: [[{ tag: text|a|at|img, … }]] } } } }`. The body must be under 20 KB; 100 a minute and 5 a second
 * per bot (11232 beyond). Answers `{ code, msg, data }`: 0 success, 19021 sign or timestamp, 19001 bad token.
 */

export interface FeishuConfig {
  /** Bots: hook token → { group name, secret (absent: no 签名校验) }. */
  bots: Record<string, { group: string; secret?: string }>;
  now?: () => number;
}

const answer = (code: number, msg: string, status = 200): VendorAnswer => ({
  status,
  json: { code, msg, data: {} },
});

export class FeishuServer extends VendorServer {
  private readonly perMinute = new RateWindow(100, 60_000);
  private readonly perSecond = new RateWindow(5, 1_000);
  private readonly now: () => number;

  constructor(readonly config: FeishuConfig) {
    super('feishu', answer(11232, 'frequency limited psm'));
    this.now = config.now ?? Date.now;
  }

  protected handle(req: VendorRequest): VendorAnswer {
    const m = /^\/open-apis\/bot\/v2\/hook\/([^/]+)$/.exec(req.path);
    if (req.method !== 'POST' || !m) return answer(404, 'not found', 404);
    const token = decodeURIComponent(m[1] as string);
    const bot = this.config.bots[token];
    if (!bot) return answer(19001, 'param invalid: incoming webhook access token invalid', 400);
    if (req.raw.length > 20 * 1024) return answer(9499, 'request body too large', 400);
    const body = jsonBody(req.raw);
    if (!isObject(body)) return answer(9499, 'Bad Request', 400);
    if (bot.secret) {
      const ts =
        typeof body.timestamp === 'string' || typeof body.timestamp === 'number'
          ? String(body.timestamp)
          : '';
      const sign = typeof body.sign === 'string' ? body.sign : '';
      const fresh = /^\d{10}$/.test(ts) && Math.abs(this.now() / 1000 - Number(ts)) <= 3600;
      const want = createHmac('sha256', `${ts}\n${bot.secret}`).update('').digest();
      const got = Buffer.from(sign, 'base64');
      if (!fresh || got.length !== want.length || !timingSafeEqual(got, want))
        return answer(19021, 'sign match fail or timestamp is not within one hour from current time', 400);
    }
    const now = this.now();
    if (this.perSecond.over(token, now) || this.perMinute.over(token, now))
      return answer(11232, 'frequency limited psm');
    const content = body.content;
    let text: string;
    const mentions: string[] = [];
    if (body.msg_type === 'text') {
      if (!isObject(content) || typeof content.text !== 'string' || !content.text)
        return answer(9499, 'Bad Request: content.text', 400);
      text = content.text;
      for (const at of text.matchAll(/<at user_id="([^"]+)">/g)) mentions.push(at[1] as string);
    } else if (body.msg_type === 'post') {
      const post = isObject(content) && isObject(content.post) ? content.post : undefined;
      const langs = post ? Object.values(post) : [];
      const first = langs[0];
      if (!isObject(first) || !Array.isArray(first.content))
        return answer(9499, 'Bad Request: content.post', 400);
      const lines: string[] = typeof first.title === 'string' ? [first.title] : [];
      for (const line of first.content) {
        if (!Array.isArray(line)) return answer(9499, 'Bad Request: post line', 400);
        const parts: string[] = [];
        for (const tag of line) {
          if (!isObject(tag) || !['text', 'a', 'at', 'img'].includes(String(tag.tag)))
            return answer(9499, 'Bad Request: post tag', 400);
          if (tag.tag === 'a' && (typeof tag.href !== 'string' || typeof tag.text !== 'string'))
            return answer(9499, 'Bad Request: a tag needs text and href', 400);
          if (tag.tag === 'at' && typeof tag.user_id === 'string') mentions.push(tag.user_id);
          if (typeof tag.text === 'string')
            parts.push(tag.tag === 'a' ? `${tag.text} (${String(tag.href)})` : tag.text);
        }
        lines.push(parts.join(''));
      }
      text = lines.join('\n');
    } else {
      return answer(9499, `Bad Request: unsupported msg_type ${String(body.msg_type)}`, 400);
    }
    return {
      status: 200,
      json: { code: 0, msg: 'success', data: {} },
      delivered: { channel: 'feishu', to: bot.group, text, mentions, body, at: now },
    };
  }
}
