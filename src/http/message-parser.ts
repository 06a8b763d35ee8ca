// The incremental HTTP/1.1 message parser shared by requests and responses (RFC 9112).
//
// Feed it Buffer chunks split anywhere; it reports each message through a handler object (no
// closures): onHead once the head is complete, onBody for each run of body bytes (a view into
// the chunk, valid during the call), onComplete when the message ends. Several pipelined
// messages in one chunk are all reported in one execute() call.
//
// The head is parsed from one contiguous byte range: the chunk itself when the whole head
// arrived in one piece (no copy, the common case), else an accumulator the pieces are copied
// into. Heads stay valid until onComplete returns: when a message outlives the chunk its head
// was in, the head bytes are copied into parser-owned memory at the end of execute().
//
// Errors are thrown as HttpCodecError (a stable code + the stream byte offset); after one, the
// parser refuses more input until reset().
import { COLON, CR, FIELD_VALUE, HEX, HTAB, LF, SP, TOKEN, ascii, equalsLower } from './chars.js';
import { HttpCodecError } from './codec-error.js';
import { type HttpLeniency, type HttpLimits, Leniency, type ParserOptions, resolveLimits } from './limits.js';
import { BodyKind, type MessageHead } from './message-head.js';

export const enum State {
  Head = 0,
  Length = 1,
  ChunkSize = 2,
  ChunkSizeWs = 3,
  ChunkExt = 4,
  ChunkSizeLf = 5,
  ChunkData = 6,
  ChunkDataCr = 7,
  ChunkDataLf = 8,
  Trailers = 9,
  Eof = 10,
  Upgraded = 11,
  Error = 12,
}

/** What a parser reports to. Implemented by a long-lived object (a connection), not closures. */
export interface ParserHandler<H extends MessageHead> {
  /**
   * The head is complete. Return 0 to go on; return SKIP_BODY (responses) when the message
   * cannot have a body whatever its headers say (the answer to a HEAD request).
   */
  onHead(head: H): number;
  /** A run of body bytes: buf[start, end). A view, valid only during this call. */
  onBody(buf: Buffer, start: number, end: number): void;
  /** The message is complete (trailers, if any, are in head.trailers). */
  onComplete(head: H): void;
}

export const SKIP_BODY = 1;

const NAME_CONTENT_LENGTH = ascii('content-length');
const NAME_TRANSFER_ENCODING = ascii('transfer-encoding');
const NAME_CONNECTION = ascii('connection');
const NAME_HOST = ascii('host');
const NAME_EXPECT = ascii('expect');
const TOKEN_CHUNKED = ascii('chunked');
const TOKEN_CLOSE = ascii('close');
const TOKEN_KEEP_ALIVE = ascii('keep-alive');
const TOKEN_UPGRADE = ascii('upgrade');
const TOKEN_100_CONTINUE = ascii('100-continue');

/** Most leading empty lines skipped before a start line (RFC 9112 2.2 robustness). */
const MAX_LEADING_EMPTY = 16;
/** Most significant hex digits in a chunk size (16^13 = 2^52: exact in a double). */
const MAX_CHUNK_SIZE_DIGITS = 13;
/** Most digits in a Content-Length (under 2^53). */
const MAX_CONTENT_LENGTH_DIGITS = 15;
/** Most characters of a chunk size, leading zeros included. */
const MAX_CHUNK_SIZE_CHARS = 32;

// Where a chunk-extension scan is (RFC 9112 7.1.1):
//   chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
//   chunk-ext-name = token; chunk-ext-val = token / quoted-string
// BWS is allowed only where the grammar puts it: before ';' and '=', after them; never before
// the CRLF that ends the line.
const EXT_BEFORE_NAME = 0; // after ';' (BWS, then a name is required)
const EXT_NAME = 1;
const EXT_AFTER_NAME_WS = 2; // BWS after a name: '=' or ';' must follow
const EXT_BEFORE_VALUE = 3; // after '=' (BWS, then a value is required)
const EXT_TOKEN_VALUE = 4;
const EXT_QUOTED = 5;
const EXT_QUOTED_ESC = 6;
const EXT_AFTER_QUOTE = 7; // right after a closing quote: ';', BWS or the line end
const EXT_AFTER_VALUE_WS = 8; // BWS after a value: ';' must follow

/** qdtext (RFC 9110 5.6.4): HTAB, SP, %x21, %x23-5B, %x5D-7E, obs-text. */
function isQdText(c: number): boolean {
  return c === HTAB || c === SP || c === 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || c >= 0x80;
}
/** What may follow a backslash in a quoted-pair: HTAB, SP, VCHAR, obs-text. */
function isQuotedPairChar(c: number): boolean {
  return c === HTAB || c === SP || (c >= 0x21 && c <= 0x7e) || c >= 0x80;
}

