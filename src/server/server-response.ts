// The response object handed to handlers: it frames what the handler sends and writes it either
// straight into the connection's batch buffer (when it is the oldest unanswered request) or into
// its own buffer until the responses before it are done, so pipelined answers leave in order.
import { bug } from '../core/invariant.js';
import { statusHasNoBody, statusLine } from '../http/response-serializer.js';
import { dateCache } from './date-cache.js';
import { headPrefix } from './head-cache.js';
import { BIG_WRITE, OutBuffer } from './out-buffer.js';
import { IncomingRequest } from './server-request.js';
import type { ServerResponse, SocketTakeOver } from './types.js';

/** What a response needs from its connection. */
export interface ResponseOwner {
  /** The batch buffer: bytes of the response at the head of the queue go here. */
  readonly out: OutBuffer;
  /** True when responses must announce `Connection: close` (the server is shutting down). */
  readonly draining: boolean;
  /** Wall-clock ms, coarse (for the Date line). */
  readonly epochNow: number;
  /** `res` wrote bytes (a flush is due if it is at the head). */
  wrote(res: OutgoingResponse): void;
  /** `res` is complete. */
  responseDone(res: OutgoingResponse): void;
  /** Ends the connection at once: RST when `reset`, else a plain destroy. */
  destroy(reset: boolean): void;
  /** Unsent bytes ahead of the head response's next write are above the high-water mark. */
  readonly outputFull: boolean;
  /** `res` registered a drain waiter (see ServerResponse.waitDrain). */
  waitingForDrain(res: OutgoingResponse): void;
  /** `res`'s handler asks for the socket (see ServerResponse.upgrade). */
  upgrade(res: OutgoingResponse, fn: SocketTakeOver): boolean;
}

export const enum ResState {
  /** Head received, body still arriving. */
  Receiving = 0,
  /** Handed to the dispatcher; nothing sent yet. */
  Dispatched = 1,
  /** begin() was called; body parts may follow. */
  Streaming = 2,
  /** Complete (or abandoned). */
  Done = 3,
}

const CRLF = Buffer.from('\r\n', 'latin1');
const CONTENT_LENGTH = Buffer.from('Content-Length: ', 'latin1');
const TE_CHUNKED = Buffer.from('Transfer-Encoding: chunked\r\n', 'latin1');
const CONN_CLOSE = Buffer.from('Connection: close\r\n', 'latin1');
const CONN_KEEP_ALIVE = Buffer.from('Connection: keep-alive\r\n', 'latin1');
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const END = HEAD_END;
const END_CLOSE = Buffer.from('\r\nConnection: close\r\n\r\n', 'latin1');
const END_KEEP_ALIVE = Buffer.from('\r\nConnection: keep-alive\r\n\r\n', 'latin1');

export class OutgoingResponse implements ServerResponse {
  readonly req = new IncomingRequest();
  state: ResState = ResState.Receiving;
  /** True while this is the oldest unanswered response of its connection. */
  atHead = false;
  /** Bytes written while not at the head. */
  own: OutBuffer | null = null;
  status = 0;
  /** The request was HEAD: heads are sent, bodies dropped. */
  isHead = false;
  http10 = false;
  /** The response must carry `Connection: close` (request asked, limit reached, setClose()). */
  forceClose = false;
  /** The connection closes once this response is out. */
  closeAfter = false;
  /** A 100 Continue is owed once this response reaches the head (body not read yet). */
  owesContinue = false;
  /** Answered during the synchronous dispatch: safe to reuse for the next request. */
  answeredSync = false;
  /** Bytes of `own` the connection counts as pending output (set while not at the head). */
  ownCounted = 0;
  /** Called once when writing may go on (see ServerResponse.waitDrain). */
  drainWaiter: (() => void) | null = null;
  private chunked = false;
  private noBody = false;
  private dead = false;

  constructor(private readonly owner: ResponseOwner) {}

  get closed(): boolean {
    return this.dead;
  }

