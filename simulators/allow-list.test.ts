import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { allowListKey, decideFromAllowList, parseAllowList } from './allow-list.js';

const KEY = Buffer.alloc(32, 1);

/** Signed as the hub signs: HMAC-SHA256(gate key, JSON of the list without sig). */
function signed(list: Record<string, unknown>, key = KEY): Buffer {
  const sig = createHmac('sha256', key).update(JSON.stringify(list)).digest('hex');
  return Buffer.from(JSON.stringify({ ...list, sig }));
}

describe('gate allow-list (simulator side)', () => {
  it('h is HMAC-SHA256(gate key, "<type>:<value>") in hex, as the hub computes it', () => {
    // python3 -c "import hmac,hashlib; print(hmac.new(bytes([1])*32, b'code:12345678', hashlib.sha256).hexdigest())"
    expect(allowListKey(KEY, 'code', '12345678')).toBe(
      'e7a48d621f2e3844439a67fb3a95d1f36de9f11b8ad25a5bc6899b1321eae97f',
    );
  });

  it('takes only a list signed with the gate’s key, for this gate', () => {
    const list = { version: 1, gate: 'south', issuedAt: 1, validUntil: 2, entries: [] };
    expect(parseAllowList(signed(list), KEY, 'south').list?.version).toBe(1);
    expect(parseAllowList(signed(list), undefined, 'south').problem).toMatch(/no gate key/);
    expect(parseAllowList(signed(list, Buffer.alloc(32, 2)), KEY, 'south').problem).toMatch(/signature/);
    const tampered = JSON.parse(signed(list).toString());
    tampered.validUntil = 9e12;
    expect(parseAllowList(Buffer.from(JSON.stringify(tampered)), KEY, 'south').problem).toMatch(/signature/);
    expect(parseAllowList(signed(list), KEY, 'north').problem).toBe('allow-list is for gate south');
    expect(parseAllowList(Buffer.alloc(0), KEY, 'south')).toEqual({}); // a cleared retained message
    expect(parseAllowList(Buffer.from('{not json'), KEY, 'south').problem).toMatch(/not JSON/);
  });

  it('decides: unknown, not yet valid and expired (entering only), wrong gate, no valid list', () => {
    const now = 1_000_000;
    const { list } = parseAllowList(
      signed({
        version: 2,
        gate: 'south',
        issuedAt: now - 10,
        validUntil: now + 60_000,
        entries: [
          { h: allowListKey(KEY, 'code', 'a'), until: now + 1 },
          { h: allowListKey(KEY, 'code', 'old'), until: now },
          { h: allowListKey(KEY, 'code', 'soon'), from: now + 1, until: now + 9 },
          { h: allowListKey(KEY, 'card', 'b'), until: now + 1, gates: ['north'] },
        ],
      }),
      KEY,
      'south',
    );
    type T = 'code' | 'card' | 'qr' | 'id';
    const d = (type: T, value: string, dir: 'in' | 'out' = 'in', at = now, gate = 'south') =>
      decideFromAllowList(list, { type, value }, gate, dir, at);
    expect(d('code', 'a')).toEqual({ decision: 'open' });
    expect(d('qr', 'FH1:a')).toEqual({ decision: 'open' }); // a QR carrying the code
    expect(d('card', 'a')).toEqual({ decision: 'deny', reason: 'unknown' }); // the type is part of the key
    expect(d('id', 'a')).toEqual({ decision: 'deny', reason: 'unknown' });
    expect(d('code', 'old')).toEqual({ decision: 'deny', reason: 'expired' });
    expect(d('code', 'old', 'out')).toEqual({ decision: 'open' }); // nobody is trapped inside
    expect(d('code', 'soon')).toEqual({ decision: 'deny', reason: 'not-yet-valid' });
    expect(d('card', 'b')).toEqual({ decision: 'deny', reason: 'wrong-gate' });
    expect(d('code', 'a', 'in', now + 60_000)).toEqual({ decision: 'deny', reason: 'unknown' }); // list too old
    expect(decideFromAllowList(undefined, { type: 'code', value: 'a' }, 'south', 'in', now)).toMatchObject({
      decision: 'deny',
    });
  });
});
