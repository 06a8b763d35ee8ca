// The plain-data picture of a Recorder (or of several, merged): JSON-safe and structured-clone
// safe, so workers can post it and shards can write it to disk. Histograms travel as HdrHistogram
// compressed base64; counters as arrays (sparse [key, count] pairs for status and error ids).
import type { EncodedHistogram } from './encoded-histogram.js';
import type { SeriesPoint } from './series.js';
import type { StreamSnapshot } from './stream-histograms.js';
import type { WsSnapshot } from './ws-histograms.js';

export const SNAPSHOT_VERSION = 1;

/** Statistics of one request name, or of all requests together. */
export interface SlotSnapshot {
  name: string;
  /** Completed attempts: responses + errors. */
  requests: number;
  responses: number;
  errors: number;
  bytesIn: number;
  bytesOut: number;
  /** Latency from the scheduled send time (coordinated-omission corrected), µs. */
  corrected: EncodedHistogram;
  /** Service time (from the actual send), µs. Responses only. */
  service: EncodedHistogram;
  /** [status, count] pairs sorted by status; status 0 counts codes outside 100..599. */
  statusCounts: Array<[status: number, count: number]>;
  /** Of statusCounts, the responses that failed by their status (absent in older snapshots). */
  failedStatusCounts?: Array<[status: number, count: number]>;
  /** [error id (core/errors.ts), count] pairs sorted by id. */
  errorCounts: Array<[errorId: number, count: number]>;
  /** Streamed-response histograms (issue 18); absent when no streaming request completed. */
  stream?: StreamSnapshot;
  /** WebSocket step histograms (issue 18); absent when no `ws:` step ran. */
  ws?: WsSnapshot;
}

export interface Snapshot {
  version: typeof SNAPSHOT_VERSION;
  /** Wall-clock epoch ms of the recorder's start (earliest, once merged). */
  startMs: number;
  /** Wall-clock epoch ms when the snapshot was taken (latest, once merged). */
  endMs: number;
  /** How many recorder snapshots this one holds (1 for a single recorder). */
  parts: number;
  overall: SlotSnapshot;
  requests: SlotSnapshot[];
  /** Closed intervals, sorted by t. */
  series: SeriesPoint[];
}

/** Non-zero entries of a counter array as [index, count] pairs. */
export function sparseCounts(counts: ArrayLike<number>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] as number;
    if (c !== 0) out.push([i, c]);
  }
  return out;
}

/** Sum several sparse [key, count] lists into one, sorted by key. */
export function addSparseCounts(lists: readonly (readonly (readonly [number, number])[])[]): Array<[number, number]> {
  const sum = new Map<number, number>();
  for (const list of lists) {
    for (const [k, c] of list) sum.set(k, (sum.get(k) ?? 0) + c);
  }
  return [...sum.entries()].filter(([, c]) => c !== 0).sort((a, b) => a[0] - b[0]);
}
