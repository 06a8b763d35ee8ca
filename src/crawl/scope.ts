// Which discovered URLs the crawl follows: `--scope host|domain|any` plus include/exclude patterns.
//
// A URL is in scope when
//   1. it passes the scope mode against the seeds:
//        host    its origin (scheme, host name and port) equals a seed's: another port or
//                scheme on the same host name is another site (its own robots.txt, its own
//                pages), so it is out of scope unless a seed (or a seed's redirect) is there;
//        domain  its registrable domain equals a seed's (see registrableDomain below);
//        any     always;
//   2. and, when include patterns are given, at least one of them matches;
//   3. and no exclude pattern matches (exclude wins over include).
//
// Pattern syntax (for --include / --exclude), matched against the normalised URL:
//   re:SOURCE      a JavaScript regular expression, searched anywhere in the full URL (anchor it
//                  yourself with ^ and $). Example: re:/tag/\d+$
//   re/FLAGS:SOURCE  the same with flags (any of i, u, s). Example: re/i:logout
//   glob           anything else. `*` matches any run of characters (including `/`, `?`, `&`);
//                  every other character is literal — `?` is not a wildcard because it is the
//                  query separator in URLs. A glob must match the whole string. When the glob
//                  starts with `/` it is matched against the path + query (`/blog/*`); otherwise
//                  against the full URL (`https://*.example.com/*`, `*.pdf`). A glob may end with
//                  `$` for readability; it changes nothing (globs are anchored anyway).
// (Regexes get a prefix rather than /slashes/ so that a path glob such as `/docs/` stays a glob.)
// Invalid regexes raise ERR_USAGE_BAD_OPTION.

import { FastbenchError } from '../core/errors.js';
import { compileWildcard } from './wildcard.js';

export type ScopeMode = 'host' | 'domain' | 'any';

export interface ScopeOptions {
  mode: ScopeMode;
  /** Seed URLs (normalised or at least absolute): the hosts / domains that are in scope. */
  seeds: readonly string[];
  include?: readonly string[];
  exclude?: readonly string[];
}

type Matcher = (url: string, pathAndQuery: string) => boolean;

// Second-level labels under which registrations happen, for country-code TLDs
// (co.uk, com.au, ac.jp, org.br, gov.in ...). Only consulted when the TLD has two letters.
const CC_SLDS = new Set([
  'ac', 'co', 'ed', 'go', 'gv', 'ne', 'or', 'lg', 'mi', 'nm', 'sc',
  'com', 'net', 'org', 'gov', 'edu', 'mil', 'nic', 'gob', 'ltd', 'plc', 'sch', 'nhs', 'int', 'biz', 'res',
]);

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * The registrable domain ("eTLD+1") of a host name, approximated WITHOUT the Public Suffix List:
 * the last two labels, or the last three when the TLD is a two-letter country code and the
 * second-last label is a common second-level label (co.uk, com.au, ac.jp, gov.in ...).
 * Known misses: private suffixes (github.io, herokuapp.com, blogspot.com: every user site counts
 * as one domain), and ccTLDs with other second-level schemes (e.g. kawasaki.jp, city-level
 * names). IP addresses and single-label hosts are returned as they are.
 */
export function registrableDomain(hostname: string): string {
  let h = hostname.toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h.startsWith('[') || IPV4.test(h)) return h;
  const labels = h.split('.');
  const n = labels.length;
  if (n <= 2) return h;
  const tld = labels[n - 1]!;
  const sld = labels[n - 2]!;
  if (tld.length === 2 && CC_SLDS.has(sld)) return labels.slice(n - 3).join('.');
  return labels.slice(n - 2).join('.');
}

function hostnameOf(url: string): string | null {
  const start = url.indexOf('//');
  if (start < 0) return null;
  let end = start + 2;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 0x2f || c === 0x3f || c === 0x23) break; // / ? #
    end++;
  }
  let auth = url.slice(start + 2, end);
  const at = auth.lastIndexOf('@');
  if (at >= 0) auth = auth.slice(at + 1);
  if (auth.startsWith('[')) {
    const close = auth.indexOf(']');
    return close < 0 ? auth : auth.slice(0, close + 1).toLowerCase();
  }
  const colon = auth.indexOf(':');
  return (colon < 0 ? auth : auth.slice(0, colon)).toLowerCase();
}

