// What HostClient and PipelineClient share: the public verbs (checked once, here), the list of
// connections to one origin, the FIFO of exchanges waiting for one, dialing with a per-host
// backoff, the one deadline sweep, and handing outcomes to callbacks. Subclasses decide which
// connection an exchange goes to (acquire / pump) and what a timeout does to a connection.
import { nowMs } from '../core/clock.js';
import { FastbenchError } from '../core/errors.js';
import { type Sweepable, Sweeper } from '../core/sweeper.js';
import { Phase, sameError, timeoutError, toClientError } from './client-errors.js';
import { type OriginOptions, type ResolvedOrigin, resolveOrigin } from './client-options.js';
import { Connection, type ConnectionOwner, onReadInto } from './connection.js';
import { Dialer, type ReadInto } from './dial.js';
import { DoerBase, type ResponseCallback } from './doer.js';
import type { Request } from './request.js';
import { ExchangeState, type Response } from './response.js';
import { WaitQueue } from './wait-queue.js';

function rethrow(e: unknown): void {
  throw e;
}

function finishLater(pool: ConnPool, res: Response, err: FastbenchError): void {
  pool.failNow(res, err);
}

export abstract class ConnPool extends DoerBase implements ConnectionOwner, Sweepable {
  readonly origin: ResolvedOrigin;
  readonly dialer: Dialer;
  readonly readInto: ReadInto | undefined;
  readonly sweeper: Sweeper;
  private readonly ownsSweeper: boolean;
  /** Every connection, dialing or open. */
  protected readonly conns: Connection[] = [];
  /** Exchanges waiting for a connection, oldest first. */
  protected readonly waiters = new WaitQueue();
  /** No dial before this nowMs() instant (the host failed to accept a connection). */
  protected backoffUntil = 0;
  private backoffStep = 0;
  /** Dials started and not yet opened or failed. */
  protected dialsInFlight = 0;
  /** The last dial failure (kept for diagnostics). */
  lastDialError: FastbenchError | null = null;
  /** @internal set by a connection while it delivers responses: a clock read the next dispatch can reuse. */
  deliveringAt = 0;
  private swept = false;
  private _closed = false;
  /** Exchanges dispatched and not yet reported. */
  private pending = 0;

  /** Slots per connection ring (1 without pipelining). */
  protected abstract readonly ringSize: number;
  /** Batch the writes of a connection into one per tick (pipelining). */
  protected abstract readonly batchWrites: boolean;

  constructor(options: OriginOptions) {
    super();
    this.origin = resolveOrigin(options);
    this.dialer = new Dialer(this.origin);
    this.ownsSweeper = options.sweeper === undefined;
    this.sweeper = options.sweeper ?? new Sweeper(this.origin.sweepInterval);
    // One read buffer for all plain connections of this client: reads are handled one at a
    // time and the parser/Response copy whatever must outlive a read.
    this.readInto = this.origin.tls ? undefined : { buffer: Buffer.allocUnsafe(this.origin.readBufferSize), callback: onReadInto };
  }

  // ---------------------------------------------------------------- public verbs (Doer)

  get closed(): boolean {
    return this._closed;
  }


  dispatch(req: Request, res: Response, ctx: ResponseCallback, deadlineMs = Infinity): void {
    if (res._state !== ExchangeState.Idle) throw new Error('dispatch: this Response is already in flight; use one Response per exchange in flight');
    const at = this.deliveringAt;
    const now = at !== 0 ? at : nowMs();
    res._begin(req, ctx, deadlineMs, now);
    this.pending++;
    if (this._closed) return this.failSoon(res, new FastbenchError('ERR_CLIENT_CLOSED', `client for ${this.origin.where} is closed`));
    try {
      req.prepare(this.origin.hostHeader); // a bad header fails here, before any connection is involved
    } catch (e) {
      return this.failSoon(res, e instanceof FastbenchError ? e : new FastbenchError('ERR_HTTP_INVALID_HEADER', String(e)));
    }
    if (now >= deadlineMs) return this.failSoon(res, new FastbenchError('ERR_TIMEOUT_TOTAL', 'the deadline had passed before the request started'));
    this.acquire(res, now);
  }

  /** Fails everything waiting or in flight with ERR_CLIENT_CLOSED and closes every connection. */
  close(): Promise<void> {
    if (this._closed) return Promise.resolve();
    this._closed = true;
    const now = nowMs();
    for (const res of this.waiters.drain()) this.finish(res, new FastbenchError('ERR_CLIENT_CLOSED', `client for ${this.origin.where} was closed while the request waited`), now);
    const reason = new FastbenchError('ERR_CLIENT_CLOSED', `client for ${this.origin.where} was closed while the request was in flight`);
    for (let i = this.conns.length - 1; i >= 0; i--) this.conns[i]?.teardown(reason);
    this.sweeper.delete(this);
    if (this.ownsSweeper) this.sweeper.stop();
    return Promise.resolve();
  }

  // ---------------------------------------------------------------- stats

  /** Connections open or being dialed. */
  get connCount(): number {
    return this.conns.length;
  }

  /** Exchanges waiting for a connection. */
  get waitingCount(): number {
    return this.waiters.length;
  }

  /** Exchanges dispatched and not yet reported (what a load balancer compares). */
  get pendingCount(): number {
    return this.pending;
  }

  // ---------------------------------------------------------------- subclass hooks

