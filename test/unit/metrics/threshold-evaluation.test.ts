import { describe, expect, it } from 'vitest';
import { errorId } from '../../../src/core/errors.js';
import { LatencyHistogram } from '../../../src/metrics/histogram.js';
import { mergeSnapshots } from '../../../src/metrics/merge.js';
import { Recorder } from '../../../src/metrics/recorder.js';
import { buildRunResult } from '../../../src/metrics/run-result.js';
import { measureThreshold, thresholdPasses, ThresholdTally } from '../../../src/metrics/threshold-evaluation.js';
import { ThresholdWatch } from '../../../src/engine/threshold-watch.js';
import type { IntervalTick } from '../../../src/engine/loop-types.js';
import { evaluateThreshold } from '../../../src/report/thresholds.js';
import { TEST_ENV, latencySampler, rng, thresholdOf } from '../../fixtures/report/make-result.js';

const START = Date.UTC(2026, 0, 1);

/** Two workers' recorders fed random samples for 5 intervals; the ticks the engine would see. */
function twoWorkers() {
  const recs = [0, 1].map(() => new Recorder({ requestNames: ['x'], startMs: START }));
  const lat = latencySampler(7, 2000, 0.8);
  const pick = rng(3);
  const ticks: IntervalTick[][] = [];
  for (let t = 0; t < 5; t++) {
    for (let k = 0; k < 300; k++) {
      const rec = recs[Math.floor(pick() * 2)]!;
      const us = lat();
      if (pick() < 0.02) rec.recordError(0, errorId('ERR_CONN_RESET'), us);
      else rec.record(0, us, us, 200, 100, 50);
    }
    ticks.push(recs.map((r) => {
      const point = r.closeInterval(t, 1000);
      return { point, ms: 1000, phase: 0, warmup: false, requestPoints: undefined, completed: point.requests, errors: point.errors };
    }));
  }
  const result = buildRunResult(mergeSnapshots(recs.map((r) => r.snapshot(START + 5000))), { scenario: 's', environment: TEST_ENV, durationMs: 5000 });
  return { ticks, result };
}

const EXPRESSIONS = ['p50 < 2ms', 'p99 < 20ms', 'p99.9 <= 1s', 'max < 10ms', 'min > 0.5ms', 'mean < 3ms', 'stddev < 1ms', 'errors < 1%', 'errors < 5%'];

describe('one threshold evaluator, live and after the run', () => {
  it('the live tally of the workers\' interval points and the finished result give the same actual and verdict', () => {
    const { ticks, result } = twoWorkers();
    for (const text of EXPRESSIONS) {
      const t = { ...thresholdOf(text), abortOnFail: true };
      const tally = new ThresholdTally();
      for (const perWorker of ticks) for (const tick of perWorker) tally.add(tick.point!);
      const live = measureThreshold(t, tally.sample());
      const after = evaluateThreshold(t, result);
      expect(live, text).not.toBeNull();
      expect(live, text).toBe(after.actual);
      expect(thresholdPasses(t, live!), text).toBe(after.passed);
      // the engine's watch stops the run exactly when the report would fail the gate
      const watch = new ThresholdWatch([t]);
      const fired = ticks.map((perWorker) => watch.onTicks(perWorker)).find((x) => x !== undefined);
      if (after.passed) expect(fired, text).toBeUndefined();
      else expect(fired, text).toBe(`overall: ${t.metric} ${t.op} ${text.split(/[<>]=?/)[1]!.trim()}`);
    }
    // the set is not trivial: some gates pass, some fail
    const verdicts = EXPRESSIONS.map((text) => evaluateThreshold(thresholdOf(text), result).passed);
    expect(verdicts).toContain(true);
    expect(verdicts).toContain(false);
  });

  it('measures each kind of stretch in its unit; no data is null, never a pass', () => {
    const h = LatencyHistogram.create();
    for (const us of [1000, 2000, 3000, 4000]) h.record(us);
    const sample = { requests: 200, errors: 3, seconds: 4, latency: h };
    expect(measureThreshold(thresholdOf('max < 5ms'), sample)).toBeCloseTo(4, 1);
    expect(measureThreshold(thresholdOf('errors < 1%'), sample)).toBe(0.015);
    expect(measureThreshold(thresholdOf('rps > 10'), sample)).toBe(50);
    expect(measureThreshold(thresholdOf('p99 < 5ms'), { requests: 0, errors: 0, seconds: 1, latency: LatencyHistogram.create() })).toBeNull();
    expect(measureThreshold(thresholdOf('errors < 1%'), { requests: 0, errors: 0, seconds: 1, latency: undefined })).toBeNull();
    expect(measureThreshold(thresholdOf('rps > 1'), { requests: 5, errors: 0, seconds: 0, latency: undefined })).toBeNull();
  });

  it('compares with each operator, the limit itself included or not', () => {
    expect(thresholdPasses({ op: '<', value: 50 }, 49.9)).toBe(true);
    expect(thresholdPasses({ op: '<', value: 50 }, 50)).toBe(false);
    expect(thresholdPasses({ op: '<=', value: 50 }, 50)).toBe(true);
    expect(thresholdPasses({ op: '>', value: 1000 }, 1000)).toBe(false);
    expect(thresholdPasses({ op: '>=', value: 1000 }, 1000)).toBe(true);
  });
});
