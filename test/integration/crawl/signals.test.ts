// Page signals on the synthetic site's /site/signals/ pages: canonical URLs (<link> and Link
// header), content fingerprints, meta robots and X-Robots-Tag noindex/nofollow, and --dedupe.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteReachable } from '../../../src/server/routes/site-crawl.js';
import type { CrawlRecord } from '../../../src/crawl/crawl-record.js';
import { crawlToFile, fetched, pathOf, startSiteServer, tempDir, type TestServer } from './helpers.js';

const PAGES = 20;
const tmp = tempDir('fb-crawl-signals-');
let srv: TestServer;

beforeAll(async () => {
  srv = await startSiteServer({ pages: PAGES });
});
afterAll(async () => {
  await srv.close();
  tmp.cleanup();
});

const at = (records: CrawlRecord[], path: string): CrawlRecord | undefined => records.find((r) => pathOf(r.url) === path);
const CANON = ['/site/canon/0', '/site/canon/1', '/site/canon/2', '/site/canon-header'];

describe('page signals', () => {
  it('records canonical (tag and header), fingerprint, noindex and nofollow; counts same-content pages', async () => {
    const { records, summary } = await crawlToFile(join(tmp.dir, 'plain.jsonl'), { seeds: [`${srv.url}/site/`] });
    const canon0 = `${srv.url}/site/canon/0`;
    for (const p of CANON) expect(at(records, p)).toMatchObject({ status: 200, canonical: canon0 });
    expect(at(records, '/site/canon/1')!.duplicateOf).toBeUndefined();
    const a = at(records, '/site/same/a')!;
    const b = at(records, '/site/same/b')!;
    expect(a.bytes).not.toBe(b.bytes); // spaced differently ...
    expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(b.fingerprint).toBe(a.fingerprint); // ... one fingerprint
    expect(at(records, '/site/canon/0')!.fingerprint).not.toBe(at(records, '/site/canon/1')!.fingerprint);
    expect(new Set(records.filter((r) => r.fingerprint !== undefined).map((r) => r.fingerprint)).size).toBe(records.filter((r) => r.fingerprint !== undefined).length - summary.sameContent);
    expect(summary.sameContent).toBeGreaterThanOrEqual(1);
    for (const p of ['/site/robots-meta', '/site/robots-header']) expect(at(records, p)).toMatchObject({ noindex: true, nofollow: true });
    expect(summary.noindex).toBe(2);
    expect(at(records, '/site/p/1')!.noindex).toBeUndefined();
    // nofollow is recorded, not obeyed, by default: the pages behind it were crawled
    expect(at(records, '/site/nf/meta')).toBeDefined();
    expect(at(records, '/site/nf/header')).toBeDefined();
  });

  it('--nofollow obeys rel=nofollow, meta robots and X-Robots-Tag nofollow: exactly the reference set', async () => {
    const { records } = await crawlToFile(join(tmp.dir, 'nf.jsonl'), { seeds: [`${srv.url}/site/`], nofollow: true });
    const got = fetched(records).map((r) => pathOf(r.url));
    expect(new Set(got)).toEqual(new Set(siteReachable(1, PAGES, { robots: true, nofollow: true }).keys()));
    expect(got).not.toContain('/site/nf/meta');
    expect(got).not.toContain('/site/nf/header');
    expect(got).toContain('/site/robots-header');
  });

  it('--dedupe canonical: one page per canonical URL is read, the others point to it', async () => {
    srv.log.length = 0;
    const { records, summary } = await crawlToFile(join(tmp.dir, 'dc.jsonl'), { seeds: [`${srv.url}/site/`], dedupe: 'canonical' });
    const group = CANON.map((p) => at(records, p)!);
    const firsts = group.filter((r) => r.duplicateOf === undefined);
    expect(firsts).toHaveLength(1);
    for (const r of group) if (r !== firsts[0]) expect(r.duplicateOf).toBe(firsts[0]!.url);
    expect(summary.duplicates).toBe(3);
    // /site/canon/0, named canonical by an earlier page, is recorded without being fetched
    const c0 = at(records, '/site/canon/0')!;
    if (c0.duplicateOf !== undefined) {
      expect(c0.status).toBe(0);
      expect(srv.log.filter((x) => x.path === '/site/canon/0')).toEqual([]);
    }
    // a duplicate's links are not followed
    const c1 = at(records, '/site/canon/1')!;
    if (c1.duplicateOf !== undefined) expect(at(records, '/site/canon/1/only')).toBeUndefined();
    else expect(at(records, '/site/canon/1/only')).toBeDefined();
    // pages without a canonical are their own
    expect(at(records, '/site/p/3')!.duplicateOf).toBeUndefined();
  });

  it('--dedupe content: the second page with the same fingerprint is a duplicate', async () => {
    const { records, summary } = await crawlToFile(join(tmp.dir, 'dx.jsonl'), { seeds: [`${srv.url}/site/`], dedupe: 'content' });
    const pair = [at(records, '/site/same/a')!, at(records, '/site/same/b')!];
    expect(pair.filter((r) => r.duplicateOf === undefined)).toHaveLength(1);
    const dup = pair.find((r) => r.duplicateOf !== undefined)!;
    expect(dup.duplicateOf).toBe(pair.find((r) => r !== dup)!.url);
    expect(dup.status).toBe(200);
    expect(summary.duplicates).toBe(summary.sameContent);
  });
});
