// One accepted connection: feeds the socket's bytes to a RequestParser (this object is the
// parser's handler: no closures per request), dispatches each complete request, keeps the
// responses in request order, and writes everything produced while one incoming chunk was
// processed with ONE socket write. Deadlines are plain numbers checked by the server's sweep.
//
// Response queue: `q[qHead..qTail)` holds the responses of requests received and not yet fully
// sent, oldest first (indices reset when it drains; never shift()ed, never resized per request). Only the oldest writes into the
// batch buffer `out`; younger ones buffer their own bytes until their turn.
//
// Memory bounds (whatever the peer does):
// - A request body grows ONE buffer (doubling, capped at the declared Content-Length or the
//   body limit); the codec counts chunked bodies by wire bytes and chunks, and a body past
//   either limit is answered 413 and the connection closed.
// - Output: when the unsent bytes (socket buffer + batch buffer + younger responses' buffers)
//   pass `outputHighWater`, the parser is suspended between requests and the unparsed rest of
//   the chunk is held (the socket paused) until they fall to half of it. Streaming handlers
//   write in slices while `res.needsDrain` is false and go on from `res.waitDrain()`.
import type { Socket } from 'node:net';
import { HttpCodecError } from '../http/codec-error.js';
import type { ParserOptions } from '../http/limits.js';
import { BodyKind, type RequestHead } from '../http/message-head.js';
import type { ParserHandler } from '../http/message-parser.js';
import { RequestParser } from '../http/request-parser.js';
import { STATUS_TEXT } from '../http/response-serializer.js';
import { matchPreface } from '../http2/frame-reader.js';
import { H2Connection } from './h2/connection.js';
import { OutBuffer } from './out-buffer.js';
import { EMPTY_BODY, EMPTY_HEADERS } from './server-request.js';
import { OutgoingResponse, ResState, type ResponseOwner } from './server-response.js';
import { userBufferReads } from './user-buffer-reads.js';
import { FULL_READ, READ_TURN_BYTES, type ReadTurns } from './read-turns.js';
import type { ServerCounters } from './server-stats.js';
import type { RequestDispatcher, ServerRequest } from './types.js';

/** Limits and timeouts a connection applies (resolved by the server; 0 = off). */
export interface ConnectionSettings {
  readTimeout: number;
  writeTimeout: number;
  idleTimeout: number;
  /** How long a closed-by-us connection may linger (reading and dropping) before it is destroyed. */
  lingerTimeout: number;
  maxRequestsPerConn: number;
  /** Unanswered requests per connection before reading pauses. */
  maxPipeline: number;
  parser: ParserOptions;
  /** Write the batch buffer itself when the kernel takes it whole (plain TCP only). */
  zeroCopy: boolean;
  /** Unsent output bytes above which a connection stops reading requests and streams wait. */
  outputHighWater: number;
}

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly settings: ConnectionSettings;
  readonly dispatcher: RequestDispatcher;
  readonly counters: ServerCounters;
  /** Coarse clock (ms, monotonic), refreshed by the sweep. */
  readonly now: number;
  /** The same instant as wall-clock epoch ms (for Date lines). */
  readonly epochNow: number;
  readonly draining: boolean;
  /** One buffer every plain-TCP connection reads into (see user-buffer-reads.ts), or null. */
  readonly readBuffer: Buffer | null;
  /** Fair reading: a connection that read a lot in one go yields its turn (read-turns.ts). */
  readonly readTurns: ReadTurns;
  /** HTTP/2 is on: plain connections opening with the client preface are served as h2c. */
  readonly http2: boolean;
  connectionClosed(conn: Connection): void;
  /** A handler (req given) or our own request handling (no req) threw. */
  handlerError(err: unknown, req: ServerRequest | undefined): void;
}

