// A per-worker Recorder for one run: what the load engine writes on every completed request.
//
// For each request name (a small integer index) and for all requests together it keeps a corrected
// latency histogram (from the scheduled send time), a service-time histogram, counters (attempts,
// responses, errors, bytes in/out), status counts and error counts by numeric id; plus the same
// histograms and counters for the current interval, closed (snapshotted + reset) once a second by
// closeInterval() for live progress and the per-second series.
//
// A response is either a success or a failure (its status was not accepted, or an expectation or
// capture failed): failures count as errors, yet their status, bytes and latency are recorded like
// any response's (k6's http_req_failed). Status failures are counted by status (failedStatusCounts),
// the others by error id (errorCounts), so a report can tell "500 ×12" from "ERR_CONN_RESET ×3".
//
// record()/recordError() allocate nothing: typed-array increments and histogram records only.
import { ERROR_ID_LIMIT } from '../core/errors.js';
import { LatencyHistogram } from './histogram.js';
import { encodeHistogram } from './encoded-histogram.js';
import { Series, type SeriesPoint } from './series.js';
import { SNAPSHOT_VERSION, sparseCounts, type Snapshot, type SlotSnapshot } from './snapshot.js';
import { StreamHistograms } from './stream-histograms.js';
import { WsHistograms } from './ws-histograms.js';

/** Status counts are indexed by status code; index 0 counts anything outside 100..599. */
export const STATUS_LIMIT = 600;

/** record()'s `failure` for a response whose status was not accepted (>= 400, or not in expect.status). */
export const FAILED_STATUS = -1;

const F_REQUESTS = 0;
const F_RESPONSES = 1;
const F_ERRORS = 2;
const F_BYTES_IN = 3;
const F_BYTES_OUT = 4;
const FIELDS = 5;

/** Which encoded histograms each series point keeps (memory: ~1-4 KB per histogram per second). */
export type SeriesHistograms = 'corrected' | 'both' | 'none';

export interface RecorderOptions {
  /** Request names by index; record(i, …) refers to requestNames[i]. */
  requestNames: readonly string[];
  /** Encoded histograms kept per series point. Default 'corrected'. */
  seriesHistograms?: SeriesHistograms;
  /** Wall-clock epoch ms of the run start. Default Date.now() at construction. */
  startMs?: number;
}

/** Counters and histograms of one request name (or of all), cumulative and current-interval. */
export class RecorderSlot {
  readonly corrected = LatencyHistogram.create();
  readonly service = LatencyHistogram.create();
  readonly intervalCorrected = LatencyHistogram.create();
  readonly intervalService = LatencyHistogram.create();
  /** @internal [requests, responses, errors, bytesIn, bytesOut] */
  readonly totals = new Float64Array(FIELDS);
  /** @internal same fields, current interval */
  readonly interval = new Float64Array(FIELDS);
  readonly statusCounts = new Uint32Array(STATUS_LIMIT);
  /** Responses that failed by their status, by status (also in statusCounts). */
  readonly failedStatusCounts = new Uint32Array(STATUS_LIMIT);
  readonly errorCounts = new Uint32Array(ERROR_ID_LIMIT);

  /** Streamed-response histograms (issue 18): created by the first recordStream() of this slot. */
  stream: StreamHistograms | null = null;
  /** WebSocket step histograms (issue 18): created by the first recordWs() of this slot. */
  ws: WsHistograms | null = null;

  /** @internal histograms a corrected/service sample of this slot goes to (set by Recorder). */
  correctedTargets: readonly LatencyHistogram[] = [];
  /** @internal */
  serviceTargets: readonly LatencyHistogram[] = [];

  constructor(readonly name: string) {}

  get requests(): number { return this.totals[F_REQUESTS] as number; }
  get responses(): number { return this.totals[F_RESPONSES] as number; }
  get errors(): number { return this.totals[F_ERRORS] as number; }
  get bytesIn(): number { return this.totals[F_BYTES_IN] as number; }
  get bytesOut(): number { return this.totals[F_BYTES_OUT] as number; }
  get intervalRequests(): number { return this.interval[F_REQUESTS] as number; }
  get intervalErrors(): number { return this.interval[F_ERRORS] as number; }

