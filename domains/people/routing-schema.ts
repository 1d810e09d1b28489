import { z } from 'zod';
import { idSchema } from '../../core/config/zod-helpers.js';
import { CHANNEL_KINDS, LANGUAGES, MESSAGE_KINDS } from '../../platform/people/people-types.js';

/** The personal-routing keys of the site file's `people:` section (platform/people decides how to reach whom). */
export const RoutingShape = {
  /** Which `actions:` entry carries personal messages of each channel kind (e.g. `wecom: wecom-app`). */
  channels: z
    .partialRecord(z.enum(CHANNEL_KINDS), idSchema)
    .default({})
    .describe('the action that carries personal messages of each channel kind'),
  /** A person's channels per kind of message when they have not chosen their own. */
  defaultChannels: z
    .partialRecord(z.enum(MESSAGE_KINDS), z.array(z.enum(CHANNEL_KINDS)).min(1))
    .default({})
    .describe('channels in order of preference per kind of message, for people who have not chosen'),
  defaultLanguage: z.enum(LANGUAGES).default('zh-CN'),
  /** The hub's address as people open it from a message (ticket links); default visitors.publicUrl. */
  publicUrl: z
    .string()
    .url({ error: 'expected the hub URL people use, e.g. https://hub.example.com' })
    .optional()
    .describe('the hub address in links of personal messages (default visitors.publicUrl)'),
} satisfies z.ZodRawShape;