const EMPTY = Buffer.alloc(0);
/** Thrown (never escapes) when an in-place head parse reaches the end of the chunk. */
const INCOMPLETE: unknown = Object.freeze({ incomplete: true });

export abstract class MessageParser<H extends MessageHead> {
  readonly head: H;
  readonly limits: HttpLimits;
  readonly lenient: Readonly<HttpLeniency>;
  /** How often each relaxed check fired (index: Leniency). Never silent. */
  readonly leniencyCounts = new Uint32Array(6);
  /** Messages completed since construction or reset(). */
  messages = 0;

  protected handler: ParserHandler<H>;
  protected state: State = State.Head;
  /** Stream offset of the current chunk's first byte. */
  protected chunkBase = 0;
  /** Total bytes consumed before the current chunk. */
  protected total = 0;

  // --- section (head or trailers) collection
  private headAcc: Buffer = EMPTY;
  private trailerAcc: Buffer = EMPTY;
  private owned: Buffer = EMPTY;
  private secLen = 0;
  private lineLen = 0;
  private lastByte = 0;
  private firstLineDone = false;
  private leadingSkipped = 0;
  protected secBuf: Buffer = EMPTY;
  protected secStart = 0;
  protected secEnd = 0;
  protected secStreamStart = 0;
  /** End of the bytes available to the head parse (the chunk's end when parsing in place). */
  private limit = 0;
  /** Heads are parsed in place only when no leniency is on (leniency counts must not double). */
  private readonly inPlace: boolean;

  // --- body
  private remaining = 0;
  private chunkDigits = 0;
  private sizeChars = 0;
  private extBytes = 0;
  private extState = EXT_BEFORE_NAME;
  private headInChunk = false;
  /** Stream offset where the current body began (wire-byte limit of chunked bodies). */
  private bodyStart = 0;
  private chunkCount = 0;
  /** The handler asked (from onComplete) that execute() return before the next message. */
  private suspendAsked = false;

  // --- start-line prefix check (a start line still arriving is checked byte by byte)
  /** Which part of the start line the prefix scan is in (subclass-defined). */
  protected slPhase = 0;
  /** Bytes of that part seen so far. */
  protected slCount = 0;

  // --- header semantics gathered while parsing fields
  protected clSeen = false;

  constructor(head: H, handler: ParserHandler<H>, options?: ParserOptions) {
    this.head = head;
    this.handler = handler;
    this.limits = resolveLimits(options?.limits);
    this.lenient = Object.freeze({ ...(options?.lenient ?? {}) });
    this.inPlace = !Object.values(this.lenient).some(Boolean);
  }

  /** Bytes consumed since construction or reset(). */
  get bytesConsumed(): number {
    return this.total;
  }

  /** True between messages: nothing of a next message has arrived yet. */
  get idle(): boolean {
    return this.state === State.Head && this.secLen === 0 && this.lineLen === 0;
  }

  get upgraded(): boolean {
    return this.state === State.Upgraded;
  }

  /** Forgets all state, ready for a new connection. Keeps the buffers it grew. */
  reset(handler?: ParserHandler<H>): void {
    if (handler !== undefined) this.handler = handler;
    this.state = State.Head;
    this.total = 0;
    this.messages = 0;
    this.leniencyCounts.fill(0);
    this.startMessage();
  }

  /**
   * Parses a chunk. Returns the bytes consumed: all of them, except after an upgrade (101 or
   * CONNECT success), where the rest belongs to the new protocol. Throws HttpCodecError.
   */
  execute(chunk: Buffer): number {
    if (this.state >= State.Upgraded) {
      if (this.state === State.Upgraded) return 0;
      throw new HttpCodecError('ERR_HTTP_PARSER_STATE', this.total);
    }
    this.chunkBase = this.total;
    const end = chunk.length;
    let pos = 0;
    try {
      while (pos < end) {
        if (this.suspendAsked) {
          // Between messages, at the handler's request: the rest is the caller's to hand back.
          this.suspendAsked = false;
          this.total += pos;
          return pos;
        }
        switch (this.state) {
          case State.Head:
          case State.Trailers:
            pos = this.onSectionBytes(chunk, pos, end);
            break;
          case State.Length: {
            const r = this.remaining;
            const n = end - pos < r ? end - pos : r;
            this.head.bodyBytes += n;
            this.handler.onBody(chunk, pos, pos + n);
            pos += n;
            this.remaining = r - n;
            if (r === n) this.complete();
            break;
          }
          case State.ChunkData: {
            const r = this.remaining;
            const n = end - pos < r ? end - pos : r;
            this.handler.onBody(chunk, pos, pos + n);
            pos += n;
            this.remaining = r - n;
            if (r === n) this.state = State.ChunkDataCr;
            break;
          }
          case State.Eof: {
            this.addBody(end - pos, pos);
            this.handler.onBody(chunk, pos, end);
            pos = end;
            break;
          }
          case State.Upgraded:
            this.total += pos;
            this.ownHeadIfNeeded(chunk);
            return pos;
          default:
            pos = this.chunkLine(chunk, pos, end);
        }
      }
    } catch (err) {
      this.state = State.Error;
      throw err;
    }
    this.suspendAsked = false;
    this.total += end;
    if (this.headInChunk) this.ownHeadIfNeeded(chunk);
    return end;
  }

