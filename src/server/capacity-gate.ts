// `serve --capacity 5000/s` (issue 18): the bundled server behaves like a service with a known
// throughput ceiling, so a capacity search has a knee to find. A token bucket in front of request
// handling admits `rate` requests per second (bursts of up to `burst`); beyond that, requests wait
// in a bounded FIFO queue (their latency grows, as in a real saturated service) and are handed to
// the app as tokens come; when the queue is full they are answered 503 at once
// (ERR_SERVER_CAPACITY_QUEUE_FULL in /__stats rejections).
//
// Off the hot path when not set: the server wraps its dispatcher in a gate only when `capacity` is
// given. With one: while nothing waits, an admitted request costs a refill and a compare. Queued
// requests are copied (their header views die with the read that carried them, types.ts), and one
// timer, armed for the next token, drains the queue: never a timer per request. Requests for
// /__stats pass the gate (the counters stay readable under load).
import { HeaderList } from '../http/header-list.js';
import type { ServerCounters } from './server-stats.js';
import type { RequestDispatcher, ServerRequest, ServerResponse } from './types.js';

export interface CapacityOptions {
  /** Requests admitted per second. */
  rate: number;
  /** Requests that may wait (beyond: 503). Default: half a second of `rate`, at least 16. */
  queue?: number;
  /** Tokens the bucket holds (a burst admitted at once). Default: 10 ms of `rate`, at least 1. */
  burst?: number;
}

/** `/__stats` → `capacity`. */
export interface CapacityStats {
  rate: number;
  burst: number;
  queueLimit: number;
  /** Waiting now, and the most that ever waited at once. */
  queued: number;
  queuedPeak: number;
  /** Handed to the app: at once, and after waiting. */
  admitted: number;
  delayed: number;
  /** Answered 503: the queue was full. */
  rejected: number;
  /** Longest wait in the queue, ms. */
  maxWaitMs: number;
}

/**
 * Tokens accrue at `rate` per second up to `burst`; each admitted request takes one. Pure: the
 * caller passes the time (ms), so tests drive it with an injected clock.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(readonly rate: number, readonly burst: number, nowMs: number) {
    if (!(rate > 0) || !(burst >= 1)) throw new RangeError(`token bucket: rate ${rate} must be > 0 and burst ${burst} >= 1`);
    this.tokens = burst;
    this.last = nowMs;
  }

  /** `waiting`: requests queued for tokens; what accrues for them is theirs, not capped by the burst. */
  private refill(now: number, waiting: number): void {
    if (now > this.last) {
      const t = this.tokens + ((now - this.last) * this.rate) / 1000;
      const cap = this.burst + waiting;
      this.tokens = t < cap ? t : cap;
      this.last = now;
    }
  }

  /**
   * Takes a token if there is one. `waiting` > 0 when the caller drains a queue: a late drain (a
   * busy event loop fires the timer late) then releases everything that accrued meanwhile, so the
   * queue is served at `rate` however coarse the timer.
   */
  tryTake(now: number, waiting = 0): boolean {
    this.refill(now, waiting);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** ms until a token is there (0: now). */
  msUntilToken(now: number): number {
    this.refill(now, 0);
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) * 1000) / this.rate;
  }
}

/** The gate's view of time and its one timer (injected in tests). */
export interface GateClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
}

const REAL_CLOCK: GateClock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
};

const BUSY_BODY = 'The server is at its configured capacity (serve --capacity) and its queue is full; try again later.\n';
const BUSY_HEADERS = ['content-type', 'text/plain; charset=utf-8', 'retry-after', '1'] as const;

/** A request with its own copies of the header views (safe to keep past the handler's return). */
function detach(req: ServerRequest): ServerRequest {
  return {
    method: req.method,
    target: req.target,
    path: req.path,
    query: req.query,
    httpVersion: req.httpVersion,
    headers: copyHeaders(req.headers),
    trailers: copyHeaders(req.trailers),
    body: req.body,
    remoteAddress: req.remoteAddress,
    seq: req.seq,
    ...(req.pseudoHeaders !== undefined ? { pseudoHeaders: copyHeaders(req.pseudoHeaders) } : {}),
  };
}

