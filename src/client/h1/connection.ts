// The HTTP/1.1 connection behind the ClientConnection seam: an open socket (handed over by the
// dial), a ResponseParser whose handler is this object (no closures per request), and a ring of
// in-flight exchanges matched to responses in order.
//
// The ring is one fixed array indexed by `head` (oldest in flight: the one being parsed) and
// `inFlight`; slots are never shifted. A slot set to null was abandoned (its exchange timed out):
// its response is still read — it is next on the wire — but dropped.
//
// Completed exchanges are collected while the parser runs over a chunk and handed to the owner
// only after execute() returns, so an owner that reuses this connection from a callback never
// runs inside the parser, and bytes left in the chunk cannot be matched to a new request.
//
// What may share the connection (undici's busy() rules, in accepts()): a free slot, and — unless
// pipelineNonIdempotent — neither the new request nor the one last sent is non-idempotent while
// anything is in flight: a POST is never queued behind others, nothing behind a POST, because a
// broken connection would leave it unknown whether the POST took effect.
//
// Lifecycle: Open → Closed. teardown() is the one way to Closed: it fails whatever is still in
// the ring, each exchange with its own typed error, and tells the owner.
import type net from 'node:net';
import { ByteWriter } from '../../core/byte-writer.js';
import { nowMs } from '../../core/clock.js';
import { FastbenchError } from '../../core/errors.js';
import type { ResponseHead } from '../../http/message-head.js';
import { SKIP_BODY } from '../../http/message-parser.js';
import { ResponseParser, type ResponseHandler } from '../../http/response-parser.js';
import { Phase, closedError, timeoutError, toClientError } from '../client-errors.js';
import type { ClientConnection, ConnectionFactory, ConnectionOwner, ConnectionSettings } from '../client-connection.js';
import { setSink } from '../dial.js';
import type { ProtocolUsage } from '../connection-usage.js';
import type { Request } from '../request.js';
import { ExchangeState, type Response } from '../response.js';

const kConn = Symbol('fastbench.h1');
type Tagged = net.Socket & { [kConn]: H1Connection };

