// How a crawl gets each host's robots.txt (RFC 9309), and what it does with the answer; the
// rules themselves are parsed by robots.ts. The crawl loop owns the slots and the host
// rotation; it asks this module where robots.txt is, which client fetches it, what to do with a
// response, and what a host's rules and delay are from then on.
//
//   - Fetched once per host, before anything else there (the loop parks the host's first URL).
//   - Its own body cap, ROBOTS_FETCH_MAX_BYTES, whatever --max-body says (a client of its own
//     when --max-body is lower). The first 500 KiB are parsed; a bigger file is asked for again
//     with a Range request, and a server that ignores the range leaves the host disallowed.
//   - Up to ROBOTS_MAX_REDIRECTS redirects are followed in place.
//   - Unreachable: retried once after --backoff-base; a name that does not resolve, or a second
//     failure, makes the host dead (its URLs are recorded with the error, not as "disallowed").
//   - Shared (Redis) frontier: lasting answers (not 5xx or 429) are shared with the job's other
//     workers, and a worker first asks the frontier for one before fetching it itself.
//   - The host's delay becomes max(--delay, min(Crawl-delay, --max-crawl-delay)).
import type { Client } from '../client/client.js';
import type { Response } from '../client/response.js';
import { nowMs } from '../core/clock.js';
import type { FastbenchError } from '../core/errors.js';
import { createCrawlClient } from './crawl-client.js';
import type { ResolvedCrawlOptions } from './crawl-options.js';
import type { CrawlQueue } from './crawl-queue.js';
import type { CrawlStats } from './crawl-stats.js';
import type { FetchSlot } from './fetch-slot.js';
import { RobotsState, type HostState, type HostTable } from './host-state.js';
import { ROBOTS_MAX_BYTES, Robots } from './robots.js';
import { hostOf } from './url-normalizer.js';

/** Most redirects followed to reach a robots.txt. */
export const ROBOTS_MAX_REDIRECTS = 5;
/**
 * Largest robots.txt body downloaded whole, whatever --max-body says (RFC 9309 2.5: parse at least
 * 500 KiB; Robots.parse reads the first 500 KiB of it). A bigger one is asked for again with
 * `Range: bytes=0-512000`; a server that ignores the range leaves the host disallowed.
 */
export const ROBOTS_FETCH_MAX_BYTES = 1024 * 1024;

/** The scheme of a normalised URL: "https" vs "http:" differ at index 4. */
export function schemeOf(url: string): 'http' | 'https' {
  return url.charCodeAt(4) === 0x73 ? 'https' : 'http';
}

export class RobotsFetcher {
  /** The client robots.txt goes through (the page client unless the body caps differ). */
  readonly client: Client;
  /** Hosts waiting for their robots.txt fetch to start: each will need a slot. */
  wanted = 0;

  /** `pageClient` is the crawl's; `given` says it came from the caller (use it as it is). */
  constructor(
    private readonly opts: ResolvedCrawlOptions,
    private readonly pageClient: Client,
    given: boolean,
    private readonly queue: CrawlQueue,
    private readonly stats: CrawlStats,
  ) {
    const own = !given && opts.robots && opts.maxBodyBytes < ROBOTS_FETCH_MAX_BYTES;
    this.client = own ? createCrawlClient(opts, ROBOTS_FETCH_MAX_BYTES) : pageClient;
  }

  /** Where the host's robots.txt is. */
  url(h: HostState): string {
    return `${h.scheme}://${h.key}/robots.txt`;
  }

  /** Marks whether the host waits for its robots.txt fetch to start (kept in `wanted`). */
  want(h: HostState, v: boolean): void {
    if (h.wantsRobots === v) return;
    h.wantsRobots = v;
    this.wanted += v ? 1 : -1;
  }

  /** Whether the host should first ask the shared frontier (once) rather than fetch. */
  shouldAskShared(h: HostState): boolean {
    return !h.robotsAsked && this.queue.sharedRobots !== undefined;
  }

