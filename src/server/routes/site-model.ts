// The synthetic website for crawl tests, as pure functions: every page, link, redirect and 404 is
// a function of (seed, pages, path, host), so a test computes the exact expected crawl without a
// server. The HTML renderer (site-html.ts) and the routes (site.ts) only present this model.
//
// Shape: `/site/` is the home (depth 0). Pages `/site/p/0..pages-1` form a tree with `branching`
// children per page (children of page i: (i+1)*B .. (i+1)*B+B-1; the home's are 0..B-1), so every
// page is reachable by plain links. On top, each page has `linksPerPage` seeded cross links:
//   page      to another page, written in one of several forms that all resolve/normalise to
//             `/site/p/<id>` (root-relative, relative, absolute, scheme-relative, upper-case
//             scheme+host, with a #fragment, with dot segments, with %-encoded unreserved
//             characters, with an empty query '?')
//   missing   to `/site/p/<id ≥ pages>` or `/site/missing/<k>` → 404
//   redirect  to `/site/r/<id>` → 301 (even id) / 302 (odd id) → `/site/p/<id>`
//   private   to `/site/private/<k>` (robots.txt disallows /site/private/; the server answers 200)
//   self      `#sec-k` (or `/site/p/<id>#sec-k` on pages with a <base>) → the page itself
//   external  mailto: / javascript: — not crawlable (url null)
// About 10% of cross links carry rel="nofollow" (tree links never do). About 1 page in 10 has
// `<base href="/site/b/<id>/">` and its relative links are written against that base (a crawler
// that ignores <base> ends up on 404s under /p/…). About 1 page in 50 is large (~200 KiB).
//
// Sitemaps: robots.txt names `/site/sitemap.xml`, a sitemap index of `/site/sitemap-pages.xml`
// (the home, the first pages, and one robots-disallowed private page) and the gzip-compressed
// `/site/sitemap-hidden.xml.gz`, which lists the hidden pages `/site/hidden/<k>` (with a
// <lastmod>): no link reaches them, so only a crawler that reads sitemaps finds them. Each hidden
// page links home and to `/site/hidden/<k>/more`, which only its hidden page links to.
//
// Page signals: the home links `/site/signals/`, a hub of pages made for canonical, duplicate
// and robots-directive handling, and of more link forms (a query string, lower-case %-escapes):
//   /site/canon/<0..2>   each says <link rel=canonical href="/site/canon/0">; canon/1 alone links
//                        to /site/canon/1/only
//   /site/canon-header   says `Link: </site/canon/0>; rel="canonical"` in a header
//   /site/same/a, /b     the same content, spaced differently (one content fingerprint)
//   /site/robots-meta    <meta name=robots content="noindex, nofollow">, links /site/nf/meta
//   /site/robots-header  `X-Robots-Tag: noindex, nofollow`, links /site/nf/header
// (/site/nf/* are reached only through those two, so a crawler honouring nofollow never sees them.)
import { Prng, mix32 } from './prng.js';

export const SITE_DEFAULT_PAGES = 1000;
export const SITE_DEFAULT_SEED = 1;
export const DEFAULT_HOST = 'localhost';
export const LARGE_PAGE_BYTES = 200 * 1024;
/** Path prefixes robots.txt disallows for every user agent. */
export const SITE_DISALLOWED: readonly string[] = Object.freeze(['/site/private/', '/site/cgi-bin/']);
/** This user agent is disallowed everything. */
export const SITE_BLOCKED_AGENT = 'fastbench-blocked';

export interface SiteOptions {
  /** Seeded cross links per page (default 8). */
  linksPerPage?: number;
  /** Tree children per page (default 4). */
  branching?: number;
  /** Crawl-delay in robots.txt, seconds (default 0.01). */
  crawlDelay?: number;
  /** Scheme of absolute links (default 'http'). */
  scheme?: 'http' | 'https';
}

export type SiteLinkKind = 'child' | 'page' | 'home' | 'missing' | 'redirect' | 'private' | 'self' | 'external' | 'hub';
export type SiteLinkForm =
  | 'root' | 'relative' | 'absolute' | 'scheme-relative' | 'host-case' | 'fragment' | 'dot-segments'
  | 'encoded' | 'empty-query' | 'other';

