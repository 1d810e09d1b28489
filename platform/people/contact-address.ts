import type { ChannelKind, Contacts } from './people-types.js';

/** The action types that may carry each channel kind (people.channels is checked against it). */
export const ACTION_TYPES_OF: Record<ChannelKind, readonly string[]> = {
  email: ['email'],
  sms: ['sms-gateway', 'sms-tencent', 'sms-aliyun'],
  wecom: ['wecom-app', 'wecom-robot'],
  dingtalk: ['dingtalk-robot'],
  feishu: ['feishu-bot'],
};

/**
 * The address a channel uses for a person: email → email; sms → mobile; wecom → wecomId, else mobile (a group
 * robot can @mention a mobile; an application message's `touser` takes only a userid); dingtalk → dingtalkId,
 * else mobile; feishu → feishuId (no fallback).
 */
export function addressFor(kind: ChannelKind, c: Contacts, actionType?: string): string | undefined {
  switch (kind) {
    case 'email':
      return c.email;
    case 'sms':
      return c.mobile;
    case 'wecom':
      return actionType === 'wecom-app' ? c.wecomId : (c.wecomId ?? c.mobile);
    case 'dingtalk':
      return c.dingtalkId ?? c.mobile;
    case 'feishu':
      return c.feishuId;
  }
}
