// compare's samples: what a run gives the tests — per-interval (or per-window) percentiles, each
// interval's counts, overdispersion of the counts, the run-to-run spread — and small sums over runs.
import { decodeHistogram, type EncodedHistogram, mergeEncodedHistograms } from '../metrics/encoded-histogram.js';
import type { LatencyHistogram } from '../metrics/histogram.js';
import { intervalLengthMs } from '../metrics/intervals.js';
import type { RunResult } from '../metrics/run-result.js';
import type { MetricKind } from './compare.js';
import { median } from './statistics.js';


export function percentileOf(h: LatencyHistogram, p: number): number {
  return h.percentile(p) / 1000;
}

interface WindowSample {
  values: number[];
  /** Intervals per window (1 when every interval holds enough samples). */
  span: number;
  intervalMs: number;
}

/** Per-window percentile values of one run (windows of consecutive intervals with enough samples). */
export function windowPercentiles(run: RunResult, p: number): WindowSample {
  const intervalMs = intervalLengthMs(run);
  const intervals = run.histograms.intervals.filter((iv) => iv.ms >= intervalMs / 2 && iv.corrected.count > 0);
  if (intervals.length === 0) return { values: [], span: 1, intervalMs };
  const need = Math.max(20, Math.ceil(1 / (1 - p / 100)));
  const typical = median(intervals.map((iv) => iv.corrected.count));
  const span = Math.max(1, Math.ceil(need / Math.max(1, typical)));
  const out: number[] = [];
  for (let i = 0; i + span <= intervals.length; i += span) {
    const group = intervals.slice(i, i + span).map((iv) => iv.corrected);
    const count = group.reduce((a, e) => a + e.count, 0);
    if (count < need) continue;
    const h = span === 1 ? decodeHistogram(group[0] as EncodedHistogram) : mergeEncodedHistograms(group);
    out.push(percentileOf(h, p));
  }
  return { values: out, span, intervalMs };
}

/** Per-interval p50/p99 from the series rows, for results that kept no interval histograms. */
export function seriesPercentiles(run: RunResult, metric: string): number[] {
  if (metric !== 'p50' && metric !== 'p99') return [];
  return run.series.filter((r) => r.requests >= (metric === 'p99' ? 100 : 20)).map((r) => r[metric]);
}

interface Interval {
  requests: number;
  errors: number;
  seconds: number;
}

export function intervalsOf(run: RunResult): Interval[] {
  const ms = new Map(run.histograms.intervals.map((iv) => [iv.t, iv.ms]));
  const nominal = intervalLengthMs(run);
  return run.series
    .map((r) => {
      const len = ms.get(r.t) ?? (r.rps > 0 ? (r.requests / r.rps) * 1000 : 1000);
      return { requests: r.requests, errors: r.errors, seconds: len / 1000 };
    })
    .filter((iv) => iv.seconds * 1000 >= nominal / 2);
}

/** Variance / mean of per-interval request counts (≥ 1): how much more than Poisson counts wander. */
export function overdispersion(runs: readonly RunResult[]): number {
  const counts = runs.flatMap((r) => intervalsOf(r).map((iv) => iv.requests / iv.seconds));
  if (counts.length < 2) return 1;
  const mean = counts.reduce((a, c) => a + c, 0) / counts.length;
  if (mean <= 0) return 1;
  const variance = counts.reduce((a, c) => a + (c - mean) ** 2, 0) / (counts.length - 1);
  return Math.max(1, variance / mean);
}

function spread(values: readonly number[], kind: MetricKind): number | null {
  if (values.length < 2) return null;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (kind === 'errors') return hi - lo;
  const mid = median(values);
  return mid > 0 ? (hi - lo) / mid : null;
}

export function pooledRps(runs: readonly RunResult[], requests: (r: RunResult) => number): number {
  const secs = runs.reduce((a, r) => a + r.durationMs / 1000, 0);
  return secs > 0 ? runs.reduce((a, r) => a + requests(r), 0) / secs : 0;
}

export function errorFraction(errors: number, requests: number): number {
  return requests > 0 ? errors / requests : 0;
}

export function sum(runs: readonly RunResult[], f: (r: RunResult) => number): number {
  return runs.reduce((a, r) => a + f(r), 0);
}

export function maxSpread(a: readonly number[], b: readonly number[], kind: MetricKind): number | null {
  const sa = spread(a, kind);
  const sb = spread(b, kind);
  if (sa === null) return sb;
  if (sb === null) return sa;
  return Math.max(sa, sb);
}

export function unionNames(a: readonly RunResult[], b: readonly RunResult[]): string[] {
  const seen: string[] = [];
  for (const r of [...a, ...b]) for (const q of r.requests) if (!seen.includes(q.name)) seen.push(q.name);
  return seen;
}
