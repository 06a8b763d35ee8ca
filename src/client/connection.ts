// One client connection: a socket, a ResponseParser whose handler is this object (no closures
// per request), and a ring of in-flight exchanges matched to responses in order.
//
// The ring is one fixed array indexed by `head` (oldest in flight: the one being parsed) and
// `count`; slots are never shifted. A slot set to null was abandoned (its exchange timed out):
// its response is still read — it is next on the wire — but dropped.
//
// Completed exchanges are collected while the parser runs over a chunk and handed to the owner
// only after execute() returns, so an owner that reuses this connection from a callback never
// runs inside the parser, and bytes left in the chunk cannot be matched to a new request.
//
// Lifecycle: Dialing → (Tls) → Open → Closed. teardown() is the one way to Closed: it fails
// whatever is still in the ring, each exchange with its own typed error, and tells the owner.
import type net from 'node:net';
import type tls from 'node:tls';
import { ByteWriter } from '../core/byte-writer.js';
import { nowMs } from '../core/clock.js';
import { FastbenchError } from '../core/errors.js';
import type { ResponseHead } from '../http/message-head.js';
import { SKIP_BODY } from '../http/message-parser.js';
import { ResponseParser, type ResponseHandler } from '../http/response-parser.js';
import { Phase, closedError, timeoutError, toClientError } from './client-errors.js';
import type { ResolvedOrigin } from './client-options.js';
import type { Dialer, ReadInto } from './dial.js';
import { ExchangeState, type Response } from './response.js';

/** What a connection reports to: the pooled client that owns it. */
export interface ConnectionOwner {
  readonly origin: ResolvedOrigin;
  readonly dialer: Dialer;
  /** Shared read buffer for plain TCP connections (undefined: 'data' events). */
  readonly readInto: ReadInto | undefined;
  /** nowMs() of the read whose responses are being delivered (0 outside deliveries). */
  deliveringAt: number;
  /** The dial finished; the exchange it was dialed for (if still waiting) has been sent. */
  connOpened(conn: Connection): void;
  /** An exchange ended. `err` null is a response (any status). Called outside the parser. */
  exchangeDone(conn: Connection, res: Response, err: FastbenchError | null): void;
  /** An exchange passed a deadline (found by sweep). The owner abandons it or tears the connection down. */
  exchangeExpired(conn: Connection, res: Response, err: FastbenchError): void;
  /** The connection is closed. `dialErr` is set when it never opened. Called before its exchanges fail. */
  connClosed(conn: Connection, dialErr: FastbenchError | null): void;
}

export const enum ConnState {
  Dialing = 0,
  Tls = 1,
  Open = 2,
  Closed = 3,
}

const kConn = Symbol('fastbench.connection');
type Tagged = net.Socket & { [kConn]: Connection };

// Socket listeners are shared functions (`this` is the socket), not closures per connection.
/** The `onread` callback of plain sockets (reads into the owner's buffer). */
export function onReadInto(this: net.Socket, nread: number, buf: Buffer): boolean {
  const conn = (this as Tagged)[kConn];
  const into = conn.owner.readInto!;
  let view = into.view;
  if (view === undefined || view.length !== nread || view.buffer !== buf.buffer) into.view = view = nread === buf.length ? buf : buf.subarray(0, nread);
  conn.onData(view);
  return true;
}
function onSocketData(this: Tagged, chunk: Buffer): void {
  this[kConn].onData(chunk);
}
function onLookup(this: Tagged): void {
  this[kConn].dnsAt = nowMs();
}
function onConnect(this: Tagged): void {
  this[kConn].onConnect();
}
function onSecureConnect(this: Tagged): void {
  this[kConn].onSecure();
}
function onSocketError(this: Tagged, err: Error): void {
  const c = this[kConn];
  c.teardown(toClientError(err, c.phase(), c.owner.origin.where));
}
function onSocketEnd(this: Tagged): void {
  this[kConn].onEnd();
}
function onSocketClose(this: Tagged): void {
  this[kConn].teardown(null);
}
function unsolicited(where: string, when: string): FastbenchError {
  return new FastbenchError('ERR_HTTP_UNSOLICITED_RESPONSE', `${where} sent bytes with no request in flight (${when})`);
}
function flushConn(c: Connection): void {
  c.flush();
}

