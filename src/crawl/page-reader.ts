// Turning one finished exchange into a crawl record: status, content type, title and links (HTML
// only, through LinkExtractor), the redirect target, and the rules for what counts against a
// host (failures that say "this host is in trouble", as opposed to "this page is odd").
import type { Response } from '../client/response.js';
import { findErrorSpec } from '../core/errors.js';
import { decodeBody } from '../http/content-coding.js';
import { mediaTypeMatches, mediaTypeOf } from './crawl-options.js';
import { timingOf, type CrawlRecord } from './crawl-record.js';
import { LinkExtractor } from './link-extractor.js';
import { canonicalFromLinkHeaders, contentFingerprint, xRobotsTag } from './page-signals.js';
import { tryNormalizeUrl, type NormalizeOptions } from './url-normalizer.js';

export interface PageReaderOptions {
  contentTypes: readonly string[];
  nofollow: boolean;
  maxLinks: number;
  includeLinks: boolean;
  normalize: NormalizeOptions;
  /** crawl --compressed: decode bodies (up to this many bytes) before reading them; undefined: never. */
  decodeMax?: number;
  /** Our robots product token (X-Robots-Tag lines for a named crawler apply when it is ours). */
  productToken?: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function isRedirectStatus(status: number): boolean {
  return REDIRECTS.has(status);
}

/** A body with no Content-Type that starts (after whitespace / BOM) with `<` is taken as HTML. */
function looksLikeHtml(body: Buffer): boolean {
  for (let i = 0; i < body.length && i < 512; i++) {
    const c = body[i]!;
    if (c === 0x3c) return true;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0xef && c !== 0xbb && c !== 0xbf) return false;
  }
  return false;
}

/** An empty record for `url`, to be filled in. */
export function newRecord(url: string, finalUrl: string, depth: number, time: number): CrawlRecord {
  return { url, finalUrl, redirects: [], status: 0, contentType: null, bytes: 0, title: null, links: 0, depth, location: null, time, timing: null, error: null };
}

export interface ReadResult {
  /** Links of a 2xx HTML page (normalised, de-duplicated within the page), else null. */
  links: string[] | null;
}

/**
 * Fills `rec` from a response that arrived (err === null). Returns the links of a 2xx HTML page;
 * 3xx targets land in rec.location; bodies of other types (not in --content-type) are fetched
 * pages that are not parsed: recorded with their type and size, no error, no links.
 */
export function readResponse(rec: CrawlRecord, res: Response, pageUrl: string, o: PageReaderOptions): string[] | null {
  const status = res.status;
  const ct = res.header('content-type');
  rec.status = status;
  rec.contentType = ct ?? null;
  rec.bytes = res.bodyLength;
  rec.timing = timingOf(res);
  if (isRedirectStatus(status)) {
    const loc = res.header('location');
    rec.location = loc === undefined ? null : tryNormalizeUrl(loc.trim(), pageUrl, o.normalize);
    return null;
  }
  const ok = status >= 200 && status < 300;
  const headers = res.headers;
  const xr = xRobotsTag(headers.getAll('x-robots-tag'), o.productToken ?? '');
  const linkCanonical = canonicalFromLinkHeaders(headers.getAll('link'), pageUrl, o.normalize);
  const mt = res.bodyLength === 0 ? '' : mediaTypeOf(ct);
  let body = res.body;
  if (res.bodyLength > 0 && o.decodeMax !== undefined && (mt === '' || mediaTypeMatches(mt, o.contentTypes))) {
    const ce = res.header('content-encoding');
    if (ce !== undefined) {
      try {
        body = decodeBody(body, ce, o.decodeMax).body;
        rec.decodedBytes = body.length;
      } catch {
        rec.error = 'ERR_CONTENT_DECODE';
        return null;
      }
    }
  }
  if (ok && body.length > 0) rec.fingerprint = contentFingerprint(body);
  const html = res.bodyLength > 0 && (mt === '' ? looksLikeHtml(body) : mediaTypeMatches(mt, o.contentTypes));
  if (!html) {
    signals(rec, linkCanonical, xr.noindex, xr.nofollow);
    return res.bodyLength === 0 && ok ? [] : null;
  }
  const page = LinkExtractor.extract(body, { pageUrl, honorNofollow: o.nofollow, maxLinks: o.maxLinks, normalize: o.normalize });
  rec.title = page.title ?? null;
  // X-Robots-Tag nofollow drops the links as meta robots nofollow does (when nofollow is honoured)
  const links = o.nofollow && xr.nofollow ? [] : page.links;
  rec.links = links.length;
  if (o.includeLinks) rec.linkUrls = links;
  signals(rec, page.canonical ?? linkCanonical, page.noindex || xr.noindex, page.nofollow || xr.nofollow);
  return ok ? links : null;
}

/** The page's own signals, in the record only when present. */
function signals(rec: CrawlRecord, canonical: string | undefined, noindex: boolean, nofollow: boolean): void {
  if (canonical !== undefined) rec.canonical = canonical;
  if (noindex) rec.noindex = true;
  if (nofollow) rec.nofollow = true;
}

/** Fills `rec` for a failed exchange. */
export function readFailure(rec: CrawlRecord, res: Response, code: string): void {
  rec.error = code;
  rec.status = res.status;
  rec.bytes = res.bodyLength;
  if (res.status !== 0) rec.contentType = res.header('content-type') ?? null;
  rec.timing = timingOf(res);
}

/**
 * Does this failure count against the host (error budget and back-off)? Transport errors,
 * timeouts and broken responses do; a body over the cap or a closed client do not.
 */
export function isHostFailure(code: string): boolean {
  if (code === 'ERR_HTTP_BODY_TOO_LARGE' || code === 'ERR_CLIENT_CLOSED' || code === 'ERR_USAGE_BAD_URL') return false;
  const spec = findErrorSpec(code);
  if (spec === undefined) return true;
  const cat = spec.category;
  return cat === 'transport' || cat === 'timeout' || cat === 'codec';
}

/** Retry-After (seconds or an HTTP date) in ms from now, capped; 0 when absent or unusable. */
export function retryAfterMs(res: Response, capMs: number): number {
  const v = res.header('retry-after');
  if (v === undefined) return 0;
  const s = v.trim();
  let ms: number;
  if (/^\d+$/.test(s)) ms = Number(s) * 1000;
  else {
    const t = Date.parse(s);
    if (Number.isNaN(t)) return 0;
    ms = t - Date.now();
  }
  return ms > 0 ? Math.min(ms, capMs) : 0;
}