  /**
   * Called from onComplete: execute() returns before parsing the next message, with the bytes
   * it consumed so far; the caller keeps the rest and passes it to execute() later. (A server
   * stops reading pipelined requests this way while their answers cannot be sent.)
   */
  suspend(): void {
    this.suspendAsked = true;
  }

  /**
   * The peer closed the connection. Completes a close-delimited body; throws
   * ERR_HTTP_UNEXPECTED_EOF when a message was cut short. Returns true when a message completed.
   */
  finish(): boolean {
    if (this.state === State.Eof) {
      this.complete();
      this.state = State.Upgraded; // nothing more may follow a close
      return true;
    }
    if (this.state === State.Upgraded || this.idle) return false;
    if (this.state === State.Error) return false;
    this.state = State.Error;
    throw new HttpCodecError('ERR_HTTP_UNEXPECTED_EOF', this.total, 'connection closed inside a message');
  }

  // ---------------------------------------------------------------- subclass hooks

  /** Parses the start line in secBuf[start, end) (CR/LF excluded). */
  protected abstract parseStartLine(buf: Buffer, start: number, end: number): void;
  /** Decides framing after the head, calls the handler, returns nothing; sets this.state. */
  protected abstract afterHead(): void;
  /** Called for each field after it is stored; index into head.headers. */
  protected abstract onField(index: number, nameLen: number): void;
  /**
   * Checks bytes [from, to) of a start line that has not ended yet (its line end has not
   * arrived), continuing from slPhase/slCount, so that bytes that cannot start a message are
   * rejected at once instead of waiting for a line end that may never come. `base` is the
   * stream offset of buf[0]. The complete line is still checked in full by parseStartLine.
   */
  protected abstract checkStartPrefix(buf: Buffer, from: number, to: number, base: number): void;

  // ---------------------------------------------------------------- errors

  /** An error at index k of the current section buffer. */
  protected secError(code: string, k: number, message?: string): HttpCodecError {
    return new HttpCodecError(code, this.secStreamStart + (k - this.secStart), message);
  }

  protected countLenient(which: Leniency): void {
    this.leniencyCounts[which]!++;
  }

  // ---------------------------------------------------------------- sections

  private startMessage(): void {
    this.head.reset();
    this.state = State.Head;
    this.secLen = 0;
    this.lineLen = 0;
    this.firstLineDone = false;
    this.leadingSkipped = 0;
    this.clSeen = false;
    this.headInChunk = false;
    this.slPhase = 0;
    this.slCount = 0;
  }

  private onSectionBytes(chunk: Buffer, pos: number, end: number): number {
    if (this.state === State.Head && this.secLen === 0) {
      // Empty lines before a start line are skipped (a few; they count toward nothing).
      while (pos < end && (chunk[pos] === CR || chunk[pos] === LF)) {
        if (++this.leadingSkipped > MAX_LEADING_EMPTY) {
          throw new HttpCodecError('ERR_HTTP_BAD_REQUEST_LINE', this.chunkBase + pos, 'too many empty lines before the start line');
        }
        pos++;
      }
      if (pos === end) return end;
      if (this.inPlace) {
        // The common case: the whole head is in this chunk. Parse it where it lies, in one
        // pass; only when the chunk ends first are its bytes collected for a later parse.
        this.secStreamStart = this.chunkBase + pos;
        this.secBuf = chunk;
        this.secStart = pos;
        this.limit = end;
        this.headInChunk = true;
        try {
          return this.onHeadSection(true);
        } catch (x) {
          if (x !== INCOMPLETE) throw x;
          this.head.reset();
          this.headInChunk = false;
        }
      }
    }
    const e = this.collect(chunk, pos, end);
    if (e < 0) return end;
    if (this.state === State.Head) {
      this.limit = this.secEnd;
      this.onHeadSection(false);
    } else {
      this.onTrailerSection();
    }
    return e;
  }

