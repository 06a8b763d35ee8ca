// issue 18: the streamed requests' table of the HTML and Markdown reports — the text report's
// `streams` table (ttfb, first_event, gap, stream_duration in ms; events/s) as plain cells, with a
// p1 column beside p50/p90/p99/max: for events/s the slow end is what matters (`events/s p1 > 5`
// asks that 99 % of streams keep 5/s). p1 is read from histograms.stream; '—' without it.
import { decodeHistogram, type EncodedHistogram } from '../metrics/encoded-histogram.js';
import type { LatencyStatsMs, RunResult, StreamStats } from '../metrics/run-result.js';
import { streamHistogramOf, type StreamMetric, type StreamSnapshot } from '../metrics/stream-histograms.js';
import { fmtInt, fmtMs } from './format.js';

export const STREAM_COLUMNS = ['request', 'streams', 'events', 'metric', 'p1', 'p50', 'p90', 'p99', 'max'] as const;

export interface StreamTableRow {
  /** The request name on its first metric row, '' on the others. */
  request: string;
  streams: string;
  events: string;
  metric: StreamMetric;
  /** p1, p50, p90, p99, max, formatted ('—' where there is no sample). */
  cells: string[];
}

const METRICS: ReadonlyArray<[StreamMetric, (s: StreamStats) => LatencyStatsMs]> = [
  ['ttfb', (s) => s.ttfbMs],
  ['first_event', (s) => s.firstEventMs],
  ['gap', (s) => s.gapMs],
  ['stream_duration', (s) => s.durationMs],
  ['events/s', (s) => s.eventsPerSecond],
];

/** events/s as the text report shows it: "98.7/s". */
export function fmtPerSecond(v: number): string {
  if (!Number.isFinite(v)) return '—';
  return `${v >= 10_000 ? fmtInt(v) : v.toFixed(1)}/s`;
}

function p1Of(h: EncodedHistogram | undefined): number | undefined {
  if (h === undefined || h.count === 0) return undefined;
  return decodeHistogram(h).percentile(1) / 1000; // µs → ms; milli-events/s → events/s
}

/** Five rows per streamed request (none when no request streamed). */
export function streamTableRows(r: RunResult): StreamTableRow[] {
  const rows: StreamTableRow[] = [];
  for (const q of r.requests) {
    const st = q.stream;
    if (st === undefined) continue;
    const snap: StreamSnapshot | undefined = r.histograms.stream?.requests[q.name];
    METRICS.forEach(([metric, pick], i) => {
      const l = pick(st);
      const fmt = metric === 'events/s' ? fmtPerSecond : fmtMs;
      const p1 = snap !== undefined ? p1Of(streamHistogramOf(snap, metric)) : undefined;
      const cells = l.count === 0 ? ['—', '—', '—', '—', '—'] : [p1 === undefined ? '—' : fmt(p1), ...[l.p50, l.p90, l.p99, l.max].map(fmt)];
      rows.push({ request: i === 0 ? q.name : '', streams: i === 0 ? fmtInt(st.streams) : '', events: i === 0 ? fmtInt(st.events) : '', metric, cells });
    });
  }
  return rows;
}
