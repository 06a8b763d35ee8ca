// The crawler's options: defaults, validation (once, at construction), and the small parsers the
// CLI shares (byte sizes). Every bad value is an ERR_USAGE_BAD_OPTION naming the flag.
//
// Safe defaults: robots.txt obeyed, keep-alive with at most 2 connections per host, a 32 MiB body
// cap (big documentation pages fit; a bigger body is read up to the cap and marked truncated), 10 s for the response and 5 s for DNS + connect (separately: a slow resolver or a slow
// connect is reported as ERR_TIMEOUT_DNS / ERR_TIMEOUT_CONNECT, never as a slow site).
import { parseByteSize as parseSize } from '../core/units.js';
import { FastbenchError } from '../core/errors.js';
import type { ScopeMode } from './scope.js';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { ProtocolChoice } from '../client/client-options.js';

export const DEFAULT_USER_AGENT = 'fastbench/0.1 (crawler)';
/** --max-queue: ~1 GB of frontier at the ~180 B of RSS a queued URL costs (docs/PERFORMANCE.md). */
export const DEFAULT_MAX_QUEUE = 5_000_000;
export const DEFAULT_MAX_HOST_QUEUE = 1_000_000;
/** --max-body: real documentation pages (single-page manuals, API references) fit. */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
export const DEFAULT_CONTENT_TYPES: readonly string[] = Object.freeze(['text/html', 'application/xhtml+xml']);

