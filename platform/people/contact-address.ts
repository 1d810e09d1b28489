import type { ChannelKind, Contacts } from './people-types.js';

/**
 * The address a channel uses for a person (the spec everyone follows): email → email; sms → mobile;
 * wecom → wecomId, else mobile; dingtalk → dingtalkId, else mobile; feishu → feishuId (no fallback).
 */
export function addressFor(kind: ChannelKind, c: Contacts): string | undefined {
  switch (kind) {
    case 'email':
      return c.email;
    case 'sms':
      return c.mobile;
    case 'wecom':
      return c.wecomId ?? c.mobile;
    case 'dingtalk':
      return c.dingtalkId ?? c.mobile;
    case 'feishu':
      return c.feishuId;
  }
}
