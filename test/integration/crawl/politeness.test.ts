// Politeness: --delay and robots Crawl-delay space the requests to a host (checked on the
// server's own arrival times), --per-host caps the requests in flight to a host, and 100+ host
// names mapped onto 127.0.0.x with resolve overrides are crawled side by side, each on its own
// clock. Gaps are checked on the crawler's own fetch start times (the `time` of each record, to the
// µs), and the server's access log shows that every request it saw is one of those records (plus
// one robots.txt per host), so no request escaped the pacing. (The server's arrival times are not
// compared: client and server share one event loop here, and a busy loop or a loaded machine
// delays one arrival and shortens the next gap — a measurement artefact, not the crawler's.)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrawlClient, crawlSweepInterval } from '../../../src/crawl/crawl-client.js';
import { resolveCrawlOptions } from '../../../src/crawl/crawl-options.js';
import { openCrawl } from '../../../src/crawl/crawl-session.js';
import type { ServerRequest, ServerResponse } from '../../../src/server/types.js';
import { crawlToFile, expectedPaths, fetched, minRecordGapByHost, pathOf, startSiteServer, tempDir, type TestServer } from './helpers.js';

const tmp = tempDir('fb-crawl-polite-');
afterAll(() => tmp.cleanup());

describe('per-host pace', () => {
  let srv: TestServer;
  let inFlight = 0;
  let maxInFlight = 0;
  beforeAll(async () => {
    srv = await startSiteServer({
      pages: 30,
      extra: (req: ServerRequest, res: ServerResponse) => {
        if (!req.path.startsWith('/slow/')) return false;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        setTimeout(() => {
          inFlight--;
          res.send(200, '<html><title>slow</title></html>', ['Content-Type', 'text/html']);
        }, 30);
        return true;
      },
    });
  });
  afterAll(() => srv.close());

  it('--delay spaces requests to one host', async () => {
    srv.log.length = 0;
    const { records } = await crawlToFile(join(tmp.dir, 'delay.jsonl'), { seeds: [`${srv.url}/site/`], delayMs: 40, maxPages: 10, perHost: 4 });
    expect(records).toHaveLength(10);
    expect(srv.log.length).toBeGreaterThanOrEqual(11); // robots.txt too
    expect(minRecordGapByHost(records).get(`127.0.0.1:${srv.port}`)).toBeGreaterThanOrEqual(40 - 0.01);
    expect(srv.log.map((a) => a.path).sort()).toEqual(['/robots.txt', ...records.map((r) => pathOf(r.url))].sort());
  });

  it('honours the robots.txt Crawl-delay', async () => {
    const slow = await startSiteServer({ pages: 30, crawlDelay: 0.05 });
    try {
      const { records } = await crawlToFile(join(tmp.dir, 'cd.jsonl'), { seeds: [`${slow.url}/site/`], maxPages: 8, perHost: 4 });
      expect(records).toHaveLength(8);
      expect(minRecordGapByHost(records).get(`127.0.0.1:${slow.port}`)).toBeGreaterThanOrEqual(50 - 0.01);
      expect(slow.log.map((a) => a.path).sort()).toEqual(['/robots.txt', ...records.map((r) => pathOf(r.url))].sort());
    } finally {
      await slow.close();
    }
  });

  it('--delay wakes the event loop about once per page, not once per client sweep', async () => {
    // Counts the crawl client's deadline sweeps (its only periodic timer) per page: with a 10 ms
    // sweep a 150 ms delay meant ~15 wake-ups per page; the crawl client sweeps every 250 ms.
    const opts = resolveCrawlOptions({ seeds: [`${srv.url}/site/`], delayMs: 150, maxPages: 6 });
    expect(crawlSweepInterval(opts)).toBe(250);
    expect(crawlSweepInterval({ timeoutMs: 100, connectTimeoutMs: 5000 })).toBe(10);
    const client = createCrawlClient(opts);
    const sweeper = (client as unknown as { sweeper: { tick(): void } }).sweeper;
    let ticks = 0;
    const tick = sweeper.tick.bind(sweeper);
    sweeper.tick = () => {
      ticks++;
      tick();
    };
    let crawlerTimers = 0;
    const realSetTimeout = globalThis.setTimeout;
    const counting = ((fn: () => void, ms?: number) => realSetTimeout(() => { crawlerTimers++; fn(); }, ms)) as typeof setTimeout;
    try {
      const crawler = await openCrawl({ ...opts, output: join(tmp.dir, 'wake.jsonl'), fsync: false, client });
      globalThis.setTimeout = counting;
      await crawler.run();
    } finally {
      globalThis.setTimeout = realSetTimeout;
      await client.close();
    }
    const pages = 6;
    // One crawler timer per host-ready time (plus robots.txt), and the sweeps, well under 3 a page.
    expect(crawlerTimers).toBeLessThanOrEqual(pages + 2);
    expect(ticks / pages).toBeLessThan(3);
  });

  it('--max-crawl-delay caps a long Crawl-delay and keeps the Disallow rules', async () => {
    const slow = await startSiteServer({ pages: 30, crawlDelay: 3600 });
    try {
      const { records } = await crawlToFile(join(tmp.dir, 'mcd.jsonl'), { seeds: [`${slow.url}/site/`], maxPages: 6, perHost: 4, maxCrawlDelayMs: 30 });
      expect(records).toHaveLength(6);
      expect(minRecordGapByHost(records).get(`127.0.0.1:${slow.port}`)).toBeGreaterThanOrEqual(30 - 0.01);
      const all = await crawlToFile(join(tmp.dir, 'mcd2.jsonl'), { seeds: [`${slow.url}/site/`], perHost: 4, maxCrawlDelayMs: 0 });
      expect(all.records.length).toBeGreaterThan(20);
      expect(slow.log.filter((a) => a.path.startsWith('/site/private/'))).toEqual([]);
      expect(all.summary.robotsSkippedLinks).toBeGreaterThan(0);
    } finally {
      await slow.close();
    }
  });

  it('--per-host caps the requests in flight to one host; --concurrency the total', async () => {
    const file = join(tmp.dir, 'slow.txt');
    writeFileSync(file, Array.from({ length: 12 }, (_, i) => `${srv.url}/slow/${i}`).join('\n') + '\n');
    maxInFlight = 0;
    const { records } = await crawlToFile(join(tmp.dir, 'slow.jsonl'), { urlsFile: file, perHost: 3, concurrency: 16 });
    expect(records).toHaveLength(12);
    expect(records.every((r) => r.status === 200 && r.title === 'slow')).toBe(true);
    expect(maxInFlight).toBe(3);
    maxInFlight = 0;
    await crawlToFile(join(tmp.dir, 'slow2.jsonl'), { urlsFile: file, perHost: 8, concurrency: 2 });
    expect(maxInFlight).toBe(2);
  });
});