  /** Ready for another request (called by the connection when it reuses the object). */
  reuse(): void {
    this.state = ResState.Receiving;
    this.atHead = false;
    this.status = 0;
    this.isHead = false;
    this.http10 = false;
    this.forceClose = false;
    this.closeAfter = false;
    this.owesContinue = false;
    this.answeredSync = false;
    this.ownCounted = 0;
    this.drainWaiter = null;
    this.chunked = false;
    this.noBody = false;
    this.req.release();
  }

  /** The connection is gone: later calls do nothing. */
  kill(): void {
    this.dead = true;
    this.state = ResState.Done;
    this.drainWaiter = null;
  }

  get needsDrain(): boolean {
    return !this.atHead || this.owner.outputFull;
  }

  waitDrain(fn: () => void): void {
    if (this.dead) return;
    this.drainWaiter = fn;
    this.owner.waitingForDrain(this);
  }

  upgrade(fn: SocketTakeOver): boolean {
    if (this.dead || this.state !== ResState.Dispatched) return false;
    return this.owner.upgrade(this, fn);
  }

  private sink(): OutBuffer {
    if (this.atHead) return this.owner.out;
    return this.own ?? (this.own = new OutBuffer(1024));
  }

  private misuse(op: string): never {
    bug(`ServerResponse.${op}() is not allowed now (response state ${this.state}): a handler bug`);
  }

  send(status: number, body?: Buffer | string, headers?: readonly string[]): void {
    if (this.dead) return;
    if (this.state !== ResState.Dispatched) this.misuse('send');
    let len = 0;
    if (body !== undefined) len = typeof body === 'string' ? (body.length === 0 ? 0 : Buffer.byteLength(body)) : body.length;
    const out = this.sink();
    this.writeHead(out, status, headers, len);
    if (len > 0 && !this.noBody) {
      if (typeof body === 'string') {
        const w = out.w;
        w.ensure(len);
        w.len += w.buf.write(body, w.len, len, 'utf8');
      } else {
        out.append(body!);
      }
    }
    this.finish();
  }

  sendRaw(bytes: Buffer): void {
    if (this.dead) return;
    if (this.state !== ResState.Dispatched) this.misuse('sendRaw');
    // "HTTP/1.1 200 ..." — the status, for the counters.
    this.status = (bytes[9]! - 48) * 100 + (bytes[10]! - 48) * 10 + (bytes[11]! - 48);
    // A prebuilt response cannot announce close or 1.0 keep-alive: close after it when either is due.
    this.closeAfter = this.forceClose || this.http10 || this.owner.draining;
    if (this.isHead) {
      // A HEAD answer is the head alone.
      const e = bytes.indexOf(HEAD_END);
      this.sink().append(e < 0 ? bytes : bytes.subarray(0, e + 4));
    } else {
      this.sink().append(bytes);
    }
    this.finish();
  }

  begin(status: number, headers?: readonly string[], contentLength?: number): void {
    if (this.dead) return;
    if (this.state !== ResState.Dispatched) this.misuse('begin');
    const len = contentLength !== undefined && contentLength >= 0 ? contentLength : this.http10 ? -2 : -1;
    this.writeHead(this.sink(), status, headers, len);
    this.chunked = len === -1 && !this.noBody;
    this.state = ResState.Streaming;
    this.owner.wrote(this);
  }

  write(data: Buffer | string): void {
    if (this.dead) return;
    if (this.state !== ResState.Streaming) this.misuse('write');
    if (this.noBody || data.length === 0) return;
    const out = this.sink();
    const w = out.w;
    if (typeof data === 'string') {
      const n = Buffer.byteLength(data);
      if (this.chunked) {
        w.hex(n);
        w.crlf();
      }
      w.ensure(n);
      w.len += w.buf.write(data, w.len, n, 'utf8');
    } else {
      if (this.chunked) {
        w.hex(data.length);
        w.crlf();
      }
      if (data.length >= BIG_WRITE) out.append(data);
      else w.bytes(data);
    }
    if (this.chunked) w.crlf();
    this.owner.wrote(this);
  }

