// URL normalisation for exact de-duplication in the crawler.
//
// Two URLs that name the same resource should normalise to the same string, so the seen set can
// compare them byte for byte. The WHATWG URL parser (node's `URL`) already does most of the
// syntax-based normalisation of RFC 3986 6.2.2:
//   - scheme and host lowercased, IDN hosts converted to punycode, IPv4/IPv6 hosts canonicalised;
//   - default ports (80 for http, 443 for https) dropped;
//   - dot segments removed (including their percent-encoded forms `%2e` / `%2E`);
//   - an empty path becomes `/`;
//   - characters that must be encoded (spaces, controls, non-ASCII) are percent-encoded as UTF-8.
// What it leaves alone, and this file adds:
//   - percent-encoding: hex digits uppercased, and octets that encode an unreserved character
//     (ALPHA / DIGIT / `-` `.` `_` `~`) decoded (`%7Euser` → `~user`, `%41` → `A`);
//   - the fragment dropped (it never reaches the server);
//   - a trailing dot on the host dropped (`example.com.` → `example.com`);
//   - an empty query (`/a?`) dropped, unless `keepEmptyQuery`;
//   - optionally, query parameters sorted by name (`sortQuery`), stable for repeated names.
// Anything but http: and https: is rejected (mailto:, javascript:, data:, ftp: …).
//
// Not done on purpose (they change meaning on some servers): case folding of the path, removing
// `index.html`, removing a trailing slash, dropping `www.`, removing tracking parameters.

import { FastbenchError } from '../core/errors.js';

export interface NormalizeOptions {
  /** Sort query parameters by name (stable for repeated names). Default false. */
  sortQuery?: boolean;
  /** Keep a bare `?` with nothing after it. Default false (it is dropped). */
  keepEmptyQuery?: boolean;
}

const HEX = '0123456789ABCDEF';

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87; // a-f
  return -1;
}

function isUnreserved(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e // - . _ ~
  );
}

/** Characters encoded when they appear raw: controls, space, `"<>\`{}` and DEL. */
function mustEncode(c: number): boolean {
  return c <= 0x20 || c === 0x22 || c === 0x3c || c === 0x3e || c === 0x60 || c === 0x7b || c === 0x7d || c === 0x7f;
}

const utf8 = new TextEncoder();

function encodeNonAscii(s: string, start: number, end: number): string {
  let out = '';
  for (const b of utf8.encode(s.slice(start, end))) out += '%' + HEX[b >> 4] + HEX[b & 15];
  return out;
}

/**
 * Normalises the percent-encoding of a path or query: `%xx` hex uppercased, octets of unreserved
 * characters decoded, raw non-ASCII encoded as UTF-8, raw controls / space / `"<>\`{}` encoded.
 * A `%` not followed by two hex digits is left as it is (the URL parser does the same).
 * Reserved characters (`/?#[]@!$&'()*+,;=:`) are never decoded or encoded: that changes meaning.
 * Shared by the URL normaliser and the robots.txt matcher, so both sides compare alike.
 */
export function normalizePercentEncoding(s: string): string {
  const n = s.length;
  let i = 0;
  // Fast path: nothing to do for plain ASCII without `%`.
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 || c >= 0x80 || mustEncode(c)) break;
  }
  if (i === n) return s;
  let out = s.slice(0, i);
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < n) {
      const h = hexVal(s.charCodeAt(i + 1));
      const l = hexVal(s.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        const v = (h << 4) | l;
        out += isUnreserved(v) ? String.fromCharCode(v) : '%' + HEX[h] + HEX[l];
        i += 3;
        continue;
      }
      out += '%';
      i++;
    } else if (c >= 0x80) {
      let j = i + 1;
      while (j < n && s.charCodeAt(j) >= 0x80) j++;
      out += encodeNonAscii(s, i, j);
      i = j;
    } else if (mustEncode(c)) {
      out += '%' + HEX[c >> 4] + HEX[c & 15];
      i++;
    } else {
      out += s[i];
      i++;
    }
  }
  return out;
}