export class Connection implements ResponseHandler {
  readonly owner: ConnectionOwner;
  readonly socket: net.Socket;
  readonly parser: ResponseParser;
  state = ConnState.Dialing;
  /** No further exchange may start here (the server said close, an error, an old connection). */
  closing = false;
  readonly createdAt: number;
  /** nowMs() of the last response completed (or of opening); the idle sweep reads it. */
  lastUsedAt: number;
  /** Exchanges sent on this connection so far. */
  requests = 0;
  /** Owner bookkeeping: index in the owner's connection list. */
  ownerIndex = -1;
  /** Owner bookkeeping: on the owner's idle stack. */
  idle = false;

  // ---- dial phases (nowMs() instants, 0 = not reached)
  readonly dialStart: number;
  dnsAt = 0;
  connectAt = 0;
  tlsAt = 0;
  /** The exchange this connection was dialed for, sent once it opens. */
  bound: Response | null = null;

  // ---- in-flight ring
  private ring: (Response | null)[];
  private skip: Uint8Array;
  /** For abandoned slots: when to give up waiting for the late response. */
  private graceAt: Float64Array;
  private readonly mask: number;
  head = 0;
  /** Slots in flight, abandoned ones included. */
  count = 0;
  /** Slots in flight whose exchange still waits for its response. */
  live = 0;
  /** The most recently sent exchange was not idempotent (pipelining rules). */
  lastNonIdempotent = false;

  // ---- per chunk
  /** Bytes read that belong to no completed message yet (the exchange being read, or a stray). */
  private rxPending = 0;
  private chunkAt = 0;
  private inData = false;
  private done: Response[] = [];
  private doneLen = 0;

  // ---- batched writes (pipelining): one socket write per tick or per chunk read
  private readonly batchWrites: boolean;
  private batch: ByteWriter | null = null;
  private flushScheduled = false;
  /** The socket had bytes queued after the last write (a write not yet flushed to the kernel). */
  writePending = false;

  constructor(owner: ConnectionOwner, capacity: number, batchWrites: boolean, now: number) {
    this.owner = owner;
    this.batchWrites = batchWrites;
    let size = 1;
    while (size < capacity) size <<= 1;
    this.mask = size - 1;
    this.ring = new Array<Response | null>(size).fill(null);
    this.skip = new Uint8Array(size);
    this.graceAt = new Float64Array(size);
    const o = owner.origin;
    this.parser = new ResponseParser(this, { limits: o.limits, ...(o.lenient !== undefined ? { lenient: o.lenient } : {}) });
    this.createdAt = this.lastUsedAt = this.dialStart = now;
    const readInto = o.tls ? undefined : owner.readInto;
    const s = owner.dialer.dial(readInto) as Tagged;
    s[kConn] = this;
    this.socket = s;
    if (readInto === undefined) s.on('data', onSocketData);
    s.on('lookup', onLookup);
    s.on('connect', onConnect);
    if (o.tls) s.on('secureConnect', onSecureConnect);
    s.on('error', onSocketError);
    s.on('end', onSocketEnd);
    s.on('close', onSocketClose);
  }

  /** The phase a failure now would be blamed on (for errors from the socket). */
  phase(): Phase {
    switch (this.state) {
      case ConnState.Dialing:
        return this.dnsAt === 0 && !this.owner.dialer.skipsDns ? Phase.Dns : Phase.Connect;
      case ConnState.Tls:
        return Phase.Tls;
      default: {
        const res = this.count === 0 ? null : this.ring[this.head];
        return res === null || res === undefined ? Phase.Headers : this.phaseOf(res);
      }
    }
  }

  /** Where an in-flight exchange is. */
  phaseOf(res: Response): Phase {
    if (res._writtenAt === 0 && this.writePending) return Phase.Write;
    return res._headAt === 0 ? Phase.Headers : Phase.Body;
  }

  /** Open and not closing (the owner checks the ring's room and the pipelining rules). */
  get usable(): boolean {
    return this.state === ConnState.Open && !this.closing;
  }

  // ---------------------------------------------------------------- dialing

  onConnect(): void {
    if (this.state !== ConnState.Dialing) return;
    this.connectAt = nowMs();
    if (this.owner.origin.tls) this.state = ConnState.Tls;
    else this.opened(this.connectAt);
  }

  onSecure(): void {
    if (this.state !== ConnState.Tls && this.state !== ConnState.Dialing) return;
    const now = nowMs();
    if (this.connectAt === 0) this.connectAt = now;
    this.tlsAt = now;
    this.owner.dialer.noteHandshake(this.socket as tls.TLSSocket);
    this.opened(now);
  }

