// A frontier and seen set shared through Redis (`--frontier redis://host:port/job`), so several
// crawl processes, on one machine or many, work on one crawl.
//
// Politeness across workers comes from host LEASES: a worker takes a host (atomically, in Lua,
// see redis-lua.ts) and is then the only one fetching from it. The lease carries the host's
// next-allowed time and its delay (Crawl-delay included) from holder to holder, in the Redis
// server's clock. A worker renews its leases every ttl/3; a worker that dies stops renewing, its
// leases expire, and the next worker that asks for a host requeues the dead one's in-flight URLs.
// A worker returns a host's lease once the host has nothing queued and nothing in flight (or when
// the crawl ends), writing back when the host may be fetched next.
//
// Inside a lease the worker takes the host's URLs a few at a time into a local buffer (they are
// moved to the host's in-flight hash in Redis, so a crash loses none) and hands them out at the
// host's pace, exactly like MemoryFrontier does for one process.
//
// `maxPages` is the whole job's budget: a Redis counter of URLs taken (done or in flight, minus
// any requeued) that no take may push past, so N workers with --max-pages 1000 fetch 1000 pages
// between them, not N × 1000. A later run on the same job with a higher --max-pages carries on.
//
// De-duplication is exact on 64-bit URL hashes (the same hash as SeenSet) in one Redis set.
// Exactly-once output holds while workers live; a worker killed mid-page may leave a record in its
// own output whose URL another worker fetches again (at-least-once across crashes).
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { FastbenchError } from '../core/errors.js';
import type { CrawlQueue, SharedRobots } from './crawl-queue.js';
import type { FrontierEntry } from './frontier.js';
import { DONE_LUA, LEASE_LUA, OFFER_LUA, RELEASE_LUA, RENEW_LUA, TAKE_LUA } from './redis-lua.js';
import { hash64 } from './seen-set.js';
import { hostOf } from './url-normalizer.js';

export interface RedisFrontierOptions {
  /** redis://[user:pass@]host[:port]/JOB[?db=N] */
  url: string;
  /** Worker id (default host:pid:random). */
  worker?: string;
  /** Lease lifetime; renewed every third of it. Default 30 s. */
  leaseTtlMs?: number;
  /** Hosts leased at once (default 64). */
  maxLeases?: number;
  /** URLs taken from a leased host per round trip. Default 4. */
  batch?: number;
  /** Gap between requests to a host before its delay is known. Default 0. */
  defaultDelayMs?: number;
  /** How often to look for new work when there is none. Default 100 ms. */
  pollMs?: number;
  /** How long a robots.txt fetched by one worker serves the others. Default 24 h (RFC 9309 2.4). */
  robotsTtlMs?: number;
  /** URLs the whole job may take, all workers together (default: no limit). */
  maxPages?: number;
}

interface RedisTarget {
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  db: number;
  job: string;
}

/** Parses redis://[user:pass@]host[:port]/JOB[?db=N]. */
export function parseRedisUrl(url: string): RedisTarget {
  const badUrl = (why: string): FastbenchError =>
    new FastbenchError('ERR_USAGE_BAD_OPTION', `--frontier ${JSON.stringify(url)}: ${why} (expected redis://host:port/JOB)`);
  if (!URL.canParse(url)) throw badUrl('not a URL');
  const u = new URL(url);
  if (u.protocol !== 'redis:') throw badUrl('only redis:// is supported');
  const job = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, ''));
  if (job === '' || /[\s{}]/.test(job)) throw badUrl('give a job name as the path, without spaces or braces');
  const db = Number(u.searchParams.get('db') ?? '0');
  if (!Number.isInteger(db) || db < 0) throw badUrl('db must be a non-negative integer');
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: u.port === '' ? 6379 : Number(u.port),
    username: u.username === '' ? undefined : decodeURIComponent(u.username),
    password: u.password === '' ? undefined : decodeURIComponent(u.password),
    db,
    job,
  };
}

/** The job's key prefix; the braces are a Cluster hash tag (all keys of a job on one slot). */
export function jobPrefix(job: string): string {
  return `fastbench:{${job}}:`;
}

class Lease {
  readonly host: string;
  buf: FrontierEntry[] = [];
  head = 0;
  nextAt: number;
  lastAt = -Infinity;
  delayMs: number;
  held = false;
  /** Given to the crawl loop and not done. */
  given = 0;
  /** The last take found the host's queue empty; look again at retryAt. */
  empty = false;
  retryAt = 0;
  busy = false;

