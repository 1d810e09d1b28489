import type { StoredProfile } from '../platform/people/profile-store.js';
import type { Hub } from './app.js';

/**
 * The demo's people get notification profiles on the first start (their accounts come from the demo history):
 * made-up contacts on every channel the demo's simulated vendors carry, a mix of languages, one technician with
 * quiet hours. A profile someone already saved is left alone.
 */
const PROFILES: Record<string, Omit<StoredProfile, 'contacts'> & { mobile: string }> = {
  'wang-hvac': {
    language: 'zh-CN',
    mobile: '13800138001',
    channels: { ticket: ['wecom', 'sms'], alert: ['sms'] },
  },
  'zhao-hvac': {
    language: 'zh-CN',
    mobile: '13800138002',
    channels: { ticket: ['dingtalk', 'sms'] },
    quietHours: { start: '22:00', end: '07:00' },
  },
  'li-elec': { language: 'zh-CN', mobile: '13800138003', channels: { ticket: ['feishu', 'sms'] } },
  'lift-vendor': { language: 'zh-CN', mobile: '13800138004', channels: { ticket: ['sms'] } },
  desk: { language: 'zh-CN', mobile: '13800138005', channels: { ticket: ['wecom', 'email'] } },
  'chen-office': {
    language: 'en',
    mobile: '13800138006',
    channels: { ticket: ['email'], visitor: ['email'] },
  },
  'sun-office': { language: 'zh-CN', mobile: '13800138007', channels: { visitor: ['wecom', 'sms'] } },
  'liu-canteen': { language: 'zh-CN', mobile: '13800138008', channels: { ticket: ['sms'] } },
};

export function seedDemoProfiles(hub: Hub): number {
  let seeded = 0;
  for (const [username, p] of Object.entries(PROFILES)) {
    const user = hub.auth.users.findByName(username);
    if (!user || hub.profiles.get(user.id)) continue;
    const { mobile, ...rest } = p;
    const id = username.replace(/-/g, '');
    hub.profiles.put(
      user.id,
      {
        ...rest,
        contacts: {
          email: `${username}@demo.example.com`,
          mobile,
          wecomId: `wx-${id}`,
          dingtalkId: `dd-${id}`,
          feishuId: `ou_${id}`,
        },
      },
      'demo',
      hub.clock.now(),
    );
    seeded++;
  }
  return seeded;
}
