// One accepted connection: feeds the socket's bytes to a RequestParser (this object is the
// parser's handler: no closures per request), dispatches each complete request, keeps the
// responses in request order, and writes everything produced while one incoming chunk was
// processed with ONE socket write. Deadlines are plain numbers checked by the server's sweep.
//
// Helpers, one instance each per connection: the response queue (response-queue.ts), the body
// buffer (body-buffer.ts), the target cache (target-cache.ts), the h2c sniffer (h2c-sniff.ts),
// the read gate (read-gate.ts), the deadlines (deadlines.ts); request-errors.ts answers errors.
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
import { BodyKind, type RequestHead } from '../http/message-head.js';
import type { ParserHandler } from '../http/message-parser.js';
import { RequestParser } from '../http/request-parser.js';
import { BodyBuffer } from './body-buffer.js';
import { Deadlines } from './deadlines.js';
import { ConnMode, type ConnectionHost } from './connection-types.js';
import { H2Connection } from './h2/connection.js';
import { PrefaceSniffer } from './h2c-sniff.js';
import { OutBuffer } from './out-buffer.js';
import { EMPTY_BODY, EMPTY_HEADERS } from './server-request.js';
import { type OutgoingResponse, ResState, type ResponseOwner } from './server-response.js';
import { handlerThrew, sendCodecError } from './request-errors.js';
import { ResponseQueue } from './response-queue.js';
import { TargetCache } from './target-cache.js';
import { userBufferReads } from './user-buffer-reads.js';
import { Pause, ReadGate } from './read-gate.js';
import type { SocketTakeOver } from './types.js';
import { takeOverSocket } from './socket-takeover.js';

/** Thrown from onComplete to stop parsing the rest of a chunk (no more requests are wanted). */
const STOP: unknown = Object.freeze({ stop: true });
function noop(): void {}
const CONTINUE_100 = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

export class Connection implements ParserHandler<RequestHead>, ResponseOwner {
  readonly parser: RequestParser;
  readonly out = new OutBuffer(4096);
  readonly remoteAddress: string;
  /** Checked by sweep(). */
  readonly deadlines = new Deadlines();

