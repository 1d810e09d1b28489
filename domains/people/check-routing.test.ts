import { describe, expect, it } from 'vitest';
import type { SiteConfig } from '../../core/config/site-schema.js';
import { checkRouting } from './check-routing.js';

const config = (channels: Record<string, string>) =>
  ({
    actions: [
      { id: 'mail', type: 'email' },
      { id: 'robot', type: 'wecom-robot' },
      { id: 'open-ac', type: 'command' },
      { id: 'bridge', type: 'webhook' },
    ],
    people: { channels, defaultChannels: {} },
  }) as unknown as SiteConfig;

describe('people.channels check', () => {
  it('names the path when an action does not carry the kind', () => {
    const errors: string[] = [];
    checkRouting(config({ email: 'robot', wecom: 'robot', sms: 'open-ac', feishu: 'bridge' }), (path, msg) =>
      errors.push(`${path.join('.')}: ${msg}`),
    );
    expect(errors).toEqual([
      'people.channels.email: action "robot" is a wecom-robot; email takes email (or a webhook)',
      'people.channels.sms: no notification action "open-ac" (actions:)',
    ]);
  });
});
