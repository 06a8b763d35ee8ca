// PageDedupe: the same-content count and --dedupe canonical / content (first URL wins).
import { describe, expect, it } from 'vitest';
import { CrawlStats } from '../../../src/crawl/crawl-stats.js';
import { PageDedupe } from '../../../src/crawl/page-dedupe.js';
import { newRecord } from '../../../src/crawl/page-reader.js';

function rec(url: string, extra: { canonical?: string; fingerprint?: string }) {
  return Object.assign(newRecord(url, url, 0, 0), extra);
}

describe('PageDedupe', () => {
  it('counts same-content pages without --dedupe and marks none', () => {
    const stats = new CrawlStats();
    const d = new PageDedupe('none', stats);
    expect(d.isDuplicate('http://a.test/1', rec('http://a.test/1', { fingerprint: '0123456789abcdef' }))).toBe(false);
    const second = rec('http://a.test/2', { fingerprint: '0123456789abcdef' });
    expect(d.isDuplicate('http://a.test/2', second)).toBe(false);
    expect(second.duplicateOf).toBeUndefined();
    expect(stats.sameContent).toBe(1);
    expect(d.canonicalOwner('http://a.test/1')).toBeUndefined();
  });

  it('--dedupe content: a page with an earlier fingerprint duplicates the first URL', () => {
    const stats = new CrawlStats();
    const d = new PageDedupe('content', stats);
    d.isDuplicate('http://a.test/1', rec('http://a.test/1', { fingerprint: '00000000000000ff' }));
    const r = rec('http://a.test/2', { fingerprint: '00000000000000ff' });
    expect(d.isDuplicate('http://a.test/2', r)).toBe(true);
    expect(r.duplicateOf).toBe('http://a.test/1');
    expect(stats.duplicates).toBe(1);
  });

  it('--dedupe canonical: the URL a page named as canonical is owned by that page', () => {
    const stats = new CrawlStats();
    const d = new PageDedupe('canonical', stats);
    expect(d.isDuplicate('http://a.test/x?s=1', rec('http://a.test/x?s=1', { canonical: 'http://a.test/x' }))).toBe(false);
    expect(d.canonicalOwner('http://a.test/x')).toBe('http://a.test/x?s=1');
    expect(d.canonicalOwner('http://a.test/x?s=1')).toBeUndefined();
    const r = rec('http://a.test/x?s=2', { canonical: 'http://a.test/x' });
    expect(d.isDuplicate('http://a.test/x?s=2', r)).toBe(true);
    expect(r.duplicateOf).toBe('http://a.test/x?s=1');
  });
});
