import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { type VendorAnswer, type VendorRequest, VendorServer } from './vendor-server.js';

/**
 * Aliyun SMS as its docs describe it: V3版本请求体&签名机制 (help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature)
 * and SendSms (dysmsapi 2017-05-25). RPC style: `POST /?PhoneNumbers=&SignName=&TemplateCode=&TemplateParam=`
 * with headers host, x-acs-action, x-acs-version, x-acs-date (UTC yyyy-MM-ddTHH:mm:ssZ, within 15 minutes),
 * x-acs-signature-nonce (once only), x-acs-content-sha256 (hex SHA256 of the body) and
 * `Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<…>,Signature=<hex>`. The server
 * rebuilds:
 *   CanonicalQueryString: parameters sorted by name, names and values percent-encoded per RFC 3986 (space
 *   %20, * %2A, ~ kept), name=value joined by &
 *   CanonicalHeaders: each signed header "lower-name:trimmed value\n", sorted
 *   CanonicalRequest = method\n/\nCanonicalQueryString\nCanonicalHeaders\nSignedHeaders\nHashedPayload
 *   Signature = hex(HMAC-SHA256(AccessKeySecret, "ACS3-HMAC-SHA256\n" + hex(SHA256(CanonicalRequest))))
 * (all x-acs-* and host must be signed). Answers `{ Code: 'OK', Message: 'OK', BizId, RequestId }`; errors
 * `{ Code, Message, RequestId }` (signature problems with HTTP 400/403, business ones with 200).
 */

export interface AliyunSmsConfig {
  accessKeyId: string;
  accessKeySecret: string;
  signNames: string[];
  /** Approved templates: code → body with ${name} variables. */
  templates: Record<string, string>;
  now?: () => number;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
/** RFC 3986 percent-encoding: unreserved A-Z a-z 0-9 - _ . ~ kept, everything else %XX upper-case. */
const rfc3986 = (s: string) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');

export class AliyunSmsServer extends VendorServer {
  private readonly now: () => number;
  private readonly nonces = new Set<string>();

  constructor(readonly config: AliyunSmsConfig) {
    super('aliyun-sms', fail(200, 'Throttling.User', 'Request was denied due to user flow control.'));
    this.now = config.now ?? Date.now;
  }

  protected handle(req: VendorRequest): VendorAnswer {
    if (req.path !== '/') return fail(404, 'InvalidAction.NotFound', 'path');
    const h = (name: string) => String(req.headers[name] ?? '');
    if (h('x-acs-action') !== 'SendSms') return fail(404, 'InvalidAction.NotFound', h('x-acs-action'));
    if (h('x-acs-version') !== '2017-05-25') return fail(400, 'InvalidVersion', h('x-acs-version'));
    const date = h('x-acs-date');
    if (
      !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(date) ||
      Math.abs(this.now() - Date.parse(date)) > 15 * 60_000
    )
      return fail(400, 'InvalidTimeStamp.Expired', 'x-acs-date is not within 15 minutes');
    const nonce = h('x-acs-signature-nonce');
    if (!nonce) return fail(400, 'MissingSignatureNonce', 'x-acs-signature-nonce');
    if (h('x-acs-content-sha256') !== sha256(req.raw))
      return fail(400, 'IncompleteSignature', 'x-acs-content-sha256');
    const auth =
      /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([a-z0-9;-]+),Signature=([0-9a-f]{64})$/.exec(
        h('authorization'),
      );
    if (!auth) return fail(400, 'IncompleteSignature', 'Authorization malformed');
    const [, keyId, signed, signature] = auth as unknown as string[];
    if (keyId !== this.config.accessKeyId)
      return fail(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    const names = (signed as string).split(';');
    const mustSign = ['host', ...Object.keys(req.headers).filter((k) => k.startsWith('x-acs-'))];
    if (mustSign.some((n) => !names.includes(n)) || [...names].sort().join(';') !== signed)
      return fail(400, 'IncompleteSignature', 'host and every x-acs-* header must be signed, sorted');
    const pairs = [...req.query.entries()].map(([k, v]) => [rfc3986(k), rfc3986(v)] as const);
    pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const canonical = [
      (req.method ?? '').toUpperCase(),
      '/',
      pairs.map(([k, v]) => `${k}=${v}`).join('&'),
      names.map((n) => `${n}:${h(n).trim()}\n`).join(''),
      signed,
      sha256(req.raw),
    ].join('\n');
    const want = createHmac('sha256', this.config.accessKeySecret)
      .update(`ACS3-HMAC-SHA256\n${sha256(canonical)}`)
      .digest();
    if (!timingSafeEqual(want, Buffer.from(signature as string, 'hex')))
      return fail(403, 'SignatureDoesNotMatch', 'Specified signature does not match our calculation.');
    if (this.nonces.has(nonce))
      return fail(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    this.nonces.add(nonce);
    const q = (k: string) => req.query.get(k) ?? '';
    if (!this.config.signNames.includes(q('SignName')))
      return fail(200, 'isv.SMS_SIGNATURE_ILLEGAL', 'SignName');
    const template = this.config.templates[q('TemplateCode')];
    if (template === undefined) return fail(200, 'isv.SMS_TEMPLATE_ILLEGAL', 'TemplateCode');
    let vars: Record<string, unknown> = {};
    try {
      vars = q('TemplateParam') ? JSON.parse(q('TemplateParam')) : {};
    } catch {
      return fail(200, 'isv.INVALID_JSON_PARAM', 'TemplateParam is not JSON');
    }
    const wanted = [...template.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1] as string);
    if (wanted.some((w) => typeof vars[w] !== 'string'))
      return fail(200, 'isv.TEMPLATE_MISSING_PARAMETERS', 'TemplateParam');
    const numbers = q('PhoneNumbers').split(',');
    if (!numbers[0] || numbers.some((n) => !/^\d{6,16}$/.test(n)))
      return fail(200, 'isv.MOBILE_NUMBER_ILLEGAL', q('PhoneNumbers'));
    const text = `【${q('SignName')}】${template.replace(/\$\{(\w+)\}/g, (_, w: string) => String(vars[w]))}`;
    return {
      status: 200,
      json: { Code: 'OK', Message: 'OK', BizId: `${Date.now()}^0`, RequestId: randomUUID() },
      delivered: {
        channel: 'sms-aliyun',
        to: numbers.join(','),
        text,
        mentions: numbers,
        body: Object.fromEntries(req.query),
        at: this.now(),
      },
    };
  }
}

function fail(status: number, Code: string, Message: string): VendorAnswer {
  return { status, json: { Code, Message, RequestId: randomUUID() } };
}