  /**
   * Collects bytes up to and including the blank line that ends a section. Returns the index
   * after that line, with secBuf/secStart/secEnd set to the whole section; or -1 when the chunk
   * ended first (its bytes are then kept in the accumulator).
   */
  private collect(chunk: Buffer, pos: number, end: number): number {
    const inHead = this.state === State.Head;
    const maxBytes = this.limits.maxHeaderBytes;
    if (this.secLen === 0) {
      this.secStreamStart = this.chunkBase + pos;
      // Fast path for an empty trailer section (the common end of a chunked body).
      if (!inHead && chunk[pos] === CR && chunk[pos + 1] === LF) {
        this.secBuf = chunk; // no trailers
        this.secStart = pos;
        this.secEnd = pos + 2;
        return pos + 2;
      }
    }
    let i = pos;
    for (;;) {
      const lf = chunk.indexOf(LF, i);
      if (lf < 0 || lf >= end) {
        const add = end - i;
        if (add > 0) {
          this.lineLen += add;
          this.lastByte = chunk[end - 1]!;
        }
        if (inHead && !this.firstLineDone) {
          if (this.lineLen > this.limits.maxRequestLineSize + 1) {
            throw new HttpCodecError('ERR_HTTP_REQUEST_LINE_TOO_LONG', this.secStreamStart + this.limits.maxRequestLineSize);
          }
          this.checkStartPrefix(chunk, i, end, this.chunkBase);
        }
        this.append(chunk, pos, end, inHead, maxBytes);
        return -1;
      }
      const len = this.lineLen + (lf - i);
      const prev = lf > i ? chunk[lf - 1] : this.lastByte;
      if (len === 0 || (len === 1 && prev === CR)) {
        const e = lf + 1;
        if (this.secLen === 0) {
          if (e - pos > maxBytes) throw this.tooLarge(inHead, pos + maxBytes);
          this.secBuf = chunk;
          this.secStart = pos;
          this.secEnd = e;
          this.headInChunk = inHead;
        } else {
          this.append(chunk, pos, e, inHead, maxBytes);
          this.secBuf = inHead ? this.headAcc : this.trailerAcc;
          this.secStart = 0;
          this.secEnd = this.secLen;
        }
        this.lineLen = 0;
        return e;
      }
      if (inHead && !this.firstLineDone) {
        this.firstLineDone = true;
        if (len - (prev === CR ? 1 : 0) > this.limits.maxRequestLineSize) {
          throw new HttpCodecError('ERR_HTTP_REQUEST_LINE_TOO_LONG', this.secStreamStart + this.limits.maxRequestLineSize);
        }
      }
      this.lineLen = 0;
      i = lf + 1;
      if (this.secLen + (i - pos) > maxBytes) throw this.tooLarge(inHead, i);
    }
  }

  private tooLarge(inHead: boolean, k: number): HttpCodecError {
    const at = this.chunkBase + k;
    return inHead
      ? new HttpCodecError('ERR_HTTP_HEADERS_TOO_LARGE', at)
      : new HttpCodecError('ERR_HTTP_HEADERS_TOO_LARGE', at, 'trailer section exceeds the byte limit');
  }

  private append(chunk: Buffer, from: number, to: number, inHead: boolean, maxBytes: number): void {
    const n = to - from;
    const need = this.secLen + n;
    if (need > maxBytes) throw this.tooLarge(inHead, from + (maxBytes - this.secLen));
    let acc = inHead ? this.headAcc : this.trailerAcc;
    if (need > acc.length) {
      let size = acc.length === 0 ? 1024 : acc.length * 2;
      while (size < need) size *= 2;
      const grown = Buffer.allocUnsafe(Math.min(size, maxBytes));
      acc.copy(grown, 0, 0, this.secLen);
      acc = grown;
      if (inHead) this.headAcc = grown;
      else this.trailerAcc = grown;
    }
    chunk.copy(acc, this.secLen, from, to);
    this.secLen = need;
  }

  /** Keeps a head that points into the caller's chunk valid after execute() returns. */
  private ownHeadIfNeeded(chunk: Buffer): void {
    const head = this.head;
    if (!this.headInChunk || head.headers.buf !== chunk) return;
    const n = this.secEnd - this.secStart;
    if (this.owned.length < n) this.owned = Buffer.allocUnsafe(Math.max(n, 1024));
    chunk.copy(this.owned, 0, this.secStart, this.secEnd);
    head.shiftOffsets(-this.secStart);
    head.headers.buf = this.owned;
    this.secBuf = this.owned;
    this.secEnd -= this.secStart;
    this.secStart = 0;
    this.headInChunk = false;
  }

