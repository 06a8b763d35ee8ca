// Deep crawls of the bundled synthetic site, compared URL by URL with the reference crawl
// computed from the site model (siteReachable): robots.txt, nofollow, max depth, <base>, every
// link form normalised, redirects queued as links, each URL fetched exactly once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCrawl } from '../../../src/crawl/crawl-session.js';
import { siteReachable } from '../../../src/server/routes/site-crawl.js';
import { expectedPaths, fetched, crawlToFile, pathOf, startSiteServer, tempDir, type TestServer } from './helpers.js';

const PAGES = 200;
let srv: TestServer;
const tmp = tempDir('fb-crawl-site-');

beforeAll(async () => {
  srv = await startSiteServer({ pages: PAGES });
});
afterAll(async () => {
  await srv.close();
  tmp.cleanup();
});

function counts(paths: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of paths) m.set(p, (m.get(p) ?? 0) + 1);
  return m;
}

describe('deep crawl of the synthetic site', () => {
  it('fetches exactly the reference crawl (robots on, nofollow links followed)', async () => {
    srv.log.length = 0;
    const { records, summary } = await crawlToFile(join(tmp.dir, 'a.jsonl'), { seeds: [`${srv.url}/site/`], perHost: 4, concurrency: 16 });
    const want = expectedPaths(PAGES, { robots: true, nofollow: false });
    const got = fetched(records);
    const c = counts(got.map((r) => pathOf(r.url)));
    expect([...c.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(c.keys())).toEqual(new Set(want.keys()));
    for (const r of got) expect(r.status).toBe(want.get(pathOf(r.url)));
    // Disallowed links were dropped before queueing: nothing under /site/private/ was requested.
    expect(srv.log.filter((a) => a.path.startsWith('/site/private/'))).toEqual([]);
    expect(srv.log.filter((a) => a.path === '/robots.txt')).toHaveLength(1);
    expect(summary.pages).toBe(records.length);
    expect(summary.robotsSkippedLinks).toBeGreaterThan(0);
    // A page record carries what the issue lists.
    const home = got.find((r) => pathOf(r.url) === '/site/')!;
    expect(home).toMatchObject({ status: 200, title: 'fastbench synthetic site', depth: 0, error: null });
    expect(home.contentType).toMatch(/^text\/html/);
    expect(home.links).toBeGreaterThan(0);
    expect(home.timing?.total).toBeGreaterThan(0);
    const redirect = got.find((r) => r.status === 301 || r.status === 302)!;
    expect(redirect.location).toMatch(/\/site\/p\/\d+$/);
  });

  it('honours rel=nofollow and --max-depth like the reference', async () => {
    const { records } = await crawlToFile(join(tmp.dir, 'b.jsonl'), { seeds: [`${srv.url}/site/`], nofollow: true, maxDepth: 3, perHost: 2 });
    const want = siteReachable(1, PAGES, { robots: true, nofollow: true, maxDepth: 3 });
    const got = fetched(records).map((r) => pathOf(r.url));
    expect(got.length).toBe(new Set(got).size);
    expect(new Set(got)).toEqual(new Set(want.keys()));
    for (const r of fetched(records)) expect(r.depth).toBe(want.get(pathOf(r.url))!.depth);
  });

  it('--no-robots fetches what robots.txt disallows, and no robots.txt', async () => {
    srv.log.length = 0;
    const { records } = await crawlToFile(join(tmp.dir, 'c.jsonl'), { seeds: [`${srv.url}/site/`], robots: false, maxDepth: 2, perHost: 4 });
    const want = expectedPaths(PAGES, { robots: false, nofollow: false, maxDepth: 2 });
    const got = records.map((r) => pathOf(r.url));
    expect(new Set(got)).toEqual(new Set(want.keys()));
    expect(got.some((p) => p.startsWith('/site/private/'))).toBe(true);
    expect(srv.log.some((a) => a.path === '/robots.txt')).toBe(false);
  });

  it('--max-pages stops after that many records', async () => {
    const { records, summary } = await crawlToFile(join(tmp.dir, 'd.jsonl'), { seeds: [`${srv.url}/site/`], maxPages: 25 });
    expect(records).toHaveLength(25);
    // The queue never held more than the budget could take: nothing is left, the rest was counted.
    expect(summary.queuedLeft).toBe(0);
    expect(summary.frontier!.peak).toBeLessThanOrEqual(25);
    expect(summary.frontier!.dropped.budget).toBeGreaterThan(0);
  });

  it('writes CSV with a header row', async () => {
    const out = join(tmp.dir, 'e.csv');
    const crawler = await openCrawl({ output: out, fsync: false, seeds: [`${srv.url}/site/`], maxPages: 5, format: 'csv' });
    await crawler.run();
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]!.startsWith('url,finalUrl,redirects,status,contentType,bytes,title,links')).toBe(true);
    expect(lines).toHaveLength(6);
  });
});

