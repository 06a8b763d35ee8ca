// Evaluates a scenario's thresholds against a RunResult: overall or per request, over the whole
// run, over every window of a given length, or over the last stretch of the run.
import { decodeHistogram, mergeEncodedHistograms } from '../metrics/encoded-histogram.js';
import type { LatencyHistogram } from '../metrics/histogram.js';
import type { RequestStats, RunResult, ThresholdOutcome } from '../metrics/run-result.js';
import type { IntervalHistogram, SeriesRow } from '../metrics/series.js';
import type { Threshold } from '../scenario/scenario.js';
import { thresholdScope, thresholdUnit } from '../scenario/thresholds.js';
import { intervalLengthOf } from './intervals.js';

function compare(actual: number, op: Threshold['op'], limit: number): boolean {
  switch (op) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
  }
}

/** A latency metric read from a histogram, in ms. */
function latencyOf(t: Threshold, h: LatencyHistogram): number | null {
  if (h.count === 0) return null;
  const us = (() => {
    switch (t.metric) {
      case 'min':
        return h.min;
      case 'max':
        return h.max;
      case 'mean':
        return h.mean;
      case 'stddev':
        return h.stdev;
      default:
        return h.percentile(t.percentile ?? 50);
    }
  })();
  return Math.round(us) / 1000;
}

function wholeRun(t: Threshold, stats: RequestStats, result: RunResult): number | null {
  if (t.kind === 'errors') return stats.requests === 0 ? null : stats.errorRate;
  if (t.kind === 'rps') return stats.rps;
  const pair = t.request === undefined ? result.histograms.overall : result.histograms.requests[t.request];
  if (pair === undefined) return null;
  return latencyOf(t, decodeHistogram(pair.corrected));
}

interface Window {
  rows: SeriesRow[];
  hists: IntervalHistogram[];
  seconds: number;
}

/** A request's own per-second series, which the engine adds for thresholds over its windows. */
export interface RequestSeriesData {
  series: SeriesRow[];
  intervals: IntervalHistogram[];
}

export type ThresholdInput = RunResult & { requestSeries?: Record<string, RequestSeriesData> };

function seriesOf(t: Threshold, result: ThresholdInput): RequestSeriesData | undefined {
  if (t.request === undefined) return { series: result.series, intervals: result.histograms.intervals };
  return result.requestSeries?.[t.request];
}

function windowsOf(t: Threshold, result: ThresholdInput): Window[] {
  const w = t.window!;
  const data = seriesOf(t, result);
  if (data === undefined) return [];
  const rows = data.series;
  const intervalMs = intervalLengthOf(rows, data.intervals);
  const span = Math.max(1, Math.round(w.ms / intervalMs));
  const byT = new Map(data.intervals.map((h) => [h.t, h]));
  const pick = (from: number, to: number): Window => {
    const rs = rows.filter((r) => r.t >= from && r.t < to);
    const hs = rs.map((r) => byT.get(r.t)).filter((h): h is IntervalHistogram => h !== undefined);
    // An interval's real length when known (the last one of a run is usually short).
    const seconds = rs.reduce((sum, r) => sum + (byT.get(r.t)?.ms ?? intervalMs) / 1000, 0);
    return { rows: rs, hists: hs, seconds };
  };
  if (rows.length === 0) return [];
  const first = rows[0]!.t;
  const last = rows[rows.length - 1]!.t;
  if (w.kind === 'last') return [pick(last + 1 - span, last + 1)];
  const out: Window[] = [];
  for (let s = first; s <= last; s += span) {
    const win = pick(s, s + span);
    // a trailing partial window counts only when it is at least half the length
    if (win.seconds * 1000 * 2 >= span * intervalMs || out.length === 0) out.push(win);
  }
  return out;
}

function windowValue(t: Threshold, win: Window): number | null {
  const requests = win.rows.reduce((a, r) => a + r.requests, 0);
  if (t.kind === 'errors') return requests === 0 ? null : win.rows.reduce((a, r) => a + r.errors, 0) / requests;
  if (t.kind === 'rps') return win.seconds === 0 ? null : requests / win.seconds;
  return latencyOf(t, mergeEncodedHistograms(win.hists.map((h) => h.corrected)));
}

/** What an outcome records of its threshold: the expression, scope, metric, unit and limit. */
function outcomeOf(t: Threshold, passed: boolean, actual: number | null): ThresholdOutcome {
  return { expression: t.text, scope: thresholdScope(t), metric: t.metric, op: t.op, unit: thresholdUnit(t.kind), limit: t.value, passed, actual };
}

/** A threshold is a gate: worst window decides; "no data" fails (never a silent pass). */
export function evaluateThreshold(t: Threshold, result: ThresholdInput): ThresholdOutcome {
  const stats = t.request === undefined ? result.overall : result.requests.find((r) => r.name === t.request);
  if (stats === undefined) return outcomeOf(t, false, null);
  if (t.window === undefined) {
    const actual = wholeRun(t, stats, result);
    return outcomeOf(t, actual !== null && compare(actual, t.op, t.value), actual);
  }
  const wins = windowsOf(t, result);
  let worst: number | null = null;
  let passed = wins.length > 0;
  for (const win of wins) {
    const v = windowValue(t, win);
    if (v === null) continue;
    const ok = compare(v, t.op, t.value);
    if (!ok) passed = false;
    // keep the value furthest on the wrong side of the limit
    const worse = t.op === '<' || t.op === '<=' ? v > (worst ?? -Infinity) : v < (worst ?? Infinity);
    if (worst === null || worse) worst = v;
  }
  if (worst === null) passed = false;
  const label = t.window.kind === 'last' ? `last ${t.window.ms / 1000}s` : `each ${t.window.ms / 1000}s window`;
  return { ...outcomeOf(t, passed, worst), window: label };
}

export function evaluateThresholds(thresholds: readonly Threshold[], result: ThresholdInput): ThresholdOutcome[] {
  return thresholds.map((t) => evaluateThreshold(t, result));
}

/**
 * Why a threshold cannot be evaluated on a run's result, or undefined when it can. Every kind the
 * scenario module accepts is supported today (per-request windows use the request's own series,
 * which the engine keeps for exactly the requests such thresholds name).
 */
export function unsupportedThreshold(_t: Threshold): string | undefined {
  return undefined;
}
