import { describe, expect, it } from 'vitest';
import { Series, type SeriesPoint } from '../../../src/metrics/series.js';
import { LatencyHistogram } from '../../../src/metrics/histogram.js';
import { encodeHistogram } from '../../../src/metrics/encoded-histogram.js';

function point(t: number, values: number[], extra: Partial<SeriesPoint> = {}): SeriesPoint {
  const h = LatencyHistogram.create();
  for (const v of values) h.record(v);
  return {
    t, ms: 1000, requests: values.length, responses: values.length, errors: 0, bytesIn: values.length * 10, bytesOut: values.length,
    p50Us: h.percentile(50), p99Us: h.percentile(99), corrected: encodeHistogram(h), ...extra,
  };
}

describe('Series', () => {
  it('merges points of the same second and recomputes percentiles from the summed histograms', () => {
    const a = [point(0, [100, 200]), point(1, [300]), point(3, [5])];
    const b = [point(1, [1000, 2000, 3000]), point(0, [150]), point(2, [7], { errors: 2, requests: 3 })];
    const merged = Series.merge([a, b]);
    expect(merged.map((p) => p.t)).toEqual([0, 1, 2, 3]);
    const m1 = merged[1]!;
    expect(m1.requests).toBe(4);
    expect(m1.bytesIn).toBe(40);
    expect(m1.corrected?.count).toBe(4);
    const ref = LatencyHistogram.create();
    for (const v of [300, 1000, 2000, 3000]) ref.record(v);
    expect(m1.p50Us).toBe(ref.percentile(50));
    expect(m1.p99Us).toBe(ref.percentile(99));
    expect(m1.corrected?.min).toBe(300);
    expect(m1.corrected?.max).toBe(3000);
    expect(merged[2]).toMatchObject({ errors: 2, requests: 3 });
  });

  it('falls back to the largest part percentiles when a part has no histogram', () => {
    const a = point(0, [100]);
    const { corrected: _dropped, ...b } = point(0, [5000]);
    const m = Series.mergePoints([a, b]);
    expect(m.corrected).toBeUndefined();
    expect(m.p99Us).toBe(5000);
    expect(m.p50Us).toBe(5000);
    expect(() => Series.mergePoints([])).toThrow(RangeError);
  });

  it('turns points into report rows with per-second rates and ms latencies', () => {
    const s = new Series();
    s.push(point(0, [1234, 1234]));
    s.push({ ...point(1, [2000]), ms: 500, requests: 50 });
    const rows = Series.rows(s.points);
    expect(rows[0]).toEqual({ t: 0, requests: 2, rps: 2, errors: 0, p50: 1.234, p99: 1.234, bytes: 20, bytesOut: 2 });
    expect(rows[1]?.rps).toBe(100);
    expect(rows[1]?.p99).toBe(2);
    const ih = Series.intervalHistograms(s.points);
    expect(ih.map((x) => [x.t, x.ms, x.corrected.count])).toEqual([[0, 1000, 2], [1, 500, 1]]);
    s.clear();
    expect(s.points).toHaveLength(0);
  });
});
