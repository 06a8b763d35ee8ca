// robots.txt per RFC 9309 (Robots Exclusion Protocol), parsed once per host and matched fast.
//
// Parsing (2.1, 2.2):
//   - Lines end in CR, LF or CRLF; `#` starts a comment; a UTF-8 BOM is skipped. Keys are
//     case-insensitive; a few common misspellings are accepted (useragent, dissallow, crawldelay).
//   - A group is one or more consecutive `user-agent` lines followed by rules. A user-agent line
//     after a rule starts a new group; rules before any user-agent line are ignored.
//   - `sitemap` lines belong to no group and are all collected. `crawl-delay` (not in the RFC, but
//     widely used) belongs to its group; the first valid value of the chosen groups wins.
//   - Only the first 500 KiB are parsed (2.5); a line cut by that limit is dropped.
// Choosing the group (2.2.1):
//   - Our product token is the leading [A-Za-z_-] run of our User-Agent ("fastbench/0.1 (+url)"
//     → "fastbench"); a user-agent line matches when its own leading token equals it,
//     case-insensitively. All matching groups are combined; when none match, all `*` groups are
//     combined; when there are none either, everything is allowed.
// Matching (2.2.2, 2.2.3):
//   - Rules match the path + query of the URL from its start; `*` matches any run of characters
//     and a `$` at the end anchors the end. Both sides are percent-normalised alike (hex upper,
//     unreserved octets decoded, non-ASCII UTF-8 encoded), so `/%7Efoo` and `/~foo` compare equal.
//   - The rule with the longest pattern (in octets) wins; on a tie Allow wins. No match: allowed.
//     An empty Disallow or Allow matches nothing. A pattern that starts with neither `/` nor `*`
//     gets a `/` put in front (a common mistake that Google tolerates too). /robots.txt is
//     always allowed.
// Fetch status (2.3.1), see Robots.fromResponse:
//   - 2xx: parse. 3xx left after the caller followed up to five redirects: unavailable → allow all.
//   - 4xx: unavailable → allow all, except 429 Too Many Requests, which we treat like 5xx
//     (be polite to a host that is already asking us to slow down).
//   - 5xx and unreachable (network error, timeout): disallow all. The RFC lets a crawler assume
//     allow-all after 30 days of unreachability, or reuse a cached copy; neither is done yet.
// Rules are precompiled: sorted once by (length desc, allow first), so isAllowed() stops at the
// first rule that matches; literal rules are a startsWith, wildcard rules a segment scan.

import { normalizePercentEncoding } from './url-normalizer.js';
import { compileWildcard, type WildcardMatcher } from './wildcard.js';

/** RFC 9309 2.5: crawlers MUST parse at least 500 kibibytes. */
export const ROBOTS_MAX_BYTES = 500 * 1024;

export interface RobotsRule {
  readonly allow: boolean;
  /** The percent-normalised pattern as written (with `*` and a trailing `$`). */
  readonly pattern: string;
}

interface CompiledRule extends RobotsRule {
  readonly match: WildcardMatcher;
}

interface Group {
  agents: string[];
  rules: RobotsRule[];
  crawlDelay: number | undefined;
}

export type RobotsSource = 'parsed' | 'allow-all' | 'disallow-all';

const AGENT_KEYS = new Set(['user-agent', 'useragent', 'user agent']);
const ALLOW_KEYS = new Set(['allow']);
const DISALLOW_KEYS = new Set(['disallow', 'dissallow', 'dissalow', 'disalow', 'diasllow', 'disallaw']);
const DELAY_KEYS = new Set(['crawl-delay', 'crawldelay', 'crawl delay']);
const SITEMAP_KEYS = new Set(['sitemap', 'site-map']);

/** The product token of a User-Agent string or user-agent line: its leading [A-Za-z_-] run, lowercased. */
export function productToken(userAgent: string): string {
  const m = /^[A-Za-z_-]+/.exec(userAgent.trim());
  return m === null ? '' : m[0].toLowerCase();
}

