// Client: routes requests with absolute URLs to one HostClient (or PipelineClient) per origin,
// made on first use and dropped when idle. Host names resolve through one shared DNS cache (one
// lookup per host per TTL), curl-style overrides map names onto chosen addresses, and every
// per-host pool shares one deadline sweeper.
import { FastbenchError } from '../core/errors.js';
import { Sweeper, type Sweepable } from '../core/sweeper.js';
import { DnsCache, type ResolveOverride, parseResolveOverride } from './dns-cache.js';
import { DoerBase, type ResponseCallback, dispatchPromise, timeoutToDeadline } from './doer.js';
import { HostClient, type HostClientOptions } from './host-client.js';
import { PipelineClient, type PipelineClientOptions } from './pipeline-client.js';
import { headersForHop, isRedirect, redirectMethod, redirectTarget } from './redirects.js';
import { loadTlsOptions } from './client-options.js';
import { type ProxyRule, type ProxySettings, proxyRule } from './proxy.js';
import { Request } from './request.js';
import type { Response } from './response.js';

type PerHostOptions = Omit<HostClientOptions & PipelineClientOptions, 'addr' | 'host' | 'port' | 'tls' | 'address' | 'lookup' | 'hostHeader' | 'servername' | 'sweeper' | 'proxy'>;

export interface ClientOptions extends PerHostOptions {
  /**
   * Proxies: a proxy URL for every origin, or ProxySettings (an explicit URL and/or the
   * environment's http_proxy/https_proxy/all_proxy, and a no-proxy list), read as curl does
   * (proxy.ts). Each origin's pool goes through the proxy chosen for it: pools are per
   * (proxy, origin). Undefined: direct.
   */
  proxy?: string | ProxySettings;
  /** TLS server name (SNI) for every https origin (default: the URL's host). */
  servername?: string;
  /** curl-style overrides: "host:port:address" (or parsed objects). */
  resolve?: readonly (string | ResolveOverride)[];
  /** DNS answers are reused this long. Default 60000. */
  dnsTtl?: number;
  /** DNS failures are remembered this long. Default 5000. */
  dnsNegativeTtl?: number;
  /** Most DNS lookups in flight. Default 32. */
  dnsConcurrency?: number;
  /** A shared DNS cache (overrides the three dns* options). */
  dnsCache?: DnsCache;
  /** A per-host pool with nothing open or pending for this long is dropped. Default 60000. */
  maxIdleHostDuration?: number;
  /** Requests in flight per connection: > 1 uses a PipelineClient per host. Default 1. */
  pipeline?: number;
}

interface HostEntry {
  readonly scheme: 'http' | 'https';
  readonly hostname: string;
  readonly port: number;
  readonly pool: HostClient | PipelineClient;
  /** Sweep time at which the pool was last seen busy or used. */
  lastUsed: number;
}

/** Where a redirect chain went: every URL requested, in order. */
export interface RedirectHops {
  urls: string[];
}

export class Client extends DoerBase implements Sweepable {
  readonly dns: DnsCache;
  private readonly hosts = new Map<string, HostEntry>();
  /** The last entry used: consecutive requests to one origin skip the map lookup. */
  private last: HostEntry | undefined;
  private readonly overrides = new Map<string, string>();
  private readonly perHost: PerHostOptions;
  private readonly pipeline: number;
  private readonly maxIdleHostDuration: number;
  private readonly sweeper: Sweeper;
  /** Which proxy each origin goes through (undefined: every origin is direct). */
  readonly proxyRule: ProxyRule | undefined;
  private readonly servername: string | undefined;
  private _closed = false;

  constructor(options: ClientOptions = {}) {
    super();
    const { resolve, dnsTtl, dnsNegativeTtl, dnsConcurrency, dnsCache, maxIdleHostDuration, pipeline, proxy, servername, ...perHost } = options;
    this.proxyRule = proxyRule(typeof proxy === 'string' ? { url: proxy } : proxy);
    this.servername = servername;
    // One SecureContext (CA bundle, client identity) for every per-host pool, loaded now.
    if (perHost.tlsOptions !== undefined) perHost.tlsOptions = loadTlsOptions(perHost.tlsOptions);
    for (const r of resolve ?? []) {
      const o = typeof r === 'string' ? parseResolveOverride(r) : r;
      this.overrides.set(`${o.host.toLowerCase()}:${o.port}`, o.address);
    }
    this.dns = dnsCache ?? new DnsCache({ ttlMs: dnsTtl, negativeTtlMs: dnsNegativeTtl, maxConcurrent: dnsConcurrency });
    this.pipeline = pipeline ?? 1;
    if (!Number.isInteger(this.pipeline) || this.pipeline < 1) throw new FastbenchError('ERR_CONFIG', `pipeline must be an integer >= 1, got ${String(pipeline)}`);
    this.maxIdleHostDuration = maxIdleHostDuration ?? 60_000;
    this.sweeper = new Sweeper(perHost.sweepInterval ?? 10);
    this.perHost = perHost;
    // Validate the per-host options once, now, rather than on the first request.
    this.makePool('http', 'validate.invalid', 80, false).close();
  }