export interface SiteLink {
  /** The href as written in the HTML (before HTML escaping). */
  href: string;
  /** Where it leads on the same host, normalised (path only: no fragment, no empty '?'); null when not crawlable. */
  url: string | null;
  kind: SiteLinkKind;
  form: SiteLinkForm;
  nofollow: boolean;
  text: string;
}

export interface SitePage {
  /** -1 for the home; the page or private-page number otherwise. */
  id: number;
  path: string;
  title: string;
  /** Depth in the link tree (home 0, its children 1, …; private pages 1). */
  depth: number;
  large: boolean;
  /** The <base href> the page declares, if any. */
  baseHref: string | undefined;
  links: SiteLink[];
  /** A sentence of filler text (the renderer pads large pages with more). */
  text: string;
  /** Seed for the renderer's filler text. */
  fillerSeed: number;
  /** <link rel=canonical href> the page declares. */
  canonical?: string;
  /** <meta name=robots content> the page declares. */
  metaRobots?: string;
  /** Extra response headers, [name, value, …]. */
  headers?: string[];
  /** Render with extra blank lines and indentation (same fingerprint, other bytes). */
  wide?: boolean;
  /** The page asks crawlers not to follow its links (meta robots or X-Robots-Tag nofollow). */
  nofollowAll?: boolean;
}

export type SiteAnswer =
  | { status: 200; kind: 'home' | 'page' | 'private' | 'hidden' | 'signals'; page: SitePage }
  | { status: 200; kind: 'robots'; text: string }
  | { status: 200; kind: 'sitemap'; text: string; gzip: boolean }
  | { status: 301 | 302; location: string }
  | { status: 404 };

interface Config {
  seed: number;
  pages: number;
  host: string;
  scheme: string;
  links: number;
  branching: number;
}

function config(seed: number, pages: number, host: string, o: SiteOptions): Config {
  return { seed: seed >>> 0, pages: Math.max(0, Math.floor(pages)), host, scheme: o.scheme ?? 'http', links: o.linksPerPage ?? 8, branching: Math.max(1, o.branching ?? 4) };
}

const WORDS = [
  'amber', 'basalt', 'cedar', 'delta', 'ember', 'fjord', 'garnet', 'harbor', 'indigo', 'juniper',
  'kestrel', 'lagoon', 'meadow', 'nimbus', 'orchid', 'prairie', 'quartz', 'raven', 'sierra', 'tundra',
  'umber', 'valley', 'willow', 'xenon', 'yarrow', 'zephyr', 'atlas', 'beacon', 'cobalt', 'dune',
];

/** `count` seeded words joined by spaces. */
export function siteWords(prng: Prng, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(WORDS[prng.int(WORDS.length)]!);
  return out.join(' ');
}

/** Tree depth of page `id` (1 for the home's children). */
export function siteDepth(id: number, branching = 4): number {
  let d = 1;
  for (let c = id; c >= branching; c = Math.floor(c / branching) - 1) d++;
  return d;
}

export function isLargePage(seed: number, id: number): boolean {
  return id >= 0 && mix32(seed ^ 0x1a7e, id) % 50 === 0;
}

export function hasBaseHref(seed: number, id: number): boolean {
  return id >= 0 && !isLargePage(seed, id) && mix32(seed ^ 0xba5e, id) % 10 === 0;
}

/** Is `path` allowed for ordinary user agents by the site's robots.txt? */
export function siteAllowed(path: string): boolean {
  return !SITE_DISALLOWED.some((p) => path.startsWith(p));
}

/** robots.txt (served at /robots.txt and /site/robots.txt); its Sitemap line names `host`. */
export function siteRobots(options: SiteOptions = {}, host = DEFAULT_HOST): string {
  const lines = ['# fastbench synthetic site', `User-agent: ${SITE_BLOCKED_AGENT}`, 'Disallow: /', '', 'User-agent: *'];
  for (const p of SITE_DISALLOWED) lines.push(`Disallow: ${p}`);
  lines.push(`Crawl-delay: ${options.crawlDelay ?? 0.01}`, '', `Sitemap: ${options.scheme ?? 'http'}://${host}${SITE_SITEMAP_INDEX}`, '');
  return lines.join('\n');
}

