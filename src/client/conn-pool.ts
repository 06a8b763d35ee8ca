// What HostClient and PipelineClient share: the public verbs (checked once, here), the list of
// connections to one origin, the FIFO of exchanges waiting for one, dialing with a per-host
// backoff, the one deadline sweep, and handing outcomes to callbacks. Subclasses decide which
// connection an exchange goes to (acquire / pump) and what a timeout does to a connection.
//
// Connections are ClientConnections (client-connection.ts): a dial (DialAttempt) opens a socket,
// and the factory for the protocol it speaks — the TLS ALPN answer, or the first of `protocols`
// in cleartext — makes the connection. Nothing here knows HTTP/1 from any other protocol.
import { bug } from '../core/invariant.js';
import { nowMs } from '../core/clock.js';
import { FastbenchError } from '../core/errors.js';
import { type Sweepable, Sweeper } from '../core/sweeper.js';
import { Phase, sameError, timeoutError, toClientError } from './client-errors.js';
import { type OriginOptions, type ResolvedOrigin, resolveOrigin } from './client-options.js';
import { type ClientConnection, type ConnectionFactory, type ConnectionOwner, type ConnectionSettings, checkProtocols, pickFactory } from './client-connection.js';
import { Dialer, type ReadInto, onReadInto } from './dial.js';
import { DialAttempt, type DialOwner } from './dial-attempt.js';
import { http1 } from './h1/connection.js';
import { ConnectionUsage } from './connection-usage.js';
import { protocolsFor, protocolsForAlpn } from './protocol-choice.js';
import { DoerBase, type ResponseCallback } from './doer.js';
import type { Request } from './request.js';
import { ExchangeState, type Response } from './response.js';
import { WaitQueue } from './wait-queue.js';

const DEFAULT_PROTOCOLS: readonly ConnectionFactory[] = Object.freeze([http1]);

function rethrow(e: unknown): void {
  throw e;
}

function finishLater(pool: ConnPool, res: Response, err: FastbenchError): void {
  pool.failNow(res, err);
}

function removeDial(dials: DialAttempt[], d: DialAttempt): void {
  const i = d.ownerIndex;
  if (i < 0 || dials[i] !== d) return;
  const last = dials.pop()!;
  if (last !== d) {
    dials[i] = last;
    last.ownerIndex = i;
  }
  d.ownerIndex = -1;
}

export abstract class ConnPool extends DoerBase implements ConnectionOwner, DialOwner, Sweepable {
  readonly origin: ResolvedOrigin;
  readonly dialer: Dialer;
  /** What connections may speak, most preferred first (offered in this order by ALPN). */
  readonly protocols: readonly ConnectionFactory[];
  /** Connections opened per protocol, and the most in flight on one (reports). */
  readonly usage = new ConnectionUsage();
  readonly readInto: ReadInto | undefined;
  readonly sweeper: Sweeper;
  private readonly ownsSweeper: boolean;
  /** Every open connection. */
  protected readonly conns: ClientConnection[] = [];
  /** Connections being dialed (they count against maxConns). */
  protected readonly dials: DialAttempt[] = [];
  /** Exchanges waiting for a connection, oldest first. */
  protected readonly waiters = new WaitQueue();
  /** No dial before this nowMs() instant (the host failed to accept a connection). */
  protected backoffUntil = 0;
  private backoffStep = 0;
  /** The last dial failure (kept for diagnostics). */
  lastDialError: FastbenchError | null = null;
  /** @internal set by a connection while it delivers responses: a clock read the next dispatch can reuse. */
  deliveringAt = 0;
  private swept = false;
  private _closed = false;
  /** Exchanges dispatched and not yet reported. */
  private pending = 0;

  /** What every connection of this pool is made with (set by the subclass constructor). */
  protected abstract readonly connSettings: ConnectionSettings;

  constructor(options: OriginOptions) {
    super();
    this.origin = resolveOrigin(options);
    this.protocols =
      options.protocols !== undefined
        ? checkProtocols(options.protocols)
        : options.alpn !== undefined
          ? protocolsForAlpn(options.alpn)
          : options.protocol !== undefined
            ? protocolsFor(options.protocol, this.origin.tls)
            : DEFAULT_PROTOCOLS;
    this.dialer = new Dialer(
      this.origin,
      this.protocols.map((f) => f.protocol),
    );
    this.ownsSweeper = options.sweeper === undefined;
    this.sweeper = options.sweeper ?? new Sweeper(this.origin.sweepInterval);
    // One read buffer for all plain connections of this client: reads are handled one at a
    // time and the parser/Response copy whatever must outlive a read.
    // (TLS sockets, proxied sockets and custom transports deliver 'data' events instead.)
    this.readInto = this.origin.tls || this.origin.connect !== undefined || this.origin.proxy !== undefined ? undefined : { buffer: Buffer.allocUnsafe(this.origin.readBufferSize), callback: onReadInto };
  }

  // ---------------------------------------------------------------- public verbs (Doer)

  get closed(): boolean {
    return this._closed;
  }


