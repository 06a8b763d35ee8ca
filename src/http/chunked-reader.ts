// Chunked transfer coding for what we receive (RFC 9112 7.1): the chunk-size lines, their
// extensions, the chunk data and the CRLF after it, up to and including the last-chunk line.
// The trailer section that follows is the message parser's (it shares the head's field grammar).
//
// One reader lives in each parser and is reused for every chunked body (begin() rewinds it):
// no objects or closures per chunk. read() takes bytes split anywhere; data runs are reported
// to the sink as views into the caller's chunk.
//
//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   last-chunk   = 1*("0") [ chunk-ext ] CRLF
import type { ErrorCode } from '../core/errors.js';
import { CR, HEX, HTAB, LF, SP, TOKEN } from './chars.js';
import { HttpCodecError } from './codec-error.js';
import { type HttpLeniency, type HttpLimits, Leniency } from './limits.js';

export const enum ChunkState {
  /** Hex digits of a chunk size. */
  Size = 0,
  /** BWS after the size: ';' must follow. */
  SizeWs = 1,
  /** Chunk extensions, to the line end. */
  Ext = 2,
  /** The LF of the size line's CRLF. */
  SizeLf = 3,
  /** Chunk data. */
  Data = 4,
  /** The CR after chunk data. */
  DataCr = 5,
  /** The LF after chunk data. */
  DataLf = 6,
  /** The last-chunk line was read: the trailer section follows (not the reader's). */
  Done = 7,
}

/** Where chunk data goes (a parser's handler). */
export interface ChunkSink {
  onBody(buf: Buffer, start: number, end: number): void;
}

/** Most significant hex digits in a chunk size (16^13 = 2^52: exact in a double). */
const MAX_CHUNK_SIZE_DIGITS = 13;
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

export class ChunkedReader {
  state: ChunkState = ChunkState.Done;
  /** Data bytes left in the current chunk (while reading a size: the size so far). */
  private remaining = 0;
  private chunkDigits = 0;
  private sizeChars = 0;
  private extBytes = 0;
  private extState = EXT_BEFORE_NAME;
  /** Stream offset where the body began (the wire-byte limit counts from there). */
  private bodyStart = 0;
  private chunkCount = 0;
  /** Stream offset of the current chunk's byte 0 (errors carry stream offsets). */
  private base = 0;

  /**
   * `body.bodyBytes` grows by each chunk's size as its size line ends; `counts` is the parser's
   * leniency counter array (index: Leniency).
   */
  constructor(
    private readonly body: { bodyBytes: number },
    private readonly limits: HttpLimits,
    private readonly lenient: Readonly<HttpLeniency>,
    private readonly counts: Uint32Array,
  ) {}

  /** Starts a chunked body whose first byte is at stream offset bodyStart. */
  begin(bodyStart: number): void {
    this.bodyStart = bodyStart;
    this.chunkCount = 0;
    this.nextChunk();
  }

  /**
   * Reads chunk[pos, end), whose byte 0 is at stream offset base; data runs go to sink. Returns
   * the index after the last byte it consumed: end, or less once the last-chunk line was read
   * (state Done; the rest is the trailer section). Throws HttpCodecError.
   */
  read(chunk: Buffer, pos: number, end: number, base: number, sink: ChunkSink): number {
    this.base = base;
    while (pos < end) {
      if (this.state === ChunkState.Data) {
        const r = this.remaining;
        const n = end - pos < r ? end - pos : r;
        sink.onBody(chunk, pos, pos + n);
        pos += n;
        this.remaining = r - n;
        if (r === n) this.state = ChunkState.DataCr;
        continue;
      }
      pos = this.line(chunk, pos, end);
      if (this.state === ChunkState.Done) return pos;
    }
    return pos;
  }

