import { describe, expect, it } from 'vitest';
import { errorId } from '../../../src/core/errors.js';
import { Recorder } from '../../../src/metrics/recorder.js';
import { decodeHistogram } from '../../../src/metrics/encoded-histogram.js';
import { addSparseCounts, sparseCounts } from '../../../src/metrics/snapshot.js';
import { latencies } from './random.js';

function sample(): Recorder {
  const r = new Recorder({ requestNames: ['get', 'post'], startMs: 1_700_000_000_000, seriesHistograms: 'both' });
  const lat = latencies(2000, 21);
  lat.forEach((us, i) => {
    if (i % 50 === 0) r.recordError(i % 2, errorId('ERR_TIMEOUT_TOTAL'), us);
    else r.record(i % 2, us, Math.max(1, us - 100), i % 7 === 0 ? 500 : 200, 300, 120);
    if (i % 500 === 499) r.closeInterval((i + 1) / 500 - 1);
  });
  return r;
}

describe('Snapshot', () => {
  it('is plain data that survives JSON and structuredClone unchanged', () => {
    const snap = sample().snapshot(1_700_000_004_000);
    expect(snap.version).toBe(1);
    expect(snap.parts).toBe(1);
    expect(snap.startMs).toBe(1_700_000_000_000);
    expect(snap.endMs).toBe(1_700_000_004_000);
    expect(snap.requests.map((s) => s.name)).toEqual(['get', 'post']);
    expect(snap.series).toHaveLength(4);
    const json = JSON.parse(JSON.stringify(snap)) as typeof snap;
    expect(json).toEqual(snap);
    expect(structuredClone(snap)).toEqual(snap);
  });

  it('carries counters and histograms of the recorder', () => {
    const r = sample();
    const snap = r.snapshot();
    expect(snap.overall.requests).toBe(2000);
    expect(snap.overall.errors).toBe(40);
    expect(snap.overall.responses).toBe(1960);
    expect(snap.overall.bytesIn).toBe(1960 * 300);
    expect(snap.overall.errorCounts).toEqual([[errorId('ERR_TIMEOUT_TOTAL'), 40]]);
    const st = Object.fromEntries(snap.overall.statusCounts);
    expect(st[200]! + st[500]!).toBe(1960);
    const h = decodeHistogram(snap.overall.corrected);
    expect(h.encode()).toBe(r.overall.corrected.encode());
    expect(h.min).toBe(r.overall.corrected.min);
    expect(h.max).toBe(r.overall.corrected.max);
    expect(snap.overall.corrected.count).toBe(2000);
    expect(snap.overall.service.count).toBe(1960);
  });

  it('sparse counter helpers', () => {
    expect(sparseCounts(new Uint32Array([0, 2, 0, 5]))).toEqual([[1, 2], [3, 5]]);
    expect(addSparseCounts([[[3, 1], [1, 2]], [[1, 1], [7, 4]], []])).toEqual([[1, 3], [3, 1], [7, 4]]);
  });
});
