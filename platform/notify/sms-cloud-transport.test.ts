import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AliyunSmsServer } from '../../simulators/messaging/aliyun-sms-server.js';
import { TencentSmsServer } from '../../simulators/messaging/tencent-sms-server.js';
import { alertRaised, notifierFor, settle, ticketFor } from '../../test/channel-kit.js';
import { acs3Authorization, sha256HexOf, tc3Authorization } from './cloud-signing.js';
import type { Notifier } from './notifier.js';

let tencent: TencentSmsServer;
let aliyun: AliyunSmsServer;
let tencentUrl: string;
let aliyunUrl: string;
let notifier: Notifier | undefined;

beforeEach(async () => {
  tencent = new TencentSmsServer({
    secretId: 'AKIDtest',
    secretKey: 'tencent-key',
    sdkAppId: '1400006666',
    templates: { '1234': '【设施】{1}，详情 {2}' },
  });
  aliyun = new AliyunSmsServer({
    accessKeyId: 'LTAItest',
    accessKeySecret: 'aliyun-secret',
    signNames: ['设施中心'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Aliyun's template variables are written ${name}
    templates: { SMS_154950909: '${title}，请处理：${link}' },
  });
  tencentUrl = await tencent.start();
  aliyunUrl = await aliyun.start();
});

afterEach(async () => {
  await notifier?.stop();
  notifier = undefined;
  await tencent.stop();
  await aliyun.stop();
});

const tencentAction = (over: Record<string, unknown> = {}) => ({
  id: 'sms-tc',
  type: 'sms-tencent',
  baseUrl: tencentUrl,
  secretIdEnv: 'TC_ID',
  secretKeyEnv: 'TC_KEY',
  sdkAppId: '1400006666',
  signName: '设施',
  templateId: '1234',
  templateParams: ['{title}', '{link}'],
  ...over,
});
const aliyunAction = (over: Record<string, unknown> = {}) => ({
  id: 'sms-ali',
  type: 'sms-aliyun',
  baseUrl: aliyunUrl,
  accessKeyIdEnv: 'ALI_ID',
  accessKeySecretEnv: 'ALI_SECRET',
  signName: '设施中心',
  templateCode: 'SMS_154950909',
  templateParams: { title: '{title}', link: '{link}' },
  ...over,
});
const tcEnv = { TC_ID: 'AKIDtest', TC_KEY: 'tencent-key' };
const aliEnv = { ALI_ID: 'LTAItest', ALI_SECRET: 'aliyun-secret' };

describe('signatures against values computed by hand from the docs (Python, not our code)', () => {
  it('TC3-HMAC-SHA256', () => {
    const auth = tc3Authorization({
      secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
      secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
      service: 'sms',
      host: 'sms.tencentcloudapi.com',
      action: 'SendSms',
      timestamp: 1551113065,
      contentType: 'application/json; charset=utf-8',
      payload:
        '{"PhoneNumberSet":["+8613800138000"],"SmsSdkAppId":"1400006666","TemplateId":"1234","TemplateParamSet":["冷机跳闸"]}',
    });
    expect(auth).toBe(
      'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/sms/tc3_request, SignedHeaders=content-type;host;x-tc-action, Signature=09333145c64cb8db930f5305e55a9f41975342d45ed5fb14e3b88678b7d72595',
    );
  });

  it('ACS3-HMAC-SHA256 (RFC 3986 query encoding: space, *, ~ and CJK)', () => {
    const auth = acs3Authorization({
      accessKeyId: 'YourAccessKeyId',
      accessKeySecret: 'YourAccessKeySecret',
      method: 'POST',
      path: '/',
      query: {
        PhoneNumbers: '13800138000',
        SignName: '阿里云短信测试',
        TemplateCode: 'SMS_154950909',
        TemplateParam: '{"code":"1234 *~"}',
      },
      headers: {
        host: 'dysmsapi.aliyuncs.com',
        'x-acs-action': 'SendSms',
        'x-acs-version': '2017-05-25',
        'x-acs-date': '2023-10-26T10:22:32Z',
        'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
        'x-acs-content-sha256': sha256HexOf(''),
      },
      body: '',
    });
    expect(auth).toBe(
      'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=3555297594ebace592ef23fe269bf102fe44b039a407fec9446617a4be0329fe',
    );
  });
});

describe('Tencent Cloud SMS (SendSms 2021-01-11)', () => {
  it('sends the template with the filled parameters to the person in E.164', async () => {
    const { notifier: n, clock, id } = notifierFor(tencentAction(), tcEnv);
    notifier = n;
    n.notify(ticketFor('13800138000'), [id]);
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 1, failed: 0 });
    expect(tencent.messages[0]).toMatchObject({
      to: '+8613800138000',
      text: '【设施】工单已指派给你，详情 https://hub.example/#/tickets/7',
    });
  });

  it('a wrong SecretKey or a clock 10 minutes off is refused by the server, final', async () => {
    const wrong = notifierFor(tencentAction(), { ...tcEnv, TC_KEY: 'nope' });
    notifier = wrong.notifier;
    wrong.notifier.notify(ticketFor('13800138000'), [wrong.id]);
    await settle(wrong.notifier, wrong.clock, wrong.id);
    expect(wrong.notifier.stats()[wrong.id]).toMatchObject({ failed: 1, retried: 0 });
    expect(wrong.notifier.stats()[wrong.id]?.lastError).toMatch(/^Tencent SMS AuthFailure.SignatureFailure/);
    await wrong.notifier.stop();
    const late = notifierFor(tencentAction(), tcEnv, Date.now() - 10 * 60_000);
    notifier = late.notifier;
    late.notifier.notify(ticketFor('13800138000'), [late.id]);
    await settle(late.notifier, late.clock, late.id);
    expect(late.notifier.stats()[late.id]?.lastError).toMatch(/^Tencent SMS AuthFailure.SignatureExpire/);
    expect(tencent.messages).toHaveLength(0);
  });

  it('retries RequestLimitExceeded, then delivers; refuses without the key variables', async () => {
    const { notifier: n, clock, id } = notifierFor(tencentAction(), tcEnv);
    notifier = n;
    tencent.failNext(2);
    n.notify(ticketFor('+8613800138000'), [id]);
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 1, retried: 2 });
    await n.stop();
    const none = notifierFor(tencentAction(), { TC_ID: 'AKIDtest' });
    notifier = none.notifier;
    none.notifier.notify(ticketFor('13800138000'), [none.id]);
    expect(none.notifier.stats()[none.id]).toMatchObject({
      failed: 1,
      lastError: 'tencent cloud secret id/key not set',
    });
  });
});

