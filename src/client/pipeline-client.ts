// PipelineClient: up to maxPendingRequests exchanges in flight on each of maxConns connections
// to one origin, responses matched in order (fasthttp's PipelineClient, undici's pipelining).
//
// Choosing a connection for an exchange:
//   - the connection that just completed one (it has a free slot and its writes are batched with
//     the other answers of the same read), when it may take this request;
//   - else the open connection with the fewest in flight that may take it;
//   - a new dial when every open connection already has something in flight and maxConns allows;
//   - else wait in a FIFO of at most maxQueuedRequests (beyond: ERR_PIPELINE_OVERFLOW at once).
//
// Whether a connection may take a request is the connection's to say (conn.accepts(req)): it
// has a free slot — its capacity is maxPendingRequests here (for HTTP/2 it would be the peer's
// MAX_CONCURRENT_STREAMS, capped) — and its protocol's rules allow it. For HTTP/1 (undici's
// busy() rules) that means, unless pipelineNonIdempotent is set, neither the request nor the one
// last sent is non-idempotent while something is in flight: a POST is never queued behind
// others, nothing is queued behind a POST, because a broken connection would leave it unknown
// whether the POST took effect.
//
// A timed-out exchange gives up its slot at once (the caller gets its timeout error); its late
// response is still read and dropped, and the connection goes on. Should that response not come
// within lateResponseTimeout, the connection is closed. A broken connection fails exactly the
// exchanges in flight on it, each with its own typed error. Nothing is retried, but for HTTP/2
// streams known not to have been processed, or lost with a dead connection (retryUnprocessed).
import { nowMs } from '../core/clock.js';
import { FastbenchError } from '../core/errors.js';
import { type OriginOptions, countOpt, durationOpt } from './client-options.js';
import type { ClientConnection, ConnectionSettings } from './client-connection.js';
import { ConnPool } from './conn-pool.js';
import { UNPROCESSED_RETRIES } from './host-client.js';
import type { Request } from './request.js';
import type { Response } from './response.js';

export interface PipelineClientOptions extends OriginOptions {
  /** Exchanges in flight per connection. Default 16. */
  maxPendingRequests?: number;
  /** Exchanges waiting for a slot (beyond: ERR_PIPELINE_OVERFLOW). Default 4096. */
  maxQueuedRequests?: number;
  /** Also pipeline non-idempotent requests (POST, PATCH) behind others. Default false. */
  pipelineNonIdempotent?: boolean;
  /** How long a late response to a timed-out exchange may take before the connection is closed. Default 5000. */
  lateResponseTimeout?: number;
}

/**
 * Tried again on another connection: an idempotent request with no byte of its answer yet whose
 * HTTP/2 stream the server refused or left above a GOAWAY's last-stream-id (not processed: up to
 * UNPROCESSED_RETRIES times), or whose connection stopped answering PINGs (dead: once).
 */
function retryUnprocessed(req: Request, res: Response, err: FastbenchError): boolean {
  if (!req.idempotent || res._firstByteAt !== 0) return false;
  if (err.code === 'ERR_H2_REFUSED_STREAM') return res._retries < UNPROCESSED_RETRIES;
  return err.code === 'ERR_TIMEOUT_PING' && res._retries === 0;
}

export class PipelineClient extends ConnPool {
  protected readonly connSettings: ConnectionSettings;
  readonly maxPendingRequests: number;
  readonly maxQueuedRequests: number;
  readonly pipelineNonIdempotent: boolean;
  readonly lateResponseTimeout: number;
  /** The connection that last completed an exchange (first choice for the next one). */
  private hint: ClientConnection | null = null;

  /** maxConns defaults to 1 here (fasthttp's PipelineClient). */
  constructor(options: PipelineClientOptions) {
    super(options.maxConns === undefined ? { ...options, maxConns: 1 } : options);
    const o = options as Record<string, unknown>;
    this.maxPendingRequests = countOpt(o, 'maxPendingRequests', 16);
    this.maxQueuedRequests = countOpt(o, 'maxQueuedRequests', 4096, 0, true);
    this.pipelineNonIdempotent = options.pipelineNonIdempotent === true;
    this.connSettings = Object.freeze({ maxInFlight: this.maxPendingRequests, batchWrites: true, pipelineNonIdempotent: this.pipelineNonIdempotent });
    this.lateResponseTimeout = durationOpt(o, 'lateResponseTimeout', 5000);
    if (this.lateResponseTimeout === 0) this.lateResponseTimeout = Infinity;
  }