// ---------------------------------------------------------------- sitemaps and hidden pages

export const SITE_SITEMAP_INDEX = '/site/sitemap.xml';
export const SITE_SITEMAP_PAGES = '/site/sitemap-pages.xml';
export const SITE_SITEMAP_HIDDEN = '/site/sitemap-hidden.xml.gz';
/** Pages listed in sitemap-pages.xml besides the home: /site/p/0 .. this - 1. */
export const SITE_SITEMAP_LISTED = 50;
/** The private page sitemap-pages.xml lists (robots.txt disallows it). */
export const SITE_SITEMAP_PRIVATE = '/site/private/3';

/** How many hidden pages (/site/hidden/0 .. n-1) the site has. */
export function siteHiddenCount(pages: number): number {
  return Math.max(2, Math.ceil(Math.max(0, pages) / 50));
}

/** The <lastmod> of hidden page `k` (a W3C date). */
export function siteHiddenLastmod(k: number): string {
  return `2025-${String((k % 12) + 1).padStart(2, '0')}-${String((k % 28) + 1).padStart(2, '0')}`;
}

function urlsetXml(entries: readonly { loc: string; lastmod?: string }[]): string {
  const body = entries.map((e) => `  <url><loc>${e.loc.replace(/&/g, '&amp;')}</loc>${e.lastmod !== undefined ? `<lastmod>${e.lastmod}</lastmod>` : ''}</url>`);
  return ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">', ...body, '</urlset>', ''].join('\n');
}

/** The sitemap files by path, as XML text (the .gz one is served gzip-compressed). */
export function siteSitemap(path: string, pages: number, host = DEFAULT_HOST, options: SiteOptions = {}): string | undefined {
  const origin = `${options.scheme ?? 'http'}://${host}`;
  if (path === SITE_SITEMAP_INDEX) {
    return ['<?xml version="1.0" encoding="UTF-8"?>', '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
      `  <sitemap><loc>${origin}${SITE_SITEMAP_PAGES}</loc></sitemap>`,
      `  <sitemap><loc>${origin}${SITE_SITEMAP_HIDDEN}</loc><lastmod>2025-06-01</lastmod></sitemap>`,
      '</sitemapindex>', ''].join('\n');
  }
  if (path === SITE_SITEMAP_PAGES) {
    const entries = [{ loc: `${origin}/site/` }];
    for (let i = 0; i < Math.min(pages, SITE_SITEMAP_LISTED); i++) entries.push({ loc: `${origin}/site/p/${i}` });
    entries.push({ loc: `${origin}${SITE_SITEMAP_PRIVATE}` });
    return urlsetXml(entries);
  }
  if (path === SITE_SITEMAP_HIDDEN) {
    const entries = [];
    for (let k = 0; k < siteHiddenCount(pages); k++) entries.push({ loc: `${origin}/site/hidden/${k}`, lastmod: siteHiddenLastmod(k) });
    return urlsetXml(entries);
  }
  return undefined;
}

/** The paths the sitemaps list (in the order a reader meets them), before robots.txt. */
export function siteSitemapPaths(pages: number): string[] {
  const out = ['/site/'];
  for (let i = 0; i < Math.min(pages, SITE_SITEMAP_LISTED); i++) out.push(`/site/p/${i}`);
  out.push(SITE_SITEMAP_PRIVATE);
  for (let k = 0; k < siteHiddenCount(pages); k++) out.push(`/site/hidden/${k}`);
  return out;
}

// ---------------------------------------------------------------- page signals

export const SITE_SIGNALS_HUB = '/site/signals/';

function homeLink(): SiteLink {
  return { href: '/site/', url: '/site/', kind: 'home', form: 'root', nofollow: false, text: 'Home' };
}

function plainPage(path: string, title: string, links: SiteLink[], extra: Partial<SitePage> = {}): SitePage {
  return { id: -2, path, title, depth: 2, large: false, baseHref: undefined, links, text: 'A page made for crawler tests.', fillerSeed: 7, ...extra };
}

