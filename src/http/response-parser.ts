// Incremental HTTP/1.1 response parser for the client side (RFC 9112 sections 4 and 6.3).
import { SP } from './chars.js';
import { HttpCodecError } from './codec-error.js';
import { Leniency, type ParserOptions } from './limits.js';
import { BodyKind, ResponseHead } from './message-head.js';
import { MessageParser, type ParserHandler, SKIP_BODY } from './message-parser.js';

const HTTP_SLASH = Buffer.from('HTTP/', 'latin1');

export interface ResponseHandler extends ParserHandler<ResponseHead> {
  /** An interim (1xx other than 101) response: reported, then parsing goes on to the final one. */
  onInterim?(head: ResponseHead): void;
}

export class ResponseParser extends MessageParser<ResponseHead> {
  /** Interim responses seen for the current exchange. */
  interim = 0;

  constructor(handler: ResponseHandler, options?: ParserOptions) {
    super(new ResponseHead(), handler, options);
  }

  protected parseStartLine(buf: Buffer, start: number, end: number): void {
    this.beginFields();
    const head = this.head;
    let p = start;
    // "HTTP/1.1 200" is the shortest status line there is (12 bytes, with no reason).
    if (end - p < 12) throw this.secError('ERR_HTTP_BAD_STATUS_LINE', p);
    for (let i = 0; i < 5; i++) {
      if (buf[p + i] !== HTTP_SLASH[i]) throw this.secError('ERR_HTTP_BAD_STATUS_LINE', p + i);
    }
    const major = buf[p + 5]! - 0x30;
    const minor = buf[p + 7]! - 0x30;
    if (buf[p + 6] !== 0x2e || major < 0 || major > 9 || minor < 0 || minor > 9) {
      throw this.secError('ERR_HTTP_BAD_STATUS_LINE', p + 5);
    }
    if (major !== 1 || minor > 1) throw this.secError('ERR_HTTP_BAD_VERSION', p + 5);
    head.versionMinor = minor;
    if (buf[p + 8] !== SP) throw this.secError('ERR_HTTP_BAD_STATUS_LINE', p + 8);
    p += 9;
    let status = 0;
    for (let i = 0; i < 3; i++) {
      const d = buf[p + i]! - 0x30;
      if (d < 0 || d > 9) throw this.secError('ERR_HTTP_BAD_STATUS', p + i);
      status = status * 10 + d;
    }
    if (status < 100) throw this.secError('ERR_HTTP_BAD_STATUS', p);
    head.status = status;
    p += 3;
    if (p === end) {
      if (!this.lenient.missingReasonSpace) throw this.secError('ERR_HTTP_BAD_STATUS_LINE', p, 'no space after the status code');
      this.countLenient(Leniency.MissingReasonSpace);
      head.reasonStart = head.reasonEnd = p;
      return;
    }
    if (buf[p] !== SP) throw this.secError('ERR_HTTP_BAD_STATUS', p);
    p++;
    for (let i = p; i < end; i++) {
      const c = buf[i]!;
      if (c < 0x20 ? c !== 0x09 : c === 0x7f) throw this.secError('ERR_HTTP_BAD_STATUS_LINE', i, 'invalid character in the reason phrase');
    }
    head.reasonStart = p;
    head.reasonEnd = end;
  }

  /** A status line still arriving must begin with "HTTP/": anything else is rejected at once. */
  protected checkStartPrefix(buf: Buffer, from: number, to: number, base: number): void {
    let count = this.slCount;
    for (let i = from; i < to && count < 5; i++, count++) {
      if (buf[i] !== HTTP_SLASH[count]) throw new HttpCodecError('ERR_HTTP_BAD_STATUS_LINE', base + i, 'bytes that cannot start a status line');
    }
    this.slCount = count;
  }

  protected onField(index: number, nameLen: number): void {
    this.commonField(index, nameLen);
  }

  protected afterHead(): void {
    const head = this.head;
    const status = head.status;
    this.decideKeepAlive();
    if (status < 200) {
      if (status === 101) {
        head.bodyKind = BodyKind.None;
        this.handler.onHead(head);
        this.upgrade();
        this.complete();
        return;
      }
      this.interim++;
      (this.handler as ResponseHandler).onInterim?.(head);
      this.restartMessage(); // the final response follows on the same exchange
      return;
    }
    let kind: BodyKind;
    if (head.hasTransferEncoding) {
      if (this.framing.clSeen) {
        if (!this.lenient.clTeConflict) throw this.secError('ERR_HTTP_CL_TE_CONFLICT', this.secStart);
        this.countLenient(Leniency.ClTeConflict);
        head.contentLength = -1;
      }
      // RFC 9112 6.3: chunked last → chunked; otherwise the body runs to the close.
      kind = head.chunked && !this.framing.teChunkedNotLast ? BodyKind.Chunked : BodyKind.Eof;
      if (head.versionMinor === 0) head.keepAlive = false;
    } else if (head.contentLength >= 0) {
      kind = BodyKind.Length;
    } else {
      kind = BodyKind.Eof;
    }
    if (status === 204 || status === 304) kind = BodyKind.None;
    head.bodyKind = kind;
    if (this.handler.onHead(head) === SKIP_BODY) kind = BodyKind.None;
    this.startBody(kind);
  }

  /** Starts a new exchange (clears the interim count). */
  override reset(handler?: ResponseHandler): void {
    this.interim = 0;
    super.reset(handler);
  }
}
