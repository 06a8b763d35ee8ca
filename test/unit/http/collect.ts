// Test helper: runs a parser over chunks and collects every message as plain data.
import { RequestParser } from '../../../src/http/request-parser.js';
import { ResponseParser, type ResponseHandler } from '../../../src/http/response-parser.js';
import type { RequestHead, ResponseHead } from '../../../src/http/message-head.js';
import type { ParserOptions } from '../../../src/http/limits.js';
import { SKIP_BODY } from '../../../src/http/message-parser.js';

export interface Collected {
  method?: string;
  target?: string;
  status?: number;
  reason?: string;
  version: string;
  headers: [string, string][];
  trailers: [string, string][];
  body: string;
  keepAlive: boolean;
  expectContinue?: boolean;
  bodyKind: number;
}

export class RequestCollector {
  readonly messages: Collected[] = [];
  readonly heads: string[] = [];
  private body: Buffer[] = [];
  readonly parser: RequestParser;
  constructor(options?: ParserOptions) {
    this.parser = new RequestParser(this, options);
  }
  onHead(h: RequestHead): number {
    this.heads.push(`${h.method} ${h.target}`);
    this.body = [];
    return 0;
  }
  onBody(buf: Buffer, s: number, e: number): void {
    this.body.push(Buffer.from(buf.subarray(s, e)));
  }
  onComplete(h: RequestHead): void {
    this.messages.push({
      method: h.method,
      target: h.target,
      version: h.httpVersion,
      headers: h.headers.toArray(),
      trailers: h.trailers.toArray(),
      body: Buffer.concat(this.body).toString('latin1'),
      keepAlive: h.keepAlive,
      expectContinue: h.expectContinue,
      bodyKind: h.bodyKind,
    });
  }
  feed(chunks: (string | Buffer)[]): this {
    for (const c of chunks) this.parser.execute(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
    return this;
  }
}

export class ResponseCollector implements ResponseHandler {
  readonly messages: Collected[] = [];
  readonly interims: number[] = [];
  /** Methods of the requests, in order, so HEAD responses are known to be bodiless. */
  methods: string[] = [];
  private body: Buffer[] = [];
  readonly parser: ResponseParser;
  constructor(options?: ParserOptions) {
    this.parser = new ResponseParser(this, options);
  }
  onInterim(h: ResponseHead): void {
    this.interims.push(h.status);
  }
  onHead(): number {
    this.body = [];
    return this.methods[this.messages.length] === 'HEAD' ? SKIP_BODY : 0;
  }
  onBody(buf: Buffer, s: number, e: number): void {
    this.body.push(Buffer.from(buf.subarray(s, e)));
  }
  onComplete(h: ResponseHead): void {
    this.messages.push({
      status: h.status,
      reason: h.reason,
      version: h.httpVersion,
      headers: h.headers.toArray(),
      trailers: h.trailers.toArray(),
      body: Buffer.concat(this.body).toString('latin1'),
      keepAlive: h.keepAlive,
      bodyKind: h.bodyKind,
    });
  }
  feed(chunks: (string | Buffer)[]): this {
    for (const c of chunks) this.parser.execute(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
    return this;
  }
}

/** Splits a string into single bytes. */
export function bytes(s: string): Buffer[] {
  const b = Buffer.from(s, 'latin1');
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i++) out.push(b.subarray(i, i + 1));
  return out;
}
