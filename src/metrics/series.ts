// The per-second series: one point per closed interval (normally one second) per recorder, merged
// across workers/shards by interval index, and turned into report rows.
import { type EncodedHistogram, mergeEncodedHistograms, encodeHistogram } from './encoded-histogram.js';

/** One closed interval of one recorder (or of several, once merged). Plain, JSON-safe data. */
export interface SeriesPoint {
  /** Interval index: whole seconds since the run started. Points merge by it. */
  t: number;
  /** Interval length in ms (the last one of a run may be short). */
  ms: number;
  /** Completed attempts: responses + errors. */
  requests: number;
  responses: number;
  errors: number;
  bytesIn: number;
  bytesOut: number;
  /** Corrected latency percentiles of this interval, µs. */
  p50Us: number;
  p99Us: number;
  /** Corrected (from scheduled time) latencies of the interval, when the recorder keeps them. */
  corrected?: EncodedHistogram;
  /** Service-time latencies of the interval, when the recorder keeps them. */
  service?: EncodedHistogram;
}

/** A report row: what text/HTML/JSON reports plot per second. Latencies in ms. */
export interface SeriesRow {
  t: number;
  requests: number;
  rps: number;
  errors: number;
  p50: number;
  p99: number;
  /** Bytes received in the interval. */
  bytes: number;
  bytesOut: number;
}

/** An interval's encoded corrected histogram, for compare's noise test and .hlog writing. */
export interface IntervalHistogram {
  t: number;
  ms: number;
  corrected: EncodedHistogram;
  service?: EncodedHistogram;
}

const usToMs = (us: number): number => Math.round(us) / 1000;

export class Series {
  readonly points: SeriesPoint[] = [];

  push(point: SeriesPoint): void {
    this.points.push(point);
  }

  clear(): void {
    this.points.length = 0;
  }

  /**
   * Merge points that cover the same interval (same t) from different recorders. Counters add;
   * histograms add losslessly and p50/p99 are recomputed from the sum. When some part lacks its
   * histogram, the merged point has none and its p50/p99 are the largest of the parts'.
   */
  static mergePoints(parts: readonly SeriesPoint[]): SeriesPoint {
    const first = parts[0];
    if (first === undefined) throw new RangeError('mergePoints needs at least one point');
    const out: SeriesPoint = {
      t: first.t, ms: 0, requests: 0, responses: 0, errors: 0, bytesIn: 0, bytesOut: 0, p50Us: 0, p99Us: 0,
    };
    let allCorrected = true;
    let allService = true;
    for (const p of parts) {
      if (p.ms > out.ms) out.ms = p.ms;
      out.requests += p.requests;
      out.responses += p.responses;
      out.errors += p.errors;
      out.bytesIn += p.bytesIn;
      out.bytesOut += p.bytesOut;
      if (p.p50Us > out.p50Us) out.p50Us = p.p50Us;
      if (p.p99Us > out.p99Us) out.p99Us = p.p99Us;
      if (p.corrected === undefined) allCorrected = false;
      if (p.service === undefined) allService = false;
    }
    if (parts.length === 1) {
      if (first.corrected !== undefined) out.corrected = first.corrected;
      if (first.service !== undefined) out.service = first.service;
      return out;
    }
    if (allCorrected) {
      const h = mergeEncodedHistograms(parts.map((p) => p.corrected as EncodedHistogram));
      out.corrected = encodeHistogram(h);
      out.p50Us = h.percentile(50);
      out.p99Us = h.percentile(99);
    }
    if (allService) out.service = encodeHistogram(mergeEncodedHistograms(parts.map((p) => p.service as EncodedHistogram)));
    return out;
  }

  /** Merge several recorders' series, aligning by interval index t; result sorted by t. */
  static merge(seriesList: readonly (readonly SeriesPoint[])[]): SeriesPoint[] {
    const byT = new Map<number, SeriesPoint[]>();
    for (const list of seriesList) {
      for (const p of list) {
        const group = byT.get(p.t);
        if (group === undefined) byT.set(p.t, [p]);
        else group.push(p);
      }
    }
    return [...byT.keys()].sort((a, b) => a - b).map((t) => Series.mergePoints(byT.get(t) as SeriesPoint[]));
  }

  /** Report rows (rates per second over each interval's own length; latencies in ms). */
  static rows(points: readonly SeriesPoint[]): SeriesRow[] {
    return points.map((p) => {
      const seconds = p.ms > 0 ? p.ms / 1000 : 1;
      return {
        t: p.t,
        requests: p.requests,
        rps: Math.round((p.requests / seconds) * 100) / 100,
        errors: p.errors,
        p50: usToMs(p.p50Us),
        p99: usToMs(p.p99Us),
        bytes: p.bytesIn,
        bytesOut: p.bytesOut,
      };
    });
  }

  /** The intervals that carry an encoded corrected histogram. */
  static intervalHistograms(points: readonly SeriesPoint[]): IntervalHistogram[] {
    const out: IntervalHistogram[] = [];
    for (const p of points) {
      if (p.corrected === undefined) continue;
      const ih: IntervalHistogram = { t: p.t, ms: p.ms, corrected: p.corrected };
      if (p.service !== undefined) ih.service = p.service;
      out.push(ih);
    }
    return out;
  }
}
