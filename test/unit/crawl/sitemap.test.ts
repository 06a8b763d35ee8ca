// Sitemap files: urlset and index, gzip by magic bytes, <lastmod>, prefixed names, entities, and
// the protocol's caps (entries and uncompressed bytes per file).
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isGzip, readSitemap } from '../../../src/crawl/sitemap.js';

const urlset = (n: number, extra = ''): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${extra}` +
  Array.from({ length: n }, (_, i) => `<url><loc> http://a.test/p/${i}?a=1&amp;b=2 </loc>${i % 2 === 0 ? `<lastmod>2025-01-0${(i % 9) + 1}</lastmod>` : ''}<priority>0.5</priority></url>`).join('\n') +
  '</urlset>\n';

describe('readSitemap', () => {
  it('reads a urlset: loc (trimmed, entities decoded) and lastmod', async () => {
    const f = await readSitemap(Buffer.from(urlset(3)));
    expect(f).toMatchObject({ kind: 'urlset', capped: null, badGzip: false });
    expect(f.entries).toEqual([
      { loc: 'http://a.test/p/0?a=1&b=2', lastmod: '2025-01-01' },
      { loc: 'http://a.test/p/1?a=1&b=2', lastmod: undefined },
      { loc: 'http://a.test/p/2?a=1&b=2', lastmod: '2025-01-03' },
    ]);
  });

  it('reads a sitemap index, with namespace prefixes', async () => {
    const xml = '<sm:sitemapindex xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"><sm:sitemap><sm:loc>http://a.test/s1.xml</sm:loc><sm:lastmod>2025-02-02</sm:lastmod></sm:sitemap><sm:sitemap><sm:loc>http://a.test/s2.xml.gz</sm:loc></sm:sitemap></sm:sitemapindex>';
    const f = await readSitemap(Buffer.from(xml));
    expect(f.kind).toBe('index');
    expect(f.entries.map((e) => e.loc)).toEqual(['http://a.test/s1.xml', 'http://a.test/s2.xml.gz']);
    expect(f.entries[0]!.lastmod).toBe('2025-02-02');
  });

  it('inflates gzip by its magic bytes; a cut-off stream gives what inflated, a corrupt one is flagged', async () => {
    const gz = gzipSync(urlset(400));
    expect(isGzip(gz)).toBe(true);
    const f = await readSitemap(gz);
    expect(f.entries).toHaveLength(400);
    const cut = await readSitemap(gz.subarray(0, gz.length >> 1));
    expect(cut.badGzip).toBe(false);
    expect(cut.entries.length).toBeGreaterThan(10);
    expect(cut.entries.length).toBeLessThan(400);
    const bad = await readSitemap(Buffer.concat([gz.subarray(0, 10), Buffer.alloc(200, 0xff)]));
    expect(bad.badGzip).toBe(true);
    expect(bad.entries).toEqual([]);
  });

  it('stops at the entry cap and at the byte cap (uncompressed, gzip too)', async () => {
    const f = await readSitemap(Buffer.from(urlset(30)), { maxUrls: 25 });
    expect(f).toMatchObject({ capped: 'urls' });
    expect(f.entries).toHaveLength(25);
    const big = urlset(2000);
    const b = await readSitemap(gzipSync(big), { maxBytes: 10_000 });
    expect(b.capped).toBe('bytes');
    expect(b.entries.length).toBeGreaterThan(50);
    expect(b.entries.length).toBeLessThan(200);
  });

  it('ignores entries outside urlset/sitemapindex and anything not XML', async () => {
    expect((await readSitemap(Buffer.from('<html><url><loc>http://x/</loc></url></html>'))).entries).toEqual([]);
    expect((await readSitemap(Buffer.from('not xml at all'))).kind).toBe('unknown');
  });
});