/**
 * The origin of an absolute URL, `scheme://host[:port]`, lowercased, without user info or a
 * trailing dot on the host; the default port (80 for http, 443 for https) is dropped. Null when
 * the URL has no authority.
 */
export function originOf(url: string): string | null {
  const start = url.indexOf('//');
  if (start < 1 || url.charCodeAt(start - 1) !== 0x3a) return null; // "scheme:" before "//"
  const scheme = url.slice(0, start - 1).toLowerCase();
  let end = start + 2;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 0x2f || c === 0x3f || c === 0x23) break; // / ? #
    end++;
  }
  let auth = url.slice(start + 2, end).toLowerCase();
  const at = auth.lastIndexOf('@');
  if (at >= 0) auth = auth.slice(at + 1);
  let host = auth;
  let port = '';
  const close = auth.lastIndexOf(']');
  const colon = auth.lastIndexOf(':');
  if (colon > close) {
    host = auth.slice(0, colon);
    port = auth.slice(colon + 1);
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '') return null;
  if ((scheme === 'http' && port === '80') || (scheme === 'https' && port === '443')) port = '';
  return port === '' ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
}

function pathAndQueryOf(url: string): string {
  const start = url.indexOf('//');
  const slash = url.indexOf('/', start < 0 ? 0 : start + 2);
  if (slash < 0) return '/';
  const hash = url.indexOf('#', slash);
  return hash < 0 ? url.slice(slash) : url.slice(slash, hash);
}

/** Compiles one include/exclude pattern (see the syntax at the top of this file). */
export function compilePattern(pattern: string): Matcher {
  const re = /^re(?:\/([a-z]*))?:/.exec(pattern);
  if (re !== null) {
    const flags = re[1] ?? '';
    if (!/^[ius]*$/.test(flags)) {
      throw new FastbenchError('ERR_USAGE_BAD_OPTION', `pattern ${pattern}: unsupported regex flags "${flags}" (use i, u, s)`);
    }
    let rx: RegExp;
    try {
      rx = new RegExp(pattern.slice(re[0].length), flags);
    } catch (e) {
      throw new FastbenchError('ERR_USAGE_BAD_OPTION', `pattern ${pattern}: ${(e as Error).message}`, { cause: e });
    }
    return (url) => rx.test(url);
  }
  let glob = pattern;
  if (glob.endsWith('$')) glob = glob.slice(0, -1);
  const m = compileWildcard(glob, true);
  return glob.startsWith('/') ? (_u, pq) => m(pq) : (u) => m(u);
}

export class Scope {
  readonly mode: ScopeMode;
  private readonly origins = new Set<string>();
  private readonly domains = new Set<string>();
  private readonly include: Matcher[];
  private readonly exclude: Matcher[];

  constructor(opts: ScopeOptions) {
    this.mode = opts.mode;
    if (opts.mode !== 'host' && opts.mode !== 'domain' && opts.mode !== 'any') {
      throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--scope must be host, domain or any (got ${String(opts.mode)})`);
    }
    for (const seed of opts.seeds) this.addSeed(seed);
    this.include = (opts.include ?? []).map(compilePattern);
    this.exclude = (opts.exclude ?? []).map(compilePattern);
  }

  /** Adds a seed after construction (e.g. a redirect target of a seed). */
  addSeed(seed: string): void {
    const host = hostnameOf(seed);
    if (host === null || host === '') {
      throw new FastbenchError('ERR_USAGE_BAD_URL', `seed is not an absolute URL: ${seed}`);
    }
    const h = host.endsWith('.') ? host.slice(0, -1) : host;
    const origin = originOf(seed);
    if (origin !== null) this.origins.add(origin);
    this.domains.add(registrableDomain(h));
  }

  /** True when the (normalised) URL is in scope. */
  allows(url: string): boolean {
    if (this.mode !== 'any') {
      if (this.mode === 'host') {
        const origin = originOf(url);
        if (origin === null || !this.origins.has(origin)) return false;
      } else {
        const host = hostnameOf(url);
        if (host === null || !this.domains.has(registrableDomain(host))) return false;
      }
    }
    if (this.include.length === 0 && this.exclude.length === 0) return true;
    const pq = pathAndQueryOf(url);
    if (this.include.length > 0) {
      let ok = false;
      for (const m of this.include) {
        if (m(url, pq)) {
          ok = true;
          break;
        }
      }
      if (!ok) return false;
    }
    for (const m of this.exclude) if (m(url, pq)) return false;
    return true;
  }
}
