// A fetched page's record and what goes with it: the response's cookies into the host's jar
// (--cookies), the redirect chain and truncation, the page read (page-reader.ts: status, links,
// page signals) and, under --warc, the exchange archived (the request head as sent and a copy of
// the response; warc-writer.ts). Called once per page from the loop's one ResponseCallback.
import type { Response } from '../client/response.js';
import type { FastbenchError } from '../core/errors.js';
import { CookieJar } from 'tough-cookie';
import type { ResolvedCrawlOptions } from './crawl-options.js';
import type { CrawlRecord } from './crawl-record.js';
import type { CrawlStats } from './crawl-stats.js';
import type { FetchSlot } from './fetch-slot.js';
import type { FrontierEntry } from './frontier.js';
import type { HostState } from './host-state.js';
import { newRecord, readResponse, type PageReaderOptions } from './page-reader.js';
import { productToken } from './robots.js';
import type { NormalizeOptions } from './url-normalizer.js';
import type { WarcWriter } from './warc-writer.js';

const SET_COOKIE = Buffer.from('set-cookie', 'latin1');

/** crawl --cookies: the response's Set-Cookie fields into the host's jar (made at the first one). */
function storeCookies(h: HostState, res: Response, url: string): void {
  const hs = res.headers;
  for (let i = 0; i < hs.count; i++) {
    if (!hs.nameIs(i, SET_COOKIE)) continue;
    h.jar ??= new CookieJar();
    h.jar.setCookieSync(hs.value(i), url, { ignoreError: true });
  }
}

export class PageRecorder {
  private readonly reader: PageReaderOptions;
  private readonly cookies: boolean;

  constructor(
    o: ResolvedCrawlOptions,
    normalize: NormalizeOptions,
    private readonly warc: WarcWriter | undefined,
    private readonly stats: CrawlStats,
  ) {
    this.cookies = o.cookies;
    this.reader = { contentTypes: o.contentTypes, nofollow: o.nofollow, maxLinks: o.maxLinksPerPage, includeLinks: o.includeLinks, normalize, productToken: productToken(o.userAgent), ...(o.compressed ? { decodeMax: o.maxBodyBytes } : {}) };
  }

  /** The page's fetch is over: its cookies kept, its record begun (redirect chain, truncation). */
  begin(slot: FetchSlot, res: Response, err: FastbenchError | null): CrawlRecord {
    const e = slot.entry!;
    if (this.cookies && res.status !== 0) storeCookies(slot.host!, res, slot.hopUrl);
    const rec = newRecord(e.url, slot.hopUrl, e.depth, slot.time);
    if (slot.chain.length > 0) rec.redirects = slot.chain.slice();
    if (slot.rangeEnd >= 0 && (err !== null ? err.code === 'ERR_HTTP_BODY_TOO_LARGE' : res.status === 206)) {
      rec.truncated = true;
      this.stats.truncated++;
    }
    return rec;
  }

  /** A response came: reads it into the record (returns its links) and archives it under --warc. */
  read(rec: CrawlRecord, slot: FetchSlot, res: Response): string[] | null {
    const links = readResponse(rec, res, slot.hopUrl, this.reader);
    if (this.warc !== undefined) {
      this.warc.add({ url: slot.hopUrl, time: slot.time, requestHead: slot.requestHead(), status: res.status, reason: res.reason, headers: res.headers.toArray(), body: Buffer.from(res.body), truncated: rec.truncated === true });
    }
    return links;
  }

  /** The record of a URL not fetched: `code` says why, or (null) it duplicates `first` (--dedupe canonical). */
  unfetched(e: FrontierEntry, code: string | null, first?: string): CrawlRecord {
    const rec = newRecord(e.url, e.url, e.depth, Date.now());
    if (code !== null) {
      rec.error = code;
    } else {
      rec.duplicateOf = first!;
      this.stats.duplicates++;
    }
    return rec;
  }
}