  /** The chunk-size line and the CRLF after chunk data, a byte at a time (they are short). */
  private line(chunk: Buffer, pos: number, end: number): number {
    while (pos < end) {
      const c = chunk[pos]!;
      switch (this.state) {
        case ChunkState.Size: {
          const v = HEX[c]!;
          if (v !== 0) {
            this.sizeDigit(v, pos);
            pos++;
            continue;
          }
          if (this.sizeChars === 0) throw this.error('ERR_HTTP_BAD_CHUNK_SIZE', pos);
          this.extState = EXT_BEFORE_NAME;
          this.extBytes = 0;
          if (c === CR) this.state = ChunkState.SizeLf;
          else if (c === 0x3b) this.state = ChunkState.Ext;
          else if (c === SP || c === HTAB) this.state = ChunkState.SizeWs;
          else if (c === LF) {
            this.bareLf(pos);
            this.endSizeLine(pos);
            return pos + 1;
          } else throw this.error('ERR_HTTP_BAD_CHUNK_SIZE', pos);
          pos++;
          continue;
        }
        case ChunkState.SizeWs:
          // BWS before ';' only: "1a ;ext" is valid, "1a \r\n" and "1 a" are not.
          if (c === 0x3b) this.state = ChunkState.Ext;
          else if (c !== SP && c !== HTAB) throw this.error('ERR_HTTP_BAD_CHUNK_SIZE', pos);
          if (++this.extBytes > this.limits.maxChunkExtensionSize) throw this.error('ERR_HTTP_BAD_CHUNK_EXTENSION', pos);
          pos++;
          continue;
        case ChunkState.Ext:
          pos = this.extension(chunk, pos, end);
          continue;
        case ChunkState.SizeLf:
          if (c !== LF) throw this.error('ERR_HTTP_BAD_CHUNK_SIZE', pos, 'chunk size line not ended by CRLF');
          this.endSizeLine(pos);
          return pos + 1;
        case ChunkState.DataCr:
          if (c === CR) {
            this.state = ChunkState.DataLf;
            pos++;
            continue;
          }
          if (c === LF && this.lenient.bareLf) {
            this.counts[Leniency.BareLf]!++;
            this.nextChunk();
            return pos + 1;
          }
          throw this.error('ERR_HTTP_BAD_CHUNK_DELIMITER', pos);
        case ChunkState.DataLf:
          if (c !== LF) throw this.error('ERR_HTTP_BAD_CHUNK_DELIMITER', pos);
          this.nextChunk();
          return pos + 1;
        default:
          return pos;
      }
    }
    return pos;
  }

  private sizeDigit(v: number, pos: number): void {
    if (++this.sizeChars > MAX_CHUNK_SIZE_CHARS) throw this.error('ERR_HTTP_BAD_CHUNK_SIZE', pos, 'chunk size too long');
    // Leading zeros do not count toward the overflow limit.
    if ((this.chunkDigits > 0 || v !== 1) && ++this.chunkDigits > MAX_CHUNK_SIZE_DIGITS) {
      throw this.error('ERR_HTTP_BAD_CHUNK_SIZE', pos, 'chunk size overflows');
    }
    this.remaining = this.remaining * 16 + (v - 1);
  }

  private bareLf(pos: number): void {
    if (!this.lenient.bareLf) throw this.error('ERR_HTTP_BAD_LINE_ENDING', pos, 'bare LF after a chunk size');
    this.counts[Leniency.BareLf]!++;
  }

