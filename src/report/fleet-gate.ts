// issue 17 (fleet): live gates across a fleet of shards. Pure: no Redis, no clock of its own — the
// transport (cli/fleet/) feeds it each shard's closed intervals as they arrive and says which shards
// are still expected; this file merges them interval by interval and judges the thresholds on the
// merged fleet, the same way the engine's own watch judges one process (metrics/threshold-evaluation).
//
// An interval t closes when every expected shard has reported it, or `graceMs` after its first
// report arrived (a straggler's late point is then left out of the live view; the final merged
// result still has it, from the shard's result file). Intervals close in order of t; the caller
// gives each shard's intervals on one time line (cli/fleet/fleet-follower.ts shifts each shard by
// its start, in whole intervals, as `fastbench merge` does).
//
// Judged live, on the merged points:
//   - whole-run latency and error thresholds: on everything closed so far (a ThresholdTally);
//   - `over Ns windows`: each window once all its intervals have closed (windows cut from the
//     first closed interval, as judgeThreshold cuts them after the run);
//   - rps over the whole run and `over last Ns` are judged on the final merged result only (a
//     partial run says little about them), as in engine/threshold-watch.ts.
// The first failed `abortOnFail` threshold is the fleet's abort reason.
import { mergeEncodedHistograms } from '../metrics/encoded-histogram.js';
import type { RequestCounts, WorkerHealth } from '../metrics/live-interval.js';
import type { RunResult } from '../metrics/run-result.js';
import { Series, type SeriesPoint } from '../metrics/series.js';
import { measureThreshold, thresholdPasses, ThresholdTally, type ThresholdSample } from '../metrics/threshold-evaluation.js';
import type { Threshold } from '../scenario/scenario.js';
import { thresholdLabel } from '../scenario/thresholds.js';

/** One shard's closed interval, as a shard publishes it. */
export interface FleetReport {
  shard: number;
  t: number;
  /** The shard's point for the interval (its workers' points merged): counters + encoded HDR. */
  point: SeriesPoint;
  /** Points of the requests that windowed / abort-on-fail thresholds name. */
  requestPoints?: Record<string, SeriesPoint>;
  /** The shard's measured start, epoch ms as its clock estimates it (the follower aligns shards by it). */
  startMs?: number;
  /** Its cumulative counts per request so far (the live feed's; absent from older shards). */
  counts?: RequestCounts[];
  /** Its workers' health over the interval. */
  health?: WorkerHealth[];
}

/** One interval of the whole fleet: what `fastbench watch` prints and a dashboard would plot. */
export interface FleetInterval {
  t: number;
  /** The shards' points merged losslessly (HDR histograms added). */
  point: SeriesPoint;
  requestPoints: Record<string, SeriesPoint>;
  /** Shards whose point is in `point`, ascending. */
  shards: number[];
  /** Shards expected but absent when the interval closed (late past the grace, or lost). */
  missing: number[];
  /** Every threshold failed so far (labels such as "overall: p99 < 50ms"). */
  failing: string[];
  /** The fleet's abort reason once an abort-on-fail threshold has failed (this interval or before). */
  abort: string | undefined;
  /** Cumulative counts per request of the shards that published them with this interval, by shard. */
  counts?: Record<number, RequestCounts[]>;
  /** The reporting shards' workers' health over the interval. */
  health?: WorkerHealth[];
}

export interface FleetGateOptions {
  /** The scenario's interval length, ms (windows are counted in intervals). */
  intervalMs: number;
  /** How long an interval waits for the expected shards after its first report, ms. */
  graceMs: number;
}

interface Pending {
  firstSeenMs: number;
  reports: Map<number, FleetReport>;
}

/** A threshold watched live. */
class Judged {
  private readonly tally = new ThresholdTally();
  private readonly span: number;
  private windowStart: number | undefined;
  private windowPoints: SeriesPoint[] = [];
  failed = false;
  readonly label: string;

  constructor(readonly t: Threshold, intervalMs: number) {
    this.label = thresholdLabel(t);
    this.span = t.window === undefined ? 1 : Math.max(1, Math.round(t.window.ms / intervalMs));
  }

