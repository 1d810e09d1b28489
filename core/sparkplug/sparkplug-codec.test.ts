import sparkplugPayload from 'sparkplug-payload';
import { describe, expect, it } from 'vitest';
import {
  decodePayload,
  encodePayload,
  metricTypeOf,
  nextSeq,
  pointValueOf,
  QUALITY_CODE,
  qualityOf,
  SparkplugDecodeError,
} from './sparkplug-codec.js';

const tahu = sparkplugPayload.get('spBv1.0')!;

describe('Sparkplug codec', () => {
  it('round-trips a payload with numbers (not Longs), nulls, flags and properties', () => {
    const buf = encodePayload({
      timestamp: 1_765_000_000_123,
      seq: 255,
      metrics: [
        { name: 'bdSeq', type: 'UInt64', value: 7 },
        { alias: 1003, type: 'Double', value: 21.25, timestamp: 1_765_000_000_001, isHistorical: true },
        {
          name: 'door_open',
          alias: 1004,
          type: 'Boolean',
          value: null,
          isNull: true,
          properties: { engUnit: { type: 'String', value: '' }, Quality: { type: 'Int32', value: 0 } },
        },
        { name: 'Site/Name', type: 'String', value: '总部' },
        { name: 'Site/Alerts active', type: 'Int32', value: -1 },
      ],
    });
    const p = decodePayload(buf);
    expect(p.timestamp).toBe(1_765_000_000_123);
    expect(p.seq).toBe(255);
    expect(p.metrics[0]).toEqual({ name: 'bdSeq', type: 'UInt64', value: 7 });
    expect(p.metrics[1]).toEqual({
      alias: 1003,
      type: 'Double',
      value: 21.25,
      timestamp: 1_765_000_000_001,
      isHistorical: true,
    });
    expect(p.metrics[2]!.value).toBeNull();
    expect(qualityOf(p.metrics[2]!)).toBe('bad');
    expect(p.metrics[2]!.properties!.engUnit).toEqual({ type: 'String', value: '' });
    expect(p.metrics[3]!.value).toBe('总部');
    expect(p.metrics[4]!.value).toBe(-1);
  });

  it('decodes what Tahu itself encodes, and Tahu decodes what it encodes', () => {
    const fromTahu = decodePayload(
      tahu.encodePayload({ timestamp: 5, seq: 3, metrics: [{ name: 'x', type: 'Int64', value: 2 ** 40 }] }),
    );
    expect(fromTahu).toMatchObject({
      timestamp: 5,
      seq: 3,
      metrics: [{ name: 'x', type: 'Int64', value: 2 ** 40 }],
    });
    // biome-ignore lint/suspicious/noExplicitAny: Tahu's decoded payload
    const byTahu: any = tahu.decodePayload(
      encodePayload({ seq: 9, metrics: [{ alias: 1000, type: 'Float', value: 1.5 }] }),
    );
    expect(Number(byTahu.seq)).toBe(9);
    expect(Number(byTahu.metrics[0].alias)).toBe(1000);
    expect(byTahu.metrics[0].value).toBe(1.5);
  });

  it('refuses what is not a Sparkplug B payload', () => {
    expect(() => decodePayload(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow(SparkplugDecodeError);
  });

  it('maps point types, values, quality codes and seq', () => {
    expect(metricTypeOf('number')).toBe('Double');
    expect(metricTypeOf('boolean')).toBe('Boolean');
    expect(metricTypeOf('string')).toBe('String');
    expect(pointValueOf({ type: 'Int32', value: 4 })).toBe(4);
    expect(pointValueOf({ type: 'Bytes', value: null })).toBeUndefined();
    expect(qualityOf({ type: 'Double', value: 1 })).toBe('good');
    expect(
      qualityOf({ type: 'Double', value: 1, properties: { Quality: { type: 'Int32', value: 64 } } }),
    ).toBe('uncertain');
    expect(QUALITY_CODE).toEqual({ good: 192, uncertain: 64, bad: 0 });
    expect(nextSeq(0)).toBe(1);
    expect(nextSeq(255)).toBe(0);
  });
});
