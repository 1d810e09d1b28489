import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { allowListHash } from '../domains/visitors/allow-list.js';
import { allowListKey, decideFromAllowList, parseAllowList } from './allow-list.js';

const KEY = Buffer.alloc(32, 1);

/** Signed as the hub signs: HMAC-SHA256(gate key, JSON of the list without sig). */
function signed(list: Record<string, unknown>, key = KEY): Buffer {
  const sig = createHmac('sha256', key).update(JSON.stringify(list)).digest('hex');
  return Buffer.from(JSON.stringify({ ...list, sig }));
}

describe('gate allow-list (simulator side)', () => {
  it('h is HMAC-SHA256(gate key, "<type>:<value>") in hex, as the hub computes it', () => {
    // python3 -c "import hmac,hashlib; print(hmac.new(bytes([1])*32, b'qr:AAAAAAAAAAAAAAAAAAAAAA', hashlib.sha256).hexdigest())"
    expect(allowListKey(KEY, 'qr', 'AAAAAAAAAAAAAAAAAAAAAA')).toBe(
      '06c2bfeb8ceaa0dac187066d762bd4b7a7218f75de33357919cc41482390c8af',
    );
    // the same as the hub's own function
    expect(allowListKey(KEY, 'qr', 'tag')).toBe(allowListHash(KEY, 'qr', 'tag'));
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

  it('decides: unknown, not yet valid and expired (entering only), wrong gate, no valid list; QR by its tag only', () => {
    const now = 1_000_000;
    const { list } = parseAllowList(
      signed({
        version: 2,
        gate: 'south',
        issuedAt: now - 10,
        validUntil: now + 60_000,
        entries: [
          { h: allowListKey(KEY, 'qr', 'tag-a'), until: now + 1 },
          { h: allowListKey(KEY, 'qr', 'tag-old'), until: now },
          { h: allowListKey(KEY, 'qr', 'tag-soon'), from: now + 1, until: now + 9 },
          { h: allowListKey(KEY, 'card', 'b'), until: now + 1, gates: ['north'] },
        ],
      }),
      KEY,
      'south',
    );
    type T = 'code' | 'card' | 'qr' | 'id';
    const d = (type: T, value: string, dir: 'in' | 'out' = 'in', at = now, gate = 'south') =>
      decideFromAllowList(list, { type, value }, gate, dir, at);
    expect(d('qr', 'FH2:12345678.tag-a')).toEqual({ decision: 'open' }); // by the tag after the dot
    expect(d('qr', 'FH2:99999999.tag-a')).toEqual({ decision: 'open' }); // the gate cannot check the code
    expect(d('qr', 'FH2:12345678.tag-b')).toEqual({ decision: 'deny', reason: 'unknown' });
    // what has no entry: a typed code, the code-only FH1 QR, an ID card; the hub alone checks them
    expect(d('code', '12345678')).toEqual({ decision: 'deny', reason: 'hub-unreachable' });
    expect(d('qr', 'FH1:12345678')).toEqual({ decision: 'deny', reason: 'hub-unreachable' });
    expect(d('id', 'a')).toEqual({ decision: 'deny', reason: 'hub-unreachable' });
    expect(d('qr', 'not a pass')).toEqual({ decision: 'deny', reason: 'unknown' });
    expect(d('card', 'tag-a')).toEqual({ decision: 'deny', reason: 'unknown' }); // the type is part of the key
    expect(d('qr', 'FH2:1.tag-old')).toEqual({ decision: 'deny', reason: 'expired' });
    expect(d('qr', 'FH2:1.tag-old', 'out')).toEqual({ decision: 'open' }); // nobody is trapped inside
    expect(d('qr', 'FH2:1.tag-soon')).toEqual({ decision: 'deny', reason: 'not-yet-valid' });
    expect(d('card', 'b')).toEqual({ decision: 'deny', reason: 'wrong-gate' });
    expect(d('qr', 'FH2:1.tag-a', 'in', now + 60_000)).toEqual({ decision: 'deny', reason: 'unknown' }); // list too old
    expect(
      decideFromAllowList(undefined, { type: 'qr', value: 'FH2:1.tag-a' }, 'south', 'in', now),
    ).toMatchObject({
      decision: 'deny',
    });
  });
});
