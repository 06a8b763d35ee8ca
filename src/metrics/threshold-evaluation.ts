// The one threshold evaluator. scenario/thresholds.ts parses `p99 < 5ms over 10s windows` into a
// rule; this file measures and judges it, for every caller:
//   - the engine's live watch (engine/threshold-watch.ts): a ThresholdTally adds up the interval
//     points seen so far, then measureThreshold + thresholdPasses;
//   - the reports and merge (report/thresholds.ts): judgeThreshold on a finished RunResult —
//     over the whole run, over every window of a length, or over the last stretch.
// Both paths read a stretch of measurement the same way (measureThreshold on a ThresholdSample),
// so the same data gives the same verdict and the same `actual` live and after the run.
//
// Units: latency in ms (µs precision, as RunResult), errors as a ratio of requests, rps per second.
// A stretch without data measures null, and a threshold gate fails on it (never a silent pass).
import { decodeHistogram, mergeEncodedHistograms } from './encoded-histogram.js';
import { LatencyHistogram } from './histogram.js';
import { intervalLengthOf } from './intervals.js';
import type { RequestSeriesData, RunResult } from './run-result.js';
import type { IntervalHistogram, SeriesPoint } from './series.js';
import { streamHistogramOf, type StreamMetric } from './stream-histograms.js';
import { wsHistogramOf, type WsMetric } from './ws-histograms.js';

export type ThresholdComparison = '<' | '<=' | '>' | '>=';

/** What evaluation needs of a threshold; scenario's Threshold has this shape. */
export interface ThresholdRule {
  readonly kind: 'latency' | 'errors' | 'rps' | 'stream';
  /** 'p99', 'min', 'max', 'mean', 'stddev', 'errors' or 'rps'; 'ttfb p99' etc. for kind 'stream'. */
  readonly metric: string;
  /** kind 'stream' (issue 18): which stream histogram, and the statistic read from it. */
  readonly stream?: StreamMetric | WsMetric;
  readonly stat?: string;
  readonly percentile: number | undefined;
  readonly op: ThresholdComparison;
  /** The limit: ms, a ratio, or requests per second. */
  readonly value: number;
  readonly window: { readonly kind: 'each' | 'last'; readonly ms: number } | undefined;
  /** A request name; undefined = overall. */
  readonly request: string | undefined;
}

/** One stretch of measurement: its counts, its length and its corrected latencies (µs). */
export interface ThresholdSample {
  requests: number;
  errors: number;
  seconds: number;
  latency: LatencyHistogram | undefined;
}

/** The verdict on a finished run: `actual` is the worst window's value for windowed rules. */
export interface ThresholdVerdict {
  passed: boolean;
  actual: number | null;
  /** "each 10s window" or "last 30s" for windowed rules. */
  window?: string;
}

/** Does an observed value pass the rule's limit? */
export function thresholdPasses(rule: Pick<ThresholdRule, 'op' | 'value'>, actual: number): boolean {
  switch (rule.op) {
    case '<':
      return actual < rule.value;
    case '<=':
      return actual <= rule.value;
    case '>':
      return actual > rule.value;
    case '>=':
      return actual >= rule.value;
  }
}

/** A latency metric of a histogram, ms (null when it holds nothing). */
export function latencyMetricMs(rule: Pick<ThresholdRule, 'metric' | 'percentile'>, h: LatencyHistogram): number | null {
  if (h.count === 0) return null;
  const m = rule.metric;
  const us = m === 'min' ? h.min : m === 'max' ? h.max : m === 'mean' ? h.mean : m === 'stddev' ? h.stdev : h.percentile(rule.percentile ?? 50);
  return Math.round(us) / 1000;
}

/** The value a rule compares, read from one stretch of measurement; null when there is no data. */
export function measureThreshold(rule: Pick<ThresholdRule, 'kind' | 'metric' | 'percentile'>, s: ThresholdSample): number | null {
  if (rule.kind === 'errors') return s.requests === 0 ? null : s.errors / s.requests;
  if (rule.kind === 'rps') return s.seconds <= 0 ? null : s.requests / s.seconds;
  return s.latency === undefined ? null : latencyMetricMs(rule, s.latency);
}

/** Interval points added up as they arrive (the live watch's view of "the run so far"). */
export class ThresholdTally {
  private readonly hist = LatencyHistogram.create();
  private requests = 0;
  private errors = 0;
  private ms = 0;

  add(p: SeriesPoint): void {
    this.requests += p.requests;
    this.errors += p.errors;
    this.ms += p.ms;
    if (p.corrected !== undefined && p.corrected.count > 0) this.hist.add(decodeHistogram(p.corrected));
  }

  sample(): ThresholdSample {
    return { requests: this.requests, errors: this.errors, seconds: this.ms / 1000, latency: this.hist };
  }
}

