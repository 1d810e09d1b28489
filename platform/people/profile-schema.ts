import { z } from 'zod';
import { CHANNEL_KINDS, LANGUAGES, MESSAGE_KINDS } from './people-types.js';

/** What a person may save as their profile (PUT /api/v1/me/profile, /api/v1/users/:id/profile). */

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
/** Digits with an optional leading +, 6 to 15 of them (E.164 allows 15; on-site extensions are shorter). */
const MOBILE = /^\+?\d{6,15}$/;
/** WeCom userid, DingTalk userId, Feishu open_id/user_id: letters, digits and . _ @ - */
const VENDOR_ID = /^[A-Za-z0-9._@-]{1,64}$/;

/** An empty string clears a field (the form sends what the person left blank). */
const optionalField = <T extends z.ZodType>(schema: T) => z.union([z.literal(''), schema]).optional();

export const ContactsSchema = z.strictObject({
  email: optionalField(z.email({ error: 'expected an e-mail address such as li@example.com' })),
  mobile: optionalField(
    z
      .string()
      .regex(MOBILE, { error: 'expected a mobile number: digits, optionally a leading +, 6 to 15 digits' }),
  ),
  wecomId: optionalField(
    z.string().regex(VENDOR_ID, { error: 'expected a WeCom userid (letters, digits, . _ @ -)' }),
  ),
  dingtalkId: optionalField(
    z.string().regex(VENDOR_ID, { error: 'expected a DingTalk userId (letters, digits, . _ @ -)' }),
  ),
  feishuId: optionalField(
    z.string().regex(VENDOR_ID, { error: 'expected a Feishu open_id or user_id (letters, digits, . _ @ -)' }),
  ),
});

const hhmm = z.string().regex(HHMM, { error: 'expected a time HH:MM (00:00 to 23:59)' });

export const QuietHoursSchema = z
  .strictObject({ start: hhmm, end: hhmm })
  .refine((q) => q.start !== q.end, { error: 'start and end must differ', path: ['end'] });

export const ProfileInputSchema = z.strictObject({
  /** null: the site's default language. */
  language: z.enum(LANGUAGES).nullable().default(null),
  contacts: ContactsSchema.default({}),
  /** Channels in order of preference per kind of message; a kind left out uses the site's defaults. */
  channels: z
    .partialRecord(
      z.enum(MESSAGE_KINDS),
      z
        .array(z.enum(CHANNEL_KINDS))
        .max(CHANNEL_KINDS.length)
        .refine((a) => new Set(a).size === a.length, { error: 'a channel is listed twice' }),
    )
    .default({}),
  /** null: no quiet hours. */
  quietHours: QuietHoursSchema.nullable().default(null),
});
export type ProfileInput = z.infer<typeof ProfileInputSchema>;