  end(trailers?: readonly (readonly [string, string])[]): void {
    if (this.dead) return;
    if (this.state !== ResState.Streaming) this.misuse('end');
    if (this.chunked) {
      const w = this.sink().w;
      if (trailers === undefined || trailers.length === 0) {
        w.bytes(LAST_CHUNK);
      } else {
        w.byte(0x30);
        w.crlf();
        for (const [n, v] of trailers) {
          w.field(n, v);
        }
        w.crlf();
      }
    }
    this.finish();
  }

  writeRaw(bytes: Buffer): void {
    if (this.dead) return;
    if (this.state !== ResState.Dispatched && this.state !== ResState.Streaming) this.misuse('writeRaw');
    this.sink().append(bytes);
    this.owner.wrote(this);
  }

  destroy(): void {
    if (this.dead) return;
    this.owner.destroy(true);
  }

  close(): void {
    if (this.dead) return;
    if (this.state !== ResState.Dispatched && this.state !== ResState.Streaming) this.misuse('close');
    this.closeAfter = true;
    this.finish();
  }

  setClose(): void {
    this.forceClose = true;
    if (this.state === ResState.Streaming) this.closeAfter = true;
  }

  /** Answers with a plain-text error (codec rejections, handler failures). */
  sendError(status: number, message: string, close: boolean): void {
    if (close) this.forceClose = true;
    this.state = ResState.Dispatched;
    this.send(status, message, TEXT_PLAIN);
  }

  /** Status line, Date, handler headers, framing, Connection. len: -1 chunked, -2 until close. */
  private writeHead(out: OutBuffer, status: number, headers: readonly string[] | undefined, len: number): void {
    const w = out.w;
    this.status = status;
    const bodiless = statusHasNoBody(status);
    this.noBody = this.isHead || bodiless;
    let close = this.forceClose || this.owner.draining;
    if (len === -2 && !this.noBody) close = true;
    this.closeAfter = close;
    const line = statusLine(status);
    const date = dateCache.get(this.owner.epochNow);
    const cached = headPrefix(status, line, headers, date);
    if (cached !== undefined) {
      if (len >= 0 && !bodiless) {
        // the common case: one copy when this length and ending repeat, else three
        const kind = close ? 2 : this.http10 ? 1 : 0;
        if (cached.wholeLen === len && cached.wholeKind === kind) {
          w.bytes(cached.whole!);
          return;
        }
        const start = w.len;
        w.bytes(cached.prefixCl);
        w.decimal(len);
        w.bytes(kind === 2 ? END_CLOSE : kind === 1 ? END_KEEP_ALIVE : END);
        if (cached.seenLen === len && cached.seenKind === kind) {
          cached.whole = Buffer.from(w.buf.subarray(start, w.len));
          cached.wholeLen = len;
          cached.wholeKind = kind;
        } else {
          cached.seenLen = len;
          cached.seenKind = kind;
        }
        return;
      }
      w.bytes(cached.prefix);
    } else {
      w.bytes(line);
      w.bytes(date);
      if (headers !== undefined) {
        for (let i = 0; i + 1 < headers.length; i += 2) {
          w.field(headers[i]!, headers[i + 1]!);
        }
      }
    }
    if (!bodiless) {
      if (len >= 0) {
        w.bytes(CONTENT_LENGTH);
        w.decimal(len);
        w.bytes(CRLF);
      } else if (len === -1) {
        w.bytes(TE_CHUNKED);
      }
    }
    if (close) w.bytes(CONN_CLOSE);
    else if (this.http10) w.bytes(CONN_KEEP_ALIVE);
    w.bytes(CRLF);
  }

  private finish(): void {
    this.state = ResState.Done;
    this.drainWaiter = null;
    this.owner.responseDone(this);
  }
}

export const TEXT_PLAIN: readonly string[] = Object.freeze(['Content-Type', 'text/plain; charset=utf-8']);
