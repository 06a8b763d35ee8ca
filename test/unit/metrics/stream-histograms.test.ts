// Streamed-response metrics (issue 18): recorded per stream, merged losslessly across workers,
// carried into RunResult, and judged by thresholds — on synthetic arrivals with known values.
import { describe, expect, it } from 'vitest';
import { mergeSnapshots } from '../../../src/metrics/merge.js';
import { Recorder } from '../../../src/metrics/recorder.js';
import { buildRunResult } from '../../../src/metrics/run-result.js';
import { evaluateThreshold } from '../../../src/report/thresholds.js';
import { renderText } from '../../../src/report/text-report.js';
import { renderJson } from '../../../src/report/json-report.js';
import { checkRunResult } from '../../../src/report/result-file.js';
import { mergeRunResults } from '../../../src/report/merge.js';
import { TEST_ENV, thresholdOf } from '../../fixtures/report/make-result.js';

const START = Date.UTC(2026, 0, 1);

/** Arrival instants (ms): first at `first`, then every `gap`. */
function arrivals(n: number, first: number, gap: number): Float64Array {
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = first + i * gap;
  return t;
}

/** Records a stream scheduled at 0: first byte at 2 ms, n events from `first` every `gap`, end 1 ms after the last. */
function stream(rec: Recorder, idx: number, n: number, first: number, gap: number): void {
  const t = arrivals(n, first, gap);
  const last = t[n - 1]!;
  rec.recordStream(idx, 2000, first * 1000, (last + 1 - first) * 1000, n, t, n, last);
}

function result(recs: Recorder[]) {
  return buildRunResult(mergeSnapshots(recs.map((r) => r.snapshot(START + 1000))), { scenario: 's', environment: TEST_ENV, durationMs: 1000 });
}

describe('stream histograms', () => {
  it('records ttfb, first event, every gap, duration and the per-stream rate, per request and overall', () => {
    const rec = new Recorder({ requestNames: ['tokens', 'plain'], startMs: START });
    stream(rec, 0, 11, 50, 10); // 10 gaps of 10 ms: 100 events/s
    rec.record(1, 1000, 1000, 200, 10); // a request without stream: no stream figures
    const r = result([rec]);
    const st = r.requests[0]!.stream!;
    expect([st.streams, st.events]).toEqual([1, 11]);
    expect(st.ttfbMs.p50).toBeCloseTo(2, 1);
    expect(st.firstEventMs.p50).toBeCloseTo(50, 0);
    expect(st.gapMs.count).toBe(10);
    expect(st.gapMs.min).toBeCloseTo(10, 1);
    expect(st.gapMs.max).toBeCloseTo(10, 1);
    expect(st.durationMs.max).toBeCloseTo(101, 0);
    expect(st.eventsPerSecond.p50).toBeCloseTo(100, 0);
    expect(r.requests[1]!.stream).toBeUndefined();
    expect(r.overall.stream!.streams).toBe(1);
    expect(Object.keys(r.histograms.stream!.requests)).toEqual(['tokens']);
    expect(renderText(r)).toMatch(/tokens \(1 streams, 11 events\)\s+ttfb/);
  });

  it('merges workers losslessly and resets with the recorder (warmup)', () => {
    const a = new Recorder({ requestNames: ['s'], startMs: START });
    const b = new Recorder({ requestNames: ['s'], startMs: START });
    stream(a, 0, 3, 20, 5);
    stream(b, 0, 5, 40, 30);
    const st = result([a, b]).requests[0]!.stream!;
    expect([st.streams, st.events, st.gapMs.count]).toEqual([2, 8, 6]);
    expect(st.gapMs.min).toBeCloseTo(5, 1);
    expect(st.gapMs.max).toBeCloseTo(30, 0);
    expect(st.firstEventMs.max).toBeCloseTo(40, 0);
    // merging two shards' result files keeps them too
    const shards = mergeRunResults([result([a]), result([b])]).result;
    expect(shards.requests[0]!.stream).toMatchObject({ streams: 2, events: 8 });
    expect(shards.requests[0]!.stream!.gapMs.count).toBe(6);
    expect(shards.overall.stream!.streams).toBe(2);
    a.reset(START);
    expect(result([a]).requests[0]!.stream).toBeUndefined();
  });

  it('a stream that sent no chunk counts, with its ttfb only; one event gives no gap and no rate', () => {
    const rec = new Recorder({ requestNames: ['s'], startMs: START });
    rec.recordStream(0, 3000, -1, 0, 0, new Float64Array(0), 0, 0);
    stream(rec, 0, 1, 10, 0);
    const st = result([rec]).requests[0]!.stream!;
    expect([st.streams, st.events, st.ttfbMs.count, st.firstEventMs.count, st.gapMs.count, st.eventsPerSecond.count]).toEqual([2, 1, 2, 1, 0, 0]);
  });

  it('thresholds judge the stream metrics: pass with generous limits, fail with impossible ones', () => {
    const rec = new Recorder({ requestNames: ['tokens'], startMs: START });
    for (let k = 0; k < 20; k++) stream(rec, 0, 11, 50 + k, 10);
    const r = result([rec]);
    const judge = (text: string, request?: string) => evaluateThreshold(thresholdOf(text, request), r);
    expect(judge('ttfb p99 < 300ms', 'tokens')).toMatchObject({ passed: true, unit: 'ms', metric: 'ttfb p99' });
    expect(judge('first_token p99 < 1s', 'tokens')).toMatchObject({ passed: true, metric: 'first_event p99' });
    expect(judge('first_event p50 < 1ms', 'tokens').passed).toBe(false);
    expect(judge('gap p99 < 50ms')).toMatchObject({ passed: true, scope: 'overall' });
    expect(judge('gap max < 5ms').passed).toBe(false);
    const rate = judge('events/s > 20', 'tokens');
    expect(rate).toMatchObject({ passed: true, unit: 'per_s', metric: 'events/s p50' });
    expect(rate.actual!).toBeCloseTo(100, 0);
    expect(judge('events/s > 1000').passed).toBe(false);
    expect(judge('stream_duration p99 < 2s').passed).toBe(true);
    // result.json with stream stats, stream histograms and a per_s outcome matches schema/result.schema.json
    r.thresholds = [rate, judge('gap p99 < 50ms')];
    const doc = JSON.parse(renderJson(r)) as Record<string, any>;
    expect(checkRunResult(doc)).toEqual([]);
    expect(Object.keys(doc.requests[0].stream)).toEqual(['streams', 'events', 'ttfbMs', 'firstEventMs', 'gapMs', 'durationMs', 'eventsPerSecond']);
    expect(Object.keys(doc.histograms)).toEqual(['overall', 'requests', 'intervals', 'stream']);
  });

  it('a stream threshold with no streamed data fails (never a silent pass)', () => {
    const rec = new Recorder({ requestNames: ['plain'], startMs: START });
    rec.record(0, 1000, 1000, 200, 10);
    const o = evaluateThreshold(thresholdOf('ttfb p99 < 1s'), result([rec]));
    expect(o).toMatchObject({ passed: false, actual: null });
  });
});