  get closed(): boolean {
    return this._closed;
  }

  /** Number of per-host pools alive. */
  get hostCount(): number {
    return this.hosts.size;
  }

  /** The per-host pool a URL's origin maps to (made on first use). */
  hostClient(scheme: 'http' | 'https', hostname: string, port: number): HostClient | PipelineClient {
    return this.entry(scheme, hostname, port).pool;
  }

  private entry(scheme: 'http' | 'https', hostname: string, port: number): HostEntry {
    const l = this.last;
    if (l !== undefined && l.port === port && l.hostname === hostname && l.scheme === scheme) return l;
    const key = `${scheme}://${hostname}:${port}`;
    let e = this.hosts.get(key);
    if (e === undefined) {
      e = { scheme, hostname, port, pool: this.makePool(scheme, hostname, port, true), lastUsed: this.sweeperNow };
      this.hosts.set(key, e);
      if (this.hosts.size === 1) this.sweeper.add(this);
    }
    this.last = e;
    return e;
  }

  private makePool(scheme: 'http' | 'https', hostname: string, port: number, share: boolean): HostClient | PipelineClient {
    const address = this.overrides.get(`${hostname.toLowerCase()}:${port}`);
    const proxy = this.proxyRule?.forOrigin(scheme, hostname, port);
    const base = {
      ...this.perHost,
      host: hostname,
      port,
      tls: scheme === 'https',
      ...(proxy !== undefined ? { proxy } : {}),
      ...(this.servername !== undefined ? { servername: this.servername } : {}),
      ...(address !== undefined ? { address } : { lookup: this.dns.lookup }),
      ...(share ? { sweeper: this.sweeper } : {}),
    };
    return this.pipeline > 1 ? new PipelineClient({ ...base, maxPendingRequests: this.pipeline }) : new HostClient(base);
  }

  dispatch(req: Request, res: Response, ctx: ResponseCallback, deadlineMs = Infinity): void {
    if (this._closed) throw new FastbenchError('ERR_CLIENT_CLOSED');
    if (req.hostname === '') throw new FastbenchError('ERR_USAGE_BAD_URL', `Client needs an absolute URL, got ${JSON.stringify(req.url)}`);
    const e = this.entry(req.scheme, req.hostname, req.port);
    e.lastUsed = this.sweeperNow;
    e.pool.dispatch(req, res, ctx, deadlineMs);
  }

  /** A coarse "now" for idle bookkeeping: the last sweep's time (no clock read per request). */
  private sweeperNow = 0;


  /**
   * Follows up to maxRedirects redirects (301/302/303/307/308), changing method and body as
   * browsers do and never carrying credentials to another origin. `res` ends up holding the
   * final response. The caller's `req` is not changed: later hops use a request of their own.
   */
  async doRedirects(req: Request, res: Response, maxRedirects: number, hops?: RedirectHops, timeoutMs?: number): Promise<Response> {
    if (!Number.isInteger(maxRedirects) || maxRedirects < 0) throw new FastbenchError('ERR_CONFIG', `maxRedirects must be an integer >= 0, got ${String(maxRedirects)}`);
    const deadline = timeoutMs === undefined ? Infinity : timeoutToDeadline(timeoutMs);
    let current = req;
    let url = new URL(req.url);
    hops?.urls.push(url.href);
    for (let n = 0; ; n++) {
      await dispatchPromise(this, current, res, deadline);
      if (!isRedirect(res.status)) return res;
      if (n >= maxRedirects) throw new FastbenchError('ERR_TOO_MANY_REDIRECTS', `stopped after ${maxRedirects} redirects at ${url.href}`);
      const next = redirectTarget(url, res.header('location'));
      if (next === null) throw new FastbenchError('ERR_BAD_REDIRECT', `${res.status} from ${url.href} has no usable Location`);
      const { method, keepBody } = redirectMethod(res.status, current.method);
      const pairs: [string, string][] = [];
      const h = current.headers;
      for (let i = 0; i < h.length; i += 2) pairs.push([h[i]!, h[i + 1]!]);
      const hop = new Request({ method, url: next.href, headers: headersForHop(pairs, url, next, keepBody) });
      if (keepBody && current.body !== null) hop.body = current.body;
      current = hop;
      url = next;
      hops?.urls.push(url.href);
      res.reset();
    }
  }

  /** Drops per-host pools that have had nothing to do for maxIdleHostDuration. */
  sweep(now: number): boolean {
    this.sweeperNow = now;
    for (const [key, e] of this.hosts) {
      const pool = e.pool;
      if (pool.pendingCount > 0 || pool.connCount > 0 || e.lastUsed === 0) {
        e.lastUsed = now;
      } else if (now - e.lastUsed > this.maxIdleHostDuration) {
        this.hosts.delete(key);
        if (this.last === e) this.last = undefined;
        void pool.close();
      }
    }
    return this.hosts.size > 0;
  }

  async close(): Promise<void> {
    if (this._closed) return;
    this._closed = true;
    const all = [...this.hosts.values()];
    this.hosts.clear();
    this.last = undefined;
    await Promise.all(all.map((e) => e.pool.close()));
    this.sweeper.stop();
  }
}