  dispatch(req: Request, res: Response, ctx: ResponseCallback, deadlineMs = Infinity): void {
    if (res._state !== ExchangeState.Idle) bug('dispatch: this Response is already in flight; use one Response per exchange in flight');
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
    for (let i = this.dials.length - 1; i >= 0; i--) this.dials[i]?.fail(reason);
    for (let i = this.conns.length - 1; i >= 0; i--) this.conns[i]?.destroy(reason);
    this.sweeper.delete(this);
    if (this.ownsSweeper) this.sweeper.stop();
    return Promise.resolve();
  }

  // ---------------------------------------------------------------- stats

  /** Connections open or being dialed. */
  get connCount(): number {
    return this.conns.length + this.dials.length;
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
  abstract exchangeDone(conn: ClientConnection, res: Response, err: FastbenchError | null): void;
  abstract exchangeExpired(conn: ClientConnection, res: Response, err: FastbenchError, now: number): void;
  /** A connection finished dialing (its bound exchange is already sent). */
  protected abstract onOpened(conn: ClientConnection, now: number): void;
  /** A connection is gone (it has already been removed from `conns`). */
  protected abstract onClosed(conn: ClientConnection): void;

  /** An exchange failed before reaching a connection (its dial failed). HostClient may retry it. */
  protected exchangeFailed(res: Response, err: FastbenchError): void {
    this.finish(res, err, nowMs());
  }

  // ---------------------------------------------------------------- DialOwner

  dialOpened(d: DialAttempt, now: number): void {
    let factory: ConnectionFactory;
    try {
      factory = pickFactory(this.protocols, this.origin.tls, d.protocol, this.origin.where);
    } catch (e) {
      d.fail(e as FastbenchError);
      return;
    }
    d.handOff();
    removeDial(this.dials, d);
    this.usage.of(factory.protocol).connections++;
    const conn = factory.create(this, d.socket, this.connSettings, d.start, now);
    conn.ownerIndex = this.conns.length;
    this.conns.push(conn);
    this.backoffStep = 0;
    this.backoffUntil = 0;
    const b = d.bound;
    if (b !== null) {
      d.bound = null;
      d.stamp(b);
      conn.send(b, now);
    }
    this.onOpened(conn, now);
  }

  dialFailed(d: DialAttempt, err: FastbenchError): void {
    removeDial(this.dials, d);
    const bound = d.bound;
    d.bound = null;
    if (!this._closed) {
      const now = nowMs();
      this.lastDialError = err;
      this.startBackoff(now);
      // Nothing left that could free up: the host is down for now; waiting would only hang.
      if (this.conns.length === 0 && this.dials.length === 0 && this.waiters.length > 0) {
        for (const res of this.waiters.drain()) this.finish(res, sameError(err), now);
      }
    }
    if (bound !== null) this.exchangeFailed(bound, err);
  }

  /** The dial goes on (for whoever waits next); the exchange ends with its timeout. */
  dialExpired(_d: DialAttempt, res: Response, err: FastbenchError, now: number): void {
    this.finish(res, err, now);
  }

  // ---------------------------------------------------------------- ConnectionOwner

  connClosed(conn: ClientConnection): void {
    const i = conn.ownerIndex;
    if (i >= 0 && this.conns[i] === conn) {
      const last = this.conns.pop()!;
      if (last !== conn) {
        this.conns[i] = last;
        last.ownerIndex = i;
      }
      conn.ownerIndex = -1;
    }
    this.onClosed(conn);
    if (this._closed) return;
    this.pump(nowMs());
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
    let d: DialAttempt;
    try {
      d = new DialAttempt(this, res, now);
    } catch (e) {
      // Options node:net/tls refuse synchronously (a bad CA, say).
      const err = toClientError(e, Phase.Connect, this.origin.where);
      this.lastDialError = err;
      this.startBackoff(now);
      if (res !== null) this.failSoon(res, err);
      return;
    }
    d.ownerIndex = this.dials.length;
    this.dials.push(d);
    if (res !== null) res._state = ExchangeState.Dialing;
    this.ensureSwept();
  }

  /**
   * May a new connection be dialed now? Not past maxConns, not during a backoff, and after a
   * failure only one probe at a time until a dial succeeds again.
   */
  protected canDial(now: number): boolean {
    return this.conns.length + this.dials.length < this.origin.maxConns && now >= this.backoffUntil && (this.backoffStep === 0 || this.dials.length === 0);
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
    // Backwards: a dial or connection ended here is swap-removed with one already visited.
    for (let i = this.dials.length - 1; i >= 0; i--) {
      const d = this.dials[i];
      if (d !== undefined) d.sweep(now);
    }
    for (let i = this.conns.length - 1; i >= 0; i--) {
      const c = this.conns[i];
      if (c !== undefined) c.sweep(now);
    }
    this.sweepIdle(now);
    if (this.waiters.length > 0 && now >= this.backoffUntil) this.pump(now);
    const keep = this.conns.length > 0 || this.dials.length > 0 || this.waiters.length > 0;
    if (!keep) this.swept = false;
    return keep;
  }
}
