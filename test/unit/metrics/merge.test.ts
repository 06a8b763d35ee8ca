import { describe, expect, it } from 'vitest';
import { errorId } from '../../../src/core/errors.js';
import { Recorder } from '../../../src/metrics/recorder.js';
import { mergeSnapshots } from '../../../src/metrics/merge.js';
import { decodeHistogram } from '../../../src/metrics/encoded-histogram.js';
import type { Snapshot } from '../../../src/metrics/snapshot.js';
import { rng } from './random.js';

const NAMES = ['a', 'b', 'c'];

interface Sample { req: number; corrected: number; service: number; status: number; bytes: number; error: number; second: number }

function samples(n: number): Sample[] {
  const r = rng(1234);
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const service = Math.max(1, Math.round(Math.exp(r() * Math.log(20_000_000))));
    const corrected = service + Math.round(r() * r() * 1_000_000);
    out.push({
      req: Math.floor(r() * NAMES.length),
      corrected,
      service,
      status: [200, 200, 200, 201, 404, 500][Math.floor(r() * 6)] as number,
      bytes: Math.floor(r() * 5000),
      error: r() < 0.03 ? errorId(r() < 0.5 ? 'ERR_TIMEOUT_HEADERS' : 'ERR_CONN_RESET') : 0,
      second: Math.floor((i / n) * 5),
    });
  }
  return out;
}

function feed(rec: Recorder, list: readonly Sample[]): void {
  let second = 0;
  for (const s of list) {
    while (s.second > second) rec.closeInterval(second++);
    if (s.error !== 0) rec.recordError(s.req, s.error, s.corrected);
    else rec.record(s.req, s.corrected, s.service, s.status, s.bytes, 64);
  }
  while (second < 5) rec.closeInterval(second++);
}

const POINTS = Array.from({ length: 1001 }, (_, i) => i / 10).concat([99.95, 99.99, 99.995, 99.999, 99.9999]);

function expectSameHistogram(a: Snapshot['overall']['corrected'], b: Snapshot['overall']['corrected']): void {
  const ha = decodeHistogram(a);
  const hb = decodeHistogram(b);
  expect(ha.count).toBe(hb.count);
  expect(ha.min).toBe(hb.min);
  expect(ha.max).toBe(hb.max);
  for (const p of POINTS) expect(ha.percentile(p)).toBe(hb.percentile(p));
  expect(ha.encode()).toBe(hb.encode());
}

describe('mergeSnapshots', () => {
  it('is lossless: 3 recorders merged equal one recorder that saw every sample', () => {
    const all = samples(60_000);
    const single = new Recorder({ requestNames: NAMES, startMs: 100, seriesHistograms: 'both' });
    feed(single, all);
    const parts = [0, 1, 2].map((k) => {
      const rec = new Recorder({ requestNames: NAMES, startMs: 100 + k, seriesHistograms: 'both' });
      feed(rec, all.filter((_, i) => i % 3 === k));
      return rec.snapshot(900 + k);
    });
    // Through JSON, as a shard file would be.
    const merged = mergeSnapshots(parts.map((p) => JSON.parse(JSON.stringify(p)) as Snapshot));
    const whole = single.snapshot(902);

    expect(merged.parts).toBe(3);
    expect(merged.startMs).toBe(100);
    expect(merged.endMs).toBe(902);
    for (const key of ['requests', 'responses', 'errors', 'bytesIn', 'bytesOut', 'statusCounts', 'errorCounts'] as const) {
      expect(merged.overall[key]).toEqual(whole.overall[key]);
    }
    expectSameHistogram(merged.overall.corrected, whole.overall.corrected);
    expectSameHistogram(merged.overall.service, whole.overall.service);
    expect(merged.requests.map((r) => r.name)).toEqual(NAMES);
    merged.requests.forEach((r, i) => {
      const w = whole.requests[i]!;
      expect(r.requests).toBe(w.requests);
      expect(r.statusCounts).toEqual(w.statusCounts);
      expect(r.errorCounts).toEqual(w.errorCounts);
      expectSameHistogram(r.corrected, w.corrected);
      expectSameHistogram(r.service, w.service);
    });
    expect(merged.series.map((p) => p.t)).toEqual([0, 1, 2, 3, 4]);
    merged.series.forEach((p, i) => {
      const w = whole.series[i]!;
      expect(p.requests).toBe(w.requests);
      expect(p.errors).toBe(w.errors);
      expect(p.bytesIn).toBe(w.bytesIn);
      expect(p.p50Us).toBe(w.p50Us);
      expect(p.p99Us).toBe(w.p99Us);
      expectSameHistogram(p.corrected!, w.corrected!);
      expectSameHistogram(p.service!, w.service!);
    });
    // Merging is associative: ((a+b)+c) == (a+b+c).
    const nested = mergeSnapshots([mergeSnapshots(parts.slice(0, 2)), parts[2]!]);
    expect(nested.overall.corrected).toEqual(merged.overall.corrected);
    expect(nested.parts).toBe(3);
  });

  it('matches request slots by name and aligns series by second', () => {
    const x = new Recorder({ requestNames: ['a', 'b'], startMs: 0 });
    const y = new Recorder({ requestNames: ['b', 'c'], startMs: 0 });
    x.record(0, 10, 10, 200, 1);
    x.record(1, 20, 20, 200, 1);
    x.closeInterval(0);
    y.record(0, 30, 30, 200, 1);
    y.closeInterval(0);
    y.record(1, 40, 40, 200, 1);
    y.closeInterval(1, 500);
    const m = mergeSnapshots([x.snapshot(10), y.snapshot(20)]);
    expect(m.requests.map((r) => [r.name, r.requests])).toEqual([['a', 1], ['b', 2], ['c', 1]]);
    expect(m.series.map((p) => [p.t, p.requests, p.ms])).toEqual([[0, 3, 1000], [1, 1, 500]]);
    expect(m.series[0]!.p99Us).toBe(30);
    expect(m.overall.requests).toBe(4);
  });

  it('rejects an empty list and unknown versions', () => {
    expect(() => mergeSnapshots([])).toThrow(RangeError);
    const s = new Recorder({ requestNames: ['a'] }).snapshot();
    expect(() => mergeSnapshots([{ ...s, version: 2 as 1 }])).toThrow(/version/);
  });
});