export interface CrawlOptions {
  /** Seed URLs of a deep crawl. */
  seeds?: readonly string[];
  /** Probe mode: a file of URLs or bare hosts, one a line ('-' = stdin), streamed. */
  urlsFile?: string;
  /** Requests in flight at once, all hosts together. Default 64. */
  concurrency?: number;
  /** Connections (and requests in flight) per host. Default 2. */
  perHost?: number;
  /** Least time between two requests to one host (robots Crawl-delay raises it). Default 0. */
  delayMs?: number;
  /** A robots Crawl-delay above this is capped to it. Default 30 s. */
  maxCrawlDelayMs?: number;
  /** Stop after this many pages (records). Default: no limit. */
  maxPages?: number;
  /** Do not follow links found on pages at this depth or deeper. Default: no limit. */
  maxDepth?: number;
  /**
   * URLs the frontier keeps in memory (about 180 bytes of RSS each for 60-character URLs, seen-set
   * entry included). Beyond it new links spill to the journal with --state, else are dropped
   * (counted). Default 5,000,000 (~1 GB).
   */
  maxQueue?: number;
  /** URLs of one host the frontier keeps in memory; beyond it the host's new links are dropped (counted). Default 1,000,000. */
  maxHostQueue?: number;
  scope?: ScopeMode;
  include?: readonly string[];
  exclude?: readonly string[];
  userAgent?: string;
  /** Fetch and obey robots.txt. Default true. */
  robots?: boolean;
  /** Skip rel=nofollow links and obey meta robots nofollow. Default false. */
  nofollow?: boolean;
  /**
   * Largest body read. A bigger one is asked for again with `Range: bytes=0-(cap-1)`: what arrives
   * is parsed and the record marked truncated (a server that ignores the range: recorded with
   * ERR_HTTP_BODY_TOO_LARGE, truncated, no links). Default 32 MiB.
   */
  maxBodyBytes?: number;
  /** Media types whose bodies are parsed for links (`type/*` allowed). Default text/html, xhtml. */
  contentTypes?: readonly string[];
  /** Request written → response complete. Default 10 s. */
  timeoutMs?: number;
  /** DNS + TCP connect (and TLS handshake). Default 5 s. */
  connectTimeoutMs?: number;
  /** Redirects followed per URL in probe mode (a deep crawl queues them as links). Default 10. */
  maxRedirects?: number;
  /** Failures (transport, timeouts, 5xx) after which a host is given up. Default 10. */
  hostErrorBudget?: number;
  /** First back-off after a host failure; doubles per consecutive failure. Default 500 ms. */
  backoffBaseMs?: number;
  /** Longest back-off. Default 30 s. */
  backoffMaxMs?: number;
  /** Sort query parameters when normalising URLs. Default false. */
  sortQuery?: boolean;
  /**
   * Read sitemaps: the `Sitemap:` lines of each robots.txt and /sitemap.xml of each seed's origin
   * (indexes and gzip files too); the URLs they list (in scope, allowed) are queued at depth 0 and
   * their <lastmod> goes into the records. Default false.
   */
  sitemaps?: boolean;
  /** Enumerate the seeds and what the sitemaps list, following no links (implies sitemaps). */
  sitemapsOnly?: boolean;
  /**
   * Duplicates: 'canonical' — a page whose canonical URL (link rel=canonical, Link header; else
   * its own URL) was already seen is recorded with duplicateOf and its links are not followed, and
   * a URL an earlier page named as its canonical is not fetched; 'content' — the same by content
   * fingerprint; 'none' (default) records canonical and fingerprint only.
   */
  dedupe?: DedupeMode;
  /**
   * Adaptive politeness (adaptive-pace.ts): steer each host's requests in flight (1..perHost) and
   * extra delay toward this fetch time, from its latencies and 429/503/5xx/errors. Off (0) by default.
   */
  adaptiveTargetMs?: number;
  /** Put the page's links in its record. Default false. */
  includeLinks?: boolean;
  /** Links kept per page. Default 5000. */
  maxLinksPerPage?: number;
  /** curl-style "host:port:address" overrides. */
  resolve?: readonly string[];
  /** Accept any TLS certificate. */
  insecure?: boolean;
  // issue 15 (sess-web)
  /** Ask for compressed pages (Accept-Encoding) and decode them before link extraction. Default false. */
  compressed?: boolean;
  /** Keep one cookie jar per host: Set-Cookie answers are sent back on that host's later requests. Default false. */
  cookies?: boolean;
  // issue 15 (sess-net): TLS identity and proxies
  /** node:tls options (ca, cert, key, pfx, passphrase, ciphers, min/maxVersion) for every https host. */
  tlsOptions?: TlsConnectionOptions;
  /** TLS server name (SNI) for every https host. */
  servername?: string;
  /** ALPN ids to offer, most preferred first. */
  alpn?: readonly string[];
  /** Proxy URLs: one carries every request; several are rotated (proxy-rotation.ts). */
  proxies?: readonly string[];
  /** Hosts reached directly (curl's --noproxy; default the environment's no_proxy / NO_PROXY). */
  noProxy?: string;
  /** The proxy variables of the environment (http_proxy, https_proxy, ...; used without `proxies`). */
  proxyEnv?: Readonly<Record<string, string>>;
  /** Several proxies: a new one per request (default), or one per host until it is benched. */
  proxyRotate?: 'request' | 'host';
  /** Failures or 403/429 answers in a row after which a proxy is benched. Default 3. */
  proxyStrikes?: number;
  /** How long a benched proxy stays out of the rotation. Default 30 s. */
  proxyCooldownMs?: number;
  /** --http2 / --http1.1: the client's protocol choice (default: HTTP/1.1 on http, ALPN h2 then http/1.1 on https). */
  protocol?: ProtocolChoice;
}

