import { describe, expect, it } from 'vitest';
import { exchange } from '../../../fixtures/server/fake-exchange.js';
import { app } from '../../../fixtures/server/default-app.js';
import { extractLinks } from '../../../fixtures/server/site-links.js';
import { sitePage } from '../../../../src/server/routes/site-model.js';

// The default test app serves a 50-page site with seed 7.
describe('site routes', () => {
  const a = app();
  const get = (target: string, host: string | null = 'site-3.test:9000') =>
    exchange(a, { target, headers: host === null ? [] : [['Host', host]] });

  it('serves the home and pages as HTML, matching the model for the request host', () => {
    const home = get('/site/');
    expect(home.status).toBe(200);
    expect(home.header('content-type')).toBe('text/html; charset=utf-8');
    expect(extractLinks(home.text, 'http://site-3.test:9000/site/').title).toBe('fastbench synthetic site');
    const res = get('/site/p/12?utm=1');
    const model = sitePage(7, 50, 12, 'site-3.test:9000')!;
    const got = extractLinks(res.text, 'http://site-3.test:9000/site/p/12');
    expect(got.title).toBe(model.title);
    expect(got.links.map((l) => l.url)).toEqual(model.links.map((l) => l.url));
  });

  // A page with absolute links, so the Host shows in the HTML.
  const id = Array.from({ length: 50 }, (_, i) => i).find((i) => sitePage(7, 50, i)!.links.some((l) => l.form === 'absolute'))!;

  it('answers for any Host header, and without one', () => {
    for (const host of ['a.test', 'B.Example:81', '127.0.0.42:8080']) {
      const res = get(`/site/p/${id}`, host);
      expect(res.status).toBe(200);
      expect(res.text).toContain(`http://${host}/site/`);
      const got = extractLinks(res.text, `http://${host}/site/p/${id}`);
      expect(got.links.map((l) => l.url)).toEqual(sitePage(7, 50, id, host)!.links.map((l) => l.url));
    }
    const bare = get(`/site/p/${id}`, null);
    expect(bare.status).toBe(200);
    expect(bare.text).toContain('http://localhost/site/');
  });

  it('escapes a hostile Host header in the HTML', () => {
    const res = get(`/site/p/${id}`, 'x"><script>');
    expect(res.text).toContain('x&quot;&gt;&lt;script&gt;');
    expect(res.text).not.toContain('<script>');
  });

  it('serves robots.txt at the root and under /site/', () => {
    for (const path of ['/robots.txt', '/site/robots.txt']) {
      const res = get(path);
      expect(res.status).toBe(200);
      expect(res.header('content-type')).toMatch(/^text\/plain/);
      expect(res.text).toContain('Disallow: /site/private/');
      expect(res.text).toMatch(/Crawl-delay: [\d.]+/);
    }
  });

  it('redirects /site/r/<id> and /site', () => {
    const r = get('/site/r/8');
    expect(r.status).toBe(301);
    expect(r.header('location')).toBe('/site/p/8');
    expect(get('/site/r/9').status).toBe(302);
    expect(get('/site').header('location')).toBe('/site/');
  });

  it('answers 404 pages for missing pages', () => {
    for (const path of ['/site/p/50', '/site/missing/1', '/site/nope']) {
      const res = get(path);
      expect(res.status).toBe(404);
      expect(res.header('content-type')).toMatch(/^text\/html/);
    }
  });

  it('serves private pages (robots only asks crawlers to stay away)', () => {
    const res = get('/site/private/3');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Private 3');
  });

  it('honours the site options and refuses methods other than GET/HEAD', () => {
    expect(exchange(app({ sitePages: 5 }), '/site/p/10').status).toBe(404);
    expect(exchange(app({ siteCrawlDelay: 3 }), '/robots.txt').text).toContain('Crawl-delay: 3');
    expect(exchange(app({ secure: true }), { target: '/site/p/2', headers: [['Host', 'h']] }).text).not.toMatch(/href="http:\/\//);
    expect(exchange(a, { method: 'HEAD', target: '/site/p/1' }).status).toBe(200);
    expect(exchange(a, { method: 'POST', target: '/site/p/1' }).status).toBe(405);
  });
});
