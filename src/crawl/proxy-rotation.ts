// Several proxies for one crawl (`crawl -x P1 -x P2 ...`): one Client per proxy (so pools are
// per (proxy, origin)), a proxy picked per request (round robin) or per host (sticky until its
// proxy is benched), and each proxy's health:
//
//   - a request through it that fails in transport (the proxy refused, timed out, reset, a
//     CONNECT/SOCKS refusal ...) counts as a failure; a 403 or 429 answer counts as blocked;
//   - `proxyStrikes` of those in a row bench the proxy: it leaves the rotation for
//     `proxyCooldownMs`, then comes back with a clean slate (a success also clears the strikes);
//   - when every proxy is benched, the one whose bench ends first is used (the crawl goes on;
//     the host back-off and error budget still protect the sites);
//   - a fetch that failed in transport is tried again through another proxy (at most once per
//     other proxy) before its record is written: a dead proxy costs retries, not pages.
//
// The summary lists per proxy: requests, failures, blocked answers, times benched.
// Only built when there are two or more proxies; nothing here runs otherwise.
import type { Client } from '../client/client.js';
import type { FastbenchError } from '../core/errors.js';
import { parseProxyUrl } from '../client/proxy.js';

export interface ProxyHealth {
  /** The proxy URL without its password. */
  proxy: string;
  requests: number;
  /** Requests that failed in transport (or timed out). */
  failures: number;
  /** 403 and 429 answers. */
  blocked: number;
  /** Times taken out of the rotation. */
  benched: number;
}

interface Member {
  readonly url: string;
  readonly health: ProxyHealth;
  page: Client | undefined;
  robots: Client | undefined;
  strikes: number;
  benchedUntil: number;
}

export interface RotationOptions {
  readonly proxies: readonly string[];
  readonly proxyRotate: 'request' | 'host';
  readonly proxyStrikes: number;
  readonly proxyCooldownMs: number;
}

export class ProxyRotation {
  private readonly members: Member[];
  private next = 0;
  /** Host key → the member its requests go through (mode 'host'). */
  private readonly byHost = new Map<string, number>();

  /** `make(proxyUrl, robots)` builds the client of one proxy (lazily, on first use). */
  constructor(
    private readonly o: RotationOptions,
    private readonly make: (proxy: string, robots: boolean) => Client,
  ) {
    this.members = o.proxies.map((url) => ({
      url,
      health: { proxy: parseProxyUrl(url, '--proxy').label, requests: 0, failures: 0, blocked: 0, benched: 0 },
      page: undefined,
      robots: undefined,
      strikes: 0,
      benchedUntil: 0,
    }));
  }

  /** Number of proxies. */
  get size(): number {
    return this.members.length;
  }

  /** The member for a new fetch to `host` (`avoid`: not this one, unless it is the only one). */
  pick(host: string, now: number, avoid = -1): number {
    if (this.o.proxyRotate === 'host') {
      const had = this.byHost.get(host);
      if (had !== undefined && had !== avoid && this.members[had]!.benchedUntil <= now) return had;
      const i = this.roundRobin(now, avoid);
      this.byHost.set(host, i);
      return i;
    }
    return this.roundRobin(now, avoid);
  }

  private roundRobin(now: number, avoid: number): number {
    const n = this.members.length;
    let soonest = avoid === 0 && n > 1 ? 1 : 0;
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n;
      if (i === avoid) continue;
      const m = this.members[i]!;
      if (m.benchedUntil <= now) {
        this.next = i + 1;
        return i;
      }
      if (m.benchedUntil < this.members[soonest]!.benchedUntil) soonest = i;
    }
    return soonest;
  }

  /** The client of member `i` for pages (robots: for robots.txt, with its own body cap). */
  client(i: number, robots: boolean): Client {
    const m = this.members[i]!;
    if (robots) return (m.robots ??= this.make(m.url, true));
    return (m.page ??= this.make(m.url, false));
  }

  /**
   * Counts an exchange made through member `i`; benches it after `proxyStrikes` bad ones in a
   * row. True when it failed in transport (worth trying through another proxy).
   */
  note(i: number, status: number, err: FastbenchError | null, now: number): boolean {
    const m = this.members[i];
    if (m === undefined) return false;
    const h = m.health;
    h.requests++;
    let bad = false;
    if (err !== null) {
      const c = err.category;
      if (c === 'transport' || c === 'timeout') {
        h.failures++;
        bad = true;
      }
    } else if (status === 403 || status === 429) {
      h.blocked++;
      bad = true;
    }
    if (!bad) {
      if (err === null) m.strikes = 0;
      return false;
    }
    if (++m.strikes >= this.o.proxyStrikes) {
      m.strikes = 0;
      m.benchedUntil = now + this.o.proxyCooldownMs;
      h.benched++;
    }
    return err !== null;
  }

  /** True while member `i` is out of the rotation. */
  isBenched(i: number, now: number): boolean {
    return this.members[i]!.benchedUntil > now;
  }

  health(): ProxyHealth[] {
    return this.members.map((m) => ({ ...m.health }));
  }

  async close(): Promise<void> {
    const all: Promise<void>[] = [];
    for (const m of this.members) {
      if (m.page !== undefined) all.push(m.page.close());
      if (m.robots !== undefined) all.push(m.robots.close());
    }
    await Promise.all(all);
  }
}