export interface ResolvedCrawlOptions {
  readonly seeds: readonly string[];
  readonly urlsFile: string | undefined;
  readonly probe: boolean;
  readonly concurrency: number;
  readonly perHost: number;
  readonly delayMs: number;
  readonly maxCrawlDelayMs: number;
  readonly maxPages: number;
  readonly maxDepth: number;
  readonly maxQueue: number;
  readonly maxHostQueue: number;
  readonly scope: ScopeMode;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly userAgent: string;
  readonly robots: boolean;
  readonly nofollow: boolean;
  readonly maxBodyBytes: number;
  readonly contentTypes: readonly string[];
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly maxRedirects: number;
  readonly hostErrorBudget: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly sortQuery: boolean;
  readonly sitemaps: boolean;
  readonly sitemapsOnly: boolean;
  readonly dedupe: DedupeMode;
  readonly adaptiveTargetMs: number;
  readonly includeLinks: boolean;
  readonly maxLinksPerPage: number;
  readonly resolve: readonly string[];
  readonly insecure: boolean;
  readonly compressed: boolean;
  readonly cookies: boolean;
  readonly tlsOptions: TlsConnectionOptions | undefined;
  readonly servername: string | undefined;
  readonly alpn: readonly string[] | undefined;
  readonly proxies: readonly string[];
  readonly noProxy: string | undefined;
  readonly proxyEnv: Readonly<Record<string, string>> | undefined;
  readonly proxyRotate: 'request' | 'host';
  readonly proxyStrikes: number;
  readonly proxyCooldownMs: number;
  readonly protocol: ProtocolChoice | undefined;
}

function checkCrawlProtocol(v: unknown): ProtocolChoice {
  if (v === 'auto' || v === 'http1' || v === 'h2') return v;
  throw bad('protocol', '"auto", "http1" or "h2"', v);
}

export type DedupeMode = 'none' | 'canonical' | 'content';

function dedupeMode(v: DedupeMode | undefined): DedupeMode {
  if (v === undefined) return 'none';
  if (v !== 'none' && v !== 'canonical' && v !== 'content') throw bad('--dedupe', 'canonical, content or none', v);
  return v;
}

function bad(flag: string, want: string, got: unknown): FastbenchError {
  return new FastbenchError('ERR_USAGE_BAD_OPTION', `${flag} must be ${want}, got ${JSON.stringify(got) ?? String(got)}`);
}

function int(v: number | undefined, flag: string, def: number, min: number, allowInfinity = false): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !(v >= min) || (!Number.isInteger(v) && !(allowInfinity && v === Infinity))) {
    throw bad(flag, `an integer >= ${min}`, v);
  }
  return v;
}

function ms(v: number | undefined, flag: string, def: number, positive = false): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (positive && v === 0)) throw bad(flag, positive ? 'a positive duration' : 'a duration >= 0', v);
  return v;
}

function rotateMode(v: string | undefined): 'request' | 'host' {
  if (v === undefined || v === 'request' || v === 'host') return v ?? 'request';
  throw bad('--proxy-rotate', 'request or host', v);
}

