// WebSocket step metrics (issue 18): recorded per session, merged losslessly across workers and
// shards, carried into RunResult and result.json, judged by ws_* thresholds — on synthetic values.
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

/** A session: connected in `connectMs`, n messages each answered in `rttMs`, back to back. */
function session(rec: Recorder, idx: number, connectMs: number, n: number, rttMs: number): void {
  const rtt = new Float64Array(n).fill(rttMs * 1000);
  rec.recordWs(idx, connectMs * 1000, rtt, n, n, n * rttMs * 1000);
}

function result(recs: Recorder[]) {
  return buildRunResult(mergeSnapshots(recs.map((r) => r.snapshot(START + 1000))), { scenario: 's', environment: TEST_ENV, durationMs: 1000 });
}

describe('ws histograms', () => {
  it('records connect, each round trip and the session rate, per step and overall', () => {
    const rec = new Recorder({ requestNames: ['chat', 'plain'], startMs: START });
    session(rec, 0, 4, 10, 2); // 10 replies in 20 ms: 500/s
    rec.record(1, 1000, 1000, 200, 10);
    const r = result([rec]);
    const w = r.requests[0]!.ws!;
    expect([w.sessions, w.sent, w.received, w.rttMs.count]).toEqual([1, 10, 10, 10]);
    expect(w.connectMs.p50).toBeCloseTo(4, 1);
    expect(w.rttMs.max).toBeCloseTo(2, 1);
    expect(w.messagesPerSecond.p50).toBeCloseTo(500, -1);
    expect(r.requests[1]!.ws).toBeUndefined();
    expect(r.overall.ws!.sessions).toBe(1);
    expect(Object.keys(r.histograms.ws!.requests)).toEqual(['chat']);
    expect(renderText(r)).toMatch(/chat \(1 sessions, 10 sent, 10 replies\)\s+ws_connect/);
  });

  it('a session that never connected counts its sends only; merges add up; reset clears', () => {
    const a = new Recorder({ requestNames: ['s'], startMs: START });
    const b = new Recorder({ requestNames: ['s'], startMs: START });
    a.recordWs(0, -1, new Float64Array(0), 0, 0, 0);
    session(a, 0, 1, 2, 1);
    session(b, 0, 9, 3, 5);
    const w = result([a, b]).requests[0]!.ws!;
    expect([w.sessions, w.sent, w.received, w.connectMs.count, w.rttMs.count]).toEqual([2, 5, 5, 2, 5]);
    expect(w.connectMs.max).toBeCloseTo(9, 1);
    const shards = mergeRunResults([result([a]), result([b])]).result;
    expect(shards.requests[0]!.ws).toMatchObject({ sessions: 2, sent: 5, received: 5 });
    expect(shards.overall.ws!.rttMs.count).toBe(5);
    a.reset(START);
    expect(result([a]).requests[0]!.ws).toBeUndefined();
  });

  it('thresholds judge ws_connect, ws_rtt and ws_messages/s; result.json matches the schema', () => {
    const rec = new Recorder({ requestNames: ['chat'], startMs: START });
    for (let k = 0; k < 20; k++) session(rec, 0, 3, 5, 2);
    const r = result([rec]);
    const judge = (text: string, request?: string) => evaluateThreshold(thresholdOf(text, request), r);
    expect(judge('ws_connect p99 < 100ms', 'chat')).toMatchObject({ passed: true, unit: 'ms', metric: 'ws_connect p99' });
    expect(judge('ws_connect p50 < 1ms', 'chat').passed).toBe(false);
    expect(judge('ws_rtt max < 10ms')).toMatchObject({ passed: true, scope: 'overall' });
    expect(judge('ws_rtt p50 < 1ms').passed).toBe(false);
    const rate = judge('ws_messages/s > 100', 'chat');
    expect(rate).toMatchObject({ passed: true, unit: 'per_s', metric: 'ws_messages/s p50' });
    expect(rate.actual!).toBeCloseTo(500, -1);
    expect(judge('ws_messages/s > 1000').passed).toBe(false);
    r.thresholds = [rate, judge('ws_rtt max < 10ms')];
    const doc = JSON.parse(renderJson(r)) as Record<string, any>;
    expect(checkRunResult(doc)).toEqual([]);
    expect(Object.keys(doc.requests[0].ws)).toEqual(['sessions', 'sent', 'received', 'connectMs', 'rttMs', 'messagesPerSecond']);
    expect(Object.keys(doc.histograms)).toEqual(['overall', 'requests', 'intervals', 'ws']);
  });

  it('a ws threshold with no ws data fails (never a silent pass)', () => {
    const rec = new Recorder({ requestNames: ['plain'], startMs: START });
    rec.record(0, 1000, 1000, 200, 10);
    expect(evaluateThreshold(thresholdOf('ws_rtt p99 < 1s'), result([rec]))).toMatchObject({ passed: false, actual: null });
  });
});