describe('Aliyun SMS (dysmsapi SendSms 2017-05-25)', () => {
  it('sends the template with its variables; a group message goes to each number of `to`', async () => {
    const { notifier: n, clock, id } = notifierFor(aliyunAction({ to: ['+8613900139000'] }), aliEnv);
    notifier = n;
    n.notify(ticketFor('+8613800138000'), [id]);
    n.notify(
      { ...alertRaised(), text: { title: '冷机跳闸 *1*', body: '', link: 'https://hub.example/a b' } },
      [id],
    );
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 2, failed: 0 });
    expect(aliyun.messages.map((m) => [m.to, m.text])).toEqual([
      ['13800138000', '【设施中心】工单已指派给你，请处理：https://hub.example/#/tickets/7'],
      ['13900139000', '【设施中心】冷机跳闸 *1*，请处理：https://hub.example/a b'],
    ]);
  });

  it('a wrong AccessKey secret is refused (SignatureDoesNotMatch), a stale x-acs-date too, final', async () => {
    const wrong = notifierFor(aliyunAction(), { ...aliEnv, ALI_SECRET: 'nope' });
    notifier = wrong.notifier;
    wrong.notifier.notify(ticketFor('13800138000'), [wrong.id]);
    await settle(wrong.notifier, wrong.clock, wrong.id);
    expect(wrong.notifier.stats()[wrong.id]).toMatchObject({ failed: 1, retried: 0 });
    expect(wrong.notifier.stats()[wrong.id]?.lastError).toMatch(/^Aliyun SMS SignatureDoesNotMatch/);
    await wrong.notifier.stop();
    const late = notifierFor(aliyunAction(), aliEnv, Date.now() - 20 * 60_000);
    notifier = late.notifier;
    late.notifier.notify(ticketFor('13800138000'), [late.id]);
    await settle(late.notifier, late.clock, late.id);
    expect(late.notifier.stats()[late.id]?.lastError).toMatch(/^Aliyun SMS InvalidTimeStamp.Expired/);
    expect(aliyun.messages).toHaveLength(0);
  });

  it('retries Throttling.User, then delivers with a fresh nonce; refuses without the variables', async () => {
    const { notifier: n, clock, id } = notifierFor(aliyunAction(), aliEnv);
    notifier = n;
    aliyun.failNext(2);
    n.notify(ticketFor('13800138000'), [id]);
    await settle(n, clock, id);
    expect(n.stats()[id]).toMatchObject({ sent: 1, retried: 2 });
    await n.stop();
    const none = notifierFor(aliyunAction(), {});
    notifier = none.notifier;
    none.notifier.notify(ticketFor('13800138000'), [none.id]);
    expect(none.notifier.stats()[none.id]).toMatchObject({
      failed: 1,
      lastError: 'aliyun access key id/secret not set',
    });
  });
});
