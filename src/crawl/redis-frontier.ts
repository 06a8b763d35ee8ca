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
// The job has an id in Redis (P..'job'), made when the first worker creates the job. Each worker
// keeps a marker of the job it joined on its own disk (job-marker.ts) and passes the id to every
// script. A worker starting with a marker for a job Redis no longer has refuses to start it over
// (ERR_CRAWL_JOB_LOST; `restart` means it), and a running worker whose job vanishes under it
// (Redis restarted without persistence) stops with the same error instead of finishing "done".
// Redis failures are reported with the server's address and the cause in our words.
//
// De-duplication is exact on 64-bit URL hashes (the same hash as SeenSet) in one Redis set.
// Exactly-once output holds while workers live; a worker killed mid-page may leave a record in its
// own output whose URL another worker fetches again (at-least-once across crashes).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { FastbenchError } from '../core/errors.js';
import type { CrawlQueue, SharedRobots } from './crawl-queue.js';
import type { FrontierEntry } from './frontier.js';
import { DONE_LUA, LEASE_LUA, OFFER_LUA, RELEASE_LUA, RENEW_LUA, TAKE_LUA } from './redis-lua.js';
import { hash64 } from './seen-set.js';
import { hostOf } from './url-normalizer.js';
import { jobMarkerPath, readJobMarker, writeJobMarker } from './job-marker.js';

/** Where connectRedis connects (a parsed redis:// URL). */
export interface RedisAddress {
  host: string;
  port: number;
  username?: string | undefined;
  password?: string | undefined;
  db: number;
}

/**
 * One Redis client as the crawl frontier and the fleet use it (lazy connect, auto-pipelining, a
 * few quick retries), connected; `lastError` keeps the connection's last error event, which a
 * later "connection is closed" hides. A failed connect throws what `fail` makes of it.
 */
export async function connectRedis(t: RedisAddress, fail: (e: unknown, last: unknown) => Error): Promise<{ redis: Redis; lastError: { e: unknown } }> {
  const lastError: { e: unknown } = { e: undefined };
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
  // Failures surface through the commands; this keeps ioredis from printing them.
  redis.on('error', (e: unknown) => {
    lastError.e = e;
  });
  try {
    await redis.connect();
  } catch (e) {
    redis.disconnect();
    throw fail(e, lastError.e);
  }
  return { redis, lastError };
}

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
  /** Where this worker keeps its marker of the job (see job-marker.ts; default: none kept). */
  markerPath?: string;
  /** Start the job over: delete what Redis holds of it, whatever a marker says. */
  restart?: boolean;
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

/** Each script takes the job id first (checked against P..'job', see redis-lua.ts). */
interface Scripts {
  fbOffer(prefix: string, id: string, ...args: (string | number)[]): Promise<number>;
  fbLease(prefix: string, id: string, worker: string, ttl: number, batch: number, maxPages: number): Promise<Reply>;
  fbTake(prefix: string, id: string, worker: string, host: string, batch: number, maxPages: number): Promise<Reply>;
  fbDone(prefix: string, id: string, host: string, url: string): Promise<number>;
  fbRelease(prefix: string, id: string, worker: string, host: string, nextIn: number, delay: number): Promise<number>;
  fbRenew(prefix: string, id: string, worker: string, ttl: number, ...hosts: string[]): Promise<string[]>;
}

function firstLine(s: string): string {
  const nl = s.indexOf('\n');
  return (nl < 0 ? s : s.slice(0, nl)).trim();
}

/**
 * What went wrong with Redis, in our words (ioredis's own messages name options and internals).
 * `last` is the last connection-level error seen, which explains a "connection is closed".
 */