/** Thrown from onComplete to stop parsing the rest of a chunk (no more requests are wanted). */
const STOP: unknown = Object.freeze({ stop: true });
const CONTINUE_100 = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
const FREE_SLOTS = 8;
/** Length of "PRI * HTTP/2.0", the start of the HTTP/2 client preface. */
const H2_REQUEST_LINE = 14;
/** What a connection speaks: HTTP/1.1, decided by its first bytes (h2c preface or not), or HTTP/2 (ALPN h2). */
export const enum ConnMode {
  Http1 = 0,
  Sniff = 1,
  Http2 = 2,
}
const PAUSE_BACKPRESSURE = 1;
const PAUSE_PIPELINE = 2;
/** Parsing suspended: too much output is waiting to be sent. */
const PAUSE_OUTPUT = 4;
/** Yielding its turn to the other connections (read-turns.ts). */
const PAUSE_TURN = 8;
/** A body buffer of unknown final size starts this big, then doubles. */
const BODY_START = 16 * 1024;
/** A declared Content-Length up to this is allocated at once; larger ones grow as bytes come. */
const BODY_EXACT_MAX = 256 * 1024;

/** Codec rejections become these statuses; everything else is 400. */
function codecStatus(code: string): number {
  switch (code) {
    case 'ERR_HTTP_REQUEST_LINE_TOO_LONG':
      return 414;
    case 'ERR_HTTP_HEADERS_TOO_LARGE':
    case 'ERR_HTTP_TOO_MANY_HEADERS':
      return 431;
    case 'ERR_HTTP_BODY_TOO_LARGE':
    case 'ERR_HTTP_TOO_MANY_CHUNKS':
      return 413;
    case 'ERR_HTTP_BAD_VERSION':
      return 505;
    default:
      return 400;
  }
}

export class Connection implements ParserHandler<RequestHead>, ResponseOwner {
  readonly parser: RequestParser;
  readonly out = new OutBuffer(4096);
  readonly remoteAddress: string;
  /** Deadlines (coarse ms; 0 = none), checked by sweep(). */
  readDeadline = 0;
  idleDeadline = 0;
  writeDeadline = 0;
  lingerDeadline = 0;

  private readonly q: (OutgoingResponse | null)[] = [];
  private qHead = 0;
  private qTail = 0;
  /** Reusable responses: a fixed-size stack (push/pop would resize the array per request). */
  private readonly free: (OutgoingResponse | null)[] = new Array<OutgoingResponse | null>(FREE_SLOTS).fill(null);
  private freeCount = 0;
  /** The request whose head arrived and whose body is still coming. */
  private current: OutgoingResponse | null = null;
  private dispatching: OutgoingResponse | null = null;
  private seq = 0;
  private inBatch = false;
  private flushQueued = false;
  /** No more requests are read (close decided, codec error, peer EOF). */
  private stopReading = false;
  /** End the socket once the queue is empty. */
  private closeWhenDone = false;
  private endAfterFlush = false;
  private ended = false;
  private destroyed = false;
  private paused = 0;
  /** Bytes read in full reads since this connection last yielded (read-turns.ts). */
  private turnBytes = 0;
  // body of the current request: one buffer, grown by doubling
  private bodyBuf: Buffer | null = null;
  private bodyLen = 0;
  /** Bytes not parsed yet, kept while parsing is suspended for output (PAUSE_OUTPUT). */
  private held: Buffer | null = null;
  /** Bytes in younger responses' own buffers (counted when dispatched, released at the head). */
  private ownPending = 0;
  private resumeQueued = false;
  private wakeQueued = false;
  /** A request just dispatched left more output waiting than outputHighWater. */
  private outputSuspended = false;
  /** The peer's FIN came while bytes were held: handled once they are parsed. */
  private eofPending = false;
  // the last target's bytes and string (clients often repeat the same target)
  private readonly lastTargetBytes = Buffer.allocUnsafe(128);
  private lastTargetLen = -1;
  private lastTarget = '';
  /** Chunks are views into a buffer the next read overwrites: copy what must outlive a chunk. */
  private readonly sharedChunks: boolean;
  /** Set once the connection speaks HTTP/2: every socket event goes to it. */
  h2: H2Connection | null = null;
  /** The first bytes have not decided the protocol yet (h2c sniffing). */
  private sniffing: boolean;
  private sniffed: Buffer | null = null;

  private readonly onFlushTick = (): void => this.flush();
  private readonly onResumeTick = (): void => this.resumeParse();
  private readonly onWakeTick = (): void => this.wakeHead();