  /**
   * Asks the shared frontier for the robots.txt another worker fetched. Resolves once the host's
   * state says what next: Ready (with the shared rules), or Unknown and wanted (fetch it).
   */
  askShared(h: HostState): Promise<void> {
    h.robotsAsked = true;
    h.robotsState = RobotsState.Fetching; // keeps the host held, as a fetch would
    return this.queue.sharedRobots!(h.key).then((got) => {
      const now = nowMs();
      if (got === null) {
        h.robotsState = RobotsState.Unknown;
        this.want(h, true);
        h.wakeAt = now;
      } else {
        this.stats.robotsShared++;
        this.ready(h, Robots.fromResponse(got.status, got.body, this.opts.userAgent), now);
      }
    });
  }

  /**
   * A body too big to take whole: re-aims the slot at the first ROBOTS_MAX_BYTES + 1 bytes (one
   * more, so the parser knows the last line was cut) and returns true; the caller sends it again
   * through `client`. False when it was already a ranged fetch, or for any other outcome.
   */
  retryRanged(slot: FetchSlot, err: FastbenchError | null): boolean {
    if (err === null || err.code !== 'ERR_HTTP_BODY_TOO_LARGE' || slot.rangeEnd >= 0) return false;
    slot.retryRanged(ROBOTS_MAX_BYTES);
    return true;
  }

  /**
   * The fetch begun at `startedAt` is over: sets the host's robots state, rules and delay.
   * Returns the error code that makes the host dead, or null.
   */
  settle(h: HostState, res: Response, err: FastbenchError | null, startedAt: number, now: number): string | null {
    if (err !== null && err.code !== 'ERR_HTTP_BODY_TOO_LARGE') {
      // Unreachable. Retry once after a back-off, unless the name does not even resolve; then
      // every URL of the host is recorded with the error (more useful than "disallowed").
      h.robotsState = RobotsState.Unknown;
      if (err.code === 'ERR_DNS_NOT_FOUND' || h.robotsFailures >= 1) return err.code;
      h.robotsFailures++;
      this.want(h, true);
      h.wakeAt = now + this.opts.backoffBaseMs;
      return null;
    }
    this.stats.robotsFetched++;
    if (err !== null) {
      // Too large even when asked for its first 500 KiB (the server ignored the Range): its
      // rules cannot be read, so nothing of the host is fetched rather than everything.
      this.stats.robotsTooLarge++;
      this.ready(h, Robots.disallowAll(), startedAt);
      return null;
    }
    this.ready(h, Robots.fromResponse(res.status, res.body, this.opts.userAgent), startedAt);
    // Lasting answers only: a 5xx or 429 (disallow all for now) is each worker's to retry.
    if (this.queue.shareRobots !== undefined && res.status < 500 && res.status !== 429) {
      this.queue.shareRobots(h.key, { status: res.status, body: Buffer.from(res.body) });
    }
    return null;
  }

  /**
   * Whether a robots.txt already known (of `page`'s host or another in `hosts`) disallows the
   * link `url`; such links are not queued (counted in the stats).
   */
  knownDisallowed(url: string, page: HostState, hosts: HostTable): boolean {
    const key = hostOf(url);
    const hs = key === page.key ? page : hosts.peek(key);
    if (hs?.robots == null || hs.robots.isAllowed(url)) return false;
    this.stats.robotsSkippedLinks++;
    return true;
  }

  /** Closes the robots client when it is its own. */
  async close(): Promise<void> {
    if (this.client !== this.pageClient) await this.client.close();
  }

  /** The host's robots.txt is known: its rules and Crawl-delay apply from here on. */
  private ready(h: HostState, robots: Robots, startedAt: number): void {
    h.robots = robots;
    h.robotsState = RobotsState.Ready;
    const cd = robots.crawlDelayMs ?? 0;
    h.delayMs = Math.max(this.opts.delayMs, Math.min(cd, this.opts.maxCrawlDelayMs));
    this.queue.setHostDelay(h.key, h.delayMs);
    h.wakeAt = startedAt + h.delayMs;
  }
}
