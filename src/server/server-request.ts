// The request object handed to handlers. One per response slot, reused for the next request once
// its response is done (see OutgoingResponse); strings are made once per distinct target.
import { HeaderList } from '../http/header-list.js';
import type { ServerRequest } from './types.js';

export const EMPTY_HEADERS = new HeaderList(0);
export const EMPTY_BODY = Buffer.alloc(0);

export class IncomingRequest implements ServerRequest {
  method = 'GET';
  target = '/';
  httpVersion: '1.0' | '1.1' | '2' = '1.1';
  headers: HeaderList = EMPTY_HEADERS;
  trailers: HeaderList = EMPTY_HEADERS;
  body: Buffer = EMPTY_BODY;
  remoteAddress = '';
  seq = 0;
  /** HTTP/2 only (see ServerRequest.pseudoHeaders). */
  pseudoHeaders: HeaderList | undefined = undefined;

  /** The target that `pathCache`/`queryCache` were cut from (targets are often the same string). */
  private cutOf = '';
  private pathCache = '';
  private queryCache = '';

  get path(): string {
    if (this.cutOf !== this.target) this.cut();
    return this.pathCache;
  }

  get query(): string {
    if (this.cutOf !== this.target) this.cut();
    return this.queryCache;
  }

  private cut(): void {
    const t = this.target;
    const q = t.indexOf('?');
    this.pathCache = q < 0 ? t : t.slice(0, q);
    this.queryCache = q < 0 ? '' : t.slice(q + 1);
    this.cutOf = t;
  }

  /** Drops references to per-request data (headers are views into reused bytes). */
  release(): void {
    this.headers = EMPTY_HEADERS;
    this.trailers = EMPTY_HEADERS;
    this.body = EMPTY_BODY;
    this.pseudoHeaders = undefined;
  }
}
