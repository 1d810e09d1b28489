import { describe, expect, it } from 'vitest';
import { addressFor } from './contact-address.js';

describe('addressFor', () => {
  const both = { mobile: '+8613800000001', wecomId: 'LiWei' };
  it('a WeCom application message takes the userid only; a group robot falls back to the mobile', () => {
    expect(addressFor('wecom', both, 'wecom-app')).toBe('LiWei');
    expect(addressFor('wecom', { mobile: '+8613800000001' }, 'wecom-app')).toBeUndefined();
    expect(addressFor('wecom', { mobile: '+8613800000001' }, 'wecom-robot')).toBe('+8613800000001');
  });
  it('DingTalk falls back to the mobile, Feishu does not', () => {
    expect(addressFor('dingtalk', { mobile: '13800000001' })).toBe('13800000001');
    expect(addressFor('feishu', { mobile: '13800000001' })).toBeUndefined();
  });
});
