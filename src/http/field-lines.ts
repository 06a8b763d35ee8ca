// The field-line grammar of HTTP/1.1 (RFC 9112 5, RFC 9110 5.5) over one contiguous section of
// bytes: line ends, field names and values, obs-fold. The message parser extends it and decides
// where a section lies (in the caller's chunk, or collected from several) and what it means.
//
// A section parsed in place may stop short of its end: a scan that reaches `limit` throws
// INCOMPLETE (never escapes the parser; the bytes are then collected and parsed again whole).
import type { ErrorCode } from '../core/errors.js';
import { COLON, CR, FIELD_VALUE, HTAB, LF, SP, TOKEN } from './chars.js';
import { HttpCodecError } from './codec-error.js';
import { type HttpLeniency, type HttpLimits, Leniency, type ParserOptions, resolveLimits } from './limits.js';
import type { MessageHead } from './message-head.js';

/** Thrown (never escapes the parser) when an in-place parse reaches the end of the chunk. */
export const INCOMPLETE: unknown = Object.freeze({ incomplete: true });

const EMPTY = Buffer.alloc(0);

export abstract class FieldLineParser<H extends MessageHead> {
  readonly head: H;
  readonly limits: HttpLimits;
  readonly lenient: Readonly<HttpLeniency>;
  /** How often each relaxed check fired (index: Leniency). Never silent. */
  readonly leniencyCounts = new Uint32Array(6);

  /** The section being parsed: secBuf[secStart, secEnd), starting at stream offset secStreamStart. */
  protected secBuf: Buffer = EMPTY;
  protected secStart = 0;
  protected secEnd = 0;
  protected secStreamStart = 0;
  /** End of the bytes available to the parse (the chunk's end when parsing in place). */
  protected limit = 0;

  constructor(head: H, options?: ParserOptions) {
    this.head = head;
    this.limits = resolveLimits(options?.limits);
    this.lenient = Object.freeze({ ...(options?.lenient ?? {}) });
  }

  /** An error at index k of the current section buffer. */
  protected secError(code: ErrorCode, k: number, message?: string): HttpCodecError {
    return new HttpCodecError(code, this.secStreamStart + (k - this.secStart), message);
  }

  protected countLenient(which: Leniency): void {
    this.leniencyCounts[which]!++;
  }

  /** Called for each field after it is stored; index into head.headers. */
  protected abstract onField(index: number, nameLen: number): void;

  /** Checks the line end at q (CRLF, or bare LF when lenient); returns the next line's start. */
  protected lineEnd(buf: Buffer, q: number): number {
    if (buf[q] === CR) {
      if (buf[q + 1] === LF) return q + 2;
      if (q + 1 >= this.limit) throw INCOMPLETE;
      throw this.secError('ERR_HTTP_BAD_LINE_ENDING', q, 'bare CR where CRLF is required');
    }
    if (buf[q] === LF) {
      if (this.lenient.bareLf) {
        this.countLenient(Leniency.BareLf);
        return q + 1;
      }
      throw this.secError('ERR_HTTP_BAD_LINE_ENDING', q, 'bare LF where CRLF is required');
    }
    throw this.secError('ERR_HTTP_BAD_LINE_ENDING', q);
  }

  /** Scans a field value from p to its line end; returns the CR/LF position. */
  private scanValue(buf: Buffer, p: number): number {
    for (;;) {
      const c = buf[p]!;
      if (FIELD_VALUE[c] === 1) {
        p++;
        continue;
      }
      if (c === CR || c === LF) return p;
      if (p >= this.limit) throw INCOMPLETE;
      if (c === 0 || !this.lenient.headerValueChars) throw this.secError('ERR_HTTP_BAD_HEADER_CHAR', p);
      this.countLenient(Leniency.HeaderValueChars);
      p++;
    }
  }

  /** Parses one field line starting at ls into headers (or trailers); returns the next line's start. */
  protected parseField(buf: Buffer, ls: number, trailer: boolean): number {
    let p = ls;
    while (TOKEN[buf[p]!] === 1) p++;
    const nameEnd = p;
    if (p === ls) throw this.secError('ERR_HTTP_BAD_HEADER_NAME', ls, 'empty or invalid header name');
    let c = buf[p]!;
    if (c !== COLON) {
      if (p >= this.limit) throw INCOMPLETE;
      if (c === CR || c === LF) throw this.secError('ERR_HTTP_BAD_HEADER_NAME', p, 'header line without a colon');
      if (c !== SP && c !== HTAB) throw this.secError('ERR_HTTP_BAD_HEADER_NAME', p);
      let q = p;
      while (buf[q] === SP || buf[q] === HTAB) q++;
      if (q >= this.limit) throw INCOMPLETE;
      if (buf[q] !== COLON) throw this.secError('ERR_HTTP_BAD_HEADER_NAME', p);
      if (!this.lenient.spaceBeforeColon || trailer) throw this.secError('ERR_HTTP_SPACE_BEFORE_COLON', p);
      this.countLenient(Leniency.SpaceBeforeColon);
      p = q;
    }
    p++;
    while ((c = buf[p]!) === SP || c === HTAB) p++;
    const vs = p;
    const ce = this.scanValue(buf, p);
    let ve = ce;
    while (ve > vs && ((c = buf[ve - 1]!) === SP || c === HTAB)) ve--;
    const list = trailer ? this.head.trailers : this.head.headers;
    if (list.count >= this.limits.maxHeaderCount) throw this.secError('ERR_HTTP_TOO_MANY_HEADERS', ls);
    list.push(ls, nameEnd, vs, ve);
    if (!trailer) this.onField(list.count - 1, nameEnd - ls);
    return this.lineEnd(buf, ce);
  }

  /** obs-fold: a continuation line. Rejected unless lenient; then folded in place to spaces. */
  protected obsFold(buf: Buffer, ls: number): number {
    if (!this.lenient.obsFold) throw this.secError('ERR_HTTP_OBS_FOLD', ls);
    const headers = this.head.headers;
    if (headers.count === 0) throw this.secError('ERR_HTTP_OBS_FOLD', ls, 'continuation line before any field');
    this.countLenient(Leniency.ObsFold);
    const ce = this.scanValue(buf, ls);
    const next = this.lineEnd(buf, ce);
    // RFC 9112 5.2: replace each obs-fold with SP. The previous line's CRLF becomes spaces.
    buf[ls - 1] = SP;
    if (buf[ls - 2] === CR) buf[ls - 2] = SP;
    let ve = ce;
    while (ve > ls && (buf[ve - 1] === SP || buf[ve - 1] === HTAB)) ve--;
    if (ve > ls) headers.offsets[(headers.count - 1) * 4 + 3] = ve;
    return next;
  }
}
