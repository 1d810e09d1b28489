import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import type { Reading } from '../../core/model/reading.js';
import { EdgeSpool } from './edge-spool.js';

const dir = () => join(mkdtempSync(join(tmpdir(), 'edge-spool-')), 'upstream-spool');

describe('edge spool', () => {
  it('keeps readings in order with their values, qualities and timestamps, until acknowledged', () => {
    const spool = new EdgeSpool({ dir: dir(), maxBytes: 1024 * 1024, log: silentLogger });
    const readings: Reading[] = [
      { pointId: 'ahu-1/supply_temp_c', value: 18.25, quality: 'good', ts: 1000 },
      { pointId: 'gate-a/last_card', value: 'tab\there "q"', quality: 'uncertain', ts: 1001 },
      { pointId: 'gate-a/door_open', value: false, quality: 'bad', ts: 1002 },
    ];
    spool.add(readings);
    expect(spool.peek(10).lines).toBe(0); // only flushed lines are visible
    spool.flush();
    const first = spool.peek(2);
    expect(first.readings).toEqual(readings.slice(0, 2));
    expect(spool.stats().oldestTs).toBe(1000);
    spool.ack(first.lines, first.bytes);
    expect(spool.peek(10).readings).toEqual(readings.slice(2));
    expect(spool.stats()).toMatchObject({ lines: 1, sentLines: 2, droppedLines: 0, malformed: 0 });
  });

  it('survives a restart: what was not acknowledged is read back', () => {
    const d = dir();
    const a = new EdgeSpool({ dir: d, maxBytes: 1024 * 1024, log: silentLogger });
    a.add([1, 2, 3].map((i) => ({ pointId: 'm/p', value: i, quality: 'good' as const, ts: i })));
    a.flush();
    const head = a.peek(1);
    a.ack(head.lines, head.bytes);
    a.close();
    const b = new EdgeSpool({ dir: d, maxBytes: 1024 * 1024, log: silentLogger });
    expect(b.peek(10).readings.map((r) => r.value)).toEqual([2, 3]);
  });
});