  constructor(host: string, nextAt: number, delayMs: number) {
    this.host = host;
    this.nextAt = nextAt;
    this.delayMs = delayMs;
  }

  get buffered(): number {
    return this.buf.length - this.head;
  }
}

type Reply = (string | number)[];

interface Scripts {
  fbOffer(prefix: string, ...args: (string | number)[]): Promise<number>;
  fbLease(prefix: string, worker: string, ttl: number, batch: number, maxPages: number): Promise<Reply>;
  fbTake(prefix: string, worker: string, host: string, batch: number, maxPages: number): Promise<Reply>;
  fbDone(prefix: string, host: string, url: string): Promise<number>;
  fbRelease(prefix: string, worker: string, host: string, nextIn: number, delay: number): Promise<number>;
  fbRenew(prefix: string, worker: string, ttl: number, ...hosts: string[]): Promise<string[]>;
}

function parseEntry(host: string, e: string): FrontierEntry {
  const sp = e.indexOf(' ');
  return { url: e.slice(sp + 1), depth: Number(e.slice(0, sp)), host };
}

export class RedisFrontier implements CrawlQueue {
  readonly job: string;
  readonly worker: string;
  private readonly redis: Redis;
  private readonly r: Scripts;
  private readonly prefix: string;
  private readonly leases = new Map<string, Lease>();
  private readonly ttl: number;
  private readonly maxLeases: number;
  private readonly batch: number;
  private readonly defaultDelayMs: number;
  private readonly pollMs: number;
  private readonly robotsTtlMs: number;
  /** The job's page budget; -1 for none. */
  private readonly maxPages: number;
  /** Do not ask Redis for a new host before this (nowMs). */
  private leaseRetryAt = 0;
  private renewAt = 0;
  private readonly inflightOps = new Set<Promise<unknown>>();
  private failure: unknown;
  private closed = false;

  private constructor(redis: Redis, job: string, o: RedisFrontierOptions) {
    this.redis = redis;
    this.r = redis as unknown as Scripts;
    this.job = job;
    this.prefix = jobPrefix(job);
    this.worker = o.worker ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
    this.ttl = o.leaseTtlMs ?? 30_000;
    this.maxLeases = o.maxLeases ?? 64;
    this.batch = o.batch ?? 4;
    this.defaultDelayMs = o.defaultDelayMs ?? 0;
    this.pollMs = o.pollMs ?? 100;
    this.robotsTtlMs = o.robotsTtlMs ?? 86_400_000;
    this.maxPages = o.maxPages === undefined || !Number.isFinite(o.maxPages) ? -1 : o.maxPages;
  }