describe('many hosts through resolve overrides', () => {
  const HOSTS = 120;
  const PAGES = 8;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    // One server per loopback address, all on the same port, so host:port maps onto 127.0.0.x.
    servers.push(await startSiteServer({ pages: PAGES }));
    for (let a = 2; a <= 4; a++) servers.push(await startSiteServer({ pages: PAGES, host: `127.0.0.${a}`, port: servers[0]!.port }));
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  it(`crawls the site under ${HOSTS} host names, each politely and completely`, async () => {
    const port = servers[0]!.port;
    const names = Array.from({ length: HOSTS }, (_, i) => `h${i}.crawl.test`);
    const resolve = names.map((n, i) => `${n}:${port}:127.0.0.${1 + (i % 4)}`);
    const { records, summary } = await crawlToFile(join(tmp.dir, 'hosts.jsonl'), {
      seeds: names.map((n) => `http://${n}:${port}/site/`),
      resolve,
      delayMs: 15,
      concurrency: 48,
      perHost: 2,
    });
    const want = new Set(expectedPaths(PAGES, { robots: true, nofollow: false }).keys());
    const byHost = new Map<string, string[]>();
    for (const r of fetched(records)) {
      const h = new URL(r.url).hostname;
      if (!byHost.has(h)) byHost.set(h, []);
      byHost.get(h)!.push(pathOf(r.url));
    }
    expect(byHost.size).toBe(HOSTS);
    for (const paths of byHost.values()) {
      expect(paths.length).toBe(want.size);
      expect(new Set(paths)).toEqual(want);
    }
    expect(summary.robotsFetched).toBe(HOSTS);
    expect(summary.hosts).toBe(HOSTS);
    // Each name reached the address it was mapped to.
    for (let a = 0; a < 4; a++) {
      const hosts = new Set(servers[a]!.log.map((l) => l.host.split(':')[0]));
      expect(hosts.size).toBe(HOSTS / 4);
      for (const h of hosts) expect(Number(h!.slice(1, h!.indexOf('.'))) % 4).toBe(a);
    }
    for (const gap of minRecordGapByHost(records).values()) expect(gap).toBeGreaterThanOrEqual(15 - 0.01);
    const log = servers.flatMap((s) => s.log);
    expect(log.length).toBe(records.filter((r) => r.timing !== null).length + HOSTS);
  });
});