  /** Finds a connection for a new (or retried) exchange, or queues it, or fails it. */
  protected abstract acquire(res: Response, now: number): void;
  /** Gives waiting exchanges to connections that have room, dialing when allowed. */
  protected abstract pump(now: number): void;
  /** Periodic work on idle connections (closing stale ones). */
  protected abstract sweepIdle(now: number): void;
  abstract exchangeDone(conn: Connection, res: Response, err: FastbenchError | null): void;
  abstract exchangeExpired(conn: Connection, res: Response, err: FastbenchError): void;
  /** A connection finished dialing (its bound exchange is already sent). */
  protected abstract onOpened(conn: Connection, now: number): void;
  /** A connection is gone (it has already been removed from `conns`). */
  protected abstract onClosed(conn: Connection): void;

  // ---------------------------------------------------------------- ConnectionOwner

  connOpened(conn: Connection): void {
    this.dialsInFlight--;
    this.backoffStep = 0;
    this.backoffUntil = 0;
    this.onOpened(conn, nowMs());
  }

  connClosed(conn: Connection, dialErr: FastbenchError | null): void {
    const i = conn.ownerIndex;
    if (i >= 0 && this.conns[i] === conn) {
      const last = this.conns.pop()!;
      if (last !== conn) {
        this.conns[i] = last;
        last.ownerIndex = i;
      }
      conn.ownerIndex = -1;
    }
    if (dialErr !== null) this.dialsInFlight--;
    this.onClosed(conn);
    if (this._closed) return;
    const now = nowMs();
    if (dialErr !== null) {
      this.lastDialError = dialErr;
      this.startBackoff(now);
      // Nothing left that could free up: the host is down for now; waiting would only hang.
      if (this.conns.length === 0 && this.waiters.length > 0) {
        for (const res of this.waiters.drain()) this.finish(res, sameError(dialErr), now);
      }
      return;
    }
    this.pump(now);
  }

  /** Exponential, jittered (50-100%), capped: a refusing host costs a dial per delay, not a spin. */
  private startBackoff(now: number): void {
    const o = this.origin;
    const step = this.backoffStep < 30 ? this.backoffStep++ : 30;
    const full = Math.min(o.dialBackoffMax, o.dialBackoffBase * 2 ** step);
    this.backoffUntil = now + full * (0.5 + Math.random() * 0.5);
  }

  // ---------------------------------------------------------------- helpers for subclasses

  /** Opens a connection; `res` (if any) is bound to it and sent once it opens. */
  protected dial(res: Response | null, now: number): void {
    let conn: Connection;
    try {
      conn = new Connection(this, this.ringSize, this.batchWrites, now);
    } catch (e) {
      // Options node:net/tls refuse synchronously (a bad CA, say).
      const err = toClientError(e, Phase.Connect, this.origin.where);
      this.lastDialError = err;
      this.startBackoff(now);
      if (res !== null) this.failSoon(res, err);
      return;
    }
    conn.ownerIndex = this.conns.length;
    this.conns.push(conn);
    this.dialsInFlight++;
    if (res !== null) {
      conn.bound = res;
      res._state = ExchangeState.Dialing;
    }
    this.ensureSwept();
  }

  /**
   * May a new connection be dialed now? Not past maxConns, not during a backoff, and after a
   * failure only one probe at a time until a dial succeeds again.
   */
  protected canDial(now: number): boolean {
    return this.conns.length < this.origin.maxConns && now >= this.backoffUntil && (this.backoffStep === 0 || this.dialsInFlight === 0);
  }

  protected enqueue(res: Response, waitUntil: number): void {
    res._state = ExchangeState.Waiting;
    res._waitUntil = waitUntil;
    this.waiters.push(res);
    this.ensureSwept();
  }

  /** Ends an exchange and reports it. The callback may dispatch again at once. */
  protected finish(res: Response, err: FastbenchError | null, endAt: number): void {
    const t = res.timing;
    t.finish(res._start, res._sentAt, res._writtenAt, res._firstByteAt, endAt, res._dns, res._connect, res._tls);
    t.reused = res._reused;
    res.error = err;
    res._state = ExchangeState.Idle;
    this.pending--;
    res._waitUntil = Infinity;
    const ctx = res._ctx!;
    const req = res._req!;
    res._ctx = null;
    res._req = null;
    try {
      ctx.onResponse(req, res, err);
    } catch (e) {
      // A throwing callback must not corrupt the connection it was called from.
      process.nextTick(rethrow, e);
    }
  }

  /** Fails an exchange on the next tick (never re-enter a caller from inside dispatch). */
  protected failSoon(res: Response, err: FastbenchError): void {
    res._state = ExchangeState.Waiting; // not Idle: it may not be dispatched again before the callback
    process.nextTick(finishLater, this, res, err);
  }

  /** @internal */
  failNow(res: Response, err: FastbenchError): void {
    this.finish(res, err, nowMs());
  }

  private ensureSwept(): void {
    if (!this.swept) {
      this.swept = true;
      this.sweeper.add(this);
    }
  }

  // ---------------------------------------------------------------- the sweep

  /** Called by the sweeper every tick: waiters, dials, in-flight deadlines, idle connections. */
  sweep(now: number): boolean {
    const expired = this.waiters.length > 0 ? this.waiters.removeExpired(now) : null;
    if (expired !== null) {
      for (const res of expired) {
        const what = now >= res._deadline ? 'request deadline' : 'maxConnWaitTimeout';
        this.finish(res, timeoutError(Phase.ConnWait, what), now);
      }
    }
    // Backwards: a connection torn down here is swap-removed with one already visited.
    for (let i = this.conns.length - 1; i >= 0; i--) {
      const c = this.conns[i];
      if (c !== undefined) c.sweep(now);
    }
    this.sweepIdle(now);
    if (this.waiters.length > 0 && now >= this.backoffUntil) this.pump(now);
    const keep = this.conns.length > 0 || this.waiters.length > 0;
    if (!keep) this.swept = false;
    return keep;
  }
}