  static watchable(t: Threshold): boolean {
    if (t.window === undefined) return t.kind !== 'rps';
    return t.window.kind === 'each';
  }

  /** Adds the fleet's interval (undefined: the scope had no point in it); true when this failed now. */
  add(t: number, p: SeriesPoint | undefined): boolean {
    if (this.failed) return false;
    if (this.t.window === undefined) {
      if (p === undefined) return false;
      this.tally.add(p);
      const actual = measureThreshold(this.t, this.tally.sample());
      this.failed = actual !== null && !thresholdPasses(this.t, actual);
      return this.failed;
    }
    this.windowStart ??= t;
    // windows wholly before t (a gap in the data): judge what they hold
    while (t >= this.windowStart + this.span) this.closeWindow();
    if (p !== undefined) this.windowPoints.push(p);
    if (t === this.windowStart + this.span - 1) this.closeWindow();
    return this.failed;
  }

  private closeWindow(): void {
    const ps = this.windowPoints;
    this.windowPoints = [];
    this.windowStart = (this.windowStart ?? 0) + this.span;
    if (ps.length === 0 || this.failed) return;
    const sample: ThresholdSample = {
      requests: ps.reduce((a, p) => a + p.requests, 0),
      errors: ps.reduce((a, p) => a + p.errors, 0),
      seconds: ps.reduce((a, p) => a + p.ms, 0) / 1000,
      latency: this.t.kind === 'latency' ? mergeEncodedHistograms(ps.flatMap((p) => (p.corrected !== undefined ? [p.corrected] : []))) : undefined,
    };
    const actual = measureThreshold(this.t, sample);
    if (actual !== null && !thresholdPasses(this.t, actual)) this.failed = true;
  }
}

export class FleetGate {
  private readonly pending = new Map<number, Pending>();
  private readonly judged: Judged[];
  private readonly failing: string[] = [];
  /** Highest t closed so far (reports at or below it are late). */
  private closedThrough = -Infinity;
  private abortReason: string | undefined;
  /** Points that arrived after their interval had closed (left out of the live view). */
  late = 0;

  constructor(thresholds: readonly Threshold[], private readonly options: FleetGateOptions) {
    this.judged = thresholds.filter((t) => Judged.watchable(t)).map((t) => new Judged(t, options.intervalMs));
  }

  get abort(): string | undefined {
    return this.abortReason;
  }

  /** One shard's interval arrived (at `nowMs`, the caller's clock). */
  report(r: FleetReport, nowMs: number): void {
    if (r.t <= this.closedThrough) {
      this.late++;
      return;
    }
    let p = this.pending.get(r.t);
    if (p === undefined) this.pending.set(r.t, (p = { firstSeenMs: nowMs, reports: new Map() }));
    p.reports.set(r.shard, r);
  }

  /**
   * Closes the intervals that are complete: in order of t, each once every shard `expected(t)`
   * names has reported it, or `graceMs` after its first report. `flush` closes all that are left.
   */
  close(expected: (t: number) => readonly number[], nowMs: number, flush = false): FleetInterval[] {
    const out: FleetInterval[] = [];
    const ts = [...this.pending.keys()].sort((a, b) => a - b);
    for (const t of ts) {
      const p = this.pending.get(t)!;
      const want = expected(t);
      const missing = want.filter((s) => !p.reports.has(s));
      if (!flush && missing.length > 0 && nowMs - p.firstSeenMs < this.options.graceMs) break;
      this.pending.delete(t);
      this.closedThrough = t;
      out.push(this.judge(t, p, missing));
    }
    return out;
  }

