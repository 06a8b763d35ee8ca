// Abort-on-fail thresholds, judged live: once a second, on everything measured so far (the
// workers' interval points added up), so a run that has already failed its gate stops early.
// Latency and error-rate thresholds over the whole run are watched; rps and windowed ones are
// judged at the end only (a partial run says little about them).
import { decodeHistogram } from '../metrics/encoded-histogram.js';
import { LatencyHistogram } from '../metrics/histogram.js';
import type { SeriesPoint } from '../metrics/series.js';
import { thresholdPasses, type Threshold } from '../scenario/index.js';
import { thresholdLabel } from '../scenario/thresholds.js';
import type { IntervalTick } from './loop-types.js';

/** A latency metric of a histogram, ms (the report's reading of min/max/mean/stddev/pNN). */
export function latencyMetricMs(t: Threshold, h: LatencyHistogram): number {
  const us =
    t.metric === 'min' ? h.min : t.metric === 'max' ? h.max : t.metric === 'mean' ? h.mean : t.metric === 'stddev' ? h.stdev : h.percentile(t.percentile ?? 50);
  return Math.round(us) / 1000;
}

class Watched {
  readonly hist = LatencyHistogram.create();
  requests = 0;
  errors = 0;
  constructor(readonly t: Threshold) {}

  add(p: SeriesPoint): void {
    this.requests += p.requests;
    this.errors += p.errors;
    if (this.t.kind === 'latency' && p.corrected !== undefined && p.corrected.count > 0) this.hist.add(decodeHistogram(p.corrected));
  }

  failed(): boolean {
    const t = this.t;
    if (t.kind === 'errors') return this.requests > 0 && !thresholdPasses(t, this.errors / this.requests);
    return this.hist.count > 0 && !thresholdPasses(t, latencyMetricMs(t, this.hist));
  }
}

export class ThresholdWatch {
  private readonly watched: Watched[];

  constructor(thresholds: readonly Threshold[]) {
    this.watched = thresholds.filter((t) => t.abortOnFail && t.window === undefined && t.kind !== 'rps').map((t) => new Watched(t));
  }

  get active(): boolean {
    return this.watched.length > 0;
  }

  /**
   * Adds one interval (one tick per worker); returns the first failed threshold, named with its
   * scope ("slow: p50 < 5ms", "overall: errors < 1%"), if any.
   */
  onTicks(ticks: readonly IntervalTick[]): string | undefined {
    for (const w of this.watched) {
      for (const tick of ticks) {
        const p = w.t.request === undefined ? tick.point : tick.requestPoints?.[w.t.request];
        if (p !== undefined) w.add(p);
      }
    }
    for (const w of this.watched) if (w.failed()) return thresholdLabel(w.t);
    return undefined;
  }
}
