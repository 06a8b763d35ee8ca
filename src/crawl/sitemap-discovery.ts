// Sitemap discovery (--sitemaps): which sitemap files the crawl reads, and what their URLs give the
// frontier. Once a host's robots.txt is in, its `Sitemap:` files are queued (and, for a seed's
// host, /sitemap.xml; without robots.txt, /sitemap.xml of each seed at the start). The loop fetches
// one sitemap file at a time, outside the host's delay like robots.txt (a SlotKind.Sitemap slot);
// index files lead to more (nested at most SITEMAP_MAX_NESTING deep). Their URLs (in scope, not
// known to be disallowed) go to the frontier at depth 0 and their <lastmod> waits here for the
// URL's record. Reading a file is sitemap.ts's job; counting them is CrawlStats.sitemaps.
import type { Response } from '../client/response.js';
import type { FastbenchError } from '../core/errors.js';
import type { CrawlRecord } from './crawl-record.js';
import type { CrawlStats } from './crawl-stats.js';
import type { HostState, HostTable } from './host-state.js';
import { schemeOf } from './robots-fetcher.js';
import type { Scope } from './scope.js';
import type { SitemapFile } from './sitemap.js';
import { hostOf, tryNormalizeUrl, type NormalizeOptions } from './url-normalizer.js';

/** An index may name indexes, which may name sitemaps: levels 0, 1, 2; deeper ones are ignored. */
const SITEMAP_MAX_NESTING = 2;
export const SITEMAP_MAX_REDIRECTS = 5;

/** A sitemap file to read: its URL and nesting level (and, once taken, its host). */
export interface SitemapTarget {
  url: string;
  level: number;
  host: HostState | null;
}

export class SitemapDiscovery {
  /** Sitemap files to read, each URL once; one is read at a time. */
  private readonly queue: SitemapTarget[] = [];
  private readonly seen = new Set<string>();
  /** Nesting level of the file being fetched or read. */
  private level = 0;
  /** A file is being fetched or read. */
  busy = false;
  /** Hosts of the seeds: their /sitemap.xml is read. */
  private readonly seedHosts = new Set<string>();
  /** <lastmod> of URLs a sitemap listed, until their record is written. */
  private readonly lastmod = new Map<string, string>();

  constructor(
    private readonly o: { readonly robots: boolean; readonly seeds: readonly string[] },
    private readonly scope: Scope,
    private readonly hosts: HostTable,
    private readonly stats: CrawlStats,
    private readonly normalize: NormalizeOptions,
  ) {
    for (const u of o.seeds) this.seedHosts.add(hostOf(u));
  }

  /** Sitemap files waiting to be fetched. */
  get queued(): number {
    return this.queue.length;
  }

  /** Queues `url` at nesting `level` unless it was queued before. */
  add(url: string, level: number): void {
    if (this.seen.has(url)) return;
    this.seen.add(url);
    this.queue.push({ url, level, host: null });
  }

  /** Without robots.txt: each seed's /sitemap.xml, at the start. */
  addSeedSitemaps(): void {
    if (this.o.robots) return;
    for (const u of this.o.seeds) this.add(`${schemeOf(u)}://${hostOf(u)}/sitemap.xml`, 0);
  }

  /** A host's robots.txt is in: its `Sitemap:` lines, and /sitemap.xml for a seed's host. */
  addFromRobots(h: HostState): void {
    for (const u of h.robots!.sitemaps) {
      const n = tryNormalizeUrl(u, undefined, this.normalize);
      if (n !== null) this.add(n, 0);
    }
    if (this.seedHosts.has(h.key)) this.add(`${h.scheme}://${h.key}/sitemap.xml`, 0);
  }

  /** Takes the next file to fetch (its host filled in); null when robots.txt disallows it (counted). */
  next(): SitemapTarget | null {
    const t = this.queue.shift()!;
    const h = (t.host = this.hosts.get(hostOf(t.url)));
    if (this.o.robots && h.robots !== null && !h.robots.isAllowed(t.url)) {
      this.stats.sitemaps.failed++;
      return null;
    }
    return t;
  }

  /** The taken file's URL could not be fetched (counted). */
  unusable(): void {
    this.stats.sitemaps.failed++;
  }

  /** The taken file's fetch went out: no other until it is read. */
  started(t: SitemapTarget): void {
    this.busy = true;
    this.level = t.level;
  }

  /** The fetch is over: a copy of the body to read (the slot's buffer is reused), or null (counted). */
  received(res: Response, err: FastbenchError | null): Buffer | null {
    const ok = err === null && res.status === 200;
    const body = ok ? Buffer.from(res.body) : null;
    if (err === null && res.status === 404) this.stats.sitemaps.missing++;
    else if (!ok) this.stats.sitemaps.failed++;
    if (body === null) this.busy = false;
    return body;
  }

  /**
   * The file is read: counts it, queues the sitemaps an index names (unless `finished`), and
   * returns a urlset's URLs for the frontier (in scope, not known to be disallowed; none once
   * `stopping`), or null.
   */
  accept(file: SitemapFile, finished: boolean, stopping: boolean): string[] | null {
    this.busy = false;
    const st = this.stats.sitemaps;
    st.fetched++;
    if (file.capped !== null) st.capped++;
    if (file.badGzip || file.kind === 'unknown') st.failed++;
    if (finished) return null;
    if (file.kind === 'index') {
      if (this.level >= SITEMAP_MAX_NESTING) return null;
      for (const e of file.entries) {
        const n = tryNormalizeUrl(e.loc, undefined, this.normalize);
        if (n !== null) this.add(n, this.level + 1);
      }
      return null;
    }
    if (file.kind !== 'urlset' || stopping) return null;
    const urls: string[] = [];
    for (const e of file.entries) {
      const n = tryNormalizeUrl(e.loc, undefined, this.normalize);
      if (n === null || !this.scope.allows(n)) continue;
      if (this.o.robots) {
        const hs = this.hosts.peek(hostOf(n));
        if (hs?.robots != null && !hs.robots.isAllowed(n)) {
          this.stats.robotsSkippedLinks++;
          continue;
        }
      }
      urls.push(n);
      if (e.lastmod !== undefined) this.lastmod.set(n, e.lastmod);
    }
    st.urls += urls.length;
    return urls.length === 0 ? null : urls;
  }

  /** Puts the <lastmod> a sitemap gave `url` (if any) into its record. */
  stamp(url: string, rec: CrawlRecord): void {
    if (this.lastmod.size === 0) return;
    const lm = this.lastmod.get(url);
    if (lm === undefined) return;
    rec.lastmod = lm;
    this.lastmod.delete(url);
  }
}
