import { describe, expect, it } from 'vitest';
import type { PointDef } from '../../core/model/site-model.js';
import { ReportByException } from './report-by-exception.js';

const point = (index: number, deadband: number, type: PointDef['type'] = 'number') =>
  ({ index, deadband, type }) as PointDef;

describe('report by exception', () => {
  it('passes the first value, moves beyond the deadband and quality changes; holds back heartbeats', () => {
    const p = point(0, 0.5);
    const rbe = new ReportByException([p]);
    expect(rbe.passes(p, 20, 'good')).toBe(true);
    expect(rbe.passes(p, 20, 'good')).toBe(false); // a heartbeat
    expect(rbe.passes(p, 20.5, 'good')).toBe(false); // not more than the deadband
    expect(rbe.passes(p, 20.6, 'good')).toBe(true);
    expect(rbe.passes(p, 20.6, 'uncertain')).toBe(true);
    expect(rbe.passes(p, 20.2, 'uncertain')).toBe(false); // measured from the last published (20.6)
  });

  it('with deadband 0 any change passes; strings and booleans pass on change', () => {
    const n = point(0, 0);
    const b = point(1, 0, 'boolean');
    const rbe = new ReportByException([n, b]);
    expect(rbe.passes(n, 1, 'good')).toBe(true);
    expect(rbe.passes(n, 1.0001, 'good')).toBe(true);
    expect(rbe.passes(b, false, 'good')).toBe(true);
    expect(rbe.passes(b, false, 'good')).toBe(false);
    expect(rbe.passes(b, true, 'good')).toBe(true);
  });

  it('a birth resets the reference to the value it published', () => {
    const p = point(0, 1);
    const rbe = new ReportByException([p]);
    rbe.passes(p, 10, 'good');
    rbe.published(p, 15, 'good');
    expect(rbe.passes(p, 15.5, 'good')).toBe(false);
    rbe.published(p, null, 'bad');
    expect(rbe.passes(p, 15.5, 'good')).toBe(true);
  });
});