  constructor(
    private readonly host: ConnectionHost,
    readonly socket: Socket,
    mode: ConnMode = ConnMode.Http1,
    acceptedAt = host.now,
  ) {
    this.parser = new RequestParser(this, host.settings.parser);
    this.remoteAddress = socket.remoteAddress ?? '';
    const rt = host.settings.readTimeout;
    if (rt > 0) this.readDeadline = acceptedAt + rt;
    this.sniffing = mode === ConnMode.Sniff;
    if (mode === ConnMode.Http2) this.startH2();
    const rb = host.readBuffer;
    this.sharedChunks = rb !== null && userBufferReads.attach(socket, rb, (n, buf) => this.onData(buf.subarray(0, n)));
    if (!this.sharedChunks) {
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      if (socket.isPaused()) socket.resume();
    }
    socket.on('end', () => this.onEnd());
    socket.on('drain', () => {
      if (this.h2 !== null) return this.h2.onDrain();
      this.resume(PAUSE_BACKPRESSURE);
      this.afterOutput();
    });
    socket.on('error', () => {
      /* 'close' follows; resets are the peer's business */
    });
    socket.on('close', () => this.onClose());
  }

  get draining(): boolean {
    return this.host.draining;
  }

  get epochNow(): number {
    return this.host.epochNow;
  }

  get closed(): boolean {
    return this.destroyed || this.ended;
  }

  /** True when nothing is in flight: no request being received, no response owed. */
  get idle(): boolean {
    if (this.h2 !== null) return this.h2.idle;
    return this.qHead === this.qTail && this.parser.idle;
  }

  private startH2(): void {
    this.h2 = new H2Connection(this.host, this.socket, this.remoteAddress, this.readDeadline);
    this.readDeadline = 0;
  }

  // ---------------------------------------------------------------- socket events

  private onData(chunk: Buffer): void {
    this.host.counters.bytesIn += chunk.length;
    if (this.h2 !== null) return this.h2.onBytes(chunk);
    if (this.sniffing) {
      // h2c prior knowledge is decided on the first bytes: the whole preface, or not HTTP/2.
      const got = this.sniffed === null ? chunk : Buffer.concat([this.sniffed, chunk]);
      const m = matchPreface(got);
      if (m === 0) {
        this.sniffed = this.sniffed === null ? Buffer.from(chunk) : got;
        return;
      }
      this.sniffing = false;
      this.sniffed = null;
      // "PRI * HTTP/2.0" and then not the rest of the preface is a broken HTTP/2 client, not an
      // HTTP/1.1 request: served as HTTP/2, whose reader answers GOAWAY PROTOCOL_ERROR.
      if (m === 1 || (got.length >= H2_REQUEST_LINE && matchPreface(got, 0, H2_REQUEST_LINE) === 0)) {
        this.startH2();
        return this.h2!.onBytes(got);
      }
      if (got !== chunk) return this.parse(got, false);
    }
    if (this.stopReading) return; // closing: read and drop (lingering close)
    if (this.paused & PAUSE_OUTPUT) {
      // Read before the pause took effect: keep it behind what is held.
      this.held = this.held === null ? Buffer.from(chunk) : Buffer.concat([this.held, chunk]);
      return;
    }
    this.parse(chunk, this.sharedChunks);
    if (chunk.length < FULL_READ) this.turnBytes = 0;
    else if ((this.turnBytes += chunk.length) >= READ_TURN_BYTES && !this.stopReading && !this.ended) {
      this.turnBytes = 0;
      this.pause(PAUSE_TURN);
      this.host.counters.readYields++;
      this.host.readTurns.later(this);
    }
  }

  /** The other connections had their turn: read again. */
  resumeTurn(): void {
    if (!this.socket.destroyed) this.resume(PAUSE_TURN);
  }

  /** Parses a chunk (`shared`: a view the next read overwrites), then writes what it produced. */
  private parse(chunk: Buffer, shared: boolean): void {
    const host = this.host;
    this.idleDeadline = 0;
    if (this.readDeadline === 0 && host.settings.readTimeout > 0) this.readDeadline = host.now + host.settings.readTimeout;
    this.inBatch = true;
    let n = chunk.length;
    try {
      n = this.parser.execute(chunk);
    } catch (err) {
      if (err !== STOP) this.onParseError(err);
    }
    this.inBatch = false;
    if (this.outputSuspended) {
      // Too much output waiting: hold what was not parsed and stop reading until it drains.
      this.outputSuspended = false;
      if (!this.stopReading) {
        if (n < chunk.length) {
          const rest = chunk.subarray(n);
          this.held = shared ? Buffer.from(rest) : rest;
        }
        this.pause(PAUSE_OUTPUT);
        host.counters.outputPauses++;
      }
    }
    if (this.stopReading || this.parser.idle) this.readDeadline = 0;
    this.flush();
    if (!this.ended) this.maybeIdle();
  }

