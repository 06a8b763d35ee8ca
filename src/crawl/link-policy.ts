// Which of a fetched page's links the crawl queues. A deep crawl from seeds queues the links of
// HTML pages up to --max-depth (none with --sitemaps-only, none from a page --dedupe found to be a
// duplicate) and a redirect's target (queued like a link, at the page's own depth; a seed's
// redirect target becomes a seed of the scope). Either way only links in scope that no robots.txt
// already known disallows (counted). Probe mode (--urls) queues nothing.
import type { CrawlRecord } from './crawl-record.js';
import type { FrontierEntry } from './frontier.js';
import type { HostState, HostTable } from './host-state.js';
import type { RobotsFetcher } from './robots-fetcher.js';
import type { Scope } from './scope.js';

export interface LinkPolicyOptions {
  readonly probe: boolean;
  readonly scope: string;
  readonly robots: boolean;
  readonly maxDepth: number;
  readonly sitemapsOnly: boolean;
}

export class LinkPolicy {
  constructor(
    private readonly o: LinkPolicyOptions,
    private readonly scope: Scope,
    private readonly robots: RobotsFetcher,
    private readonly hosts: HostTable,
  ) {}

  /**
   * The URLs to queue after the page `e` (on host `h`) was read into `rec` with `links` (null:
   * none to follow); null for none. A redirect's target goes at e.depth, links at e.depth + 1.
   */
  follow(e: FrontierEntry, rec: CrawlRecord, links: readonly string[] | null, h: HostState): string[] | null {
    const o = this.o;
    if (o.probe) return null;
    if (rec.location !== null) {
      if (e.depth === 0 && o.scope !== 'any') this.scope.addSeed(rec.location);
      return this.filter([rec.location], h);
    }
    if (links !== null && links.length > 0 && e.depth < o.maxDepth && !o.sitemapsOnly) return this.filter(links, h);
    return null;
  }

  /** Links worth queueing: in scope, and not disallowed by a robots.txt already known. */
  private filter(links: readonly string[], page: HostState): string[] {
    const out: string[] = [];
    for (let i = 0; i < links.length; i++) {
      const u = links[i]!;
      if (!this.scope.allows(u)) continue;
      if (this.o.robots && this.robots.knownDisallowed(u, page, this.hosts)) continue;
      out.push(u);
    }
    return out;
  }
}
