// The crawl loop: takes URLs from the frontier at a polite pace, fetches them through the pooled
// Client, writes one record per URL and queues the links it finds.
//
// Pace and politeness:
//   - `concurrency` FetchSlots bound the requests in flight overall; `perHost` bounds them per
//     host: a host with that many in flight is held out of the frontier's rotation until one ends.
//   - The frontier spaces requests to a host by its delay: max(--delay, robots Crawl-delay).
//   - robots.txt is fetched once per host, before anything else there: the first URL popped for
//     a host is parked (the host held) until robots.txt is in, then goes out one delay later.
//     URLs it disallows are recorded with ERR_CRAWL_ROBOTS_DISALLOWED; links it disallows on hosts
//     already known are not even queued (counted in the summary). How it is fetched, capped,
//     shared between workers and retried is robots-fetcher.ts's policy.
//   - The frontier is bounded (crawl-queue.ts): links --max-pages can no longer take, or past
//     --max-host-queue / --max-queue, are counted (or spilled to the journal), not stored.
//   - A body over --max-body is asked for again with a Range request for its first --max-body
//     bytes, right away (the one exception to the host's delay); those are parsed and the record
//     marked truncated. A server that ignores the range: ERR_HTTP_BODY_TOO_LARGE, truncated.
//   - Failures that are the host's (transport, timeouts, broken responses, 5xx) back the host off
//     exponentially (Retry-After too, for 429/503) and count against its error budget; once spent,
//     or when the host name does not resolve, the host's remaining URLs are recorded with that code
//     without being fetched.
// Sitemaps (--sitemaps, sitemap.ts): once a host's robots.txt is in, its `Sitemap:` files are
// read (and, for a seed's host, /sitemap.xml; without robots.txt, /sitemap.xml of each seed at the
// start). One sitemap file is fetched at a time, outside the host's delay like robots.txt; index
// files lead to more (nested at most SITEMAP_MAX_NESTING deep). Their URLs (in scope, not known
// to be disallowed) are queued at depth 0 and their <lastmod> kept for the records.
// --sitemaps-only follows no links from the pages (redirect targets are still queued).
// Page signals (page-reader.ts, page-signals.ts): canonical, fingerprint, noindex/nofollow go
// into the records; pages whose fingerprint an earlier page had are counted. --dedupe canonical
// (or content) records a page whose canonical URL (fingerprint) was already seen with duplicateOf
// and follows none of its links; with canonical, a URL an earlier page named as its canonical is
// recorded with duplicateOf unfetched. Both are remembered per process (not across --resume or
// between --frontier workers), at most DEDUPE_MAX_KEYS of each.
// Modes: a deep crawl from seeds queues links (a redirect is recorded as such and its target
// queued like a link, at the same depth); probe mode (--urls) streams a list, follows redirects
// in place (the chain goes into the record) and queues nothing.
// Exactly-once output with --state: per URL the loop queues the children, then writes the record,
// then marks the URL done (see journal.ts).
// Hot path: the Crawler itself is the client's ResponseCallback; requests and responses live in
// reused FetchSlots; with an in-memory frontier nothing returns a Promise.
// Proxies: with two or more (-x P1 -x P2), a ProxyRotation picks one per fetch (or per host) and
// benches those that fail or get blocked (proxy-rotation.ts); its health goes into the summary.
import type { Client } from '../client/client.js';
import type { ResponseCallback } from '../client/doer.js';
import type { Request } from '../client/request.js';
import type { Response } from '../client/response.js';
import { nowMs } from '../core/clock.js';
import { FastbenchError } from '../core/errors.js';
import { CookieJar } from 'tough-cookie';
import { createCrawlClient } from './crawl-client.js';
import type { CrawlQueue } from './crawl-queue.js';
import { resolveCrawlOptions, type CrawlOptions, type ResolvedCrawlOptions } from './crawl-options.js';
import type { CrawlRecord, RecordSink } from './crawl-record.js';
import { CrawlStats, type CrawlProgress, type CrawlSummary } from './crawl-stats.js';
import { FetchSlot, SlotKind, type SlotRequest } from './fetch-slot.js';
import type { FrontierEntry } from './frontier.js';
import { AdaptivePace, PaceSignal } from './adaptive-pace.js';
import { HostGate } from './host-gate.js';
import { HostTable, RobotsState, WaitHeap, type HostState } from './host-state.js';
import { isHostFailure, isRedirectStatus, newRecord, readFailure, readResponse, retryAfterMs, type PageReaderOptions } from './page-reader.js';
import { ROBOTS_FETCH_MAX_BYTES, ROBOTS_MAX_REDIRECTS, RobotsFetcher, schemeOf } from './robots-fetcher.js';
import { ProxyRotation } from './proxy-rotation.js';
import { productToken } from './robots.js';
import { Scope } from './scope.js';
import type { UrlSource } from './url-source.js';
import { SeenSet } from './seen-set.js';
import { readSitemap, type SitemapFile } from './sitemap.js';
import type { WarcWriter } from './warc-writer.js';
import { hostOf, normalizeUrl, tryNormalizeUrl, type NormalizeOptions } from './url-normalizer.js';

