// Two crawlers share one job through a real redis-server (started here on a free loopback port,
// in a temp dir, with persistence off): together they fetch the expected site exactly once, and
// requests to each host stay the delay apart across BOTH workers (the host lease carries the
// host's clock). A worker that dies holding a lease loses it when the lease expires, and its
// in-flight URL is fetched by the other.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer as netServer } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCrawl } from '../../../src/crawl/crawl-session.js';
import { RedisFrontier, parseRedisUrl } from '../../../src/crawl/redis-frontier.js';
import { runCli } from '../../helpers/cli.js';
import { expectedPaths, fetched, minRecordGapByHost, pathOf, readRecords, startSiteServer, tempDir, type TestServer } from './helpers.js';

const HAVE_REDIS = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).status === 0;
if (!HAVE_REDIS) console.log('skipping the Redis frontier tests: redis-server is not installed (apt-get install redis-server)');

const tmp = tempDir('fb-crawl-redis-');
let redisProc: ChildProcess | undefined;
let redisUrl = '';
let srv: TestServer;
const PAGES = 30;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = netServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A redis-server without persistence on `port`, ready to accept connections. */
async function startRedis(port: number): Promise<ChildProcess> {
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp.dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${text}`)), 10_000);
    proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${text}`)));
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (d: string) => {
      text += d;
      if (text.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return proc;
}

/** SIGKILLs a redis-server and waits until it is gone (its port is free again). */
function killRedis(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}

// Job markers (job-marker.ts) go to a temp dir, not to the home directory.
process.env['XDG_STATE_HOME'] = join(tmp.dir, 'xdg-state');

beforeAll(async () => {
  if (!HAVE_REDIS) return;
  const port = await freePort();
  redisProc = await startRedis(port);
  redisUrl = `redis://127.0.0.1:${port}`;
  srv = await startSiteServer({ pages: PAGES });
});

afterAll(async () => {
  await srv?.close();
  redisProc?.kill('SIGKILL');
  tmp.cleanup();
});

describe.skipIf(!HAVE_REDIS)('Redis frontier', () => {
  it('parses redis:// URLs with a job name', () => {
    expect(parseRedisUrl('redis://10.0.0.1:6380/myjob?db=2')).toMatchObject({ host: '10.0.0.1', port: 6380, job: 'myjob', db: 2 });
    expect(() => parseRedisUrl('redis://h:1/')).toThrow(/job name/);
    expect(() => parseRedisUrl('http://h/j')).toThrow(/redis:\/\//);
  });

  it('two workers share one crawl: every page once, each host paced across both', async () => {
    const hosts = ['w0', 'w1', 'w2', 'w3', 'w4', 'w5'].map((h) => `${h}.redis.test:${srv.port}`);
    const resolve = hosts.map((h) => `${h}:127.0.0.1`);
    const seeds = hosts.map((h) => `http://${h}/site/`);
    const job = `${redisUrl}/two-workers`;
    const DELAY = 20;
    srv.log.length = 0;
    const outs = [join(tmp.dir, 'w1.jsonl'), join(tmp.dir, 'w2.jsonl')];
    const crawlers = await Promise.all(outs.map((output) => openCrawl({ seeds, frontier: job, resolve, output, fsync: false, delayMs: DELAY, perHost: 2, concurrency: 8 })));
    const summaries = await Promise.all(crawlers.map((c) => c.run()));
    const recs = outs.flatMap(readRecords);
    // Both did some of the work.
    expect(summaries[0]!.pages).toBeGreaterThan(0);
    expect(summaries[1]!.pages).toBeGreaterThan(0);
    const want = new Set(expectedPaths(PAGES, { robots: true, nofollow: false }).keys());
    const byHost = new Map<string, string[]>();
    for (const r of fetched(recs)) {
      const h = new URL(r.url).host;
      if (!byHost.has(h)) byHost.set(h, []);
      byHost.get(h)!.push(pathOf(r.url));
    }
    expect(byHost.size).toBe(hosts.length);
    for (const paths of byHost.values()) {
      expect(paths.length).toBe(want.size); // no duplicates across the two outputs
      expect(new Set(paths)).toEqual(want);
    }
    // Fetch start times across BOTH workers' outputs (one clock: same process). The lease hands
    // the host's clock from worker to worker; within a worker the frontier spaces the requests.
    for (const gap of minRecordGapByHost(recs).values()) expect(gap).toBeGreaterThanOrEqual(DELAY - 0.5);
    // Every page request the server saw is one of those records (none escaped the pacing).
    expect(srv.log.filter((a) => a.path !== '/robots.txt').length).toBe(recs.filter((r) => r.timing !== null).length);
    // robots.txt once per host for the whole job: a worker leasing a host another worker already
    // crawled takes its robots.txt from Redis.
    expect(srv.log.filter((a) => a.path === '/robots.txt').length).toBe(hosts.length);
    expect(summaries[0]!.robotsFetched + summaries[1]!.robotsFetched).toBe(hosts.length);
  });

  it('--max-pages is the whole job\'s budget: two workers fetch that many between them, none twice', async () => {
    const hosts = ['m0', 'm1', 'm2', 'm3'].map((h) => `${h}.redis.test:${srv.port}`);
    const resolve = hosts.map((h) => `${h}:127.0.0.1`);
    const seeds = hosts.map((h) => `http://${h}/site/`);
    const job = `${redisUrl}/budget`;
    const MAX = 23;
    srv.log.length = 0;
    const outs = [join(tmp.dir, 'b1.jsonl'), join(tmp.dir, 'b2.jsonl')];
    const crawlers = await Promise.all(outs.map((output) => openCrawl({ seeds, frontier: job, resolve, output, fsync: false, perHost: 2, concurrency: 8, maxPages: MAX })));
    const summaries = await Promise.all(crawlers.map((c) => c.run()));
    const recs = outs.flatMap(readRecords);
    expect(recs).toHaveLength(MAX);
    expect(new Set(recs.map((r) => r.url)).size).toBe(MAX);
    expect(summaries[0]!.pages + summaries[1]!.pages).toBe(MAX);
    // The server saw exactly those pages (robots.txt aside).
    expect(srv.log.filter((a) => a.path !== '/robots.txt').length).toBe(recs.filter((r) => r.timing !== null).length);
    // The rest stays queued for a later run with a higher budget, which carries on from there.
    const more = await openCrawl({ seeds, frontier: job, resolve, output: join(tmp.dir, 'b3.jsonl'), fsync: false, maxPages: MAX + 5 });
    await more.run();
    const next = readRecords(join(tmp.dir, 'b3.jsonl'));
    expect(next).toHaveLength(5);
    for (const r of next) expect(recs.some((o) => o.url === r.url)).toBe(false);
  });

  it('a host\'s robots.txt is fetched once per job: the next worker takes it from Redis and obeys it', async () => {
    const host = `robots.redis.test:${srv.port}`;
    const seeds = [`http://${host}/site/`];
    const resolve = [`${host}:127.0.0.1`];
    const job = `${redisUrl}/shared-robots`;
    srv.log.length = 0;
    const first = await openCrawl({ seeds, frontier: job, resolve, output: join(tmp.dir, 'r1.jsonl'), fsync: false, maxPages: 4 });
    const s1 = await first.run();
    expect(s1.robotsFetched).toBe(1);
    // A second worker carries the job on (a higher budget) and leases the same host.
    const out2 = join(tmp.dir, 'r2.jsonl');
    const second = await openCrawl({ seeds, frontier: job, resolve, output: out2, fsync: false });
    const s2 = await second.run();
    expect(s2.robotsFetched).toBe(0);
    expect(s2.robotsShared).toBe(1);
    expect(srv.log.filter((a) => a.path === '/robots.txt')).toHaveLength(1);
    // ...and obeys it: between them the two fetched exactly what a one-process crawl would.
    const recs = [...readRecords(join(tmp.dir, 'r1.jsonl')), ...readRecords(out2)];
    expect(new Set(fetched(recs).map((r) => pathOf(r.url)))).toEqual(new Set(expectedPaths(PAGES, { robots: true, nofollow: false }).keys()));
    expect(fetched(recs)).toHaveLength(expectedPaths(PAGES, { robots: true, nofollow: false }).size);
  });

  it('a dead worker\'s lease expires and its in-flight URL is crawled by another', async () => {
    const host = `dead.redis.test:${srv.port}`;
    const job = `${redisUrl}/dead-worker`;
    const dead = await RedisFrontier.connect({ url: job, leaseTtlMs: 300 });
    await dead.offer([`http://${host}/site/`], 0);
    expect(await dead.pop(performance.now())).toBeUndefined(); // leases the host, takes its first URLs
    const taken = await dead.pop(performance.now()); // hands one out (now in its in-flight hash)
    expect(taken?.url).toBe(`http://${host}/site/`);
    (dead as unknown as { redis: Redis }).redis.disconnect(); // dies holding the lease
    const out = join(tmp.dir, 'survivor.jsonl');
    const c = await openCrawl({ seeds: [`http://${host}/site/`], frontier: job, resolve: [`${host}:127.0.0.1`], output: out, fsync: false, maxDepth: 1 });
    const t0 = performance.now();
    await c.run();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250); // waited for the lease to lapse
    const recs = readRecords(out);
    expect(recs.map((r) => pathOf(r.url))).toContain('/site/');
    expect(new Set(fetched(recs).map((r) => pathOf(r.url)))).toEqual(new Set(expectedPaths(PAGES, { robots: true, nofollow: false, maxDepth: 1 }).keys()));
  });

  it('fails with ERR_CRAWL_FRONTIER naming the address and the cause when Redis is not there', async () => {
    const port = await freePort();
    const err = await RedisFrontier.connect({ url: `redis://127.0.0.1:${port}/x` }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_CRAWL_FRONTIER' });
    expect((err as Error).message).toBe(`cannot connect to Redis at 127.0.0.1:${port}: connection refused (is redis-server running there?)`);
    // The CLI: one line and the hint, exit 2, no stack.
    const r = await runCli(['crawl', `${srv.url}/site/`, '--frontier', `redis://127.0.0.1:${port}/x`, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^error\\[ERR_CRAWL_FRONTIER\\]: cannot connect to Redis at 127\\.0\\.0\\.1:${port}: connection refused`, 'm'));
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toMatch(/ioredis|maxRetriesPerRequest/);
  });

  it('Redis going away mid-crawl: ERR_CRAWL_FRONTIER naming the address and the cause in our words', async () => {
    const port = await freePort();
    const proc = await startRedis(port);
    let f: RedisFrontier | undefined;
    try {
      f = await RedisFrontier.connect({ url: `redis://127.0.0.1:${port}/gone` });
      expect(await f.offer(['http://a.test/1'], 0)).toBe(1);
      await killRedis(proc);
      const err = await f.offer(['http://a.test/2'], 0).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_CRAWL_FRONTIER' });
      expect((err as Error).message).toMatch(new RegExp(`^Redis at 127\\.0\\.0\\.1:${port}: (lost the connection and could not get it back: connection refused|connection refused|the connection was closed)`));
      expect((err as Error).message).not.toMatch(/maxRetriesPerRequest|Refer to/);
    } finally {
      await killRedis(proc);
      await f?.close().catch(() => {});
    }
  });

  it('a job Redis lost (restarted without persistence) is refused, not started over; --restart means it', async () => {
    const port = await freePort();
    let proc = await startRedis(port);
    const host = `lost.redis.test:${srv.port}`;
    const seeds = [`http://${host}/site/`];
    const resolve = [`${host}:127.0.0.1`];
    const job = `redis://127.0.0.1:${port}/lost`;
    const state = join(tmp.dir, 'lost-state');
    try {
      const first = await openCrawl({ seeds, frontier: job, resolve, stateDir: state, output: join(tmp.dir, 'lost1.jsonl'), fsync: false, maxPages: 5 });
      await first.run();
      expect(readRecords(join(tmp.dir, 'lost1.jsonl'))).toHaveLength(5);
      // Redis restarts empty.
      await killRedis(proc);
      proc = await startRedis(port);
      // Same worker state: refused, with the address and what to do.
      const err = await openCrawl({ seeds, frontier: job, resolve, stateDir: state, output: join(tmp.dir, 'lost2.jsonl'), fsync: false }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_CRAWL_JOB_LOST' });
      expect((err as Error).message).toContain(`gone from Redis at 127.0.0.1:${port}`);
      // The CLI: exit 2, one line and the hint.
      const r = await runCli(['crawl', ...seeds, '--frontier', job, '--resolve', resolve[0]!, '--quiet', '-o', join(tmp.dir, 'lost3.jsonl'), '--state', state]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error\[ERR_CRAWL_JOB_LOST\]: /m);
      expect(r.stderr).toMatch(/hint: Pass --restart/);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      // --restart: started over from the seeds.
      const again = await openCrawl({ seeds, frontier: job, resolve, stateDir: state, output: join(tmp.dir, 'lost4.jsonl'), fsync: false, restart: true, maxPages: 5 });
      await again.run();
      const recs = readRecords(join(tmp.dir, 'lost4.jsonl'));
      expect(recs).toHaveLength(5);
      expect(recs.map((x) => pathOf(x.url))).toContain('/site/');
    } finally {
      await killRedis(proc);
    }
  });

  it('without --state the marker under $XDG_STATE_HOME catches a lost job too', async () => {
    const port = await freePort();
    let proc = await startRedis(port);
    const host = `lost2.redis.test:${srv.port}`;
    const o = { seeds: [`http://${host}/site/`], frontier: `redis://127.0.0.1:${port}/lost-default`, resolve: [`${host}:127.0.0.1`], output: join(tmp.dir, 'ld.jsonl'), fsync: false, maxPages: 3 };
    try {
      await (await openCrawl(o)).run();
      await killRedis(proc);
      proc = await startRedis(port);
      await expect(openCrawl(o)).rejects.toMatchObject({ code: 'ERR_CRAWL_JOB_LOST' });
    } finally {
      await killRedis(proc);
    }
  });

  it('a job that vanishes under a running crawl stops it with ERR_CRAWL_JOB_LOST instead of ending as done', async () => {
    const port = await freePort();
    const proc = await startRedis(port);
    const host = `vanish.redis.test:${srv.port}`;
    const admin = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
    try {
      await admin.connect();
      const c = await openCrawl({ seeds: [`http://${host}/site/`], frontier: `redis://127.0.0.1:${port}/vanish`, resolve: [`${host}:127.0.0.1`], output: join(tmp.dir, 'vanish.jsonl'), fsync: false, delayMs: 30, jobMarker: false });
      const run = c.run().then(() => null, (e: unknown) => e);
      // Once a few pages are in, the job's keys vanish (as after a restart of a Redis without persistence).
      for (let i = 0; i < 500 && c.progress().pages < 3; i++) await new Promise((r) => setTimeout(r, 10));
      expect(c.progress().pages).toBeGreaterThanOrEqual(3);
      await admin.flushall();
      const err = await run;
      expect(err).toMatchObject({ code: 'ERR_CRAWL_JOB_LOST' });
      expect((err as Error).message).toContain(`127.0.0.1:${port}`);
      expect(readRecords(join(tmp.dir, 'vanish.jsonl')).length).toBeLessThan(expectedPaths(PAGES, { robots: true, nofollow: false }).size);
    } finally {
      admin.disconnect();
      await killRedis(proc);
    }
  });
});