  /** The chunk extensions after the size, to the line end, by the grammar above (EXT_*). */
  private extension(chunk: Buffer, pos: number, end: number): number {
    const max = this.limits.maxChunkExtensionSize;
    let st = this.extState;
    while (pos < end) {
      const c = chunk[pos]!;
      if (++this.extBytes > max) throw this.error('ERR_HTTP_BAD_CHUNK_EXTENSION', pos, 'chunk extension too long');
      const next = extStep(st, c);
      if (next < 0) {
        const what = c === CR || c === LF ? 'chunk extension ends without a name or value' : 'invalid character in a chunk extension';
        throw this.error('ERR_HTTP_BAD_CHUNK_EXTENSION', pos, what);
      }
      if (next === EXT_LINE_END) {
        if (c === CR) {
          this.state = ChunkState.SizeLf;
        } else {
          this.bareLf(pos);
          this.endSizeLine(pos);
        }
        return pos + 1;
      }
      st = next;
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
  private endSizeLine(pos: number): void {
    const size = this.remaining;
    const wire = this.base + pos + 1 - this.bodyStart + (size === 0 ? 0 : size + 2);
    const max = this.limits.maxBodySize;
    if (wire > max) throw this.error('ERR_HTTP_BODY_TOO_LARGE', pos, `chunked body exceeds the limit of ${max} bytes on the wire`);
    if (size === 0) {
      this.state = ChunkState.Done;
      return;
    }
    if (++this.chunkCount > this.limits.maxChunkCount) {
      throw this.error('ERR_HTTP_TOO_MANY_CHUNKS', pos, `chunked body has more than ${this.limits.maxChunkCount} chunks`);
    }
    this.body.bodyBytes += size;
    this.state = ChunkState.Data;
  }

  private nextChunk(): void {
    this.state = ChunkState.Size;
    this.remaining = 0;
    this.chunkDigits = 0;
    this.sizeChars = 0;
    this.extBytes = 0;
    this.extState = EXT_BEFORE_NAME;
  }

  private error(code: ErrorCode, pos: number, message?: string): HttpCodecError {
    return new HttpCodecError(code, this.base + pos, message);
  }
}

/** extStep's answer when the byte ends the size line (CR or LF where the grammar allows it). */
const EXT_LINE_END = 100;

/** One byte of the chunk-extension grammar: the next EXT_* state, EXT_LINE_END, or -1 (invalid). */
function extStep(st: number, c: number): number {
  const ws = c === SP || c === HTAB;
  switch (st) {
    case EXT_BEFORE_NAME:
      return TOKEN[c] === 1 ? EXT_NAME : ws ? st : -1;
    case EXT_NAME:
      if (TOKEN[c] === 1) return st;
      if (c === 0x3d) return EXT_BEFORE_VALUE;
      if (c === 0x3b) return EXT_BEFORE_NAME;
      if (ws) return EXT_AFTER_NAME_WS;
      return c === CR || c === LF ? EXT_LINE_END : -1;
    case EXT_AFTER_NAME_WS:
      if (c === 0x3d) return EXT_BEFORE_VALUE;
      if (c === 0x3b) return EXT_BEFORE_NAME;
      return ws ? st : -1;
    case EXT_BEFORE_VALUE:
      if (TOKEN[c] === 1) return EXT_TOKEN_VALUE;
      if (c === 0x22) return EXT_QUOTED;
      return ws ? st : -1;
    case EXT_TOKEN_VALUE:
      if (TOKEN[c] === 1) return st;
      if (c === 0x3b) return EXT_BEFORE_NAME;
      if (ws) return EXT_AFTER_VALUE_WS;
      return c === CR || c === LF ? EXT_LINE_END : -1;
    case EXT_QUOTED:
      if (c === 0x22) return EXT_AFTER_QUOTE;
      if (c === 0x5c) return EXT_QUOTED_ESC;
      return isQdText(c) ? st : -1;
    case EXT_QUOTED_ESC:
      return isQuotedPairChar(c) ? EXT_QUOTED : -1;
    case EXT_AFTER_QUOTE:
      if (c === 0x3b) return EXT_BEFORE_NAME;
      if (ws) return EXT_AFTER_VALUE_WS;
      return c === CR || c === LF ? EXT_LINE_END : -1;
    default: // EXT_AFTER_VALUE_WS
      if (c === 0x3b) return EXT_BEFORE_NAME;
      return ws ? st : -1;
  }
}
