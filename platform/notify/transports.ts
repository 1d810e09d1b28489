import type { Clock } from '../../core/clock.js';
import type { SmtpSettings } from '../../core/config/site-schema.js';
import type { Transport } from './delivery.js';
import { EmailTransport } from './email-transport.js';
import type { ChannelConfig } from './notify-schema.js';
import { WebhookTransport } from './webhook-transport.js';

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
  switch (channel.type) {
    case 'webhook':
      return new WebhookTransport({ action: channel, clock: deps.clock, env: deps.env, fetch: deps.fetch });
    case 'email':
      return new EmailTransport({ action: channel, smtp: deps.smtp, env: deps.env });
    default:
      return undefined;
  }
}