export interface CrawlerDeps {
  queue: CrawlQueue;
  sink: RecordSink;
  /** Probe mode's input. */
  source?: UrlSource;
  /** A client to use (default: one made from the options, closed at the end). */
  client?: Client;
  /** Pages already done by an earlier run (resume): they count towards maxPages. */
  resumedDone?: number;
  /** --warc: archives each page's exchange (closed with the crawl). */
  warc?: WarcWriter;
}

const RETRY_AFTER_CAP_MS = 120_000;
/** An index may name indexes, which may name sitemaps: levels 0, 1, 2; deeper ones are ignored. */
const SITEMAP_MAX_NESTING = 2;
const SITEMAP_MAX_REDIRECTS = 5;
/** Fingerprints (and, with --dedupe, canonical URLs / first URLs) remembered; past it, new ones are not. */
const DEDUPE_MAX_KEYS = 2_000_000;

function isPromise<T>(v: unknown): v is Promise<T> {
  return v instanceof Promise;
}

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

export class Crawler implements ResponseCallback {
  readonly opts: ResolvedCrawlOptions;
  readonly stats = new CrawlStats();
  private readonly queue: CrawlQueue;
  private readonly sink: RecordSink;
  private readonly warc: WarcWriter | undefined;
  private readonly source: UrlSource | undefined;
  private readonly client: Client;
  /** robots.txt: where, through which client, and what its answer means for the host. */
  private readonly robots: RobotsFetcher;
  private readonly ownsClient: boolean;
  /** Two or more proxies: which one each fetch goes through (undefined: the one client). */
  private readonly rotation: ProxyRotation | undefined;
  private readonly scope: Scope;
  private readonly hosts: HostTable;
  /** Holds, releases, backs off and kills hosts in the frontier's rotation. */
  private readonly gate: HostGate;
  private readonly reader: PageReaderOptions;
  private readonly normalize: NormalizeOptions;
  private readonly free: FetchSlot[] = [];
  private busy = 0;
  /** Hosts with a parked URL or a robots.txt (re)fetch to start, by wakeAt. */
  private readonly waiting = new WaitHeap();
  /** The heap's top is due but no slot is free: serve it when one frees up. */
  private waitingBlocked = false;
  private taken: number;
  private pumping = false;
  private pumpAgain = false;
  private awaitingPop = false;
  private reading = false;
  private checkingDrain = false;
  /** Offers and done marks still travelling to a shared frontier. */
  private pendingAsync = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private tickAt = 0;
  private stopping = false;
  private finished = false;
  private failure: unknown;
  private resolveRun!: (s: CrawlSummary) => void;
  private rejectRun!: (e: unknown) => void;
  private readonly runPromise: Promise<CrawlSummary>;
  /** Sitemap files to read (url, nesting level), each URL once; one is read at a time. */
  private readonly sitemapQueue: { url: string; level: number }[] = [];
  private readonly sitemapSeen = new Set<string>();
  private sitemapLevel = 0;
  private sitemapBusy = false;
  /** Hosts of the seeds: their /sitemap.xml is read with --sitemaps. */
  private readonly seedHosts = new Set<string>();
  /**
   * Fingerprints seen (64-bit, in a SeenSet: ~16 B each, for the same-content count); under
   * --dedupe content also fingerprint → first URL; --dedupe canonical: canonical URL → first URL.
   */
  private readonly fingerprintsSeen = new SeenSet();
  private readonly fingerprints = new Map<string, string>();
  private readonly canonicals = new Map<string, string>();
  /** <lastmod> of URLs a sitemap listed, until their record is written. */
  private readonly lastmod = new Map<string, string>();

