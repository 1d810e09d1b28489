import { describe, expect, it } from 'vitest';
import { signLink, verifyLink } from '../visitors/privacy.js';
import { ackLinkKey, signAckLink, verifyAckLink } from './ack-link.js';
import { pageLanguage } from './ack-page.js';
import { dueAt, planFor, stopFor, TELL_ONCE, targetOf } from './escalation-plan.js';
import type { OnCall } from './rota.js';

const rules = {
  escalation: {
    critical: [
      { to: 'oncall' as const, afterMinutes: 0 },
      { to: 'next' as const, afterMinutes: 5 },
      { to: 'supervisor' as const, afterMinutes: 15 },
    ],
  },
  digest: { severities: ['low' as const] },
};

describe('escalation rules (pure)', () => {
  it('plans a chain, a digest, or one notice per severity', () => {
    expect(planFor('critical', rules)).toBe(rules.escalation.critical);
    expect(planFor('low', rules)).toBe('digest');
    expect(planFor('high', rules)).toBe(TELL_ONCE);
  });

  it('dates each step from the raise and ends after the last', () => {
    const steps = rules.escalation.critical;
    expect([0, 1, 2, 3].map((i) => dueAt(steps, i, 1_000))).toEqual([1_000, 301_000, 901_000, null]);
  });

  it('tells the person on call, the next, or the supervisor', () => {
    const who = { username: 'dan', scheduled: 'ann', next: 'bob', supervisor: 'sue' } as OnCall;
    expect(targetOf('oncall', who)).toBe('dan');
    expect(targetOf('next', who)).toBe('bob');
    expect(targetOf('supervisor', who)).toBe('sue');
  });

  it('stops on an acknowledgement, shelving, suppression or clearing; not on anything else', () => {
    expect(stopFor('acked', 'changed')).toBe('acknowledged');
    expect(stopFor('shelved', 'changed')).toBe('cleared');
    expect(stopFor('suppressed', 'changed')).toBe('cleared');
    expect(stopFor('rtn-unacked', 'cleared')).toBe('cleared');
    expect(stopFor('unacked', 'changed')).toBeUndefined();
  });
});

describe('the acknowledge link', () => {
  const visitorKey = Buffer.alloc(32, 7);
  const key = ackLinkKey(visitorKey);

  it('round-trips the alert and user, and expires', () => {
    const token = signAckLink(key, 42, 3, 10_000);
    expect(token.length).toBeLessThanOrEqual(100); // fits a path parameter
    expect(verifyAckLink(key, token, 9_999)).toEqual({ ok: true, alertId: 42, userId: 3, expiresAt: 10_000 });
    expect(verifyAckLink(key, token, 10_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('is single-purpose: a pass link does not acknowledge, an ack link is no pass link', () => {
    const passLink = signLink(visitorKey, { pass: 42 }, 10_000);
    expect(verifyAckLink(key, passLink, 0)).toEqual({ ok: false, reason: 'tampered' });
    // even a pass-shaped payload under the ack key lacks the fields
    expect(verifyAckLink(key, signLink(key, { pass: 42 }, 10_000), 0)).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(verifyLink(visitorKey, signAckLink(key, 42, 3, 10_000), 0)).toMatchObject({
      ok: false,
      reason: 'tampered',
    });
  });

  it("picks the page's language: query, the person's, the browser's, the site's", () => {
    expect(pageLanguage('en', 'zh-CN', 'zh', 'zh-CN')).toBe('en');
    expect(pageLanguage(undefined, 'en', 'zh-CN', 'zh-CN')).toBe('en');
    expect(pageLanguage(undefined, undefined, 'fr, zh-TW;q=0.8', 'en')).toBe('zh-CN');
    expect(pageLanguage(undefined, undefined, undefined, 'en')).toBe('en');
  });
});
