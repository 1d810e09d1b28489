import type { Clock } from '../../core/clock.js';
import type { Delivery, Outcome, Refusal, Transport } from './delivery.js';
import type { ChannelConfig } from './notify-schema.js';
import { fillTemplate, jsonEscape, smsFields, smsNumbers } from './sms-text.js';
import { callVendor, notVendorJson, safeTarget } from './vendor-http.js';

/**
 * SMS through any HTTP gateway (an on-site GSM modem box, an operator's HTTP API), described in the site
 * file instead of coded: method, URL, headers (secret ones from env variables), a body template with the
 * placeholders of sms-text.ts escaped for its encoding, and what success looks like (a 2xx, and optionally a
 * JSON value: `{ path: 'Code', equals: 'OK' }`). One request per number: the person's mobile, or each of `to`
 * for a message to no one in particular (a retry then sends to all of them again).
 * A 408/429/5xx or network error is retried; another 4xx or a failed success check is final.
 */

export type SmsGatewayAction = Extract<ChannelConfig, { type: 'sms-gateway' }>;

const CONTENT_TYPES = {
  json: 'application/json; charset=utf-8',
  form: 'application/x-www-form-urlencoded; charset=utf-8',
  text: 'text/plain; charset=utf-8',
} as const;

export class SmsGatewayTransport implements Transport {
  readonly target: string;

  constructor(
    private readonly opts: {
      action: SmsGatewayAction;
      clock: Clock;
      env: NodeJS.ProcessEnv;
      fetch: typeof fetch;
    },
  ) {
    this.target = safeTarget(opts.action.url.replace(/\{[a-z]+\}/g, 'x'));
  }

  refusal(): Refusal | undefined {
    const { action, env } = this.opts;
    const missing = [
      ...(action.tokenEnv ? [action.tokenEnv] : []),
      ...Object.values(action.headerEnv ?? {}),
    ].filter((name) => !env[name]);
    if (!missing.length) return undefined;
    return {
      error: `sms gateway credential not set: ${missing.join(', ')}`,
      warning: 'SMS gateway credential variable not set; not sent',
      detail: { variables: missing },
    };
  }

  async send(delivery: Delivery, signal: AbortSignal): Promise<Outcome> {
    const { action, env, clock } = this.opts;
    const refused = this.refusal();
    if (refused) return { ok: false, error: refused.error, retryable: false };
    const numbers = smsNumbers(delivery, action.to);
    if (!numbers.length)
      return { ok: false, error: 'no recipient: a personal delivery or to', retryable: false };
    const headers: Record<string, string> = { ...action.headers };
    for (const [name, variable] of Object.entries(action.headerEnv ?? {}))
      headers[name] = env[variable] as string;
    if (action.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = CONTENT_TYPES[action.bodyEncoding];
    }
    const token = action.tokenEnv ? (env[action.tokenEnv] as string) : '';
    for (const mobile of numbers) {
      const fields = smsFields(delivery, mobile, action.maxChars, token);
      const url = fillTemplate(action.url, fields, encodeURIComponent);
      const body =
        action.body === undefined
          ? undefined
          : fillTemplate(
              action.body,
              fields,
              action.bodyEncoding === 'json'
                ? jsonEscape
                : action.bodyEncoding === 'form'
                  ? encodeURIComponent
                  : (s) => s,
            );
      const reply = await callVendor(
        this.opts.fetch,
        { method: action.method, url, headers, body },
        { timeoutMs: action.timeoutMs, signal, clock },
      );
      if (reply.kind === 'failed') return reply.outcome;
      if (reply.status < 200 || reply.status >= 300) return notVendorJson(reply.status, reply.text);
      if (action.success) {
        const got = valueAt(reply.json, action.success.path);
        if (got !== action.success.equals) {
          return {
            ok: false,
            error: `SMS gateway said ${action.success.path}=${JSON.stringify(got) ?? 'nothing'}: ${reply.text.slice(0, 160)}`,
            retryable: false,
          };
        }
      }
    }
    return { ok: true };
  }

  close(): void {}
}

/** The value at a dotted path (`Response.Code`, `results.0.status`) of parsed JSON. */
export function valueAt(json: unknown, path: string): unknown {
  let v: unknown = json;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}
