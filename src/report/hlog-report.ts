// latency.hlog: the run's per-interval histograms as an HdrHistogram interval log (format V1.3),
// the file HdrHistogram's own tools read (HistogramLogProcessor, HistogramLogAnalyzer, the
// HistogramLogReader of every port):
//
//   #[Logged with fastbench 0.1.0]
//   #[Histogram log format version 1.3]
//   #[StartTime: 1735689600.000 (seconds since epoch), 2025-01-01T00:00:00.000Z]
//   #[BaseTime: 1735689600.000 (seconds since epoch)]
//   "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
//   0.000,1.000,12.345,HISTFAAAA…
//   Tag=service,0.000,1.000,11.002,HISTFAAAA…
//
// UNITS. Those tools take histogram values to be NANOSECONDS: HistogramLogProcessor divides by
// its -outputValueUnitRatio, default 1e6, to print milliseconds, and HistogramLogWriter writes
// the Interval_Max column as max / 1e6 by default. fastbench records microseconds, so each line's
// histogram is re-bucketed here into nanoseconds, and Interval_Max is the interval's exact max in
// MILLISECONDS (3 decimals = µs precision), as the Java writer's default makes it.
//
// Exactness: each µs bucket is recorded at the centre of the nanosecond range it covers into a
// histogram of 4 significant digits (lowest discernible 1 µs = 1000 ns, highest 1 h), whose buckets
// are at least 4× narrower than ours, so no two of our buckets share one: counts are carried
// exactly, and floor(medianEquivalentValue(v) / 1000) gives back the original µs bucket.
//
// Departure from DESIGN.md ("metrics/histogram.ts is the only place hdr-histogram-js is
// configured"): this is a foreign export format with a foreign unit, not fastbench's latency
// configuration, so it is configured here, next to the one writer that needs it.
//
// Lines: one untagged line per interval of the corrected (from scheduled send) latency, the one
// tools read without -tag; and, when the run kept them, a Tag=service line per interval.
import hdr from 'hdr-histogram-js';
import type { JsHistogram } from 'hdr-histogram-js';
import { type EncodedHistogram, decodeHistogram } from '../metrics/encoded-histogram.js';
import { intervalLengthMs } from '../metrics/intervals.js';
import type { RunResult } from '../metrics/run-result.js';

export const HLOG_LOWEST_NS = 1000;
export const HLOG_HIGHEST_NS = 3_600_000_000_000;
export const HLOG_SIGNIFICANT_DIGITS = 4;
export const HLOG_LEGEND = '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"';

// The same interval is re-encoded on every intermediate write of a long run; remember the answers.
const CACHE_LIMIT = 8192;
const cache = new Map<string, string>();

/** An encoded µs histogram → HdrHistogram compressed base64 of the same samples in ns. */
export function toNanosecondHdr(e: EncodedHistogram): string {
  const hit = cache.get(e.hdr);
  if (hit !== undefined) return hit;
  const us = decodeHistogram(e).raw as JsHistogram;
  const ns = hdr.build({
    bitBucketSize: 64,
    autoResize: false,
    lowestDiscernibleValue: HLOG_LOWEST_NS,
    highestTrackableValue: HLOG_HIGHEST_NS,
    numberOfSignificantValueDigits: HLOG_SIGNIFICANT_DIGITS,
  });
  if (us.totalCount > 0) {
    const it = us.recordedValuesIterator;
    it.reset();
    while (it.hasNext()) {
      const v = it.next();
      const lo = us.lowestEquivalentValue(v.valueIteratedTo);
      const hi = us.highestEquivalentValue(v.valueIteratedTo);
      // The bucket holds integer µs lo..hi, i.e. real times [lo, hi + 1) µs; record its centre.
      ns.recordValueWithCount(Math.min(HLOG_HIGHEST_NS, (lo + hi + 1) * 500), v.countAtValueIteratedTo);
    }
  }
  const out = hdr.encodeIntoCompressedBase64(ns);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(e.hdr, out);
  return out;
}

const f3 = (x: number): string => x.toFixed(3);

function line(tag: string | undefined, startSec: number, lengthSec: number, e: EncodedHistogram): string {
  const max = e.count > 0 ? e.max / 1000 : 0;
  return `${tag !== undefined ? `Tag=${tag},` : ''}${f3(startSec)},${f3(lengthSec)},${f3(max)},${toNanosecondHdr(e)}`;
}

export function renderHlog(r: RunResult): string {
  const startMs = Date.parse(r.startTime);
  const startSec = f3(startMs / 1000);
  const lines = [
    `#[Logged with fastbench ${r.environment.fastbenchVersion}: scenario ${JSON.stringify(r.scenario)}, latency from the scheduled send time]`,
    '#[Histogram log format version 1.3]',
    `#[StartTime: ${startSec} (seconds since epoch), ${new Date(startMs).toISOString()}]`,
    `#[BaseTime: ${startSec} (seconds since epoch)]`,
    '#[Histogram values are nanoseconds; Interval_Max is milliseconds. Untagged lines: latency from the scheduled send (corrected); Tag=service: from the actual send]',
    HLOG_LEGEND,
  ];
  const intervalSec = intervalLengthMs(r) / 1000; // t counts intervals (1 s unless the scenario set `interval:`)
  for (const iv of r.histograms.intervals) {
    lines.push(line(undefined, iv.t * intervalSec, iv.ms / 1000, iv.corrected));
    if (iv.service !== undefined) lines.push(line('service', iv.t * intervalSec, iv.ms / 1000, iv.service));
  }
  return lines.join('\n') + '\n';
}
