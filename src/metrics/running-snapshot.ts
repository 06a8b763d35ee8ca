// The run so far, as a Snapshot built from the interval points the workers post while it goes on
// (one per worker per closed interval): counters and the corrected/service histograms add up
// losslessly, the series merges by interval. What points do not carry is left empty: status and
// error-code counts and the per-request breakdown appear in the final result only. Used to refresh
// report files during a long run (report/live-reports.ts); the final Snapshot replaces it.
import { decodeHistogram, encodeHistogram } from './encoded-histogram.js';
import { LatencyHistogram } from './histogram.js';
import { OVERALL_NAME } from './recorder.js';
import { Series, type SeriesPoint } from './series.js';
import { SNAPSHOT_VERSION, type Snapshot } from './snapshot.js';

export class RunningSnapshot {
  private readonly points: SeriesPoint[] = [];
  private readonly corrected = LatencyHistogram.create();
  private readonly service = LatencyHistogram.create();
  private requests = 0;
  private responses = 0;
  private errors = 0;
  private bytesIn = 0;
  private bytesOut = 0;

  /** Adds one worker's closed interval. */
  add(p: SeriesPoint): void {
    this.points.push(p);
    this.requests += p.requests;
    this.responses += p.responses;
    this.errors += p.errors;
    this.bytesIn += p.bytesIn;
    this.bytesOut += p.bytesOut;
    if (p.corrected !== undefined && p.corrected.count > 0) this.corrected.add(decodeHistogram(p.corrected));
    if (p.service !== undefined && p.service.count > 0) this.service.add(decodeHistogram(p.service));
  }

  /** Points added so far. */
  get size(): number {
    return this.points.length;
  }

  snapshot(startMs: number, endMs: number): Snapshot {
    return {
      version: SNAPSHOT_VERSION,
      startMs,
      endMs,
      parts: 1,
      overall: {
        name: OVERALL_NAME,
        requests: this.requests,
        responses: this.responses,
        errors: this.errors,
        bytesIn: this.bytesIn,
        bytesOut: this.bytesOut,
        corrected: encodeHistogram(this.corrected),
        service: encodeHistogram(this.service),
        statusCounts: [],
        errorCounts: [],
      },
      requests: [],
      series: Series.merge([this.points]),
    };
  }
}
