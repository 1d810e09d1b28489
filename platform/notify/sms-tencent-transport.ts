import type { Clock } from '../../core/clock.js';
import { tc3Authorization } from './cloud-signing.js';
import type { Delivery, Outcome, Refusal, Transport } from './delivery.js';
import type { ChannelConfig } from './notify-schema.js';
import { fillTemplate, smsFields, smsNumbers } from './sms-text.js';
import { callVendor, notVendorJson, safeTarget } from './vendor-http.js';

/**
 * Tencent Cloud SMS SendSms (API 2021-01-11, doc 发送短信 cloud.tencent.com/document/api/382/55981): a POST of
 * JSON `{ PhoneNumberSet: ['+86…'], SmsSdkAppId, SignName, TemplateId, TemplateParamSet }` to
 * sms.tencentcloudapi.com with the common headers X-TC-Action: SendSms, X-TC-Version: 2021-01-11,
 * X-TC-Timestamp, X-TC-Region and Authorization: TC3-HMAC-SHA256 (cloud-signing.ts). SMS are templates
 * approved in advance: the hub fills the template's parameters (`templateParams`: "{title}", "{link}"…).
 * The answer is `{ Response: { SendStatusSet: [{ Code: 'Ok' }], RequestId } }` or `{ Response: { Error:
 * { Code, Message } } }`: RequestLimitExceeded and InternalError… are retried, the rest (AuthFailure…,
 * a number's Code other than Ok) final.
 */

export type SmsTencentAction = Extract<ChannelConfig, { type: 'sms-tencent' }>;

export const TENCENT_KEYS_NOT_SET = 'tencent cloud secret id/key not set';

export class SmsTencentTransport implements Transport {
  readonly target: string;

  constructor(
    private readonly opts: {
      action: SmsTencentAction;
      clock: Clock;
      env: NodeJS.ProcessEnv;
      fetch: typeof fetch;
    },
  ) {
    this.target = safeTarget(opts.action.baseUrl);
  }

  refusal(): Refusal | undefined {
    const { action, env } = this.opts;
    const missing = [action.secretIdEnv, action.secretKeyEnv].filter((v) => !env[v]);
    if (!missing.length) return undefined;
    return {
      error: TENCENT_KEYS_NOT_SET,
      warning: 'Tencent Cloud key variables not set; not sent',
      detail: { variables: missing },
    };
  }

  async send(delivery: Delivery, signal: AbortSignal): Promise<Outcome> {
    const { action, env, clock } = this.opts;
    if (this.refusal()) return { ok: false, error: TENCENT_KEYS_NOT_SET, retryable: false };
    const numbers = smsNumbers(delivery, action.to).map((n) =>
      n.startsWith('+') ? n : `${action.countryCode}${n}`,
    );
    if (!numbers.length)
      return { ok: false, error: 'no recipient: a personal delivery or to', retryable: false };
    const fields = smsFields(delivery, numbers[0] as string, 300);
    const payload = JSON.stringify({
      PhoneNumberSet: numbers,
      SmsSdkAppId: action.sdkAppId,
      ...(action.signName ? { SignName: action.signName } : {}),
      TemplateId: action.templateId,
      TemplateParamSet: action.templateParams.map((p) => fillTemplate(p, fields, (s) => s)),
    });
    const url = new URL(action.baseUrl);
    const timestamp = Math.floor(clock.now() / 1000);
    const contentType = 'application/json; charset=utf-8';
    const authorization = tc3Authorization({
      secretId: env[action.secretIdEnv] as string,
      secretKey: env[action.secretKeyEnv] as string,
      service: 'sms',
      host: url.host,
      action: 'SendSms',
      timestamp,
      contentType,
      payload,
    });
    const reply = await callVendor(
      this.opts.fetch,
      {
        method: 'POST',
        url: `${url.origin}/`,
        headers: {
          authorization,
          'content-type': contentType, // Host is fetch's own: url.host, as signed
          'x-tc-action': 'SendSms',
          'x-tc-version': '2021-01-11',
          'x-tc-timestamp': String(timestamp),
          'x-tc-region': action.region,
        },
        body: payload,
      },
      { timeoutMs: action.timeoutMs, signal, clock },
    );
    if (reply.kind === 'failed') return reply.outcome;
    const r = (
      reply.json as {
        Response?: {
          Error?: { Code?: string; Message?: string };
          SendStatusSet?: { Code?: string; Message?: string; PhoneNumber?: string }[];
        };
      }
    )?.Response;
    if (!r) return notVendorJson(reply.status, reply.text);
    if (r.Error) {
      const code = String(r.Error.Code);
      return {
        ok: false,
        error: `Tencent SMS ${code}: ${String(r.Error.Message ?? '').slice(0, 200)}`,
        retryable: code === 'RequestLimitExceeded' || code.startsWith('InternalError'),
      };
    }
    const failed = (r.SendStatusSet ?? []).filter((s) => s.Code !== 'Ok');
    if (failed.length || !r.SendStatusSet?.length) {
      const f = failed[0];
      return {
        ok: false,
        error: `Tencent SMS ${f?.Code ?? 'no SendStatusSet'}: ${String(f?.Message ?? '').slice(0, 160)}`,
        retryable: false,
      };
    }
    return { ok: true };
  }

  close(): void {}
}