  constructor(options: CrawlOptions | ResolvedCrawlOptions, deps: CrawlerDeps) {
    const o = (this.opts = 'probe' in options ? options : resolveCrawlOptions(options));
    this.queue = deps.queue;
    this.sink = deps.sink;
    this.warc = deps.warc;
    if (this.warc !== undefined) {
      this.warc.onDrain = () => this.pump();
      this.warc.onError = (e) => this.fail(e);
    }
    this.source = deps.source;
    if (o.probe && this.source === undefined) throw new FastbenchError('ERR_CONFIG', 'probe mode needs a UrlSource');
    this.normalize = { sortQuery: o.sortQuery };
    const seeds = o.seeds.map((s) => normalizeUrl(s, this.normalize));
    this.opts = Object.freeze({ ...o, seeds });
    for (const u of seeds) this.seedHosts.add(hostOf(u));
    this.scope = new Scope({ mode: o.probe ? 'any' : o.scope, seeds, include: o.include, exclude: o.exclude });
    this.hosts = new HostTable(o.delayMs, undefined, o.adaptiveTargetMs > 0 ? (h) => (h.pace = new AdaptivePace(o.adaptiveTargetMs, o.perHost, o.backoffMaxMs)) : undefined);
    this.gate = new HostGate(this.queue, o);
    this.reader = { contentTypes: o.contentTypes, nofollow: o.nofollow, maxLinks: o.maxLinksPerPage, includeLinks: o.includeLinks, normalize: this.normalize, productToken: productToken(o.userAgent), ...(o.compressed ? { decodeMax: o.maxBodyBytes } : {}) };
    this.ownsClient = deps.client === undefined;
    this.client = deps.client ?? createCrawlClient(o);
    this.robots = new RobotsFetcher(this.opts, this.client, deps.client !== undefined, this.queue, this.stats);
    this.rotation =
      deps.client === undefined && o.proxies.length > 1
        ? new ProxyRotation(o, (proxy, robots) => createCrawlClient(o, robots ? ROBOTS_FETCH_MAX_BYTES : o.maxBodyBytes, proxy))
        : undefined;
    for (let i = 0; i < o.concurrency; i++) this.free.push(new FetchSlot(o.userAgent, o.compressed));
    this.taken = deps.resumedDone ?? 0;
    this.stats.resumedDone = this.taken;
    this.sink.onDrain = () => this.pump();
    this.sink.onError = () => this.stop();
    this.runPromise = new Promise((resolve, reject) => {
      this.resolveRun = resolve;
      this.rejectRun = reject;
    });
  }

  /** Crawls until nothing is left (or maxPages, or stop()); resolves with the summary. */
  run(): Promise<CrawlSummary> {
    const seeds = this.opts.seeds;
    if (this.opts.sitemaps && !this.opts.robots) for (const u of seeds) this.queueSitemap(`${schemeOf(u)}://${hostOf(u)}/sitemap.xml`, 0);
    if (seeds.length > 0) {
      const r = this.queue.offer(seeds, 0);
      if (isPromise(r)) r.then(() => this.pump(), this.onAsyncError);
      else this.pump();
    } else {
      this.pump();
    }
    return this.runPromise;
  }