// Socket listeners are shared functions (`this` is the socket), not closures per connection.
function onSocketData(this: Tagged, chunk: Buffer): void {
  this[kConn].onData(chunk);
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
function flushConn(c: H1Connection): void {
  c.flush();
}

/** Makes HTTP/1.1 connections (ALPN "http/1.1"). */
export const http1: ConnectionFactory = Object.freeze({
  protocol: 'http/1.1',
  create(owner: ConnectionOwner, socket: net.Socket, settings: ConnectionSettings, createdAt: number, now: number): ClientConnection {
    return new H1Connection(owner, socket, settings, createdAt, now);
  },
});

export class H1Connection implements ClientConnection, ResponseHandler {
  readonly owner: ConnectionOwner;
  /** This protocol's record in the owner's ConnectionUsage (peak in flight). */
  private readonly usage: ProtocolUsage;
  readonly socket: net.Socket;
  readonly parser: ResponseParser;
  /** Not closed yet (teardown() makes it false). */
  isOpen = true;
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

  // ---- in-flight ring
  private ring: (Response | null)[];
  private skip: Uint8Array;
  /** For abandoned slots: when to give up waiting for the late response. */
  private graceAt: Float64Array;
  private readonly mask: number;
  head = 0;
  /** Slots in flight, abandoned ones included. */
  inFlight = 0;
  /** Most slots in flight (settings.maxInFlight). */
  private readonly cap: number;
  private readonly pipelineNonIdempotent: boolean;
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

  constructor(owner: ConnectionOwner, socket: net.Socket, settings: ConnectionSettings, createdAt: number, now: number) {
    this.owner = owner;
    this.usage = owner.usage.of('http/1.1');
    this.batchWrites = settings.batchWrites;
    this.cap = settings.maxInFlight;
    this.pipelineNonIdempotent = settings.pipelineNonIdempotent;
    let size = 1;
    while (size < this.cap) size <<= 1;
    this.mask = size - 1;
    this.ring = new Array<Response | null>(size).fill(null);
    this.skip = new Uint8Array(size);
    this.graceAt = new Float64Array(size);
    const o = owner.origin;
    this.parser = new ResponseParser(this, { limits: o.limits, ...(o.lenient !== undefined ? { lenient: o.lenient } : {}) });
    this.createdAt = createdAt;
    this.lastUsedAt = now;
    const s = socket as Tagged;
    s[kConn] = this;
    this.socket = s;
    // Plain sockets read into the owner's buffer (dialed with it); TLS ones emit 'data'.
    if (o.tls || owner.readInto === undefined) s.on('data', onSocketData);
    else setSink(s, this);
    s.on('error', onSocketError);
    s.on('end', onSocketEnd);
    s.on('close', onSocketClose);
  }

  /** The phase a failure now would be blamed on (for errors from the socket). */
  phase(): Phase {
    const res = this.inFlight === 0 ? null : this.ring[this.head];
    return res === null || res === undefined ? Phase.Headers : this.phaseOf(res);
  }

  /** Where an in-flight exchange is. */
  phaseOf(res: Response): Phase {
    if (res._writtenAt === 0 && this.writePending) return Phase.Write;
    return res._headAt === 0 ? Phase.Headers : Phase.Body;
  }

  /** Open and not closing. */
  get usable(): boolean {
    return this.isOpen && !this.closing;
  }

  /** Exchanges it takes now. */
  get freeSlots(): number {
    return this.isOpen && !this.closing ? this.cap - this.inFlight : 0;
  }

  /** May `req` go here now? A free slot, and the pipelining rules in the header. */
  accepts(req: Request): boolean {
    if (!this.isOpen || this.closing) return false;
    const n = this.inFlight;
    if (n === 0) return true;
    if (n >= this.cap) return false;
    return this.pipelineNonIdempotent || (req.idempotent && !this.lastNonIdempotent);
  }

  /** Takes no new exchanges; those in flight finish. */
  retire(): void {
    this.closing = true;
  }

  // ---------------------------------------------------------------- sending

  /** Writes an exchange. The caller checked `usable` and that the ring has room. */
  send(res: Response, now: number): void {
    const req = res._req!;
    const bytes = req.prepare(this.owner.origin.hostHeader);
    const i = (this.head + this.inFlight) & this.mask;
    this.ring[i] = res;
    this.skip[i] = req.isHead ? 1 : 0;
    this.inFlight++;
    if (this.inFlight > this.usage.maxInFlightPerConnection) this.usage.maxInFlightPerConnection = this.inFlight;
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
    if (b === null || b.len === 0 || !this.isOpen) return;
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
    for (let k = 0; k < this.inFlight; k++) {
      const r = ring[(this.head + k) & this.mask];
      if (r !== null && r !== undefined && r._writtenAt === 0) r._writtenAt = now;
    }
  }

  // ---------------------------------------------------------------- reading

  onData(chunk: Buffer): void {
    if (!this.isOpen) return;
    const now = nowMs();
    this.chunkAt = now;
    this.rxPending += chunk.length;
    if (this.inFlight === 0) {
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
    if (this.inFlight === 0) throw unsolicited(this.owner.origin.where, 'after the last response');
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
    if (res !== null && res !== undefined) {
      res._appendBody(buf, start, end);
      if (res.stream !== null) res.stream.onBody(buf, start, end, this.chunkAt);
    }
  }

  onComplete(head: ResponseHead): void {
    const i = this.head;
    const res = this.ring[i];
    this.ring[i] = null;
    this.head = (i + 1) & this.mask;
    this.inFlight--;
    if (!head.keepAlive) this.closing = true;
    if (!this.batchWrites && this.inFlight === 0) {
      // One at a time: an answer that came before its request was fully written leaves the rest
      // of that request queued, which the server would read as the next one: no reuse.
      if (this.socket.writableLength > 0) this.closing = true;
      else this.writePending = false;
    }
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
    if (!this.isOpen) return;
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
    if (!this.isOpen || this.inFlight === 0) return;
    if (this.writePending && this.socket.writableLength === 0) this.markWritten(now);
    const ring = this.ring;
    const mask = this.mask;
    for (let k = 0; k < this.inFlight && this.isOpen; k++) {
      const i = (this.head + k) & mask;
      const res = ring[i];
      if (res === null || res === undefined) {
        if (k === 0 && now >= this.graceAt[i]!) {
          this.teardown(new FastbenchError('ERR_TIMEOUT_HEADERS', `the late response to a timed-out exchange did not come within lateResponseTimeout; the pipeline behind it stalled`, { phase: 'headers' }));
        }
        continue;
      }
      const err = this.expiry(res, now);
      if (err !== null) this.owner.exchangeExpired(this, res, err, now);
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
    for (let k = 0; k < this.inFlight; k++) {
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
    for (let k = 0; k < this.inFlight; k++) {
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

  /** Closes and fails everything in flight (the seam's name for teardown). */
  destroy(reason: FastbenchError | null): void {
    this.teardown(reason);
  }

  /**
   * Closes the connection and fails every exchange still on it: the one being read gets
   * `reason` (or a "closed early/mid-response" error), those behind it a "closed early" error
   * each (or a copy of a reset).
   */
  teardown(reason: FastbenchError | null): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.closing = true;
    this.socket.destroy();
    const owner = this.owner;
    const where = owner.origin.where;
    const rx = this.rxPending;
    this.rxPending = 0;
    // Collect the victims before telling the owner (it must stop using this connection first).
    const victims: Response[] = [];
    const errors: FastbenchError[] = [];
    let first = true;
    while (this.inFlight > 0) {
      const i = this.head;
      const res = this.ring[i];
      this.ring[i] = null;
      this.head = (i + 1) & this.mask;
      this.inFlight--;
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
    owner.connClosed(this);
    for (let k = 0; k < victims.length; k++) owner.exchangeDone(this, victims[k]!, errors[k]!);
  }
}
