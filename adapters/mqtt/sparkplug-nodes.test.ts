import { describe, expect, it } from 'vitest';
import { filterWithin, nodePublishFilters, nodeSubscribeFilters, topicMatches } from './sparkplug-nodes.js';

describe('Sparkplug node ACL filters', () => {
  it('a node publishes its own node and device topics only', () => {
    const pub = nodePublishFilters('G', 'N');
    const may = (t: string) => pub.some((f) => topicMatches(f, t));
    expect(may('spBv1.0/G/NBIRTH/N')).toBe(true);
    expect(may('spBv1.0/G/NDEATH/N')).toBe(true);
    expect(may('spBv1.0/G/DDATA/N/pump-1')).toBe(true);
    expect(may('spBv1.0/G/NDATA/N2')).toBe(false);
    expect(may('spBv1.0/G2/NDATA/N')).toBe(false);
    expect(may('spBv1.0/G/NCMD/N')).toBe(false); // commands are the host's
    expect(may('spBv1.0/G/DCMD/N/pump-1')).toBe(false);
    expect(may('spBv1.0/G/DDATA/N')).toBe(false);
    expect(may('spBv1.0/G/DDATA/N/a/b')).toBe(false);
    expect(may('spBv1.0/STATE/host')).toBe(false);
  });

  it('a node subscribes to its commands and STATE, never wider', () => {
    const sub = nodeSubscribeFilters('G', 'N');
    const may = (f: string) => sub.some((a) => filterWithin(f, a));
    // what Eclipse Tahu's client subscribes to
    expect(may('spBv1.0/G/NCMD/N/#')).toBe(true);
    expect(may('spBv1.0/G/DCMD/N/#')).toBe(true);
    expect(may('spBv1.0/G/NCMD/N')).toBe(true);
    expect(may('spBv1.0/G/DCMD/N/+')).toBe(true);
    expect(may('spBv1.0/G/DCMD/N/pump-1')).toBe(true);
    expect(may('spBv1.0/STATE/+')).toBe(true);
    expect(may('spBv1.0/STATE/scada')).toBe(true);
    expect(may('spBv1.0/STATE/#')).toBe(false);
    expect(may('spBv1.0/G/+/N')).toBe(false);
    expect(may('spBv1.0/G/NCMD/+')).toBe(false);
    expect(may('spBv1.0/#')).toBe(false);
    expect(may('#')).toBe(false);
    expect(may('spBv1.0/G/NDATA/N2')).toBe(false);
  });

  it('matches topics as MQTT does', () => {
    expect(topicMatches('a/#', 'a')).toBe(true);
    expect(topicMatches('a/#', 'a/b/c')).toBe(true);
    expect(topicMatches('a/+', 'a/b/c')).toBe(false);
    expect(topicMatches('+/b', '$SYS/b')).toBe(false);
    expect(topicMatches('#', '$SYS/x')).toBe(false);
    expect(filterWithin('a/+/c', 'a/#')).toBe(true);
    expect(filterWithin('a/#', 'a/+')).toBe(false);
  });
});