export function describeRedisError(e: unknown, last?: unknown): string {
  const err = (e ?? {}) as { code?: unknown; name?: unknown; message?: unknown };
  const msg = typeof err.message === 'string' ? err.message : String(e);
  const code = typeof err.code === 'string' ? err.code : '';
  const lastCause = last !== undefined && last !== e ? describeRedisError(last) : undefined;
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(msg)) return 'connection refused (is redis-server running there?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || /ENOTFOUND|EAI_AGAIN/.test(msg)) return 'the host name does not resolve';
  if (code === 'ETIMEDOUT' || /ETIMEDOUT/.test(msg)) return 'timed out connecting';
  if (err.name === 'MaxRetriesPerRequestError' || /max retries per request/i.test(msg)) {
    return `lost the connection and could not get it back${lastCause !== undefined ? `: ${lastCause}` : ''}`;
  }
  if (/Connection is closed|ECONNRESET|EPIPE|Stream isn't writeable/i.test(msg)) {
    return lastCause !== undefined ? lastCause : 'the connection was closed';
  }
  if (/^(NOAUTH|WRONGPASS)/.test(msg)) return 'authentication failed: check user:password in the --frontier URL';
  if (/^NOPERM/.test(msg)) return `the Redis user may not run a command the crawl needs (${firstLine(msg)})`;
  if (/^LOADING/.test(msg)) return 'Redis is still loading its data set: try again in a moment';
  if (/^OOM/.test(msg)) return 'Redis is out of memory (maxmemory reached)';
  if (/^READONLY/.test(msg)) return 'this Redis is a read-only replica: point --frontier at the primary';
  if (/^MISCONF/.test(msg)) return 'Redis refuses writes because it cannot save to disk (MISCONF)';
  return firstLine(msg);
}

