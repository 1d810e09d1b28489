import { describe, expect, it } from 'vitest';
import type { RawReading } from '../../core/model/reading.js';
import { decodePayload } from './payload-decoder.js';
import type { TopicRoute } from './topic-routes.js';

const route: TopicRoute = {
  topic: 'site/s/room/telemetry',
  deviceId: 'env',
  bare: false,
  fields: [
    { pointId: 'room/temp_c', type: 'number', path: ['temp_c'] },
    { pointId: 'room/co2_ppm', type: 'number', path: ['air', 'co2'] },
    { pointId: 'room/occupied', type: 'boolean', path: ['occupied'] },
  ],
};
const bareRoute: TopicRoute = {
  topic: 'x',
  deviceId: 'env',
  bare: true,
  fields: [{ pointId: 'r/v', type: 'number', path: [] }],
};
const NOW = 1_700_000_000_000;

function decode(r: TopicRoute, text: string) {
  const out: RawReading[] = [];
  const problem = decodePayload(r, Buffer.from(text), NOW, out);
  return { problem, out: out.map((o) => [o.pointId, o.value, o.ts]) };
}

describe('MQTT payload decoding', () => {
  it('reads an object of many values with its timestamp', () => {
    expect(
      decode(route, '{"ts": 1699999999000, "temp_c": 21.5, "air": {"co2": 640}, "occupied": true}'),
    ).toEqual({
      problem: undefined,
      out: [
        ['room/temp_c', 21.5, 1699999999000],
        ['room/co2_ppm', 640, 1699999999000],
        ['room/occupied', true, 1699999999000],
      ],
    });
  });
  it('takes the arrival time without ts, and ISO-8601 ts', () => {
    expect(decode(route, '{"temp_c": 20}').out).toEqual([['room/temp_c', 20, NOW]]);
    expect(decode(route, '{"ts": "2023-11-14T22:13:20Z", "temp_c": 20}').out).toEqual([
      ['room/temp_c', 20, NOW],
    ]);
  });
  it('a subset of the fields is fine', () => {
    expect(decode(route, '{"occupied": 0}')).toEqual({
      problem: undefined,
      out: [['room/occupied', 0, NOW]],
    });
  });
  it('keeps the good fields of a partly bad message and says what was wrong', () => {
    expect(decode(route, '{"temp_c": "warm", "air": {"co2": 500}}')).toEqual({
      problem: 'temp_c: expected number, got "warm"',
      out: [['room/co2_ppm', 500, NOW]],
    });
  });
  it('names each kind of malformed message', () => {
    expect(decode(route, '{"temp_c": 21.').problem).toBe('not JSON');
    expect(decode(route, '{"temp_c": NaN}').problem).toBe('not JSON');
    expect(decode(route, '21.5').problem).toBe('expected a JSON object');
    expect(decode(route, '{"humidity": 3}').problem).toBe('no known field');
    expect(decode(route, '{"ts": "yesterday", "temp_c": 1}').problem).toMatch(/^ts is not a timestamp/);
    expect(decode(route, `{"ts": ${NOW + 3_600_000}, "temp_c": 1}`)).toEqual({
      problem: 'ts is in the future',
      out: [['room/temp_c', 1, NOW]],
    });
    expect(decode(route, '{"temp_c": null}').problem).toBe('temp_c: expected number, got null');
  });
  it('a path named like an Object.prototype member finds only what the message says', () => {
    // Found by fuzzing: `constructor` was looked up on the prototype, so a good message was called malformed.
    const protoRoute: TopicRoute = {
      ...route,
      fields: [
        { pointId: 'room/temp_c', type: 'number', path: ['temp_c'] },
        { pointId: 'room/c', type: 'number', path: ['constructor'] },
        { pointId: 'room/s', type: 'string', path: ['air', 'toString'] },
      ],
    };
    expect(decode(protoRoute, '{"temp_c": 20, "air": {}}')).toEqual({
      problem: undefined,
      out: [['room/temp_c', 20, NOW]],
    });
    expect(decode(protoRoute, '{"x": 1}').problem).toBe('no known field');
    expect(decode(protoRoute, '{"constructor": 5, "air": {"toString": "s"}}').out).toEqual([
      ['room/c', 5, NOW],
      ['room/s', 's', NOW],
    ]);
  });
  it('a bare value for a point whose path is $', () => {
    expect(decode(bareRoute, '19.25')).toEqual({ problem: undefined, out: [['r/v', 19.25, NOW]] });
    expect(decode(bareRoute, '"19.25"').problem).toBe('$: expected number, got "19.25"');
  });
});
