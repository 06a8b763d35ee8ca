// Incremental HTTP/1.1 request parser: strict by default, so that smuggling through our server
// cannot happen (RFC 9112 sections 3, 6 and 11.2).
import { CR, SP, TARGET, TOKEN, equalsLower } from './chars.js';
import { HttpCodecError } from './codec-error.js';
import type { HttpLeniency, ParserOptions } from './limits.js';
import { BodyKind, RequestHead, methodString } from './message-head.js';
import { MessageParser, type ParserHandler } from './message-parser.js';

/** Leniencies that would open a smuggling vector on a server are refused for requests. */
const REQUEST_UNSAFE_LENIENCY: readonly (keyof HttpLeniency)[] = ['spaceBeforeColon', 'obsFold', 'clTeConflict'];

const HTTP_SLASH = Buffer.from('HTTP/', 'latin1');

export class RequestParser extends MessageParser<RequestHead> {
  constructor(handler: ParserHandler<RequestHead>, options?: ParserOptions) {
    for (const k of REQUEST_UNSAFE_LENIENCY) {
      if (options?.lenient?.[k]) throw new RangeError(`leniency '${k}' is not allowed when parsing requests`);
    }
    super(new RequestHead(), handler, options);
  }

  protected parseStartLine(buf: Buffer, start: number, end: number): void {
    this.beginFields();
    const head = this.head;
    let p = start;
    while (p < end && TOKEN[buf[p]!] === 1) p++;
    if (p === start) throw this.secError('ERR_HTTP_BAD_METHOD', start);
    if (p === end || buf[p] !== SP) {
      throw this.secError(buf[p] === SP || p === end ? 'ERR_HTTP_BAD_REQUEST_LINE' : 'ERR_HTTP_BAD_METHOD', p);
    }
    head.method = methodString(buf, start, p);
    const ts = ++p;
    while (p < end && TARGET[buf[p]!] === 1) p++;
    if (p === ts) throw this.secError('ERR_HTTP_BAD_TARGET', ts, 'empty or invalid request target');
    if (p === end || buf[p] !== SP) {
      throw this.secError(p === end ? 'ERR_HTTP_BAD_REQUEST_LINE' : 'ERR_HTTP_BAD_TARGET', p);
    }
    head.targetStart = ts;
    head.targetEnd = p;
    p++;
    head.versionMinor = this.parseVersion(buf, p, end);
  }

  /**
   * A request line still arriving: the method must be a token, the target visible ASCII, the
   * version made of "HTTP/" and digits and dots — checked as the bytes come, so that bytes
   * which cannot start a request (binary, a TLS hello, junk after a request) are answered 400
   * at once rather than left waiting for a line end. Phases: 0 method, 1 target, 2 version.
   */
  protected checkStartPrefix(buf: Buffer, from: number, to: number, base: number): void {
    let phase = this.slPhase;
    let count = this.slCount;
    for (let i = from; i < to; i++) {
      const c = buf[i]!;
      if (c === CR) break; // the line end is arriving: parseStartLine judges the whole line
      if (phase === 0) {
        if (TOKEN[c] === 1) count++;
        else if (c === SP && count > 0) {
          phase = 1;
          count = 0;
        } else throw new HttpCodecError('ERR_HTTP_BAD_METHOD', base + i, 'bytes that cannot start a request line');
      } else if (phase === 1) {
        if (TARGET[c] === 1) count++;
        else if (c === SP && count > 0) {
          phase = 2;
          count = 0;
        } else throw new HttpCodecError('ERR_HTTP_BAD_TARGET', base + i, 'empty or invalid request target');
      } else {
        const ok = count < 5 ? c === HTTP_SLASH[count] : count < 8 && ((c >= 0x30 && c <= 0x39) || c === 0x2e);
        if (!ok) throw new HttpCodecError('ERR_HTTP_BAD_VERSION', base + i, 'malformed HTTP version');
        count++;
      }
    }
    this.slPhase = phase;
    this.slCount = count;
  }

  /** "HTTP/1.0" or "HTTP/1.1", exactly, ending the line. */
  private parseVersion(buf: Buffer, p: number, end: number): number {
    if (end - p !== 8 || !equalsExact(buf, p, HTTP_SLASH) || buf[p + 6] !== 0x2e) {
      throw this.secError(end - p < 8 && buf[end] === CR ? 'ERR_HTTP_BAD_REQUEST_LINE' : 'ERR_HTTP_BAD_VERSION', p);
    }
    const major = buf[p + 5]! - 0x30;
    const minor = buf[p + 7]! - 0x30;
    if (major !== 1 || (minor !== 0 && minor !== 1)) throw this.secError('ERR_HTTP_BAD_VERSION', p);
    return minor;
  }

  protected onField(index: number, nameLen: number): void {
    if (this.commonField(index, nameLen)) return;
    const head = this.head;
    if (nameLen === 4 && this.isField(index, MessageParser.HOST)) {
      if (++head.hostCount > 1) throw this.secError('ERR_HTTP_DUP_HOST', head.headers.offsets[index * 4]!);
      head.hostIndex = index;
    } else if (nameLen === 6 && this.isField(index, MessageParser.EXPECT)) {
      const o = head.headers.offsets;
      if (equalsLower(head.headers.buf, o[index * 4 + 2]!, o[index * 4 + 3]!, MessageParser.CONTINUE)) {
        head.expectContinue = head.versionMinor === 1;
      }
    }
  }

  protected afterHead(): void {
    const head = this.head;
    const where = this.secStart;
    if (head.versionMinor === 1 && head.hostCount === 0) throw this.secError('ERR_HTTP_MISSING_HOST', where);
    this.decideKeepAlive();
    let kind = BodyKind.None;
    if (head.hasTransferEncoding) {
      if (head.contentLength >= 0 || this.framing.clSeen) throw this.secError('ERR_HTTP_CL_TE_CONFLICT', where);
      if (head.versionMinor === 0) throw this.secError('ERR_HTTP_BAD_TRANSFER_ENCODING', where, 'Transfer-Encoding in an HTTP/1.0 request');
      if (!head.chunked || this.framing.teChunkedNotLast) {
        throw this.secError('ERR_HTTP_BAD_TRANSFER_ENCODING', where, 'the final transfer coding of a request must be chunked, applied once');
      }
      kind = BodyKind.Chunked;
    } else if (head.contentLength > 0) {
      kind = BodyKind.Length;
    }
    head.bodyKind = kind;
    this.handler.onHead(head);
    this.startBody(kind);
  }
}

function equalsExact(buf: Buffer, at: number, what: Uint8Array): boolean {
  for (let i = 0; i < what.length; i++) if (buf[at + i] !== what[i]) return false;
  return true;
}