  /** @internal */
  resetInterval(): void {
    this.intervalCorrected.reset();
    this.intervalService.reset();
    this.interval.fill(0);
  }

  /** @internal */
  resetAll(): void {
    this.resetInterval();
    this.corrected.reset();
    this.service.reset();
    this.totals.fill(0);
    this.statusCounts.fill(0);
    this.failedStatusCounts.fill(0);
    this.errorCounts.fill(0);
    if (this.stream !== null) this.stream.reset();
    if (this.ws !== null) this.ws.reset();
  }

  /** @internal */
  toSnapshot(): SlotSnapshot {
    const t = this.totals;
    return {
      name: this.name,
      requests: t[F_REQUESTS] as number,
      responses: t[F_RESPONSES] as number,
      errors: t[F_ERRORS] as number,
      bytesIn: t[F_BYTES_IN] as number,
      bytesOut: t[F_BYTES_OUT] as number,
      corrected: encodeHistogram(this.corrected),
      service: encodeHistogram(this.service),
      statusCounts: sparseCounts(this.statusCounts),
      failedStatusCounts: sparseCounts(this.failedStatusCounts),
      errorCounts: sparseCounts(this.errorCounts),
      ...(this.stream !== null && this.stream.streams > 0 ? { stream: this.stream.toSnapshot() } : {}),
      ...(this.ws !== null && (this.ws.sessions > 0 || this.ws.sent > 0) ? { ws: this.ws.toSnapshot() } : {}),
    };
  }
}

/** The overall slot's name in snapshots and results. */
export const OVERALL_NAME = '*';

export class Recorder {
  readonly requestNames: readonly string[];
  readonly overall: RecorderSlot;
  readonly slots: readonly RecorderSlot[];
  readonly series = new Series();
  readonly seriesHistograms: SeriesHistograms;
  startMs: number;

  constructor(options: RecorderOptions) {
    if (options.requestNames.length === 0) throw new RangeError('a Recorder needs at least one request name');
    this.requestNames = [...options.requestNames];
    this.overall = new RecorderSlot(OVERALL_NAME);
    this.slots = this.requestNames.map((n) => new RecorderSlot(n));
    const o = this.overall;
    for (const s of this.slots) {
      s.correctedTargets = [s.corrected, s.intervalCorrected, o.corrected, o.intervalCorrected];
      s.serviceTargets = [s.service, s.intervalService, o.service, o.intervalService];
    }
    this.seriesHistograms = options.seriesHistograms ?? 'corrected';
    this.startMs = options.startMs ?? Date.now();
  }

  /**
   * One completed response. `correctedUs` is measured from the scheduled send time, `serviceUs`
   * from the actual send; both integer µs (clamped to 1 µs .. 1 h). `failure` 0 is a success;
   * FAILED_STATUS a response whose status was not accepted; an error id (ERR_EXPECT_FAILED,
   * ERR_CAPTURE_FAILED) a response that failed a check. A failed response counts as an error, and
   * its status, bytes and latency are recorded all the same.
   */
  record(reqIndex: number, correctedUs: number, serviceUs: number, status: number, bytesIn: number, bytesOut = 0, failure = 0): void {
    const s = this.slots[reqIndex];
    if (s === undefined) throw new RangeError(`request index ${reqIndex} out of range`);
    const o = this.overall;
    LatencyHistogram.recordEach(s.correctedTargets, correctedUs);
    LatencyHistogram.recordEach(s.serviceTargets, serviceUs);
    const st = status >= 100 && status < STATUS_LIMIT ? status : 0;
    s.statusCounts[st]!++;
    o.statusCounts[st]!++;
    let kind = F_RESPONSES;
    if (failure !== 0) {
      kind = F_ERRORS;
      if (failure === FAILED_STATUS) {
        s.failedStatusCounts[st]!++;
        o.failedStatusCounts[st]!++;
      } else {
        const id = failure >= 1 && failure < ERROR_ID_LIMIT ? failure : 1;
        s.errorCounts[id]!++;
        o.errorCounts[id]!++;
      }
    }
    bump(s.totals, bytesIn, bytesOut, kind);
    bump(s.interval, bytesIn, bytesOut, kind);
    bump(o.totals, bytesIn, bytesOut, kind);
    bump(o.interval, bytesIn, bytesOut, kind);
  }

