// `fastbench compare`: baseline run(s) against current run(s), a row per metric (overall
// percentiles, rps, error rate; then per request), each labelled regression / improvement / noise,
// and a gate that fails on a regression beyond its tolerance.
//
// How a real change is told from noise (see also docs in compare-report.ts' footer):
//  1. Overall latency percentiles, rps and error rate are tested on REPEATED MEASUREMENTS, not on
//     one number per run: each run's per-interval histograms (histograms.intervals, normally one
//     per second) give one value per interval — that interval's p99, its rps, its error rate.
//     Intervals too small for a tail percentile are pooled into windows of consecutive intervals
//     until a window holds enough samples (≥ 1/(1-p), at least 20), so p99.9 is compared over
//     windows that can actually have a p99.9. Short trailing intervals (< 0.5 s) are dropped.
//     All runs of a side contribute their windows. The two sides' samples go through a two-sided
//     Mann-Whitney U test (rank-based: no normality assumption, robust to the heavy tails of
//     latency; exact p-value for small tie-free samples). Significant = p < alpha (default 0.01).
//  2. With several runs per side, run-to-run variation is measured directly: each run's own
//     figure (its whole-run p99, rps, …) is computed, and the largest relative spread between runs
//     of the same side is the noise band. A change inside the band is noise whatever the p-value
//     says (per-interval values within one run are correlated, which makes U tests optimistic;
//     independent runs are the honest yardstick).
//  3. Per-request rows have no per-interval histograms. Latency: the pooled histogram of each side
//     gives a distribution-free (1 - alpha) confidence interval of the percentile from order
//     statistics; non-overlapping intervals are significant. rps and error rate: z-tests on the
//     counts, with the variance inflated by the overdispersion of the run's per-interval request
//     counts (variance / mean, at least 1). The run-to-run band of (2) applies too.
//  4. A significant change smaller than min-effect (default 1%) is still labelled noise.
//  5. Fail closed. A test that cannot decide — fewer samples a side than --min-samples (default:
//     the fewest with which the U test can reach p < alpha at all, 5 at alpha 0.01: with 3 a
//     side its smallest possible p is 0.1), too few requests for a percentile's confidence
//     interval — never makes a change "noise". The row is then judged on its point estimate
//     against the metric's tolerance (worse beyond it = regression, which gates), labelled
//     `basis: 'point-estimate'` with a note giving the samples a side and the measured time a
//     side (or the finer interval) that would let the test decide. Without a tolerance such a
//     row is 'undecided'; within tolerance it is 'within-tolerance' (never 'noise').
//  6. Rows that show the same change agree: a per-request row whose delta (as displayed) equals
//     the overall row's for the same metric takes the more severe of the two verdicts.
//  7. Streamed responses (issue 18) have no per-interval samples, so their rows (ttfb p99,
//     first_event p99, gap p99, events/s p50; compare-streams.ts) are informational: kept apart in
//     `streams`, with values and change but no verdict and no gate.
// The displayed baseline/current values are those of all samples of a side together (merged
// histograms; total requests over total time).
import { FastbenchError } from '../core/errors.js';
import { type EncodedHistogram, decodeHistogram, mergeEncodedHistograms } from '../metrics/encoded-histogram.js';
import type { LatencyHistogram } from '../metrics/histogram.js';
import type { RunResult } from '../metrics/run-result.js';
import { parseDuration } from '../core/units.js';
import { fmtDelta } from './format.js';
import { MIN_INTERVAL_MS } from '../scenario/overrides.js';
import { intervalLengthMs } from '../metrics/intervals.js';
import {
  errorFraction, intervalsOf, maxSpread, overdispersion, percentileOf, pooledRps, seriesPercentiles, sum, unionNames, windowPercentiles,
} from './compare-samples.js';
import { mannWhitneyU, normalCdf, quantileRankBounds } from './statistics.js';
import { type StreamCompareRow, streamCompareRows } from './compare-streams.js';

