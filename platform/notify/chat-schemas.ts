import { z } from 'zod';
import { envNameSchema, idSchema } from '../../core/config/zod-helpers.js';
import { baseUrl, deliveryKeys } from './channel-schema-parts.js';

/** The group robots and the WeCom app of the site file's `actions:`; credentials only from env variables. */

const chatDefaults = deliveryKeys({ minSeverity: 'medium', timeoutMs: 5_000 });

/** WeCom 群机器人: POST /cgi-bin/webhook/send?key=<keyEnv>. */
export const WecomRobotActionSchema = z.strictObject({
  id: idSchema,
  type: z.literal('wecom-robot'),
  baseUrl: baseUrl('https://qyapi.weixin.qq.com'),
  /** The robot's webhook key (the `key=` of its URL). */
  keyEnv: envNameSchema,
  /** Group messages (no person): markdown or text; personal ones are text (only text @mentions). */
  format: z.enum(['markdown', 'text']).default('markdown'),
  ...chatDefaults,
});

/** WeCom 应用消息: gettoken (corpid + the app's secret) then message/send to a user id. */
export const WecomAppActionSchema = z.strictObject({
  id: idSchema,
  type: z.literal('wecom-app'),
  baseUrl: baseUrl('https://qyapi.weixin.qq.com'),
  corpId: z.string().min(1, { error: 'expected the corp id (企业ID)' }),
  agentId: z.int({ error: 'expected the app AgentId (an integer)' }).positive(),
  /** The app's Secret. */
  secretEnv: envNameSchema,
  /** Messages for no one in particular go to these user ids (or `@all`); a personal one to the person. */
  toUser: z.array(z.string().min(1)).optional(),
  /** …or to these department ids. */
  toParty: z.array(z.string().min(1)).optional(),
  ...chatDefaults,
});

/** DingTalk 自定义机器人: POST /robot/send?access_token=<tokenEnv>&timestamp&sign (加签 with secretEnv). */
export const DingtalkRobotActionSchema = z.strictObject({
  id: idSchema,
  type: z.literal('dingtalk-robot'),
  baseUrl: baseUrl('https://oapi.dingtalk.com'),
  /** The robot's access_token. */
  tokenEnv: envNameSchema,
  /** The 加签 secret (SEC…); without it the robot must be secured by keywords or IPs. */
  secretEnv: envNameSchema.optional(),
  format: z.enum(['markdown', 'text']).default('markdown'),
  ...chatDefaults,
});

/** Feishu / Lark 自定义机器人: POST /open-apis/bot/v2/hook/<tokenEnv> with timestamp and sign in the body. */
export const FeishuBotActionSchema = z.strictObject({
  id: idSchema,
  type: z.literal('feishu-bot'),
  /** https://open.feishu.cn, or https://open.larksuite.com for Lark. */
  baseUrl: baseUrl('https://open.feishu.cn'),
  /** The hook's token (the last part of its URL). */
  tokenEnv: envNameSchema,
  /** The 签名校验 secret; without it the bot must be secured by keywords or IPs. */
  secretEnv: envNameSchema.optional(),
  ...chatDefaults,
});
