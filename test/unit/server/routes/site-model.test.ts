import { describe, expect, it } from 'vitest';
import { renderSitePage } from '../../../../src/server/routes/site-html.js';
import { siteReachable } from '../../../../src/server/routes/site-crawl.js';
import {
  LARGE_PAGE_BYTES, type SiteLinkForm, type SitePage, decodeUnreserved, relativeRef, siteAllowed, siteDepth, siteHome,
  sitePage, siteResolve, siteRobots,
} from '../../../../src/server/routes/site-model.js';
import { extractLinks } from '../../../fixtures/server/site-links.js';

const PAGES = 200;
const SEED = 1;
const HOST = 'crawl-17.test:8080';
const all = (host = HOST): SitePage[] => Array.from({ length: PAGES }, (_, id) => sitePage(SEED, PAGES, id, host)!);

describe('synthetic site model', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    expect(sitePage(SEED, PAGES, 42, HOST)).toEqual(sitePage(SEED, PAGES, 42, HOST));
    expect(siteHome(SEED, PAGES, HOST)).toEqual(siteHome(SEED, PAGES, HOST));
    expect(sitePage(2, PAGES, 42, HOST)).not.toEqual(sitePage(SEED, PAGES, 42, HOST));
  });

  it('has tree children plus linksPerPage cross links on every page', () => {
    for (const p of all()) {
      const children = Math.max(0, Math.min(4, PAGES - (p.id + 1) * 4));
      expect(p.links.filter((l) => l.kind === 'child')).toHaveLength(children);
      expect(p.links).toHaveLength(children + 8 + (p.id < 0 ? 1 : 0)); // the home also links the page-signals hub
    }
    expect(sitePage(SEED, PAGES, 3, HOST, { linksPerPage: 2, branching: 2 })!.links).toHaveLength(4);
    expect(siteHome(SEED, PAGES, HOST).links.filter((l) => l.kind === 'child').map((l) => l.url))
      .toEqual(['/site/p/0', '/site/p/1', '/site/p/2', '/site/p/3']);
  });

  it('gives pages tree depths from the home', () => {
    expect([0, 3, 4, 19, 20, 83, 84].map((id) => siteDepth(id))).toEqual([1, 1, 2, 2, 3, 3, 4]);
    expect(sitePage(SEED, PAGES, 20)!.depth).toBe(3);
  });

  it('answers 404 outside the page range and for non-canonical ids', () => {
    expect(sitePage(SEED, PAGES, PAGES)).toBeUndefined();
    expect(sitePage(SEED, PAGES, -1)).toBeUndefined();
    for (const path of [`/site/p/${PAGES}`, '/site/p/01', '/site/p/x', '/site/missing/3', '/site/b/1/', '/p/3', '/site/p/3/']) {
      expect(siteResolve(SEED, PAGES, path).status).toBe(404);
    }
  });

  it('redirects /site/r/<id> with 301 (even) or 302 (odd), and /site to /site/', () => {
    expect(siteResolve(SEED, PAGES, '/site/r/4')).toEqual({ status: 301, location: '/site/p/4' });
    expect(siteResolve(SEED, PAGES, '/site/r/5')).toEqual({ status: 302, location: '/site/p/5' });
    expect(siteResolve(SEED, PAGES, '/site')).toEqual({ status: 301, location: '/site/' });
  });

  it('serves the same page for %-encoded unreserved characters', () => {
    expect(decodeUnreserved('/site/%70/%33%2F')).toBe('/site/p/3%2F');
    const a = siteResolve(SEED, PAGES, '/site/%70/3', HOST);
    expect(a).toMatchObject({ status: 200, kind: 'page', page: { id: 3 } });
  });

  it('writes robots.txt with Disallow lines, a Crawl-delay and a blocked agent', () => {
    const robots = siteRobots();
    expect(robots).toContain('User-agent: *\nDisallow: /site/private/\nDisallow: /site/cgi-bin/\nCrawl-delay: 0.01\n');
    expect(robots).toContain('User-agent: fastbench-blocked\nDisallow: /\n');
    expect(siteRobots({ crawlDelay: 2 })).toContain('Crawl-delay: 2\n');
    expect(siteAllowed('/site/private/3')).toBe(false);
    expect(siteAllowed('/site/p/3')).toBe(true);
    expect(siteResolve(SEED, PAGES, '/robots.txt')).toEqual(siteResolve(SEED, PAGES, '/site/robots.txt'));
  });

  it('uses every link kind and form somewhere, with some nofollow, base and large pages', () => {
    const pages = all();
    const links = pages.flatMap((p) => p.links);
    const kinds = new Set(links.map((l) => l.kind));
    for (const k of ['child', 'page', 'missing', 'redirect', 'private', 'self', 'external']) expect(kinds).toContain(k);
    const forms = new Set(links.map((l) => l.form));
    const expected: SiteLinkForm[] = ['root', 'relative', 'absolute', 'scheme-relative', 'host-case', 'fragment', 'dot-segments', 'encoded', 'empty-query', 'other'];
    for (const f of expected) expect(forms).toContain(f);
    expect(links.some((l) => l.nofollow)).toBe(true);
    expect(links.every((l) => !(l.kind === 'child' && l.nofollow))).toBe(true);
    expect(pages.some((p) => p.baseHref !== undefined)).toBe(true);
    expect(pages.some((p) => p.large)).toBe(true);
  });

  it('builds absolute links from any host; where they lead does not depend on it', () => {
    const a = sitePage(SEED, PAGES, 10, 'A.example:1')!;
    const b = sitePage(SEED, PAGES, 10, '127.0.0.9:4000')!;
    expect(a.links.map((l) => l.url)).toEqual(b.links.map((l) => l.url));
    const abs = all('h1.test:5').flatMap((p) => p.links).filter((l) => l.form === 'absolute');
    expect(abs.length).toBeGreaterThan(0);
    for (const l of abs) expect(l.href.startsWith('http://h1.test:5/site/')).toBe(true);
    const tls = sitePage(SEED, PAGES, 10, 'h', { scheme: 'https' })!.links.filter((l) => l.form === 'absolute');
    for (const l of tls) expect(l.href.startsWith('https://h/')).toBe(true);
  });

  it('computes relative references', () => {
    expect(relativeRef('/site/p/', '/site/p/3')).toBe('3');
    expect(relativeRef('/site/', '/site/p/3')).toBe('p/3');
    expect(relativeRef('/site/p/', '/site/private/3')).toBe('../private/3');
    expect(relativeRef('/site/b/7/', '/site/p/3')).toBe('../../p/3');
  });
});

