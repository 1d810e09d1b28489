import { randomBytes } from 'node:crypto';
import {
  type DeliveredMessage,
  isObject,
  isStringArray,
  jsonBody,
  RateWindow,
  type VendorAnswer,
  type VendorRequest,
  VendorServer,
} from './vendor-server.js';

/**
 * WeCom (企业微信) as its developer docs describe it, for the hub's tests and the demo:
 * - 群机器人配置说明 (developer.work.weixin.qq.com/document/path/91770): `POST /cgi-bin/webhook/send?key=KEY`,
 *   msgtype text `{ content ≤ 2048 bytes, mentioned_list?, mentioned_mobile_list? }` or markdown
 *   `{ content ≤ 4096 bytes }`; 20 messages a minute per robot (45009 beyond); an unknown key is 93000.
 * - 获取access_token (…/path/91039): `GET /cgi-bin/gettoken?corpid=&corpsecret=` → `{ access_token,
 *   expires_in: 7200 }`; a wrong corpid is 40013, a wrong secret 40001.
 * - 发送应用消息 (…/path/90236): `POST /cgi-bin/message/send?access_token=` with `{ touser|toparty, msgtype,
 *   agentid, text: { content } | textcard: { title, description, url, btntxt? } }`; 41001 no token, 40014
 *   invalid token, 42001 expired token; unknown users come back in `invaliduser` (81013 when nobody is valid).
 * Answers are `{ errcode, errmsg }`, HTTP 200 as WeCom does.
 */

export interface WecomConfig {
  /** Group robots: webhook key → group name. */
  robots: Record<string, string>;
  corpId: string;
  /** The corp's apps: agent id → secret. */
  apps: Record<number, string>;
  /** User ids that exist in the corp ('any': every id, as the demo's people are set up at run time). */
  users: string[] | 'any';
  /** Seconds a token lives (7200 at WeCom). */
  tokenLifeS?: number;
  now?: () => number;
}

const ok = (extra: Record<string, unknown> = {}) => ({ errcode: 0, errmsg: 'ok', ...extra });
const err = (errcode: number, errmsg: string): VendorAnswer => ({ status: 200, json: { errcode, errmsg } });

export class WecomServer extends VendorServer {
  private readonly tokens = new Map<string, { agentId: number; expiresAt: number }>();
  /** gettoken calls so far (the transport must cache its token). */
  tokenRequests = 0;

  private readonly robotRate = new RateWindow(20, 60_000);
  private readonly now: () => number;

  constructor(readonly config: WecomConfig) {
    super('wecom', err(45009, 'api freq out of limit'));
    this.now = config.now ?? Date.now;
  }

  /** Every issued token expires now (the next send answers 42001). */
  expireTokens(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0;
  }

  protected handle(req: VendorRequest): VendorAnswer {
    const now = this.now;
    if (req.method === 'POST' && req.path === '/cgi-bin/webhook/send')
      return this.robot(req, now, this.robotRate);
    if (req.method === 'GET' && req.path === '/cgi-bin/gettoken') return this.getToken(req, now);
    if (req.method === 'POST' && req.path === '/cgi-bin/message/send') return this.appSend(req, now);
    return { status: 404, json: { errcode: 404, errmsg: 'not found' } };
  }

