// The latency histogram: the ONLY place hdr-histogram-js is configured.
//
// Every latency fastbench records is an integer number of MICROSECONDS in [1 µs, 1 h], kept to
// 3 significant digits. Out-of-range samples are clamped (0 → 1 µs, > 1 h → 1 h); they never throw.
//
// Implementation choice, measured with bench/metrics-record.js (2 shared AMD EPYC cores, Node 20,
// log-uniform samples 1 µs .. 10 s; ranges over several runs):
//   hdr-histogram-js recordValue(), plain JS, 64-bit buckets   109-115 ns
//   hdr-histogram-js recordValue(), plain JS, 32-bit buckets   106-129 ns
//   hdr-histogram-js recordValue(), 'packed'                    500-530 ns
//   hdr-histogram-js recordValue(), wasm (32 or 64-bit)          22-27 ns, plus an async init and
//                                                               a destroy() per histogram (pinned
//                                                               wasm memory leaks without it)
//   LatencyHistogram.record: plain JS 64-bit histogram, bucket     5-10 ns
//   index computed here with Math.clz32, same counts array
// The plain-JS histogram stays the storage (GC-managed, no lifecycle, full API: add, iterators,
// encoding); only the hot `record` skips the library's Math.log2/Math.pow index arithmetic. The
// layout is HdrHistogram's documented one; a startup self-check compares our index with the
// library's and falls back to recordValue() if they ever disagree (and a unit test checks that
// both paths produce byte-identical encodings).
//
// Coordinated-omission correction is NOT done here (no recordValueWithExpectedInterval): the engine
// measures from each request's scheduled send time and records that.
import hdr from 'hdr-histogram-js';
import type { JsHistogram } from 'hdr-histogram-js';

/** Lowest discernible latency, µs. */
export const LOWEST_US = 1;
/** Highest trackable latency, µs (one hour). Larger samples are clamped to it. */
export const HIGHEST_US = 3_600_000_000;
/** Significant decimal digits kept. */
export const SIGNIFICANT_DIGITS = 3;

/** Fields of the library's typed-array histogram that the fast path reads and writes. */
interface HdrStore extends JsHistogram {
  _counts: Float64Array;
  _totalCount: number;
}

// With lowest = 1 and 3 digits: subBucketCount = 2048 (half = 1024, magnitude 10), unitMagnitude 0.
const SUB_BUCKET_MASK = 2047;
const SUB_BUCKET_HALF_COUNT = 1024;
const SUB_BUCKET_HALF_MAGNITUDE = 10;

function build(): HdrStore {
  return hdr.build({
    bitBucketSize: 64,
    autoResize: false,
    lowestDiscernibleValue: LOWEST_US,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
  }) as HdrStore;
}

/** Counts-array index of an integer value in [0, 2^32): HdrHistogram's layout, via clz32. */
function indexOf(v: number): number {
  const bucket = 21 - Math.clz32(v | SUB_BUCKET_MASK); // 32 - 11 - clz(v | mask)
  return ((bucket + 1) << SUB_BUCKET_HALF_MAGNITUDE) + (v >>> bucket) - SUB_BUCKET_HALF_COUNT;
}

/** Does the library's layout match the one indexOf assumes? Checked once per process. */
function fastPathUsable(): boolean {
  const h = build() as HdrStore & {
    countsArrayIndex(v: number): number;
    subBucketHalfCountMagnitude: number;
    unitMagnitude: number;
  };
  if (!(h._counts instanceof Float64Array) || typeof h._totalCount !== 'number') return false;
  if (h.subBucketHalfCountMagnitude !== SUB_BUCKET_HALF_MAGNITUDE || h.unitMagnitude !== 0) return false;
  if (h._counts.length !== h.countsArrayLength || indexOf(HIGHEST_US) >= h.countsArrayLength) return false;
  const probes = [0, 1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 12_345, 65_536, 999_999, 1_000_000, 123_456_789, 2 ** 31, HIGHEST_US];
  for (const v of probes) if (h.countsArrayIndex(v) !== indexOf(v)) return false;
  return true;
}