  private opened(now: number): void {
    this.state = ConnState.Open;
    this.lastUsedAt = now;
    const b = this.bound;
    if (b !== null) {
      this.bound = null;
      const start = this.dialStart;
      const connectFrom = this.dnsAt !== 0 ? this.dnsAt : start;
      b._dns = this.dnsAt !== 0 ? this.dnsAt - start : 0;
      b._connect = this.connectAt - connectFrom;
      b._tls = this.tlsAt !== 0 ? this.tlsAt - this.connectAt : 0;
      this.send(b, now);
    }
    this.owner.connOpened(this);
  }

  // ---------------------------------------------------------------- sending

  /** Writes an exchange. The caller checked `usable` and that the ring has room. */
  send(res: Response, now: number): void {
    const req = res._req!;
    const bytes = req.prepare(this.owner.origin.hostHeader);
    const i = (this.head + this.count) & this.mask;
    this.ring[i] = res;
    this.skip[i] = req.isHead ? 1 : 0;
    this.count++;
    this.live++;
    this.lastNonIdempotent = !req.idempotent;
    res._state = ExchangeState.InFlight;
    res._sentAt = now;
    res._reused = this.requests > 0;
    this.requests++;
    if (this.batchWrites) {
      this.queueWrite(bytes);
      return;
    }
    const s = this.socket;
    s.write(bytes);
    if (s.writableLength === 0) res._writtenAt = now;
    else this.writePending = true;
  }

  private queueWrite(bytes: Buffer): void {
    let b = this.batch;
    if (b === null) this.batch = b = new ByteWriter(4096);
    const n = bytes.length;
    if (n <= 128) {
      // Short requests: a loop beats TypedArray#set (a native call) at this size.
      b.ensure(n);
      const dst = b.buf;
      const at = b.len;
      for (let i = 0; i < n; i++) dst[at + i] = bytes[i]!;
      b.len = at + n;
    } else {
      b.bytes(bytes);
    }
    if (!this.inData && !this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(flushConn, this);
    }
  }

  /** Writes the batched requests in one socket write. `now`: a clock read to reuse, or 0. */
  flush(now = 0): void {
    this.flushScheduled = false;
    const b = this.batch;
    if (b === null || b.len === 0 || this.state !== ConnState.Open) return;
    const s = this.socket;
    s.write(b.view());
    if (s.writableLength === 0) {
      b.reset();
      this.markWritten(now !== 0 ? now : nowMs());
    } else {
      // The socket keeps the view until it is flushed: write the next batch elsewhere.
      this.batch = null;
      this.writePending = true;
    }
  }

  /** Stamps the write time on every in-flight exchange that has none. */
  private markWritten(now: number): void {
    this.writePending = false;
    const ring = this.ring;
    for (let k = 0; k < this.count; k++) {
      const r = ring[(this.head + k) & this.mask];
      if (r !== null && r !== undefined && r._writtenAt === 0) r._writtenAt = now;
    }
  }

  // ---------------------------------------------------------------- reading

  onData(chunk: Buffer): void {
    if (this.state !== ConnState.Open) return;
    const now = nowMs();
    this.chunkAt = now;
    this.rxPending += chunk.length;
    if (this.count === 0) {
      const e = unsolicited(this.owner.origin.where, 'on an idle connection');
      this.strayed(e);
      this.teardown(e);
      return;
    }
    const first = this.ring[this.head];
    if (first !== null && first !== undefined && first._firstByteAt === 0) {
      first._firstByteAt = now;
      if (first._writtenAt === 0) first._writtenAt = now;
    }
    let err: unknown = null;
    this.inData = true;
    try {
      this.parser.execute(chunk);
    } catch (e) {
      err = e;
      this.closing = true;
      // Counted now: delivering the responses before it may close this connection first.
      if (e instanceof FastbenchError && e.code === 'ERR_HTTP_UNSOLICITED_RESPONSE') this.strayed(e);
    }
    if (this.parser.upgraded) this.closing = true;
    // Between messages every byte read belongs to a completed one (chunked framing included).
    if (err === null && this.parser.idle) this.rxPending = 0;
    if (this.doneLen > 0) this.deliver();
    this.inData = false;
    if (err !== null) {
      this.teardown(err instanceof FastbenchError ? err : new FastbenchError('ERR_INTERNAL', String(err), { cause: err }));
      return;
    }
    if (this.batch !== null && this.batch.len > 0) this.flush(this.chunkAt);
  }