/**
 * regression / improvement / noise: decided by a noise test (or, with basis 'point-estimate',
 * regression / improvement beyond tolerance on the point estimate). within-tolerance: no noise
 * test possible, change within tolerance. undecided: no noise test possible and no tolerance.
 */
export type Verdict = 'regression' | 'improvement' | 'noise' | 'within-tolerance' | 'undecided';
export type MetricKind = 'latency' | 'rps' | 'errors';

/** A tolerance: relative (0.1 = 10%), absolute ms (latency) or absolute fraction (errors). */
export interface Tolerance {
  kind: 'relative' | 'absolute';
  value: number;
  text: string;
}

export interface CompareOptions {
  /** Metric → tolerance. Only these metrics gate; default DEFAULT_TOLERANCES. */
  maxRegression?: Readonly<Record<string, Tolerance>>;
  /** Significance level of each test. Default 0.01. */
  alpha?: number;
  /** Significant changes smaller than this relative size are noise. Default 0.01. */
  minEffect?: number;
  /**
   * Samples (intervals/windows) a side below which a row is decided on its point estimate
   * instead of the noise test. Default and floor: minSamplesFloor(alpha), at least 5.
   */
  minSamples?: number;
  /** Compare results of different scenarios (otherwise ERR_COMPARE_SCENARIO_MISMATCH). */
  allowDifferent?: boolean;
}

export interface CompareRow {
  /** 'overall' or a request name. */
  scope: string;
  /** p50, p90, p99, p99.9, rps or errors. */
  metric: string;
  kind: MetricKind;
  baseline: number | null;
  current: number | null;
  /** Relative change (latency, rps); absolute change of the fraction for errors. */
  delta: number | null;
  verdict: Verdict;
  /** Two-sided p-value when the method gives one. */
  p: number | null;
  method: 'mann-whitney' | 'quantile-ci' | 'rate-z' | 'none';
  /** Samples (intervals/windows, or requests) on each side. */
  n: [number, number];
  /** 'noise-test': the test above decided; 'point-estimate': it could not, the tolerance did. */
  basis: 'noise-test' | 'point-estimate';
  /** Largest relative spread between runs of the same side (several runs only). */
  runSpread: number | null;
  /** 'fail' = a regression beyond tolerance; 'pass'; 'n/a' = no tolerance for this metric. */
  gate: 'fail' | 'pass' | 'n/a';
  tolerance: string | null;
  note?: string;
}

export interface Comparison {
  baseline: { runs: number; scenario: string };
  current: { runs: number; scenario: string };
  alpha: number;
  minEffect: number;
  minSamples: number;
  rows: CompareRow[];
  /** Streamed-response rows when both sides streamed: informational, no verdict, never gate (compare-streams.ts). */
  streams: StreamCompareRow[];
  /** True when any row's gate failed: exit 1. */
  failed: boolean;
  warnings: string[];
}

const PERCENTILES: ReadonlyArray<[string, number]> = [['p50', 50], ['p90', 90], ['p99', 99], ['p99.9', 99.9]];
const REQUEST_PERCENTILES: ReadonlyArray<[string, number]> = [['p50', 50], ['p99', 99]];

export const DEFAULT_TOLERANCES: Readonly<Record<string, Tolerance>> = {
  p50: { kind: 'relative', value: 0.1, text: '10%' },
  p90: { kind: 'relative', value: 0.1, text: '10%' },
  p99: { kind: 'relative', value: 0.1, text: '10%' },
  'p99.9': { kind: 'relative', value: 0.1, text: '10%' },
  rps: { kind: 'relative', value: 0.05, text: '5%' },
  errors: { kind: 'absolute', value: 0.01, text: '1%' },
};

const METRIC_NAME = /^(p\d+(?:\.\d+)?|rps|errors)$/;

/**
 * Parse "p99=10%,rps=5%,errors=0.5%,p50=2ms". Latency and rps take a relative %, latency also an
 * absolute duration; errors take an absolute percentage of requests (0.5% = 0.005).
 */
