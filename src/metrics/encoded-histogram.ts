// The plain-data form of a LatencyHistogram that crosses threads, files and machines:
// HdrHistogram's compressed base64 string plus the exact min/max (the encoding keeps bucket counts
// only) and the count (so readers can skip empty ones without decoding).
import { LatencyHistogram } from './histogram.js';

export interface EncodedHistogram {
  /** HdrHistogram V2 compressed base64 (what .hlog lines and HdrHistogram tools read). */
  hdr: string;
  /** Exact smallest recorded value, µs (0 when empty). */
  min: number;
  /** Exact largest recorded value, µs (0 when empty). */
  max: number;
  count: number;
}

export function encodeHistogram(h: LatencyHistogram): EncodedHistogram {
  return { hdr: h.encode(), min: h.min, max: h.max, count: h.count };
}

export function decodeHistogram(e: EncodedHistogram): LatencyHistogram {
  return LatencyHistogram.decode(e.hdr, { min: e.min, max: e.max });
}

/** Add encoded histograms together (lossless); an empty list gives an empty histogram. */
export function mergeEncodedHistograms(list: readonly EncodedHistogram[]): LatencyHistogram {
  const sum = LatencyHistogram.create();
  for (const e of list) {
    if (e.count > 0) sum.add(decodeHistogram(e));
  }
  return sum;
}
