// Per-second series of single requests: those named by thresholds over windows (judged at the
// end) and by abort-on-fail thresholds (judged live). The load loop keeps their points at every
// interval close, before the recorder resets its interval figures.
import { encodeHistogram } from '../metrics/encoded-histogram.js';
import type { Recorder } from '../metrics/recorder.js';
import { Series, type SeriesPoint } from '../metrics/series.js';
import type { Scenario } from '../scenario/index.js';

/** Request names that need their own per-second series. */
export function seriesRequests(s: Scenario): string[] {
  const names = new Set<string>();
  for (const t of s.thresholds) if ((t.window !== undefined || t.abortOnFail) && t.request !== undefined) names.add(t.request);
  return [...names];
}

/** Merges a short last point into the one before it (the drain belongs to the last interval). */
export function foldTail(points: SeriesPoint[], intervalMs: number): void {
  const n = points.length;
  if (n < 2 || points[n - 1]!.ms >= intervalMs) return;
  const tail = points.pop()!;
  const prev = points.pop()!;
  points.push(Series.mergePoints([prev, tail]));
}

export class RequestSeries {
  /** Recorder slots whose interval figures are kept per second. */
  private readonly slots: number[] = [];
  /** Request name → its points. */
  readonly points: Record<string, SeriesPoint[]> = {};

  /** `names`: the request names in recorder order. */
  constructor(s: Scenario, names: readonly string[]) {
    for (const name of seriesRequests(s)) {
      const i = names.indexOf(name);
      if (i < 0) continue;
      this.slots.push(i);
      this.points[name] = [];
    }
  }

  get empty(): boolean {
    return this.slots.length === 0;
  }

  /** Before the recorder resets its interval figures: the points of interval `t` (`ms` long). */
  keep(recorder: Recorder, t: number, ms: number): Record<string, SeriesPoint> {
    const out: Record<string, SeriesPoint> = {};
    for (const i of this.slots) {
      const slot = recorder.slots[i]!;
      const h = slot.intervalCorrected;
      const requests = slot.intervalRequests;
      const errors = slot.intervalErrors;
      const point: SeriesPoint = {
        t, ms, requests, responses: requests - errors, errors, bytesIn: 0, bytesOut: 0,
        p50Us: h.percentile(50), p99Us: h.percentile(99), corrected: encodeHistogram(h),
      };
      this.points[slot.name]!.push(point);
      out[slot.name] = point;
    }
    return out;
  }

  /** The run ended: each series' short tail folded into its last whole interval. */
  foldTails(intervalMs: number): void {
    for (const name in this.points) foldTail(this.points[name]!, intervalMs);
  }
}
