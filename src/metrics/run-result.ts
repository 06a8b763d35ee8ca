// RunResult: the contract every report writer reads (text, JSON, Markdown, HTML, JUnit, .hlog,
// compare). Built from a (merged) Snapshot plus what only the engine knows (scenario, environment,
// phases, thresholds, validity). Latencies are milliseconds with microsecond precision (1.234).
import { errorCodeOfId } from '../core/errors.js';
import { type EncodedHistogram, decodeHistogram } from './encoded-histogram.js';
import type { LatencyHistogram } from './histogram.js';
import { type IntervalHistogram, Series, type SeriesRow } from './series.js';
import type { Snapshot, SlotSnapshot } from './snapshot.js';
import type { StreamSnapshot } from './stream-histograms.js';
import type { WsSnapshot } from './ws-histograms.js';

export const RUN_RESULT_SCHEMA_VERSION = 1;

export interface RunEnvironment {
  fastbenchVersion: string;
  node: string;
  cpuModel: string;
  cores: number;
  platform?: string;
  arch?: string;
}

/** The headline latency numbers, ms. */
export interface LatencySummaryMs {
  min: number;
  mean: number;
  p50: number;
  p75: number;
  p90: number;
  p99: number;
  p99_9: number;
  p99_99: number;
  max: number;
}

export interface LatencyStatsMs extends LatencySummaryMs {
  stdev: number;
  /** Samples in the histogram. */
  count: number;
}

export interface RequestStats {
  name: string;
  /** Completed attempts: responses + errors. */
  requests: number;
  /** Successful responses. */
  responses: number;
  /** Failed attempts: transport errors, failed checks and responses whose status was not accepted. */
  errors: number;
  /** errors / requests (0 when nothing completed). */
  errorRate: number;
  /** requests per second over the run's duration. */
  rps: number;
  bytesIn: number;
  bytesOut: number;
  /** Latency from the scheduled send time (coordinated-omission corrected). */
  latencyMs: LatencyStatsMs;
  /** Service time from the actual send (responses only). */
  serviceMs: LatencyStatsMs;
  /** Responses by status code ("200", …; "other" for codes outside 100..599). */
  statusCounts: Record<string, number>;
  /** Errors by code (ERR_TIMEOUT_HEADERS, ERR_EXPECT_FAILED, …); status failures are not in it. */
  errorsByCode: Record<string, number>;
  /** Responses that failed by their status (>= 400 unless expect.status accepts it), by status. */
  errorsByStatus: Record<string, number>;
  /** Streamed-response figures (issue 18): only for requests with `stream:` (and overall when any has it). */
  stream?: StreamStats;
  /** WebSocket step figures (issue 18): only for `ws:` flow steps (and overall when any ran). */
  ws?: WsStats;
}

/**
 * A `ws:` flow step's sessions (issue 18): connect time (step start → 101: TCP, TLS, upgrade),
 * each message's round trip (send → the reply it waited for), each session's messages per second.
 */
export interface WsStats {
  /** Sessions that connected. */
  sessions: number;
  /** Messages sent. */
  sent: number;
  /** Replies received. */
  received: number;
  connectMs: LatencyStatsMs;
  rttMs: LatencyStatsMs;
  /** Per-session replies per second; same fields, in messages/s. */
  messagesPerSecond: LatencyStatsMs;
}

/**
 * Streamed responses (issue 18): time to first byte and to the first chunk/event from the
 * scheduled send (coordinated-omission corrected), gaps between chunks/events, each stream's
 * duration (first chunk/event → end) and its rate. Times in ms; eventsPerSecond in events/s.
 */
export interface StreamStats {
  /** Streamed responses recorded. */
  streams: number;
  /** Chunks (stream: chunks) or events (stream: sse) over all of them. */
  events: number;
  ttfbMs: LatencyStatsMs;
  firstEventMs: LatencyStatsMs;
  gapMs: LatencyStatsMs;
  durationMs: LatencyStatsMs;
  /** Per-stream events per second (streams with two or more events); same fields, in events/s. */
  eventsPerSecond: LatencyStatsMs;
}

export interface PhaseResult {
  name: string;
  /** ms from the run start. */
  startOffsetMs: number;
  durationMs: number;
  kind?: string;
  details?: Record<string, string | number | boolean>;
}

