import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LinkExtractor } from '../../../src/crawl/link-extractor.js';

const PAGE = readFileSync(new URL('../../fixtures/crawl/page.html', import.meta.url));
const PAGE_URL = 'https://example.com/docs/v2/index.html';

const EXPECTED = [
  'https://example.com/docs/v2/index.html', // canonical
  'https://example.com/en/docs/',
  'https://example.com/docs/v2/page2.html',
  'https://example.com/docs/v2/intro.html',
  'https://example.com/docs/v1/old.html',
  'https://example.com/absolute?b=2&a=1',
  'https://cdn.example.net/x',
  'https://example.com/docs/v2/stra%C3%9Fe.html',
  'https://example.com/docs/v2/area.html',
  'https://example.com/docs/v2/frame.html',
  'https://example.com/frame2.html',
];

describe('LinkExtractor', () => {
  it('extracts, resolves against <base>, normalises and de-duplicates links', () => {
    const r = LinkExtractor.extract(PAGE, { pageUrl: PAGE_URL });
    expect(r.links).toEqual(EXPECTED);
    expect(r.base).toBe('https://example.com/docs/v2/');
    expect(r.canonical).toBe('https://example.com/docs/v2/index.html');
    expect(r.title).toBe('Café & Bücher — the page');
    expect(r.noindex).toBe(false);
    expect(r.nofollow).toBe(false);
    expect(r.truncated).toBe(false);
  });

  it('gives the same result whatever the chunking (multi-byte characters split too)', () => {
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const x = new LinkExtractor({ pageUrl: PAGE_URL });
      for (let i = 0; i < PAGE.length; i += size) x.write(PAGE.subarray(i, i + size));
      const r = x.end();
      expect(r.links).toEqual(EXPECTED);
      expect(r.title).toBe('Café & Bücher — the page');
    }
  });

  it('keeps rel=nofollow links when not honouring nofollow', () => {
    const r = LinkExtractor.extract(PAGE, { pageUrl: PAGE_URL, honorNofollow: false });
    expect(r.links).toContain('https://example.com/docs/v2/sponsored.html');
  });

  it('caps the links per page', () => {
    const r = LinkExtractor.extract(PAGE, { pageUrl: PAGE_URL, maxLinks: 3 });
    expect(r.links).toEqual(EXPECTED.slice(0, 3));
    expect(r.truncated).toBe(true);
    // duplicates past the cap do not count as "more"
    const html = '<a href="/a"></a><a href="/a"></a><a href="/a#x"></a>';
    const r2 = LinkExtractor.extract(html, { pageUrl: 'http://x/', maxLinks: 1 });
    expect(r2.links).toEqual(['http://x/a']);
    expect(r2.truncated).toBe(false);
  });

  it('meta robots: noindex/nofollow noticed; nofollow drops the links when honoured', () => {
    const html = '<meta name="ROBOTS" content="NoIndex, NoFollow"><a href="/a">a</a>';
    const r = LinkExtractor.extract(html, { pageUrl: 'http://x/' });
    expect(r.noindex).toBe(true);
    expect(r.nofollow).toBe(true);
    expect(r.links).toEqual([]);
    const r2 = LinkExtractor.extract(html, { pageUrl: 'http://x/', honorNofollow: false });
    expect(r2.links).toEqual(['http://x/a']);
    const none = LinkExtractor.extract('<meta name=robots content=none><a href=/a>', { pageUrl: 'http://x/' });
    expect([none.noindex, none.nofollow, none.links.length]).toEqual([true, true, 0]);
    const own = LinkExtractor.extract('<meta name=fastbench content=noindex>', { pageUrl: 'http://x/', metaRobotsName: 'FastBench' });
    expect(own.noindex).toBe(true);
    const other = LinkExtractor.extract('<meta name=otherbot content=noindex>', { pageUrl: 'http://x/', metaRobotsName: 'fastbench' });
    expect(other.noindex).toBe(false);
  });

  it('uses only the first usable <base>, and the page URL without one', () => {
    const html = '<base href="http://a.test/one/"><base href="http://b.test/two/"><a href="x">';
    expect(LinkExtractor.extract(html, { pageUrl: 'http://p/' }).links).toEqual(['http://a.test/one/x']);
    const bad = '<base href="javascript:alert(1)"><a href="x">';
    expect(LinkExtractor.extract(bad, { pageUrl: 'http://p/d/e' }).links).toEqual(['http://p/d/x']);
    expect(LinkExtractor.extract('<a href="y">', { pageUrl: 'http://p/d/e' }).links).toEqual(['http://p/d/y']);
  });

  it('handles pages without a title, an unterminated title and normalisation options', () => {
    expect(LinkExtractor.extract('<p>hi</p>', { pageUrl: 'http://p/' }).title).toBeUndefined();
    expect(LinkExtractor.extract('<title>  cut  off', { pageUrl: 'http://p/' }).title).toBe('cut off');
    expect(LinkExtractor.extract('<title>a</title><title>b</title>', { pageUrl: 'http://p/' }).title).toBe('a');
    const r = LinkExtractor.extract('<a href="/q?b=1&a=2">', { pageUrl: 'http://p/', normalize: { sortQuery: true } });
    expect(r.links).toEqual(['http://p/q?a=2&b=1']);
  });

  it('ignores writes after end()', () => {
    const x = new LinkExtractor({ pageUrl: 'http://p/' });
    x.write('<a href="/a">');
    const r = x.end();
    x.write('<a href="/b">');
    expect(x.end().links).toEqual(r.links);
  });
});
