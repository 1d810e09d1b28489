import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  isObject,
  isStringArray,
  jsonBody,
  type VendorAnswer,
  type VendorRequest,
  VendorServer,
} from './vendor-server.js';

/**
 * Tencent Cloud SMS as its API 3.0 docs describe it: 签名方法 v3 (cloud.tencent.com/document/api/382/52072)
 * and SendSms 2021-01-11 (…/api/382/55981). A POST to `/` with Content-Type application/json, the common
 * headers X-TC-Action, X-TC-Version, X-TC-Timestamp (within 5 minutes: AuthFailure.SignatureExpire) and
 * X-TC-Region, and `Authorization: TC3-HMAC-SHA256 Credential=<SecretId>/<date>/sms/tc3_request,
 * SignedHeaders=<…>, Signature=<hex>`. The server rebuilds the canonical request from what it received:
 *   CanonicalRequest = "POST\n/\n\n" + each signed header "name:value\n" + "\n" + SignedHeaders + "\n" + hex(SHA256(body))
 *   StringToSign = "TC3-HMAC-SHA256\n" + timestamp + "\n" + scope + "\n" + hex(SHA256(CanonicalRequest))
 *   key = HMAC(HMAC(HMAC("TC3" + SecretKey, date), "sms"), "tc3_request"); Signature = hex(HMAC(key, StringToSign))
 * (content-type and host must be signed). SendSms takes `{ PhoneNumberSet: ['+86…'], SmsSdkAppId, SignName?,
 * TemplateId, TemplateParamSet? }` and answers `{ Response: { SendStatusSet: [{ SerialNo, PhoneNumber, Fee,
 * Code: 'Ok', Message: 'send success', IsoCode }], RequestId } }`; errors `{ Response: { Error: { Code,
 * Message }, RequestId } }` with HTTP 200.
 */

export interface TencentSmsConfig {
  secretId: string;
  secretKey: string;
  sdkAppId: string;
  /** Approved templates: id → body with {1}, {2}… */
  templates: Record<string, string>;
  now?: () => number;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const mac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s).digest();

export class TencentSmsServer extends VendorServer {
  private readonly now: () => number;

  constructor(readonly config: TencentSmsConfig) {
    super('tencent-sms', error('RequestLimitExceeded', 'request limit exceeded'));
    this.now = config.now ?? Date.now;
  }

  protected handle(req: VendorRequest): VendorAnswer {
    if (req.method !== 'POST' || req.path !== '/') return error('UnsupportedOperation', 'POST / only');
    const h = (name: string) => String(req.headers[name] ?? '');
    if (!h('content-type').startsWith('application/json')) return error('InvalidParameter', 'content-type');
    if (h('x-tc-action') !== 'SendSms') return error('InvalidAction', h('x-tc-action'));
    if (h('x-tc-version') !== '2021-01-11') return error('NoSuchVersion', h('x-tc-version'));
    if (!h('x-tc-region')) return error('MissingParameter', 'X-TC-Region');
    const ts = Number(h('x-tc-timestamp'));
    if (!Number.isInteger(ts) || Math.abs(this.now() / 1000 - ts) > 300)
      return error('AuthFailure.SignatureExpire', 'signature expired');
    const auth =
      /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/(\w+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
        h('authorization'),
      );
    if (!auth) return error('AuthFailure.InvalidAuthorization', 'Authorization malformed');
    const [, secretId, date, service, signed, signature] = auth as unknown as string[];
    if (secretId !== this.config.secretId) return error('AuthFailure.SecretIdNotFound', 'SecretId not found');
    if (service !== 'sms' || date !== new Date(ts * 1000).toISOString().slice(0, 10))
      return error('AuthFailure.SignatureFailure', 'credential scope');
    const names = (signed as string).split(';');
    if (!names.includes('content-type') || !names.includes('host'))
      return error('AuthFailure.SignatureFailure', 'content-type and host must be signed');
    const canonical = [
      'POST',
      '/',
      '',
      names.map((n) => `${n}:${n === 'x-tc-action' ? h(n).toLowerCase() : h(n)}\n`).join(''),
      signed,
      sha256(req.raw),
    ].join('\n');
    const toSign = `TC3-HMAC-SHA256\n${ts}\n${date}/sms/tc3_request\n${sha256(canonical)}`;
    const key = mac(mac(mac(`TC3${this.config.secretKey}`, date as string), 'sms'), 'tc3_request');
    const want = mac(key, toSign);
    if (!timingSafeEqual(want, Buffer.from(signature as string, 'hex')))
      return error('AuthFailure.SignatureFailure', 'The provided credentials could not be validated.');
    const body = jsonBody(req.raw);
    if (!isObject(body)) return error('InvalidParameter', 'body is not JSON');
    if (body.SmsSdkAppId !== this.config.sdkAppId)
      return error('FailedOperation.SmsSdkAppIdNotExist', 'SmsSdkAppId');
    const template = typeof body.TemplateId === 'string' ? this.config.templates[body.TemplateId] : undefined;
    if (template === undefined) return error('FailedOperation.TemplateIncorrectOrUnapproved', 'TemplateId');
    if (
      !isStringArray(body.PhoneNumberSet) ||
      !body.PhoneNumberSet.length ||
      body.PhoneNumberSet.length > 200
    )
      return error('InvalidParameterValue.IncorrectPhoneNumber', 'PhoneNumberSet');
    const params = body.TemplateParamSet ?? [];
    if (!isStringArray(params))
      return error('InvalidParameterValue.TemplateParameterFormatError', 'TemplateParamSet');
    const wanted = new Set([...template.matchAll(/\{(\d+)\}/g)].map((m) => m[1])).size;
    if (params.length !== wanted)
      return error('FailedOperation.TemplateParamSetNotMatchApprovedTemplate', 'params');
    const text = template.replace(/\{(\d+)\}/g, (_, n: string) => params[Number(n) - 1] ?? '');
    const statuses = body.PhoneNumberSet.map((n) =>
      /^\+\d{6,15}$/.test(n)
        ? {
            SerialNo: randomUUID(),
            PhoneNumber: n,
            Fee: 1,
            SessionContext: '',
            Code: 'Ok',
            Message: 'send success',
            IsoCode: 'CN',
          }
        : {
            SerialNo: '',
            PhoneNumber: n,
            Fee: 0,
            SessionContext: '',
            Code: 'InvalidParameterValue.IncorrectPhoneNumber',
            Message: 'incorrect number',
            IsoCode: '',
          },
    );
    const sent = statuses.filter((s) => s.Code === 'Ok').map((s) => s.PhoneNumber);
    return {
      status: 200,
      json: { Response: { SendStatusSet: statuses, RequestId: randomUUID() } },
      delivered: sent.length
        ? { channel: 'sms-tencent', to: sent.join(','), text, mentions: sent, body, at: this.now() }
        : undefined,
    };
  }
}

function error(Code: string, Message: string): VendorAnswer {
  return { status: 200, json: { Response: { Error: { Code, Message }, RequestId: randomUUID() } } };
}
