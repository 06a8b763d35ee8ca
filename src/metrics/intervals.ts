// A result's measurement interval length. Runs close an interval once a second by default, or
// every `interval:` (100ms..10s) when the scenario sets one; series rows and interval histograms
// are indexed by interval (t = 0, 1, 2, …), so readers turn t into time with this length.
import type { RunResult } from './run-result.js';
import type { IntervalHistogram, SeriesRow } from './series.js';

/**
 * The length of a run's whole intervals, ms: from the interval histograms (the last interval is a
 * folded tail and may differ), else from the series rows (requests / rps), else 1000.
 */
export function intervalLengthOf(series: readonly SeriesRow[], intervals: readonly Pick<IntervalHistogram, 'ms'>[]): number {
  const whole = (ms: number[]): number => (ms.length === 1 ? (ms[0] as number) : Math.min(...ms.slice(0, -1)));
  if (intervals.length > 0) return whole(intervals.map((iv) => iv.ms));
  const fromRows = series.filter((r) => r.rps > 0 && r.requests > 0).map((r) => Math.round((r.requests / r.rps) * 1000));
  // rps is rounded; snap to a whole 10 ms
  return fromRows.length > 0 ? Math.max(10, Math.round(whole(fromRows) / 10) * 10) : 1000;
}

/** The interval length of a run's result, ms. */
export function intervalLengthMs(run: Pick<RunResult, 'series' | 'histograms'>): number {
  return intervalLengthOf(run.series, run.histograms.intervals);
}
