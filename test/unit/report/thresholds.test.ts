import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../../src/metrics/histogram.js';
import { encodeHistogram } from '../../../src/metrics/encoded-histogram.js';
import { Recorder } from '../../../src/metrics/recorder.js';
import { buildRunResult, type RunResult } from '../../../src/metrics/run-result.js';
import { evaluateThresholds } from '../../../src/report/thresholds.js';
import { parseScenario } from '../../../src/scenario/index.js';

const env = { fastbenchVersion: '0', node: 'v', cpuModel: 'c', cores: 1 };

function thresholds(lines: string): ReturnType<typeof parseScenario>['thresholds'] {
  return parseScenario(
    `target: http://127.0.0.1:9\nload: [{ connections: 1, duration: 3s }]\nrequests: [{ name: a, path: /a }, { name: b, path: /b }]\nthresholds:\n${lines}`,
    '/tmp/t.yaml',
  ).thresholds;
}

/** 3 s: request a answers in 1 ms except during second 1 (50 ms); b always 2 ms; a 0.4 s tail. */
function result(): RunResult {
  const rec = new Recorder({ requestNames: ['a', 'b'], startMs: 0 });
  const aSeries: RunResult['requestSeries'] = { a: { series: [], intervals: [] } };
  for (let t = 0; t < 4; t++) {
    const ms = t === 3 ? 400 : 1000;
    const a = LatencyHistogram.create();
    for (let i = 0; i < 100; i++) {
      const us = t === 1 ? 50_000 : 1000;
      rec.record(0, us, us, 200, 10);
      a.record(us);
      rec.record(1, 2000, 2000, 200, 10);
    }
    rec.closeInterval(t, ms);
    aSeries.a!.series.push({ t, requests: 100, rps: 100 / (ms / 1000), errors: 0, p50: a.percentile(50) / 1000, p99: a.percentile(99) / 1000, bytes: 0, bytesOut: 0 });
    aSeries.a!.intervals.push({ t, ms, corrected: encodeHistogram(a) });
  }
  return { ...buildRunResult(rec.snapshot(3400), { scenario: 's', environment: env, durationMs: 3400 }), requestSeries: aSeries };
}

describe('thresholds', () => {
  it('judges the whole run, overall and per request', () => {
    const out = evaluateThresholds(thresholds('  - p50 < 5ms\n  - errors < 1%\n  - { check: max < 10ms, request: b }\n  - { check: p99 < 10ms, request: a }\n'), result());
    expect(out.map((o) => o.passed)).toEqual([true, true, true, false]);
    expect(out[3]!.actual).toBeCloseTo(50, 0);
    // each outcome says what it judged, with the limit and actual in its unit
    expect(out.map((o) => [o.scope, o.metric, o.op, o.unit, o.limit])).toEqual([
      ['overall', 'p50', '<', 'ms', 5], ['overall', 'errors', '<', 'ratio', 0.01], ['b', 'max', '<', 'ms', 10], ['a', 'p99', '<', 'ms', 10],
    ]);
  });

  it('judges every window of a request, its own series; a short tail window is left out', () => {
    const out = evaluateThresholds(
      thresholds('  - { check: p50 < 10ms over 1s windows, request: a }\n  - { check: p50 < 10ms over last 1s, request: a }\n  - rps > 150 over 1s windows\n'),
      result(),
    );
    expect(out[0]).toMatchObject({ passed: false, window: 'each 1s window' });
    expect(out[0]!.actual).toBeCloseTo(50, 0);
    expect(out[1]).toMatchObject({ passed: true, window: 'last 1s' });
    // 200 requests per full second (a + b); the 0.4 s tail is not counted as a second.
    expect(out[2]).toMatchObject({ passed: true });
  });

  it('fails a threshold with no data (never a silent pass)', () => {
    const r = result();
    delete r.requestSeries;
    const out = evaluateThresholds(thresholds('  - { check: p50 < 10ms over 1s windows, request: a }\n'), r);
    expect(out[0]).toMatchObject({ passed: false, actual: null });
  });

  it('windows are lengths of time, whatever the interval length (interval: 250ms)', () => {
    // 2 s in 250 ms intervals: 100 requests each; intervals 4, 5, 6 answer in 50 ms, the rest in 1 ms
    const rec = new Recorder({ requestNames: ['a'], startMs: 0 });
    for (let t = 0; t < 8; t++) {
      for (let i = 0; i < 100; i++) rec.record(0, t >= 4 && t <= 6 ? 50_000 : 1000, 1000, 200, 10);
      rec.closeInterval(t, 250);
    }
    const r = buildRunResult(rec.snapshot(2000), { scenario: 's', environment: env, durationMs: 2000 });
    const out = evaluateThresholds(thresholds('  - p50 < 10ms over last 1s\n  - p50 < 10ms over 1s windows\n  - rps >= 400 over 1s windows\n  - p50 < 10ms over last 250ms\n'), r);
    // the last second is intervals 4..7, not the last interval alone
    expect(out[0]).toMatchObject({ passed: false, window: 'last 1s' });
    expect(out[0]!.actual).toBeCloseTo(50, 0);
    expect(out[1]).toMatchObject({ passed: false, window: 'each 1s window' });
    expect(out[2]).toMatchObject({ passed: true, actual: 400 });
    expect(out[3]).toMatchObject({ passed: true, actual: 1 });
  });
});
