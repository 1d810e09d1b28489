import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { acs3Authorization, acsCanonicalQuery, sha256HexOf } from './cloud-signing.js';
import type { Delivery, Outcome, Refusal, Transport } from './delivery.js';
import type { ChannelConfig } from './notify-schema.js';
import { fillTemplate, smsFields, smsNumbers } from './sms-text.js';
import { callVendor, notVendorJson, safeTarget } from './vendor-http.js';

/**
 * Aliyun SMS SendSms (dysmsapi 2017-05-25, doc SendSms help.aliyun.com/zh/sms/developer-reference/api-dysmsapi-2017-05-25-sendsms):
 * an RPC call `POST /?PhoneNumbers=&SignName=&TemplateCode=&TemplateParam=<JSON>` to dysmsapi.aliyuncs.com with
 * the V3 headers x-acs-action: SendSms, x-acs-version: 2017-05-25, x-acs-date, x-acs-signature-nonce,
 * x-acs-content-sha256 and Authorization: ACS3-HMAC-SHA256 (cloud-signing.ts). Mainland numbers are sent
 * as 11 digits (a +86 prefix dropped), others with their country code and no +. The answer `{ Code: 'OK',
 * BizId, RequestId }` or `{ Code, Message }`: Throttling…, ServiceUnavailable and isv.BUSINESS_LIMIT_CONTROL
 * (流控, a minute later may pass) are retried, the rest (SignatureDoesNotMatch, InvalidAccessKeyId…,
 * isv.MOBILE_NUMBER_ILLEGAL…) final.
 */

export type SmsAliyunAction = Extract<ChannelConfig, { type: 'sms-aliyun' }>;

export const ALIYUN_KEYS_NOT_SET = 'aliyun access key id/secret not set';

export class SmsAliyunTransport implements Transport {
  readonly target: string;

  constructor(
    private readonly opts: {
      action: SmsAliyunAction;
      clock: Clock;
      env: NodeJS.ProcessEnv;
      fetch: typeof fetch;
    },
  ) {
    this.target = safeTarget(opts.action.baseUrl);
  }

  refusal(): Refusal | undefined {
    const { action, env } = this.opts;
    const missing = [action.accessKeyIdEnv, action.accessKeySecretEnv].filter((v) => !env[v]);
    if (!missing.length) return undefined;
    return {
      error: ALIYUN_KEYS_NOT_SET,
      warning: 'Aliyun AccessKey variables not set; not sent',
      detail: { variables: missing },
    };
  }

  async send(delivery: Delivery, signal: AbortSignal): Promise<Outcome> {
    const { action, env, clock } = this.opts;
    if (this.refusal()) return { ok: false, error: ALIYUN_KEYS_NOT_SET, retryable: false };
    const numbers = smsNumbers(delivery, action.to).map(aliyunNumber);
    if (!numbers.length)
      return { ok: false, error: 'no recipient: a personal delivery or to', retryable: false };
    const fields = smsFields(delivery, numbers[0] as string, 300);
    const params = Object.fromEntries(
      Object.entries(action.templateParams).map(([k, v]) => [k, fillTemplate(v, fields, (s) => s)]),
    );
    const query = {
      PhoneNumbers: numbers.join(','),
      SignName: action.signName,
      TemplateCode: action.templateCode,
      TemplateParam: JSON.stringify(params),
    };
    const url = new URL(action.baseUrl);
    const body = '';
    const headers: Record<string, string> = {
      host: url.host,
      'x-acs-action': 'SendSms',
      'x-acs-version': '2017-05-25',
      'x-acs-date': new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'x-acs-signature-nonce': randomUUID(),
      'x-acs-content-sha256': sha256HexOf(body),
    };
    const authorization = acs3Authorization({
      accessKeyId: env[action.accessKeyIdEnv] as string,
      accessKeySecret: env[action.accessKeySecretEnv] as string,
      method: 'POST',
      path: '/',
      query,
      headers,
      body,
    });
    const reply = await callVendor(
      this.opts.fetch,
      // Host is fetch's own (url.host, as signed); the query is sent in the canonical form that was signed
      {
        method: 'POST',
        url: `${url.origin}/?${acsCanonicalQuery(query)}`,
        headers: { ...withoutHost(headers), authorization },
      },
      { timeoutMs: action.timeoutMs, signal, clock },
    );
    if (reply.kind === 'failed') return reply.outcome;
    const r = reply.json as { Code?: string; Message?: string } | undefined;
    if (typeof r?.Code !== 'string') return notVendorJson(reply.status, reply.text);
    if (r.Code === 'OK') return { ok: true };
    const limited = r.Code === 'isv.BUSINESS_LIMIT_CONTROL';
    return {
      ok: false,
      error: `Aliyun SMS ${r.Code}: ${String(r.Message ?? '').slice(0, 200)}`,
      retryable: limited || r.Code.startsWith('Throttling') || r.Code === 'ServiceUnavailable',
      retryAfterMs: limited ? 60_000 : undefined,
    };
  }

  close(): void {}
}

function withoutHost(headers: Record<string, string>): Record<string, string> {
  const { host: _host, ...rest } = headers;
  return rest;
}

/** 11 digits for the mainland (+86 dropped), else country code + number without +. */
function aliyunNumber(n: string): string {
  return n.replace(/^\+86(?=1\d{10}$)/, '').replace(/^\+/, '');
}
