// The live outputs' shared view of a running run, built from the live feed (metrics/live-interval.ts)
// one interval at a time: per-interval rows for the dashboard's charts (throughput, latency
// percentiles, errors by kind, the open model's target rate, the generator's health), the
// cumulative counts per request, and the run's latency histogram so far (HDR, added losslessly).
// Pure: no I/O, no timers; the dashboard, Prometheus and OTLP outputs each read it after add().
import { decodeHistogram } from '../metrics/encoded-histogram.js';
import { LatencyHistogram } from '../metrics/histogram.js';
import type { LiveInterval, RequestCounts, WorkerHealth } from '../metrics/live-interval.js';
import type { RunResult } from '../metrics/run-result.js';
import { rateAt } from '../scenario/rate-schedule.js';
import type { Phase } from '../scenario/scenario.js';

/** Percentiles kept per interval (and over the run so far). */
export const LIVE_PERCENTILES = [50, 90, 99, 99.9] as const;

/** One interval as the dashboard plots it. Latencies in ms; null where the interval had none. */
export interface LiveRow {
  /** Seconds since the run started, at the interval's start (as report.html's time axis). */
  t: number;
  phase: string;
  warmup: boolean;
  /** Completions per second (warmup included). */
  rps: number;
  /** The open model's scheduled rate at the interval's middle, req/s (null for closed phases). */
  target: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
  /** Failures in the interval by kind: an error code, or "status 503" for a failed status. */
  errors: Record<string, number>;
  /** Largest event-loop utilization among the workers, 0..1, and their CPU per wall second, summed. */
  loop: number | null;
  cpu: number | null;
}

export interface LiveStateOptions {
  scenario: string;
  phases: readonly Phase[];
  /** Share of each open phase's rate this process runs (a shard's 1/N); default 1. */
  rateShare?: number;
  /** A line the dashboard page shows under its title (what this live view does not carry). */
  note?: string;
}

const ms = (us: number): number => Math.round(us) / 1000;

/** Failures by kind in `counts` (cumulative), all requests together. */
export function failuresByKind(counts: readonly RequestCounts[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of counts) {
    for (const [k, v] of Object.entries(c.errorCodes)) out[k] = (out[k] ?? 0) + v;
    for (const [k, v] of Object.entries(c.failedStatus)) out[`status ${k}`] = (out[`status ${k}`] ?? 0) + v;
  }
  return out;
}

function diff(now: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(now)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

export class LiveState {
  readonly rows: LiveRow[] = [];
  /** Cumulative measured counts per request (empty before measuring starts). */
  counts: RequestCounts[] = [];
  /** The measured run's corrected latencies so far. */
  readonly latency = LatencyHistogram.create();
  /** The last interval's corrected latencies (empty when it had none). */
  interval: LatencyHistogram = LatencyHistogram.create();
  /** The last interval's workers' health. */
  health: WorkerHealth[] = [];
  last: LiveInterval | undefined;
  /** Set once the run ended: the counts are its final ones. */
  ended = false;
  private failures: Record<string, number> = {};
  private phaseIndex = -1;
  private phaseStartMs = 0;

  constructor(readonly options: LiveStateOptions) {}

  /** One closed interval; returns its row. */
  add(i: LiveInterval): LiveRow {
    this.last = i;
    if (i.phase !== this.phaseIndex) {
      this.phaseIndex = i.phase;
      this.phaseStartMs = i.elapsedMs - i.ms;
    }
    this.interval = i.point?.corrected !== undefined && i.point.corrected.count > 0 ? decodeHistogram(i.point.corrected) : LatencyHistogram.create();
    if (this.interval.count > 0) this.latency.add(this.interval);
    let errors: Record<string, number> = {};
    if (i.counts !== undefined) {
      this.counts = i.counts;
      const now = failuresByKind(i.counts);
      errors = diff(now, this.failures);
      this.failures = now;
    } else if (i.errors > 0) {
      errors = { failed: i.errors };
    }
    this.health = i.health;
    const h = this.interval;
    const pct = (p: number): number | null => (h.count > 0 ? ms(h.percentile(p)) : null);
    const row: LiveRow = {
      t: Math.round(i.elapsedMs - i.ms) / 1000,
      phase: i.phaseName,
      warmup: i.warmup,
      rps: i.ms > 0 ? Math.round((i.completed * 1000 / i.ms) * 100) / 100 : 0,
      target: this.targetRate(i),
      p50: pct(50),
      p90: pct(90),
      p99: pct(99),
      p999: pct(99.9),
      max: h.count > 0 ? ms(h.max) : null,
      errors,
      loop: i.health.length > 0 ? Math.max(...i.health.map((w) => w.utilization)) : null,
      cpu: i.health.length > 0 ? i.health.reduce((a, w) => a + w.cpu, 0) : null,
    };
    this.rows.push(row);
    return row;
  }

  /** The open phase's scheduled rate at the interval's middle (phase start known to an interval). */
  private targetRate(i: LiveInterval): number | null {
    const p = this.options.phases[i.phase];
    if (p === undefined || p.model !== 'open') return null;
    const mid = i.elapsedMs - i.ms / 2 - this.phaseStartMs;
    return Math.round(rateAt(p, Math.max(0, mid)) * (this.options.rateShare ?? 1) * 100) / 100;
  }

  /** Totals so far, all requests together. */
  totals(): { requests: number; responses: number; errors: number } {
    let requests = 0;
    let responses = 0;
    let errors = 0;
    for (const c of this.counts) {
      requests += c.requests;
      responses += c.responses;
      errors += c.errors;
    }
    return { requests, responses, errors };
  }

  /**
   * The run ended: its final counts (the last short interval and anything the feed did not carry
   * are in the result) replace the running ones, so every output ends on the report's numbers.
   */
  finish(result: RunResult): void {
    this.latency.reset();
    const overall = result.histograms.overall.corrected;
    if (overall.count > 0) this.latency.add(decodeHistogram(overall));
    this.end(result.requests.map((q) => ({
      name: q.name,
      requests: q.requests,
      responses: q.responses,
      errors: q.errors,
      bytesIn: q.bytesIn,
      bytesOut: q.bytesOut,
      status: { ...q.statusCounts },
      failedStatus: { ...(q.errorsByStatus ?? {}) },
      errorCodes: { ...(q.errorsByCode ?? {}) },
    })));
  }

  /** The run ended with these final counts (a crawl's, or a run's through finish()). */
  end(counts: RequestCounts[]): void {
    this.counts = counts;
    this.ended = true;
  }
}