  /** Output fell to the low-water mark: parse what was held, then read again. */
  private resumeParse(): void {
    this.resumeQueued = false;
    const h = this.held;
    this.held = null;
    if (this.closed || this.stopReading) return;
    if (h !== null) this.parse(h, false);
    if (this.held === null) {
      this.resume(PAUSE_OUTPUT);
      if (this.eofPending) {
        this.eofPending = false;
        this.onEnd();
      }
    }
  }

  private onEnd(): void {
    if (this.h2 !== null) return this.h2.onEnd();
    if (this.sniffing && this.sniffed !== null) {
      // A prefix of the preface, then EOF: it was not HTTP/2 after all.
      const got = this.sniffed;
      this.sniffing = false;
      this.sniffed = null;
      this.parse(got, false);
    }
    if (this.held !== null && !this.stopReading) {
      this.eofPending = true; // after what is held has been parsed
      return;
    }
    if (!this.stopReading) {
      try {
        this.parser.finish();
        this.stopReading = true;
      } catch (err) {
        // Cut inside a request: answered 400 (the peer may only have half-closed).
        this.onParseError(err);
      }
      this.dropReceiving();
    }
    this.readDeadline = 0;
    this.idleDeadline = 0;
    if (this.qHead === this.qTail) this.endNow();
    else this.closeWhenDone = true;
  }

  private onClose(): void {
    this.destroyed = true;
    this.h2?.onClose();
    this.killAll();
    this.host.connectionClosed(this);
  }

  // ---------------------------------------------------------------- parser handler

  onHead(head: RequestHead): number {
    const res = this.acquire();
    res.isHead = head.method === 'HEAD';
    res.http10 = head.versionMinor === 0;
    this.enqueue(res);
    this.current = res;
    if (head.bodyKind !== BodyKind.None) {
      this.bodyLen = 0;
      this.bodyBuf = null;
      if (head.expectContinue && head.contentLength <= this.parser.limits.maxBodySize) {
        if (res.atHead) this.out.w.bytes(CONTINUE_100);
        else res.owesContinue = true;
      }
    }
    return 0;
  }

  onBody(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    const len = this.bodyLen + n;
    let b = this.bodyBuf;
    if (b === null || len > b.length) {
      const head = this.parser.head;
      // A whole body in one chunk of our own (a fresh Buffer from the socket) is kept by view.
      if (b === null && head.bodyKind === BodyKind.Length && n === head.contentLength && !this.sharedChunks) {
        this.bodyBuf = buf.subarray(start, end);
        this.bodyLen = n;
        return;
      }
      b = this.growBody(len, head.bodyKind === BodyKind.Length ? head.contentLength : this.parser.limits.maxBodySize);
    }
    if (n <= 16) {
      // A few bytes (a flood of 1-byte chunks): a loop beats the native copy's fixed cost.
      for (let i = start, o = this.bodyLen; i < end; i++, o++) b[o] = buf[i]!;
    } else {
      buf.copy(b, this.bodyLen, start, end);
    }
    this.bodyLen = len;
  }

  /** A body buffer for at least `need` bytes: doubling, never past `cap` (the most it can hold). */
  private growBody(need: number, cap: number): Buffer {
    const old = this.bodyBuf;
    let size: number;
    if (old === null) size = cap <= BODY_EXACT_MAX ? cap : BODY_START;
    else size = old.length * 2;
    if (size > cap) size = cap;
    if (size < need) size = need;
    const grown = Buffer.allocUnsafe(size);
    if (old !== null) old.copy(grown, 0, 0, this.bodyLen);
    this.bodyBuf = grown;
    return grown;
  }

