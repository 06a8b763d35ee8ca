// What a page says about itself beyond its links: the canonical URL a `Link` header names, the
// robots directives of `X-Robots-Tag` headers, and a content fingerprint for counting duplicates.
//
// Link header (RFC 8288): `<https://a.test/x>; rel="canonical", <…>; rel=next`: the first link
// whose rel tokens include "canonical", resolved against the page URL and normalised.
//
// X-Robots-Tag: comma-separated directives (`noindex, nofollow`, `none`), optionally for one
// crawler (`fastbench: noindex`): those apply when the name before the colon is our product
// token (case-insensitive); directives we do not act on (noarchive, unavailable_after: …) are
// ignored. Several headers add up.
//
// Fingerprint: 64 bits (16 hex digits) from two 32-bit multiplicative hashes over the body with
// every run of ASCII whitespace collapsed to one space and leading/trailing whitespace dropped,
// so pages that differ only in spacing or line endings share it. Not a cryptographic hash: equal
// fingerprints count near-identical pages; they do not prove two bodies equal.
import { resolveLink, type NormalizeOptions } from './url-normalizer.js';

/** The canonical URL in `Link` header values, normalised; undefined when none says rel=canonical. */
export function canonicalFromLinkHeaders(values: readonly string[], pageUrl: string, normalize?: NormalizeOptions): string | undefined {
  for (const value of values) {
    const re = /<([^>]*)>((?:\s*;\s*[^;,]*)*)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(value)) !== null) {
      const params = m[2]!;
      const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]*))/i.exec(params);
      if (rel === null) continue;
      const tokens = (rel[1] ?? rel[2] ?? '').toLowerCase().split(/\s+/);
      if (!tokens.includes('canonical')) continue;
      const url = resolveLink(pageUrl, m[1]!.trim(), normalize);
      if (url !== null) return url;
    }
  }
  return undefined;
}

const ROBOTS_DIRECTIVES = new Set(['all', 'noindex', 'nofollow', 'none', 'noarchive', 'nosnippet', 'notranslate', 'noimageindex', 'unavailable_after', 'max-snippet', 'max-image-preview', 'max-video-preview', 'indexifembedded']);

/** noindex / nofollow from X-Robots-Tag values, for the crawler whose product token is `token`. */
export function xRobotsTag(values: readonly string[], token: string): { noindex: boolean; nofollow: boolean } {
  let noindex = false;
  let nofollow = false;
  const me = token.toLowerCase();
  for (const value of values) {
    let forUs = true;
    for (let part of value.split(',')) {
      part = part.trim().toLowerCase();
      if (part === '') continue;
      const colon = part.indexOf(':');
      if (colon > 0) {
        const head = part.slice(0, colon).trim();
        if (!ROBOTS_DIRECTIVES.has(head)) {
          // "name: directive": the directives from here on are for that crawler
          forUs = head === me;
          part = part.slice(colon + 1).trim();
        }
      }
      if (!forUs) continue;
      if (part === 'noindex' || part === 'none') noindex = true;
      if (part === 'nofollow' || part === 'none') nofollow = true;
    }
  }
  return { noindex, nofollow };
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c;
}

/** The body's fingerprint: 16 hex digits (see the top of this file). */
export function contentFingerprint(body: Uint8Array): string {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x9747b28c | 0;
  let pendingSpace = false;
  let started = false;
  for (let i = 0; i < body.length; i++) {
    let c = body[i]!;
    if (isWs(c)) {
      pendingSpace = started;
      continue;
    }
    if (pendingSpace) {
      pendingSpace = false;
      h1 = Math.imul(h1 ^ 0x20, 0x01000193);
      h2 = Math.imul(h2 ^ 0x20, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    started = true;
    h1 = Math.imul(h1 ^ c, 0x01000193);
    c = h2 ^ c;
    h2 = Math.imul(c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  // final avalanche of both lanes
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h2 ^= h2 >>> 16;
  h2 = Math.imul(h2, 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
