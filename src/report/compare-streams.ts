// compare's stream rows (issue 18): ttfb p99, first_event p99, gap p99 and events/s p50 of
// streamed responses, baseline against current, when both sides have them.
//
// They are INFORMATIONAL: no verdict, no gate. compare's latency verdicts rest on repeated
// measurements — one value per interval (or window) of each run — and streamed-response metrics
// have no per-interval series (the recorder keeps only whole-run stream histograms, which is why
// thresholds refuse `over …` windows for them). A change in a whole-run percentile alone cannot be
// told from noise, so these rows show the values and the change and say why there is no verdict;
// they never make compare fail. Values are those of all runs of a side together (merged histograms).
import { type EncodedHistogram, mergeEncodedHistograms } from '../metrics/encoded-histogram.js';
import type { RunResult } from '../metrics/run-result.js';
import type { StreamSnapshot } from '../metrics/stream-histograms.js';

export interface StreamCompareRow {
  /** 'overall' or a streamed request's name. */
  scope: string;
  /** 'ttfb p99', 'first_event p99', 'gap p99' or 'events/s p50'. */
  metric: string;
  /** ms, or per_s (events per second: higher is better). */
  unit: 'ms' | 'per_s';
  baseline: number | null;
  current: number | null;
  /** Relative change (null when a side has no sample). */
  delta: number | null;
  /** Samples on each side (streams; gaps for gap p99). */
  n: [number, number];
}

/** Why stream rows carry no verdict, as the reports print it. */
export const STREAM_ROWS_NOTE =
  'informational: stream metrics have no per-interval samples (only whole-run histograms), so no noise test can tell a change from noise — no verdict, not gated';

const METRICS: ReadonlyArray<{ metric: string; pick: (s: StreamSnapshot) => EncodedHistogram; p: number; unit: 'ms' | 'per_s' }> = [
  { metric: 'ttfb p99', pick: (s) => s.ttfb, p: 99, unit: 'ms' },
  { metric: 'first_event p99', pick: (s) => s.firstEvent, p: 99, unit: 'ms' },
  { metric: 'gap p99', pick: (s) => s.gap, p: 99, unit: 'ms' },
  { metric: 'events/s p50', pick: (s) => s.rate, p: 50, unit: 'per_s' },
];

function snapshots(runs: readonly RunResult[], scope: string): StreamSnapshot[] {
  return runs.flatMap((r) => {
    const s = scope === 'overall' ? r.histograms.stream?.overall : r.histograms.stream?.requests[scope];
    return s !== undefined ? [s] : [];
  });
}

function rowsOf(scope: string, b: readonly StreamSnapshot[], c: readonly StreamSnapshot[]): StreamCompareRow[] {
  return METRICS.map(({ metric, pick, p, unit }) => {
    const hb = mergeEncodedHistograms(b.map(pick));
    const hc = mergeEncodedHistograms(c.map(pick));
    // µs → ms; the rate histogram holds milli-events/s, so the same division gives events/s
    const base = hb.count > 0 ? hb.percentile(p) / 1000 : null;
    const cur = hc.count > 0 ? hc.percentile(p) / 1000 : null;
    const delta = base === null || cur === null ? null : base === 0 ? (cur === 0 ? 0 : Infinity) : (cur - base) / base;
    return { scope, metric, unit, baseline: base, current: cur, delta, n: [hb.count, hc.count] };
  });
}

/**
 * The stream rows: overall, and per streamed request when more than one streamed. A side without
 * streamed responses gives no rows and a warning (only when the other side has them).
 */
export function streamCompareRows(baselineRuns: readonly RunResult[], currentRuns: readonly RunResult[], warnings: string[]): StreamCompareRow[] {
  const ob = snapshots(baselineRuns, 'overall');
  const oc = snapshots(currentRuns, 'overall');
  if (ob.length === 0 || oc.length === 0) {
    if (ob.length > 0 || oc.length > 0) {
      warnings.push(`streamed responses (stream:) are only in the ${ob.length > 0 ? 'baseline' : 'current'} results: their metrics are not compared`);
    }
    return [];
  }
  const rows = rowsOf('overall', ob, oc);
  const names: string[] = [];
  for (const r of [...baselineRuns, ...currentRuns]) {
    for (const name of Object.keys(r.histograms.stream?.requests ?? {})) if (!names.includes(name)) names.push(name);
  }
  if (names.length <= 1) return rows;
  for (const name of names) {
    const b = snapshots(baselineRuns, name);
    const c = snapshots(currentRuns, name);
    if (b.length === 0 || c.length === 0) {
      warnings.push(`request "${name}" streamed only in the ${b.length > 0 ? 'baseline' : 'current'} results: its stream metrics are not compared`);
      continue;
    }
    rows.push(...rowsOf(name, b, c));
  }
  return rows;
}
