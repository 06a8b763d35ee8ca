// A reusable HTTP response. The head's bytes are copied into the Response's own buffer and kept
// as offsets (HeaderList): wire order and case survive, and no string is made until asked. The
// body accumulates into a growable buffer kept across exchanges, or is only counted
// (`discardBody`, for load generation). While an exchange is in flight the Response also carries
// that exchange's state (the `_`-prefixed fields), so dispatching allocates nothing.
import { bug } from '../core/invariant.js';
import type { FastbenchError } from '../core/errors.js';
import { HeaderList } from '../http/header-list.js';
import type { ResponseHead } from '../http/message-head.js';
import type { Request } from './request.js';
import type { ResponseCallback } from './doer.js';
import { Timing } from './timing.js';
import type { StreamTimer } from './stream-timer.js';

/** A 1xx response received before the final one (100 Continue, 103 Early Hints). */
export interface InterimResponse {
  status: number;
  reason: string;
  headers: [string, string][];
}

/** Exchange states (Response._state). */
export const enum ExchangeState {
  /** Not in flight: the caller owns the Response. */
  Idle = 0,
  /** In a client's wait queue. */
  Waiting = 1,
  /** Bound to a connection being dialed for it. */
  Dialing = 2,
  /** Written (or being written) on a connection, response not complete. */
  InFlight = 3,
}

/** Copies n bytes; a plain loop beats Buffer#copy (a native call plus a view) for short runs. */
function copyBytes(src: Buffer, from: number, dst: Buffer, to: number, n: number): void {
  if (n <= 64) {
    for (let i = 0; i < n; i++) dst[to + i] = src[from + i]!;
  } else {
    src.copy(dst, to, from, from + n);
  }
}

/** A decoded HTTP/2 field section (structurally src/http2's HeaderFields). */
export interface FieldSection {
  readonly data: Buffer;
  readonly len: number;
  readonly pos: Int32Array;
  readonly count: number;
}

const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');
/** HTTP/2 names are lower case: a byte compare, no string. */
function isContentLength(b: Buffer, at: number): boolean {
  for (let k = 0; k < 14; k++) if (b[at + k] !== CONTENT_LENGTH[k]) return false;
  return true;
}
function decimalOrNaN(b: Buffer, s: number, e: number): number {
  if (e === s || e - s > 15) return NaN;
  let n = 0;
  for (let k = s; k < e; k++) {
    const c = b[k]! - 0x30;
    if (c < 0 || c > 9) return NaN;
    n = n * 10 + c;
  }
  return n;
}

const POOL: Response[] = [];
const POOL_MAX = 1024;
const EMPTY = Buffer.alloc(0);

export class Response {
  /** Status code of the final response (0 until one arrived). */
  status = 0;
  /** 1 for HTTP/1.x, 2 for HTTP/2. */
  versionMajor = 1;
  /** 1 for HTTP/1.1, 0 for HTTP/1.0 (and HTTP/2). */
  versionMinor = 1;
  /** Header fields in wire order and case, as offsets into this Response's own bytes. */
  readonly headers = new HeaderList(16);
  /** Trailer fields of a chunked body (empty otherwise). */
  readonly trailers = new HeaderList(4);
  /** Declared Content-Length, -1 when absent. */
  contentLength = -1;
  /** Whether the server lets the connection carry another exchange. */
  keepAlive = true;
  /** Count the body's bytes but keep none of them (load generation). Survives reset(). */
  discardBody = false;
  /**
   * Chunk-by-chunk timing of the body (issue 18): the connection hands it each run of body bytes
   * with the read's time. null (the default) turns it off. Survives reset().
   */
  stream: StreamTimer | null = null;
  /** Body bytes received (also counted when discarded). */
  bodyLength = 0;
  /** A failed exchange: the bytes read from the wire for it before it failed (0 otherwise). */
  bytesRead = 0;
  /** 1xx responses that came before the final one, in order. */
  readonly interim: InterimResponse[] = [];
  /** Where the time went (milliseconds). */
  readonly timing = new Timing();
  /** The failure, when the exchange failed (also passed to the callback / rejected). */
  error: FastbenchError | null = null;

  private headBuf: Buffer = EMPTY;
  private trailerBuf: Buffer = EMPTY;
  private bodyBuf: Buffer = EMPTY;
  private reasonStart = 0;
  private reasonEnd = 0;

