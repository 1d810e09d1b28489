import { describe, expect, it } from 'vitest';
import type { SparkplugMetric, SparkplugPayload } from '../../core/sparkplug/sparkplug-codec.js';
import type { SparkplugTopic } from '../../core/sparkplug/sparkplug-topic.js';
import { FleetState, type RebirthReason } from './fleet-state.js';

const G = 'g1';

function setup(opts: { silentAfterMs?: number; holdoffMs?: number } = {}) {
  let now = 1_000_000;
  const rebirths: { node: string; reason: RebirthReason; at: number }[] = [];
  const lines: string[] = [];
  const seen: string[] = [];
  const state = new FleetState(
    {
      silentAfterMs: opts.silentAfterMs ?? 10_000,
      rebirthHoldoffMs: opts.holdoffMs ?? 5_000,
      sites: [{ group: G, node: 'listed', name: 'Listed' }],
    },
    {
      now: () => now,
      rebirth: (_g, node, reason) => rebirths.push({ node, reason, at: now }),
      lines: (l) => lines.push(...l),
      seen: (_g, node) => seen.push(node),
    },
  );
  const seqs = new Map<string, number>();
  const send = (
    type: SparkplugTopic['type'],
    node: string,
    p: Partial<SparkplugPayload>,
    device?: string,
  ) => {
    let seq = p.seq;
    if (seq === undefined && type !== 'NDEATH') {
      seq = type === 'NBIRTH' ? 0 : ((seqs.get(node) ?? 0) + 1) % 256;
      seqs.set(node, seq);
    }
    state.handle(
      { group: G, type, node, ...(device ? { device } : {}) },
      { metrics: [], timestamp: now, ...p, ...(seq !== undefined ? { seq } : {}) },
    );
  };
  const birth = (node: string, bdSeq = 0) => {
    send('NBIRTH', node, {
      metrics: [
        { name: 'bdSeq', type: 'UInt64', value: bdSeq },
        { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
        { name: 'Site/Name', alias: 1, type: 'String', value: `Site ${node}` },
        { name: 'Site/Power W', alias: 10, type: 'Double', value: null, isNull: true },
        { name: 'Site/Alerts active', alias: 4, type: 'Int32', value: 2 },
      ],
    });
    send(
      'DBIRTH',
      node,
      {
        metrics: [
          { name: 'Asset/Name', type: 'String', value: 'Room 1, east' },
          { name: 'Asset/Kind', type: 'String', value: 'env-sensor' },
          { name: 'Asset/Zone', type: 'String', value: 'b1 f1' },
          { name: 'Asset/Zone name', type: 'String', value: 'Floor 1' },
          {
            name: 'temp_c',
            alias: 1000,
            type: 'Double',
            value: 21,
            timestamp: now - 5,
            properties: { engUnit: { type: 'String', value: 'degC' } },
          },
          {
            name: 'sp_c',
            alias: 1001,
            type: 'Double',
            value: null,
            isNull: true,
            properties: {
              Kind: { type: 'String', value: 'command' },
              Writable: { type: 'Boolean', value: true },
            },
          },
        ],
      },
      'room-1',
    );
  };
  const ddata = (node: string, metrics: SparkplugMetric[], extra: Partial<SparkplugPayload> = {}) =>
    send('DDATA', node, { metrics, ...extra }, 'room-1');
  return {
    state,
    rebirths,
    lines,
    seen,
    send,
    birth,
    ddata,
    seqs,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

describe('fleet state', () => {
  it('follows a birth: summary, asset, points; lines in the site schema', () => {
    const t = setup();
    t.birth('n1');
    const row = t.state.sites().find((s) => s.id === 'n1')!;
    expect(row).toMatchObject({
      name: 'Site n1',
      state: 'online',
      powerW: null,
      alertsActive: 2,
      assets: 1,
      points: 2,
      births: 1,
    });
    expect(t.seen).toEqual(['n1']);
    const d = t.state.site('n1')!;
    expect(d.assets[0]).toMatchObject({
      name: 'Room 1, east',
      kind: 'env-sensor',
      zone: 'b1 f1',
      zoneName: 'Floor 1',
    });
    expect(d.assets[0]!.points).toEqual([
      expect.objectContaining({
        name: 'temp_c',
        unit: 'degC',
        kind: 'measurement',
        writable: false,
        value: 21,
      }),
      expect.objectContaining({ name: 'sp_c', kind: 'command', writable: true, value: null }),
    ]);
    t.ddata('n1', [
      { alias: 1000, type: 'Double', value: 22.5, timestamp: 2_000_000 },
      {
        alias: 1000,
        type: 'Double',
        value: 99,
        timestamp: 2_000_001,
        properties: { Quality: { type: 'Int32', value: 0 } },
      },
    ]);
    expect(t.lines).toEqual([
      'site,site=n1 alerts_active=2 1000000',
      'env-sensor,asset=room-1,site=n1,zone=b1\\ f1 temp_c=22.5 2000000',
      'env-sensor,asset=room-1,site=n1,zone=b1\\ f1 temp_c__bad=99 2000001',
    ]);
    expect(t.state.site('n1')!.assets[0]!.points[0]).toMatchObject({
      value: 99,
      quality: 'bad',
      ts: 2_000_001,
    });
    expect(t.state.counters.metrics).toBe(2);
  });

  it('lists configured sites as unknown; seq wraps at 255 without a gap', () => {
    const t = setup();
    expect(t.state.sites().map((s) => [s.id, s.state, s.name])).toEqual([['listed', 'unknown', 'Listed']]);
    t.birth('n1');
    for (let i = 0; i < 300; i++)
      t.ddata('n1', [{ alias: 1000, type: 'Double', value: i, timestamp: 2_000_000 + i }]);
    expect(t.state.counters.seqGaps).toBe(0);
    expect(t.rebirths).toEqual([]);
  });

  it('a seq gap: one rebirth in the hold-off, data still taken; later gaps ask again', () => {
    const t = setup({ holdoffMs: 5_000 });
    t.birth('n1');
    t.seqs.set('n1', 10);
    t.ddata('n1', [{ alias: 1000, type: 'Double', value: 1, timestamp: 2_000_000 }]);
    t.seqs.set('n1', 20);
    t.ddata('n1', [{ alias: 1000, type: 'Double', value: 2, timestamp: 2_000_001 }]);
    expect(t.rebirths.map((r) => r.reason)).toEqual(['seq-gap']);
    expect(t.state.counters).toMatchObject({ seqGaps: 2, rebirthsRequested: 1, rebirthsHeldOff: 1 });
    expect(t.state.site('n1')!.assets[0]!.points[0]!.value).toBe(2);
    t.advance(5_000);
    t.seqs.set('n1', 30);
    t.ddata('n1', [{ alias: 1000, type: 'Double', value: 3, timestamp: 2_000_002 }]);
    expect(t.rebirths).toHaveLength(2);
  });

  it('data before a birth and unknown aliases ask for a rebirth; that data is not taken', () => {
    const t = setup();
    t.ddata('n2', [{ alias: 1000, type: 'Double', value: 1, timestamp: 2_000_000 }]);
    expect(t.rebirths.map((r) => [r.node, r.reason])).toEqual([['n2', 'before-birth']]);
    expect(t.lines).toEqual([]);
    expect(t.state.counters.beforeBirth).toBe(1);
    t.birth('n1');
    t.ddata('n1', [{ alias: 4242, type: 'Double', value: 1, timestamp: 2_000_000 }]);
    expect(t.rebirths.map((r) => [r.node, r.reason])).toEqual([
      ['n2', 'before-birth'],
      ['n1', 'unknown-alias'],
    ]);
    // a DDATA for a device without a DBIRTH
    t.advance(10_000);
    t.send('DDATA', 'n1', { metrics: [{ alias: 1000, type: 'Double', value: 1 }] }, 'room-9');
    expect(t.rebirths.at(-1)).toMatchObject({ node: 'n1', reason: 'before-birth' });
  });

  it('NDEATH of the session: offline, values kept as stale; an older bdSeq is ignored', () => {
    const t = setup();
    t.birth('n1', 7);
    t.ddata('n1', [{ alias: 1000, type: 'Double', value: 23, timestamp: 2_000_000 }]);
    t.send('NDEATH', 'n1', { metrics: [{ name: 'bdSeq', type: 'UInt64', value: 6 }] });
    expect(t.state.sites().find((s) => s.id === 'n1')!.state).toBe('online');
    expect(t.state.counters.staleDeaths).toBe(1);
    t.advance(100);
    t.send('NDEATH', 'n1', { metrics: [{ name: 'bdSeq', type: 'UInt64', value: 7 }] });
    const row = t.state.sites().find((s) => s.id === 'n1')!;
    expect(row).toMatchObject({ state: 'offline', since: t.now() });
    const asset = t.state.site('n1')!.assets[0]!;
    expect(asset.state).toBe('offline');
    expect(asset.points[0]).toMatchObject({ value: 23, stale: true });
    // data after the death: a rebirth is asked for
    t.ddata('n1', [{ alias: 1000, type: 'Double', value: 1, timestamp: 2_000_001 }]);
    expect(t.rebirths.at(-1)).toMatchObject({ reason: 'before-birth' });
  });

  it('silence makes an online site stale; a message makes it online again', () => {
    const t = setup({ silentAfterMs: 10_000 });
    t.birth('n1');
    t.advance(10_000);
    t.state.tick();
    expect(t.state.sites().find((s) => s.id === 'n1')!.state).toBe('online');
    t.advance(1);
    t.state.tick();
    expect(t.state.sites().find((s) => s.id === 'n1')).toMatchObject({ state: 'stale', since: t.now() });
    expect(t.state.site('n1')!.assets[0]!.points[0]!.stale).toBe(true);
    t.ddata('n1', [{ alias: 1000, type: 'Double', value: 1, timestamp: 2_000_000 }]);
    expect(t.state.sites().find((s) => s.id === 'n1')!.state).toBe('online');
    expect(t.state.stateCounts()).toEqual({ online: 1, stale: 0, offline: 0, unknown: 1 });
  });

  it('historical metrics go to InfluxDB but do not replace a newer latest value', () => {
    const t = setup();
    t.birth('n1');
    t.ddata('n1', [{ alias: 1000, type: 'Double', value: 30, timestamp: 3_000_000 }]);
    t.ddata('n1', [{ alias: 1000, type: 'Double', value: 10, timestamp: 2_500_000, isHistorical: true }]);
    expect(t.state.site('n1')!.assets[0]!.points[0]).toMatchObject({ value: 30, ts: 3_000_000 });
    expect(t.lines.at(-1)).toBe('env-sensor,asset=room-1,site=n1,zone=b1\\ f1 temp_c=10 2500000');
    expect(t.state.counters.historicalMetrics).toBe(1);
  });

  it('DDEATH: the asset offline; a rebirth keeps a newer value than the birth carries', () => {
    const t = setup();
    t.birth('n1');
    t.ddata('n1', [{ alias: 1000, type: 'Double', value: 30, timestamp: t.now() + 50 }]);
    t.send('DDEATH', 'n1', {}, 'room-1');
    expect(t.state.site('n1')!.assets[0]!.state).toBe('offline');
    t.birth('n1');
    expect(t.state.site('n1')!.assets[0]!).toMatchObject({ state: 'online' });
    expect(t.state.site('n1')!.assets[0]!.points[0]!.value).toBe(30);
    expect(t.state.sites().find((s) => s.id === 'n1')!.births).toBe(2);
  });

  it('rebirthAll asks every known node, once, and takes the next seq as it comes', () => {
    const t = setup();
    t.birth('n1');
    t.state.remember(G, 'old');
    expect(t.state.rebirthAll()).toBe(3);
    expect(t.rebirths.map((r) => r.node).sort()).toEqual(['listed', 'n1', 'old']);
    t.seqs.set('n1', 100);
    t.ddata('n1', [{ alias: 1000, type: 'Double', value: 1, timestamp: 2_000_000 }]);
    expect(t.state.counters.seqGaps).toBe(0);
  });

  it("restore: an earlier run's births give names, assets and last known values; nothing born", () => {
    const t = setup();
    t.state.restore(G, 'n9', { metrics: [{ name: 'Site/Name', type: 'String', value: 'Nine' }] }, [
      [
        'pump-1',
        {
          metrics: [
            { name: 'Asset/Kind', type: 'String', value: 'pump' },
            { name: 'speed_pct', alias: 1000, type: 'Double', value: 40, timestamp: 5 },
          ],
        },
      ],
    ]);
    expect(t.state.sites().find((s) => s.id === 'n9')).toMatchObject({
      name: 'Nine',
      state: 'unknown',
      births: 0,
      assets: 1,
    });
    expect(t.state.site('n9')!.assets[0]).toMatchObject({ kind: 'pump', state: 'offline' });
    expect(t.state.site('n9')!.assets[0]!.points[0]).toMatchObject({ value: 40, ts: 5, stale: true });
    expect(t.state.counters.deviceBirths).toBe(0);
    expect(t.lines).toEqual([]);
    t.ddata('n9', [{ alias: 1000, type: 'Double', value: 1, timestamp: 6 }]);
    expect(t.rebirths.at(-1)).toMatchObject({ node: 'n9', reason: 'before-birth' });
  });
});