  /** Stops taking new URLs; what is in flight finishes and is written. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.pump();
  }

  progress(): CrawlProgress {
    return this.stats.progress(this.queue.size, this.busy);
  }

  // ---------------------------------------------------------------- the pump

  private pump(): void {
    if (this.finished) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.pumpOnce();
      } while (this.pumpAgain && !this.finished);
    } catch (e) {
      this.fail(e);
    } finally {
      this.pumping = false;
    }
  }

  private canTake(): boolean {
    return !this.stopping && this.taken < this.opts.maxPages;
  }

  private pumpOnce(): void {
    const now = nowMs();
    if (now >= this.tickAt) {
      this.tickAt = now + 1000;
      this.queue.tick(now);
      this.hosts.prune();
      this.sink.flush(); // records reach the file at least once a second
    }
    if (this.waiting.size > 0 && !this.stopping) this.serveWaiting(now);
    const free = this.free;
    if (this.sitemapQueue.length > 0 && !this.sitemapBusy && !this.stopping && free.length > this.robots.wanted) this.startSitemap(now);
    // Each host waiting for its robots.txt will need a slot: do not pop past the free ones.
    const warcFull = this.warc !== undefined && this.warc.backedUp;
    if (warcFull) this.warc!.waitForDrain();
    while (free.length > this.robots.wanted && !this.awaitingPop && this.canTake() && !this.sink.backedUp && !warcFull) {
      const r = this.queue.pop(now);
      if (r === undefined) break;
      if (isPromise<FrontierEntry | undefined>(r)) {
        this.awaitingPop = true;
        r.then(this.onPopped, this.onAsyncError);
        break;
      }
      this.take(r, now);
    }
    const src = this.source;
    // Read ahead a little, and never past what --max-pages can still take.
    if (src !== undefined && !src.done && !this.reading && this.canTake() && this.queue.size < Math.min(this.opts.concurrency * 2, this.opts.maxPages - this.taken)) this.readMore(src);
    this.schedule(now);
    this.checkDone();
  }

  private readonly onPopped = (e: FrontierEntry | undefined): void => {
    this.awaitingPop = false;
    if (e !== undefined && !this.finished) this.take(e, nowMs());
    this.pump();
  };

  private readonly onAsyncError = (e: unknown): void => {
    this.fail(e);
  };

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    this.pump();
  };

  /** Arms the one timer for the next time something may become ready. */
  private schedule(now: number): void {
    const top = this.waiting.peek();
    let at = top === undefined || this.waitingBlocked || this.stopping ? Infinity : top.wakeAt;
    if (this.free.length > 0 && !this.awaitingPop && this.canTake()) {
      const q = this.queue.nextReadyAt(now);
      if (q < at) at = q;
    }
    if (at === Infinity) return;
    if (at <= now) at = now + 1;
    if (this.timer !== undefined) {
      if (at >= this.timerAt) return;
      clearTimeout(this.timer);
    }
    this.timerAt = at;
    this.timer = setTimeout(this.onTimer, Math.ceil(at - now));
  }

  private readMore(src: UrlSource): void {
    this.reading = true;
    src.read(this.opts.concurrency * 4).then((urls) => {
      this.stats.invalidLines = src.invalid;
      const r = urls.length > 0 ? this.queue.offer(urls, 0) : 0;
      if (isPromise(r)) {
        r.then(() => {
          this.reading = false;
          this.pump();
        }, this.onAsyncError);
      } else {
        this.reading = false;
        this.pump();
      }
    }, this.onAsyncError);
  }

  /**
   * The one done-check's first half: nothing in flight or on its way that could still produce
   * work (no fetch, no answer from a shared frontier, no pop, no read from the URL source, and,
   * unless stopping, no host waiting to be served).
   */
  private settled(): boolean {
    return this.busy === 0 && this.pendingAsync === 0 && !this.awaitingPop && !this.reading && (this.stopping || (this.waiting.size === 0 && this.sitemapQueue.length === 0));
  }

  /**
   * Finishes the crawl when it is settled and nothing is left to take: stopping, --max-pages
   * reached, or the URL source and the frontier both drained. A shared frontier answers
   * "drained?" later; the crawl then finishes only if still settled (else the pump goes on).
   */
  private checkDone(): void {
    if (this.finished || this.checkingDrain || !this.settled()) return;
    if (!this.stopping && this.taken < this.opts.maxPages) {
      if (this.source !== undefined && !this.source.done) return;
      const d = this.queue.drained();
      if (isPromise<boolean>(d)) {
        this.checkingDrain = true;
        d.then(this.onDrainAnswer, this.onAsyncError);
        return;
      }
      if (!d) return;
    }
    this.finish();
  }

  private readonly onDrainAnswer = (drained: boolean): void => {
    this.checkingDrain = false;
    if (drained && this.settled()) this.finish();
    else this.pump();
  };

  // ---------------------------------------------------------------- taking URLs

  private take(e: FrontierEntry, now: number): void {
    this.taken++;
    const h = this.hosts.get(e.host);
    if (h.dead !== null) return this.skip(e, h.dead);
    if (this.opts.robots && h.robotsState !== RobotsState.Ready) {
      h.parked = e;
      this.gate.hold(h);
      if (h.robotsState === RobotsState.Unknown && !h.waiting) {
        h.scheme = schemeOf(e.url);
        h.wakeAt = now;
        this.robots.want(h, true);
        this.addWaiting(h);
      }
      return;
    }
    this.startOrSkip(e, h, now);
  }

  private startOrSkip(e: FrontierEntry, h: HostState, now: number): void {
    if (this.opts.robots && h.robots !== null && !h.robots.isAllowed(e.url)) return this.skip(e, 'ERR_CRAWL_ROBOTS_DISALLOWED');
    if (this.opts.dedupe === 'canonical') {
      const first = this.canonicals.get(e.url);
      if (first !== undefined && first !== e.url) return this.skipDuplicate(e, first);
    }
    const slot = this.free.pop()!;
    try {
      slot.begin(SlotKind.Page, e, h, e.url, now);
    } catch (err) {
      this.free.push(slot);
      return this.skip(e, err instanceof FastbenchError ? err.code : 'ERR_USAGE_BAD_URL');
    }
    this.busy++;
    h.inFlight++;
    this.gate.holdIfFull(h);
    this.send(slot, h, now);
  }