  private judge(t: number, p: Pending, missing: number[]): FleetInterval {
    const reports = [...p.reports.values()].sort((a, b) => a.shard - b.shard);
    const point = Series.mergePoints(reports.map((r) => r.point));
    point.t = t;
    const names = new Set(reports.flatMap((r) => Object.keys(r.requestPoints ?? {})));
    const requestPoints: Record<string, SeriesPoint> = {};
    for (const name of names) {
      const parts = reports.flatMap((r) => (r.requestPoints?.[name] !== undefined ? [r.requestPoints[name]] : []));
      requestPoints[name] = Series.mergePoints(parts);
    }
    for (const j of this.judged) {
      const scoped = j.t.request === undefined ? point : requestPoints[j.t.request];
      if (!j.add(t, scoped)) continue;
      this.failing.push(j.label);
      if (j.t.abortOnFail) this.abortReason ??= j.label;
    }
    const counts: Record<number, RequestCounts[]> = {};
    for (const r of reports) if (r.counts !== undefined) counts[r.shard] = r.counts;
    const health = reports.flatMap((r) => r.health ?? []);
    return {
      t,
      point,
      requestPoints,
      shards: reports.map((r) => r.shard),
      missing,
      failing: [...this.failing],
      abort: this.abortReason,
      ...(Object.keys(counts).length > 0 ? { counts } : {}),
      ...(health.length > 0 ? { health } : {}),
    };
  }
}

/** A shard that stopped reporting before it published its result. */
export interface LostShard {
  shard: number;
  /** Its last interval seen, if any. */
  lastT: number | undefined;
  /** Requests in its intervals seen (kept in the live view; the final result has no file of it). */
  requests: number;
}

export interface FleetVerdict {
  exit: 0 | 1 | 3;
  passed: boolean;
  /** Why the fleet failed (empty when it passed). */
  reasons: string[];
}

/**
 * The fleet's verdict on the merged final result: a failed threshold, an abort (the fleet's or a
 * shard's), an interrupted shard, a lost shard or no success at all fail it (exit 1); a generator
 * that was the bottleneck on any shard makes it invalid (exit 3, unless allowed).
 */
export function fleetVerdict(merged: RunResult, o: { abort: string | undefined; lost: readonly LostShard[]; expected: number; allowInvalid?: boolean }): FleetVerdict {
  const reasons: string[] = [];
  for (const t of merged.thresholds) if (!t.passed) reasons.push(`threshold failed: ${t.scope}: ${t.expression}`);
  const abort = o.abort ?? merged.abortedBy;
  if (abort !== undefined) reasons.push(`stopped by ${abort}`);
  else if (merged.interrupted) reasons.push('a shard was interrupted');
  for (const l of o.lost) reasons.push(`shard ${l.shard} of ${o.expected} was lost${l.lastT !== undefined ? ` after interval ${l.lastT}` : ' before its first interval'}`);
  if (merged.overall.responses === 0) reasons.push('no request succeeded');
  if (!merged.valid && o.allowInvalid !== true) return { exit: 3, passed: false, reasons: [...reasons, `invalid: ${merged.invalidReason ?? 'a generator was the bottleneck'}`] };
  return { exit: reasons.length > 0 ? 1 : 0, passed: reasons.length === 0, reasons };
}

const ms = (us: number): string => `${(us / 1000).toFixed(us >= 100_000 ? 0 : 1)}ms`;

/** One line per fleet interval (watch, and shards' --fleet progress). */
export function fleetIntervalLine(iv: FleetInterval, intervalMs: number): string {
  const p = iv.point;
  const rps = p.ms > 0 ? Math.round((p.requests * 1000) / p.ms) : 0;
  const err = p.requests > 0 ? ((100 * p.errors) / p.requests).toFixed(1) : '0.0';
  const at = ((iv.t + 1) * intervalMs) / 1000;
  let line = `fleet t=${at}s shards ${iv.shards.length}/${iv.shards.length + iv.missing.length}  ${p.requests} req  ${rps} rps  p50 ${ms(p.p50Us)}  p99 ${ms(p.p99Us)}  errors ${err}%`;
  if (iv.missing.length > 0) line += `  missing ${iv.missing.join(',')}`;
  if (iv.failing.length > 0) line += `  FAILING ${iv.failing.join('; ')}`;
  if (iv.abort !== undefined) line += `  ABORT`;
  return line;
}