export interface ThresholdOutcome {
  /** The threshold as written in the scenario. */
  expression: string;
  /** What it judged: 'overall' or the request's name. */
  scope: string;
  /** p99, p99.9, min, max, mean, stddev, errors or rps. */
  metric: string;
  op: '<' | '<=' | '>' | '>=';
  /** How limit and actual read: ms (latency), ratio (errors: 0.01 = 1% of requests), rps, count (a crawl's status:5xx), per_s (a stream's events/s). */
  unit: 'ms' | 'ratio' | 'rps' | 'count' | 'per_s';
  limit: number;
  passed: boolean;
  /** The measured value compared, in `unit` (null when there was no data). */
  actual: number | null;
  window?: string;
}

export interface RunSummary {
  requests: number;
  errors: number;
  rps: number;
  latencyMs: LatencySummaryMs;
}

export interface HistogramPair {
  corrected: EncodedHistogram;
  service: EncodedHistogram;
}

/**
 * The load generator's self-health, as the engine adds it to a result (engine/generator-health.ts
 * judges it; GeneratorHealth is this shape).
 */
export interface GeneratorSummary {
  workers: number;
  /** The worst worker's event-loop delay (time-weighted percentiles; max: the longest stall), ms. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** The busiest worker's event-loop utilization, 0..1. */
  eventLoopUtilization: number;
  /** CPU per wall second: the busiest worker thread's, or the process's when Node cannot tell threads apart. */
  cpu: number;
  cpuPerThread: boolean;
  schedule: { scheduled: number; late: number; maxLagMs: number; backlogged: number; backlogMax: number; missed: number };
  valid?: boolean;
  invalidReason?: string;
  /** Things worth knowing that do not invalidate the run (backlog, near-saturation). */
  warnings: string[];
}

/** A request's own per-interval series, which the engine adds for thresholds over its windows. */
export interface RequestSeriesData {
  series: SeriesRow[];
  intervals: IntervalHistogram[];
}

/** The slice of a sharded run a result holds (`run --shard i/N`, 0-based index). */
export interface RunShard {
  index: number;
  count: number;
}

export interface RunResult {
  schemaVersion: typeof RUN_RESULT_SCHEMA_VERSION;
  scenario: string;
  environment: RunEnvironment;
  /** ISO 8601 wall-clock times. */
  startTime: string;
  endTime: string;
  durationMs: number;
  /** Recorder snapshots merged into this result (workers × shards). */
  parts: number;
  phases: PhaseResult[];
  summary: RunSummary;
  overall: RequestStats;
  requests: RequestStats[];
  histograms: {
    overall: HistogramPair;
    requests: Record<string, HistogramPair>;
    /** Per-interval encoded histograms (compare's noise test, .hlog). */
    intervals: IntervalHistogram[];
    /** Streamed-response histograms (issue 18), overall and per streaming request; absent without any. */
    stream?: { overall?: StreamSnapshot; requests: Record<string, StreamSnapshot> };
    /** WebSocket step histograms (issue 18), overall and per `ws:` step; absent without any. */
    ws?: { overall?: WsSnapshot; requests: Record<string, WsSnapshot> };
  };
  series: SeriesRow[];
  errorsByCode: Record<string, number>;
  /** Responses that failed by their status, by status (they are in statusCounts too). */
  errorsByStatus: Record<string, number>;
  statusCounts: Record<string, number>;
  thresholds: ThresholdOutcome[];
  valid: boolean;
  invalidReason?: string;
  interrupted: boolean;
  // ---- the engine's additions (absent from a result built by buildRunResult alone) ----
  /** The generator's self-health (one machine's: merge leaves it out). */
  generator?: GeneratorSummary;
  /** The abort-on-fail threshold that stopped the run early, named with its scope, when one did. */
  abortedBy?: string;
  /** Per-request series, only for requests that windowed thresholds name. */
  requestSeries?: Record<string, RequestSeriesData>;
  /** The slice of a sharded run this result holds; absent for a whole run. */
  shard?: RunShard;
  /**
   * Which protocols carried the requests: connections opened per protocol ('http/1.1', 'h2'; warmup
   * included) and the most exchanges in flight on one connection at once, as observed — for h2 the
   * streams per connection reached (at most -p / client.pipelining, and at most the server's
   * SETTINGS_MAX_CONCURRENT_STREAMS). Absent when no connection opened.
   */
  protocols?: Record<string, ProtocolUsageSummary>;
  /** Set on a report written while the run is still going (ReportWriter.update); absent at the end. */
  partial?: boolean;
  /** Compressed response bodies decoded (issue 15), kept apart from latency; absent when none were. */
  decode?: DecodeSummary;
  /** issue 18: a capacity search's answer and steps (`fastbench find`); the rest of the result is its confirmation step's. */
  search?: SearchSummary;
}

