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
//
// The parts it drives, each its own file: FieldLineParser (field-lines.ts, the base class: the
// field-line grammar over one section), FramingFields (Content-Length, Transfer-Encoding,
// Connection), ChunkedReader (a chunked body through its last chunk). It keeps the rest: where
// a section lies and how it is collected, the body framing states, and message completion.
import { CR, HTAB, LF, SP, ascii } from './chars.js';
import { ChunkState, ChunkedReader } from './chunked-reader.js';
import { HttpCodecError } from './codec-error.js';
import { FramingFields } from './framing-fields.js';
import { FieldLineParser, INCOMPLETE } from './field-lines.js';
import type { ParserOptions } from './limits.js';
import { BodyKind, type MessageHead } from './message-head.js';

export const enum State {
  Head = 0,
  Length = 1,
  /** Inside a chunked body, through its last-chunk line (the ChunkedReader's part). */
  Chunked = 2,
  Trailers = 3,
  Eof = 4,
  Upgraded = 5,
  Error = 6,
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

const NAME_HOST = ascii('host');
const NAME_EXPECT = ascii('expect');
const TOKEN_100_CONTINUE = ascii('100-continue');

/** Most leading empty lines skipped before a start line (RFC 9112 2.2 robustness). */
const MAX_LEADING_EMPTY = 16;

const EMPTY = Buffer.alloc(0);

export abstract class MessageParser<H extends MessageHead> extends FieldLineParser<H> {
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
  /** Heads are parsed in place only when no leniency is on (leniency counts must not double). */
  private readonly inPlace: boolean;

  // --- body
  private remaining = 0;
  private headInChunk = false;
  /** Decodes chunked bodies; one per parser, rewound per body. */
  private readonly chunked: ChunkedReader;
  /** The handler asked (from onComplete) that execute() return before the next message. */
  private suspendAsked = false;

  // --- start-line prefix check (a start line still arriving is checked byte by byte)
  /** Which part of the start line the prefix scan is in (subclass-defined). */
  protected slPhase = 0;
  /** Bytes of that part seen so far. */
  protected slCount = 0;

  /** Content-Length, Transfer-Encoding and Connection as parsed; rewound per message. */
  protected readonly framing = new FramingFields();

  constructor(head: H, handler: ParserHandler<H>, options?: ParserOptions) {
    super(head, options);
    this.handler = handler;
    this.inPlace = !Object.values(this.lenient).some(Boolean);
    this.chunked = new ChunkedReader(head, this.limits, this.lenient, this.leniencyCounts);
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
          case State.Chunked:
            pos = this.chunked.read(chunk, pos, end, this.chunkBase, this.handler);
            if (this.chunked.state === ChunkState.Done) this.startTrailers();
            break;
          case State.Eof: {
            this.addBody(end - pos, pos);
            this.handler.onBody(chunk, pos, end);
            pos = end;
            break;
          }
          default: // State.Upgraded
            this.total += pos;
            this.ownHeadIfNeeded(chunk);
            return pos;
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
  /**
   * Checks bytes [from, to) of a start line that has not ended yet (its line end has not
   * arrived), continuing from slPhase/slCount, so that bytes that cannot start a message are
   * rejected at once instead of waiting for a line end that may never come. `base` is the
   * stream offset of buf[0]. The complete line is still checked in full by parseStartLine.
   */
  protected abstract checkStartPrefix(buf: Buffer, from: number, to: number, base: number): void;

  // ---------------------------------------------------------------- sections

  private startMessage(): void {
    this.head.reset();
    this.state = State.Head;
    this.secLen = 0;
    this.lineLen = 0;
    this.firstLineDone = false;
    this.leadingSkipped = 0;
    this.framing.clSeen = false;
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

  // ---------------------------------------------------------------- shared field semantics

  /**
   * Applies the framing fields every message shares (Content-Length, Transfer-Encoding,
   * Connection). Returns true when the field was one of them.
   */
  protected commonField(index: number, nameLen: number): boolean {
    return this.framing.apply(this.head, index, nameLen, this.secStreamStart - this.secStart);
  }

  protected isField(index: number, lower: Uint8Array): boolean {
    return this.head.headers.nameIs(index, lower);
  }

  static readonly HOST = NAME_HOST;
  static readonly EXPECT = NAME_EXPECT;
  static readonly CONTINUE = TOKEN_100_CONTINUE;

  /** Resets the per-message field flags; called from parseStartLine implementations. */
  protected beginFields(): void {
    this.framing.begin();
  }

  /** Keep-alive per RFC 9112 9.3: 1.1 persists unless close; 1.0 only with keep-alive. */
  protected decideKeepAlive(): void {
    this.head.keepAlive = this.framing.keepAlive(this.head.versionMinor);
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
        this.chunked.begin(this.secStreamStart + head.headBytes);
        this.state = State.Chunked;
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

  /** The last-chunk line was read: the trailer section follows. */
  private startTrailers(): void {
    this.state = State.Trailers;
    this.secLen = 0;
    this.lineLen = 0;
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
