// Streaming link extraction from HTML with htmlparser2: feed body chunks as they arrive, call
// end() for the result. Nothing of the document is kept but the links, the title and a few flags.
//
// Links come from a[href], area[href], link[href] when rel has canonical / alternate / next,
// and iframe[src] / frame[src]. Each is resolved against the document base — the first
// <base href> that resolves to an http(s) URL, else the page URL — and normalised with
// url-normalizer; non-http(s) targets (mailto:, javascript:, data: ...) are dropped, duplicates
// within the page are dropped, and at most `maxLinks` are kept (`truncated` tells when more were
// seen). A <base> that comes after links applies only to the links after it (HTML applies it to
// all; real pages put <base> in <head>, before any link).
//
// With `honorNofollow` (default true): a/area/link with rel~=nofollow are skipped, and
// <meta name="robots" content="nofollow"> (or "none") drops every link of the page. The meta
// robots flags are reported either way (noindex / nofollow), as is rel=canonical.
//
// Bytes are decoded as UTF-8 (streaming, so a character split across chunks is fine); other
// charsets decode lossily, which only affects non-ASCII characters in URLs and the title.

import { Parser } from 'htmlparser2';
import { documentBase, resolveLink, type NormalizeOptions } from './url-normalizer.js';

export interface LinkExtractorOptions {
  /** The URL the page was fetched from (after redirects). */
  pageUrl: string;
  /** Skip rel=nofollow links and obey meta robots nofollow. Default true. */
  honorNofollow?: boolean;
  /** Keep at most this many links per page. Default 5000. */
  maxLinks?: number;
  /** Also read <meta name=NAME> with this name (e.g. our product token) besides "robots". */
  metaRobotsName?: string;
  normalize?: NormalizeOptions;
}

export interface ExtractedPage {
  /** Resolved, normalised, de-duplicated links in document order. */
  links: string[];
  /** Text of the first <title>, whitespace collapsed; undefined when there is none. */
  title: string | undefined;
  /** rel=canonical target, normalised, when present. */
  canonical: string | undefined;
  /** The base links were resolved against. */
  base: string;
  noindex: boolean;
  nofollow: boolean;
  /** More links than maxLinks were found. */
  truncated: boolean;
}

const LINK_RELS = new Set(['canonical', 'alternate', 'next']);
const MAX_TITLE_CHARS = 2048;

function relTokens(rel: string | undefined): string[] {
  if (rel === undefined || rel === '') return [];
  return rel.toLowerCase().split(/[\t\n\f\r ]+/).filter((t) => t.length > 0);
}

export class LinkExtractor {
  private readonly opts: LinkExtractorOptions;
  private readonly honorNofollow: boolean;
  private readonly maxLinks: number;
  private readonly metaNames: Set<string>;
  private readonly decoder = new TextDecoder('utf-8');
  private readonly parser: Parser;
  private readonly seen = new Set<string>();
  private readonly links: string[] = [];
  private base: string;
  private baseSet = false;
  private title: string | undefined;
  private inTitle = false;
  private titleDone = false;
  private titleBuf = '';
  private canonical: string | undefined;
  private noindex = false;
  private nofollow = false;
  private truncated = false;
  private ended = false;

  constructor(opts: LinkExtractorOptions) {
    this.opts = opts;
    this.honorNofollow = opts.honorNofollow ?? true;
    this.maxLinks = opts.maxLinks ?? 5000;
    this.metaNames = new Set(['robots']);
    if (opts.metaRobotsName !== undefined) this.metaNames.add(opts.metaRobotsName.toLowerCase());
    this.base = opts.pageUrl;
    this.parser = new Parser(
      {
        onopentag: (name, attribs) => this.onOpenTag(name, attribs),
        ontext: (text) => {
          if (this.inTitle && this.titleBuf.length < MAX_TITLE_CHARS) this.titleBuf += text;
        },
        onclosetag: (name) => {
          if (name === 'title' && this.inTitle) {
            this.inTitle = false;
            this.titleDone = true;
            this.title = this.titleBuf.replace(/\s+/g, ' ').trim().slice(0, MAX_TITLE_CHARS);
          }
        },
      },
      { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
    );
  }

  /** Feeds the next chunk of the body. */
  write(chunk: Uint8Array | string): void {
    if (this.ended) return;
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (text.length > 0) this.parser.write(text);
  }

  /** Ends the document and returns what was found. */
  end(): ExtractedPage {
    if (!this.ended) {
      this.ended = true;
      const rest = this.decoder.decode();
      if (rest.length > 0) this.parser.write(rest);
      this.parser.end();
      if (this.inTitle) {
        this.inTitle = false;
        this.title = this.titleBuf.replace(/\s+/g, ' ').trim().slice(0, MAX_TITLE_CHARS);
      }
    }
    const dropAll = this.honorNofollow && this.nofollow;
    return {
      links: dropAll ? [] : this.links.slice(),
      title: this.title,
      canonical: this.canonical,
      base: this.base,
      noindex: this.noindex,
      nofollow: this.nofollow,
      truncated: this.truncated && !dropAll,
    };
  }

  /** Convenience: extract from a whole body at once. */
  static extract(body: Uint8Array | string, opts: LinkExtractorOptions): ExtractedPage {
    const x = new LinkExtractor(opts);
    x.write(body);
    return x.end();
  }

  private onOpenTag(name: string, a: Record<string, string>): void {
    switch (name) {
      case 'a':
      case 'area':
        if (a.href !== undefined) {
          if (this.honorNofollow && relTokens(a.rel).includes('nofollow')) return;
          this.add(a.href);
        }
        return;
      case 'link': {
        if (a.href === undefined) return;
        const rels = relTokens(a.rel);
        if (rels.includes('canonical') && this.canonical === undefined) {
          this.canonical = resolveLink(this.base, a.href, this.opts.normalize) ?? undefined;
        }
        if (this.honorNofollow && rels.includes('nofollow')) return;
        if (rels.some((r) => LINK_RELS.has(r))) this.add(a.href);
        return;
      }
      case 'iframe':
      case 'frame':
        if (a.src !== undefined) this.add(a.src);
        return;
      case 'base':
        if (!this.baseSet && a.href !== undefined) {
          this.baseSet = true;
          this.base = documentBase(this.opts.pageUrl, a.href);
        }
        return;
      case 'title':
        if (!this.titleDone && !this.inTitle) {
          this.inTitle = true;
          this.titleBuf = '';
        }
        return;
      case 'meta':
        if (a.name !== undefined && a.content !== undefined && this.metaNames.has(a.name.trim().toLowerCase())) {
          for (const t of a.content.toLowerCase().split(',')) {
            const d = t.trim();
            if (d === 'noindex' || d === 'none') this.noindex = true;
            if (d === 'nofollow' || d === 'none') this.nofollow = true;
          }
        }
        return;
      default:
        return;
    }
  }

  private add(href: string): void {
    if (this.links.length >= this.maxLinks) {
      if (!this.truncated) {
        const url = resolveLink(this.base, href, this.opts.normalize);
        if (url !== null && !this.seen.has(url)) this.truncated = true;
      }
      return;
    }
    const url = resolveLink(this.base, href, this.opts.normalize);
    if (url === null || this.seen.has(url)) return;
    this.seen.add(url);
    this.links.push(url);
  }
}