  onComplete(head: RequestHead): void {
    const res = this.current!;
    this.current = null;
    const host = this.host;
    const req = res.req;
    const seq = this.seq++;
    req.method = head.method;
    req.httpVersion = head.versionMinor === 1 ? '1.1' : '1.0';
    req.target = this.targetOf(head);
    req.headers = head.headers;
    req.trailers = head.trailers;
    req.remoteAddress = this.remoteAddress;
    req.seq = seq;
    if (head.bodyKind !== BodyKind.None) {
      req.body = this.takeBody();
      res.owesContinue = false;
    } else {
      req.body = EMPTY_BODY;
    }
    const max = host.settings.maxRequestsPerConn;
    if (!head.keepAlive || (max > 0 && seq + 1 >= max) || host.draining) {
      res.forceClose = true;
      this.stopReading = true;
    }
    host.counters.requests++;
    res.state = ResState.Dispatched;
    this.dispatching = res;
    try {
      host.dispatcher.dispatch(req, res);
    } catch (err) {
      this.handlerThrew(res, err);
    }
    this.dispatching = null;
    req.headers = req.trailers = EMPTY_HEADERS;
    if (this.stopReading) throw STOP;
    if (!res.atHead && res.own !== null) {
      res.ownCounted = res.own.byteLength;
      this.ownPending += res.ownCounted;
    }
    if (this.pendingOutput > host.settings.outputHighWater) {
      this.outputSuspended = true;
      this.parser.suspend();
    }
  }

  private takeBody(): Buffer {
    const b = this.bodyBuf;
    const body = b === null ? EMPTY_BODY : b.length === this.bodyLen ? b : b.subarray(0, this.bodyLen);
    this.bodyBuf = null;
    this.bodyLen = 0;
    return body;
  }

  /** The target string, reused when the bytes equal the previous request's. */
  private targetOf(head: RequestHead): string {
    const buf = head.headers.buf;
    const s = head.targetStart;
    const n = head.targetEnd - s;
    const last = this.lastTargetBytes;
    if (n === this.lastTargetLen) {
      let i = 0;
      while (i < n && buf[s + i] === last[i]) i++;
      if (i === n) return this.lastTarget;
    }
    const t = buf.toString('latin1', s, s + n);
    if (n <= last.length) {
      buf.copy(last, 0, s, s + n);
      this.lastTargetLen = n;
      this.lastTarget = t;
    }
    return t;
  }

  private handlerThrew(res: OutgoingResponse, err: unknown): void {
    this.host.counters.reject('ERR_SERVER_HANDLER');
    this.host.handlerError(err, res.req);
    if (res.closed) return;
    if (res.state === ResState.Dispatched) res.sendError(500, 'Internal Server Error\n', false);
    else if (res.state === ResState.Streaming) res.close();
  }

  private onParseError(err: unknown): void {
    this.stopReading = true;
    if (!(err instanceof HttpCodecError)) {
      // A bug in our own handler code: nothing sensible can be answered.
      this.host.counters.reject('ERR_INTERNAL');
      this.host.handlerError(err, undefined);
      this.destroy(false);
      return;
    }
    this.host.counters.reject(err.code);
    let res = this.current;
    this.current = null;
    this.bodyBuf = null;
    this.bodyLen = 0;
    if (res === null) {
      res = this.acquire();
      this.enqueue(res);
    }
    const status = codecStatus(err.code);
    res.sendError(status, `${STATUS_TEXT[status]}: ${err.message} (${err.code})\n`, true);
  }

  // ---------------------------------------------------------------- response queue

  private acquire(): OutgoingResponse {
    if (this.freeCount === 0) return new OutgoingResponse(this);
    const res = this.free[--this.freeCount]!;
    this.free[this.freeCount] = null;
    return res;
  }

  private enqueue(res: OutgoingResponse): void {
    const q = this.q;
    if (this.qTail === this.qHead) {
      this.qHead = this.qTail = 0;
      res.atHead = true;
    } else if (this.qTail - this.qHead > this.host.settings.maxPipeline) {
      this.pause(PAUSE_PIPELINE);
    }
    if (this.qTail === q.length && this.qHead > 0) {
      // full at the end: slide the live part down instead of growing
      q.copyWithin(0, this.qHead, this.qTail);
      q.fill(null, this.qTail - this.qHead, this.qTail);
      this.qTail -= this.qHead;
      this.qHead = 0;
    }
    if (this.qTail < q.length) q[this.qTail] = res;
    else q.push(res);
    this.qTail++;
  }

  /** A request cut short by EOF leaves its slot at the tail of the queue: drop it. */
  private dropReceiving(): void {
    const res = this.current;
    if (res === null) return;
    this.current = null;
    this.bodyBuf = null;
    this.bodyLen = 0;
    this.q[--this.qTail] = null;
    res.kill();
    if (this.qHead === this.qTail) this.qHead = this.qTail = 0;
  }