function childLink(href: string, url: string, form: SiteLinkForm = 'root', text = url): SiteLink {
  return { href, url, kind: 'child', form, nofollow: false, text };
}

/** The hub and the pages under it, by path (see the top of this file); undefined for other paths. */
export function siteSignalsPage(path: string, host = DEFAULT_HOST): SitePage | undefined {
  const canon = '/site/canon/0';
  switch (path) {
    case SITE_SIGNALS_HUB:
      return plainPage(path, 'Page signals', [
        childLink('../canon/0', canon, 'relative'),
        childLink('/site/canon/1', '/site/canon/1'),
        childLink(`http://${host}/site/canon/2`, '/site/canon/2', 'absolute'),
        childLink('/site/ca%6eo%6e-header', '/site/canon-header', 'encoded'),
        childLink('/site/same/a', '/site/same/a'),
        childLink('/site/same/b#top', '/site/same/b', 'fragment'),
        childLink('/site/robots-meta', '/site/robots-meta'),
        childLink('/site/robots-header', '/site/robots-header'),
        childLink('/site/p/1?b=2&a=1', '/site/p/1?b=2&a=1', 'other', 'query string'),
      ], { depth: 1 });
    case '/site/canon/0':
    case '/site/canon/1':
    case '/site/canon/2': {
      const links = [homeLink()];
      if (path === '/site/canon/1') links.push(childLink('1/only', '/site/canon/1/only', 'relative'));
      return plainPage(path, `Canon ${path.slice(-1)}`, links, { canonical: canon });
    }
    case '/site/canon/1/only':
      return plainPage(path, 'Only from canon/1', [homeLink()], { depth: 3 });
    case '/site/canon-header':
      return plainPage(path, 'Canon by header', [homeLink()], { headers: ['Link', `<${canon}>; rel="canonical"`] });
    case '/site/same/a':
    case '/site/same/b':
      return plainPage(path, 'Same content', [homeLink()], { wide: path.endsWith('b') });
    case '/site/robots-meta':
      return plainPage(path, 'Meta robots', [homeLink(), childLink('/site/nf/meta', '/site/nf/meta')], { metaRobots: 'noindex, nofollow', nofollowAll: true });
    case '/site/robots-header':
      return plainPage(path, 'X-Robots-Tag', [homeLink(), childLink('/site/nf/header', '/site/nf/header')], { headers: ['X-Robots-Tag', 'noindex, nofollow'], nofollowAll: true });
    case '/site/nf/meta':
    case '/site/nf/header':
      return plainPage(path, 'Behind nofollow', [homeLink()], { depth: 3 });
    default:
      return undefined;
  }
}

/** `/site/hidden/<k>` (more = false) or `/site/hidden/<k>/more`. */
export function siteHiddenPage(k: number, more: boolean): SitePage {
  const path = more ? `/site/hidden/${k}/more` : `/site/hidden/${k}`;
  const links: SiteLink[] = [{ href: '/site/', url: '/site/', kind: 'home', form: 'root', nofollow: false, text: 'Home' }];
  if (!more) links.push({ href: `${k}/more`, url: `/site/hidden/${k}/more`, kind: 'child', form: 'relative', nofollow: false, text: 'More' });
  return {
    id: k, path, title: more ? `Hidden ${k}, more` : `Hidden ${k}`, depth: more ? 1 : 0, large: false, baseHref: more ? undefined : `/site/hidden/`,
    links, text: 'Only the sitemap leads here.', fillerSeed: k,
  };
}

/** A relative reference from directory `fromDir` (ends in '/') to absolute path `to`. */
export function relativeRef(fromDir: string, to: string): string {
  const from = fromDir.split('/').slice(0, -1);
  const target = to.split('/');
  let common = 0;
  while (common < from.length && common < target.length - 1 && from[common] === target[common]) common++;
  return '../'.repeat(from.length - common) + target.slice(common).join('/');
}

