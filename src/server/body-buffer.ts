// The body of the request an HTTP/1 connection is receiving: ONE buffer, grown by doubling and
// never past the most it can hold (the declared Content-Length or the body limit). One per
// connection, reused for every request.
import { BodyKind, type RequestHead } from '../http/message-head.js';
import { EMPTY_BODY } from './server-request.js';

/** A body buffer of unknown final size starts this big, then doubles. */
const BODY_START = 16 * 1024;
/** A declared Content-Length up to this is allocated at once; larger ones grow as bytes come. */
const BODY_EXACT_MAX = 256 * 1024;

export class BodyBuffer {
  private buf: Buffer | null = null;
  private len = 0;

  /**
   * Appends `buf[start..end)`. `shared`: the chunk is a view the next read overwrites (else a
   * whole body in one chunk is kept by view); `maxBody`: the body limit.
   */
  append(buf: Buffer, start: number, end: number, head: RequestHead, maxBody: number, shared: boolean): void {
    const n = end - start;
    const len = this.len + n;
    let b = this.buf;
    if (b === null || len > b.length) {
      // A whole body in one chunk of our own (a fresh Buffer from the socket) is kept by view.
      if (b === null && head.bodyKind === BodyKind.Length && n === head.contentLength && !shared) {
        this.buf = buf.subarray(start, end);
        this.len = n;
        return;
      }
      b = this.grow(len, head.bodyKind === BodyKind.Length ? head.contentLength : maxBody);
    }
    if (n <= 16) {
      // A few bytes (a flood of 1-byte chunks): a loop beats the native copy's fixed cost.
      for (let i = start, o = this.len; i < end; i++, o++) b[o] = buf[i]!;
    } else {
      buf.copy(b, this.len, start, end);
    }
    this.len = len;
  }

  /** A body buffer for at least `need` bytes: doubling, never past `cap` (the most it can hold). */
  private grow(need: number, cap: number): Buffer {
    const old = this.buf;
    let size: number;
    if (old === null) size = cap <= BODY_EXACT_MAX ? cap : BODY_START;
    else size = old.length * 2;
    if (size > cap) size = cap;
    if (size < need) size = need;
    const grown = Buffer.allocUnsafe(size);
    if (old !== null) old.copy(grown, 0, 0, this.len);
    this.buf = grown;
    return grown;
  }

  /** The body received (a view of its bytes), leaving this empty for the next request. */
  take(): Buffer {
    const b = this.buf;
    const body = b === null ? EMPTY_BODY : b.length === this.len ? b : b.subarray(0, this.len);
    this.buf = null;
    this.len = 0;
    return body;
  }

  clear(): void {
    this.buf = null;
    this.len = 0;
  }
}