  wrote(res: OutgoingResponse): void {
    if (res.atHead && !this.inBatch) this.scheduleFlush();
  }

  responseDone(res: OutgoingResponse): void {
    this.host.counters.byStatus[res.status]!++;
    if (this.dispatching === res) res.answeredSync = true;
    if (!res.atHead) return;
    this.advance();
    if (!this.inBatch) this.scheduleFlush();
  }

  /** Retires finished responses from the head of the queue and moves the next one up. */
  private advance(): void {
    const q = this.q;
    while (this.qHead < this.qTail) {
      const r = q[this.qHead]!;
      if (r.state !== ResState.Done) break;
      q[this.qHead++] = null;
      if (r.closeAfter) {
        // Nothing after this response is answered.
        this.killAll();
        this.stopReading = true;
        this.endAfterFlush = true;
        return;
      }
      if (r.answeredSync && this.freeCount < FREE_SLOTS) {
        r.reuse();
        this.free[this.freeCount++] = r;
      }
      if (this.qHead < this.qTail) {
        const next = q[this.qHead]!;
        next.atHead = true;
        this.ownPending -= next.ownCounted;
        next.ownCounted = 0;
        if (next.own !== null && !next.own.empty) this.out.take(next.own);
        if (next.owesContinue) {
          next.owesContinue = false;
          this.out.w.bytes(CONTINUE_100);
        }
      }
    }
    if (this.qHead === this.qTail) {
      this.qHead = this.qTail = 0;
      if (this.closeWhenDone) this.endAfterFlush = true;
      else if (!this.inBatch) this.maybeIdle();
    }
    if (this.paused & PAUSE_PIPELINE && this.qTail - this.qHead <= this.host.settings.maxPipeline >> 1) this.resume(PAUSE_PIPELINE);
  }

  private killAll(): void {
    const q = this.q;
    for (let i = this.qHead; i < this.qTail; i++) {
      q[i]!.kill();
      q[i] = null;
    }
    this.qHead = this.qTail = 0;
    this.current = null;
    this.ownPending = 0;
    this.held = null;
  }

  // ---------------------------------------------------------------- output bounds

  /** Unsent bytes ahead of the head response's next write. */
  get outputFull(): boolean {
    return this.socket.writableLength + this.out.byteLength > this.host.settings.outputHighWater;
  }

  /** Everything this connection holds to send: what outputFull counts plus younger responses. */
  get pendingOutput(): number {
    return this.socket.writableLength + this.out.byteLength + this.ownPending;
  }

  waitingForDrain(res: OutgoingResponse): void {
    this.host.counters.drainWaits++;
    if (res.atHead) this.afterOutput();
  }

  /**
   * Called whenever output may have gone out (after a flush, on 'drain'): wakes the head
   * response's drain waiter and resumes a suspended parse once below the low-water mark.
   */
  private afterOutput(): void {
    if (this.destroyed || this.ended) return;
    const low = this.host.settings.outputHighWater >> 1;
    if (this.qHead < this.qTail && this.q[this.qHead]!.drainWaiter !== null && !this.wakeQueued) {
      if (this.socket.writableLength + this.out.byteLength <= low) {
        // From the event loop's next turn: a fast reader must not keep a stream in a nextTick loop.
        this.wakeQueued = true;
        setImmediate(this.onWakeTick);
      }
    }
    if (this.paused & PAUSE_OUTPUT && !this.resumeQueued && this.pendingOutput <= low) {
      this.resumeQueued = true;
      setImmediate(this.onResumeTick);
    }
  }

  private wakeHead(): void {
    this.wakeQueued = false;
    if (this.destroyed || this.ended || this.qHead === this.qTail) return;
    const res = this.q[this.qHead]!;
    const fn = res.drainWaiter;
    if (fn === null) return;
    if (this.socket.writableLength + this.out.byteLength > this.host.settings.outputHighWater >> 1) return; // 'drain' comes
    res.drainWaiter = null;
    fn();
  }