const FAST = fastPathUsable();
const COUNTS_LENGTH = build().countsArrayLength;

/** One line of a percentile distribution ("nines" plot), as HdrHistogram's outputPercentileDistribution. */
export interface PercentilePoint {
  /** Percentile level in [0, 100]. */
  percentile: number;
  /** Highest value equivalent to the one at that level, µs. */
  valueUs: number;
  /** Samples at or below valueUs. */
  totalCount: number;
  /** 1 / (1 - percentile/100); Infinity at 100. */
  inverse: number;
}

/** Exact min/max that the compressed encoding does not carry (it keeps bucket counts only). */
export interface ExactExtremes {
  min: number;
  max: number;
}

function clamp(us: number): number {
  // NaN and anything below 1 µs → 1; above one hour → one hour; fractions truncated.
  if (us > HIGHEST_US) return HIGHEST_US;
  if (!(us >= LOWEST_US)) return LOWEST_US;
  return us >>> 0;
}

export class LatencyHistogram {
  /** @internal the library histogram (Float64 buckets). */
  readonly raw: HdrStore;
  private readonly counts: Float64Array;

  private constructor(h: HdrStore) {
    this.raw = h;
    this.counts = h._counts;
  }

  static create(): LatencyHistogram {
    return new LatencyHistogram(build());
  }

  /**
   * Decode HdrHistogram's compressed base64 form (as written by encode(), HdrHistogram Java,
   * HdrHistogram_c, .hlog lines). Counts are restored exactly; min/max come back as bucket
   * boundaries unless `exact` gives the recorded ones.
   */
  static decode(encoded: string, exact?: ExactExtremes): LatencyHistogram {
    const decoded = hdr.decodeFromCompressedBase64(encoded, 64) as HdrStore;
    let out: LatencyHistogram;
    if (decoded.countsArrayLength === COUNTS_LENGTH && decoded.highestTrackableValue === HIGHEST_US
      && decoded.lowestDiscernibleValue === LOWEST_US && decoded.numberOfSignificantValueDigits === SIGNIFICANT_DIGITS) {
      out = new LatencyHistogram(decoded);
    } else {
      // Foreign configuration: re-bucket into ours (values beyond 1 h would throw; clamp them).
      out = LatencyHistogram.create();
      const it = decoded.recordedValuesIterator;
      it.reset();
      while (it.hasNext()) {
        const v = it.next();
        out.recordCount(v.valueIteratedTo, v.countAtValueIteratedTo);
      }
    }
    if (exact !== undefined && out.count > 0) {
      out.raw.minNonZeroValue = clamp(exact.min);
      out.raw.maxValue = clamp(exact.max);
    }
    return out;
  }

  /** Record one latency in µs. Allocation-free; never throws. */
  record(us: number): void {
    const v = clamp(us);
    const h = this.raw;
    if (FAST) {
      this.counts[indexOf(v)]!++;
      h._totalCount++;
      if (v > h.maxValue) h.maxValue = v;
      if (v < h.minNonZeroValue) h.minNonZeroValue = v;
    } else {
      h.recordValue(v);
    }
  }

