// --sitemaps on the bundled site: robots.txt names a sitemap index of a plain and a gzip sitemap;
// the gzip one lists hidden pages no link reaches. The crawl's URL set is compared with the
// site model's reference (siteReachable with sitemaps), and without --sitemaps the hidden pages
// stay unreached. --sitemaps-only follows no links; --no-robots reads /sitemap.xml of the seed.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteReachable } from '../../../src/server/routes/site-crawl.js';
import { siteHiddenCount, siteHiddenLastmod } from '../../../src/server/routes/site-model.js';
import type { ServerRequest, ServerResponse } from '../../../src/server/types.js';
import { crawlToFile, fetched, pathOf, startSiteServer, tempDir, type TestServer } from './helpers.js';

const PAGES = 120;
const tmp = tempDir('fb-crawl-sitemaps-');
let srv: TestServer;

beforeAll(async () => {
  srv = await startSiteServer({
    pages: PAGES,
    extra: (req: ServerRequest, res: ServerResponse) => {
      // /sitemap.xml at the root: what --sitemaps asks for on a seed's origin (robots off here).
      if (req.path === '/sitemap.xml') {
        const origin = `http://${req.headers.get('host')}`;
        res.send(200, `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${origin}/site/sitemap.xml</loc></sitemap></sitemapindex>`, ['Content-Type', 'application/xml']);
        return true;
      }
      return false;
    },
  });
});
afterAll(async () => {
  await srv.close();
  tmp.cleanup();
});

const hidden = (paths: Iterable<string>): string[] => [...paths].filter((p) => p.startsWith('/site/hidden/')).sort();

describe('--sitemaps', () => {
  it('reaches the pages only the sitemaps list, with their <lastmod>, and exactly the reference set', async () => {
    srv.log.length = 0;
    const { records, summary } = await crawlToFile(join(tmp.dir, 'sm.jsonl'), { seeds: [`${srv.url}/site/`], sitemaps: true, perHost: 4 });
    const got = fetched(records).map((r) => pathOf(r.url));
    expect(got.length).toBe(new Set(got).size);
    const want = siteReachable(1, PAGES, { robots: true, nofollow: false, sitemaps: true });
    expect(new Set(got)).toEqual(new Set(want.keys()));
    expect(hidden(got)).toHaveLength(siteHiddenCount(PAGES) * 2); // /site/hidden/k and its /more
    for (let k = 0; k < siteHiddenCount(PAGES); k++) {
      const r = records.find((x) => pathOf(x.url) === `/site/hidden/${k}`)!;
      expect(r).toMatchObject({ status: 200, lastmod: siteHiddenLastmod(k), depth: 0 });
    }
    // the sitemap's robots-disallowed entry was neither fetched nor queued
    expect(srv.log.filter((a) => a.path.startsWith('/site/private/'))).toEqual([]);
    expect(summary.sitemaps).toMatchObject({ fetched: 4, failed: 0, capped: 0, missing: 0 }); // /sitemap.xml (this server's), the site's index, its two sitemaps
    expect(summary.sitemaps.urls).toBe(1 + 50 + siteHiddenCount(PAGES));
    expect(srv.log.filter((a) => a.path === '/site/sitemap-hidden.xml.gz')).toHaveLength(1);
  });

  it('without --sitemaps the hidden pages are not reached and no sitemap is fetched', async () => {
    srv.log.length = 0;
    const { records } = await crawlToFile(join(tmp.dir, 'nosm.jsonl'), { seeds: [`${srv.url}/site/`], perHost: 4 });
    const got = fetched(records).map((r) => pathOf(r.url));
    expect(hidden(got)).toEqual([]);
    expect(new Set(got)).toEqual(new Set(siteReachable(1, PAGES, { robots: true, nofollow: false }).keys()));
    expect(srv.log.filter((a) => a.path.includes('sitemap'))).toEqual([]);
  });

  it('--sitemaps-only enumerates the seed and the sitemaps, following no links', async () => {
    const { records } = await crawlToFile(join(tmp.dir, 'only.jsonl'), { seeds: [`${srv.url}/site/`], sitemapsOnly: true });
    const got = fetched(records).map((r) => pathOf(r.url));
    expect(new Set(got)).toEqual(new Set(siteReachable(1, PAGES, { robots: true, sitemapsOnly: true }).keys()));
    expect(got).not.toContain(`/site/hidden/0/more`);
    expect(got).toContain('/site/hidden/0');
  });

  it('without robots.txt, reads /sitemap.xml of the seed\'s origin (an index naming the site\'s index)', async () => {
    srv.log.length = 0;
    const { records, summary } = await crawlToFile(join(tmp.dir, 'norobots.jsonl'), { seeds: [`${srv.url}/site/`], sitemapsOnly: true, robots: false });
    const got = records.map((r) => pathOf(r.url));
    expect(hidden(got)).toHaveLength(siteHiddenCount(PAGES));
    expect(got).toContain('/site/private/3'); // robots.txt ignored
    expect(summary.sitemaps.fetched).toBe(4);
    expect(srv.log.filter((a) => a.path === '/robots.txt')).toEqual([]);
  });
});