  // ---- exchange state, owned by the client while the exchange is in flight (internal)
  /** @internal */ _state: ExchangeState = ExchangeState.Idle;
  /** @internal */ _req: Request | null = null;
  /** @internal */ _ctx: ResponseCallback | null = null;
  /** @internal absolute nowMs() deadline, Infinity for none. */ _deadline = Infinity;
  /** @internal retries made so far. */ _retries = 0;
  /** @internal */ _start = 0;
  /** @internal */ _sentAt = 0;
  /** @internal */ _writtenAt = 0;
  /** @internal */ _firstByteAt = 0;
  /** @internal */ _headAt = 0;
  /** @internal */ _endAt = 0;
  /** @internal when waiting for a connection stops (maxConnWaitTimeout), Infinity for never. */ _waitUntil = Infinity;
  /** @internal the dial this exchange paid for (ms), 0 when it had none. */ _dns = 0;
  /** @internal */ _connect = 0;
  /** @internal */ _tls = 0;
  /** @internal */ _reused = false;

  /** Takes a Response from the shared pool (or makes one). Give it back with Response.release(). */
  static acquire(): Response {
    return POOL.pop() ?? new Response();
  }

  /** Resets the response and returns it to the pool. Do not touch it afterwards. */
  static release(res: Response): void {
    if (res._state !== ExchangeState.Idle) bug('Response.release: the response is still in flight');
    res.reset();
    res.discardBody = false;
    res.stream = null;
    if (POOL.length < POOL_MAX) POOL.push(res);
  }

  /** Forgets the last exchange; keeps the buffers it grew (and `discardBody`). */
  reset(): void {
    this.status = 0;
    this.versionMajor = 1;
    this.versionMinor = 1;
    this.headers.count = 0;
    this.trailers.count = 0;
    this.contentLength = -1;
    this.keepAlive = true;
    this.bodyLength = 0;
    this.bytesRead = 0;
    if (this.interim.length > 0) this.interim.length = 0;
    this.error = null;
    this.reasonStart = this.reasonEnd = 0;
  }

  get httpVersion(): '1.1' | '1.0' | '2' {
    return this.versionMajor === 2 ? '2' : this.versionMinor === 1 ? '1.1' : '1.0';
  }

  /** The reason phrase as sent. */
  get reason(): string {
    return this.headBuf.toString('latin1', this.reasonStart, this.reasonEnd);
  }

  /** The body received (a view of a buffer reused by the next exchange: copy it to keep it). Empty when discarded. */
  get body(): Buffer {
    return this.discardBody ? EMPTY : this.bodyBuf.subarray(0, this.bodyLength);
  }

  /** The body decoded as UTF-8. */
  bodyText(): string {
    return this.discardBody ? '' : this.bodyBuf.toString('utf8', 0, this.bodyLength);
  }

  /** The exchange ran on a connection that had served requests before (a stale one may fail: see retryIf). */
  get reusedConnection(): boolean {
    return this._reused;
  }

  /** First value of a header (any case), or undefined. */
  header(name: string): string | undefined {
    return this.headers.get(name);
  }

  // ---------------------------------------------------------------- filled in by the connection

  /** @internal Starts an exchange: called by a client's dispatch. */
  _begin(req: Request, ctx: ResponseCallback, deadline: number, now: number): void {
    this.reset();
    this._req = req;
    this._ctx = ctx;
    this._deadline = deadline;
    this._retries = 0;
    this._start = now;
    this._clearMarks();
  }

  /** @internal Clears the per-attempt instants (a retry starts over on another connection). */
  _clearMarks(): void {
    this._sentAt = this._writtenAt = this._firstByteAt = this._headAt = this._endAt = 0;
    this._dns = this._connect = this._tls = 0;
    this._reused = false;
  }