  /**
   * One failed attempt, counted by numeric error id (core/errors.ts; unknown ids count as
   * ERR_INTERNAL). With `correctedUs` the time until the failure also enters the corrected latency
   * histograms, so timeouts show in the tail; the service-time histograms hold responses only.
   * `bytesIn`/`bytesOut`: what the attempt read and wrote before it failed (they count in the totals).
   */
  recordError(reqIndex: number, errorId: number, correctedUs?: number, bytesIn = 0, bytesOut = 0): void {
    const s = this.slots[reqIndex];
    if (s === undefined) throw new RangeError(`request index ${reqIndex} out of range`);
    const o = this.overall;
    const id = errorId >= 1 && errorId < ERROR_ID_LIMIT ? errorId : 1;
    s.errorCounts[id]!++;
    o.errorCounts[id]!++;
    bump(s.totals, bytesIn, bytesOut, F_ERRORS);
    bump(s.interval, bytesIn, bytesOut, F_ERRORS);
    bump(o.totals, bytesIn, bytesOut, F_ERRORS);
    bump(o.interval, bytesIn, bytesOut, F_ERRORS);
    if (correctedUs !== undefined) LatencyHistogram.recordEach(s.correctedTargets, correctedUs);
  }

  /**
   * One streamed response (issue 18), recorded beside record(): `ttfbUs` and `firstEventUs` from
   * the scheduled send time (corrected, like latency; firstEventUs < 0 when no chunk/event came),
   * `durationUs` from the first chunk/event to the response's end, `times[0, kept)` the arrival
   * instants (ms, monotonic) whose differences are the gaps, `events` how many arrived in all, `lastAt` the last one's instant
   * (times[] keeps a bounded number).
   * Allocates only the slot's histograms, on its first streamed response.
   */
  recordStream(reqIndex: number, ttfbUs: number, firstEventUs: number, durationUs: number, events: number, times: Float64Array, kept: number, lastAt: number): void {
    const s = this.slots[reqIndex];
    if (s === undefined) throw new RangeError(`request index ${reqIndex} out of range`);
    const a = s.stream ?? (s.stream = new StreamHistograms());
    const o = this.overall;
    const b = o.stream ?? (o.stream = new StreamHistograms());
    a.streams++;
    b.streams++;
    a.events += events;
    b.events += events;
    if (ttfbUs >= 0) {
      a.ttfb.record(ttfbUs);
      b.ttfb.record(ttfbUs);
    }
    if (firstEventUs < 0) return;
    a.firstEvent.record(firstEventUs);
    b.firstEvent.record(firstEventUs);
    a.duration.record(durationUs);
    b.duration.record(durationUs);
    for (let i = 1; i < kept; i++) {
      const g = Math.round((times[i]! - times[i - 1]!) * 1000);
      a.gap.record(g);
      b.gap.record(g);
    }
    // A rate needs two arrivals: events after the first per second between the first and the last.
    const span = kept > 0 ? lastAt - times[0]! : 0;
    if (events > 1 && span > 0) {
      const milli = Math.round(((events - 1) / span) * 1_000_000);
      a.rate.record(milli);
      b.rate.record(milli);
    }
  }

