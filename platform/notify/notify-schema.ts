import { z } from 'zod';
import {
  emailAddressSchema,
  envNameSchema,
  idSchema,
  intIn,
  positiveMs,
} from '../../core/config/zod-helpers.js';
import { SEVERITIES } from '../../core/model/severity.js';
import { alertEvents } from './channel-schema-parts.js';
import {
  DingtalkRobotActionSchema,
  FeishuBotActionSchema,
  WecomAppActionSchema,
  WecomRobotActionSchema,
} from './chat-schemas.js';
import { SmsAliyunActionSchema, SmsGatewayActionSchema, SmsTencentActionSchema } from './sms-schemas.js';

export { ALERT_EVENTS, type AlertEventName } from './channel-schema-parts.js';

/**
 * The notification channels of the site file's `actions:` (webhooks, e-mail, the chat robots in
 * chat-schemas.ts, SMS in sms-schemas.ts); rules add command actions.
 */

/** Where an alert (or a ticket event) goes besides the dashboard. */
export const WebhookActionSchema = z.strictObject({
  id: idSchema,
  type: z.literal('webhook'),
  url: z.string().url({ error: 'expected an http(s) URL' }),
  /** The HMAC-SHA256 key for the X-Hub-Signature header; only from this environment variable. */
  secretEnv: envNameSchema.optional(),
  events: alertEvents,
  /** Only alerts at least this severe. */
  minSeverity: z.enum(SEVERITIES).default('low'),
  timeoutMs: positiveMs().default(5_000),
  /** Tries after the first, with backoff (1 s doubling, at most 5 min). */
  retries: intIn(0, 20).default(6),
});
/** E-mail through the hub's SMTP server (`hub.smtp`, which must be set): one message per delivery. */
export const EmailActionSchema = z.strictObject({
  id: idSchema,
  type: z.literal('email'),
  to: z.array(emailAddressSchema).min(1, { error: 'expected at least one address' }),
  events: alertEvents,
  /** Only alerts at least this severe (a mailbox is not a pager: high by default). */
  minSeverity: z.enum(SEVERITIES).default('high'),
  /** Tries after the first, with backoff (1 s doubling, at most 5 min). */
  retries: intIn(0, 20).default(6),
  /** Connecting, the greeting and each SMTP reply must come within this. */
  timeoutMs: positiveMs().default(10_000),
});

/** Every channel's schema: the site file's `actions:` union takes them all (rules add command actions). */
export const CHANNEL_SCHEMAS = [
  WebhookActionSchema,
  EmailActionSchema,
  WecomRobotActionSchema,
  WecomAppActionSchema,
  DingtalkRobotActionSchema,
  FeishuBotActionSchema,
  SmsGatewayActionSchema,
  SmsTencentActionSchema,
  SmsAliyunActionSchema,
] as const;

/** A channel the notifier delivers to. */
export type ChannelConfig = z.infer<(typeof CHANNEL_SCHEMAS)[number]>;
/** The channel types (`actions:` entries' `type`) the notifier delivers to. */
export type ChannelType = ChannelConfig['type'];