  /** Hands a fetch to its client: the one client, or the proxy the rotation picks for it. */
  private send(slot: FetchSlot, h: HostState, now: number): void {
    const r = this.rotation;
    if (r !== undefined) slot.proxy = r.pick(h.key, now);
    this.resend(slot);
  }

  /** Dispatches a slot's request again (a redirect hop, a ranged retry) through the same client. */
  private resend(slot: FetchSlot): void {
    const r = this.rotation;
    const c = r !== undefined ? r.client(slot.proxy, slot.kind === SlotKind.Robots) : slot.kind === SlotKind.Robots ? this.robots.client : this.client;
    c.dispatch(slot.req, slot.res, this, Infinity);
  }

  private startRobots(h: HostState, now: number): void {
    const slot = this.free.pop()!;
    try {
      slot.begin(SlotKind.Robots, null, h, this.robots.url(h), now);
    } catch (err) {
      this.free.push(slot);
      this.gate.markDead(h, err instanceof FastbenchError ? err.code : 'ERR_USAGE_BAD_URL');
      h.wakeAt = now;
      this.addWaiting(h); // records its parked URL with that code
      return;
    }
    this.busy++;
    h.inFlight++;
    h.robotsState = RobotsState.Fetching;
    this.send(slot, h, now);
  }

  /** Asks a shared queue whether another worker fetched the host's robots.txt; fetches it if not. */
  private askSharedRobots(h: HostState): void {
    this.pendingAsync++;
    this.robots.askShared(h).then(() => {
      this.pendingAsync--;
      this.addWaiting(h);
      this.pump();
    }, this.onAsyncError);
  }

  /** Records a URL that is not fetched (robots, dead host, unusable URL). */
  private skip(e: FrontierEntry, code: string): void {
    const rec = newRecord(e.url, e.url, e.depth, Date.now());
    rec.error = code;
    this.finishPage(e.url, rec, null, 0);
  }

  /** Records a URL an earlier page named as its canonical (--dedupe canonical), unfetched. */
  private skipDuplicate(e: FrontierEntry, first: string): void {
    const rec = newRecord(e.url, e.url, e.depth, Date.now());
    rec.duplicateOf = first;
    this.stats.duplicates++;
    this.finishPage(e.url, rec, null, 0);
  }

  /**
   * Counts near-identical pages, and applies --dedupe to a 2xx page: true when it duplicates an
   * earlier one (its links are then not followed).
   */
  private isDuplicate(url: string, rec: CrawlRecord): boolean {
    if (rec.noindex === true) this.stats.noindex++;
    let dup: string | undefined;
    const fp = rec.fingerprint;
    if (fp !== undefined && this.fingerprintsSeen.size < DEDUPE_MAX_KEYS) {
      const fresh = this.fingerprintsSeen.addHash(parseInt(fp.slice(8), 16), parseInt(fp.slice(0, 8), 16));
      if (!fresh) this.stats.sameContent++;
      if (this.opts.dedupe === 'content') {
        const first = this.fingerprints.get(fp);
        if (first !== undefined) dup = first;
        else this.fingerprints.set(fp, url);
      }
    }
    if (this.opts.dedupe === 'canonical') {
      const key = rec.canonical ?? url;
      const first = this.canonicals.get(key);
      if (first !== undefined && first !== url) dup = first;
      else if (first === undefined && this.canonicals.size < DEDUPE_MAX_KEYS) this.canonicals.set(key, url);
    }
    if (dup === undefined) return false;
    rec.duplicateOf = dup;
    this.stats.duplicates++;
    return true;
  }

  private addWaiting(h: HostState): void {
    if (h.waiting) {
      this.waiting.update(h);
      return;
    }
    h.waiting = true;
    this.waiting.push(h);
  }

  /** Serves the waiting hosts that are due, while slots are free. */
  private serveWaiting(now: number): void {
    const w = this.waiting;
    this.waitingBlocked = false;
    for (;;) {
      const h = w.peek();
      if (h === undefined || h.wakeAt > now) return;
      if (h.dead === null && this.free.length === 0) {
        this.waitingBlocked = true;
        return;
      }
      w.pop();
      h.waiting = false;
      this.serveHost(h, now);
      this.hosts.maybeIdle(h);
    }
  }