/** One step of a capacity search (engine/capacity-search.ts). */
export interface SearchStepSummary {
  index: number;
  kind: 'climb' | 'bisect' | 'confirm';
  /** The arrival rate offered, and the responses per second achieved. */
  offeredRps: number;
  achievedRps: number;
  durationMs: number;
  requests: number;
  /** Failed over all requests; arrivals never sent for want of a free connection count as failed. */
  errorRate: number;
  p50Ms: number | null;
  p99Ms: number | null;
  verdict: 'pass' | 'fail' | 'vetoed';
  slo: { check: string; actual: number | null; passed: boolean }[];
  /** Why the generator, not the target, was the bottleneck (a vetoed step). */
  generatorBound?: string;
}

/** issue 18: what `fastbench find` found. */
export interface SearchSummary {
  /** The highest rate that met the SLO, with its interval; absent when none did. */
  knee?: { rate: number; low: number; high: number };
  /** The knee's rate passed its confirmation hold. */
  confirmed: boolean;
  ended: 'converged' | 'reached-to' | 'below-from' | 'generator-bound' | 'max-duration' | 'interrupted';
  /** The SLO as written. */
  slo: string[];
  /** Why a step was vetoed: the answer is then "at least knee.rate". */
  generatorBound?: string;
  elapsedMs: number;
  steps: SearchStepSummary[];
}

/** Decoding of compressed bodies that something read (expect, capture): what it cost, apart from latency. */
export interface DecodeSummary {
  /** Responses decoded. */
  responses: number;
  /** Their body bytes on the wire (compressed). */
  wireBytes: number;
  /** Their body bytes decoded. */
  decodedBytes: number;
  /** Load-thread time spent decoding, ms (summed over workers; in no latency figure). */
  cpuMs: number;
}

/** One protocol's connections in a run (RunResult.protocols). */
export interface ProtocolUsageSummary {
  connections: number;
  maxInFlightPerConnection: number;
}

/** What the engine knows that the recorders do not. */
export interface RunMeta {
  scenario: string;
  environment: RunEnvironment;
  /** Epoch ms; default the snapshot's startMs. */
  startTime?: number;
  /** Epoch ms; default the snapshot's endMs. */
  endTime?: number;
  /** The measuring window rates are computed over; default endTime - startTime. */
  durationMs?: number;
  phases?: PhaseResult[];
  thresholds?: ThresholdOutcome[];
  /** Default true. */
  valid?: boolean;
  invalidReason?: string;
  interrupted?: boolean;
}

/** µs → ms keeping µs precision (1234.4 µs → 1.234). */
export function usToMs(us: number): number {
  return Math.round(us) / 1000;
}

function latencyStats(h: LatencyHistogram): LatencyStatsMs {
  return {
    count: h.count,
    min: usToMs(h.min),
    mean: usToMs(h.mean),
    stdev: usToMs(h.stdev),
    p50: usToMs(h.percentile(50)),
    p75: usToMs(h.percentile(75)),
    p90: usToMs(h.percentile(90)),
    p99: usToMs(h.percentile(99)),
    p99_9: usToMs(h.percentile(99.9)),
    p99_99: usToMs(h.percentile(99.99)),
    max: usToMs(h.max),
  };
}

function statusRecord(pairs: readonly (readonly [number, number])[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [status, count] of pairs) out[status === 0 ? 'other' : String(status)] = count;
  return out;
}

function errorRecord(pairs: readonly (readonly [number, number])[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [id, count] of pairs) {
    const code = errorCodeOfId(id);
    out[code] = (out[code] ?? 0) + count;
  }
  return out;
}

