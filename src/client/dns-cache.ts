// A DNS cache for many hosts: one lookup per host per TTL (concurrent askers share it), negative
// caching of failures, a cap on lookups in flight, and round-robin over a host's addresses.
// `lookup` has net.connect's signature, so a dialer can pass it straight through.
import * as dns from 'node:dns';
import { isIP } from 'node:net';
import { FastbenchError } from '../core/errors.js';
import { nowMs } from '../core/clock.js';

export interface DnsCacheOptions {
  /** How long an answer is reused. Default 60 s. */
  ttlMs?: number;
  /** How long a failure is remembered. Default 5 s. */
  negativeTtlMs?: number;
  /** Most lookups in flight at once; the rest wait in order. Default 32. */
  maxConcurrent?: number;
  /** 4, 6 or 0 (either). Default 0. */
  family?: 0 | 4 | 6;
  /** The resolver (tests inject one). Default dns.lookup with all: true. */
  resolver?: (host: string, cb: (err: NodeJS.ErrnoException | null, addrs: { address: string; family: number }[]) => void) => void;
}

interface Entry {
  addrs: { address: string; family: number }[];
  next: number;
  expires: number;
  error: FastbenchError | null;
  waiters: ((err: FastbenchError | null, address: string, family: number) => void)[] | null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;
type LookupAllCallback = (err: NodeJS.ErrnoException | null, addresses: { address: string; family: number }[]) => void;

const defaultResolver: NonNullable<DnsCacheOptions['resolver']> = (host, cb) => dns.lookup(host, { all: true }, cb);

export class DnsCache {
  readonly ttlMs: number;
  readonly negativeTtlMs: number;
  readonly maxConcurrent: number;
  private readonly family: 0 | 4 | 6;
  private readonly resolver: NonNullable<DnsCacheOptions['resolver']>;
  private readonly entries = new Map<string, Entry>();
  private inFlight = 0;
  private readonly queue: string[] = [];
  /** Lookups actually sent to the resolver (hits are not counted). */
  lookups = 0;
  hits = 0;

  constructor(options: DnsCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 5_000;
    this.maxConcurrent = options.maxConcurrent ?? 32;
    this.family = options.family ?? 0;
    this.resolver = options.resolver ?? defaultResolver;
    if (!(this.maxConcurrent >= 1)) throw new FastbenchError('ERR_CONFIG', 'dns maxConcurrent must be >= 1');
  }

  /**
   * net.connect-compatible lookup: (hostname, options, callback). With `options.all` (what
   * net does when autoSelectFamily is on) the callback takes [{ address, family }].
   */
  readonly lookup = (hostname: string, options: { all?: boolean } | undefined, callback: LookupCallback): void => {
    if (options?.all === true) {
      this.resolve(hostname, (err, address, family) => (callback as unknown as LookupAllCallback)(err, err ? [] : [{ address, family }]));
    } else {
      this.resolve(hostname, callback as (err: FastbenchError | null, address: string, family: number) => void);
    }
  };

  /** Resolves a host name to one address (rotating over the host's addresses). */
  resolve(host: string, cb: (err: FastbenchError | null, address: string, family: number) => void): void {
    const fam = isIP(host);
    if (fam !== 0) {
      cb(null, host, fam);
      return;
    }
    const now = nowMs();
    let e = this.entries.get(host);
    if (e !== undefined && e.waiters === null && e.expires > now) {
      this.hits++;
      if (e.error !== null) cb(e.error, '', 0);
      else {
        const a = e.addrs[e.next++ % e.addrs.length]!;
        cb(null, a.address, a.family);
      }
      return;
    }
    if (e !== undefined && e.waiters !== null) {
      this.hits++;
      e.waiters.push(cb);
      return;
    }
    e = { addrs: [], next: 0, expires: 0, error: null, waiters: [cb] };
    this.entries.set(host, e);
    if (this.inFlight < this.maxConcurrent) this.start(host);
    else this.queue.push(host);
  }

  /** Promise form of resolve(). */
  resolveAsync(host: string): Promise<{ address: string; family: number }> {
    return new Promise((ok, fail) => this.resolve(host, (err, address, family) => (err ? fail(err) : ok({ address, family }))));
  }

  /** Forgets every entry (or one host). */
  clear(host?: string): void {
    if (host === undefined) this.entries.clear();
    else this.entries.delete(host);
  }

  get size(): number {
    return this.entries.size;
  }

  private start(host: string): void {
    this.inFlight++;
    this.lookups++;
    this.resolver(host, (err, addrs) => {
      this.inFlight--;
      const e = this.entries.get(host);
      if (e !== undefined) this.settle(host, e, err, addrs);
      const next = this.queue.shift();
      if (next !== undefined) this.start(next);
    });
  }

  private settle(host: string, e: Entry, err: NodeJS.ErrnoException | null, addrs: { address: string; family: number }[]): void {
    const now = nowMs();
    const usable = err ? [] : addrs.filter((a) => this.family === 0 || a.family === this.family);
    if (err || usable.length === 0) {
      const code = err?.code;
      const notFound = code === 'ENOTFOUND' || code === 'ENODATA' || code === 'EAI_NONAME' || (!err && usable.length === 0);
      e.error = notFound
        ? new FastbenchError('ERR_DNS_NOT_FOUND', `host not found: ${host}`, { cause: err ?? undefined })
        : new FastbenchError('ERR_DNS_FAILED', `DNS lookup for ${host} failed: ${code ?? err?.message}`, { cause: err ?? undefined });
      e.expires = now + this.negativeTtlMs;
    } else {
      e.addrs = usable;
      e.error = null;
      e.expires = now + this.ttlMs;
    }
    const waiters = e.waiters!;
    e.waiters = null;
    for (const w of waiters) {
      if (e.error !== null) w(e.error, '', 0);
      else {
        const a = e.addrs[e.next++ % e.addrs.length]!;
        w(null, a.address, a.family);
      }
    }
  }
}

export interface ResolveOverride {
  host: string;
  port: number;
  address: string;
}

/** Parses a curl-style override "host:port:address" (address may be [v6]). */
export function parseResolveOverride(spec: string): ResolveOverride {
  const m = /^([^:\s]+):(\d{1,5}):(\[[0-9a-fA-F:.]+\]|[^:\s]+)$/.exec(spec.trim());
  const port = m ? Number(m[2]) : NaN;
  const address = m ? m[3]!.replace(/^\[|\]$/g, '') : '';
  if (!m || port < 1 || port > 65535 || isIP(address) === 0) {
    throw new FastbenchError('ERR_USAGE_BAD_OPTION', `invalid resolve override ${JSON.stringify(spec)}: expected host:port:address with an IP address`);
  }
  return { host: m[1]!.toLowerCase(), port, address };
}