  private robot(req: VendorRequest, now: () => number, rate: RateWindow): VendorAnswer {
    const key = req.query.get('key') ?? '';
    const group = this.config.robots[key];
    if (!group) return err(93000, 'invalid webhook url, hint: [key invalid]');
    if (rate.over(key, now())) return err(45009, 'api freq out of limit');
    const body = jsonBody(req.raw);
    if (!isObject(body) || typeof body.msgtype !== 'string') return err(40008, 'invalid message type');
    if (body.msgtype === 'text') {
      const t = body.text;
      if (!isObject(t) || typeof t.content !== 'string' || !t.content) return err(44004, 'empty content');
      if (Buffer.byteLength(t.content) > 2048) return err(45002, 'content size out of limit');
      for (const list of ['mentioned_list', 'mentioned_mobile_list'] as const) {
        if (t[list] !== undefined && !isStringArray(t[list])) return err(40035, `invalid ${list}`);
      }
      const mentions = [
        ...((t.mentioned_list as string[]) ?? []),
        ...((t.mentioned_mobile_list as string[]) ?? []),
      ];
      return {
        status: 200,
        json: ok(),
        delivered: this.record('wecom-robot', group, t.content, mentions, body, now),
      };
    }
    if (body.msgtype === 'markdown') {
      const m = body.markdown;
      if (!isObject(m) || typeof m.content !== 'string' || !m.content) return err(44004, 'empty content');
      if (Buffer.byteLength(m.content) > 4096) return err(45002, 'content size out of limit');
      const mentions = [...m.content.matchAll(/<@([^>]+)>/g)].map((x) => x[1] as string);
      return {
        status: 200,
        json: ok(),
        delivered: this.record('wecom-robot', group, m.content, mentions, body, now),
      };
    }
    return err(40008, 'invalid message type');
  }

  private getToken(req: VendorRequest, now: () => number): VendorAnswer {
    this.tokenRequests++;
    if (req.query.get('corpid') !== this.config.corpId) return err(40013, 'invalid corpid');
    const secret = req.query.get('corpsecret');
    const app = Object.entries(this.config.apps).find(([, s]) => s === secret);
    if (!app) return err(40001, 'invalid credential');
    const life = this.config.tokenLifeS ?? 7200;
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { agentId: Number(app[0]), expiresAt: now() + life * 1000 });
    return { status: 200, json: ok({ access_token: token, expires_in: life }) };
  }

  private appSend(req: VendorRequest, now: () => number): VendorAnswer {
    const token = req.query.get('access_token');
    if (!token) return err(41001, 'access_token missing');
    const t = this.tokens.get(token);
    if (!t) return err(40014, 'invalid access_token');
    if (now() >= t.expiresAt) return err(42001, 'access_token expired');
    const body = jsonBody(req.raw);
    if (!isObject(body)) return err(47001, 'data format error');
    if (body.agentid !== t.agentId) return err(40056, 'invalid agentid');
    let text: string;
    if (body.msgtype === 'text') {
      const c = isObject(body.text) ? body.text.content : undefined;
      if (typeof c !== 'string' || !c) return err(44004, 'empty content');
      if (Buffer.byteLength(c) > 2048) return err(45002, 'content size out of limit');
      text = c;
    } else if (body.msgtype === 'textcard') {
      const c = body.textcard;
      if (
        !isObject(c) ||
        typeof c.title !== 'string' ||
        typeof c.description !== 'string' ||
        typeof c.url !== 'string'
      )
        return err(40058, 'textcard needs title, description and url');
      if (Buffer.byteLength(c.title) > 128 || Buffer.byteLength(c.description) > 512)
        return err(45002, 'content size out of limit');
      text = `${c.title}\n${c.description}\n${c.url}`;
    } else {
      return err(40008, 'invalid message type');
    }
    const users = typeof body.touser === 'string' && body.touser ? body.touser.split('|') : [];
    const parties = typeof body.toparty === 'string' && body.toparty ? body.toparty.split('|') : [];
    if (!users.length && !parties.length) return err(40035, 'touser, toparty and totag all empty');
    const known = this.config.users;
    const valid = users.filter((u) => u === '@all' || known === 'any' || known.includes(u));
    const invalid = users.filter((u) => !valid.includes(u));
    if (!valid.length && !parties.length) return err(81013, 'user & party & tag all invalid');
    const delivered = this.record('wecom-app', String(t.agentId), text, [...valid, ...parties], body, now);
    return {
      status: 200,
      json: ok({ invaliduser: invalid.join('|'), msgid: randomBytes(8).toString('hex') }),
      delivered,
    };
  }

  private record(
    channel: string,
    to: string,
    text: string,
    mentions: string[],
    body: unknown,
    now: () => number,
  ): DeliveredMessage {
    return { channel, to, text, mentions, body, at: now() };
  }
}