  private deliver(): void {
    const done = this.done;
    const n = this.doneLen;
    const owner = this.owner;
    // Exchanges dispatched from these callbacks take the read's time as their start (no clock read).
    owner.deliveringAt = this.chunkAt;
    for (let k = 0; k < n; k++) {
      const res = done[k]!;
      done[k] = undefined as unknown as Response;
      owner.exchangeDone(this, res, null);
    }
    owner.deliveringAt = 0;
    this.doneLen = 0;
  }

  /** Bytes with no exchange to own them: reported where the client's owner asked (onUnsolicited). */
  private strayed(err: FastbenchError): void {
    const bytes = this.rxPending;
    this.rxPending = 0;
    this.owner.origin.onUnsolicited?.(err, bytes);
  }

  onHead(head: ResponseHead): number {
    if (this.count === 0) throw unsolicited(this.owner.origin.where, 'after the last response');
    const i = this.head;
    const res = this.ring[i];
    if (res !== null && res !== undefined) {
      if (res._firstByteAt === 0) res._firstByteAt = this.chunkAt;
      res._headAt = this.chunkAt;
      res._setHead(head);
    }
    return this.skip[i] === 1 ? SKIP_BODY : 0;
  }

  onInterim(head: ResponseHead): void {
    const res = this.ring[this.head];
    if (res !== null && res !== undefined) {
      if (res._firstByteAt === 0) res._firstByteAt = this.chunkAt;
      res._addInterim(head);
    }
  }

  onBody(buf: Buffer, start: number, end: number): void {
    const res = this.ring[this.head];
    if (res !== null && res !== undefined) res._appendBody(buf, start, end);
  }

  onComplete(head: ResponseHead): void {
    const i = this.head;
    const res = this.ring[i];
    this.ring[i] = null;
    this.head = (i + 1) & this.mask;
    this.count--;
    if (!head.keepAlive) this.closing = true;
    this.lastUsedAt = this.chunkAt;
    const n = head.headBytes + head.bodyBytes;
    this.rxPending = this.rxPending > n ? this.rxPending - n : 0;
    if (res !== null && res !== undefined) {
      this.live--;
      res._finishMessage(head);
      res._endAt = this.chunkAt;
      this.done[this.doneLen++] = res;
    }
  }

  /** The peer closed its side. A close-delimited body completes; anything else cut short fails. */
  onEnd(): void {
    if (this.state !== ConnState.Open) return;
    this.closing = true;
    this.chunkAt = nowMs();
    let err: FastbenchError | null = null;
    try {
      this.parser.finish();
    } catch (e) {
      const started = true;
      err = closedError(started, this.owner.origin.where, e);
    }
    if (this.doneLen > 0) this.deliver();
    this.teardown(err);
  }

  // ---------------------------------------------------------------- deadlines

  /**
   * Checks every in-flight exchange and the dial against their deadlines; the owner decides
   * what an expiry means (abandon the slot, or tear the connection down).
   */
  sweep(now: number): void {
    const o = this.owner.origin;
    if (this.state < ConnState.Open) {
      const b = this.bound;
      if (b !== null && now >= b._deadline) this.owner.exchangeExpired(this, b, timeoutError(this.phase(), 'request deadline'));
    }
    if (this.state === ConnState.Dialing) {
      if (o.connectTimeout > 0 && now - this.dialStart >= o.connectTimeout) {
        this.teardown(timeoutError(this.phase(), `connectTimeout of ${o.connectTimeout} ms`));
      }
      return;
    }
    if (this.state === ConnState.Tls) {
      if (o.tlsHandshakeTimeout > 0 && now - this.connectAt >= o.tlsHandshakeTimeout) {
        this.teardown(timeoutError(Phase.Tls, `tlsHandshakeTimeout of ${o.tlsHandshakeTimeout} ms`));
      }
      return;
    }
    if (this.state !== ConnState.Open || this.count === 0) return;
    if (this.writePending && this.socket.writableLength === 0) this.markWritten(now);
    const ring = this.ring;
    const mask = this.mask;
    for (let k = 0; k < this.count && this.state === ConnState.Open; k++) {
      const i = (this.head + k) & mask;
      const res = ring[i];
      if (res === null || res === undefined) {
        if (k === 0 && now >= this.graceAt[i]!) {
          this.teardown(new FastbenchError('ERR_TIMEOUT_HEADERS', `the late response to a timed-out exchange did not come within lateResponseTimeout; the pipeline behind it stalled`, { phase: 'headers' }));
        }
        continue;
      }
      const err = this.expiry(res, now);
      if (err !== null) this.owner.exchangeExpired(this, res, err);
    }
  }