function decodeBody(body: Uint8Array | string): string {
  let bytes: Uint8Array;
  if (typeof body === 'string') {
    if (body.length * 3 <= ROBOTS_MAX_BYTES) return stripBom(body);
    bytes = Buffer.from(body, 'utf8');
  } else {
    bytes = body;
  }
  if (bytes.length > ROBOTS_MAX_BYTES) {
    // Drop the line the limit cut through: a cut `Allow: /public` would read as `Allow: /pub`.
    let end = ROBOTS_MAX_BYTES;
    while (end > 0 && bytes[end - 1] !== 0x0a && bytes[end - 1] !== 0x0d) end--;
    bytes = bytes.subarray(0, end);
  }
  return stripBom(new TextDecoder('utf-8').decode(bytes));
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

interface ParsedFile {
  groups: Group[];
  sitemaps: string[];
}

function parseFile(text: string): ParsedFile {
  const groups: Group[] = [];
  const sitemaps: string[] = [];
  let cur: Group | undefined;
  let inAgentRun = false;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const hash = raw.indexOf('#');
    const line = hash < 0 ? raw : raw.slice(0, hash);
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (AGENT_KEYS.has(key)) {
      if (cur === undefined || !inAgentRun) {
        cur = { agents: [], rules: [], crawlDelay: undefined };
        groups.push(cur);
      }
      cur.agents.push(value === '*' ? '*' : productToken(value));
      inAgentRun = true;
    } else if (ALLOW_KEYS.has(key) || DISALLOW_KEYS.has(key)) {
      if (cur === undefined) continue;
      inAgentRun = false;
      if (value === '') continue; // an empty rule matches nothing
      let pattern = value;
      if (pattern[0] !== '/' && pattern[0] !== '*') pattern = '/' + pattern;
      cur.rules.push({ allow: ALLOW_KEYS.has(key), pattern: normalizePercentEncoding(pattern) });
    } else if (DELAY_KEYS.has(key)) {
      if (cur === undefined) continue;
      inAgentRun = false;
      const n = Number(value);
      if (value !== '' && Number.isFinite(n) && n >= 0 && cur.crawlDelay === undefined) cur.crawlDelay = n;
    } else if (SITEMAP_KEYS.has(key)) {
      if (value !== '' && URL.canParse(value)) sitemaps.push(value);
    }
  }
  return { groups, sitemaps };
}

function compile(rule: RobotsRule): CompiledRule {
  const p = rule.pattern;
  const anchored = p.endsWith('$');
  return { ...rule, match: compileWildcard(anchored ? p.slice(0, -1) : p, anchored) };
}

function pathAndQuery(target: string): string {
  let pq: string;
  if (target.charCodeAt(0) === 0x2f) {
    pq = target;
  } else {
    const scheme = target.indexOf('://');
    const slash = target.indexOf('/', scheme < 0 ? 0 : scheme + 3);
    if (slash < 0) {
      const q = target.indexOf('?', scheme < 0 ? 0 : scheme + 3);
      pq = q < 0 ? '/' : '/' + target.slice(q);
    } else {
      pq = target.slice(slash);
    }
  }
  const hash = pq.indexOf('#');
  if (hash >= 0) pq = pq.slice(0, hash);
  return normalizePercentEncoding(pq);
}

export class Robots {
  /** Rules of the chosen group(s), in match order (longest first, Allow before Disallow). */
  readonly rules: readonly RobotsRule[];
  /** Crawl-delay of the chosen group(s) in seconds, when given. */
  readonly crawlDelay: number | undefined;
  /** Sitemap URLs listed anywhere in the file. */
  readonly sitemaps: readonly string[];
  readonly source: RobotsSource;
  private readonly compiled: readonly CompiledRule[];

  private constructor(source: RobotsSource, rules: RobotsRule[], crawlDelay: number | undefined, sitemaps: string[]) {
    this.source = source;
    const sorted = rules.slice().sort((a, b) => b.pattern.length - a.pattern.length || Number(b.allow) - Number(a.allow));
    this.rules = sorted;
    this.compiled = sorted.map(compile);
    this.crawlDelay = crawlDelay;
    this.sitemaps = sitemaps;
  }

  /** Parses a robots.txt body (bytes or text) for the crawler identified by `userAgent`. */
  static parse(body: Uint8Array | string, userAgent: string): Robots {
    const { groups, sitemaps } = parseFile(decodeBody(body));
    const token = productToken(userAgent);
    let chosen = token === '' ? [] : groups.filter((g) => g.agents.includes(token));
    if (chosen.length === 0) chosen = groups.filter((g) => g.agents.includes('*'));
    const rules: RobotsRule[] = [];
    let delay: number | undefined;
    for (const g of chosen) {
      rules.push(...g.rules);
      if (delay === undefined) delay = g.crawlDelay;
    }
    return new Robots('parsed', rules, delay, sitemaps);
  }

  static allowAll(): Robots {
    return new Robots('allow-all', [], undefined, []);
  }

  static disallowAll(): Robots {
    return new Robots('disallow-all', [{ allow: false, pattern: '/' }], undefined, []);
  }

  /** For a robots.txt that could not be fetched at all (DNS, connect, timeout): disallow all. */
  static unreachable(): Robots {
    return Robots.disallowAll();
  }

  /** Applies the fetch-status rules (see the top of this file) to a robots.txt response. */
  static fromResponse(status: number, body: Uint8Array | string | undefined, userAgent: string): Robots {
    if (status >= 200 && status < 300) return Robots.parse(body ?? '', userAgent);
    if (status === 429) return Robots.disallowAll();
    if (status >= 300 && status < 500) return Robots.allowAll();
    return Robots.disallowAll();
  }

  /**
   * Whether the crawler may fetch `target`: an absolute URL or a path (+ query) starting with `/`.
   */
  isAllowed(target: string): boolean {
    const rules = this.compiled;
    if (rules.length === 0) return true;
    const pq = pathAndQuery(target);
    if (pq === '/robots.txt') return true;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      if (r.match(pq)) return r.allow;
    }
    return true;
  }

  /** Crawl-delay in milliseconds, or undefined. */
  get crawlDelayMs(): number | undefined {
    return this.crawlDelay === undefined ? undefined : Math.round(this.crawlDelay * 1000);
  }
}