const PAGE_FORMS: readonly [SiteLinkForm, number][] = [
  ['root', 30], ['relative', 25], ['absolute', 15], ['scheme-relative', 5], ['host-case', 5],
  ['fragment', 8], ['dot-segments', 4], ['encoded', 4], ['empty-query', 4],
];
const SIMPLE_FORMS: readonly SiteLinkForm[] = ['root', 'relative', 'absolute'];

function pickPageForm(prng: Prng): SiteLinkForm {
  let r = prng.int(100);
  for (const [form, weight] of PAGE_FORMS) {
    if (r < weight) return form;
    r -= weight;
  }
  return 'root';
}

/** Writes `path` (a /site/… path) in `form`, relative forms against `baseDir`. */
function hrefFor(c: Config, form: SiteLinkForm, path: string, baseDir: string, prng: Prng): string {
  switch (form) {
    case 'relative': return relativeRef(baseDir, path);
    case 'absolute': return `${c.scheme}://${c.host}${path}`;
    case 'scheme-relative': return `//${c.host}${path}`;
    case 'host-case': return `${c.scheme.toUpperCase()}://${c.host.toUpperCase()}${path}`;
    case 'fragment': return `${path}#sec-${prng.int(5)}`;
    case 'dot-segments': return path.replace('/site/', '/site/./x/../');
    case 'encoded': return `/site/%${path.charCodeAt(6).toString(16).toUpperCase()}${path.slice(7)}`;
    case 'empty-query': return `${path}?`;
    default: return path;
  }
}

function link(c: Config, kind: SiteLinkKind, form: SiteLinkForm, path: string, baseDir: string, prng: Prng, text: string, nofollow = false): SiteLink {
  return { href: hrefFor(c, form, path, baseDir, prng), url: path, kind, form, nofollow, text };
}

function crossLink(c: Config, self: SitePage, baseDir: string, prng: Prng): SiteLink {
  const r = prng.int(100);
  const nofollow = prng.int(10) === 0;
  const simple = SIMPLE_FORMS[prng.int(SIMPLE_FORMS.length)]!;
  if (r < 55 && c.pages > 0) {
    const id = prng.int(c.pages);
    return link(c, 'page', pickPageForm(prng), `/site/p/${id}`, baseDir, prng, `Page ${id}`, nofollow);
  }
  if (r < 65) {
    const path = prng.int(2) === 0 ? `/site/p/${c.pages + prng.int(Math.max(1, c.pages))}` : `/site/missing/${prng.int(1000)}`;
    return link(c, 'missing', simple, path, baseDir, prng, 'Gone', nofollow);
  }
  if (r < 75 && c.pages > 0) {
    const id = prng.int(c.pages);
    return link(c, 'redirect', simple, `/site/r/${id}`, baseDir, prng, `Moved ${id}`, nofollow);
  }
  if (r < 83) {
    const k = prng.int(100);
    return link(c, 'private', simple, `/site/private/${k}`, baseDir, prng, `Private ${k}`, nofollow);
  }
  if (r < 92) {
    const sec = `#sec-${prng.int(5)}`;
    const href = self.baseHref === undefined ? sec : `${self.path}${sec}`;
    return { href, url: self.path, kind: 'self', form: 'fragment', nofollow, text: 'Section' };
  }
  const href = prng.int(2) === 0 ? `mailto:webmaster${prng.int(10)}@example.invalid` : 'javascript:void(0)';
  return { href, url: null, kind: 'external', form: 'other', nofollow, text: 'Contact' };
}

function build(c: Config, id: number, path: string, depth: number): SitePage {
  const prng = new Prng(mix32(c.seed, id + 1));
  const large = isLargePage(c.seed, id);
  const baseHref = hasBaseHref(c.seed, id) ? `/site/b/${id}/` : undefined;
  const title = id < 0 ? 'fastbench synthetic site' : `${siteWords(prng, 2)} — page ${id}`;
  const page: SitePage = { id, path, title, depth, large, baseHref, links: [], text: siteWords(prng, 12), fillerSeed: prng.next() };
  const baseDir = baseHref ?? (id < 0 ? '/site/' : '/site/p/');
  for (let j = 0; j < c.branching; j++) {
    const child = (id + 1) * c.branching + j;
    if (child >= c.pages) break;
    page.links.push(link(c, 'child', pickPageForm(prng), `/site/p/${child}`, baseDir, prng, `Page ${child}`));
  }
  for (let k = 0; k < c.links; k++) page.links.push(crossLink(c, page, baseDir, prng));
  if (id < 0) page.links.push({ href: 'signals/', url: SITE_SIGNALS_HUB, kind: 'hub', form: 'relative', nofollow: false, text: 'Page signals' });
  return page;
}

