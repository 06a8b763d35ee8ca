// issue 17 (fleet): the pure fleet gate — intervals close when every expected shard has reported
// (or after the grace), the shards' points merge losslessly, and thresholds (windowed included) are
// judged on the merged fleet, not on any one shard.
import { describe, expect, it } from 'vitest';
import { decodeHistogram, encodeHistogram } from '../../../src/metrics/encoded-histogram.js';
import { LatencyHistogram } from '../../../src/metrics/histogram.js';
import type { RunResult } from '../../../src/metrics/run-result.js';
import type { SeriesPoint } from '../../../src/metrics/series.js';
import { FleetGate, fleetIntervalLine, fleetVerdict, type FleetReport } from '../../../src/report/fleet-gate.js';
import type { Threshold } from '../../../src/scenario/scenario.js';
import { parseThreshold } from '../../../src/scenario/thresholds.js';

function threshold(text: string, extra: Partial<Threshold> = {}): Threshold {
  const parsed = parseThreshold(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return { text, ...parsed, request: undefined, abortOnFail: true, pos: { file: 's.yaml', line: 1, column: 1 }, ...extra } as Threshold;
}

/** A shard's point: `n` requests at `us` each, `errors` of them failed. */
function point(t: number, n: number, us: number, errors = 0): SeriesPoint {
  const h = LatencyHistogram.create();
  for (let i = 0; i < n; i++) h.record(us);
  return { t, ms: 500, requests: n, responses: n - errors, errors, bytesIn: n * 10, bytesOut: n * 5, p50Us: us, p99Us: us, corrected: encodeHistogram(h), service: encodeHistogram(h) };
}

const rep = (shard: number, p: SeriesPoint, requestPoints?: Record<string, SeriesPoint>): FleetReport => ({ shard, t: p.t, point: p, ...(requestPoints ? { requestPoints } : {}) });
const all3 = (): number[] => [0, 1, 2];

describe('FleetGate', () => {
  it('closes an interval only once every expected shard has reported it, merging their histograms', () => {
    const g = new FleetGate([], { intervalMs: 500, graceMs: 10_000 });
    g.report(rep(0, point(0, 10, 1000)), 0);
    g.report(rep(1, point(0, 20, 3000)), 0);
    expect(g.close(all3, 1)).toEqual([]);
    g.report(rep(2, point(0, 30, 5000)), 2);
    const [iv] = g.close(all3, 3);
    expect(iv!.shards).toEqual([0, 1, 2]);
    expect(iv!.missing).toEqual([]);
    expect(iv!.point.requests).toBe(60);
    const h = decodeHistogram(iv!.point.corrected!);
    expect(h.count).toBe(60);
    expect(h.min).toBe(1000);
    expect(h.max).toBe(5000);
  });

  it('closes after the grace without a straggler, naming it missing; its late point is counted, not merged', () => {
    const g = new FleetGate([], { intervalMs: 500, graceMs: 1000 });
    g.report(rep(0, point(0, 10, 1000)), 0);
    g.report(rep(1, point(0, 10, 1000)), 0);
    expect(g.close(all3, 999)).toEqual([]);
    const [iv] = g.close(all3, 1000);
    expect(iv!.missing).toEqual([2]);
    g.report(rep(2, point(0, 10, 1000)), 1001);
    expect(g.late).toBe(1);
    expect(g.close(all3, 5000, true)).toEqual([]);
  });

  it('judges the merged fleet: one slow shard fails a fleet p99 that no average of shard p99s would', () => {
    const t = threshold('p99 < 10ms');
    const g = new FleetGate([t], { intervalMs: 500, graceMs: 1000 });
    // shard 2 carries 5 % of the requests at 50 ms: the fleet's p99 is 50 ms
    g.report(rep(0, point(0, 95, 1000)), 0);
    g.report(rep(1, point(0, 95, 1000)), 0);
    g.report(rep(2, point(0, 10, 50_000)), 0);
    const [iv] = g.close(all3, 1);
    expect(iv!.abort).toBe('overall: p99 < 10ms');
    expect(g.abort).toBe('overall: p99 < 10ms');
  });

  it('judges a windowed threshold when its window has closed, on the window only', () => {
    const t = threshold('errors < 10% over 1s windows');
    const g = new FleetGate([t], { intervalMs: 500, graceMs: 1000 });
    const feed = (ts: number, errors: number): ReturnType<FleetGate['close']> => {
      for (const s of [0, 1, 2]) g.report(rep(s, point(ts, 10, 1000, errors)), 0);
      return g.close(all3, 0);
    };
    // window [0,1]: 0 % errors; window [2,3]: interval 2 clean, interval 3 all failed → 50 %
    expect(feed(0, 0)[0]!.abort).toBeUndefined();
    expect(feed(1, 0)[0]!.abort).toBeUndefined();
    expect(feed(2, 0)[0]!.abort).toBeUndefined();
    const [iv] = feed(3, 10);
    expect(iv!.failing).toEqual(['overall: errors < 10% over 1s windows']);
    expect(iv!.abort).toBe('overall: errors < 10% over 1s windows');
  });

  it('a whole-run error threshold sees the earlier clean intervals too (cumulative)', () => {
    const g = new FleetGate([threshold('errors < 20%')], { intervalMs: 500, graceMs: 1000 });
    for (let ts = 0; ts < 4; ts++) for (const s of [0, 1, 2]) g.report(rep(s, point(ts, 10, 1000, 0)), 0);
    expect(g.close(all3, 0).every((iv) => iv.abort === undefined)).toBe(true);
    // 10 % errors so far after one bad interval of 4 clean ones... still passing
    for (const s of [0, 1, 2]) g.report(rep(s, point(4, 10, 1000, 5)), 0);
    expect(g.close(all3, 0)[0]!.abort).toBeUndefined();
    for (let ts = 5; ts < 8; ts++) for (const s of [0, 1, 2]) g.report(rep(s, point(ts, 10, 1000, 10)), 0);
    expect(g.close(all3, 0).at(-1)!.abort).toBe('overall: errors < 20%');
  });

  it('judges per-request thresholds on the merged request points; rps and "over last" wait for the end', () => {
    const slow = threshold('p50 < 5ms', { request: 'slow' });
    const g = new FleetGate([slow, threshold('rps > 1000000'), threshold('p99 < 1ms over last 1s')], { intervalMs: 500, graceMs: 1000 });
    g.report(rep(0, point(0, 10, 100), { slow: point(0, 5, 2000) }), 0);
    g.report(rep(1, point(0, 10, 100), { slow: point(0, 5, 9000) }), 0);
    const [iv] = g.close(() => [0, 1], 0);
    expect(iv!.requestPoints.slow!.requests).toBe(10);
    // the merged "slow" p50 is 2 ms (shard 1 alone, at 9 ms, would fail); rps and "last" wait for the end
    expect(iv!.failing).toEqual([]);
    g.report(rep(0, point(1, 10, 100), { slow: point(1, 10, 9000) }), 0);
    g.report(rep(1, point(1, 10, 100), { slow: point(1, 10, 9000) }), 0);
    expect(g.close(() => [0, 1], 0)[0]!.failing).toEqual(['slow: p50 < 5ms']);
  });

  it('a threshold without abortOnFail is reported failing but does not abort', () => {
    const g = new FleetGate([threshold('p99 < 1ms', { abortOnFail: false })], { intervalMs: 500, graceMs: 1000 });
    g.report(rep(0, point(0, 10, 5000)), 0);
    const [iv] = g.close(() => [0], 0);
    expect(iv!.failing).toEqual(['overall: p99 < 1ms']);
    expect(iv!.abort).toBeUndefined();
    expect(fleetIntervalLine(iv!, 500)).toMatch(/^fleet t=0.5s shards 1\/1 {2}10 req {2}20 rps .*FAILING overall: p99 < 1ms$/);
  });
});

describe('fleetVerdict', () => {
  const base = (over: Partial<RunResult> = {}): RunResult => ({
    thresholds: [], interrupted: false, valid: true, overall: { responses: 10 }, ...over,
  }) as unknown as RunResult;

  it('passes a clean fleet and fails on a failed threshold, an abort, a lost shard or no success', () => {
    expect(fleetVerdict(base(), { abort: undefined, lost: [], expected: 3 })).toEqual({ exit: 0, passed: true, reasons: [] });
    expect(fleetVerdict(base({ thresholds: [{ passed: false, scope: 'overall', expression: 'p99 < 1ms' }] as RunResult['thresholds'] }), { abort: undefined, lost: [], expected: 3 }).exit).toBe(1);
    expect(fleetVerdict(base(), { abort: 'overall: errors < 5%', lost: [], expected: 3 }).reasons).toEqual(['stopped by overall: errors < 5%']);
    expect(fleetVerdict(base(), { abort: undefined, lost: [{ shard: 1, lastT: 3, requests: 5 }], expected: 3 }).reasons).toEqual(['shard 1 of 3 was lost after interval 3']);
    expect(fleetVerdict(base({ overall: { responses: 0 } } as Partial<RunResult>), { abort: undefined, lost: [], expected: 1 }).exit).toBe(1);
    expect(fleetVerdict(base({ valid: false }), { abort: undefined, lost: [], expected: 1 }).exit).toBe(3);
    expect(fleetVerdict(base({ valid: false }), { abort: undefined, lost: [], expected: 1, allowInvalid: true }).exit).toBe(0);
  });
});
