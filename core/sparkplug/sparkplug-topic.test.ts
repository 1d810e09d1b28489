import { describe, expect, it } from 'vitest';
import { formatTopic, parseStateTopic, parseTopic, SPARKPLUG_ID, stateTopic } from './sparkplug-topic.js';

describe('Sparkplug topics', () => {
  it('formats and parses node and device topics', () => {
    const node = { group: 'campus', type: 'NBIRTH' as const, node: 'site-a' };
    expect(formatTopic(node)).toBe('spBv1.0/campus/NBIRTH/site-a');
    expect(parseTopic('spBv1.0/campus/NBIRTH/site-a')).toEqual(node);
    const device = { group: 'campus', type: 'DDATA' as const, node: 'site-a', device: 'ahu-1' };
    expect(formatTopic(device)).toBe('spBv1.0/campus/DDATA/site-a/ahu-1');
    expect(parseTopic(formatTopic(device))).toEqual(device);
  });

  it('refuses what is not a Sparkplug B topic of its kind', () => {
    for (const t of [
      'spBv1.0/campus/NBIRTH/site-a/ahu-1', // a node message with a device
      'spBv1.0/campus/DDATA/site-a', // a device message without one
      'spBv1.0/campus/XDATA/site-a',
      'spAv1.0/campus/NDATA/site-a',
      'spBv1.0//NDATA/site-a',
      'spBv1.0/campus/NDATA/site-a/x/y',
      'spBv1.0/STATE/host',
    ])
      expect(parseTopic(t), t).toBeUndefined();
  });

  it('host STATE topics, and ids that are one topic level', () => {
    expect(stateTopic('central')).toBe('spBv1.0/STATE/central');
    expect(parseStateTopic('spBv1.0/STATE/central')).toBe('central');
    expect(parseStateTopic('spBv1.0/campus/NDATA/x')).toBeUndefined();
    expect(SPARKPLUG_ID.test('site-a')).toBe(true);
    for (const bad of ['a/b', 'a+', '#', '']) expect(SPARKPLUG_ID.test(bad), bad).toBe(false);
  });
});