  /** @internal Copies the head out of the parser's bytes (valid only during the call). */
  _setHead(head: ResponseHead): void {
    const src = head.headers;
    const n = head.headBytes;
    // The head section starts at the status line: "HTTP/1.x NNN " is 13 bytes before the
    // reason, or 12 when a lenient parse accepted a status line with no space after the code.
    const start = head.reasonStart - (src.buf[head.reasonStart - 1] === 0x20 ? 13 : 12);
    let dst = this.headBuf;
    if (dst.length < n) this.headBuf = dst = Buffer.allocUnsafe(n < 512 ? 512 : n);
    copyBytes(src.buf, start, dst, 0, n);
    const count = src.count;
    const h = this.headers;
    let o = h.offsets;
    if (o.length < count * 4) h.offsets = o = new Int32Array(count * 8);
    const so = src.offsets;
    for (let i = 0, e = count * 4; i < e; i++) o[i] = so[i]! - start;
    h.count = count;
    h.buf = dst;
    this.reasonStart = head.reasonStart - start;
    this.reasonEnd = head.reasonEnd - start;
    this.status = head.status;
    this.versionMinor = head.versionMinor;
    this.contentLength = head.contentLength;
    this.keepAlive = head.keepAlive;
  }

  /** @internal Appends body bytes from a view valid only during the call. */
  _appendBody(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    const len = this.bodyLength;
    this.bodyLength = len + n;
    if (this.discardBody) return;
    let dst = this.bodyBuf;
    if (len + n > dst.length) {
      let size = dst.length === 0 ? 1024 : dst.length * 2;
      while (size < len + n) size *= 2;
      const grown = Buffer.allocUnsafe(size);
      if (len > 0) dst.copy(grown, 0, 0, len);
      this.bodyBuf = dst = grown;
    }
    copyBytes(buf, start, dst, len, n);
  }

  /** @internal Copies the trailers and the final keep-alive verdict at the end of the message. */
  _finishMessage(head: ResponseHead): void {
    this.keepAlive = head.keepAlive;
    const src = head.trailers;
    const count = src.count;
    if (count === 0) return;
    const so = src.offsets;
    const start = so[0]!;
    const end = so[count * 4 - 1]!;
    let dst = this.trailerBuf;
    if (dst.length < end - start) this.trailerBuf = dst = Buffer.allocUnsafe(Math.max(256, end - start));
    src.buf.copy(dst, 0, start, end);
    const t = this.trailers;
    let o = t.offsets;
    if (o.length < count * 4) t.offsets = o = new Int32Array(count * 8);
    for (let i = 0, e = count * 4; i < e; i++) o[i] = so[i]! - start;
    t.count = count;
    t.buf = dst;
  }

  /**
   * @internal HTTP/2: copies a decoded field section (byte store + 4 offsets per field, as
   * src/http2 HeaderFields) into the headers (or trailers), leaving out pseudo-header fields.
   */
  _setFields(src: FieldSection, status: number, trailers: boolean): void {
    const n = src.len;
    let dst = trailers ? this.trailerBuf : this.headBuf;
    if (dst.length < n) {
      dst = Buffer.allocUnsafe(n < 512 ? 512 : n);
      if (trailers) this.trailerBuf = dst;
      else this.headBuf = dst;
    }
    copyBytes(src.data, 0, dst, 0, n);
    const list = trailers ? this.trailers : this.headers;
    let o = list.offsets;
    if (o.length < src.count * 4) list.offsets = o = new Int32Array(src.count * 8);
    const sp = src.pos;
    let k = 0;
    let contentLength = -1;
    for (let i = 0; i < src.count; i++) {
      const ns = sp[i * 4]!;
      if (src.data[ns] === 0x3a) continue; // ':' pseudo-header
      const ne = sp[i * 4 + 1]!;
      o[k] = ns;
      o[k + 1] = ne;
      o[k + 2] = sp[i * 4 + 2]!;
      o[k + 3] = sp[i * 4 + 3]!;
      if (!trailers && ne - ns === 14 && isContentLength(src.data, ns)) contentLength = decimalOrNaN(src.data, sp[i * 4 + 2]!, sp[i * 4 + 3]!);
      k += 4;
    }
    list.count = k >> 2;
    list.buf = dst;
    if (trailers) return;
    this.status = status;
    this.versionMajor = 2;
    this.versionMinor = 0;
    this.reasonStart = this.reasonEnd = 0;
    this.contentLength = Number.isSafeInteger(contentLength) && contentLength >= 0 ? contentLength : -1;
    this.keepAlive = true;
  }

  /** @internal Records a 1xx response (rare: allocating is fine). */
  _addInterim(head: ResponseHead): void {
    this.interim.push({ status: head.status, reason: head.reason, headers: head.headers.toArray() });
  }
}