const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/(\*|[a-z0-9!#$&^_.+-]+)$/;

export function resolveCrawlOptions(o: CrawlOptions): ResolvedCrawlOptions {
  const seeds = o.seeds ?? [];
  const probe = o.urlsFile !== undefined;
  if (probe && seeds.length > 0) throw new FastbenchError('ERR_USAGE_BAD_OPTION', 'give seed URLs or --urls FILE, not both');
  if (!probe && seeds.length === 0) throw new FastbenchError('ERR_USAGE', 'nothing to crawl: give seed URLs or --urls FILE');
  const scope = o.scope ?? 'host';
  if (scope !== 'host' && scope !== 'domain' && scope !== 'any') throw bad('--scope', 'host, domain or any', scope);
  const contentTypes = (o.contentTypes ?? DEFAULT_CONTENT_TYPES).map((t) => t.trim().toLowerCase());
  for (const t of contentTypes) if (!MEDIA_TYPE.test(t)) throw bad('--content-type', 'a media type such as text/html or text/*', t);
  const userAgent = o.userAgent ?? DEFAULT_USER_AGENT;
  if (!/^[\x20-\x7e\t]+$/.test(userAgent)) throw bad('--user-agent', 'non-empty printable ASCII', userAgent);
  const backoffBaseMs = ms(o.backoffBaseMs, 'backoffBase', 500);
  return Object.freeze({
    seeds,
    urlsFile: o.urlsFile,
    probe,
    concurrency: int(o.concurrency, '--concurrency', 64, 1),
    perHost: int(o.perHost, '--per-host', 2, 1),
    delayMs: ms(o.delayMs, '--delay', 0),
    maxCrawlDelayMs: ms(o.maxCrawlDelayMs, 'maxCrawlDelay', 30_000),
    maxPages: int(o.maxPages, '--max-pages', Infinity, 1, true),
    maxDepth: int(o.maxDepth, '--max-depth', Infinity, 0, true),
    maxQueue: int(o.maxQueue, '--max-queue', DEFAULT_MAX_QUEUE, 1),
    maxHostQueue: int(o.maxHostQueue, '--max-host-queue', DEFAULT_MAX_HOST_QUEUE, 1),
    scope,
    include: o.include ?? [],
    exclude: o.exclude ?? [],
    userAgent,
    robots: o.robots ?? true,
    nofollow: o.nofollow ?? false,
    maxBodyBytes: int(o.maxBodyBytes, '--max-body', DEFAULT_MAX_BODY_BYTES, 1),
    contentTypes,
    timeoutMs: ms(o.timeoutMs, '--timeout', 10_000, true),
    connectTimeoutMs: ms(o.connectTimeoutMs, '--connect-timeout', 5_000, true),
    maxRedirects: int(o.maxRedirects, '--max-redirects', 10, 0),
    hostErrorBudget: int(o.hostErrorBudget, '--host-error-budget', 10, 1),
    backoffBaseMs,
    backoffMaxMs: Math.max(backoffBaseMs, ms(o.backoffMaxMs, 'backoffMax', 30_000)),
    sortQuery: o.sortQuery ?? false,
    sitemaps: (o.sitemaps ?? false) || (o.sitemapsOnly ?? false),
    sitemapsOnly: o.sitemapsOnly ?? false,
    dedupe: dedupeMode(o.dedupe),
    adaptiveTargetMs: ms(o.adaptiveTargetMs, '--adaptive', 0),
    includeLinks: o.includeLinks ?? false,
    maxLinksPerPage: int(o.maxLinksPerPage, 'maxLinksPerPage', 5000, 1),
    resolve: o.resolve ?? [],
    insecure: o.insecure ?? false,
    compressed: o.compressed ?? false,
    cookies: o.cookies ?? false,
    tlsOptions: o.tlsOptions,
    servername: o.servername,
    alpn: o.alpn,
    proxies: o.proxies ?? [],
    noProxy: o.noProxy,
    proxyEnv: o.proxyEnv,
    proxyRotate: rotateMode(o.proxyRotate),
    proxyStrikes: int(o.proxyStrikes, '--proxy-strikes', 3, 1),
    proxyCooldownMs: ms(o.proxyCooldownMs, '--proxy-cooldown', 30_000),
    protocol: o.protocol === undefined ? undefined : checkCrawlProtocol(o.protocol),
  });
}

/**
 * The body cap as people write it: "5mb", "512KiB", "1.5m"; a bare number means MiB (the cap is
 * given in MB). Undefined when unparseable or not positive.
 */
export function parseByteSize(text: string): number | undefined {
  const n = parseSize(text, 1024 ** 2);
  return n !== undefined && n > 0 ? n : undefined;
}

/** Does the (lowercased, parameter-free) media type match one of the patterns? */
export function mediaTypeMatches(type: string, patterns: readonly string[]): boolean {
  for (let i = 0; i < patterns.length; i++) {
    const p = patterns[i]!;
    if (p === type) return true;
    if (p.endsWith('/*') && type.startsWith(p.slice(0, -1))) return true;
  }
  return false;
}

/** The media type of a Content-Type value: lowercased, parameters and whitespace removed. */
export function mediaTypeOf(contentType: string | undefined): string {
  if (contentType === undefined) return '';
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}