  /** The open connection with the fewest in flight that accepts req, or null. */
  private pick(req: Request): ClientConnection | null {
    const conns = this.conns;
    let best: ClientConnection | null = null;
    for (let i = 0; i < conns.length; i++) {
      const c = conns[i]!;
      if (!c.accepts(req)) continue;
      if (c.inFlight === 0) return c;
      if (best === null || c.inFlight < best.inFlight) best = c;
    }
    return best;
  }

  protected acquire(res: Response, now: number): void {
    const req = res._req!;
    const hint = this.hint;
    // Steady state: the connection that just freed a slot (all maxConns are already open).
    if (hint !== null && hint.accepts(req) && (hint.inFlight === 0 || this.connCount >= this.origin.maxConns)) {
      hint.send(res, now);
      return;
    }
    const conn = this.pick(req);
    if ((conn === null || conn.inFlight > 0) && this.canDial(now)) {
      this.dial(res, now);
      return;
    }
    if (conn !== null) {
      conn.send(res, now);
      return;
    }
    if (this.waiters.length >= this.maxQueuedRequests) {
      this.failSoon(res, new FastbenchError('ERR_PIPELINE_OVERFLOW', `${this.waiters.length} requests already wait for a pipeline slot to ${this.origin.where}`));
      return;
    }
    this.enqueue(res, Infinity);
  }

  protected pump(now: number): void {
    for (;;) {
      const res = this.waiters.peek();
      if (res === undefined) return;
      const conn = this.pick(res._req!);
      if ((conn === null || conn.inFlight > 0) && this.canDial(now)) {
        this.waiters.shift();
        this.dial(res, now);
        continue;
      }
      if (conn === null) return; // FIFO: the oldest waits, and so does everyone behind it
      this.waiters.shift();
      conn.send(res, now);
    }
  }

  exchangeDone(conn: ClientConnection, res: Response, err: FastbenchError | null): void {
    if (err !== null) {
      const now = nowMs();
      if (!this.closed && now < res._deadline && retryUnprocessed(res._req!, res, err)) {
        res._retries++;
        res._clearMarks();
        res.reset();
        this.acquire(res, now);
      } else {
        this.finish(res, err, now);
      }
      // HTTP/2: a stream failed on a connection that lives on; its slot serves the queue.
      if (conn.isOpen && conn.usable && this.waiters.length > 0) this.serveWaiters(conn, now);
      return;
    }
    const end = res._endAt;
    if (conn.isOpen) {
      if (!conn.usable) {
        // The server announced the end: close once the last answer it owes is in.
        if (conn.inFlight === 0) conn.close();
      } else {
        this.hint = conn;
        if (this.waiters.length > 0) this.serveWaiters(conn, end);
      }
    }
    this.finish(res, null, end);
  }

  /** Gives the head of the queue to a connection that just freed a slot. */
  private serveWaiters(conn: ClientConnection, now: number): void {
    for (;;) {
      const next = this.waiters.peek();
      if (next === undefined || !conn.accepts(next._req!)) return;
      this.waiters.shift();
      conn.send(next, now);
    }
  }

  exchangeExpired(conn: ClientConnection, res: Response, err: FastbenchError, now: number): void {
    if (conn.isOpen) conn.abandon(res, this.lateResponseTimeout, now);
    else conn.detach(res);
    this.finish(res, err, now);
  }

  protected onOpened(_conn: ClientConnection, now: number): void {
    this.pump(now);
  }

  protected onClosed(conn: ClientConnection): void {
    if (this.hint === conn) this.hint = null;
  }

  protected sweepIdle(now: number): void {
    const o = this.origin;
    const maxIdle = o.maxIdleConnDuration;
    const maxAge = o.maxConnDuration;
    for (let i = this.conns.length - 1; i >= 0; i--) {
      const c = this.conns[i];
      if (c === undefined || !c.isOpen) continue;
      if (maxAge > 0 && now - c.createdAt >= maxAge) c.retire();
      if (c.inFlight === 0 && (!c.usable || (maxIdle > 0 && now - c.lastUsedAt >= maxIdle))) c.close();
    }
  }
}
