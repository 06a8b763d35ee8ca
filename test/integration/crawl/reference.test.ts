// The crawl against the synthetic site's own link graph (site-model.ts + siteReachable), URL by
// URL: nothing missing, nothing extra, nothing fetched twice — with robots.txt obeyed and
// ignored, and with the tricky link forms on the site checked to be there (so the comparison
// covers them): <base href>, ../ paths, dot segments, fragments, query strings, %-escapes in
// upper and lower case, upper-case scheme and host, scheme-relative and absolute links,
// 301/302 redirects and 404s. (Default ports — `http://host:80/` — need the server on port 80;
// url-normalizer.test.ts covers them.)
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteReachable } from '../../../src/server/routes/site-crawl.js';
import { hasBaseHref, siteHome, sitePage, siteSignalsPage, SITE_SIGNALS_HUB, type SiteLink } from '../../../src/server/routes/site-model.js';
import { crawlToFile, fetched, pathOf, startSiteServer, tempDir, type TestServer } from './helpers.js';

const PAGES = 150;
const tmp = tempDir('fb-crawl-ref-');
let srv: TestServer;

beforeAll(async () => {
  srv = await startSiteServer({ pages: PAGES });
});
afterAll(async () => {
  await srv.close();
  tmp.cleanup();
});

interface Diff {
  missing: string[];
  extra: string[];
  doubled: string[];
  wrongStatus: string[];
}

function compare(got: { url: string; status: number }[], want: Map<string, { status: number }>): Diff {
  const seen = new Map<string, number>();
  for (const r of got) seen.set(pathOf(r.url), (seen.get(pathOf(r.url)) ?? 0) + 1);
  return {
    missing: [...want.keys()].filter((p) => !seen.has(p)).sort(),
    extra: [...seen.keys()].filter((p) => !want.has(p)).sort(),
    doubled: [...seen.entries()].filter(([, n]) => n > 1).map(([p]) => p).sort(),
    wrongStatus: got.filter((r) => want.has(pathOf(r.url)) && want.get(pathOf(r.url))!.status !== r.status).map((r) => `${pathOf(r.url)} ${r.status}`),
  };
}

const NONE: Diff = { missing: [], extra: [], doubled: [], wrongStatus: [] };

describe('the crawl equals the link graph', () => {
  it('has the tricky link forms on the pages it compares', () => {
    const links: SiteLink[] = [...siteHome(1, PAGES).links, ...siteSignalsPage(SITE_SIGNALS_HUB)!.links];
    for (let id = 0; id < PAGES; id++) links.push(...sitePage(1, PAGES, id)!.links);
    const forms = new Set(links.map((l) => l.form));
    for (const f of ['root', 'relative', 'absolute', 'scheme-relative', 'host-case', 'fragment', 'dot-segments', 'encoded', 'empty-query']) expect(forms, f).toContain(f);
    expect(links.some((l) => l.href.startsWith('../'))).toBe(true);
    expect(links.some((l) => /%[0-9A-F]{2}/.test(l.href))).toBe(true); // upper-case escapes
    expect(links.some((l) => /%[0-9a-f]*[a-f][0-9a-f]*/.test(l.href) && /%6e/.test(l.href))).toBe(true); // lower-case ones
    expect(links.some((l) => l.url !== null && /\?.+/.test(l.url))).toBe(true); // a real query string
    const kinds = new Set(links.map((l) => l.kind));
    for (const k of ['redirect', 'missing', 'private', 'self', 'external']) expect(kinds, k).toContain(k);
    expect(Array.from({ length: PAGES }, (_, id) => hasBaseHref(1, id)).filter(Boolean).length).toBeGreaterThan(3);
  });

  it.each([
    ['robots.txt obeyed', true],
    ['robots.txt ignored', false],
  ])('%s: nothing missing, extra or doubled', async (_name, robots) => {
    const { records } = await crawlToFile(join(tmp.dir, `ref-${String(robots)}.jsonl`), { seeds: [`${srv.url}/site/`], robots, perHost: 4, concurrency: 16 });
    const want = siteReachable(1, PAGES, { robots, nofollow: false });
    const got = robots ? fetched(records) : records;
    expect(compare(got, want)).toEqual(NONE);
    if (!robots) expect(got.some((r) => pathOf(r.url).startsWith('/site/private/'))).toBe(true);
    else expect(records.filter((r) => r.error === 'ERR_CRAWL_ROBOTS_DISALLOWED')).toEqual([]); // disallowed links are not even queued
    // the forms that must have been normalised to reach these
    expect(got.some((r) => r.status === 301) && got.some((r) => r.status === 302) && got.some((r) => r.status === 404)).toBe(true);
    expect(got.some((r) => pathOf(r.url) === '/site/p/1?b=2&a=1')).toBe(true);
    expect(got.some((r) => pathOf(r.url) === '/site/canon-header')).toBe(true); // reached only through /site/ca%6eo%6e-header
  });
});