export function parseMaxRegression(spec: string): Record<string, Tolerance> {
  const out: Record<string, Tolerance> = {};
  for (const raw of spec.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const metric = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : item.slice(eq + 1).trim();
    const bad = (why: string): FastbenchError =>
      new FastbenchError('ERR_USAGE_BAD_OPTION', `--max-regression "${item}": ${why} (e.g. p99=10%,rps=5%,errors=0.5%)`);
    if (!METRIC_NAME.test(metric)) throw bad('the metric must be pNN, rps or errors');
    const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(value);
    if (pct !== null) {
      const v = Number(pct[1]) / 100;
      out[metric] = { kind: metric === 'errors' ? 'absolute' : 'relative', value: v, text: value.replace(/\s+/g, '') };
      continue;
    }
    const ms = metric.startsWith('p') ? parseDuration(value) : undefined;
    if (ms === undefined) throw bad(metric.startsWith('p') ? 'give a percentage or a duration' : 'give a percentage');
    out[metric] = { kind: 'absolute', value: ms, text: value };
  }
  if (Object.keys(out).length === 0) throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--max-regression names no metric');
  return out;
}

// ---------------------------------------------------------------------------------------------
// when can a test decide?

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/** The smallest two-sided p-value a Mann-Whitney U test of n1 against n2 values can give. */
export function smallestUTestP(n1: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 1;
  return Math.min(1, 2 * Math.exp(-logChoose(n1 + n2, Math.min(n1, n2))));
}

/**
 * The fewest samples a side with which the U test can reach p < alpha at all (at least 5):
 * 5 at alpha 0.01 (with 3 a side the smallest possible p is 0.1, so every change was "noise").
 */
export function minSamplesFloor(alpha: number): number {
  let n = 1;
  while (smallestUTestP(n, n) >= alpha && n < 1000) n++;
  return Math.max(5, n);
}

/** The fewest requests whose (1 - alpha) order-statistic interval of the q-quantile lies inside the sample. */
function requestsForQuantile(q: number, alpha: number): number {
  const inside = (n: number): boolean => {
    const [lo, hi] = quantileRankBounds(n, q, alpha);
    return lo > 1 && hi < n;
  };
  let hi = 20;
  while (!inside(hi) && hi < 1e9) hi *= 2;
  let lo = hi / 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (inside(mid)) hi = mid;
    else lo = mid;
  }
  return Math.max(20, hi);
}

