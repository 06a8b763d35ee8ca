// The header fields that decide how a message is framed and whether its connection persists:
// Content-Length, Transfer-Encoding and Connection (RFC 9110 8.6, RFC 9112 6.1, 9.3). Their
// values are checked here as they are parsed; what the framing then is (and which conflicts are
// errors) is the request or response parser's call, from the flags gathered here.
//
// One instance lives in each parser and is rewound per message with begin().
import type { ErrorCode } from '../core/errors.js';
import { HTAB, SP, TOKEN, ascii, equalsLower } from './chars.js';
import { HttpCodecError } from './codec-error.js';
import type { MessageHead } from './message-head.js';

const NAME_CONTENT_LENGTH = ascii('content-length');
const NAME_TRANSFER_ENCODING = ascii('transfer-encoding');
const NAME_CONNECTION = ascii('connection');
const TOKEN_CHUNKED = ascii('chunked');
const TOKEN_CLOSE = ascii('close');
const TOKEN_KEEP_ALIVE = ascii('keep-alive');
const TOKEN_UPGRADE = ascii('upgrade');

/** Most digits in a Content-Length (under 2^53). */
const MAX_CONTENT_LENGTH_DIGITS = 15;

export class FramingFields {
  /** A Content-Length field was seen (head.contentLength holds its value). */
  clSeen = false;
  /** `Connection: close` was seen. */
  connClose = false;
  /** `Connection: keep-alive` was seen. */
  connKeepAlive = false;
  /** Number of transfer codings seen. */
  teCodings = 0;
  /** A coding followed 'chunked' (so chunked is not the final coding, or was applied twice). */
  teChunkedNotLast = false;
  /** Maps an index of the field buffer to a stream offset (for error offsets). */
  private delta = 0;

  /** Forgets the previous message's fields. */
  begin(): void {
    this.clSeen = false;
    this.connClose = false;
    this.connKeepAlive = false;
    this.teCodings = 0;
    this.teChunkedNotLast = false;
  }

  /**
   * Applies field `index` of head.headers when it is one of the framing fields; returns whether
   * it was. `delta` + a buffer index = the stream offset of that byte. Throws HttpCodecError.
   */
  apply(head: MessageHead, index: number, nameLen: number, delta: number): boolean {
    const h = head.headers;
    const o = h.offsets;
    const ns = o[index * 4]!;
    const ne = o[index * 4 + 1]!;
    const vs = o[index * 4 + 2]!;
    const ve = o[index * 4 + 3]!;
    const buf = h.buf;
    this.delta = delta;
    if (nameLen === 14 && equalsLower(buf, ns, ne, NAME_CONTENT_LENGTH)) {
      this.contentLength(head, buf, vs, ve);
      return true;
    }
    if (nameLen === 17 && equalsLower(buf, ns, ne, NAME_TRANSFER_ENCODING)) {
      this.transferEncoding(head, buf, vs, ve);
      return true;
    }
    if (nameLen === 10 && equalsLower(buf, ns, ne, NAME_CONNECTION)) {
      this.connection(head, buf, vs, ve);
      return true;
    }
    return false;
  }

  /** Keep-alive per RFC 9112 9.3: 1.1 persists unless close; 1.0 only with keep-alive. */
  keepAlive(versionMinor: number): boolean {
    return versionMinor === 1 ? !this.connClose : this.connKeepAlive && !this.connClose;
  }

  private contentLength(head: MessageHead, buf: Buffer, vs: number, ve: number): void {
    // A list of equal values ("5, 5") is tolerated (RFC 9110 8.6); differing ones are not.
    let p = vs;
    for (;;) {
      while (p < ve && (buf[p] === SP || buf[p] === HTAB)) p++;
      const ds = p;
      let v = 0;
      while (p < ve) {
        const c = buf[p]!;
        if (c < 0x30 || c > 0x39) break;
        v = v * 10 + (c - 0x30);
        p++;
      }
      if (p === ds) throw this.error('ERR_HTTP_BAD_CONTENT_LENGTH', ds, 'Content-Length is not a number');
      if (p - ds > MAX_CONTENT_LENGTH_DIGITS) throw this.error('ERR_HTTP_BAD_CONTENT_LENGTH', ds, 'Content-Length overflows');
      while (p < ve && (buf[p] === SP || buf[p] === HTAB)) p++;
      if (p < ve && buf[p] !== 0x2c) throw this.error('ERR_HTTP_BAD_CONTENT_LENGTH', p, 'Content-Length is not a number');
      if (this.clSeen && v !== head.contentLength) throw this.error('ERR_HTTP_DUP_CONTENT_LENGTH', ds);
      this.clSeen = true;
      head.contentLength = v;
      if (p >= ve) return;
      p++; // the comma
    }
  }

  private transferEncoding(head: MessageHead, buf: Buffer, vs: number, ve: number): void {
    if (!head.hasTransferEncoding) {
      head.hasTransferEncoding = true;
      this.teCodings = 0;
      this.teChunkedNotLast = false;
    }
    let p = vs;
    while (p < ve) {
      while (p < ve && (buf[p] === SP || buf[p] === HTAB || buf[p] === 0x2c)) p++;
      if (p >= ve) break;
      const ts = p;
      while (p < ve && TOKEN[buf[p]!] === 1) p++;
      if (p === ts) throw this.error('ERR_HTTP_BAD_TRANSFER_ENCODING', p, 'invalid transfer coding');
      if (head.chunked) this.teChunkedNotLast = true; // a coding after chunked
      head.chunked = equalsLower(buf, ts, p, TOKEN_CHUNKED);
      this.teCodings++;
      p = this.skipParameters(buf, p, ve);
    }
  }

  /** Skips a coding's parameters (; name=value, token or quoted) up to the next ',' or ve. */
  private skipParameters(buf: Buffer, p: number, ve: number): number {
    while (p < ve && buf[p] !== 0x2c) {
      const c = buf[p]!;
      if (c === 0x22) {
        p++;
        while (p < ve && buf[p] !== 0x22) p += buf[p] === 0x5c ? 2 : 1;
        p++;
      } else if (TOKEN[c] === 1 || c === 0x3b || c === 0x3d || c === SP || c === HTAB) {
        p++;
      } else {
        throw this.error('ERR_HTTP_BAD_TRANSFER_ENCODING', p, 'invalid transfer coding');
      }
    }
    return p;
  }

  private connection(head: MessageHead, buf: Buffer, vs: number, ve: number): void {
    let p = vs;
    while (p < ve) {
      while (p < ve && (buf[p] === SP || buf[p] === HTAB || buf[p] === 0x2c)) p++;
      const ts = p;
      while (p < ve && buf[p] !== 0x2c && buf[p] !== SP && buf[p] !== HTAB) p++;
      if (p === ts) break;
      if (equalsLower(buf, ts, p, TOKEN_CLOSE)) this.connClose = true;
      else if (equalsLower(buf, ts, p, TOKEN_KEEP_ALIVE)) this.connKeepAlive = true;
      else if (equalsLower(buf, ts, p, TOKEN_UPGRADE)) head.connectionUpgrade = true;
    }
  }

  private error(code: ErrorCode, k: number, message?: string): HttpCodecError {
    return new HttpCodecError(code, this.delta + k, message);
  }
}
