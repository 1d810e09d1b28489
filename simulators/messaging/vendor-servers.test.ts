import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { AliyunSmsServer } from './aliyun-sms-server.js';
import { DingtalkServer } from './dingtalk-server.js';
import { FeishuServer } from './feishu-server.js';
import type { VendorServer } from './vendor-server.js';
import { WecomServer } from './wecom-server.js';

/**
 * The vendor servers on their own, with requests built by hand from the docs' examples (not by the hub's
 * transports): what they accept and what they refuse, so the transports' tests rest on real checks.
 */

let server: VendorServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.json();
}

describe('WeCom robot server', () => {
  it('takes the doc’s text example and refuses unknown keys, bad types and text over 2048 bytes', async () => {
    const wecom = new WecomServer({ robots: { k1: 'g' }, corpId: 'c', apps: {}, users: [] });
    server = wecom;
    const base = await wecom.start();
    const doc = {
      msgtype: 'text',
      text: {
        content: '广州今日天气：29度，大部分多云，降雨概率：60%',
        mentioned_list: ['wangqing', '@all'],
        mentioned_mobile_list: ['13800001111', '@all'],
      },
    };
    expect(await post(`${base}/cgi-bin/webhook/send?key=k1`, doc)).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(await post(`${base}/cgi-bin/webhook/send?key=k2`, doc)).toMatchObject({ errcode: 93000 });
    expect(await post(`${base}/cgi-bin/webhook/send?key=k1`, { msgtype: 'voice' })).toMatchObject({
      errcode: 40008,
    });
    expect(
      await post(`${base}/cgi-bin/webhook/send?key=k1`, {
        msgtype: 'text',
        text: { content: '字'.repeat(683) },
      }),
    ).toMatchObject({ errcode: 45002 });
    expect(wecom.messages[0]?.mentions).toEqual(['wangqing', '@all', '13800001111', '@all']);
  });
});

describe('DingTalk robot server', () => {
  const secret = 'SECtest';
  const signed = (ts: string, encode: (s: string) => string) =>
    encode(createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64'));

  it('takes a sign made by the doc’s recipe and refuses one not URL-encoded (+ read as space), or stale', async () => {
    const dt = new DingtalkServer({ robots: { tok: { group: 'g', secret } } });
    server = dt;
    const base = await dt.start();
    const body = {
      msgtype: 'text',
      text: { content: '我就是我, @150XXXXXXXX 是不一样的烟火' },
      at: { atMobiles: ['150XXXXXXXX'], isAtAll: false },
    };
    let ts = Date.now();
    // find a timestamp whose signature has a + in it (about half of them do)
    while (!signed(String(ts), (s) => s).includes('+')) ts++;
    expect(
      await post(
        `${base}/robot/send?access_token=tok&timestamp=${ts}&sign=${signed(String(ts), encodeURIComponent)}`,
        body,
      ),
    ).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(
      await post(
        `${base}/robot/send?access_token=tok&timestamp=${ts}&sign=${signed(String(ts), (s) => s)}`,
        body,
      ),
    ).toMatchObject({ errcode: 310000 });
    const old = String(Date.now() - 3_700_000);
    expect(
      await post(
        `${base}/robot/send?access_token=tok&timestamp=${old}&sign=${signed(old, encodeURIComponent)}`,
        body,
      ),
    ).toMatchObject({ errcode: 310000 });
    expect(await post(`${base}/robot/send?access_token=nope`, body)).toMatchObject({ errcode: 300001 });
    expect(dt.messages[0]?.mentions).toEqual(['150XXXXXXXX']);
  });
});

describe('Feishu bot server', () => {
  it('takes the doc’s signed text and refuses the DingTalk-style sign (secret as key, ts+secret as message)', async () => {
    const fs = new FeishuServer({ bots: { hook: { group: 'g', secret: 'sec' } } });
    server = fs;
    const base = await fs.start();
    const ts = String(Math.floor(Date.now() / 1000));
    const feishuWay = createHmac('sha256', `${ts}\nsec`).update('').digest('base64');
    const dingtalkWay = createHmac('sha256', 'sec').update(`${ts}\nsec`).digest('base64');
    const msg = { msg_type: 'text', content: { text: 'request example' } };
    expect(
      await post(`${base}/open-apis/bot/v2/hook/hook`, { timestamp: ts, sign: feishuWay, ...msg }),
    ).toMatchObject({ code: 0, msg: 'success' });
    expect(
      await post(`${base}/open-apis/bot/v2/hook/hook`, { timestamp: ts, sign: dingtalkWay, ...msg }),
    ).toMatchObject({ code: 19021 });
    expect(
      await post(`${base}/open-apis/bot/v2/hook/hook`, {
        timestamp: ts,
        sign: feishuWay,
        msg_type: 'text',
        content: {},
      }),
    ).toMatchObject({ code: 9499 });
  });
});

describe('Aliyun SMS server', () => {
  it('refuses a replayed signature nonce', async () => {
    const { acs3Authorization, acsCanonicalQuery, sha256HexOf } = await import(
      '../../platform/notify/cloud-signing.js'
    );
    const ali = new AliyunSmsServer({
      accessKeyId: 'id',
      accessKeySecret: 's',
      signNames: ['签'],
      templates: { SMS_1: 'x' },
    });
    server = ali;
    const base = new URL(await ali.start());
    const query = { PhoneNumbers: '13800138000', SignName: '签', TemplateCode: 'SMS_1' };
    const headers = {
      host: base.host,
      'x-acs-action': 'SendSms',
      'x-acs-version': '2017-05-25',
      'x-acs-date': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'x-acs-signature-nonce': 'same-nonce',
      'x-acs-content-sha256': sha256HexOf(''),
    };
    const send = async () => {
      const authorization = acs3Authorization({
        accessKeyId: 'id',
        accessKeySecret: 's',
        method: 'POST',
        path: '/',
        query,
        headers,
        body: '',
      });
      const { host: _h, ...rest } = headers;
      const res = await fetch(`${base.origin}/?${acsCanonicalQuery(query)}`, {
        method: 'POST',
        headers: { ...rest, authorization },
      });
      return res.json();
    };
    expect(await send()).toMatchObject({ Code: 'OK' });
    expect(await send()).toMatchObject({ Code: 'SignatureNonceUsed' });
  });
});