  private readonly queue = new ResponseQueue(this);
  /** The request whose head arrived and whose body is still coming. */
  private current: OutgoingResponse | null = null;
  private dispatching: OutgoingResponse | null = null;
  private seq = 0;
  private inBatch = false;
  /**
   * socket.writableLength as of the start of this batch (or its last flush): the socket is written
   * only by flush(), so within a batch this is exact, and reading a stream getter per pipelined
   * request costs more than the check it serves.
   */
  private batchSocketQueued = 0;
  private flushQueued = false;
  /** No more requests are read (close decided, codec error, peer EOF). */
  private stopReading = false;
  /** End the socket once the queue is empty. */
  private closeWhenDone = false;
  private endAfterFlush = false;
  private ended = false;
  private destroyed = false;
  /** Why the socket is not read (read-gate.ts). */
  private readonly gate: ReadGate;
  /** The body of the request being received. */
  private readonly body = new BodyBuffer();
  /** Bytes not parsed yet, kept while parsing is suspended for output (Pause.Output). */
  private held: Buffer | null = null;
  /** Bytes in younger responses' own buffers (counted when dispatched, released at the head). */
  private ownPending = 0;
  private resumeQueued = false;
  private wakeQueued = false;
  /** A request just dispatched left more output waiting than outputHighWater. */
  private outputSuspended = false;
  /** The peer's FIN came while bytes were held: handled once they are parsed. */
  private eofPending = false;
  private readonly targets = new TargetCache();
  /** Chunks are views into a buffer the next read overwrites: copy what must outlive a chunk. */
  private readonly sharedChunks: boolean;
  /** Set once the connection speaks HTTP/2: every socket event goes to it. */
  h2: H2Connection | null = null;
  /** Set while the first bytes have not decided the protocol yet (h2c sniffing). */
  private sniffer: PrefaceSniffer | null;
  /** A handler took the socket over (an Upgrade): handed off once the parser has stopped. */
  private takeOver: SocketTakeOver | null = null;

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
    this.gate = new ReadGate(socket, host, this.deadlines);
    const rt = host.settings.readTimeout;
    if (rt > 0) this.deadlines.read = acceptedAt + rt;
    this.sniffer = mode === ConnMode.Sniff ? new PrefaceSniffer() : null;
    if (mode === ConnMode.Http2) this.startH2();
    const rb = host.readBuffer;
    this.sharedChunks = rb !== null && userBufferReads.attach(socket, rb, (n, buf) => this.onData(buf.subarray(0, n)));
    if (!this.sharedChunks) {
      socket.on('data', this.onDataEvent);
      if (socket.isPaused()) socket.resume();
    }
    socket.on('end', this.onEndEvent);
    socket.on('drain', this.onDrainEvent);
    socket.on('error', noop); // 'close' follows; resets are the peer's business
    socket.on('close', this.onCloseEvent);
  }

  private readonly onDataEvent = (chunk: Buffer): void => this.onData(chunk);
  private readonly onEndEvent = (): void => this.onEnd();
  private readonly onCloseEvent = (): void => this.onClose();
  private readonly onDrainEvent = (): void => {
    if (this.h2 !== null) return this.h2.onDrain();
    this.gate.resume(Pause.Backpressure);
    this.afterOutput();
  };

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
    return this.queue.empty && this.parser.idle;
  }

  private startH2(): void {
    this.h2 = new H2Connection(this.host, this.socket, this.remoteAddress, this.deadlines.read);
    this.deadlines.read = 0;
  }

  // ---------------------------------------------------------------- socket events

  private onData(chunk: Buffer): void {
    this.host.counters.bytesIn += chunk.length;
    if (this.h2 !== null) return this.h2.onBytes(chunk);
    const sniffer = this.sniffer;
    if (sniffer !== null) {
      // h2c prior knowledge is decided on the first bytes: the whole preface, or not HTTP/2.
      const got = sniffer.feed(chunk);
      if (got === null) return;
      this.sniffer = null;
      if (sniffer.isH2) {
        this.startH2();
        return this.h2!.onBytes(got);
      }
      if (got !== chunk) return this.parse(got, false);
    }
    if (this.stopReading) return; // closing: read and drop (lingering close)
    if (this.gate.paused & Pause.Output) {
      // Read before the pause took effect: keep it behind what is held.
      this.held = this.held === null ? Buffer.from(chunk) : Buffer.concat([this.held, chunk]);
      return;
    }
    this.parse(chunk, this.sharedChunks);
    if (this.gate.turnOver(chunk.length, !this.stopReading && !this.ended)) {
      this.host.counters.readYields++;
      this.host.readTurns.later(this);
    }
  }

  /** The other connections had their turn: read again. */
  resumeTurn(): void {
    if (!this.socket.destroyed) this.gate.resume(Pause.Turn);
  }

  /** Parses a chunk (`shared`: a view the next read overwrites), then writes what it produced. */
  private parse(chunk: Buffer, shared: boolean): void {
    const host = this.host;
    const dl = this.deadlines;
    dl.idle = 0;
    if (dl.read === 0 && host.settings.readTimeout > 0) dl.read = host.now + host.settings.readTimeout;
    this.inBatch = true;
    this.batchSocketQueued = this.socket.writableLength;
    let n = chunk.length;
    try {
      n = this.parser.execute(chunk);
    } catch (err) {
      if (err !== STOP) this.onParseError(err);
    }
    this.inBatch = false;
    if (this.takeOver !== null) return this.handOff(chunk.subarray(n), shared);
    if (this.outputSuspended) {
      // Too much output waiting: hold what was not parsed and stop reading until it drains.
      this.outputSuspended = false;
      if (!this.stopReading) {
        if (n < chunk.length) {
          const rest = chunk.subarray(n);
          this.held = shared ? Buffer.from(rest) : rest;
        }
        this.gate.pause(Pause.Output);
        host.counters.outputPauses++;
      }
    }
    if (this.stopReading || this.parser.idle) dl.read = 0;
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
      this.gate.resume(Pause.Output);
      if (this.eofPending) {
        this.eofPending = false;
        this.onEnd();
      }
    }
  }

  private onEnd(): void {
    if (this.h2 !== null) return this.h2.onEnd();
    const sniffer = this.sniffer;
    this.sniffer = null;
    const got = sniffer === null ? null : sniffer.end();
    if (got !== null) this.parse(got, false); // a prefix of the preface, then EOF: not HTTP/2 after all
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
    this.deadlines.read = 0;
    this.deadlines.idle = 0;
    if (this.queue.empty) this.endNow();
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
    const res = this.queue.acquire();
    res.isHead = head.method === 'HEAD';
    res.http10 = head.versionMinor === 0;
    this.enqueue(res);
    this.current = res;
    if (head.bodyKind !== BodyKind.None) {
      this.body.clear();
      if (head.expectContinue && head.contentLength <= this.parser.limits.maxBodySize) {
        if (res.atHead) this.out.w.bytes(CONTINUE_100);
        else res.owesContinue = true;
      }
    }
    return 0;
  }

  onBody(buf: Buffer, start: number, end: number): void {
    this.body.append(buf, start, end, this.parser.head, this.parser.limits.maxBodySize, this.sharedChunks);
  }

  onComplete(head: RequestHead): void {
    const res = this.current!;
    this.current = null;
    const host = this.host;
    const req = res.req;
    const seq = this.seq++;
    req.method = head.method;
    req.httpVersion = head.versionMinor === 1 ? '1.1' : '1.0';
    req.target = this.targets.of(head);
    req.headers = head.headers;
    req.trailers = head.trailers;
    req.remoteAddress = this.remoteAddress;
    req.seq = seq;
    if (head.bodyKind !== BodyKind.None) {
      req.body = this.body.take();
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
      handlerThrew(host, res, err);
    }
    this.dispatching = null;
    req.headers = req.trailers = EMPTY_HEADERS;
    if (this.takeOver !== null) return; // the parser was suspended: parse() hands the socket off
    if (this.stopReading) throw STOP;
    if (!res.atHead && res.own !== null) {
      res.ownCounted = res.own.byteLength;
      this.ownPending += res.ownCounted;
    }
    if (this.batchSocketQueued + this.out.byteLength + this.ownPending > host.settings.outputHighWater) {
      this.outputSuspended = true;
      this.parser.suspend();
    }
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
    this.body.clear();
    if (res === null) {
      res = this.queue.acquire();
      this.enqueue(res);
    }
    sendCodecError(res, err);
  }

  // ---------------------------------------------------------------- response queue

  private enqueue(res: OutgoingResponse): void {
    const q = this.queue;
    if (!q.empty && q.length > this.host.settings.maxPipeline) this.gate.pause(Pause.Pipeline);
    q.push(res);
  }

  /** A request cut short by EOF leaves its slot at the tail of the queue: drop it. */
  private dropReceiving(): void {
    const res = this.current;
    if (res === null) return;
    this.current = null;
    this.body.clear();
    this.queue.dropLast();
    res.kill();
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
    const q = this.queue;
    let r: OutgoingResponse | null;
    while ((r = q.shiftDone()) !== null) {
      if (r.closeAfter) {
        // Nothing after this response is answered.
        this.killAll();
        this.stopReading = true;
        this.endAfterFlush = true;
        return;
      }
      if (r.answeredSync) q.recycle(r);
      const next = q.first;
      if (next !== null) {
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
    if (q.empty) {
      if (this.closeWhenDone) this.endAfterFlush = true;
      else if (!this.inBatch) this.maybeIdle();
    }
    if (this.gate.paused & Pause.Pipeline && q.length <= this.host.settings.maxPipeline >> 1) this.gate.resume(Pause.Pipeline);
  }

  private killAll(): void {
    this.queue.killAll();
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
    const first = this.queue.first;
    if (first !== null && first.drainWaiter !== null && !this.wakeQueued) {
      if (this.socket.writableLength + this.out.byteLength <= low) {
        // From the event loop's next turn: a fast reader must not keep a stream in a nextTick loop.
        this.wakeQueued = true;
        setImmediate(this.onWakeTick);
      }
    }
    if (this.gate.paused & Pause.Output && !this.resumeQueued && this.pendingOutput <= low) {
      this.resumeQueued = true;
      setImmediate(this.onResumeTick);
    }
  }

  private wakeHead(): void {
    this.wakeQueued = false;
    const res = this.queue.first;
    if (this.destroyed || this.ended || res === null) return;
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
      if (!out.writeTo(sock, host.settings.zeroCopy)) this.gate.pause(Pause.Backpressure);
      this.batchSocketQueued = sock.writableLength;
      this.deadlines.armWrite(host, sock);
    }
    if (this.endAfterFlush && !this.ended) this.finishEnd();
    else if (this.gate.paused & Pause.Output || !this.queue.empty) this.afterOutput();
  }

  private finishEnd(): void {
    this.ended = true;
    this.killAll();
    this.deadlines.startLinger(this.host);
    this.socket.end();
    this.gate.resume(Pause.All); // keep reading (and dropping) until the peer closes
  }

  private maybeIdle(): void {
    const it = this.host.settings.idleTimeout;
    if (it > 0 && !this.stopReading && this.queue.empty && this.parser.idle && this.held === null) {
      this.deadlines.idle = this.host.now + it;
    }
  }

  // ---------------------------------------------------------------- upgrade (socket take-over)

  /**
   * A handler asks for the socket (ServerResponse.upgrade): granted only for the request being
   * dispatched, when every earlier response is done and nothing says close. The parser stops
   * after this request; parse() then hands the socket and the bytes after the request over.
   */
  upgrade(res: OutgoingResponse, fn: SocketTakeOver): boolean {
    if (this.dispatching !== res || !res.atHead || this.stopReading || this.h2 !== null || this.takeOver !== null) return false;
    if (this.queue.length !== 1) return false;
    this.takeOver = fn;
    this.parser.suspend();
    return true;
  }

  /** Releases the socket from this connection (parser, deadlines, read gate, server accounting) and hands it over. */
  private handOff(rest: Buffer, shared: boolean): void {
    const fn = this.takeOver!;
    this.takeOver = null;
    const head = shared ? Buffer.from(rest) : rest;
    this.flush(); // earlier answers still in the batch buffer go out first
    this.stopReading = true;
    this.ended = true;
    this.killAll();
    const dl = this.deadlines;
    dl.read = dl.idle = dl.write = dl.linger = 0;
    const socket = this.socket;
    socket.off('data', this.onDataEvent).off('end', this.onEndEvent).off('drain', this.onDrainEvent).off('close', this.onCloseEvent);
    if (this.sharedChunks) userBufferReads.toDataEvents(socket);
    this.gate.paused = 0;
    this.host.connectionUpgraded(this, takeOverSocket(socket, head, fn, (err) => this.host.handlerError(err, undefined)));
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
    const dl = this.deadlines;
    // While reading is paused on our side (backpressure, a full pipeline) the client is not late.
    if (dl.timedOut(this.host, this.socket, now, this.gate.paused !== 0)) return this.destroy(false);
    if (dl.idleDue(now)) {
      this.host.counters.idleClosed++;
      this.endNow();
    }
    if (dl.lingerDue(now)) this.destroy(false);
  }
}
