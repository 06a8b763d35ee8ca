// The pooled clients one load worker sends through, grouped by origin. Group 0 is the scenario's
// target: one backend per target URL (and per address of a `resolve` override), picked fewest
// pending first; every other group is one absolute `url:` origin of a request.
//
// A backend is picked by the engine rather than by an LBClient because static requests are
// serialized once per backend (each has its own Host header): the engine must know the backend
// before it chooses the prepared bytes.
import { bug } from '../core/invariant.js';
import type { FastbenchError } from '../core/errors.js';
import { Sweeper } from '../core/sweeper.js';
import { HostClient } from '../client/host-client.js';
import { PipelineClient } from '../client/pipeline-client.js';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { loadTlsOptions } from '../client/client-options.js';
import { type ProxyRule, type ProxySpec, proxyRule } from '../client/proxy.js';
import type { ClientSettings, Scenario, TargetNet, TlsSettings } from '../scenario/index.js';
import { ConnectionUsage, type ProtocolUsage } from '../client/connection-usage.js';

export interface Backend {
  readonly client: HostClient | PipelineClient;
  /** Host header value for requests sent through this backend. */
  readonly hostHeader: string;
}

export interface OriginGroup {
  readonly origin: string;
  readonly backends: readonly Backend[];
}

export interface TargetClientOptions {
  readonly settings: ClientSettings;
  /** Connections per backend (the worker's share of the largest phase). */
  readonly maxConns: number;
  /** Exchanges in flight per connection (1: HostClient; more: PipelineClient). */
  readonly pipelining: number;
  /** Exchanges that may wait for a slot (the number of virtual users). */
  readonly maxQueued: number;
  /** Target origins with their own `tls` / `proxy` (scenario `target: { url, tls, proxy }`). */
  readonly net?: readonly TargetNet[] | undefined;
  /** The target is the bundled server this run started: environment proxies skip it. */
  readonly builtin?: boolean | undefined;
}

/** node:tls options for a scenario `tls:` block (its SecureContext is loaded by the caller). */
export function tlsOptionsOf(t: TlsSettings): TlsConnectionOptions {
  const o: TlsConnectionOptions = {};
  if (t.ca !== undefined) o.ca = Buffer.from(t.ca);
  if (t.cert !== undefined) o.cert = Buffer.from(t.cert);
  if (t.key !== undefined) o.key = Buffer.from(t.key);
  if (t.pfx !== undefined) o.pfx = Buffer.from(t.pfx);
  if (t.passphrase !== undefined) o.passphrase = t.passphrase;
  if (t.ciphers !== undefined) o.ciphers = t.ciphers;
  if (t.minVersion !== undefined) o.minVersion = t.minVersion;
  if (t.maxVersion !== undefined) o.maxVersion = t.maxVersion;
  return o;
}

/**
 * Loads every `tls:` block of a scenario (client's and targets') as the clients will, so a bad
 * certificate, key, passphrase or cipher list is an ERR_TLS_CONFIG (exit 2) before any traffic.
 */
export function checkTargetTls(s: Scenario): void {
  const all = [s.client.tls, ...(s.target.kind === 'url' ? (s.target.net ?? []).map((n) => n.tls) : [])];
  for (const t of all) if (t !== undefined) loadTlsOptions(tlsOptionsOf(t));
}

interface BackendNet {
  readonly tls: TlsSettings | undefined;
  readonly proxy: string | ProxySpec | undefined;
}

export class TargetClients {
  readonly groups: OriginGroup[] = [];
  private readonly byOrigin = new Map<string, number>();
  private readonly sweeper = new Sweeper(10);
  private rotate = 0;
  /** Proxy decisions: with the environment's variables, and without them (for the bundled server). */
  private readonly proxies: ProxyRule | undefined;
  private readonly explicitProxies: ProxyRule | undefined;
  /** Loaded SecureContexts by `tls:` block (one per block per worker, not per backend). */
  private readonly tlsLoaded = new Map<TlsSettings, TlsConnectionOptions | undefined>();
  /**
   * Told when a connection of any backend receives bytes with no request in flight
   * (ERR_HTTP_UNSOLICITED_RESPONSE; the load loop counts it).
   */
  onUnsolicited: ((err: FastbenchError, bytes: number) => void) | undefined;
  private readonly unsolicited = (err: FastbenchError, bytes: number): void => this.onUnsolicited?.(err, bytes);

  constructor(
    targetOrigins: readonly string[],
    extraOrigins: readonly string[],
    private readonly options: TargetClientOptions,
  ) {
    const p = options.settings.proxy;
    this.proxies = p === undefined ? undefined : proxyRule(p);
    this.explicitProxies = p === undefined || p.env === undefined ? this.proxies : proxyRule({ ...p, env: undefined });
    this.addGroup(targetOrigins, options.builtin === true);
    for (const o of extraOrigins) if (!this.byOrigin.has(o)) this.addGroup([o], false);
  }