/** A stream metric over the whole run: the statistic of its histogram (events/s: stored ×1000, so /1000 reads events/s). */
function wholeRunStream(rule: ThresholdRule, result: RunResult): number | null {
  if (rule.stream !== undefined && rule.stream.startsWith('ws_')) {
    // issue 18 websocket: `ws:` step metrics, stored the same way (messages/s ×1000).
    const ws = result.histograms.ws;
    const w = ws === undefined ? undefined : rule.request === undefined ? ws.overall : ws.requests[rule.request];
    if (w === undefined) return null;
    return latencyMetricMs({ metric: rule.stat ?? 'p50', percentile: rule.percentile }, decodeHistogram(wsHistogramOf(w, rule.stream as WsMetric)));
  }
  const st = result.histograms.stream;
  const snap = st === undefined ? undefined : rule.request === undefined ? st.overall : st.requests[rule.request];
  if (snap === undefined || rule.stream === undefined) return null;
  const h = decodeHistogram(streamHistogramOf(snap, rule.stream as StreamMetric));
  return latencyMetricMs({ metric: rule.stat ?? 'p50', percentile: rule.percentile }, h);
}

function wholeRun(rule: ThresholdRule, result: RunResult): number | null {
  if (rule.kind === 'stream') return wholeRunStream(rule, result);
  const stats = rule.request === undefined ? result.overall : result.requests.find((r) => r.name === rule.request);
  if (stats === undefined) return null;
  const pair = rule.request === undefined ? result.histograms.overall : result.histograms.requests[rule.request];
  const latency = rule.kind === 'latency' && pair !== undefined ? decodeHistogram(pair.corrected) : undefined;
  return measureThreshold(rule, { requests: stats.requests, errors: stats.errors, seconds: result.durationMs / 1000, latency });
}

function seriesOf(rule: ThresholdRule, result: RunResult): RequestSeriesData | undefined {
  if (rule.request === undefined) return { series: result.series, intervals: result.histograms.intervals };
  return result.requestSeries?.[rule.request];
}

/** The samples of a windowed rule: every consecutive window, or the last stretch of the run. */
function windowSamples(rule: ThresholdRule, result: RunResult): ThresholdSample[] {
  const w = rule.window!;
  const data = seriesOf(rule, result);
  if (data === undefined || data.series.length === 0) return [];
  const rows = data.series;
  const intervalMs = intervalLengthOf(rows, data.intervals);
  const span = Math.max(1, Math.round(w.ms / intervalMs));
  const byT = new Map(data.intervals.map((h) => [h.t, h]));
  const pick = (from: number, to: number): ThresholdSample => {
    const rs = rows.filter((r) => r.t >= from && r.t < to);
    const hs = rs.map((r) => byT.get(r.t)).filter((h): h is IntervalHistogram => h !== undefined);
    return {
      requests: rs.reduce((a, r) => a + r.requests, 0),
      errors: rs.reduce((a, r) => a + r.errors, 0),
      // An interval's real length when known (the last one of a run is usually short).
      seconds: rs.reduce((sum, r) => sum + (byT.get(r.t)?.ms ?? intervalMs) / 1000, 0),
      latency: rule.kind === 'latency' ? mergeEncodedHistograms(hs.map((h) => h.corrected)) : undefined,
    };
  };
  const first = rows[0]!.t;
  const last = rows[rows.length - 1]!.t;
  if (w.kind === 'last') return [pick(last + 1 - span, last + 1)];
  const out: ThresholdSample[] = [];
  for (let s = first; s <= last; s += span) {
    const win = pick(s, s + span);
    // a trailing partial window counts only when it is at least half the length
    if (win.seconds * 1000 * 2 >= span * intervalMs || out.length === 0) out.push(win);
  }
  return out;
}

/** Judge a rule on a finished run. Windowed: the worst window decides; no data fails. */
export function judgeThreshold(rule: ThresholdRule, result: RunResult): ThresholdVerdict {
  const known = rule.request === undefined || result.requests.some((r) => r.name === rule.request);
  if (rule.window === undefined) {
    const actual = known ? wholeRun(rule, result) : null;
    return { passed: actual !== null && thresholdPasses(rule, actual), actual };
  }
  let worst: number | null = null;
  const wins = known ? windowSamples(rule, result) : [];
  let passed = wins.length > 0;
  for (const win of wins) {
    const v = measureThreshold(rule, win);
    if (v === null) continue;
    if (!thresholdPasses(rule, v)) passed = false;
    // keep the value furthest on the wrong side of the limit
    const worse = rule.op === '<' || rule.op === '<=' ? v > (worst ?? -Infinity) : v < (worst ?? Infinity);
    if (worst === null || worse) worst = v;
  }
  if (worst === null) passed = false;
  const window = rule.window.kind === 'last' ? `last ${rule.window.ms / 1000}s` : `each ${rule.window.ms / 1000}s window`;
  return { passed, actual: worst, window };
}
