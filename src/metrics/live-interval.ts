// The live feed: what a run hands its live outputs (dashboard, Prometheus, OTLP — report/live-*.ts)
// once per closed interval, as plain JSON-safe data. The engine builds one LiveInterval from its
// workers' ticks (RunOptions.onLive); anything else that can produce the same shape — a crawl, or a
// fleet watcher merging shards' intervals — feeds the same outputs.
//
// Counters are CUMULATIVE over the measured part of the run (they start at 0 when measuring
// starts, after any warmup), so a consumer that misses an interval loses nothing, Prometheus
// counters map onto them directly, and shards/workers merge by adding (mergeRequestCounts). The
// interval's own latencies travel as its merged SeriesPoint (encoded HDR histogram included).
import { errorCodeOfId } from '../core/errors.js';
import type { RecorderSlot } from './recorder.js';
import { Series, type SeriesPoint } from './series.js';

/** One request name's counts so far (measured phases), cumulative. */
export interface RequestCounts {
  name: string;
  /** Completed attempts: responses + errors. */
  requests: number;
  responses: number;
  errors: number;
  bytesIn: number;
  bytesOut: number;
  /** Responses by status code ("other": outside 100..599), as RunResult counts them. */
  status: Record<string, number>;
  /** Of those, responses that failed by their status. */
  failedStatus: Record<string, number>;
  /** Failed attempts by error code (ERR_CONN_RESET, ERR_EXPECT_FAILED, …). */
  errorCodes: Record<string, number>;
}

/** The generator's own health over one interval, per worker thread. */
export interface WorkerHealth {
  /** Share of the interval the worker's event loop was busy, 0..1. */
  utilization: number;
  /** CPU time of the worker's thread (of the process where Node cannot tell) per wall second. */
  cpu: number;
}

/** One closed interval of a run, every worker merged. */
export interface LiveInterval {
  /** Interval index since the run started (warmup included). */
  index: number;
  /** Its length, ms (the last one of a run is usually short). */
  ms: number;
  /** Since the run started (end of this interval), ms. */
  elapsedMs: number;
  /** Phase index into the scenario's phases, its name, and whether it is a warmup. */
  phase: number;
  phaseName: string;
  warmup: boolean;
  /** Exchanges completed in the interval (warmup included) and of those failed. */
  completed: number;
  errors: number;
  /** The measured interval's point, workers merged (undefined during a leading warmup). */
  point: SeriesPoint | undefined;
  /** Cumulative measured counts per request name (undefined before measuring starts). */
  counts: RequestCounts[] | undefined;
  /** Each worker's health over the interval (when the workers report it). */
  health: WorkerHealth[];
}

function addRecord(into: Record<string, number>, from: Record<string, number>): void {
  for (const k of Object.keys(from)) into[k] = (into[k] ?? 0) + (from[k] as number);
}

/** Adds several workers' (or shards') counts by request name; order of first appearance. */
export function mergeRequestCounts(lists: readonly (readonly RequestCounts[])[]): RequestCounts[] {
  const byName = new Map<string, RequestCounts>();
  for (const list of lists) {
    for (const c of list) {
      let m = byName.get(c.name);
      if (m === undefined) {
        m = { name: c.name, requests: 0, responses: 0, errors: 0, bytesIn: 0, bytesOut: 0, status: {}, failedStatus: {}, errorCodes: {} };
        byName.set(c.name, m);
      }
      m.requests += c.requests;
      m.responses += c.responses;
      m.errors += c.errors;
      m.bytesIn += c.bytesIn;
      m.bytesOut += c.bytesOut;
      addRecord(m.status, c.status);
      addRecord(m.failedStatus, c.failedStatus);
      addRecord(m.errorCodes, c.errorCodes);
    }
  }
  return [...byName.values()];
}

function sparse(counts: ArrayLike<number>, key: (i: number) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] as number;
    if (c !== 0) out[key(i)] = c;
  }
  return out;
}

/** As RunResult names statuses: the code, or "other" outside 100..599 (index 0). */
const statusKey = (i: number): string => (i === 0 ? 'other' : String(i));

/** A recorder slot's cumulative counts (a scan of its typed arrays: once per interval, never per request). */
export function slotCounts(slot: RecorderSlot): RequestCounts {
  return {
    name: slot.name,
    requests: slot.requests,
    responses: slot.responses,
    errors: slot.errors,
    bytesIn: slot.bytesIn,
    bytesOut: slot.bytesOut,
    status: sparse(slot.statusCounts, statusKey),
    failedStatus: sparse(slot.failedStatusCounts, statusKey),
    errorCodes: sparse(slot.errorCounts, errorCodeOfId),
  };
}

/**
 * One interval of several generators (shards of a fleet) as one: the same index merged — points
 * losslessly (Series.mergePoints), cumulative counts added, health listed. The longest interval's
 * timing and phase stand for the whole. A fleet watcher builds its feed with it.
 */
export function mergeLiveIntervals(parts: readonly LiveInterval[]): LiveInterval {
  const first = parts[0];
  if (first === undefined) throw new RangeError('mergeLiveIntervals needs at least one interval');
  let longest = first;
  let completed = 0;
  let errors = 0;
  const points: SeriesPoint[] = [];
  const counts: RequestCounts[][] = [];
  const health: WorkerHealth[] = [];
  for (const p of parts) {
    if (p.elapsedMs > longest.elapsedMs) longest = p;
    completed += p.completed;
    errors += p.errors;
    if (p.point !== undefined) points.push(p.point);
    if (p.counts !== undefined) counts.push(p.counts);
    health.push(...p.health);
  }
  return {
    index: first.index,
    ms: longest.ms,
    elapsedMs: longest.elapsedMs,
    phase: longest.phase,
    phaseName: longest.phaseName,
    warmup: longest.warmup,
    completed,
    errors,
    point: points.length > 0 ? Series.mergePoints(points) : undefined,
    counts: counts.length > 0 ? mergeRequestCounts(counts) : undefined,
    health,
  };
}