  /** Group index of an origin (undefined origin: the scenario target). */
  groupOf(origin: string | undefined): number {
    if (origin === undefined) return 0;
    const g = this.byOrigin.get(origin);
    if (g === undefined) bug(`no client for origin ${origin}`);
    return g;
  }

  /** The backend of group g with the fewest exchanges pending (ties rotate). */
  pick(g: number): number {
    const list = this.groups[g]!.backends;
    const n = list.length;
    if (n === 1) return 0;
    const start = this.rotate++ % n;
    let best = start;
    let bestPending = list[start]!.client.pendingCount;
    for (let i = 1; i < n && bestPending > 0; i++) {
      const j = (start + i) % n;
      const p = list[j]!.client.pendingCount;
      if (p < bestPending) {
        best = j;
        bestPending = p;
      }
    }
    return best;
  }

  backend(g: number, b: number): Backend {
    return this.groups[g]!.backends[b]!;
  }

  /** Connections open or dialing, over every backend. */
  get connCount(): number {
    let n = 0;
    for (const g of this.groups) for (const b of g.backends) n += b.client.connCount;
    return n;
  }

  /** Connections opened per protocol over every backend, and the most in flight on one. */
  usage(): Record<string, ProtocolUsage> {
    const out: Record<string, ProtocolUsage> = {};
    for (const g of this.groups) for (const b of g.backends) ConnectionUsage.merge(out, b.client.usage.byProtocol);
    return out;
  }

  async close(): Promise<void> {
    const all: Promise<void>[] = [];
    for (const g of this.groups) for (const b of g.backends) all.push(b.client.close());
    await Promise.all(all);
    this.sweeper.stop();
  }

  private addGroup(origins: readonly string[], builtin: boolean): void {
    const backends: Backend[] = [];
    for (const origin of origins) {
      const u = new URL(origin);
      const tls = u.protocol === 'https:';
      const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
      const port = u.port === '' ? (tls ? 443 : 80) : Number(u.port);
      const override = this.options.settings.resolve.find((r) => r.host === host.toLowerCase() && r.port === port);
      const addresses: (string | undefined)[] = override !== undefined ? [...override.addresses] : [undefined];
      const net = this.netOf(origin, tls ? 'https' : 'http', host, port, builtin);
      for (const address of addresses) backends.push(this.makeBackend(host, port, tls, address, net));
    }
    const index = this.groups.length;
    this.groups.push({ origin: origins[0] ?? '', backends });
    for (const o of origins) if (!this.byOrigin.has(o)) this.byOrigin.set(o, index);
  }

  /** The TLS settings and proxy of one origin: its own `{ url, tls, proxy }`, else the client's. */
  private netOf(origin: string, scheme: 'http' | 'https', host: string, port: number, builtin: boolean): BackendNet {
    const own = this.options.net?.find((n) => n.origin === origin);
    const tls = scheme === 'https' ? (own?.tls ?? this.options.settings.tls) : undefined;
    const proxy = own?.proxy ?? (builtin ? this.explicitProxies : this.proxies)?.forOrigin(scheme, host, port);
    return { tls, proxy };
  }

  private tlsFields(t: TlsSettings): { tlsOptions?: TlsConnectionOptions; servername?: string; alpn?: readonly string[] } {
    const tlsOptions = this.loadTls(t);
    return {
      ...(tlsOptions !== undefined && Object.keys(tlsOptions).length > 0 ? { tlsOptions } : {}),
      ...(t.servername !== undefined ? { servername: t.servername } : {}),
      ...(t.alpn !== undefined ? { alpn: t.alpn } : {}),
    };
  }

  private loadTls(t: TlsSettings | undefined): TlsConnectionOptions | undefined {
    if (t === undefined) return undefined;
    if (!this.tlsLoaded.has(t)) this.tlsLoaded.set(t, loadTlsOptions(tlsOptionsOf(t)));
    return this.tlsLoaded.get(t);
  }

  private makeBackend(host: string, port: number, tls: boolean, address: string | undefined, net: BackendNet): Backend {
    const o = this.options;
    const s = o.settings;
    const common = {
      host,
      port,
      tls,
      maxConns: o.maxConns,
      insecure: s.insecure,
      connectTimeout: s.timeoutMs,
      tlsHandshakeTimeout: s.timeoutMs,
      sweeper: this.sweeper,
      onUnsolicited: this.unsolicited,
      ...(s.maxResponseBodySize !== undefined ? { maxResponseBodySize: s.maxResponseBodySize } : {}),
      ...(s.protocol !== undefined ? { protocol: s.protocol } : {}),
      ...(address !== undefined ? { address } : {}),
      ...(net.tls !== undefined ? this.tlsFields(net.tls) : {}),
      ...(net.proxy !== undefined ? { proxy: net.proxy } : {}),
    };
    const client =
      o.pipelining > 1
        ? new PipelineClient({ ...common, maxPendingRequests: o.pipelining, maxQueuedRequests: Math.max(4096, o.maxQueued) })
        : new HostClient({ ...common, maxConnWaitTimeout: s.timeoutMs });
    return { client, hostHeader: client.origin.hostHeader };
  }
}
