// HostClient: a pool of keep-alive connections to one origin (scheme, host, port), one exchange
// per connection at a time. The shape follows fasthttp's HostClient.AcquireConn:
//
//   acquire(exchange)
//     1. an idle connection?            → the most recently used one (LIFO: warm, least likely
//                                          to have been closed by the server) → send
//     2. fewer than maxConns?           → dial a connection for this exchange (sent once open);
//                                          during a dial backoff: wait for the next attempt
//     3. all maxConns busy:
//          maxConnWaitTimeout == 0      → ERR_NO_FREE_CONNS at once
//          wait queue full              → ERR_NO_FREE_CONNS at once
//          else                         → wait (FIFO) for a released connection
//
// Which limit ends which phase, and the error it gives (the sweep checks them all; `deadline`
// is the one from doTimeout/doDeadline/dispatch, covering the whole exchange):
//
//   | phase                  | ended by                                   | error                                |
//   |------------------------|--------------------------------------------|--------------------------------------|
//   | waiting for a conn     | maxConnWaitTimeout, deadline               | ERR_TIMEOUT_CONN_WAIT                |
//   | waiting out a backoff  | deadline (or the next dial failing too)    | ERR_TIMEOUT_CONN_WAIT (or dial error)|
//   | DNS + TCP connect      | connectTimeout, deadline                   | ERR_TIMEOUT_DNS / ERR_TIMEOUT_CONNECT |
//   | TLS handshake          | tlsHandshakeTimeout, deadline              | ERR_TIMEOUT_TLS                      |
//   | writing the request    | writeTimeout (from the write), deadline    | ERR_TIMEOUT_WRITE                    |
//   | waiting for the head   | readTimeout (from written), deadline       | ERR_TIMEOUT_HEADERS                  |
//   | reading the body       | readTimeout (same clock), deadline         | ERR_TIMEOUT_BODY                     |
//
// A deadline that passes during a dial frees the exchange but not the dial: the connection
// still opens and serves whoever waits next. connectTimeout / tlsHandshakeTimeout abort the dial.
// After a write or read timeout the connection is closed: its late response could not be told
// apart from the next exchange's (PipelineClient instead reads and drops it).
//
// Idle connections are closed by the sweep after maxIdleConnDuration; connections older than
// maxConnDuration are closed when their exchange ends. A dial failure starts a per-host backoff
// (exponential, jittered, capped: dialBackoffBase..dialBackoffMax); while it lasts exchanges
// wait instead of dialing, and when no connection is left at all the waiting ones fail with the
// dial error. A dead reused connection (closed or reset before any byte of the response) is
// retried once for idempotent requests, and so is an HTTP/2 stream refused (REFUSED_STREAM, or
// above a GOAWAY's last-stream-id: not processed) — see retryIf.
import { nowMs } from '../core/clock.js';
import { FastbenchError } from '../core/errors.js';
import { type OriginOptions, type RetryIf, countOpt, durationOpt } from './client-options.js';
import type { ClientConnection, ConnectionSettings } from './client-connection.js';
import { ConnPool } from './conn-pool.js';
import type { Request } from './request.js';
import type { Response } from './response.js';

export interface HostClientOptions extends OriginOptions {
  /** How long an exchange may wait for a free connection when maxConns are busy. 0 (default): fail at once with ERR_NO_FREE_CONNS. */
  maxConnWaitTimeout?: number;
  /** Most exchanges waiting for a connection (beyond: ERR_NO_FREE_CONNS). Default Infinity. */
  maxConnWaitQueue?: number;
  /** Whether to try a failed exchange again on another connection. Default: retryStaleConn. */
  retryIf?: RetryIf;
}

/** How often a request whose HTTP/2 stream was not processed (refused, above GOAWAY) is tried again (Go's transport: 6). */
export const UNPROCESSED_RETRIES = 6;

/**
 * The default retry rule, for idempotent requests with no byte of the response yet: once when
 * the reused connection turned out dead (the server had closed it while it sat idle; HTTP/2: it
 * stopped answering PINGs); up to UNPROCESSED_RETRIES times when the server refused the HTTP/2
 * stream or left it above a GOAWAY's last-stream-id (not processed: a new connection may take it).
 */
export const retryStaleConn: RetryIf = (req: Request, res: Response, err: FastbenchError, retries: number): boolean =>
  req.idempotent &&
  res._firstByteAt === 0 &&
  (err.code === 'ERR_H2_REFUSED_STREAM'
    ? retries < UNPROCESSED_RETRIES
    : retries === 0 && res.reusedConnection && (err.code === 'ERR_CONN_CLOSED_EARLY' || err.code === 'ERR_CONN_RESET' || err.code === 'ERR_TIMEOUT_PING'));

export class HostClient extends ConnPool {
  /** One exchange per connection at a time; writes go out as they are made. */
  protected readonly connSettings: ConnectionSettings = Object.freeze({ maxInFlight: 1, batchWrites: false, pipelineNonIdempotent: false });
  readonly maxConnWaitTimeout: number;
  readonly maxConnWaitQueue: number;
  private readonly retryIf: RetryIf;
  /** Open connections with nothing in flight, least recently used first (pop() takes the newest). */
  private readonly idleConns: ClientConnection[] = [];