  /** Connects (failing with ERR_CRAWL_FRONTIER when Redis cannot be reached) and loads the scripts. */
  static async connect(o: RedisFrontierOptions): Promise<RedisFrontier> {
    const t = parseRedisUrl(o.url);
    const redis = new Redis({
      host: t.host,
      port: t.port,
      username: t.username,
      password: t.password,
      db: t.db,
      lazyConnect: true,
      enableAutoPipelining: true,
      maxRetriesPerRequest: 3,
      connectTimeout: 5_000,
      retryStrategy: (times: number) => (times > 5 ? null : Math.min(times * 200, 1000)),
    });
    redis.on('error', () => {
      // Failures surface through the commands; this keeps ioredis from logging them.
    });
    try {
      await redis.connect();
    } catch (e) {
      redis.disconnect();
      throw new FastbenchError('ERR_CRAWL_FRONTIER', `cannot connect to Redis at ${t.host}:${t.port}: ${(e as Error).message}`, { cause: e });
    }
    redis.defineCommand('fbOffer', { numberOfKeys: 1, lua: OFFER_LUA });
    redis.defineCommand('fbLease', { numberOfKeys: 1, lua: LEASE_LUA });
    redis.defineCommand('fbTake', { numberOfKeys: 1, lua: TAKE_LUA });
    redis.defineCommand('fbDone', { numberOfKeys: 1, lua: DONE_LUA });
    redis.defineCommand('fbRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
    redis.defineCommand('fbRenew', { numberOfKeys: 1, lua: RENEW_LUA });
    return new RedisFrontier(redis, t.job, o);
  }

  /** URLs buffered locally from leased hosts. */
  get size(): number {
    let n = 0;
    for (const l of this.leases.values()) n += l.buffered;
    return n;
  }

  /** Hosts this worker holds a lease on. */
  get leaseCount(): number {
    return this.leases.size;
  }

  offer(urls: readonly string[], depth: number): Promise<number> {
    const args: (string | number)[] = [depth];
    for (const u of urls) {
      const host = hostOf(u);
      args.push(hash64(u).toString(16), u, host);
      const l = this.leases.get(host);
      if (l !== undefined) l.empty = false;
    }
    return this.track(this.r.fbOffer(this.prefix, ...args));
  }

  pop(now: number): FrontierEntry | undefined | Promise<FrontierEntry | undefined> {
    this.check();
    let refill: Lease | undefined;
    for (const l of this.leases.values()) {
      if (l.held || l.busy || l.nextAt > now) continue;
      if (l.buffered > 0) return this.give(l, now);
      if (refill === undefined && (!l.empty || now >= l.retryAt)) refill = l;
    }
    if (refill !== undefined) return this.refill(refill);
    if (this.leases.size < this.maxLeases && now >= this.leaseRetryAt) return this.lease(now);
    return undefined;
  }

  private give(l: Lease, now: number): FrontierEntry {
    const e = l.buf[l.head++]!;
    if (l.head === l.buf.length) {
      l.buf = [];
      l.head = 0;
    }
    l.lastAt = now;
    l.nextAt = Math.max(now + l.delayMs, l.nextAt);
    l.given++;
    return e;
  }

  /** Takes more of a leased host's URLs into its buffer (pop() hands them out afterwards). */
  private async refill(l: Lease): Promise<undefined> {
    l.busy = true;
    let reply: Reply;
    try {
      reply = await this.track(this.r.fbTake(this.prefix, this.worker, l.host, this.batch, this.maxPages));
    } finally {
      l.busy = false;
    }
    const now = performance.now();
    if (reply[0] === 'lost') {
      this.leases.delete(l.host);
      return undefined;
    }
    for (let i = 1; i < reply.length; i++) l.buf.push(parseEntry(l.host, String(reply[i])));
    if (l.buffered === 0) {
      l.empty = true;
      l.retryAt = now + this.pollMs;
      this.maybeReturn(l, now);
      return undefined;
    }
    l.empty = false;
    // Handed out by the next (synchronous) pop: the crawl loop stamps the fetch with that pop's
    // time, so the host's clock and the record agree to the microsecond.
    return undefined;
  }

  /** Leases a new host (with its first URLs, handed out by the next pop()). */
  private async lease(now: number): Promise<undefined> {
    this.leaseRetryAt = Infinity; // one lease request at a time
    let reply: Reply;
    try {
      reply = await this.track(this.r.fbLease(this.prefix, this.worker, this.ttl, this.batch, this.maxPages));
    } catch (e) {
      this.leaseRetryAt = now + this.pollMs;
      throw e;
    }
    const at = performance.now();
    if (reply[0] !== 'lease') {
      const wait = reply[0] === 'wait' ? Math.max(1, Number(reply[1])) : this.pollMs;
      this.leaseRetryAt = at + Math.min(wait, this.pollMs);
      return undefined;
    }
    this.leaseRetryAt = 0;
    const host = String(reply[1]);
    const delay = Number(reply[3]);
    const l = new Lease(host, at + Math.max(0, Number(reply[2])), delay >= 0 ? delay : this.defaultDelayMs);
    for (let i = 4; i < reply.length; i++) l.buf.push(parseEntry(host, String(reply[i])));
    this.leases.set(host, l);
    if (l.buffered === 0) {
      l.empty = true;
      l.retryAt = at + this.pollMs;
      this.maybeReturn(l, at);
      return undefined;
    }
    return undefined;
  }

  nextReadyAt(now: number): number {
    let at = Infinity;
    for (const l of this.leases.values()) {
      if (l.held || l.busy) continue;
      const t = l.buffered > 0 || !l.empty ? l.nextAt : Math.max(l.nextAt, l.retryAt);
      if (t < at) at = t;
    }
    if (this.leases.size < this.maxLeases) at = Math.min(at, Math.max(this.leaseRetryAt === Infinity ? now + this.pollMs : this.leaseRetryAt, now));
    // Other workers may add work at any time: look again at least every pollMs.
    return Math.min(at, now + this.pollMs);
  }

  hold(host: string): void {
    const l = this.leases.get(host);
    if (l !== undefined) l.held = true;
  }

  release(host: string): void {
    const l = this.leases.get(host);
    if (l !== undefined) l.held = false;
  }

  setHostDelay(host: string, delayMs: number): void {
    const l = this.leases.get(host);
    if (l === undefined) return;
    l.delayMs = delayMs;
    l.nextAt = Math.max(l.nextAt, l.lastAt + delayMs);
  }

  deferHost(host: string, untilMs: number): void {
    const l = this.leases.get(host);
    if (l !== undefined && untilMs > l.nextAt) l.nextAt = untilMs;
  }

  markDone(url: string): Promise<void> {
    const host = hostOf(url);
    const l = this.leases.get(host);
    const p = this.track(this.r.fbDone(this.prefix, host, url)).then(() => {
      if (l !== undefined) {
        l.given--;
        this.maybeReturn(l, performance.now());
      }
    });
    return p;
  }

  /** Returns the lease when the host has nothing left here (nothing buffered or given). */
  private maybeReturn(l: Lease, now: number): void {
    if (!l.empty || l.buffered > 0 || l.given > 0 || l.busy || this.leases.get(l.host) !== l) return;
    this.returnLease(l, now);
  }

  private returnLease(l: Lease, now: number): void {
    this.leases.delete(l.host);
    void this.track(this.r.fbRelease(this.prefix, this.worker, l.host, Math.max(0, Math.ceil(l.nextAt - now)), l.delayMs)).catch(() => {});
  }

  /**
   * Nothing queued or in flight anywhere — or the job's page budget is taken and nothing of it
   * waits in this worker's buffers (what another worker holds, that worker fetches).
   */
  async drained(): Promise<boolean> {
    this.check();
    const n = await this.track(this.redis.get(this.prefix + 'pending'));
    if (n === null || Number(n) <= 0) return true;
    if (this.maxPages < 0 || this.size > 0) return false;
    const claimed = await this.track(this.redis.get(this.prefix + 'claimed'));
    return Number(claimed ?? 0) >= this.maxPages;
  }

  /** URLs queued or in flight, all workers together. */
  async pending(): Promise<number> {
    return Number((await this.redis.get(this.prefix + 'pending')) ?? 0);
  }

  tick(now: number): void {
    if (now < this.renewAt || this.leases.size === 0) return;
    this.renewAt = now + this.ttl / 3;
    const hosts = [...this.leases.keys()];
    void this.track(this.r.fbRenew(this.prefix, this.worker, this.ttl, ...hosts)).then((lost) => {
      for (const h of lost) this.leases.delete(h);
    }, () => {});
  }

  /** robots.txt as another worker fetched it: stored as "STATUS\n" + body, expiring after robotsTtlMs. */
  async sharedRobots(host: string): Promise<SharedRobots | null> {
    const v = await this.track(this.redis.getBuffer(this.prefix + 'robots:' + host));
    if (v === null) return null;
    const nl = v.indexOf(10);
    const status = nl > 0 ? Number(v.toString('latin1', 0, nl)) : NaN;
    if (!Number.isInteger(status)) return null; // not ours: fetch it afresh
    return { status, body: v.subarray(nl + 1) };
  }

  shareRobots(host: string, answer: SharedRobots): void {
    const v = Buffer.concat([Buffer.from(`${answer.status}\n`, 'latin1'), answer.body]);
    void this.track(this.redis.set(this.prefix + 'robots:' + host, v, 'PX', this.robotsTtlMs)).catch(() => {});
  }

  /** Returns every lease (requeueing what was taken and not done) and disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inflightOps]);
    const now = performance.now();
    for (const l of [...this.leases.values()]) this.returnLease(l, now);
    await Promise.allSettled([...this.inflightOps]);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflightOps.add(p);
    const done = (): void => {
      this.inflightOps.delete(p);
    };
    p.then(done, (e: unknown) => {
      done();
      this.failure ??= e;
    });
    return p.catch((e: unknown) => {
      throw e instanceof FastbenchError ? e : new FastbenchError('ERR_CRAWL_FRONTIER', `Redis: ${(e as Error).message}`, { cause: e });
    });
  }

  private check(): void {
    if (this.failure !== undefined) {
      const e = this.failure;
      throw e instanceof FastbenchError ? e : new FastbenchError('ERR_CRAWL_FRONTIER', `Redis: ${(e as Error).message}`, { cause: e });
    }
  }
}