function sortQueryString(q: string): string {
  // q without the leading '?'. Sort the raw pairs by their raw name; keep the encoding as it is
  // (URLSearchParams would re-encode, e.g. turn %20 into +). Array.prototype.sort is stable.
  const pairs = q.split('&').filter((p) => p.length > 0);
  const keyed = pairs.map((p) => {
    const eq = p.indexOf('=');
    return { k: eq < 0 ? p : p.slice(0, eq), p };
  });
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((e) => e.p).join('&');
}

function fromParsed(u: URL, opts: NormalizeOptions | undefined): string | null {
  const protocol = u.protocol;
  if (protocol !== 'http:' && protocol !== 'https:') return null;
  let host = u.hostname;
  if (host.length === 0) return null;
  if (host.endsWith('.') && host.length > 1) host = host.slice(0, -1);
  const port = u.port; // '' when default or absent
  let auth = '';
  if (u.username !== '' || u.password !== '') {
    auth = u.username + (u.password !== '' ? ':' + u.password : '') + '@';
  }
  const path = normalizePercentEncoding(u.pathname);
  let search = u.search; // '' for both "no query" and a bare '?'
  const keepEmpty = opts?.keepEmptyQuery === true;
  if (search !== '') {
    let q = normalizePercentEncoding(search.slice(1));
    if (opts?.sortQuery === true) q = sortQueryString(q);
    search = q.length > 0 || keepEmpty ? '?' + q : '';
  } else if (keepEmpty) {
    const href = u.href;
    const hashAt = href.indexOf('#');
    const end = hashAt < 0 ? href.length : hashAt;
    if (href.charCodeAt(end - 1) === 0x3f) search = '?';
  }
  return protocol + '//' + auth + host + (port !== '' ? ':' + port : '') + path + search;
}

/**
 * Normalises an absolute http(s) URL (or resolves `input` against `base` first).
 * Returns null for anything unparseable or not http(s).
 */
export function tryNormalizeUrl(input: string | URL, base?: string | URL, opts?: NormalizeOptions): string | null {
  let u: URL;
  if (typeof input === 'string') {
    const b = base === undefined ? undefined : typeof base === 'string' ? base : base.href;
    // One parse (canParse + new URL parsed twice: this is on the crawler's per-link path);
    // unparseable links are rare, so the exception is too.
    try {
      u = new URL(input, b);
    } catch {
      return null;
    }
  } else {
    u = input;
  }
  return fromParsed(u, opts);
}

/** Like tryNormalizeUrl but throws ERR_USAGE_BAD_URL: for seed URLs given by the user. */
export function normalizeUrl(input: string | URL, opts?: NormalizeOptions): string {
  const out = tryNormalizeUrl(input, undefined, opts);
  if (out === null) {
    throw new FastbenchError('ERR_USAGE_BAD_URL', `not an absolute http(s) URL: ${String(input)}`);
  }
  return out;
}

/**
 * The base URL links of a document resolve against: the first `<base href>` when it resolves to
 * an http(s) URL, otherwise the document's own URL. (HTML: the first base element with an href
 * wins; an unusable one is ignored here rather than making every link fail.)
 */
export function documentBase(documentUrl: string, baseHref: string | undefined): string {
  if (baseHref === undefined) return documentUrl;
  const href = baseHref.trim();
  if (href === '' || !URL.canParse(href, documentUrl)) return documentUrl;
  const u = new URL(href, documentUrl);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return documentUrl;
  return u.href;
}

/**
 * Resolves an href found in a page against the page's base (see documentBase) and normalises it.
 * Leading/trailing ASCII whitespace is ignored (as browsers do); returns null when the link is
 * empty after that only if the base itself is unusable, and for non-http(s) targets.
 */
export function resolveLink(base: string, href: string, opts?: NormalizeOptions): string | null {
  const h = trimAsciiWhitespace(href);
  return tryNormalizeUrl(h, base, opts);
}

function trimAsciiWhitespace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isAsciiWs(s.charCodeAt(a))) a++;
  while (b > a && isAsciiWs(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

function isAsciiWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}

/** The `host[:port]` part of a normalised URL, cheaply (no URL parse). */
export function hostOf(normalizedUrl: string): string {
  const start = normalizedUrl.indexOf('//') + 2;
  let end = normalizedUrl.indexOf('/', start);
  if (end < 0) end = normalizedUrl.length;
  const at = normalizedUrl.lastIndexOf('@', end);
  return normalizedUrl.slice(at >= start ? at + 1 : start, end);
}