  /**
   * One WebSocket step session (issue 18), recorded beside record()/recordError(): `connectUs`
   * from the step's start to the 101 (< 0: never connected), `rttUs[0, n)` each send's round
   * trip, `sent` messages sent, `spanUs` from the first send to the last reply (the session's
   * messages/s is n / span). Allocates only the slot's histograms, on its first session.
   */
  recordWs(reqIndex: number, connectUs: number, rttUs: Float64Array, n: number, sent: number, spanUs: number): void {
    const s = this.slots[reqIndex];
    if (s === undefined) throw new RangeError(`request index ${reqIndex} out of range`);
    const a = s.ws ?? (s.ws = new WsHistograms());
    const o = this.overall;
    const b = o.ws ?? (o.ws = new WsHistograms());
    a.sent += sent;
    b.sent += sent;
    a.received += n;
    b.received += n;
    if (connectUs < 0) return;
    a.sessions++;
    b.sessions++;
    a.connect.record(connectUs);
    b.connect.record(connectUs);
    for (let i = 0; i < n; i++) {
      const v = Math.round(rttUs[i]!);
      a.rtt.record(v);
      b.rtt.record(v);
    }
    if (n > 0 && spanUs > 0) {
      const milli = Math.round((n / spanUs) * 1e9);
      a.rate.record(milli);
      b.rate.record(milli);
    }
  }

  /**
   * A failure of a connection rather than of a request (an unsolicited response on an idle
   * connection): counted by id in the overall error counts, with the bytes it read, but not as a
   * request (the request count and the error rate are about requests).
   */
  recordConnectionError(errorId: number, bytesIn = 0): void {
    const o = this.overall;
    const id = errorId >= 1 && errorId < ERROR_ID_LIMIT ? errorId : 1;
    o.errorCounts[id]!++;
    o.totals[F_BYTES_IN]! += bytesIn;
    o.interval[F_BYTES_IN]! += bytesIn;
  }

  /**
   * Close the current interval: append its point (overall counters, p50/p99 and, per
   * seriesHistograms, encoded histograms) to the series, reset every interval histogram and
   * counter, and return the point (plain data: post it from a worker for live progress).
   * `t` is the interval index (whole seconds since start); `ms` its length.
   */
  closeInterval(t: number, ms = 1000): SeriesPoint {
    const o = this.overall;
    const iv = o.interval;
    const point: SeriesPoint = {
      t,
      ms,
      requests: iv[F_REQUESTS] as number,
      responses: iv[F_RESPONSES] as number,
      errors: iv[F_ERRORS] as number,
      bytesIn: iv[F_BYTES_IN] as number,
      bytesOut: iv[F_BYTES_OUT] as number,
      p50Us: o.intervalCorrected.percentile(50),
      p99Us: o.intervalCorrected.percentile(99),
    };
    if (this.seriesHistograms !== 'none') point.corrected = encodeHistogram(o.intervalCorrected);
    if (this.seriesHistograms === 'both') point.service = encodeHistogram(o.intervalService);
    this.series.push(point);
    o.resetInterval();
    for (const s of this.slots) s.resetInterval();
    return point;
  }

  /** Forget everything recorded so far (e.g. after a warm-up phase); restart the clock. */
  reset(startMs = Date.now()): void {
    this.overall.resetAll();
    for (const s of this.slots) s.resetAll();
    this.series.clear();
    this.startMs = startMs;
  }

  /** Plain-data picture of everything recorded (cumulative; the open interval is not in series). */
  snapshot(endMs = Date.now()): Snapshot {
    return {
      version: SNAPSHOT_VERSION,
      startMs: this.startMs,
      endMs,
      parts: 1,
      overall: this.overall.toSnapshot(),
      requests: this.slots.map((s) => s.toSnapshot()),
      series: this.series.points.slice(),
    };
  }
}

function bump(f: Float64Array, bytesIn: number, bytesOut: number, kind: number): void {
  f[F_REQUESTS]!++;
  f[kind]!++;
  f[F_BYTES_IN]! += bytesIn;
  f[F_BYTES_OUT]! += bytesOut;
}
