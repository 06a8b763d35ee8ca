// The synthetic site's routes: /site, /site/* (pages, sitemaps), and /robots.txt. Answers for any Host header:
// absolute links are built from the Host the request carried (`localhost` when there is none).
import { gzipSync } from 'node:zlib';
import type { Router } from '../router.js';
import type { Handler } from '../types.js';
import { SiteCompression } from './compressed.js';
import { HTML_HEADERS, TEXT_HEADERS, hostOf } from './reply.js';
import { SITE_NOT_FOUND_HTML, renderSitePage } from './site-html.js';
import { DEFAULT_HOST, SITE_DEFAULT_PAGES, SITE_DEFAULT_SEED, type SiteOptions, siteResolve } from './site-model.js';

export interface SiteRouteOptions extends SiteOptions {
  pages?: number;
  seed?: number;
}

const CT = HTML_HEADERS[0]!;
const XML_HEADERS = ['Content-Type', 'application/xml; charset=utf-8'];
// A .xml.gz sitemap is a gzip file (not a Content-Encoding): crawlers inflate it themselves.
const GZIP_HEADERS = ['Content-Type', 'application/gzip'];
const HTML = HTML_HEADERS[1]!;

/** The handler for every /site path and /robots.txt. */
export function siteHandler(options: SiteRouteOptions = {}, compression = new SiteCompression()): Handler {
  const pages = options.pages ?? SITE_DEFAULT_PAGES;
  const seed = options.seed ?? SITE_DEFAULT_SEED;
  return (req, res) => {
    const host = hostOf(req) ?? DEFAULT_HOST;
    const answer = siteResolve(seed, pages, req.path, host, options);
    switch (answer.status) {
      case 200: {
        if (answer.kind === 'robots') {
          res.send(200, answer.text, TEXT_HEADERS);
          return;
        }
        if (answer.kind === 'sitemap') {
          res.send(200, answer.gzip ? gzipSync(answer.text) : answer.text, answer.gzip ? GZIP_HEADERS : XML_HEADERS);
          return;
        }
        const page = answer.page;
        const extra = page.headers;
        // Accept-Encoding honoured (issue 15): each page compressed once, then served from the cache.
        const coding = compression.codingFor(req);
        if (coding === undefined) {
          res.send(200, renderSitePage(page), extra === undefined ? HTML_HEADERS : [...HTML_HEADERS, ...extra]);
        } else {
          const c = compression.page(coding, host, req.path, () => renderSitePage(page));
          res.send(200, c.body, extra === undefined ? c.headers : [...c.headers, ...extra]);
        }
        return;
      }
      case 301:
      case 302:
        res.send(answer.status, `<a href="${answer.location}">Moved</a>\n`, ['Location', answer.location, CT, HTML]);
        return;
      default:
        res.send(404, SITE_NOT_FOUND_HTML, HTML_HEADERS);
    }
  };
}

export function registerSite(router: Router, options: SiteRouteOptions = {}): void {
  const h = siteHandler(options);
  router.get('/site', h);
  router.get('/site/*', h);
  router.get('/robots.txt', h);
}