  // ---------------------------------------------------------------- head

  /**
   * Parses the head in secBuf from secStart. In place (the bytes may stop short: INCOMPLETE is
   * thrown, with no handler called, when they do) or from a collected section. Returns the
   * index after the blank line.
   */
  private onHeadSection(inPlace: boolean): number {
    const buf = this.secBuf;
    const head = this.head;
    head.headers.buf = buf;
    const start = this.secStart;
    const limit = this.limit;
    const maxLine = start + this.limits.maxRequestLineSize;
    const maxEnd = start + this.limits.maxHeaderBytes;
    // The start line: scan to its line end.
    let q = start;
    while (q < limit && buf[q] !== CR && buf[q] !== LF) q++;
    if (q > maxLine) throw this.secError('ERR_HTTP_REQUEST_LINE_TOO_LONG', maxLine);
    if (q >= limit) throw INCOMPLETE;
    this.parseStartLine(buf, start, q);
    let p = this.lineEnd(buf, q);
    // Fields, each scanned once: the value scan stops at the CR that ends the line.
    let e: number;
    for (;;) {
      if (p >= limit) throw INCOMPLETE;
      if (p > maxEnd) throw this.tooLarge(true, maxEnd);
      const c = buf[p];
      if (c === CR || c === LF) {
        e = this.lineEnd(buf, p);
        break;
      }
      p = c === SP || c === HTAB ? this.obsFold(buf, p) : this.parseField(buf, p, false);
    }
    if (e - start > this.limits.maxHeaderBytes) throw this.tooLarge(true, maxEnd);
    if (inPlace) this.secEnd = e;
    else if (e !== this.secEnd) throw this.secError('ERR_HTTP_BAD_LINE_ENDING', p);
    head.headBytes = e - start;
    this.afterHead();
    return e;
  }

