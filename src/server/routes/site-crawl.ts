// A reference crawl of the synthetic site, computed from the model alone: what a polite,
// same-host, breadth-first crawler starting at /site/ should fetch. Crawl tests compare their
// crawler's result against this (or build their own variant from site-model.ts).
// Rules: links are followed by their normalised `url` (null = not crawlable); each URL is fetched
// once; a redirect's target counts as discovered at the same depth as the redirect; 404s are
// fetched (and recorded) but have no links. With `sitemaps`, every path the sitemaps list (that
// robots.txt allows) is discovered too, at depth 0; `sitemapsOnly` follows no links at all.
import { DEFAULT_HOST, type SiteOptions, siteAllowed, siteResolve, siteSitemapPaths } from './site-model.js';

export interface SiteCrawlOptions extends SiteOptions {
  host?: string;
  /** Skip paths robots.txt disallows (default true). */
  robots?: boolean;
  /** Skip rel="nofollow" links (default true). */
  nofollow?: boolean;
  /** Do not follow links found on pages at this depth or deeper (default: no limit). */
  maxDepth?: number;
  /** Read the sitemaps robots.txt names: their pages are discovered too (default false). */
  sitemaps?: boolean;
  /** Only the seed and what the sitemaps list: no links followed (default false). */
  sitemapsOnly?: boolean;
}

export interface SiteCrawlEntry {
  status: number;
  depth: number;
}

/** Every URL (path) the crawl fetches, in fetch order, with its status and link depth. */
export function siteReachable(seed: number, pages: number, options: SiteCrawlOptions = {}): Map<string, SiteCrawlEntry> {
  const host = options.host ?? DEFAULT_HOST;
  const robots = options.robots ?? true;
  const nofollow = options.nofollow ?? true;
  const maxDepth = options.sitemapsOnly === true ? 0 : options.maxDepth ?? Infinity;
  const seen = new Map<string, SiteCrawlEntry>();
  const queue: [string, number][] = [['/site/', 0]];
  const enqueue = (url: string, depth: number): void => {
    if (seen.has(url) || (robots && !siteAllowed(url))) return;
    seen.set(url, { status: 0, depth });
    queue.push([url, depth]);
  };
  seen.set('/site/', { status: 0, depth: 0 });
  if (options.sitemaps === true || options.sitemapsOnly === true) for (const p of siteSitemapPaths(pages)) enqueue(p, 0);
  for (let head = 0; head < queue.length; head++) {
    const [url, depth] = queue[head]!;
    const q = url.indexOf('?');
    const answer = siteResolve(seed, pages, q < 0 ? url : url.slice(0, q), host, options); // the server answers by path
    seen.get(url)!.status = answer.status;
    if (answer.status === 301 || answer.status === 302) {
      enqueue(answer.location, depth);
    } else if (answer.status === 200 && answer.kind !== 'robots' && answer.kind !== 'sitemap' && depth < maxDepth) {
      if (nofollow && answer.page.nofollowAll === true) continue;
      for (const l of answer.page.links) {
        if (l.url === null || (nofollow && l.nofollow)) continue;
        enqueue(l.url, depth + 1);
      }
    }
  }
  return seen;
}
