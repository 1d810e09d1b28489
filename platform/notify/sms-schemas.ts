import { z } from 'zod';
import { envNameSchema, idSchema, intIn } from '../../core/config/zod-helpers.js';
import { baseUrl, deliveryKeys } from './channel-schema-parts.js';

/**
 * SMS channels of the site file's `actions:`: a template for any HTTP SMS gateway (an on-site modem box, an
 * operator's HTTP API) and presets for Tencent Cloud and Aliyun SMS, which sign their requests themselves.
 * Placeholders in templates: {mobile} {text} {title} {body} {link} {token}.
 */

const smsDefaults = deliveryKeys({ minSeverity: 'high', timeoutMs: 10_000 });
const mobile = z
  .string()
  .regex(/^\+?\d{5,16}$/, { error: 'expected a mobile number such as +8613800138000' });
/** Messages for no one in particular go to these numbers (one request each). */
const broadcastTo = z.array(mobile).max(20).optional();

const PLACEHOLDERS = ['mobile', 'text', 'title', 'body', 'link', 'token'];

export const SmsGatewayActionSchema = z
  .strictObject({
    id: idSchema,
    type: z.literal('sms-gateway'),
    method: z.enum(['GET', 'POST', 'PUT']).default('POST'),
    /** Placeholders here are URL-encoded. */
    url: z.string().url({ error: 'expected an http(s) URL' }),
    /** Plain request headers (no secrets here). */
    headers: z.record(z.string(), z.string()).optional(),
    /** Secret request headers: header name → the environment variable holding its value. */
    headerEnv: z.record(z.string(), envNameSchema).optional(),
    /** The variable behind {token} (an API key the gateway wants in the URL or body). */
    tokenEnv: envNameSchema.optional(),
    /** The body template; placeholders are escaped for `bodyEncoding`. */
    body: z.string().optional(),
    /** json: placeholders JSON-escaped, content-type application/json; form: URL-encoded, x-www-form-urlencoded. */
    bodyEncoding: z.enum(['json', 'form', 'text']).default('json'),
    /** Success besides a 2xx: the reply's JSON value at `path` (dots) equals this. */
    success: z
      .strictObject({ path: z.string().min(1), equals: z.union([z.string(), z.number(), z.boolean()]) })
      .optional(),
    to: broadcastTo,
    /** The text is cut to this many characters (a long SMS costs several). */
    maxChars: intIn(20, 1000).default(300),
    ...smsDefaults,
  })
  .superRefine((a, ctx) => {
    // a misspelt placeholder would be sent as is: refuse it here, with its key
    for (const key of ['url', 'body'] as const) {
      for (const m of (a[key] ?? '').matchAll(/\{([a-zA-Z]+)\}/g)) {
        if (!PLACEHOLDERS.includes(m[1] as string))
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `unknown placeholder {${m[1]}}: expected {${PLACEHOLDERS.join('} {')}}`,
          });
      }
    }
    if (a.body !== undefined && a.bodyEncoding === 'json') {
      const sample = a.body.replace(/\{(mobile|text|title|body|link|token)\}/g, 'x');
      try {
        JSON.parse(sample);
      } catch {
        ctx.addIssue({
          code: 'custom',
          path: ['body'],
          message: 'expected JSON once its placeholders are filled (bodyEncoding json)',
        });
      }
    }
    if (a.tokenEnv === undefined && `${a.url}${a.body ?? ''}`.includes('{token}'))
      ctx.addIssue({ code: 'custom', path: ['tokenEnv'], message: 'required: the template uses {token}' });
  });

/** Tencent Cloud SMS SendSms (API 2021-01-11), signed TC3-HMAC-SHA256. */
export const SmsTencentActionSchema = z.strictObject({
  id: idSchema,
  type: z.literal('sms-tencent'),
  baseUrl: baseUrl('https://sms.tencentcloudapi.com'),
  region: z.string().min(1).default('ap-guangzhou'),
  secretIdEnv: envNameSchema,
  secretKeyEnv: envNameSchema,
  sdkAppId: z.string().regex(/^\d+$/, { error: 'expected the SmsSdkAppId (digits)' }),
  /** 签名内容 (mainland messages need one). */
  signName: z.string().optional(),
  templateId: z.string().regex(/^\d+$/, { error: 'expected the TemplateId (digits)' }),
  /** The template's parameters in order, each a placeholder template such as "{title}". */
  templateParams: z.array(z.string()).max(10).default(['{title}']),
  /** Prefixed to a number without + (E.164 is required). */
  countryCode: z
    .string()
    .regex(/^\+\d{1,4}$/)
    .default('+86'),
  to: broadcastTo,
  ...smsDefaults,
});

/** Aliyun SMS SendSms (dysmsapi 2017-05-25), signed ACS3-HMAC-SHA256. */
export const SmsAliyunActionSchema = z.strictObject({
  id: idSchema,
  type: z.literal('sms-aliyun'),
  baseUrl: baseUrl('https://dysmsapi.aliyuncs.com'),
  accessKeyIdEnv: envNameSchema,
  accessKeySecretEnv: envNameSchema,
  signName: z.string().min(1, { error: 'expected the 签名名称' }),
  templateCode: z.string().regex(/^SMS_\d+$/, { error: 'expected a TemplateCode such as SMS_154950909' }),
  /** The template's variables: name → placeholder template such as "{title}". */
  templateParams: z.record(z.string(), z.string()).default({ title: '{title}' }),
  to: broadcastTo,
  ...smsDefaults,
});
