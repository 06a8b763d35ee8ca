// The parsed head of a request or response: numbers and offsets, strings only on demand.
import { HeaderList } from './header-list.js';

export const enum BodyKind {
  /** No body follows the head. */
  None = 0,
  /** Content-Length framing. */
  Length = 1,
  /** Transfer-Encoding: chunked. */
  Chunked = 2,
  /** Body runs until the connection closes (responses only). */
  Eof = 3,
}

/** What both request and response heads share. Reused by its parser for every message. */
export class MessageHead {
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  versionMinor = 1;
  readonly headers = new HeaderList(32);
  readonly trailers = new HeaderList(4);
  /** Declared Content-Length, or -1 when absent. */
  contentLength = -1;
  /** True when the final transfer coding is chunked. */
  chunked = false;
  /** True when a Transfer-Encoding field was present at all. */
  hasTransferEncoding = false;
  /** Whether the connection may carry another message after this one. */
  keepAlive = true;
  /** `Connection: upgrade` was present. */
  connectionUpgrade = false;
  /** How the body is framed (decided after the head). */
  bodyKind: BodyKind = BodyKind.None;
  /** Bytes of the head section (start line through the blank line). */
  headBytes = 0;
  /** Decoded body bytes received so far (complete at onComplete). */
  bodyBytes = 0;

  get httpVersion(): string {
    return this.versionMinor === 1 ? '1.1' : '1.0';
  }

  reset(): void {
    this.versionMinor = 1;
    this.headers.reset();
    this.trailers.reset();
    this.contentLength = -1;
    this.chunked = false;
    this.hasTransferEncoding = false;
    this.keepAlive = true;
    this.connectionUpgrade = false;
    this.bodyKind = BodyKind.None;
    this.headBytes = 0;
    this.bodyBytes = 0;
  }

  /** Shifts every offset of the head (start line included) by delta: used when bytes move. */
  shiftOffsets(delta: number): void {
    const o = this.headers.offsets;
    const n = this.headers.count * 4;
    for (let i = 0; i < n; i++) o[i] = o[i]! + delta;
  }
}

const KNOWN_METHODS = ['GET', 'PUT', 'POST', 'HEAD', 'PATCH', 'TRACE', 'DELETE', 'OPTIONS', 'CONNECT'];
const KNOWN_METHOD_BYTES = KNOWN_METHODS.map((m) => Buffer.from(m, 'latin1'));

/** Returns an interned method string for the common methods (no allocation), else a new one. */
export function methodString(buf: Buffer, start: number, end: number): string {
  const len = end - start;
  for (let m = 0; m < KNOWN_METHOD_BYTES.length; m++) {
    const k = KNOWN_METHOD_BYTES[m]!;
    if (k.length !== len) continue;
    let i = 0;
    while (i < len && buf[start + i] === k[i]) i++;
    if (i === len) return KNOWN_METHODS[m]!;
  }
  return buf.toString('latin1', start, end);
}

export class RequestHead extends MessageHead {
  /** The method, interned for the common ones. Case-sensitive, as on the wire. */
  method = 'GET';
  targetStart = 0;
  targetEnd = 0;
  /** `Expect: 100-continue` was present on an HTTP/1.1 request. */
  expectContinue = false;
  /** Number of Host fields seen. */
  hostCount = 0;
  /** Index of the Host field in headers, or -1. */
  hostIndex = -1;

  /** The request-target exactly as sent. */
  get target(): string {
    return this.headers.buf.toString('latin1', this.targetStart, this.targetEnd);
  }

  override reset(): void {
    super.reset();
    this.method = 'GET';
    this.targetStart = this.targetEnd = 0;
    this.expectContinue = false;
    this.hostCount = 0;
    this.hostIndex = -1;
  }

  override shiftOffsets(delta: number): void {
    super.shiftOffsets(delta);
    this.targetStart += delta;
    this.targetEnd += delta;
  }
}

export class ResponseHead extends MessageHead {
  status = 0;
  reasonStart = 0;
  reasonEnd = 0;

  get reason(): string {
    return this.headers.buf.toString('latin1', this.reasonStart, this.reasonEnd);
  }

  override reset(): void {
    super.reset();
    this.status = 0;
    this.reasonStart = this.reasonEnd = 0;
  }

  override shiftOffsets(delta: number): void {
    super.shiftOffsets(delta);
    this.reasonStart += delta;
    this.reasonEnd += delta;
  }
}
