// Abort-on-fail thresholds, judged live: once an interval, on everything measured so far (the
// workers' interval points added up), so a run that has already failed its gate stops early.
// Latency and error-rate thresholds over the whole run are watched; rps and windowed ones are
// judged at the end only (a partial run says little about them). Measuring and judging is
// metrics/threshold-evaluation.ts, the same code the reports use after the run.
import { measureThreshold, thresholdPasses, ThresholdTally } from '../metrics/threshold-evaluation.js';
import type { Threshold } from '../scenario/index.js';
import { thresholdLabel } from '../scenario/thresholds.js';
import type { IntervalTick } from './loop-types.js';

class Watched {
  readonly tally = new ThresholdTally();
  constructor(readonly t: Threshold) {}

  /** Failed on the data so far (no data yet is not a failure: the run goes on). */
  failed(): boolean {
    const actual = measureThreshold(this.t, this.tally.sample());
    return actual !== null && !thresholdPasses(this.t, actual);
  }
}

export class ThresholdWatch {
  private readonly watched: Watched[];

  constructor(thresholds: readonly Threshold[]) {
    this.watched = thresholds.filter((t) => t.abortOnFail && t.window === undefined && t.kind !== 'rps' && t.kind !== 'stream').map((t) => new Watched(t));
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
        if (p !== undefined) w.tally.add(p);
      }
    }
    for (const w of this.watched) if (w.failed()) return thresholdLabel(w.t);
    return undefined;
  }
}
