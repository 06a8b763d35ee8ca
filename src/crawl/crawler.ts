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
// Beside the loop, in their own files: the client (or rotated proxy) a fetch goes through and
// redirect hops (fetch-dispatch.ts); sitemap discovery (sitemap-discovery.ts); which links are
// queued (link-policy.ts); a page's record, cookies and WARC archiving (page-recorder.ts);
// duplicate pages and --dedupe (page-dedupe.ts); back-off and --adaptive pacing (host-gate.ts).
// Modes: a deep crawl from seeds queues links (a redirect is recorded as such and its target
// queued like a link, at the same depth); probe mode (--urls) streams a list, follows redirects
// in place (the chain goes into the record) and queues nothing.
// Exactly-once output with --state: per URL the loop queues the children, then writes the record,
// then marks the URL done (see journal.ts).
// Hot path: the Crawler itself is the client's ResponseCallback; requests and responses live in
// reused FetchSlots; with an in-memory frontier nothing returns a Promise.
import type { Client } from '../client/client.js';
import type { ResponseCallback } from '../client/doer.js';
import type { Request } from '../client/request.js';
import type { Response } from '../client/response.js';
import { nowMs } from '../core/clock.js';
import { FastbenchError } from '../core/errors.js';
import { AdaptivePace, paceReport } from './adaptive-pace.js';
import { createCrawlClient } from './crawl-client.js';
import type { CrawlQueue } from './crawl-queue.js';
import { resolveCrawlOptions, type CrawlOptions, type ResolvedCrawlOptions } from './crawl-options.js';
import type { CrawlRecord, RecordSink } from './crawl-record.js';
import { CrawlStats, type CrawlProgress, type CrawlSummary } from './crawl-stats.js';
import { FetchDispatch } from './fetch-dispatch.js';
import { FetchSlot, SlotKind, type SlotRequest } from './fetch-slot.js';
import type { FrontierEntry } from './frontier.js';
import { HostGate } from './host-gate.js';
import { HostTable, RobotsState, WaitHeap, type HostState } from './host-state.js';
import { LinkPolicy } from './link-policy.js';
import { PageDedupe } from './page-dedupe.js';
import { isHostFailure, isRedirectStatus, readFailure } from './page-reader.js';
import { PageRecorder } from './page-recorder.js';
import { ROBOTS_MAX_REDIRECTS, RobotsFetcher, schemeOf } from './robots-fetcher.js';
import { Scope } from './scope.js';
import { readSitemap, type SitemapFile } from './sitemap.js';
import { SITEMAP_MAX_REDIRECTS, SitemapDiscovery } from './sitemap-discovery.js';
import type { UrlSource } from './url-source.js';
import type { WarcWriter } from './warc-writer.js';
import { normalizeUrl, type NormalizeOptions } from './url-normalizer.js';
import { WakeTimer } from './wake-timer.js';

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

function isPromise<T>(v: unknown): v is Promise<T> {
  return v instanceof Promise;
}

export class Crawler implements ResponseCallback {
  readonly opts: ResolvedCrawlOptions;
  readonly stats = new CrawlStats();
  private readonly queue: CrawlQueue;
  private readonly sink: RecordSink;
  private readonly warc: WarcWriter | undefined;
  private readonly source: UrlSource | undefined;
  /** robots.txt: where, through which client, and what its answer means for the host. */
  private readonly robots: RobotsFetcher;
  /** Which client (or rotated proxy) each fetch goes through; redirect hops and retries. */
  private readonly dispatch: FetchDispatch;
  private readonly scope: Scope;
  private readonly hosts: HostTable;
  /** Holds, releases, backs off and kills hosts in the frontier's rotation; --adaptive pacing. */
  private readonly gate: HostGate;
  private readonly recorder: PageRecorder;
  private readonly dedupe: PageDedupe;
  private readonly sitemaps: SitemapDiscovery;
  private readonly links: LinkPolicy;
  private readonly normalize: NormalizeOptions;
  private readonly free: FetchSlot[] = [];
  private busy = 0;
  /** Hosts with a parked URL or a robots.txt (re)fetch to start, by wakeAt. */
  private readonly waiting = new WaitHeap();
  private taken: number;
  private pumping = false;
  private pumpAgain = false;
  private awaitingPop = false;
  private reading = false;
  private checkingDrain = false;
  /** Offers and done marks still travelling to a shared frontier. */
  private pendingAsync = 0;
  private readonly timer = new WakeTimer(() => this.pump());
  private tickAt = 0;
  private stopping = false;
  private finished = false;
  private failure: unknown;
  private resolveRun!: (s: CrawlSummary) => void;
  private rejectRun!: (e: unknown) => void;
  private readonly runPromise: Promise<CrawlSummary>;

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
    this.scope = new Scope({ mode: o.probe ? 'any' : o.scope, seeds, include: o.include, exclude: o.exclude });
    this.hosts = new HostTable(o.delayMs, undefined, o.adaptiveTargetMs > 0 ? (h) => (h.pace = new AdaptivePace(o.adaptiveTargetMs, o.perHost, o.backoffMaxMs)) : undefined);
    this.gate = new HostGate(this.queue, o);
    this.recorder = new PageRecorder(o, this.normalize, this.warc, this.stats);
    this.dedupe = new PageDedupe(o.dedupe, this.stats);
    this.sitemaps = new SitemapDiscovery(this.opts, this.scope, this.hosts, this.stats, this.normalize);
    const client = deps.client ?? createCrawlClient(o);
    this.robots = new RobotsFetcher(this.opts, client, deps.client !== undefined, this.queue, this.stats);
    this.dispatch = new FetchDispatch(o, client, deps.client === undefined, this.robots.client, this, this.normalize);
    this.links = new LinkPolicy(o, this.scope, this.robots, this.hosts);
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
    if (this.opts.sitemaps) this.sitemaps.addSeedSitemaps();
    const r = seeds.length > 0 ? this.queue.offer(seeds, 0) : 0;
    if (isPromise(r)) r.then(() => this.pump(), this.onAsyncError);
    else this.pump();
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
    if (this.sitemaps.queued > 0 && !this.sitemaps.busy && !this.stopping && free.length > this.robots.wanted) this.startSitemap(now);
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

