import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  isObject,
  isStringArray,
  jsonBody,
  RateWindow,
  type VendorAnswer,
  type VendorRequest,
  VendorServer,
} from './vendor-server.js';

/**
 * DingTalk 自定义机器人 as its docs describe it (open.dingtalk.com: 自定义机器人安全设置, 自定义机器人发送群消息):
 * `POST /robot/send?access_token=TOKEN[&timestamp=MS&sign=SIGN]`. A robot secured by 加签 needs `timestamp`
 * (ms, within one hour of now) and `sign`: "把timestamp+"\n"+密钥当做签名字符串，使用HmacSHA256算法计算签名，
 * 然后进行Base64 encode，最后再把签名参数再进行urlEncode" — so the query value, once URL-decoded, must equal
 * base64(HmacSHA256(key = secret, timestamp + "\n" + secret)). Bodies: text `{ text: { content }, at: {
 * atMobiles?, atUserIds?, isAtAll? } }` (a person is @-ed when listed in `at` and named `@…` in the content),
 * markdown `{ markdown: { title, text } }`. 20 messages a minute per robot (130101 beyond). Answers
 * `{ errcode, errmsg }`: 300001 unknown token, 310000 sign/timestamp refused, 40035 missing parameter.
 */

export interface DingtalkConfig {
  /** Robots: access_token → { group name, 加签 secret (absent: no signing) }. */
  robots: Record<string, { group: string; secret?: string }>;
  now?: () => number;
}

const err = (errcode: number, errmsg: string): VendorAnswer => ({ status: 200, json: { errcode, errmsg } });

export class DingtalkServer extends VendorServer {
  private readonly rate = new RateWindow(20, 60_000);
  private readonly now: () => number;

  constructor(readonly config: DingtalkConfig) {
    super('dingtalk', err(130101, 'send too fast, exceed 20 times per minute'));
    this.now = config.now ?? Date.now;
  }

  protected handle(req: VendorRequest): VendorAnswer {
    if (req.method !== 'POST' || req.path !== '/robot/send')
      return { status: 404, json: { errcode: 404, errmsg: 'not found' } };
    const token = req.query.get('access_token') ?? '';
    const robot = this.config.robots[token];
    if (!robot) return err(300001, 'token is not exist');
    if (robot.secret) {
      const timestamp = req.query.get('timestamp') ?? '';
      const sign = req.query.get('sign') ?? '';
      if (!/^\d{13}$/.test(timestamp) || Math.abs(this.now() - Number(timestamp)) > 3_600_000)
        return err(310000, 'sign not match, more: timestamp is not within one hour');
      const want = createHmac('sha256', robot.secret)
        .update(`${timestamp}\n${robot.secret}`, 'utf8')
        .digest();
      const got = Buffer.from(sign, 'base64');
      if (got.length !== want.length || !timingSafeEqual(got, want) || got.toString('base64') !== sign)
        return err(310000, 'sign not match');
    }
    if (this.rate.over(token, this.now())) return err(130101, 'send too fast, exceed 20 times per minute');
    const body = jsonBody(req.raw);
    if (!isObject(body)) return err(40035, '缺少参数 json');
    let text: string;
    if (body.msgtype === 'text') {
      const c = isObject(body.text) ? body.text.content : undefined;
      if (typeof c !== 'string' || !c) return err(40035, '缺少参数 text.content');
      text = c;
    } else if (body.msgtype === 'markdown') {
      const m = body.markdown;
      if (!isObject(m) || typeof m.title !== 'string' || typeof m.text !== 'string' || !m.title || !m.text)
        return err(40035, '缺少参数 markdown.title/text');
      text = `${m.title}\n${m.text}`;
    } else {
      return err(40035, '不支持的 msgtype');
    }
    if (Buffer.byteLength(text) > 20_000) return err(460101, 'message too long');
    const mentions: string[] = [];
    if (body.at !== undefined) {
      const at = body.at;
      if (!isObject(at)) return err(40035, 'at 格式错误');
      for (const list of ['atMobiles', 'atUserIds'] as const) {
        if (at[list] === undefined) continue;
        if (!isStringArray(at[list])) return err(40035, `${list} 格式错误`);
        // DingTalk only highlights a listed person who is also named @… in the content
        for (const who of at[list]) if (text.includes(`@${who}`)) mentions.push(who);
      }
      if (at.isAtAll === true) mentions.push('@all');
    }
    return {
      status: 200,
      json: { errcode: 0, errmsg: 'ok' },
      delivered: { channel: 'dingtalk', to: robot.group, text, mentions, body, at: this.now() },
    };
  }
}
