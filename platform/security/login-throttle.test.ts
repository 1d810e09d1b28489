import { describe, expect, it } from 'vitest';
import { addressKey, throttleKey } from './login-guard.js';
import { LoginThrottle, type ThrottleSettings } from './login-throttle.js';

const SETTINGS: ThrottleSettings = {
  freeFailures: 3,
  firstDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 24 * 3_600_000,
  maxKeys: 100,
};

describe('login throttle', () => {
  it('checks one attempt per key at a time, so a parallel burst gets one hash and never more than the budget', () => {
    const t = new LoginThrottle(SETTINGS);
    const reserved = Array.from({ length: 10 }, () => t.reserve('k', 0));
    expect(reserved.filter((r) => r.ok)).toHaveLength(1);
    expect(reserved[1]).toEqual({ ok: false, retryAfterMs: 1_000 });
    expect(t.reserve('other', 0).ok).toBe(true); // another key is not held up
    t.failed('k', 10);
    for (let i = 0; i < 2; i++) {
      expect(t.reserve('k', 10).ok).toBe(true);
      t.failed('k', 10);
    }
    expect(t.reserve('k', 10)).toEqual({ ok: false, retryAfterMs: 1_000 });
    // past the budget, only after the wait
    expect(t.reserve('k', 1_010)).toEqual({ ok: true });
    expect(t.reserve('k', 1_010).ok).toBe(false);
  });

  it('doubles the wait with each failure up to the cap; a success starts afresh', () => {
    const t = new LoginThrottle(SETTINGS);
    let now = 0;
    const waits: number[] = [];
    for (let i = 0; i < 16; i++) {
      let r = t.reserve('k', now);
      if (!r.ok) {
        now += r.retryAfterMs; // wait as told
        r = t.reserve('k', now);
      }
      expect(r.ok).toBe(true);
      waits.push(t.failed('k', now).waitMs);
    }
    expect(waits.slice(0, 6)).toEqual([0, 0, 1_000, 2_000, 4_000, 8_000]);
    expect(Math.max(...waits)).toBe(15 * 60_000);
    expect(waits.at(-1)).toBe(15 * 60_000);
    t.succeeded('k');
    expect(t.reserve('k', now).ok).toBe(true);
  });

  it('a released attempt does not count; a quiet key is forgotten; an unlock elsewhere forgets older keys', () => {
    const t = new LoginThrottle(SETTINGS);
    for (let i = 0; i < 3; i++) {
      expect(t.reserve('k', 0).ok).toBe(true);
      t.release('k');
    }
    expect(t.reserve('k', 0).ok).toBe(true);
    t.failed('k', 0);
    for (let i = 0; i < 2; i++) {
      t.reserve('k', 0);
      t.failed('k', 0);
    }
    expect(t.reserve('k', 0).ok).toBe(false);
    expect(t.reserve('k', SETTINGS.forgetAfterMs).ok).toBe(true); // a day without failures
    t.failed('k', SETTINGS.forgetAfterMs);

    const u = new LoginThrottle(SETTINGS);
    for (let i = 0; i < 3; i++) {
      u.reserve('name\u0000a', 100);
      u.failed('name\u0000a', 100);
    }
    u.forgetIfSince('name\u0000a', 99); // an unlock before the key was first seen: no effect
    expect(u.reserve('name\u0000a', 100).ok).toBe(false);
    u.forgetIfSince('name\u0000a', 150);
    expect(u.reserve('name\u0000a', 150).ok).toBe(true);
  });

  it('remembers at most maxKeys keys, dropping the least recently failed', () => {
    const t = new LoginThrottle({ ...SETTINGS, maxKeys: 3 });
    const fail = (key: string) => {
      t.reserve(key, 0);
      t.failed(key, 0);
    };
    for (const k of ['a', 'b', 'c', 'a', 'd']) fail(k);
    expect(t.size).toBe(3);
    // b was the quietest: gone; a failed again and stays
    expect(t.forgetPrefix('b')).toBe(0);
    expect(t.forgetPrefix('a')).toBe(1);
  });

  it('counts addresses as the throttles see them: IPv4 as is, IPv6 by its /64, the name in any case', () => {
    expect(addressKey('10.0.0.7')).toBe('10.0.0.7');
    expect(addressKey('::ffff:10.0.0.7')).toBe('10.0.0.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey(undefined)).toBe('unknown');
    expect(throttleKey('Admin', '10.0.0.7')).toBe(throttleKey('admin', '::ffff:10.0.0.7'));
  });
});