describe('synthetic site HTML', () => {
  it('holds exactly the model links, resolved the way a crawler resolves them', () => {
    for (const page of [siteHome(SEED, PAGES, HOST), ...all()]) {
      const html = renderSitePage(page);
      const got = extractLinks(html, `http://${HOST}${page.path}`);
      expect(got.title).toBe(page.title);
      expect(got.base).toBe(page.baseHref);
      expect(got.links.map((l) => l.href)).toEqual(page.links.map((l) => l.href));
      expect(got.links.map((l) => l.nofollow)).toEqual(page.links.map((l) => l.nofollow));
      expect(got.links.map((l) => l.url)).toEqual(page.links.map((l) => l.url));
    }
  });

  it('pads large pages to ~200 KiB with links on both sides of the filler', () => {
    const page = all().find((p) => p.large)!;
    const html = renderSitePage(page);
    expect(html.length).toBeGreaterThanOrEqual(LARGE_PAGE_BYTES);
    expect(html.length).toBeLessThan(LARGE_PAGE_BYTES + 16 * 1024);
    const lastLink = html.lastIndexOf('<a ');
    expect(lastLink).toBeGreaterThan(LARGE_PAGE_BYTES);
    expect(extractLinks(html, `http://${HOST}${page.path}`).links).toHaveLength(page.links.length);
  });

  it('leads a crawler that ignores <base> astray on base pages', () => {
    const page = all().find((p) => p.baseHref !== undefined && p.links.some((l) => l.form === 'relative'))!;
    const wrong = extractLinks(renderSitePage(page), `http://${HOST}${page.path}`, false);
    const i = page.links.findIndex((l) => l.form === 'relative');
    expect(wrong.links[i]!.url).not.toBe(page.links[i]!.url);
    expect(siteResolve(SEED, PAGES, wrong.links[i]!.url!).status).toBe(404);
  });
});

describe('reference crawl', () => {
  it('reaches every page politely, with 404s and redirects, but no private pages', () => {
    const crawl = siteReachable(SEED, PAGES, { host: HOST });
    for (let id = 0; id < PAGES; id++) expect(crawl.get(`/site/p/${id}`)?.status).toBe(200);
    const statuses = new Set([...crawl.values()].map((e) => e.status));
    expect(statuses).toEqual(new Set([200, 301, 302, 404]));
    expect([...crawl.keys()].some((u) => u.startsWith('/site/private/'))).toBe(false);
    expect(crawl.get('/site/')).toEqual({ status: 200, depth: 0 });
    expect(siteReachable(SEED, PAGES, { host: 'other.test' })).toEqual(crawl);
  });

  it('reaches private pages without robots, and more with nofollow ignored', () => {
    const rude = siteReachable(SEED, PAGES, { robots: false });
    expect([...rude.keys()].some((u) => u.startsWith('/site/private/'))).toBe(true);
    const polite = siteReachable(SEED, PAGES);
    const followAll = siteReachable(SEED, PAGES, { nofollow: false });
    expect(followAll.size).toBeGreaterThanOrEqual(polite.size);
  });

  it('stops at maxDepth', () => {
    const shallow = siteReachable(SEED, PAGES, { maxDepth: 1 });
    expect(Math.max(...[...shallow.values()].map((e) => e.depth))).toBe(1);
    expect(shallow.has('/site/p/0')).toBe(true);
  });
});