/** Page `id` (0 ≤ id < pages), or undefined (→ 404) for any other id. */
export function sitePage(seed: number, pages: number, id: number, host = DEFAULT_HOST, options: SiteOptions = {}): SitePage | undefined {
  const c = config(seed, pages, host, options);
  if (!Number.isInteger(id) || id < 0 || id >= c.pages) return undefined;
  return build(c, id, `/site/p/${id}`, siteDepth(id, c.branching));
}

/** The home page, `/site/`. */
export function siteHome(seed: number, pages: number, host = DEFAULT_HOST, options: SiteOptions = {}): SitePage {
  return build(config(seed, pages, host, options), -1, '/site/', 0);
}

/** `/site/private/<k>`: a small page linking back home. */
export function sitePrivatePage(k: number): SitePage {
  return {
    id: k, path: `/site/private/${k}`, title: `Private ${k}`, depth: 1, large: false, baseHref: undefined,
    links: [{ href: '/site/', url: '/site/', kind: 'home', form: 'root', nofollow: false, text: 'Home' }],
    text: 'Crawlers that honour robots.txt never see this page.', fillerSeed: k,
  };
}

/** Decodes %XX escapes of unreserved characters (RFC 3986 2.3), the only safe normalisation. */
export function decodeUnreserved(path: string): string {
  if (path.indexOf('%') < 0) return path;
  return path.replace(/%([0-9A-Fa-f]{2})/g, (m, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(c) ? c : m.toUpperCase();
  });
}

const ID = '(0|[1-9]\\d{0,8})';
const PAGE_RE = new RegExp(`^/site/p/${ID}$`);
const REDIRECT_RE = new RegExp(`^/site/r/${ID}$`);
const PRIVATE_RE = new RegExp(`^/site/private/${ID}$`);
const HIDDEN_RE = new RegExp(`^/site/hidden/${ID}(/more)?$`);

/** What the server answers for `path` (as sent, without the query) on `host`. */
export function siteResolve(seed: number, pages: number, path: string, host = DEFAULT_HOST, options: SiteOptions = {}): SiteAnswer {
  const p = decodeUnreserved(path);
  if (p === '/site') return { status: 301, location: '/site/' };
  if (p === '/site/') return { status: 200, kind: 'home', page: siteHome(seed, pages, host, options) };
  if (p === '/site/robots.txt' || p === '/robots.txt') return { status: 200, kind: 'robots', text: siteRobots(options, host) };
  const sitemap = siteSitemap(p, pages, host, options);
  if (sitemap !== undefined) return { status: 200, kind: 'sitemap', text: sitemap, gzip: p.endsWith('.gz') };
  let m = PAGE_RE.exec(p);
  if (m !== null) {
    const page = sitePage(seed, pages, Number(m[1]), host, options);
    return page === undefined ? { status: 404 } : { status: 200, kind: 'page', page };
  }
  m = REDIRECT_RE.exec(p);
  if (m !== null) return { status: Number(m[1]) % 2 === 0 ? 301 : 302, location: `/site/p/${m[1]}` };
  m = PRIVATE_RE.exec(p);
  if (m !== null) return { status: 200, kind: 'private', page: sitePrivatePage(Number(m[1])) };
  const signals = siteSignalsPage(p, host);
  if (signals !== undefined) return { status: 200, kind: 'signals', page: signals };
  m = HIDDEN_RE.exec(p);
  if (m !== null && Number(m[1]) < siteHiddenCount(pages)) return { status: 200, kind: 'hidden', page: siteHiddenPage(Number(m[1]), m[2] !== undefined) };
  return { status: 404 };
}
