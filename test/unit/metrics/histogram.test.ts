import { describe, expect, it } from 'vitest';
import hdr from 'hdr-histogram-js';
import { FAST_RECORD_PATH, HIGHEST_US, LatencyHistogram } from '../../../src/metrics/histogram.js';
import { PERCENTILES, latencies } from './random.js';

function filled(values: readonly number[]): LatencyHistogram {
  const h = LatencyHistogram.create();
  for (const v of values) h.record(v);
  return h;
}

/** The sample a percentile refers to, computed the brute-force way from a sorted copy. */
function bruteForce(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length - 1e-9));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

describe('LatencyHistogram', () => {
  it('uses the clz32 fast path and it matches the library byte for byte', () => {
    expect(FAST_RECORD_PATH).toBe(true);
    const lib = hdr.build({
      bitBucketSize: 64, autoResize: false, lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US,
      numberOfSignificantValueDigits: 3,
    });
    const values = [1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 65_535, 1_000_000, 2 ** 31 - 1, 2 ** 31, HIGHEST_US, ...latencies(20_000, 7, HIGHEST_US)];
    const ours = filled(values);
    for (const v of values) lib.recordValue(v);
    expect(ours.encode()).toBe(hdr.encodeIntoCompressedBase64(lib));
    expect(ours.count).toBe(lib.totalCount);
    expect(ours.max).toBe(lib.maxValue);
    expect(ours.min).toBe(lib.minNonZeroValue);
    const capped = (p: number): number => Math.max(lib.minNonZeroValue, Math.min(lib.maxValue, lib.getValueAtPercentile(p)));
    for (const p of PERCENTILES) expect(ours.percentile(p)).toBe(capped(p));
  });

  it('keeps percentiles within the recorded min and max', () => {
    const h = filled([5000, 1001]);
    expect(h.raw.getValueAtPercentile(100)).toBeGreaterThan(5000);
    expect(h.percentile(100)).toBe(5000);
    expect(h.percentile(99.999)).toBe(5000);
    expect(h.percentile(0)).toBe(1001);
    expect(h.percentile(50)).toBe(h.raw.getValueAtPercentile(50));
  });

  it('matches brute-force percentiles within 3 significant digits', () => {
    const values = latencies(100_000, 42);
    const h = filled(values);
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of PERCENTILES) {
      const exact = bruteForce(sorted, p);
      const got = h.percentile(p);
      if (p === 0) {
        expect(got).toBe(exact); // min is exact
      } else {
        expect(got).toBeGreaterThanOrEqual(exact);
        expect(got - exact).toBeLessThanOrEqual(exact / 1000);
      }
    }
    expect(h.count).toBe(values.length);
    expect(h.min).toBe(sorted[0]);
    expect(h.max).toBe(sorted[sorted.length - 1]);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(Math.abs(h.mean - mean)).toBeLessThanOrEqual(mean / 1000);
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
    expect(Math.abs(h.stdev - sd)).toBeLessThanOrEqual(sd / 500);
  });

  it('encodes and decodes losslessly', () => {
    const values = latencies(50_000, 3, 60_000_000);
    const h = filled(values);
    const encoded = h.encode();
    expect(typeof encoded).toBe('string');
    const back = LatencyHistogram.decode(encoded, h.extremes());
    expect(back.count).toBe(h.count);
    for (let p = 0; p <= 100; p += 0.5) expect(back.percentile(p)).toBe(h.percentile(p));
    for (const p of PERCENTILES) expect(back.percentile(p)).toBe(h.percentile(p));
    expect(back.min).toBe(h.min);
    expect(back.max).toBe(h.max);
    expect(back.mean).toBe(h.mean);
    expect(back.stdev).toBe(h.stdev);
    expect(back.encode()).toBe(encoded);
    // Without the exact extremes min/max come back as the bucket bounds around them.
    const loose = LatencyHistogram.decode(encoded);
    expect(loose.min).toBeLessThanOrEqual(h.min);
    expect(loose.max).toBeGreaterThanOrEqual(h.max);
    expect(loose.max - h.max).toBeLessThanOrEqual(h.max / 1000);
    // Records after decoding still go to the right buckets.
    back.record(1234);
    h.record(1234);
    expect(back.encode()).toBe(h.encode());
  });

  it('decodes an empty histogram', () => {
    const e = LatencyHistogram.create();
    const back = LatencyHistogram.decode(e.encode(), e.extremes());
    expect(back.count).toBe(0);
    expect(back.min).toBe(0);
    expect(back.max).toBe(0);
    expect(back.percentile(99)).toBe(0);
    expect(back.percentileDistribution()).toEqual([]);
  });

  it('re-buckets histograms encoded with another configuration', () => {
    const foreign = hdr.build({ bitBucketSize: 32, lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000, numberOfSignificantValueDigits: 3 });
    const values = latencies(5000, 11, 9_000_000);
    for (const v of values) foreign.recordValue(v);
    const back = LatencyHistogram.decode(hdr.encodeIntoCompressedBase64(foreign));
    expect(back.count).toBe(values.length);
    for (const p of PERCENTILES.filter((x) => x > 0 && x < 100)) expect(back.percentile(p)).toBe(foreign.getValueAtPercentile(p));
  });

  it('clamps out-of-range samples instead of throwing', () => {
    const h = LatencyHistogram.create();
    h.record(0);
    h.record(-5);
    h.record(Number.NaN);
    h.record(HIGHEST_US * 10);
    h.record(12.9);
    expect(h.count).toBe(5);
    expect(h.min).toBe(1);
    expect(h.percentile(50)).toBe(1);
    expect(h.max).toBe(HIGHEST_US);
    expect(h.percentile(100)).toBeGreaterThanOrEqual(HIGHEST_US);
    const t = LatencyHistogram.create();
    t.record(12.9);
    expect(t.max).toBe(12);
  });

  it('adds histograms losslessly and resets', () => {
    const all = latencies(30_000, 5);
    const whole = filled(all);
    const a = filled(all.slice(0, 10_000));
    const b = filled(all.slice(10_000));
    const sum = LatencyHistogram.create().add(a).add(b).add(LatencyHistogram.create());
    expect(sum.encode()).toBe(whole.encode());
    expect(sum.min).toBe(whole.min);
    expect(sum.max).toBe(whole.max);
    const c = sum.clone();
    sum.reset();
    expect(sum.count).toBe(0);
    expect(sum.max).toBe(0);
    expect(c.count).toBe(all.length);
    sum.record(77);
    expect(sum.min).toBe(77);
    expect(sum.max).toBe(77);
  });

  it('walks the percentile distribution like outputPercentileDistribution', () => {
    const h = filled(latencies(20_000, 9));
    const points = h.percentileDistribution(5);
    expect(points[0]?.percentile).toBe(0);
    expect(points.slice(0, 4).map((p) => p.percentile)).toEqual([0, 10, 20, 30]);
    const last = points[points.length - 1];
    expect(last?.percentile).toBe(100);
    expect(last?.totalCount).toBe(h.count);
    expect(last?.inverse).toBe(Infinity);
    for (let i = 1; i < points.length; i++) {
      expect((points[i] as { valueUs: number }).valueUs).toBeGreaterThanOrEqual((points[i - 1] as { valueUs: number }).valueUs);
    }
    // Same rows as the library's text output (value column, 3 decimals).
    const text = h.raw.outputPercentileDistribution(5, 1);
    const rows = text.split('\n').filter((l) => /^\s+\d/.test(l)).map((l) => l.trim().split(/\s+/));
    expect(rows.length).toBe(points.length);
    rows.forEach((r, i) => {
      expect(Number(r[0])).toBe(points[i]?.valueUs);
      expect(Number(r[2])).toBe(points[i]?.totalCount);
    });
    const halves = h.percentileDistribution(1).map((p) => p.percentile);
    expect(halves.slice(0, 4)).toEqual([0, 50, 75, 87.5]);
  });
});
