// One unit of the crawl's global concurrency: a reusable Request + Response pair and what the
// loop needs to know when the response comes back (which URL, which host, which redirect hop).
// The crawl loop keeps `concurrency` of them and hands each to the client again and again; the
// Request subclass carries its slot, so the loop's single ResponseCallback finds it without a
// closure or a map lookup per request.
import { Request } from '../client/request.js';
import { ACCEPT_ENCODING } from '../http/content-coding.js';
import { Response } from '../client/response.js';
import type { FrontierEntry } from './frontier.js';
import type { HostState } from './host-state.js';

export const enum SlotKind {
  Page = 0,
  Robots = 1,
  Sitemap = 2,
}

const ACCEPT_HTML = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8';

export class SlotRequest extends Request {
  declare slot: FetchSlot;
}

export class FetchSlot {
  readonly req: SlotRequest;
  readonly res = new Response();
  kind: SlotKind = SlotKind.Page;
  /** The frontier entry being fetched (null for robots.txt). */
  entry: FrontierEntry | null = null;
  host: HostState | null = null;
  /** The URL of the current hop. */
  hopUrl = '';
  /** URLs requested before the current hop. */
  readonly chain: string[] = [];
  /** nowMs() at the first dispatch. */
  startedAt = 0;
  /** Wall-clock epoch ms (fractional) at the first dispatch. */
  time = 0;
  /** Which rotated proxy carries this fetch (-1: no rotation), and how many others were tried. */
  proxy = -1;
  proxyRetries = 0;

  /** The header lines after Host, serialized once. */
  private readonly fixedHeaders: string;

  constructor(userAgent: string, compressed = false) {
    this.req = new SlotRequest();
    this.req.slot = this;
    const ae = compressed ? `Accept-Encoding: ${ACCEPT_ENCODING}\r\n` : '';
    this.fixedHeaders = `User-Agent: ${userAgent}\r\nAccept: ${ACCEPT_HTML}\r\n${ae}\r\n`;
  }

  /**
   * Points the request at `url` and writes its bytes in one go (a normalised URL is ASCII: the
   * path percent-encoded, the host in punycode), skipping the general serializer.
   */
  private target(url: string): void {
    const req = this.req;
    req.setURL(url);
    const range = this.rangeEnd < 0 ? '' : `Range: bytes=0-${this.rangeEnd}\r\n`;
    // crawl --cookies: what the host's jar holds for this URL (a jar's cookie-octets are ASCII).
    const jar = this.host?.jar;
    const cookie = jar != null ? jar.getCookieStringSync(url) : '';
    const cookieLine = cookie !== '' ? `Cookie: ${cookie}\r\n` : '';
    this.head = `GET ${req.path} HTTP/1.1\r\nHost: ${req.host}\r\n${range}${cookieLine}${this.fixedHeaders}`;
    req.setRaw(Buffer.from(this.head, 'latin1'), 'GET');
  }

  /** The current hop's request head as it was sent (the WARC writer archives it). */
  requestHead(): string {
    return this.head;
  }

  private head = '';

  /** Asks for the first `end + 1` bytes only (Range), from the current hop on; -1: the whole body. */
  rangeEnd = -1;

  /** Fetches the current hop's URL again, asking for its first `end + 1` bytes. */
  retryRanged(end: number): void {
    this.rangeEnd = end;
    this.target(this.hopUrl);
  }

  /** Prepares the slot for a new fetch (may throw ERR_USAGE_BAD_URL for an unusable URL). */
  begin(kind: SlotKind, entry: FrontierEntry | null, host: HostState, url: string, now: number): void {
    this.kind = kind;
    this.entry = entry;
    this.host = host;
    this.hopUrl = url;
    this.chain.length = 0;
    this.rangeEnd = -1;
    this.startedAt = now;
    this.proxyRetries = 0;
    this.time = Math.round((performance.timeOrigin + now) * 1000) / 1000;
    this.target(url);
  }

  /** Moves to the next redirect hop. */
  hop(url: string): void {
    this.chain.push(this.hopUrl);
    this.hopUrl = url;
    this.target(url);
  }

  clear(): void {
    this.entry = null;
    this.host = null;
  }
}
