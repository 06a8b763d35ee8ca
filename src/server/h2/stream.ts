// One HTTP/2 stream on the server: the request as it arrives (headers, body under flow control)
// and the ServerResponse the routes write to — the same interface HTTP/1 responses implement, so
// every route runs unchanged. Status and headers become one HPACK HEADERS frame at once (headers
// are not flow-controlled); body bytes are queued by reference and leave as DATA frames only as
// the stream's and the connection's send windows allow (the connection pumps the queue). A
// streaming route sees `needsDrain` once STREAM_HIGH bytes wait here or the connection's own
// output is full, so a peer that never opens its window holds at most that much per stream.
import { bug } from '../../core/invariant.js';
import type { HeaderList } from '../../http/header-list.js';
import { statusHasNoBody } from '../../http/response-serializer.js';
import { ReceiveWindow } from '../../http2/flow-control.js';
import { EMPTY_BODY, EMPTY_HEADERS, IncomingRequest } from '../server-request.js';
import type { ServerResponse } from '../types.js';

/** Queued body bytes above which a streaming route should wait (needsDrain). */
export const STREAM_HIGH = 64 * 1024;

/** What a stream needs from its connection. */
export interface StreamOwner {
  /** HEADERS for the response head (`contentLength` < 0: none announced). */
  sendHead(s: H2Stream, status: number, headers: readonly string[] | undefined, contentLength: number, endStream: boolean): void;
  /** Sends what the windows allow of the stream's queue, then its end when due. */
  pump(s: H2Stream): void;
  /** RST_STREAM with `code`; the stream is closed. */
  reset(s: H2Stream, code: number): void;
  /** Unsent connection output is above the high-water mark. */
  readonly outputFull: boolean;
  waitingForDrain(s: H2Stream): void;
  /** Fault injection: raw bytes on the connection, then it closes. */
  writeRaw(bytes: Buffer): void;
  /** `s` got its final response (for the counters). */
  answered(s: H2Stream, status: number): void;
}

export const enum StreamState {
  /** Request head received, body still arriving. */
  Receiving = 0,
  Dispatched = 1,
  Streaming = 2,
  /** The response is complete (maybe still leaving under flow control). */
  Done = 3,
}

export class H2Stream implements ServerResponse {
  readonly req = new IncomingRequest();
  /** The request's pseudo-fields and fields: the connection's shared lists while the head is being
   * dispatched at once; the stream's own copies when a body follows (see H2Connection.onHeaders). */
  pseudo: HeaderList = EMPTY_HEADERS;
  fields: HeaderList = EMPTY_HEADERS;
  state = StreamState.Receiving;
  /** END_STREAM received from the peer. */
  recvDone = false;
  /** END_STREAM sent (or the stream was reset): nothing more goes out. */
  sendDone = false;
  /** Closed (removed from the connection): later calls do nothing. */
  dead = false;
  isHead = false;
  /** A final answer (413, 431) was given before the body ended: further DATA is dropped. */
  discarding = false;
  /** Coarse time of the last frame of this request (read timeout while the body arrives). */
  lastRecvAt = 0;
  /** The Content-Length the request declared (-1: none). */
  declaredLength = -1;
  sendWindow: number;
  readonly recvWindow: ReceiveWindow;
  // body received so far
  body: Buffer | null = null;
  bodyLen = 0;
  /** Body bytes waiting for window: parts by reference, partAt into the first. */
  queue: Buffer[] = [];
  partAt = 0;
  queued = 0;
  /** end() was called: END_STREAM (or trailers) follows the queue. */
  endQueued = false;
  trailers: readonly (readonly [string, string])[] | undefined = undefined;
  /** After the end is sent: RST_STREAM with this code (close()/destroy() faults), -1 none. */
  resetAfter = -1;
  noBody = false;
  /** Coarse time since which body bytes (or the end) wait here without any going out; 0 = none wait. */
  stalledAt = 0;
  drainWaiter: (() => void) | null = null;

  constructor(
    readonly id: number,
    private readonly owner: StreamOwner,
    sendWindow: number,
    recvWindow: number,
  ) {
    this.sendWindow = sendWindow;
    this.recvWindow = new ReceiveWindow(recvWindow, id);
    this.req.httpVersion = '2';
  }

  get closed(): boolean {
    return this.dead || this.sendDone;
  }

  get needsDrain(): boolean {
    return this.queued >= STREAM_HIGH || this.owner.outputFull;
  }

  waitDrain(fn: () => void): void {
    if (this.closed) return;
    this.drainWaiter = fn;
    this.owner.waitingForDrain(this);
  }

