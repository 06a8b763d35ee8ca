// The crawler stays bounded under a fan-out trap (every page links to 100 new pages, forever):
// with --max-pages the frontier never holds more than can still be fetched, and the links turned
// away are counted; a trap host cannot fill the queue and starve another host (--max-host-queue);
// with --state the overflow past --max-queue spills to the journal and nothing is lost.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerRequest, ServerResponse } from '../../../src/server/types.js';
import { runCli } from '../../helpers/cli.js';
import { crawlToFile, expectedPaths, fetched, pathOf, readRecords, startSiteServer, tempDir, type TestServer } from './helpers.js';

const FAN_OUT = 100;
const PAGES = 25; // the site (68 URLs with the page-signals hub) fits under the 70-URL per-host cap below
let srv: TestServer;
let trapHits = 0;
const tmp = tempDir('fb-crawl-bounds-');

/** /trap/<id>: a page linking to FAN_OUT pages never seen before. */
function trap(req: ServerRequest, res: ServerResponse): boolean {
  if (!req.path.startsWith('/trap/')) return false;
  trapHits++;
  const id = req.path.slice('/trap/'.length);
  let html = `<html><title>trap ${id}</title><body>`;
  for (let i = 0; i < FAN_OUT; i++) html += `<a href="/trap/${id}-${i}">${i}</a>`;
  res.send(200, html + '</body></html>', ['Content-Type', 'text/html']);
  return true;
}

beforeAll(async () => {
  srv = await startSiteServer({ pages: PAGES, extra: trap });
});
afterAll(async () => {
  await srv?.close();
  tmp.cleanup();
});

describe('bounded frontier', () => {
  it('--max-pages 50 on a fan-out trap: the frontier never holds more than 50, the rest is counted', async () => {
    trapHits = 0;
    const { records, summary } = await crawlToFile(join(tmp.dir, 'trap.jsonl'), { seeds: [`${srv.url}/trap/x`], maxPages: 50, concurrency: 8, perHost: 4 });
    expect(records).toHaveLength(50);
    expect(trapHits).toBe(50);
    const f = summary.frontier!;
    // Before the bound: every link of every page was queued (50 pages x 100 links ~ 5,000).
    expect(f.peak).toBeLessThanOrEqual(50);
    // Links found: 100 per page fetched; all but those queued were dropped as over the budget.
    expect(f.dropped.budget).toBeGreaterThanOrEqual(50 * FAN_OUT - 50);
    expect(f.dropped['queue-full'] + f.dropped['host-queue-full']).toBe(0);
    expect(summary.queuedLeft).toBeLessThanOrEqual(50);
  });

  it('the summary on stderr shows the frontier peak and the drops by reason', async () => {
    const out = join(tmp.dir, 'cli-trap.jsonl');
    const r = await runCli(['crawl', `${srv.url}/trap/c`, '--max-pages', '20', '--max-queue', '1000', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readRecords(out)).toHaveLength(20);
    const m = /frontier peak (\d+) queued \(--max-queue 1000, --max-host-queue \d+\), links dropped: budget (\d+)/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(20);
    expect(Number(m![2])).toBeGreaterThanOrEqual(20 * FAN_OUT - 20);
  });

  it('--max-host-queue: a trap host does not starve another host of queue room', async () => {
    const trapHost = `trap.bounds.test:${srv.port}`;
    const siteHost = `site.bounds.test:${srv.port}`;
    const o = {
      seeds: [`http://${siteHost}/site/`, `http://${trapHost}/trap/h`],
      resolve: [`${trapHost}:127.0.0.1`, `${siteHost}:127.0.0.1`],
      maxPages: 300,
      maxQueue: 150,
      concurrency: 4,
      perHost: 2,
    };
    const want = expectedPaths(PAGES, { robots: true, nofollow: false });
    // The whole site fits under the per-host cap (its frontier never holds more than it has).
    expect(want.size).toBeLessThanOrEqual(70);
    const sitePaths = (recs: ReturnType<typeof readRecords>): Set<string> => new Set(fetched(recs).filter((r) => new URL(r.url).host === siteHost).map((r) => pathOf(r.url)));

    // No per-host cap: the trap fills the queue and the site's links are turned away.
    const open = await crawlToFile(join(tmp.dir, 'nocap.jsonl'), { ...o });
    expect(open.summary.frontier!.dropped['queue-full']).toBeGreaterThan(0);
    expect(open.summary.frontier!.peak).toBeLessThanOrEqual(150);

    // A cap of 70 per host: the trap keeps at most 70, the site gets all the room it needs.
    const capped = await crawlToFile(join(tmp.dir, 'cap.jsonl'), { ...o, maxHostQueue: 70 });
    const f = capped.summary.frontier!;
    expect(f.dropped['host-queue-full']).toBeGreaterThan(0);
    expect(f.dropped['queue-full']).toBe(0);
    expect(f.peak).toBeLessThanOrEqual(140);
    expect(sitePaths(capped.records)).toEqual(new Set(want.keys()));
  });

  it('with --state, links past --max-queue spill to the journal and are all crawled', async () => {
    const out = join(tmp.dir, 'spill.jsonl');
    const { records, summary } = await crawlToFile(out, { seeds: [`${srv.url}/site/`], stateDir: join(tmp.dir, 'spill-state'), maxQueue: 3, perHost: 2, concurrency: 4 });
    const want = expectedPaths(PAGES, { robots: true, nofollow: false });
    const got = fetched(records).map((r) => pathOf(r.url));
    expect(got.length).toBe(new Set(got).size);
    expect(new Set(got)).toEqual(new Set(want.keys()));
    const f = summary.frontier!;
    expect(f.peak).toBeLessThanOrEqual(3);
    expect(f.spilled).toBeGreaterThan(0);
    expect(f.dropped).toEqual({ budget: 0, 'queue-full': 0, 'host-queue-full': 0 });
  });
});