function jobLost(job: string, address: string, why: string): FastbenchError {
  return new FastbenchError('ERR_CRAWL_JOB_LOST', `the crawl job ${JSON.stringify(job)} is gone from Redis at ${address}: ${why}`);
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
  /** host:port of the Redis server, for messages. */
  readonly address: string;
  /** The job's id in Redis (what this worker joined). */
  readonly jobId: string;
  /** The last connection-level error ioredis reported (explains a later "connection closed"). */
  private readonly lastError: { e: unknown };

  private constructor(redis: Redis, job: string, jobId: string, address: string, lastError: { e: unknown }, o: RedisFrontierOptions) {
    this.redis = redis;
    this.r = redis as unknown as Scripts;
    this.job = job;
    this.jobId = jobId;
    this.address = address;
    this.lastError = lastError;
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

  /** Where the CLI keeps this worker's marker of the job in `url` (see job-marker.ts). */
  static markerPath(url: string, stateDir?: string): string {
    const t = parseRedisUrl(url);
    return jobMarkerPath(`${t.host}:${t.port}`, t.db, t.job, stateDir);
  }

  /**
   * Connects (failing with ERR_CRAWL_FRONTIER when Redis cannot be reached), loads the scripts and
   * joins the job (ERR_CRAWL_JOB_LOST when the marker knows a job Redis has lost).
   */
  static async connect(o: RedisFrontierOptions): Promise<RedisFrontier> {
    const t = parseRedisUrl(o.url);
    const address = `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
    const { redis, lastError } = await connectRedis(t, (e, last) => new FastbenchError('ERR_CRAWL_FRONTIER', `cannot connect to Redis at ${address}: ${describeRedisError(e, last)}`, { cause: e }));
    redis.defineCommand('fbOffer', { numberOfKeys: 1, lua: OFFER_LUA });
    redis.defineCommand('fbLease', { numberOfKeys: 1, lua: LEASE_LUA });
    redis.defineCommand('fbTake', { numberOfKeys: 1, lua: TAKE_LUA });
    redis.defineCommand('fbDone', { numberOfKeys: 1, lua: DONE_LUA });
    redis.defineCommand('fbRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
    redis.defineCommand('fbRenew', { numberOfKeys: 1, lua: RENEW_LUA });
    let id: string;
    try {
      id = await RedisFrontier.joinJob(redis, t.job, address, t.db, o);
    } catch (e) {
      redis.disconnect();
      if (e instanceof FastbenchError) throw e;
      throw new FastbenchError('ERR_CRAWL_FRONTIER', `Redis at ${address}: ${describeRedisError(e, lastError.e)}`, { cause: e });
    }
    return new RedisFrontier(redis, t.job, id, address, lastError, o);
  }

  /**
   * The job's id: the one in Redis, or a new one when the job is new (or restarted). Refuses a job
   * this worker's marker knows and Redis does not.
   */
  private static async joinJob(redis: Redis, job: string, address: string, db: number, o: RedisFrontierOptions): Promise<string> {
    const prefix = jobPrefix(job);
    const key = prefix + 'job';
    const marker = o.markerPath === undefined ? undefined : readJobMarker(o.markerPath);
    if (o.restart === true) await RedisFrontier.wipe(redis, prefix);
    let id = o.restart === true ? null : await redis.get(key);
    if (id === null) {
      if (marker !== undefined && o.restart !== true) {
        throw jobLost(
          job,
          address,
          `this worker joined it on ${marker.joined || 'an earlier run'} (marker ${o.markerPath}), and Redis has no trace of it now (a Redis without persistence restarted, or the keys were deleted)`,
        );
      }
      const fresh = randomBytes(8).toString('hex');
      id = (await redis.set(key, fresh, 'NX')) === 'OK' ? fresh : await redis.get(key);
      if (id === null) throw jobLost(job, address, 'its keys were deleted while this worker joined it');
    }
    if (o.markerPath !== undefined && marker?.id !== id) {
      writeJobMarker(o.markerPath, { redis: `redis://${address}/${db}`, job, id, joined: new Date().toISOString() });
    }
    return id;
  }

  /** Deletes every key of the job (`restart`): workers still on it stop with ERR_CRAWL_JOB_LOST. */
  private static async wipe(redis: Redis, prefix: string): Promise<void> {
    const pattern = prefix.replace(/[*?[\]\\]/g, '\\$&') + '*';
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
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
    return this.track(this.r.fbOffer(this.prefix, this.jobId, ...args));
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
      reply = await this.track(this.r.fbTake(this.prefix, this.jobId, this.worker, l.host, this.batch, this.maxPages));
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
      reply = await this.track(this.r.fbLease(this.prefix, this.jobId, this.worker, this.ttl, this.batch, this.maxPages));
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
    const p = this.track(this.r.fbDone(this.prefix, this.jobId, host, url)).then(() => {
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
    void this.track(this.r.fbRelease(this.prefix, this.jobId, this.worker, l.host, Math.max(0, Math.ceil(l.nextAt - now)), l.delayMs)).catch(() => {});
  }

  /**
   * Nothing queued or in flight anywhere — or the job's page budget is taken and nothing of it
   * waits in this worker's buffers (what another worker holds, that worker fetches).
   */
  async drained(): Promise<boolean> {
    this.check();
    const [n, claimed, id] = await this.track(this.redis.mget(this.prefix + 'pending', this.prefix + 'claimed', this.prefix + 'job'));
    // A vanished job reads as "nothing pending": that must not end the crawl as done.
    if (id !== this.jobId) throw this.lost();
    if (n === null || Number(n) <= 0) return true;
    if (this.maxPages < 0 || this.size > 0) return false;
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
    void this.track(this.r.fbRenew(this.prefix, this.jobId, this.worker, this.ttl, ...hosts)).then((lost) => {
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
      throw this.wrap(e);
    });
  }

  /** Our typed error for a Redis failure. */
  private wrap(e: unknown): FastbenchError {
    if (e instanceof FastbenchError) return e;
    const msg = (e as Error | undefined)?.message;
    if (typeof msg === 'string' && msg.startsWith('FBJOBLOST')) return this.lost();
    return new FastbenchError('ERR_CRAWL_FRONTIER', `Redis at ${this.address}: ${describeRedisError(e, this.lastError.e)}`, { cause: e });
  }

  private lost(): FastbenchError {
    return jobLost(this.job, this.address, 'its keys vanished during the crawl (a Redis without persistence restarted, or the keys were deleted), or another worker started it over with --restart');
  }

  private check(): void {
    if (this.failure !== undefined) throw this.wrap(this.failure);
  }
}