  /** A waiting host's time has come (and a slot is free unless the host is dead). */
  private serveHost(h: HostState, now: number): void {
    if (h.dead !== null) {
      this.robots.want(h, false);
      const e = h.parked;
      h.parked = null;
      if (e !== null) this.skip(e, h.dead);
      this.gate.unhold(h);
      return;
    }
    if (h.robotsState === RobotsState.Unknown) {
      this.robots.want(h, false);
      if (h.parked === null) this.gate.unhold(h);
      else if (this.robots.shouldAskShared(h)) this.askSharedRobots(h);
      else this.startRobots(h, now);
      return;
    }
    if (h.robotsState === RobotsState.Fetching) return;
    const e = h.parked;
    if (e !== null) {
      h.parked = null;
      this.queue.deferHost(h.key, now + h.delayMs);
      this.startOrSkip(e, h, now);
    }
    this.gate.unhold(h);
  }

  // ---------------------------------------------------------------- responses

  onResponse(req: Request, res: Response, err: FastbenchError | null): void {
    const slot = (req as SlotRequest).slot;
    this.stats.requests++;
    if (this.rotation !== undefined && this.throughAnotherProxy(slot, res, err)) return;
    try {
      if (slot.kind === SlotKind.Robots) this.onRobots(slot, res, err);
      else if (slot.kind === SlotKind.Sitemap) this.onSitemap(slot, res, err);
      else this.onPage(slot, res, err);
    } catch (e) {
      this.fail(e);
      return;
    }
    this.pump();
  }

  /** A transport failure through a rotated proxy: tries another proxy (true) while any is left untried. */
  private throughAnotherProxy(slot: FetchSlot, res: Response, err: FastbenchError | null): boolean {
    const r = this.rotation!;
    const now = nowMs();
    if (!r.note(slot.proxy, res.status, err, now) || slot.proxyRetries >= r.size - 1) return false;
    slot.proxyRetries++;
    slot.proxy = r.pick(slot.host!.key, now, slot.proxy);
    this.resend(slot);
    return true;
  }

  /** Follows a redirect in place; false when the Location is unusable. */
  private followRedirect(slot: FetchSlot, res: Response): boolean {
    const loc = res.header('location');
    if (loc === undefined) return false;
    const next = tryNormalizeUrl(loc.trim(), slot.hopUrl, this.normalize);
    if (next === null) return false;
    try {
      slot.hop(next);
    } catch {
      return false;
    }
    this.resend(slot);
    return true;
  }

  private releaseSlot(slot: FetchSlot): void {
    slot.clear();
    this.busy--;
    this.free.push(slot);
  }

  private onRobots(slot: FetchSlot, res: Response, err: FastbenchError | null): void {
    if (err === null && isRedirectStatus(res.status) && slot.chain.length < ROBOTS_MAX_REDIRECTS && this.followRedirect(slot, res)) return;
    if (this.robots.retryRanged(slot, err)) {
      this.resend(slot);
      return;
    }
    const h = slot.host!;
    const startedAt = slot.startedAt;
    const now = nowMs();
    h.inFlight--;
    this.releaseSlot(slot);
    const dead = this.robots.settle(h, res, err, startedAt, now);
    if (dead !== null) this.gate.markDead(h, dead);
    else if (this.opts.sitemaps && h.robots !== null) {
      for (const u of h.robots.sitemaps) {
        const n = tryNormalizeUrl(u, undefined, this.normalize);
        if (n !== null) this.queueSitemap(n, 0);
      }
      if (this.seedHosts.has(h.key)) this.queueSitemap(`${h.scheme}://${h.key}/sitemap.xml`, 0);
    }
    this.addWaiting(h);
  }

  // ---------------------------------------------------------------- sitemaps

  private queueSitemap(url: string, level: number): void {
    if (this.sitemapSeen.has(url)) return;
    this.sitemapSeen.add(url);
    this.sitemapQueue.push({ url, level });
  }

  private startSitemap(now: number): void {
    const next = this.sitemapQueue.shift()!;
    const h = this.hosts.get(hostOf(next.url));
    if (this.opts.robots && h.robots !== null && !h.robots.isAllowed(next.url)) {
      this.stats.sitemaps.failed++;
      return;
    }
    const slot = this.free.pop()!;
    try {
      slot.begin(SlotKind.Sitemap, null, h, next.url, now);
    } catch {
      this.free.push(slot);
      this.stats.sitemaps.failed++;
      return;
    }
    this.busy++;
    this.sitemapBusy = true;
    this.sitemapLevel = next.level;
    this.client.dispatch(slot.req, slot.res, this, Infinity);
  }