  /** Appends body bytes received on this stream (grows one buffer by doubling). */
  appendBody(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    const need = this.bodyLen + n;
    let b = this.body;
    if (b === null || need > b.length) {
      let size = b === null ? (this.declaredLength >= 0 ? this.declaredLength : 16 * 1024) : b.length * 2;
      if (size < need) size = need;
      const grown = Buffer.allocUnsafe(size);
      if (b !== null) b.copy(grown, 0, 0, this.bodyLen);
      this.body = b = grown;
    }
    buf.copy(b, this.bodyLen, start, end);
    this.bodyLen = need;
  }

  takeBody(): Buffer {
    const b = this.body;
    this.body = null;
    return b === null ? EMPTY_BODY : b.subarray(0, this.bodyLen);
  }

  private misuse(op: string): never {
    bug(`ServerResponse.${op}() is not allowed now (h2 stream state ${this.state}): a handler bug`);
  }

  send(status: number, body?: Buffer | string, headers?: readonly string[]): void {
    if (this.closed) return;
    if (this.state !== StreamState.Dispatched) this.misuse('send');
    const b = body === undefined ? EMPTY_BODY : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    this.noBody = this.isHead || statusHasNoBody(status);
    const empty = this.noBody || b.length === 0;
    this.state = StreamState.Done;
    this.endQueued = true;
    this.owner.answered(this, status);
    this.owner.sendHead(this, status, headers, statusHasNoBody(status) ? -1 : b.length, empty);
    if (!empty) {
      this.queue.push(b);
      this.queued += b.length;
      this.owner.pump(this);
    }
  }

  /** A prebuilt HTTP/1.1 response (status line to body): re-framed for HTTP/2. */
  sendRaw(bytes: Buffer): void {
    if (this.closed) return;
    const status = (bytes[9]! - 48) * 100 + (bytes[10]! - 48) * 10 + (bytes[11]! - 48);
    const headEnd = bytes.indexOf('\r\n\r\n');
    const flat: string[] = [];
    const lines = bytes.toString('latin1', bytes.indexOf('\r\n') + 2, headEnd < 0 ? bytes.length : headEnd).split('\r\n');
    for (const line of lines) {
      const c = line.indexOf(':');
      if (c <= 0) continue;
      const name = line.slice(0, c).trim().toLowerCase();
      if (name === 'content-length' || name === 'date') continue;
      flat.push(name, line.slice(c + 1).trim());
    }
    this.send(status, headEnd < 0 ? EMPTY_BODY : bytes.subarray(headEnd + 4), flat);
  }

  begin(status: number, headers?: readonly string[], contentLength?: number): void {
    if (this.closed) return;
    if (this.state !== StreamState.Dispatched) this.misuse('begin');
    this.noBody = this.isHead || statusHasNoBody(status);
    this.state = StreamState.Streaming;
    this.owner.answered(this, status);
    this.owner.sendHead(this, status, headers, contentLength !== undefined && contentLength >= 0 ? contentLength : -1, false);
  }

  write(data: Buffer | string): void {
    if (this.closed) return;
    if (this.state !== StreamState.Streaming) this.misuse('write');
    if (this.noBody || data.length === 0) return;
    const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.queue.push(b);
    this.queued += b.length;
    this.owner.pump(this);
  }

  end(trailers?: readonly (readonly [string, string])[]): void {
    if (this.closed) return;
    if (this.state !== StreamState.Streaming) this.misuse('end');
    this.state = StreamState.Done;
    if (trailers !== undefined && trailers.length > 0 && !this.noBody) this.trailers = trailers;
    this.endQueued = true;
    this.owner.pump(this);
  }

  writeRaw(bytes: Buffer): void {
    if (this.closed) return;
    this.owner.writeRaw(bytes);
  }

  /** The reset fault: over HTTP/2 the stream is reset (RST_STREAM INTERNAL_ERROR), not the connection. */
  destroy(): void {
    if (this.closed) return;
    this.state = StreamState.Done;
    this.owner.reset(this, 0x2);
  }

  /** Cuts the response short: what was queued goes out, then RST_STREAM INTERNAL_ERROR. */
  close(): void {
    if (this.closed) return;
    if (this.state === StreamState.Dispatched) this.owner.answered(this, 0);
    this.state = StreamState.Done;
    this.resetAfter = 0x2;
    this.endQueued = true;
    this.owner.pump(this);
  }

  /** HTTP/2 has no per-response connection close: ignored. */
  setClose(): void {}

  /** Answers with a plain-text error (limits, handler failures). */
  sendError(status: number, message: string): void {
    this.state = StreamState.Dispatched;
    this.send(status, message, TEXT_PLAIN);
  }

  kill(): void {
    this.dead = true;
    this.drainWaiter = null;
    this.queue.length = 0;
    this.queued = 0;
    this.body = null;
  }
}

const TEXT_PLAIN: readonly string[] = Object.freeze(['content-type', 'text/plain; charset=utf-8']);
