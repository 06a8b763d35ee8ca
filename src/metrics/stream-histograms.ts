// Streamed-response metrics (issue 18) of one request name, or of all: five HDR histograms and
// two counters, created only when a streaming request completes (a run without `stream:` requests
// never allocates them).
//   ttfb          scheduled send → first response byte, µs (coordinated-omission corrected, like latency)
//   firstEvent    scheduled send → first body chunk (stream: chunks) or first SSE event (stream: sse), µs
//   gap           between consecutive chunks/events of a stream, µs (one sample per gap)
//   duration      first chunk/event → end of the response, µs
//   rate          events (chunks) per second of each stream with two or more, stored ×1000 (milli-events/s)
//                 so that the ms conversion every reader applies (value / 1000) gives events/s.
import { type EncodedHistogram, encodeHistogram, mergeEncodedHistograms } from './encoded-histogram.js';
import { LatencyHistogram } from './histogram.js';

/** The five histograms' names, as thresholds spell the metrics (events/s is `rate`). */
export const STREAM_METRICS = ['ttfb', 'first_event', 'gap', 'stream_duration', 'events/s'] as const;
export type StreamMetric = (typeof STREAM_METRICS)[number];

export interface StreamSnapshot {
  /** Streamed responses recorded. */
  streams: number;
  /** Chunks or events over all of them. */
  events: number;
  ttfb: EncodedHistogram;
  firstEvent: EncodedHistogram;
  gap: EncodedHistogram;
  duration: EncodedHistogram;
  /** milli-events per second. */
  rate: EncodedHistogram;
}

export class StreamHistograms {
  readonly ttfb = LatencyHistogram.create();
  readonly firstEvent = LatencyHistogram.create();
  readonly gap = LatencyHistogram.create();
  readonly duration = LatencyHistogram.create();
  readonly rate = LatencyHistogram.create();
  streams = 0;
  events = 0;

  reset(): void {
    this.ttfb.reset();
    this.firstEvent.reset();
    this.gap.reset();
    this.duration.reset();
    this.rate.reset();
    this.streams = 0;
    this.events = 0;
  }

  toSnapshot(): StreamSnapshot {
    return {
      streams: this.streams,
      events: this.events,
      ttfb: encodeHistogram(this.ttfb),
      firstEvent: encodeHistogram(this.firstEvent),
      gap: encodeHistogram(this.gap),
      duration: encodeHistogram(this.duration),
      rate: encodeHistogram(this.rate),
    };
  }
}

/** The histogram of a snapshot that a threshold metric reads. */
export function streamHistogramOf(s: StreamSnapshot, metric: StreamMetric): EncodedHistogram {
  switch (metric) {
    case 'ttfb':
      return s.ttfb;
    case 'first_event':
      return s.firstEvent;
    case 'gap':
      return s.gap;
    case 'stream_duration':
      return s.duration;
    case 'events/s':
      return s.rate;
  }
}

/** Adds stream snapshots (lossless); undefined when none of them has one. */
export function mergeStreamSnapshots(list: readonly (StreamSnapshot | undefined)[]): StreamSnapshot | undefined {
  const present = list.filter((s): s is StreamSnapshot => s !== undefined);
  if (present.length === 0) return undefined;
  const merge = (pick: (s: StreamSnapshot) => EncodedHistogram): EncodedHistogram => encodeHistogram(mergeEncodedHistograms(present.map(pick)));
  return {
    streams: present.reduce((a, s) => a + s.streams, 0),
    events: present.reduce((a, s) => a + s.events, 0),
    ttfb: merge((s) => s.ttfb),
    firstEvent: merge((s) => s.firstEvent),
    gap: merge((s) => s.gap),
    duration: merge((s) => s.duration),
    rate: merge((s) => s.rate),
  };
}