  private onSitemap(slot: FetchSlot, res: Response, err: FastbenchError | null): void {
    if (err === null && isRedirectStatus(res.status) && slot.chain.length < SITEMAP_MAX_REDIRECTS && this.followRedirect(slot, res)) return;
    const level = this.sitemapLevel;
    const ok = err === null && res.status === 200;
    const body = ok ? Buffer.from(res.body) : null; // the slot's buffer is reused
    if (err === null && res.status === 404) this.stats.sitemaps.missing++;
    else if (!ok) this.stats.sitemaps.failed++;
    this.releaseSlot(slot);
    if (body === null) {
      this.sitemapBusy = false;
      return;
    }
    this.pendingAsync++;
    readSitemap(body).then((file) => {
      this.pendingAsync--;
      this.sitemapBusy = false;
      this.onSitemapRead(file, level);
      this.pump();
    }, this.onAsyncError);
  }

  private onSitemapRead(file: SitemapFile, level: number): void {
    const st = this.stats.sitemaps;
    st.fetched++;
    if (file.capped !== null) st.capped++;
    if (file.badGzip || file.kind === 'unknown') st.failed++;
    if (this.finished) return;
    if (file.kind === 'index') {
      if (level >= SITEMAP_MAX_NESTING) return;
      for (const e of file.entries) {
        const n = tryNormalizeUrl(e.loc, undefined, this.normalize);
        if (n !== null) this.queueSitemap(n, level + 1);
      }
      return;
    }
    if (file.kind !== 'urlset' || this.stopping) return;
    const urls: string[] = [];
    for (const e of file.entries) {
      const n = tryNormalizeUrl(e.loc, undefined, this.normalize);
      if (n === null || !this.scope.allows(n)) continue;
      if (this.opts.robots) {
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
    if (urls.length === 0) return;
    const r = this.queue.offer(urls, 0);
    if (isPromise(r)) {
      this.pendingAsync++;
      r.then(() => {
        this.pendingAsync--;
        this.pump();
      }, this.onAsyncError);
    }
  }

  private onPage(slot: FetchSlot, res: Response, err: FastbenchError | null): void {
    const o = this.opts;
    if (err === null && o.probe && isRedirectStatus(res.status) && slot.chain.length < o.maxRedirects && this.followRedirect(slot, res)) return;
    if (err !== null && err.code === 'ERR_HTTP_BODY_TOO_LARGE' && slot.rangeEnd < 0) {
      // Bigger than --max-body: ask for the first --max-body bytes, parse those, mark truncated.
      slot.retryRanged(o.maxBodyBytes - 1);
      this.client.dispatch(slot.req, slot.res, this, Infinity);
      return;
    }
    const h = slot.host!;
    const e = slot.entry!;
    const now = nowMs();
    h.inFlight--;
    if (o.cookies && res.status !== 0) storeCookies(h, res, slot.hopUrl);
    const rec = newRecord(e.url, slot.hopUrl, e.depth, slot.time);
    if (slot.chain.length > 0) rec.redirects = slot.chain.slice();
    if (slot.rangeEnd >= 0 && (err !== null ? err.code === 'ERR_HTTP_BODY_TOO_LARGE' : res.status === 206)) {
      rec.truncated = true;
      this.stats.truncated++;
    }
    let follow: string[] | null = null;
    let depth = e.depth + 1;
    let failed = false;
    if (err !== null) {
      readFailure(rec, res, err.code);
      failed = isHostFailure(err.code);
      if (err.code === 'ERR_DNS_NOT_FOUND') this.gate.markDead(h, err.code);
    } else {
      let links = readResponse(rec, res, slot.hopUrl, this.reader);
      const status = res.status;
      if (this.warc !== undefined) {
        this.warc.add({ url: slot.hopUrl, time: slot.time, requestHead: slot.requestHead(), status, reason: res.reason, headers: res.headers.toArray(), body: Buffer.from(res.body), truncated: rec.truncated === true });
      }
      if (status >= 200 && status < 300 && this.isDuplicate(e.url, rec)) links = null;
      if (!o.probe) {
        if (rec.location !== null) {
          if (e.depth === 0 && o.scope !== 'any') this.scope.addSeed(rec.location);
          follow = this.filterLinks([rec.location], h);
          depth = e.depth;
        } else if (links !== null && links.length > 0 && e.depth < o.maxDepth && !o.sitemapsOnly) {
          follow = this.filterLinks(links, h);
        }
      }
      failed = status >= 500;
      if (status === 429 || status === 503) {
        const ra = retryAfterMs(res, RETRY_AFTER_CAP_MS);
        if (ra > 0) this.queue.deferHost(h.key, now + ra);
        if (status === 429) this.gate.backOff(h, now);
      }
    }
    this.releaseSlot(slot);
    if (h.pace !== null && h.dead === null) {
      const overloaded = failed || (err === null && (res.status === 429 || res.status === 503));
      if (h.pace.onResponse(overloaded ? PaceSignal.Overloaded : PaceSignal.Ok, rec.timing === null ? 0 : rec.timing.total)) {
        this.queue.setHostDelay(h.key, Math.max(h.delayMs, h.pace.delayMs));
      }
    }
    if (failed) {
      h.errors++;
      this.gate.backOff(h, now);
      if (h.errors >= o.hostErrorBudget) this.gate.markDead(h, 'ERR_CRAWL_HOST_BUDGET');
    } else if (err === null) {
      h.consecutive = 0;
    }
    this.gate.unhold(h);
    this.hosts.maybeIdle(h);
    this.finishPage(e.url, rec, follow, depth);
  }

  /** Links worth queueing: in scope, and not disallowed by a robots.txt already known. */
  private filterLinks(links: readonly string[], page: HostState): string[] {
    const out: string[] = [];
    for (let i = 0; i < links.length; i++) {
      const u = links[i]!;
      if (!this.scope.allows(u)) continue;
      if (this.opts.robots && this.robots.knownDisallowed(u, page, this.hosts)) continue;
      out.push(u);
    }
    return out;
  }

  // ---------------------------------------------------------------- output

  /** Queues the children, writes the record, marks the URL done — in that order. */
  private finishPage(url: string, rec: CrawlRecord, follow: string[] | null, depth: number): void {
    if (this.lastmod.size > 0) {
      const lm = this.lastmod.get(url);
      if (lm !== undefined) {
        rec.lastmod = lm;
        this.lastmod.delete(url);
      }
    }
    if (follow !== null && follow.length > 0) {
      const r = this.queue.offer(follow, depth);
      if (isPromise(r)) {
        this.pendingAsync++;
        r.then(() => {
          this.pendingAsync--;
          this.writeDone(url, rec);
          this.pump();
        }, this.onAsyncError);
        return;
      }
    }
    this.writeDone(url, rec);
  }

  private writeDone(url: string, rec: CrawlRecord): void {
    if (this.finished) return;
    const offset = this.sink.write(rec);
    this.stats.page(rec.status, rec.bytes, rec.error, rec.timing === null ? 0 : rec.timing.total);
    this.stats.gate.add(rec);
    const d = this.queue.markDone(url, offset);
    if (isPromise(d)) {
      this.pendingAsync++;
      d.then(() => {
        this.pendingAsync--;
        this.pump();
      }, this.onAsyncError);
    }
  }

  // ---------------------------------------------------------------- the end

  private fail(e: unknown): void {
    if (this.failure === undefined) this.failure = e;
    this.stopping = true;
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    void this.close();
  }

  private async close(): Promise<void> {
    let err = this.failure;
    if (this.opts.adaptiveTargetMs > 0) {
      const busy = this.stats.gate.byHost().slice(0, 10);
      this.stats.adaptive = busy.flatMap((t) => {
        const pace = this.hosts.peek(t.name)?.pace;
        return pace == null ? [] : [{ host: t.name, concurrency: pace.limit, delayMs: Math.round(pace.delayMs * 1000) / 1000 }];
      });
    }
    const summary = this.stats.summary(this.queue.size, this.hosts.size, this.stopping && this.failure === undefined, this.queue.bounds?.());
    if (this.rotation !== undefined) summary.proxies = this.rotation.health();
    try {
      this.source?.close();
      if (this.ownsClient) await this.client.close();
      await this.rotation?.close();
      await this.robots.close();
      await this.warc?.close();
      this.sink.flush();
      await this.queue.close();
      await this.sink.close();
    } catch (e) {
      err ??= e;
    }
    if (err !== undefined) this.rejectRun(err);
    else this.resolveRun(summary);
  }
}