  private expiry(res: Response, now: number): FastbenchError | null {
    const o = this.owner.origin;
    const phase = this.phaseOf(res);
    if (now >= res._deadline) return timeoutError(phase, 'request deadline');
    if (phase === Phase.Write) {
      if (o.writeTimeout > 0 && now - res._sentAt >= o.writeTimeout) return timeoutError(phase, `writeTimeout of ${o.writeTimeout} ms`);
    } else if (o.readTimeout > 0 && res._writtenAt !== 0 && now - res._writtenAt >= o.readTimeout) {
      return timeoutError(phase, `readTimeout of ${o.readTimeout} ms`);
    }
    return null;
  }

  /**
   * Gives up on an exchange without closing the connection: its response will be read and
   * dropped. `graceMs` bounds how long that late response may take.
   */
  abandon(res: Response, graceMs: number, now: number): boolean {
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) & this.mask;
      if (this.ring[i] === res) {
        this.ring[i] = null;
        this.graceAt[i] = now + graceMs;
        this.live--;
        return true;
      }
    }
    return false;
  }

  /** Takes an exchange out of the ring so teardown() will not fail it (it is failed by the caller). */
  detach(res: Response): void {
    if (this.bound === res) {
      this.bound = null;
      return;
    }
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) & this.mask;
      if (this.ring[i] === res) {
        this.ring[i] = null;
        this.live--;
        return;
      }
    }
  }

  // ---------------------------------------------------------------- closing

  /** Closes quietly (idle or done): nothing in flight is expected. */
  close(): void {
    this.teardown(null);
  }

  /**
   * Closes the connection and fails every exchange still on it: the one being read gets
   * `reason` (or a "closed early/mid-response" error), those behind it a "closed early" error
   * each (or a copy of a reset). A dial failure goes to the exchange the dial was for.
   */
  teardown(reason: FastbenchError | null): void {
    if (this.state === ConnState.Closed) return;
    const wasDialing = this.state < ConnState.Open;
    this.state = ConnState.Closed;
    this.closing = true;
    this.socket.destroy();
    const owner = this.owner;
    const where = owner.origin.where;
    const bound = this.bound;
    this.bound = null;
    const rx = this.rxPending;
    this.rxPending = 0;
    let dialErr: FastbenchError | null = null;
    if (wasDialing) {
      dialErr = reason ?? new FastbenchError('ERR_CONN_CLOSED_EARLY', `connection to ${where} closed while connecting`, { phase: 'connect' });
    }
    // Collect the victims before telling the owner (it must stop using this connection first).
    const victims: Response[] = [];
    const errors: FastbenchError[] = [];
    if (bound !== null) {
      victims.push(bound);
      errors.push(dialErr ?? reason ?? closedError(false, where));
    }
    let first = true;
    while (this.count > 0) {
      const i = this.head;
      const res = this.ring[i];
      this.ring[i] = null;
      this.head = (i + 1) & this.mask;
      this.count--;
      if (res === null || res === undefined) {
        first = false;
        continue;
      }
      let err: FastbenchError;
      if (first) {
        const started = res._headAt !== 0 || res.interim.length > 0 || !this.parser.idle;
        err = reason ?? closedError(started, where);
        res.bytesRead = rx;
      } else if (reason !== null && (reason.code === 'ERR_CONN_RESET' || reason.code === 'ERR_CLIENT_CLOSED' || reason.category === 'timeout')) {
        // What broke the connection broke it for everyone on it.
        err = new FastbenchError(reason.code, reason.message, { cause: reason, phase: reason.phase ?? 'headers' });
      } else {
        err = closedError(false, where, reason ?? undefined);
      }
      first = false;
      victims.push(res);
      errors.push(err);
    }
    this.live = 0;
    owner.connClosed(this, dialErr);
    for (let k = 0; k < victims.length; k++) owner.exchangeDone(this, victims[k]!, errors[k]!);
  }
}
