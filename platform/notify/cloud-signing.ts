import { createHash, createHmac } from 'node:crypto';

/**
 * Request signatures of the two SMS clouds, as their docs lay them out step by step:
 * - Tencent Cloud API 3.0 签名方法 v3 (TC3-HMAC-SHA256), cloud.tencent.com/document/api/382/52072
 *   (SMS; the same text as /document/api/213/30654 for CVM).
 * - Alibaba Cloud V3 请求体&签名机制 (ACS3-HMAC-SHA256), help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature.
 */

const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: Buffer | string, s: string) => createHmac('sha256', key).update(s, 'utf8').digest();

export interface Tc3Input {
  secretId: string;
  secretKey: string;
  /** The service in the credential scope: `sms`. */
  service: string;
  /** The Host header as sent. */
  host: string;
  /** X-TC-Action, lower-cased into the signed headers. */
  action: string;
  /** Unix seconds (X-TC-Timestamp); the scope's date is its UTC date. */
  timestamp: number;
  contentType: string;
  payload: string;
}

/** The Authorization header for a POST / of `payload` (signed headers content-type;host;x-tc-action). */
export function tc3Authorization(i: Tc3Input): string {
  const signedHeaders = 'content-type;host;x-tc-action';
  const canonicalRequest = [
    'POST',
    '/',
    '',
    `content-type:${i.contentType}\nhost:${i.host}\nx-tc-action:${i.action.toLowerCase()}\n`,
    signedHeaders,
    sha256Hex(i.payload),
  ].join('\n');
  const date = new Date(i.timestamp * 1000).toISOString().slice(0, 10);
  const scope = `${date}/${i.service}/tc3_request`;
  const stringToSign = ['TC3-HMAC-SHA256', String(i.timestamp), scope, sha256Hex(canonicalRequest)].join(
    '\n',
  );
  const secretDate = hmac(`TC3${i.secretKey}`, date);
  const secretService = hmac(secretDate, i.service);
  const secretSigning = hmac(secretService, 'tc3_request');
  const signature = createHmac('sha256', secretSigning).update(stringToSign, 'utf8').digest('hex');
  return `TC3-HMAC-SHA256 Credential=${i.secretId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

export interface Acs3Input {
  accessKeyId: string;
  accessKeySecret: string;
  method: string;
  /** `/` for RPC-style APIs such as SendSms. */
  path: string;
  query: Record<string, string>;
  /** Every header to sign (host, x-acs-*, content-type if any); names in any case. */
  headers: Record<string, string>;
  body: string;
}

/** RFC 3986 encoding as the doc asks: space %20, `*` %2A, `~` kept, upper-case hex. */
export function acsEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The query string in canonical order (also the one to send, so both sides agree byte for byte). */
export function acsCanonicalQuery(query: Record<string, string>): string {
  return Object.keys(query)
    .sort()
    .map((k) => `${acsEncode(k)}=${acsEncode(query[k] ?? '')}`)
    .join('&');
}

export function acs3Authorization(i: Acs3Input): string {
  const headers = Object.entries(i.headers)
    .map(([k, v]) => [k.toLowerCase(), v.trim()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const signedHeaders = headers.map(([k]) => k).join(';');
  const canonicalRequest = [
    i.method.toUpperCase(),
    i.path,
    acsCanonicalQuery(i.query),
    headers.map(([k, v]) => `${k}:${v}\n`).join(''),
    signedHeaders,
    sha256Hex(i.body),
  ].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac('sha256', i.accessKeySecret).update(stringToSign, 'utf8').digest('hex');
  return `ACS3-HMAC-SHA256 Credential=${i.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
}

export function sha256HexOf(s: string): string {
  return sha256Hex(s);
}