  /** Arms the one timer for the next time something may become ready. */
  private schedule(now: number): void {
    const top = this.waiting.peek();
    let at = top === undefined || this.waiting.blocked || this.stopping ? Infinity : top.wakeAt;
    if (this.free.length > 0 && !this.awaitingPop && this.canTake()) {
      const q = this.queue.nextReadyAt(now);
      if (q < at) at = q;
    }
    if (at !== Infinity) this.timer.arm(at, now);
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
    return this.busy === 0 && this.pendingAsync === 0 && !this.awaitingPop && !this.reading && (this.stopping || (this.waiting.size === 0 && this.sitemaps.queued === 0));
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
        this.waiting.add(h);
      }
      return;
    }
    this.startOrSkip(e, h, now);
  }

  private startOrSkip(e: FrontierEntry, h: HostState, now: number): void {
    if (this.opts.robots && h.robots !== null && !h.robots.isAllowed(e.url)) return this.skip(e, 'ERR_CRAWL_ROBOTS_DISALLOWED');
    const first = this.dedupe.canonicalOwner(e.url);
    if (first !== undefined) return this.skip(e, null, first);
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
    this.dispatch.send(slot, h, now);
  }

  private startRobots(h: HostState, now: number): void {
    const slot = this.free.pop()!;
    try {
      slot.begin(SlotKind.Robots, null, h, this.robots.url(h), now);
    } catch (err) {
      this.free.push(slot);
      this.gate.markDead(h, err instanceof FastbenchError ? err.code : 'ERR_USAGE_BAD_URL');
      h.wakeAt = now;
      this.waiting.add(h); // records its parked URL with that code
      return;
    }
    this.busy++;
    h.inFlight++;
    h.robotsState = RobotsState.Fetching;
    this.dispatch.send(slot, h, now);
  }

  /** Asks a shared queue whether another worker fetched the host's robots.txt; fetches it if not. */
  private askSharedRobots(h: HostState): void {
    this.pendingAsync++;
    this.robots.askShared(h).then(() => {
      this.pendingAsync--;
      this.waiting.add(h);
      this.pump();
    }, this.onAsyncError);
  }

  /** Records a URL that is not fetched: `code` says why (robots, dead host, unusable URL), or it duplicates `first`. */
  private skip(e: FrontierEntry, code: string | null, first?: string): void {
    this.finishPage(e.url, this.recorder.unfetched(e, code, first), null, 0);
  }

  /** Serves the waiting hosts that are due, while slots are free. */
  private serveWaiting(now: number): void {
    for (let h = this.waiting.takeDue(now, this.free.length); h !== undefined; h = this.waiting.takeDue(now, this.free.length)) {
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
    if (this.dispatch.retriedElsewhere(slot, res, err)) return;
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

  private releaseSlot(slot: FetchSlot): void {
    slot.clear();
    this.busy--;
    this.free.push(slot);
  }

  private onRobots(slot: FetchSlot, res: Response, err: FastbenchError | null): void {
    if (err === null && isRedirectStatus(res.status) && slot.chain.length < ROBOTS_MAX_REDIRECTS && this.dispatch.followRedirect(slot, res)) return;
    if (this.robots.retryRanged(slot, err)) {
      this.dispatch.resend(slot);
      return;
    }
    const h = slot.host!;
    const startedAt = slot.startedAt;
    const now = nowMs();
    h.inFlight--;
    this.releaseSlot(slot);
    const dead = this.robots.settle(h, res, err, startedAt, now);
    if (dead !== null) this.gate.markDead(h, dead);
    else if (this.opts.sitemaps && h.robots !== null) this.sitemaps.addFromRobots(h);
    this.waiting.add(h);
  }

  // ---------------------------------------------------------------- sitemaps (sitemap-discovery.ts)

  private startSitemap(now: number): void {
    const next = this.sitemaps.next();
    if (next === null) return;
    const slot = this.free.pop()!;
    try {
      slot.begin(SlotKind.Sitemap, null, next.host!, next.url, now);
    } catch {
      this.free.push(slot);
      this.sitemaps.unusable();
      return;
    }
    this.busy++;
    this.sitemaps.started(next);
    this.dispatch.direct(slot);
  }

  private onSitemap(slot: FetchSlot, res: Response, err: FastbenchError | null): void {
    if (err === null && isRedirectStatus(res.status) && slot.chain.length < SITEMAP_MAX_REDIRECTS && this.dispatch.followRedirect(slot, res)) return;
    const body = this.sitemaps.received(res, err);
    this.releaseSlot(slot);
    if (body === null) return;
    this.pendingAsync++;
    readSitemap(body).then(this.onSitemapRead, this.onAsyncError);
  }

  private readonly onSitemapRead = (file: SitemapFile): void => {
    this.pendingAsync--;
    const urls = this.sitemaps.accept(file, this.finished, this.stopping);
    if (urls !== null) {
      const r = this.queue.offer(urls, 0);
      if (isPromise(r)) this.track(r);
    }
    this.pump();
  };

  // ---------------------------------------------------------------- pages

  private onPage(slot: FetchSlot, res: Response, err: FastbenchError | null): void {
    const o = this.opts;
    if (err === null && o.probe && isRedirectStatus(res.status) && slot.chain.length < o.maxRedirects && this.dispatch.followRedirect(slot, res)) return;
    if (err !== null && err.code === 'ERR_HTTP_BODY_TOO_LARGE' && slot.rangeEnd < 0) {
      // Bigger than --max-body: ask for the first --max-body bytes, parse those, mark truncated.
      slot.retryRanged(o.maxBodyBytes - 1);
      this.dispatch.direct(slot);
      return;
    }
    const h = slot.host!;
    const e = slot.entry!;
    const now = nowMs();
    h.inFlight--;
    const rec = this.recorder.begin(slot, res, err);
    let follow: string[] | null = null;
    let failed = false;
    if (err !== null) {
      readFailure(rec, res, err.code);
      failed = isHostFailure(err.code);
      if (err.code === 'ERR_DNS_NOT_FOUND') this.gate.markDead(h, err.code);
    } else {
      let links = this.recorder.read(rec, slot, res);
      const status = res.status;
      if (status >= 200 && status < 300 && this.dedupe.isDuplicate(e.url, rec)) links = null;
      follow = this.links.follow(e, rec, links, h);
      failed = status >= 500;
    }
    this.releaseSlot(slot);
    this.gate.afterPage(h, res, err, failed, rec.timing === null ? 0 : rec.timing.total, now);
    this.hosts.maybeIdle(h);
    this.finishPage(e.url, rec, follow, rec.location !== null ? e.depth : e.depth + 1);
  }

  // ---------------------------------------------------------------- output

  /** Queues the children, writes the record, marks the URL done — in that order. */
  private finishPage(url: string, rec: CrawlRecord, follow: string[] | null, depth: number): void {
    this.sitemaps.stamp(url, rec);
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
    if (isPromise(d)) this.track(d);
  }

  /** Counts a shared frontier's answer still on its way; pumps when it comes. */
  private track(p: Promise<unknown>): void {
    this.pendingAsync++;
    p.then(this.onTracked, this.onAsyncError);
  }

  private readonly onTracked = (): void => {
    this.pendingAsync--;
    this.pump();
  };

  // ---------------------------------------------------------------- the end

  private fail(e: unknown): void {
    if (this.failure === undefined) this.failure = e;
    this.stopping = true;
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.timer.cancel();
    void this.close();
  }

  private async close(): Promise<void> {
    let err = this.failure;
    if (this.opts.adaptiveTargetMs > 0) {
      const busiest = this.stats.gate.byHost().slice(0, 10).map((t) => t.name);
      this.stats.adaptive = paceReport(busiest, (host) => this.hosts.peek(host)?.pace);
    }
    const summary = this.stats.summary(this.queue.size, this.hosts.size, this.stopping && this.failure === undefined, this.queue.bounds?.());
    const proxies = this.dispatch.health();
    if (proxies !== undefined) summary.proxies = proxies;
    try {
      this.source?.close();
      await this.dispatch.close();
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