  // ---------------------------------------------------------------- output

  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    process.nextTick(this.onFlushTick);
  }

  /** Writes the batch buffer (one socket write) and ends the socket when that is due. */
  flush(): void {
    this.flushQueued = false;
    const out = this.out;
    if (this.destroyed) {
      out.reset();
      return;
    }
    if (!out.empty && !this.ended) {
      const sock = this.socket;
      const host = this.host;
      host.counters.bytesOut += out.byteLength;
      let ok: boolean;
      if (out.parts === null) {
        const w = out.w;
        if (host.settings.zeroCopy && sock.writableLength === 0) {
          ok = sock.write(w.buf.subarray(0, w.len));
          // Not taken whole by the kernel: the socket now holds these bytes; write on fresh ones.
          if (sock.writableLength !== 0) w.buf = Buffer.allocUnsafe(w.buf.length);
        } else {
          ok = sock.write(w.toBuffer());
        }
        w.reset();
      } else {
        sock.cork();
        const parts = out.parts;
        ok = true;
        for (let i = 0; i < parts.length; i++) ok = sock.write(parts[i]!);
        if (out.w.len > 0) ok = sock.write(out.w.toBuffer());
        sock.uncork();
        out.reset();
      }
      if (!ok) this.pause(PAUSE_BACKPRESSURE);
      if (this.writeDeadline === 0 && host.settings.writeTimeout > 0 && sock.writableLength > 0) {
        this.writeDeadline = host.now + host.settings.writeTimeout;
      }
    }
    if (this.endAfterFlush && !this.ended) this.finishEnd();
    else if (this.paused & PAUSE_OUTPUT || this.qHead < this.qTail) this.afterOutput();
  }

  private finishEnd(): void {
    this.ended = true;
    this.killAll();
    this.readDeadline = 0;
    this.idleDeadline = 0;
    this.socket.end();
    this.resume(PAUSE_BACKPRESSURE | PAUSE_PIPELINE | PAUSE_OUTPUT | PAUSE_TURN); // keep reading (and dropping) until the peer closes
    const lt = this.host.settings.lingerTimeout;
    this.lingerDeadline = this.host.now + (lt > 0 ? lt : 1);
  }

  private pause(why: number): void {
    if (this.paused === 0) this.socket.pause();
    this.paused |= why;
  }

  private resume(why: number): void {
    if (this.paused === 0) return;
    this.paused &= ~why;
    if (this.paused === 0) {
      this.socket.resume();
      if (this.readDeadline !== 0) this.readDeadline = this.host.now + this.host.settings.readTimeout;
    }
  }

  private maybeIdle(): void {
    const it = this.host.settings.idleTimeout;
    if (it > 0 && !this.stopReading && this.qHead === this.qTail && this.parser.idle && this.held === null) {
      this.idleDeadline = this.host.now + it;
    }
  }

  // ---------------------------------------------------------------- closing

  /** Finish what is owed, then FIN: used for shutdown (immediately when idle). */
  drain(): void {
    if (this.h2 !== null) return this.h2.shutdown();
    if (this.closed) return;
    if (this.idle) {
      this.endNow();
    } else {
      this.closeWhenDone = true;
    }
  }

  /** Stops reading requests and ends the socket after what is already in the batch buffer. */
  endNow(): void {
    this.stopReading = true;
    this.endAfterFlush = true;
    this.flush();
  }

  destroy(reset: boolean): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.stopReading = true;
    this.killAll();
    if (reset && !this.ended) this.socket.resetAndDestroy();
    else this.socket.destroy();
  }

  /** Enforces this connection's deadlines. */
  sweep(now: number): void {
    if (this.destroyed) return;
    if (this.h2 !== null) return this.h2.sweep(now);
    const counters = this.host.counters;
    // While reading is paused on our side (backpressure, a full pipeline) the client is not late.
    if (this.readDeadline !== 0 && this.paused === 0 && now >= this.readDeadline) {
      counters.reject('ERR_SERVER_READ_TIMEOUT');
      this.destroy(false);
      return;
    }
    if (this.writeDeadline !== 0) {
      if (this.socket.writableLength === 0) {
        this.writeDeadline = 0;
      } else if (now >= this.writeDeadline) {
        counters.reject('ERR_SERVER_WRITE_TIMEOUT');
        this.destroy(false);
        return;
      }
    }
    if (this.idleDeadline !== 0 && now >= this.idleDeadline) {
      this.idleDeadline = 0;
      counters.idleClosed++;
      this.endNow();
    }
    if (this.lingerDeadline !== 0 && now >= this.lingerDeadline) this.destroy(false);
  }
}
