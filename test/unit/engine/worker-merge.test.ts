// Workers record into their own Recorders; the merged result must equal what one Recorder would
// have built from the same samples (lossless HDR merge), overall, per request and per second.
import { describe, expect, it } from 'vitest';
import { mergeSnapshots } from '../../../src/metrics/merge.js';
import { Recorder } from '../../../src/metrics/recorder.js';
import { buildRunResult } from '../../../src/metrics/run-result.js';
import { errorId } from '../../../src/core/errors.js';

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('merged worker recorders', () => {
  it('equal a single recorder fed the same samples', () => {
    const names = ['a', 'b', 'c'];
    const workers = [0, 1, 2].map(() => new Recorder({ requestNames: names, startMs: 1000 }));
    const single = new Recorder({ requestNames: names, startMs: 1000 });
    const r = rng(42);
    const timeout = errorId('ERR_TIMEOUT_TOTAL');
    for (let second = 0; second < 3; second++) {
      for (let i = 0; i < 3000; i++) {
        const req = Math.floor(r() * 3);
        const corrected = Math.floor(Math.exp(r() * 14)) + 1; // 1 µs .. ~1 s, log-spread
        const service = Math.max(1, Math.floor(corrected * r()));
        const w = workers[i % 3]!; // arrivals dealt out as the open model does
        if (r() < 0.01) {
          w.recordError(req, timeout, corrected);
          single.recordError(req, timeout, corrected);
        } else {
          const status = r() < 0.9 ? 200 : 503;
          w.record(req, corrected, service, status, 100, 50);
          single.record(req, corrected, service, status, 100, 50);
        }
      }
      for (const w of workers) w.closeInterval(second);
      single.closeInterval(second);
    }
    const merged = mergeSnapshots(workers.map((w) => w.snapshot(4000)));
    const one = single.snapshot(4000);
    expect(merged.parts).toBe(3);
    const meta = { scenario: 'x', environment: { fastbenchVersion: '0', node: 'v', cpuModel: 'c', cores: 1 }, durationMs: 3000 };
    const a = buildRunResult(merged, meta);
    const b = buildRunResult(one, meta);
    expect(a.overall).toEqual(b.overall);
    expect(a.requests).toEqual(b.requests);
    expect(a.summary).toEqual(b.summary);
    expect(a.series).toEqual(b.series);
    expect(a.histograms.overall).toEqual(b.histograms.overall);
  });
});