function requestStats(slot: SlotSnapshot, seconds: number): RequestStats {
  return {
    name: slot.name,
    requests: slot.requests,
    responses: slot.responses,
    errors: slot.errors,
    errorRate: slot.requests > 0 ? slot.errors / slot.requests : 0,
    rps: seconds > 0 ? Math.round((slot.requests / seconds) * 100) / 100 : 0,
    bytesIn: slot.bytesIn,
    bytesOut: slot.bytesOut,
    latencyMs: latencyStats(decodeHistogram(slot.corrected)),
    serviceMs: latencyStats(decodeHistogram(slot.service)),
    statusCounts: statusRecord(slot.statusCounts),
    errorsByCode: errorRecord(slot.errorCounts),
    errorsByStatus: statusRecord(slot.failedStatusCounts ?? []),
    ...(slot.stream !== undefined ? { stream: streamStats(slot.stream) } : {}),
    ...(slot.ws !== undefined ? { ws: wsStats(slot.ws) } : {}),
  };
}

function wsStats(s: WsSnapshot): WsStats {
  return {
    sessions: s.sessions,
    sent: s.sent,
    received: s.received,
    connectMs: latencyStats(decodeHistogram(s.connect)),
    rttMs: latencyStats(decodeHistogram(s.rtt)),
    messagesPerSecond: latencyStats(decodeHistogram(s.rate)),
  };
}

function streamStats(s: StreamSnapshot): StreamStats {
  return {
    streams: s.streams,
    events: s.events,
    ttfbMs: latencyStats(decodeHistogram(s.ttfb)),
    firstEventMs: latencyStats(decodeHistogram(s.firstEvent)),
    gapMs: latencyStats(decodeHistogram(s.gap)),
    durationMs: latencyStats(decodeHistogram(s.duration)),
    eventsPerSecond: latencyStats(decodeHistogram(s.rate)),
  };
}

/** Compute the report contract from a (merged) snapshot. */
export function buildRunResult(snapshot: Snapshot, meta: RunMeta): RunResult {
  const startTime = meta.startTime ?? snapshot.startMs;
  const endTime = meta.endTime ?? snapshot.endMs;
  const durationMs = meta.durationMs ?? Math.max(0, endTime - startTime);
  const seconds = durationMs / 1000;
  const overall = requestStats(snapshot.overall, seconds);
  const { count: _count, stdev: _stdev, ...headline } = overall.latencyMs;
  const requestHistograms: Record<string, HistogramPair> = {};
  for (const r of snapshot.requests) requestHistograms[r.name] = { corrected: r.corrected, service: r.service };
  const result: RunResult = {
    schemaVersion: RUN_RESULT_SCHEMA_VERSION,
    scenario: meta.scenario,
    environment: meta.environment,
    startTime: new Date(startTime).toISOString(),
    endTime: new Date(endTime).toISOString(),
    durationMs,
    parts: snapshot.parts,
    phases: meta.phases ?? [],
    summary: { requests: overall.requests, errors: overall.errors, rps: overall.rps, latencyMs: headline },
    overall,
    requests: snapshot.requests.map((r) => requestStats(r, seconds)),
    histograms: {
      overall: { corrected: snapshot.overall.corrected, service: snapshot.overall.service },
      requests: requestHistograms,
      intervals: Series.intervalHistograms(snapshot.series),
    },
    series: Series.rows(snapshot.series),
    errorsByCode: overall.errorsByCode,
    errorsByStatus: overall.errorsByStatus,
    statusCounts: overall.statusCounts,
    thresholds: meta.thresholds ?? [],
    valid: meta.valid ?? true,
    interrupted: meta.interrupted ?? false,
  };
  if (meta.invalidReason !== undefined) result.invalidReason = meta.invalidReason;
  const streamed = snapshot.requests.filter((r) => r.stream !== undefined);
  if (streamed.length > 0 || snapshot.overall.stream !== undefined) {
    const requests: Record<string, StreamSnapshot> = {};
    for (const r of streamed) requests[r.name] = r.stream!;
    result.histograms.stream = { ...(snapshot.overall.stream !== undefined ? { overall: snapshot.overall.stream } : {}), requests };
  }
  const sockets = snapshot.requests.filter((r) => r.ws !== undefined);
  if (sockets.length > 0 || snapshot.overall.ws !== undefined) {
    const requests: Record<string, WsSnapshot> = {};
    for (const r of sockets) requests[r.name] = r.ws!;
    result.histograms.ws = { ...(snapshot.overall.ws !== undefined ? { overall: snapshot.overall.ws } : {}), requests };
  }
  return result;
}
