import type { Clock } from '../../core/clock.js';
import type { SmtpSettings } from '../../core/config/site-schema.js';
import type { Transport } from './delivery.js';
import { DingtalkRobotTransport } from './dingtalk-robot-transport.js';
import { EmailTransport } from './email-transport.js';
import { FeishuBotTransport } from './feishu-bot-transport.js';
import type { ChannelConfig } from './notify-schema.js';
import { SmsAliyunTransport } from './sms-aliyun-transport.js';
import { SmsGatewayTransport } from './sms-gateway-transport.js';
import { SmsTencentTransport } from './sms-tencent-transport.js';
import { WebhookTransport } from './webhook-transport.js';
import { WecomAppTransport } from './wecom-app-transport.js';
import { WecomRobotTransport } from './wecom-robot-transport.js';

/** What every transport may need; each takes its own part. */
export interface TransportDeps {
  clock: Clock;
  /** Where credential variables (secretEnv, ...) are read, at each attempt. */
  env: NodeJS.ProcessEnv;
  fetch: typeof fetch;
  /** hub.smtp: the server e-mail actions send through. */
  smtp?: SmtpSettings;
}

/** The transport for one configured channel, or undefined for an action that is not a channel (commands). */
export function createTransport(
  action: ChannelConfig | { id: string; type: string },
  deps: TransportDeps,
): Transport | undefined {
  const channel = action as ChannelConfig;
  const http = { clock: deps.clock, env: deps.env, fetch: deps.fetch };
  switch (channel.type) {
    case 'webhook':
      return new WebhookTransport({ action: channel, ...http });
    case 'email':
      return new EmailTransport({ action: channel, smtp: deps.smtp, env: deps.env });
    case 'wecom-robot':
      return new WecomRobotTransport({ action: channel, ...http });
    case 'wecom-app':
      return new WecomAppTransport({ action: channel, ...http });
    case 'dingtalk-robot':
      return new DingtalkRobotTransport({ action: channel, ...http });
    case 'feishu-bot':
      return new FeishuBotTransport({ action: channel, ...http });
    case 'sms-gateway':
      return new SmsGatewayTransport({ action: channel, ...http });
    case 'sms-tencent':
      return new SmsTencentTransport({ action: channel, ...http });
    case 'sms-aliyun':
      return new SmsAliyunTransport({ action: channel, ...http });
    default:
      return undefined;
  }
}