  constructor(options: HostClientOptions) {
    super(options);
    const o = options as Record<string, unknown>;
    this.maxConnWaitTimeout = durationOpt(o, 'maxConnWaitTimeout', 0);
    this.maxConnWaitQueue = countOpt(o, 'maxConnWaitQueue', Infinity, 1, true);
    if (options.retryIf !== undefined && typeof options.retryIf !== 'function') {
      throw new FastbenchError('ERR_CONFIG', 'option retryIf must be a function (req, res, err, retries) => boolean');
    }
    this.retryIf = options.retryIf ?? retryStaleConn;
  }

  /** Connections open and idle. */
  get idleConnCount(): number {
    return this.idleConns.length;
  }

  // ---------------------------------------------------------------- acquiring a connection

  protected acquire(res: Response, now: number): void {
    // 1. The most recently used idle connection.
    const conn = this.idleConns.pop();
    if (conn !== undefined) {
      conn.idle = false;
      conn.send(res, now);
      return;
    }
    // 2. Room for another connection: dial one for this exchange (or wait out a backoff).
    if (this.connCount < this.origin.maxConns) {
      if (this.canDial(now)) this.dial(res, now);
      else this.enqueue(res, Infinity);
      return;
    }
    // 3. All busy: wait in line, if allowed.
    if (this.maxConnWaitTimeout === 0 || this.waiters.length >= this.maxConnWaitQueue) {
      this.failSoon(res, new FastbenchError('ERR_NO_FREE_CONNS', `all ${this.origin.maxConns} connections to ${this.origin.where} are busy` + (this.maxConnWaitTimeout === 0 ? ' (maxConnWaitTimeout is 0)' : ' and the wait queue is full')));
      return;
    }
    this.enqueue(res, now + this.maxConnWaitTimeout);
  }

  /** Hands waiting exchanges to idle connections, then to new dials while allowed. */
  protected pump(now: number): void {
    while (this.waiters.length > 0) {
      const conn = this.idleConns.pop();
      if (conn !== undefined) {
        conn.idle = false;
        conn.send(this.waiters.shift()!, now);
      } else if (this.canDial(now)) {
        this.dial(this.waiters.shift()!, now);
      } else {
        return;
      }
    }
  }

  /** A connection finished its exchange: next waiter, idle stack, or closed. */
  private release(conn: ClientConnection, now: number): void {
    const maxAge = this.origin.maxConnDuration;
    // No free slot: closing, or (HTTP/1) answered before its request was fully written.
    if (conn.freeSlots === 0 || (maxAge > 0 && now - conn.createdAt >= maxAge)) {
      conn.close();
      return;
    }
    const next = this.waiters.shift();
    if (next !== undefined) {
      conn.send(next, now);
      return;
    }
    conn.lastUsedAt = now;
    conn.idle = true;
    this.idleConns.push(conn);
  }

  // ---------------------------------------------------------------- connection events

  exchangeDone(conn: ClientConnection, res: Response, err: FastbenchError | null): void {
    if (err === null) {
      const end = res._endAt;
      this.release(conn, end); // first, so the callback can reuse this connection at once
      this.finish(res, null, end);
      return;
    }
    // HTTP/2: the stream failed (reset, refused, malformed answer) but the connection lives on
    // (HTTP/1 failures close it first): it serves the next exchange instead of staying busy.
    if (conn.isOpen && conn.inFlight === 0 && !conn.idle) this.release(conn, nowMs());
    this.exchangeFailed(res, err);
  }

  /** Tries a failed exchange again when retryIf says so, else reports it. */
  protected override exchangeFailed(res: Response, err: FastbenchError): void {
    const now = nowMs();
    if (!this.closed && now < res._deadline && this.retryIf(res._req!, res, err, res._retries)) {
      res._retries++;
      res._clearMarks();
      res.reset();
      this.acquire(res, now);
      return;
    }
    this.finish(res, err, now);
  }

  exchangeExpired(conn: ClientConnection, res: Response, err: FastbenchError, now: number): void {
    // The late response must not reach the next exchange. HTTP/1 keeps the slot (the answer is
    // still due), so the connection goes; HTTP/2 cancelled the stream (RST_STREAM CANCEL) and freed
    // it, so the connection serves on. (An exchange whose dial is still under way is expired by
    // the dial: the dial goes on for the next waiter.)
    conn.detach(res);
    if (conn.isOpen && conn.usable && conn.inFlight === 0) this.release(conn, now);
    else conn.close();
    this.finish(res, err, now);
  }

  protected onOpened(conn: ClientConnection, now: number): void {
    // The exchange it was dialed for has gone (timed out): serve a waiter or go idle.
    if (conn.inFlight === 0) this.release(conn, now);
    // A dial worked again after failures: the exchanges that waited out the backoff may dial now.
    if (this.waiters.length > 0) this.pump(now);
  }

  protected onClosed(conn: ClientConnection): void {
    if (!conn.idle) return;
    conn.idle = false;
    const i = this.idleConns.indexOf(conn);
    if (i >= 0) this.idleConns.splice(i, 1);
  }

  protected sweepIdle(now: number): void {
    const max = this.origin.maxIdleConnDuration;
    const idle = this.idleConns;
    if (max === 0 || idle.length === 0) return;
    // Oldest at the bottom: close from there while stale.
    let stale = 0;
    while (stale < idle.length && now - idle[stale]!.lastUsedAt >= max) stale++;
    if (stale === 0) return;
    const gone = idle.splice(0, stale);
    for (const c of gone) {
      c.idle = false;
      c.close();
    }
  }
}