/** An interval length: 250 ms, 1 s, 2.5 s. */
function fmtInterval(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Number((ms / 1000).toFixed(2))} s`;
}

function fmtSeconds(ms: number): string {
  const s = ms / 1000;
  return s >= 10 ? `${Math.ceil(s)} s` : `${Math.ceil(s * 10) / 10} s`;
}

// ---------------------------------------------------------------------------------------------
// verdicts

function relDelta(base: number, cur: number): number {
  if (base === 0) return cur === 0 ? 0 : Infinity;
  return (cur - base) / base;
}

/** Positive = worse. */
function worseness(kind: MetricKind, delta: number): number {
  return kind === 'rps' ? -delta : delta;
}

/** How far past the tolerance the change goes, in its direction: 'worse', 'better' or 'within'. */
function againstTolerance(kind: MetricKind, delta: number, base: number, cur: number, tol: Tolerance): 'worse' | 'better' | 'within' {
  const change = tol.kind === 'relative' || kind === 'errors' ? worseness(kind, delta) : cur - base; // absolute ms
  if (change > tol.value) return 'worse';
  if (-change > tol.value) return 'better';
  return 'within';
}

function gateOf(row: CompareRow, tol: Tolerance | undefined): Pick<CompareRow, 'gate' | 'tolerance'> {
  if (tol === undefined || row.delta === null || row.baseline === null || row.current === null) {
    return { gate: 'n/a', tolerance: tol?.text ?? null };
  }
  const beyond = againstTolerance(row.kind, row.delta, row.baseline, row.current, tol) === 'worse';
  return { gate: row.verdict === 'regression' && beyond ? 'fail' : 'pass', tolerance: tol.text };
}

interface Evidence {
  /** False when the test cannot tell a change from noise with these samples (fail closed). */
  decidable: boolean;
  significant: boolean;
  p: number | null;
  method: CompareRow['method'];
  n: [number, number];
  note?: string;
}

interface Decision {
  verdict: Verdict;
  basis: CompareRow['basis'];
  note?: string;
}

function decide(
  kind: MetricKind,
  values: { baseline: number | null; current: number | null; delta: number | null },
  ev: Evidence,
  runSpread: number | null,
  minEffect: number,
  tol: Tolerance | undefined,
): Decision {
  const { baseline, current, delta } = values;
  if (delta === null || baseline === null || current === null) return { verdict: 'undecided', basis: 'noise-test', note: ev.note ?? 'no data' };
  if (!ev.decidable) {
    const why = `decided without a noise test: ${ev.note ?? 'too few samples'}`;
    if (tol === undefined) return { verdict: 'undecided', basis: 'point-estimate', note: `${why}; no tolerance for this metric` };
    const side = againstTolerance(kind, delta, baseline, current, tol);
    const verdict: Verdict = side === 'worse' ? 'regression' : side === 'better' ? 'improvement' : 'within-tolerance';
    return { verdict, basis: 'point-estimate', note: why };
  }
  const basis = 'noise-test';
  if (!ev.significant) return { verdict: 'noise', basis, ...(ev.note !== undefined ? { note: ev.note } : {}) };
  const size = Math.abs(delta);
  if (runSpread !== null && size <= runSpread) return { verdict: 'noise', basis, note: 'within the run-to-run spread' };
  if (kind !== 'errors' && size < minEffect) return { verdict: 'noise', basis, note: `significant but below ${(minEffect * 100).toFixed(0)}%` };
  return { verdict: worseness(kind, delta) > 0 ? 'regression' : 'improvement', basis };
}

interface Need {
  minSamples: number;
  /** What one sample is: "intervals of 1 s", "windows of 3 intervals" (for the note). */
  unit: string;
  /** Measured time a side that gives minSamples samples (one run a side). */
  measureMs: number;
  /** A shorter interval that would give the runs as they are enough samples (`run --interval`). */
  finerIntervalMs?: number;
}

function uTest(a: readonly number[], b: readonly number[], alpha: number, need: Need): Evidence {
  const n: [number, number] = [a.length, b.length];
  const method = 'mann-whitney' as const;
  if (a.length < need.minSamples || b.length < need.minSamples || smallestUTestP(a.length, b.length) >= alpha) {
    const note =
      `${a.length} vs ${b.length} ${need.unit} a side, the noise test needs ≥ ${need.minSamples} a side` +
      ` (measure ≥ ${fmtSeconds(need.measureMs)} a side` +
      (need.finerIntervalMs !== undefined ? `, or record ${need.finerIntervalMs} ms intervals: run --interval ${need.finerIntervalMs}ms` : '') +
      ', or several runs a side)';
    return { decidable: false, significant: false, p: null, method, n, note };
  }
  const r = mannWhitneyU(b, a);
  return { decidable: true, significant: r.p < alpha, p: r.p, method, n };
}

/** Non-overlap of the (1 - alpha) order-statistic confidence intervals of a percentile. */
function quantileTest(base: LatencyHistogram, cur: LatencyHistogram, p: number, alpha: number): Evidence {
  const n: [number, number] = [base.count, cur.count];
  const need = requestsForQuantile(p / 100, alpha);
  if (base.count < need || cur.count < need) {
    return { decidable: false, significant: false, p: null, method: 'quantile-ci', n, note: `${base.count} vs ${cur.count} requests, a p${p} confidence interval needs ≥ ${need} a side` };
  }
  const bounds = (h: LatencyHistogram): [number, number] => {
    const [lo, hi] = quantileRankBounds(h.count, p / 100, alpha);
    return [percentileOf(h, (100 * lo) / h.count), percentileOf(h, (100 * hi) / h.count)];
  };
  const [bl, bh] = bounds(base);
  const [cl, ch] = bounds(cur);
  return { decidable: true, significant: cl > bh || ch < bl, p: null, method: 'quantile-ci', n };
}

/** Two-sided z-test on rates (count / time) with variance inflated by phi. */
function rateTest(nb: number, tb: number, nc: number, tc: number, phi: number, alpha: number): Evidence {
  const n: [number, number] = [nb, nc];
  if (tb <= 0 || tc <= 0) return { decidable: false, significant: false, p: null, method: 'rate-z', n, note: 'no duration' };
  const variance = (phi * nb) / (tb * tb) + (phi * nc) / (tc * tc);
  if (variance <= 0) return { decidable: true, significant: false, p: 1, method: 'rate-z', n };
  const z = Math.abs(nc / tc - nb / tb) / Math.sqrt(variance);
  const p = 2 * (1 - normalCdf(z));
  return { decidable: true, significant: p < alpha, p, method: 'rate-z', n };
}

/** Two-proportion z-test with variance inflated by phi. */
function proportionTest(eb: number, nb: number, ec: number, nc: number, phi: number, alpha: number): Evidence {
  const n: [number, number] = [nb, nc];
  if (nb === 0 || nc === 0) return { decidable: false, significant: false, p: null, method: 'rate-z', n, note: 'no requests on a side' };
  const pooled = (eb + ec) / (nb + nc);
  const variance = phi * pooled * (1 - pooled) * (1 / nb + 1 / nc);
  if (variance <= 0) return { decidable: true, significant: false, p: 1, method: 'rate-z', n };
  const z = Math.abs(ec / nc - eb / nb) / Math.sqrt(variance);
  const p = 2 * (1 - normalCdf(z));
  return { decidable: true, significant: p < alpha, p, method: 'rate-z', n };
}

/** The change as a report shows it: a relative change, or percentage points for error rates. */
export function changeText(kind: MetricKind, delta: number | null): string {
  if (delta === null) return '—';
  if (kind !== 'errors') return fmtDelta(delta);
  const pp = delta * 100;
  return `${pp >= 0 ? '+' : '−'}${Math.abs(pp).toFixed(Math.abs(pp) < 0.1 ? 3 : 2)} pp`;
}

const SEVERITY: Record<Verdict, number> = { undecided: 0, noise: 1, 'within-tolerance': 2, improvement: 3, regression: 4 };

/**
 * Rows showing the same change must not disagree: a per-request row whose displayed delta equals
 * the overall row's (same metric) takes the more severe verdict of the two, and vice versa.
 */
function reconcile(rows: CompareRow[], tolerances: Readonly<Record<string, Tolerance>>): void {
  for (const o of rows) {
    if (o.scope !== 'overall' || o.delta === null) continue;
    for (const r of rows) {
      if (r.scope === 'overall' || r.metric !== o.metric || changeText(r.kind, r.delta) !== changeText(o.kind, o.delta)) continue;
      const [weak, strong] = SEVERITY[r.verdict] < SEVERITY[o.verdict] ? [r, o] : [o, r];
      if (SEVERITY[weak.verdict] === SEVERITY[strong.verdict]) continue;
      weak.verdict = strong.verdict;
      weak.basis = strong.basis;
      weak.note = `as ${strong.scope} ${strong.metric}, which shows the same change${strong.note !== undefined ? ` (${strong.note})` : ''}`;
      Object.assign(weak, gateOf(weak, tolerances[weak.metric]));
    }
  }
}

// ---------------------------------------------------------------------------------------------

/** What every row builder of one comparison shares. */
interface CompareContext {
  readonly baselineRuns: readonly RunResult[];
  readonly currentRuns: readonly RunResult[];
  readonly alpha: number;
  readonly minSamples: number;
  /** Overdispersion of per-interval request counts, for the per-request rate tests. */
  readonly phi: number;
  readonly intervalMs: number;
  /** The samples the per-interval tests need, and how long to measure for them. */
  readonly intervalNeed: Need;
  readonly warnings: string[];
  /** Decide a row's verdict and gate from its values and evidence, and add it. */
  push(values: RowValues, ev: Evidence): void;
}

type RowValues = Omit<CompareRow, 'verdict' | 'basis' | 'gate' | 'tolerance' | 'p' | 'method' | 'n' | 'note'>;

function minSamplesOf(options: CompareOptions, alpha: number): number {
  const floor = minSamplesFloor(alpha);
  const minSamples = options.minSamples ?? floor;
  if (!(Number.isInteger(minSamples) && minSamples >= floor)) {
    throw new FastbenchError(
      'ERR_USAGE_BAD_OPTION',
      `--min-samples ${minSamples}: at alpha ${alpha} the noise test cannot reach significance with fewer than ${floor} samples a side; give ${floor} or more`,
    );
  }
  return minSamples;
}

function scenarioNames(runs: readonly RunResult[]): string {
  return [...new Set(runs.map((r) => r.scenario))].join(', ');
}

/** Warnings about the runs themselves; different scenarios are refused unless allowed. */
function runWarnings(baselineRuns: readonly RunResult[], currentRuns: readonly RunResult[], options: CompareOptions): string[] {
  const warnings: string[] = [];
  const scenarios = new Set([...baselineRuns, ...currentRuns].map((r) => r.scenario));
  if (scenarios.size > 1) {
    const what = `"${scenarioNames(baselineRuns)}" vs "${scenarioNames(currentRuns)}"`;
    if (options.allowDifferent !== true) {
      throw new FastbenchError('ERR_COMPARE_SCENARIO_MISMATCH', `the results are of different scenarios: ${what}; pass --allow-different to compare them anyway`);
    }
    warnings.push(`comparing different scenarios: ${what}`);
  }
  for (const r of [...baselineRuns, ...currentRuns]) {
    if (!r.valid) warnings.push(`a ${baselineRuns.includes(r) ? 'baseline' : 'current'} run is invalid: ${r.invalidReason ?? 'the generator was the bottleneck'}`);
    if (r.interrupted) warnings.push(`a ${baselineRuns.includes(r) ? 'baseline' : 'current'} run was interrupted`);
  }
  return warnings;
}

/**
 * The samples the per-interval tests need: minSamples intervals; and the interval that would give
 * them (+1: the last one may be folded into its neighbour) from the shorter side's measured time,
 * in whole 100 ms, when that is shorter than the runs'.
 */
function intervalNeedOf(baselineRuns: readonly RunResult[], currentRuns: readonly RunResult[], intervalMs: number, minSamples: number): Need {
  const measured = Math.min(sum(baselineRuns, (r) => r.durationMs), sum(currentRuns, (r) => r.durationMs));
  const finer = Math.floor(measured / (minSamples + 1) / 100) * 100;
  return {
    minSamples,
    unit: `intervals of ${fmtInterval(intervalMs)}`,
    measureMs: minSamples * intervalMs,
    ...(finer >= MIN_INTERVAL_MS && finer < intervalMs ? { finerIntervalMs: finer } : {}),
  };
}

/** Overall latency percentiles: per-interval (or per-window) percentiles, Mann-Whitney. */
function overallLatencyRows(c: CompareContext): void {
  const { baselineRuns, currentRuns } = c;
  const pooledB = mergeEncodedHistograms(baselineRuns.map((r) => r.histograms.overall.corrected));
  const pooledC = mergeEncodedHistograms(currentRuns.map((r) => r.histograms.overall.corrected));
  for (const [metric, p] of PERCENTILES) {
    let span = 1;
    const sample = (runs: readonly RunResult[]): number[] =>
      runs.flatMap((r) => {
        if (r.histograms.intervals.length === 0) return seriesPercentiles(r, metric);
        const w = windowPercentiles(r, p);
        span = Math.max(span, w.span);
        return w.values;
      });
    const a = sample(baselineRuns);
    const b = sample(currentRuns);
    const base = pooledB.count > 0 ? percentileOf(pooledB, p) : null;
    const cur = pooledC.count > 0 ? percentileOf(pooledC, p) : null;
    const perRun = (runs: readonly RunResult[]): number[] => runs.map((r) => percentileOf(decodeHistogram(r.histograms.overall.corrected), p));
    const runSpread = maxSpread(perRun(baselineRuns), perRun(currentRuns), 'latency');
    const need: Need = span === 1 ? c.intervalNeed : { minSamples: c.minSamples, unit: `windows of ${span} intervals`, measureMs: c.minSamples * span * c.intervalMs };
    const ev = uTest(a, b, c.alpha, need);
    if (a.length === 0 && b.length === 0 && [...baselineRuns, ...currentRuns].every((r) => r.histograms.intervals.length === 0)) {
      ev.note = `no per-interval data for ${metric}`;
    }
    c.push({ scope: 'overall', metric, kind: 'latency', baseline: base, current: cur, delta: base !== null && cur !== null ? relDelta(base, cur) : null, runSpread }, ev);
  }
}

/** Overall rps and error rate, per interval. */
function overallRateRows(c: CompareContext): void {
  const { baselineRuns, currentRuns, alpha, intervalNeed } = c;
  const rpsOf = (runs: readonly RunResult[]): number[] => runs.flatMap((r) => intervalsOf(r).map((iv) => iv.requests / iv.seconds));
  const base = pooledRps(baselineRuns, (r) => r.overall.requests);
  const cur = pooledRps(currentRuns, (r) => r.overall.requests);
  const runSpread = maxSpread(baselineRuns.map((r) => r.overall.rps), currentRuns.map((r) => r.overall.rps), 'rps');
  c.push({ scope: 'overall', metric: 'rps', kind: 'rps', baseline: base, current: cur, delta: relDelta(base, cur), runSpread }, uTest(rpsOf(baselineRuns), rpsOf(currentRuns), alpha, intervalNeed));

  const errOf = (runs: readonly RunResult[]): number[] =>
    runs.flatMap((r) => intervalsOf(r).filter((iv) => iv.requests > 0).map((iv) => iv.errors / iv.requests));
  const eb = errorFraction(sum(baselineRuns, (r) => r.overall.errors), sum(baselineRuns, (r) => r.overall.requests));
  const ec = errorFraction(sum(currentRuns, (r) => r.overall.errors), sum(currentRuns, (r) => r.overall.requests));
  const errSpread = maxSpread(baselineRuns.map((r) => r.overall.errorRate), currentRuns.map((r) => r.overall.errorRate), 'errors');
  const a = errOf(baselineRuns);
  const b = errOf(currentRuns);
  const ev: Evidence = eb === 0 && ec === 0
    ? { decidable: true, significant: false, p: 1, method: 'mann-whitney', n: [a.length, b.length] }
    : uTest(a, b, alpha, intervalNeed);
  c.push({ scope: 'overall', metric: 'errors', kind: 'errors', baseline: eb, current: ec, delta: ec - eb, runSpread: errSpread }, ev);
}

/** One request's rows: latency percentiles (quantile test), rps (rate test), errors (proportions). */
function requestRows(c: CompareContext, name: string, inB: readonly RunResult[], inC: readonly RunResult[]): void {
  const { alpha, phi } = c;
  const hist = (runs: readonly RunResult[]): EncodedHistogram[] =>
    runs.flatMap((r) => (r.histograms.requests[name] !== undefined ? [r.histograms.requests[name].corrected] : []));
  const hb = mergeEncodedHistograms(hist(inB));
  const hc = mergeEncodedHistograms(hist(inC));
  for (const [metric, p] of REQUEST_PERCENTILES) {
    const base = hb.count > 0 ? percentileOf(hb, p) : null;
    const cur = hc.count > 0 ? percentileOf(hc, p) : null;
    const perRun = (runs: readonly RunResult[]): number[] => hist(runs).map((e) => percentileOf(decodeHistogram(e), p));
    const runSpread = maxSpread(perRun(inB), perRun(inC), 'latency');
    c.push({ scope: name, metric, kind: 'latency', baseline: base, current: cur, delta: base !== null && cur !== null ? relDelta(base, cur) : null, runSpread }, quantileTest(hb, hc, p, alpha));
  }
  const stat = (r: RunResult) => r.requests.find((q) => q.name === name)!;
  const nb = sum(inB, (r) => stat(r).requests);
  const nc = sum(inC, (r) => stat(r).requests);
  const tb = inB.reduce((a, r) => a + r.durationMs / 1000, 0);
  const tc = inC.reduce((a, r) => a + r.durationMs / 1000, 0);
  const base = tb > 0 ? nb / tb : 0;
  const cur = tc > 0 ? nc / tc : 0;
  c.push({ scope: name, metric: 'rps', kind: 'rps', baseline: base, current: cur, delta: relDelta(base, cur), runSpread: maxSpread(inB.map((r) => stat(r).rps), inC.map((r) => stat(r).rps), 'rps') }, rateTest(nb, tb, nc, tc, phi, alpha));
  const eb = sum(inB, (r) => stat(r).errors);
  const ec = sum(inC, (r) => stat(r).errors);
  c.push({ scope: name, metric: 'errors', kind: 'errors', baseline: errorFraction(eb, nb), current: errorFraction(ec, nc), delta: errorFraction(ec, nc) - errorFraction(eb, nb), runSpread: maxSpread(inB.map((r) => stat(r).errorRate), inC.map((r) => stat(r).errorRate), 'errors') }, proportionTest(eb, nb, ec, nc, phi, alpha));
}

/** Per-request rows, when the runs have more than one request. */
function perRequestRows(c: CompareContext): void {
  const requestNames = unionNames(c.baselineRuns, c.currentRuns);
  if (requestNames.length <= 1) return;
  for (const name of requestNames) {
    const inB = c.baselineRuns.filter((r) => r.requests.some((q) => q.name === name));
    const inC = c.currentRuns.filter((r) => r.requests.some((q) => q.name === name));
    if (inB.length === 0 || inC.length === 0) {
      c.warnings.push(`request "${name}" is only in the ${inB.length === 0 ? 'current' : 'baseline'} results`);
      continue;
    }
    requestRows(c, name, inB, inC);
  }
}

export function compareRuns(baselineRuns: readonly RunResult[], currentRuns: readonly RunResult[], options: CompareOptions = {}): Comparison {
  if (baselineRuns.length === 0 || currentRuns.length === 0) {
    throw new FastbenchError('ERR_USAGE', 'compare needs at least one baseline and one current result');
  }
  const alpha = options.alpha ?? 0.01;
  const minEffect = options.minEffect ?? 0.01;
  const tolerances = options.maxRegression ?? DEFAULT_TOLERANCES;
  const minSamples = minSamplesOf(options, alpha);
  const warnings = runWarnings(baselineRuns, currentRuns, options);
  const rows: CompareRow[] = [];
  const intervalMs = Math.max(...[...baselineRuns, ...currentRuns].map(intervalLengthMs));
  const context: CompareContext = {
    baselineRuns,
    currentRuns,
    alpha,
    minSamples,
    phi: Math.max(overdispersion(baselineRuns), overdispersion(currentRuns)),
    intervalMs,
    intervalNeed: intervalNeedOf(baselineRuns, currentRuns, intervalMs, minSamples),
    warnings,
    push: (values, ev) => {
      const tol = tolerances[values.metric];
      const { verdict, basis, note } = decide(values.kind, values, ev, values.runSpread, minEffect, tol);
      const row: CompareRow = { ...values, verdict, p: ev.p, method: ev.method, n: ev.n, basis, gate: 'n/a', tolerance: null };
      if (note !== undefined) row.note = note;
      Object.assign(row, gateOf(row, tol));
      rows.push(row);
    },
  };
  overallLatencyRows(context);
  overallRateRows(context);
  perRequestRows(context);
  reconcile(rows, tolerances);
  const streams = streamCompareRows(baselineRuns, currentRuns, warnings);
  return {
    baseline: { runs: baselineRuns.length, scenario: scenarioNames(baselineRuns) },
    current: { runs: currentRuns.length, scenario: scenarioNames(currentRuns) },
    alpha,
    minEffect,
    minSamples,
    rows,
    streams,
    failed: rows.some((r) => r.gate === 'fail'),
    warnings,
  };
}