function copyHeaders(h: HeaderList): HeaderList {
  const out = new HeaderList(Math.max(1, h.count));
  if (h.count === 0) return out;
  const o = h.offsets;
  let lo = Infinity;
  let hi = 0;
  for (let i = 0; i < h.count * 4; i++) {
    if (o[i]! < lo) lo = o[i]!;
    if (o[i]! > hi) hi = o[i]!;
  }
  out.buf = Buffer.from(h.buf.subarray(lo, hi));
  for (let i = 0; i < h.count; i++) out.push(o[i * 4]! - lo, o[i * 4 + 1]! - lo, o[i * 4 + 2]! - lo, o[i * 4 + 3]! - lo);
  return out;
}

export class CapacityGate implements RequestDispatcher {
  readonly bucket: TokenBucket;
  readonly queueLimit: number;
  /** The queue: a ring of (request, response, enqueue time), no node per request. */
  private readonly reqs: (ServerRequest | undefined)[];
  private readonly resps: (ServerResponse | undefined)[];
  private readonly since: Float64Array;
  private head = 0;
  private count = 0;
  private timerArmed = false;
  private queuedPeak = 0;
  private admitted = 0;
  private delayed = 0;
  private rejected = 0;
  private maxWaitMs = 0;
  private readonly drainNow = (): void => this.drain();

  constructor(
    private readonly inner: RequestDispatcher,
    options: CapacityOptions,
    private readonly counters?: ServerCounters,
    private readonly clock: GateClock = REAL_CLOCK,
  ) {
    const rate = options.rate;
    const burst = options.burst ?? Math.max(1, rate / 100);
    this.bucket = new TokenBucket(rate, burst, clock.now());
    this.queueLimit = Math.max(0, Math.floor(options.queue ?? Math.max(16, Math.ceil(rate / 2))));
    this.reqs = new Array<ServerRequest | undefined>(this.queueLimit);
    this.resps = new Array<ServerResponse | undefined>(this.queueLimit);
    this.since = new Float64Array(Math.max(1, this.queueLimit));
  }

  dispatch(req: ServerRequest, res: ServerResponse): void {
    const now = this.clock.now();
    // FIFO: while requests wait, a newcomer waits behind them even if a token is there.
    if (this.count === 0 && this.bucket.tryTake(now)) {
      this.admitted++;
      this.inner.dispatch(req, res);
      return;
    }
    if (req.path === '/__stats') {
      this.inner.dispatch(req, res);
      return;
    }
    if (this.count >= this.queueLimit) {
      this.rejected++;
      this.counters?.reject('ERR_SERVER_CAPACITY_QUEUE_FULL');
      res.send(503, BUSY_BODY, BUSY_HEADERS);
      return;
    }
    const at = (this.head + this.count) % this.queueLimit;
    this.reqs[at] = detach(req);
    this.resps[at] = res;
    this.since[at] = now;
    this.count++;
    if (this.count > this.queuedPeak) this.queuedPeak = this.count;
    this.arm(now);
  }

  /** Hands waiting requests to the app as tokens allow; re-arms for the next token. */
  drain(): void {
    this.timerArmed = false;
    const now = this.clock.now();
    while (this.count > 0) {
      const i = this.head;
      const res = this.resps[i]!;
      // A request whose connection is gone takes no token.
      if (!res.closed && !this.bucket.tryTake(now, this.count)) break;
      const req = this.reqs[i]!;
      const waited = now - this.since[i]!;
      this.reqs[i] = undefined;
      this.resps[i] = undefined;
      this.head = (i + 1) % this.queueLimit;
      this.count--;
      if (res.closed) continue;
      if (waited > this.maxWaitMs) this.maxWaitMs = waited;
      this.delayed++;
      this.inner.dispatch(req, res);
    }
    if (this.count > 0) this.arm(now);
  }

  private arm(now: number): void {
    if (this.timerArmed) return;
    this.timerArmed = true;
    this.clock.setTimer(this.drainNow, Math.max(1, Math.ceil(this.bucket.msUntilToken(now))));
  }

  stats(): CapacityStats {
    return {
      rate: this.bucket.rate,
      burst: this.bucket.burst,
      queueLimit: this.queueLimit,
      queued: this.count,
      queuedPeak: this.queuedPeak,
      admitted: this.admitted,
      delayed: this.delayed,
      rejected: this.rejected,
      maxWaitMs: Math.round(this.maxWaitMs * 1000) / 1000,
    };
  }
}