  /** Checks the line end at q (CRLF, or bare LF when lenient); returns the next line's start. */
  private lineEnd(buf: Buffer, q: number): number {
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
  private parseField(buf: Buffer, ls: number, trailer: boolean): number {
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
  private obsFold(buf: Buffer, ls: number): number {
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

  // ---------------------------------------------------------------- shared field semantics

  /**
   * Applies the framing fields every message shares (Content-Length, Transfer-Encoding,
   * Connection). Returns true when the field was one of them.
   */
  protected commonField(index: number, nameLen: number): boolean {
    const h = this.head.headers;
    const o = h.offsets;
    const ns = o[index * 4]!;
    const ne = o[index * 4 + 1]!;
    const vs = o[index * 4 + 2]!;
    const ve = o[index * 4 + 3]!;
    const buf = h.buf;
    if (nameLen === 14 && equalsLower(buf, ns, ne, NAME_CONTENT_LENGTH)) {
      this.contentLengthField(buf, vs, ve);
      return true;
    }
    if (nameLen === 17 && equalsLower(buf, ns, ne, NAME_TRANSFER_ENCODING)) {
      this.transferEncodingField(buf, vs, ve);
      return true;
    }
    if (nameLen === 10 && equalsLower(buf, ns, ne, NAME_CONNECTION)) {
      this.connectionField(buf, vs, ve);
      return true;
    }
    return false;
  }

  protected isField(index: number, lower: Uint8Array): boolean {
    return this.head.headers.nameIs(index, lower);
  }

  static readonly HOST = NAME_HOST;
  static readonly EXPECT = NAME_EXPECT;
  static readonly CONTINUE = TOKEN_100_CONTINUE;

  private contentLengthField(buf: Buffer, vs: number, ve: number): void {
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
      if (p === ds) throw this.secError('ERR_HTTP_BAD_CONTENT_LENGTH', ds, 'Content-Length is not a number');
      if (p - ds > MAX_CONTENT_LENGTH_DIGITS) throw this.secError('ERR_HTTP_BAD_CONTENT_LENGTH', ds, 'Content-Length overflows');
      while (p < ve && (buf[p] === SP || buf[p] === HTAB)) p++;
      if (p < ve && buf[p] !== 0x2c) throw this.secError('ERR_HTTP_BAD_CONTENT_LENGTH', p, 'Content-Length is not a number');
      if (this.clSeen && v !== this.head.contentLength) {
        throw this.secError('ERR_HTTP_DUP_CONTENT_LENGTH', ds);
      }
      this.clSeen = true;
      this.head.contentLength = v;
      if (p >= ve) return;
      p++; // the comma
    }
  }

  /** Number of transfer codings seen and whether 'chunked' was seen before the last one. */
  protected teCodings = 0;
  protected teChunkedNotLast = false;

  private transferEncodingField(buf: Buffer, vs: number, ve: number): void {
    const head = this.head;
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
      if (p === ts) throw this.secError('ERR_HTTP_BAD_TRANSFER_ENCODING', p, 'invalid transfer coding');
      if (head.chunked) this.teChunkedNotLast = true; // a coding after chunked
      head.chunked = equalsLower(buf, ts, p, TOKEN_CHUNKED);
      this.teCodings++;
      // skip parameters: ; name=value (token or quoted)
      while (p < ve && buf[p] !== 0x2c) {
        const c = buf[p]!;
        if (c === 0x22) {
          p++;
          while (p < ve && buf[p] !== 0x22) p += buf[p] === 0x5c ? 2 : 1;
          p++;
        } else if (TOKEN[c] === 1 || c === 0x3b || c === 0x3d || c === SP || c === HTAB) {
          p++;
        } else {
          throw this.secError('ERR_HTTP_BAD_TRANSFER_ENCODING', p, 'invalid transfer coding');
        }
      }
    }
  }

  private connectionField(buf: Buffer, vs: number, ve: number): void {
    let p = vs;
    while (p < ve) {
      while (p < ve && (buf[p] === SP || buf[p] === HTAB || buf[p] === 0x2c)) p++;
      const ts = p;
      while (p < ve && buf[p] !== 0x2c && buf[p] !== SP && buf[p] !== HTAB) p++;
      if (p === ts) break;
      if (equalsLower(buf, ts, p, TOKEN_CLOSE)) this.connClose = true;
      else if (equalsLower(buf, ts, p, TOKEN_KEEP_ALIVE)) this.connKeepAlive = true;
      else if (equalsLower(buf, ts, p, TOKEN_UPGRADE)) this.head.connectionUpgrade = true;
    }
  }

  protected connClose = false;
  protected connKeepAlive = false;

  /** Resets the per-message field flags; called from parseStartLine implementations. */
  protected beginFields(): void {
    this.clSeen = false;
    this.connClose = false;
    this.connKeepAlive = false;
    this.teCodings = 0;
    this.teChunkedNotLast = false;
  }

  /** Keep-alive per RFC 9112 9.3: 1.1 persists unless close; 1.0 only with keep-alive. */
  protected decideKeepAlive(): void {
    const head = this.head;
    head.keepAlive = head.versionMinor === 1 ? !this.connClose : this.connKeepAlive && !this.connClose;
  }

  // ---------------------------------------------------------------- body

  /** Enters the body state the framing calls for; completes at once when there is none. */
  protected startBody(kind: BodyKind): void {
    const head = this.head;
    head.bodyKind = kind;
    switch (kind) {
      case BodyKind.None:
        this.complete();
        return;
      case BodyKind.Length:
        if (head.contentLength === 0) {
          head.bodyKind = BodyKind.None;
          this.complete();
          return;
        }
        if (head.contentLength > this.limits.maxBodySize) {
          throw new HttpCodecError('ERR_HTTP_BODY_TOO_LARGE', this.secStreamStart + head.headBytes, `body of ${head.contentLength} bytes exceeds the limit of ${this.limits.maxBodySize}`);
        }
        this.remaining = head.contentLength;
        this.state = State.Length;
        return;
      case BodyKind.Chunked:
        this.bodyStart = this.secStreamStart + head.headBytes;
        this.chunkCount = 0;
        this.nextChunk();
        return;
      case BodyKind.Eof:
        head.keepAlive = false;
        this.state = State.Eof;
        return;
    }
  }

  private addBody(n: number, at: number): void {
    const total = this.head.bodyBytes + n;
    if (total > this.limits.maxBodySize) {
      throw new HttpCodecError('ERR_HTTP_BODY_TOO_LARGE', this.chunkBase + at, `body exceeds the limit of ${this.limits.maxBodySize} bytes`);
    }
    this.head.bodyBytes = total;
  }

  /** The chunk-size line and the CRLF after chunk data, a byte at a time (they are short). */
  private chunkLine(chunk: Buffer, pos: number, end: number): number {
    while (pos < end) {
      const c = chunk[pos]!;
      switch (this.state) {
        case State.ChunkSize: {
          const v = HEX[c]!;
          if (v !== 0) {
            if (++this.sizeChars > MAX_CHUNK_SIZE_CHARS) {
              throw new HttpCodecError('ERR_HTTP_BAD_CHUNK_SIZE', this.chunkBase + pos, 'chunk size too long');
            }
            // Leading zeros do not count toward the overflow limit.
            if ((this.chunkDigits > 0 || v !== 1) && ++this.chunkDigits > MAX_CHUNK_SIZE_DIGITS) {
              throw new HttpCodecError('ERR_HTTP_BAD_CHUNK_SIZE', this.chunkBase + pos, 'chunk size overflows');
            }
            this.remaining = this.remaining * 16 + (v - 1);
            pos++;
            continue;
          }
          if (this.sizeChars === 0) throw new HttpCodecError('ERR_HTTP_BAD_CHUNK_SIZE', this.chunkBase + pos);
          this.extState = EXT_BEFORE_NAME;
          this.extBytes = 0;
          if (c === CR) this.state = State.ChunkSizeLf;
          else if (c === 0x3b) this.state = State.ChunkExt;
          else if (c === SP || c === HTAB) this.state = State.ChunkSizeWs;
          else if (c === LF) {
            this.bareLfInChunk(pos);
            this.endChunkSizeLine(pos);
            return pos + 1;
          } else throw new HttpCodecError('ERR_HTTP_BAD_CHUNK_SIZE', this.chunkBase + pos);
          pos++;
          continue;
        }
        case State.ChunkSizeWs:
          // BWS before ';' only: "1a ;ext" is valid, "1a \r\n" and "1 a" are not.
          if (c === 0x3b) this.state = State.ChunkExt;
          else if (c !== SP && c !== HTAB) throw new HttpCodecError('ERR_HTTP_BAD_CHUNK_SIZE', this.chunkBase + pos);
          if (++this.extBytes > this.limits.maxChunkExtensionSize) {
            throw new HttpCodecError('ERR_HTTP_BAD_CHUNK_EXTENSION', this.chunkBase + pos);
          }
          pos++;
          continue;
        case State.ChunkExt:
          pos = this.chunkExt(chunk, pos, end);
          continue;
        case State.ChunkSizeLf:
          if (c !== LF) throw new HttpCodecError('ERR_HTTP_BAD_CHUNK_SIZE', this.chunkBase + pos, 'chunk size line not ended by CRLF');
          this.endChunkSizeLine(pos);
          pos++;
          return pos;
        case State.ChunkDataCr:
          if (c === CR) {
            this.state = State.ChunkDataLf;
            pos++;
            continue;
          }
          if (c === LF && this.lenient.bareLf) {
            this.countLenient(Leniency.BareLf);
            this.nextChunk();
            return pos + 1;
          }
          throw new HttpCodecError('ERR_HTTP_BAD_CHUNK_DELIMITER', this.chunkBase + pos);
        case State.ChunkDataLf:
          if (c !== LF) throw new HttpCodecError('ERR_HTTP_BAD_CHUNK_DELIMITER', this.chunkBase + pos);
          this.nextChunk();
          return pos + 1;
        default:
          return pos;
      }
    }
    return pos;
  }

  private bareLfInChunk(pos: number): void {
    if (!this.lenient.bareLf) throw new HttpCodecError('ERR_HTTP_BAD_LINE_ENDING', this.chunkBase + pos, 'bare LF after a chunk size');
    this.countLenient(Leniency.BareLf);
  }

  /** The chunk extensions after the size, to the line end, by the grammar above (EXT_*). */
  private chunkExt(chunk: Buffer, pos: number, end: number): number {
    const max = this.limits.maxChunkExtensionSize;
    let st = this.extState;
    while (pos < end) {
      const c = chunk[pos]!;
      if (++this.extBytes > max) throw new HttpCodecError('ERR_HTTP_BAD_CHUNK_EXTENSION', this.chunkBase + pos, 'chunk extension too long');
      let ok = true;
      let lineEnd = false;
      switch (st) {
        case EXT_BEFORE_NAME:
          if (TOKEN[c] === 1) st = EXT_NAME;
          else ok = c === SP || c === HTAB;
          break;
        case EXT_NAME:
          if (TOKEN[c] === 1) break;
          if (c === 0x3d) st = EXT_BEFORE_VALUE;
          else if (c === 0x3b) st = EXT_BEFORE_NAME;
          else if (c === SP || c === HTAB) st = EXT_AFTER_NAME_WS;
          else if (c === CR || c === LF) lineEnd = true;
          else ok = false;
          break;
        case EXT_AFTER_NAME_WS:
          if (c === 0x3d) st = EXT_BEFORE_VALUE;
          else if (c === 0x3b) st = EXT_BEFORE_NAME;
          else ok = c === SP || c === HTAB;
          break;
        case EXT_BEFORE_VALUE:
          if (TOKEN[c] === 1) st = EXT_TOKEN_VALUE;
          else if (c === 0x22) st = EXT_QUOTED;
          else ok = c === SP || c === HTAB;
          break;
        case EXT_TOKEN_VALUE:
          if (TOKEN[c] === 1) break;
          if (c === 0x3b) st = EXT_BEFORE_NAME;
          else if (c === SP || c === HTAB) st = EXT_AFTER_VALUE_WS;
          else if (c === CR || c === LF) lineEnd = true;
          else ok = false;
          break;
        case EXT_QUOTED:
          if (c === 0x22) st = EXT_AFTER_QUOTE;
          else if (c === 0x5c) st = EXT_QUOTED_ESC;
          else ok = isQdText(c);
          break;
        case EXT_QUOTED_ESC:
          ok = isQuotedPairChar(c);
          st = EXT_QUOTED;
          break;
        case EXT_AFTER_QUOTE:
          if (c === 0x3b) st = EXT_BEFORE_NAME;
          else if (c === SP || c === HTAB) st = EXT_AFTER_VALUE_WS;
          else if (c === CR || c === LF) lineEnd = true;
          else ok = false;
          break;
        default: // EXT_AFTER_VALUE_WS
          if (c === 0x3b) st = EXT_BEFORE_NAME;
          else ok = c === SP || c === HTAB;
      }
      if (!ok) {
        const what = c === CR || c === LF ? 'chunk extension ends without a name or value' : 'invalid character in a chunk extension';
        throw new HttpCodecError('ERR_HTTP_BAD_CHUNK_EXTENSION', this.chunkBase + pos, what);
      }
      if (lineEnd) {
        if (c === CR) {
          this.state = State.ChunkSizeLf;
        } else {
          this.bareLfInChunk(pos);
          this.endChunkSizeLine(pos);
        }
        return pos + 1;
      }
      pos++;
    }
    this.extState = st;
    return pos;
  }

  /**
   * The chunk-size line ended at pos (its LF). The body limit counts wire bytes: everything from
   * the end of the head through this line, plus the data and CRLF it announces. So a body is cut
   * at most one chunk-size line past the limit, whatever the chunk sizes.
   */
  private endChunkSizeLine(pos: number): void {
    const size = this.remaining;
    const wire = this.chunkBase + pos + 1 - this.bodyStart + (size === 0 ? 0 : size + 2);
    const max = this.limits.maxBodySize;
    if (wire > max) {
      throw new HttpCodecError('ERR_HTTP_BODY_TOO_LARGE', this.chunkBase + pos, `chunked body exceeds the limit of ${max} bytes on the wire`);
    }
    if (size === 0) {
      this.state = State.Trailers;
      this.secLen = 0;
      this.lineLen = 0;
      return;
    }
    if (++this.chunkCount > this.limits.maxChunkCount) {
      throw new HttpCodecError('ERR_HTTP_TOO_MANY_CHUNKS', this.chunkBase + pos, `chunked body has more than ${this.limits.maxChunkCount} chunks`);
    }
    this.head.bodyBytes += size;
    this.state = State.ChunkData;
  }

  private nextChunk(): void {
    this.state = State.ChunkSize;
    this.remaining = 0;
    this.chunkDigits = 0;
    this.sizeChars = 0;
    this.extBytes = 0;
    this.extState = EXT_BEFORE_NAME;
  }

  private onTrailerSection(): void {
    const buf = this.secBuf;
    this.limit = this.secEnd; // a collected section: complete, the bounds checks never fire
    this.head.trailers.buf = buf;
    let p = this.secStart;
    for (;;) {
      const c = buf[p];
      if (c === CR || c === LF) break;
      if (c === SP || c === HTAB) throw this.secError('ERR_HTTP_OBS_FOLD', p, 'obs-fold in a trailer');
      p = this.parseField(buf, p, true);
    }
    if (this.lineEnd(buf, p) !== this.secEnd) throw this.secError('ERR_HTTP_BAD_LINE_ENDING', p);
    this.complete();
  }

  protected complete(): void {
    this.messages++;
    const head = this.head;
    this.handler.onComplete(head);
    if (this.state === State.Upgraded) return;
    if (!head.keepAlive && head.bodyKind === BodyKind.Eof) {
      this.state = State.Upgraded; // a close-delimited message ends the stream
      return;
    }
    this.startMessage();
  }

  /** Drops the current head and waits for another (after an interim response). */
  protected restartMessage(): void {
    this.startMessage();
  }

  /** Ends parsing: whatever follows belongs to another protocol (101, CONNECT). */
  protected upgrade(): void {
    this.state = State.Upgraded;
  }

  /** Whether any head bytes of a message are buffered (for diagnostics). */
  get pendingHeadBytes(): number {
    return this.secLen;
  }
}
