// SitemapDiscovery: which sitemap files are queued (each once; robots.txt lines, a seed's
// /sitemap.xml), nesting, and which urlset URLs reach the frontier (scope, robots, lastmod).
import { describe, expect, it } from 'vitest';
import type { Response } from '../../../src/client/response.js';
import { CrawlStats } from '../../../src/crawl/crawl-stats.js';
import { HostTable, RobotsState } from '../../../src/crawl/host-state.js';
import { newRecord } from '../../../src/crawl/page-reader.js';
import { Robots } from '../../../src/crawl/robots.js';
import { Scope } from '../../../src/crawl/scope.js';
import { SitemapDiscovery } from '../../../src/crawl/sitemap-discovery.js';
import type { SitemapFile } from '../../../src/crawl/sitemap.js';

function setup(robots = true) {
  const stats = new CrawlStats();
  const hosts = new HostTable(0);
  const seeds = ['http://a.test/'];
  const d = new SitemapDiscovery({ robots, seeds }, new Scope({ mode: 'host', seeds }), hosts, stats, {});
  return { d, stats, hosts };
}

const file = (kind: SitemapFile['kind'], locs: [string, string?][]): SitemapFile => ({
  kind,
  entries: locs.map(([loc, lastmod]) => ({ loc, lastmod })),
  capped: null,
  badGzip: false,
});

describe('SitemapDiscovery', () => {
  it("queues a host's Sitemap: lines and a seed's /sitemap.xml once each", () => {
    const { d, hosts } = setup();
    const h = hosts.get('a.test');
    h.scheme = 'http';
    h.robots = Robots.fromResponse(200, Buffer.from('Sitemap: http://a.test/sitemap.xml\nSitemap: http://a.test/news.xml\n'), 'fastbench');
    d.addFromRobots(h);
    d.addFromRobots(h);
    expect(d.queued).toBe(2);
    d.addSeedSitemaps(); // with robots.txt, seeds' sitemaps come through it
    expect(d.queued).toBe(2);
    expect(setup(false).d.queued).toBe(0);
    const { d: noRobots } = setup(false);
    noRobots.addSeedSitemaps();
    expect(noRobots.next()?.url).toBe('http://a.test/sitemap.xml');
  });

  it('follows index files two levels deep, not three', () => {
    const { d } = setup(false);
    d.add('http://a.test/i0.xml', 0);
    const t0 = d.next()!;
    d.started(t0);
    expect(d.accept(file('index', [['http://a.test/i1.xml']]), false, false)).toBeNull();
    const t1 = d.next()!;
    expect(t1.level).toBe(1);
    d.started(t1);
    d.accept(file('index', [['http://a.test/i2.xml']]), false, false);
    const t2 = d.next()!;
    d.started(t2);
    d.accept(file('index', [['http://a.test/i3.xml']]), false, false);
    expect(d.queued).toBe(0);
    expect(d.busy).toBe(false);
  });

  it('gives in-scope, allowed URLs of a urlset and keeps their lastmod for the record', () => {
    const { d, stats, hosts } = setup();
    const h = hosts.get('a.test');
    h.robots = Robots.fromResponse(200, Buffer.from('User-agent: *\nDisallow: /no\n'), 'fastbench');
    h.robotsState = RobotsState.Ready;
    const urls = d.accept(file('urlset', [['http://a.test/p', '2026-01-02'], ['http://b.test/'], ['http://a.test/no']]), false, false);
    expect(urls).toEqual(['http://a.test/p']);
    expect(stats.robotsSkippedLinks).toBe(1);
    expect(stats.sitemaps).toMatchObject({ fetched: 1, urls: 1 });
    const rec = newRecord('http://a.test/p', 'http://a.test/p', 0, 0);
    d.stamp('http://a.test/p', rec);
    expect(rec.lastmod).toBe('2026-01-02');
    expect(d.accept(file('urlset', [['http://a.test/q']]), false, true)).toBeNull(); // stopping
  });

  it('counts a 404 as missing and other failures as failed, keeping no body', () => {
    const { d, stats } = setup();
    d.busy = true;
    expect(d.received({ status: 404, body: Buffer.alloc(0) } as unknown as Response, null)).toBeNull();
    expect(d.busy).toBe(false);
    expect(d.received({ status: 500, body: Buffer.alloc(0) } as unknown as Response, null)).toBeNull();
    const body = d.received({ status: 200, body: Buffer.from('<urlset/>') } as unknown as Response, null);
    expect(body?.toString()).toBe('<urlset/>');
    expect(stats.sitemaps).toMatchObject({ missing: 1, failed: 1 });
  });
});