  /**
   * Record one latency into each of several histograms, clamping and locating the bucket once
   * (the recorder's per-sample path: request + overall, cumulative + interval). Allocation-free.
   */
  static recordEach(targets: readonly LatencyHistogram[], us: number): void {
    const v = clamp(us);
    if (!FAST) {
      for (let i = 0; i < targets.length; i++) (targets[i] as LatencyHistogram).raw.recordValue(v);
      return;
    }
    const idx = indexOf(v);
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i] as LatencyHistogram;
      const h = t.raw;
      t.counts[idx]!++;
      h._totalCount++;
      if (v > h.maxValue) h.maxValue = v;
      if (v < h.minNonZeroValue) h.minNonZeroValue = v;
    }
  }

  /**
   * Cumulative counts at or below each bound (µs, ascending) — classic histogram buckets, as
   * Prometheus' `le` buckets count — and the sum of all samples, µs, in one pass over the recorded
   * values (`mean` would be a second). A sample counts by its HDR bucket's value (within 0.1%).
   */
  cumulativeBuckets(boundsUs: readonly number[]): { counts: number[]; sumUs: number } {
    const counts = new Array<number>(boundsUs.length).fill(0);
    let sumUs = 0;
    if (this.count === 0) return { counts, sumUs };
    // Values come in ascending order: count each into the first bound that holds it, then add up.
    const it = this.raw.recordedValuesIterator;
    it.reset();
    let b = 0;
    while (it.hasNext()) {
      const v = it.next();
      sumUs += v.valueIteratedTo * v.countAtValueIteratedTo;
      while (b < boundsUs.length && v.valueIteratedTo > (boundsUs[b] as number)) b++;
      if (b < boundsUs.length) counts[b]! += v.countAtValueIteratedTo;
    }
    for (let i = 1; i < counts.length; i++) counts[i]! += counts[i - 1]!;
    return { counts, sumUs };
  }

  /** Record `count` samples of the same latency. */
  recordCount(us: number, count: number): void {
    if (count > 0) this.raw.recordValueWithCount(clamp(us), count);
  }

  get count(): number {
    return this.raw.totalCount;
  }

  /** Smallest recorded value, µs (0 when empty). */
  get min(): number {
    return this.count === 0 ? 0 : this.raw.minNonZeroValue;
  }

  /** Largest recorded value, µs (0 when empty). */
  get max(): number {
    return this.count === 0 ? 0 : this.raw.maxValue;
  }

  /** Mean, µs (from bucket midpoints, as HdrHistogram computes it). */
  get mean(): number {
    return this.raw.mean;
  }

  /** Standard deviation, µs. */
  get stdev(): number {
    return this.raw.stdDeviation;
  }

  /**
   * Value at percentile p in [0, 100], µs (0 when empty): HdrHistogram's answer (the highest value
   * equivalent to the sample at that rank; the lowest for p = 0), kept within the recorded
   * [min, max] so that no percentile reads above the max (or below the min).
   */
  percentile(p: number): number {
    const h = this.raw;
    if (h.totalCount === 0) return 0;
    const v = h.getValueAtPercentile(p);
    if (v > h.maxValue) return h.maxValue;
    if (v < h.minNonZeroValue) return h.minNonZeroValue;
    return v;
  }

  /** Add every sample of `other` to this histogram (lossless: counts add bucket by bucket). */
  add(other: LatencyHistogram): this {
    if (other.count > 0) this.raw.add(other.raw);
    return this;
  }

  reset(): void {
    this.raw.reset();
  }

  /** A fresh histogram with the same samples. */
  clone(): LatencyHistogram {
    return LatencyHistogram.create().add(this);
  }

  /** HdrHistogram's compressed base64 form (V2 encoding, deflated). */
  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.raw);
  }

  /** The exact min/max to carry next to encode()'s string. */
  extremes(): ExactExtremes {
    return { min: this.min, max: this.max };
  }

  /**
   * Percentile distribution as HdrHistogram's outputPercentileDistribution walks it: levels 0, 50,
   * 75, 87.5, ... with `ticksPerHalfDistance` steps per halving of the distance to 100%, ending
   * at 100% on the largest recorded value. Empty for an empty histogram. Computed eagerly (the
   * library's iterator is shared per histogram, so a lazy generator could interleave badly).
   */
  percentileDistribution(ticksPerHalfDistance = 5): PercentilePoint[] {
    const out: PercentilePoint[] = [];
    if (this.count === 0) return out;
    const it = this.raw.percentileIterator;
    it.reset(ticksPerHalfDistance);
    while (it.hasNext()) {
      const v = it.next();
      const percentile = v.percentileLevelIteratedTo;
      out.push({
        percentile,
        valueUs: v.valueIteratedTo,
        totalCount: v.totalCountToThisValue,
        inverse: percentile >= 100 ? Infinity : 1 / (1 - percentile / 100),
      });
    }
    return out;
  }
}

/** True when records go through the clz32 fast path (exported for tests and the bench). */
export const FAST_RECORD_PATH = FAST;
