// Which proxy a connection goes through: proxy URLs (http://, socks5://, socks5h://), the
// NO_PROXY list, and the environment variables, read the way curl reads them:
//
//   | target scheme | variables tried, in order                         |
//   |---------------|---------------------------------------------------|
//   | http          | http_proxy (lower case only, as curl: "httpoxy"), all_proxy, ALL_PROXY |
//   | https         | https_proxy, HTTPS_PROXY, all_proxy, ALL_PROXY    |
//   | either        | no_proxy, then NO_PROXY (also applies to an explicit proxy, as in curl) |
//
// An explicit proxy (scenario `proxy:`, `--proxy`) wins over the variables; an explicit no-proxy
// list (`noProxy:`, `--noproxy`) wins over no_proxy/NO_PROXY. A proxy URL without a scheme is
// http://. Loopback is NOT excluded implicitly (curl does not either): put 127.0.0.1 or
// localhost in NO_PROXY to skip the proxy for them.
//
// NO_PROXY entries, comma or space separated (as curl, plus ports and CIDR like Go and curl 7.86):
//   *                  every host: no proxy at all
//   example.com        example.com and every name under it (a leading dot means the same)
//   example.com:8443   the same, only on that port
//   10.0.0.1, ::1      that address (IPv6 may be bracketed: [::1]:8080)
//   10.0.0.0/8         addresses in the block
// Names compare case-insensitively; a name entry never matches an IP literal target.
//
// This module only decides; the handshakes are proxy-tunnel.ts and dialing is dial.ts.
import net from 'node:net';
import { FastbenchError } from '../core/errors.js';

export type ProxyKind = 'http' | 'socks5' | 'socks5h';

/** One proxy, parsed. */
export interface ProxySpec {
  readonly kind: ProxyKind;
  readonly host: string;
  readonly port: number;
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** The URL without its password: what pools are keyed and reports are labelled by. */
  readonly label: string;
}

const DEFAULT_PORTS: Record<ProxyKind, number> = { http: 1080, socks5: 1080, socks5h: 1080 };

/** Parses a proxy URL; `what` names the setting in the error ("--proxy", "client.proxy"). */
export function parseProxyUrl(text: string, what = 'proxy'): ProxySpec {
  const t = text.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(t) ? t : `http://${t}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new FastbenchError('ERR_CONFIG', `${what} ${JSON.stringify(text)} is not a proxy URL (http://host:3128, socks5://host:1080, socks5h://user:pass@host:1080)`);
  }
  const scheme = u.protocol.slice(0, -1).toLowerCase();
  if (scheme !== 'http' && scheme !== 'socks5' && scheme !== 'socks5h') {
    throw new FastbenchError('ERR_CONFIG', `${what} ${JSON.stringify(text)}: the scheme must be http://, socks5:// or socks5h:// (https:// proxies are not supported)`);
  }
  if (u.hostname === '') throw new FastbenchError('ERR_CONFIG', `${what} ${JSON.stringify(text)} names no host`);
  if ((u.pathname !== '' && u.pathname !== '/') || u.search !== '' || u.hash !== '') {
    throw new FastbenchError('ERR_CONFIG', `${what} ${JSON.stringify(text)}: a proxy URL has no path or query`);
  }
  const kind = scheme as ProxyKind;
  // http://proxy without a port is 1080, as in curl.
  const port = u.port === '' ? DEFAULT_PORTS[kind] : Number(u.port);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const user = u.username !== '' ? decodeURIComponent(u.username) : undefined;
  const password = u.password !== '' ? decodeURIComponent(u.password) : user !== undefined ? '' : undefined;
  if (kind !== 'http' && user !== undefined && (Buffer.byteLength(user) > 255 || Buffer.byteLength(password ?? '') > 255)) {
    throw new FastbenchError('ERR_CONFIG', `${what}: SOCKS5 user names and passwords are at most 255 bytes`);
  }
  const bracketed = host.includes(':') ? `[${host}]` : host;
  const label = `${kind}://${user !== undefined ? `${encodeURIComponent(user)}@` : ''}${bracketed}:${port}`;
  return Object.freeze({ kind, host, port, user, password, label });
}

interface NoProxyEntry {
  readonly name: string | undefined;
  readonly block: net.BlockList | undefined;
  readonly port: number;
}

/** A parsed NO_PROXY list. */
export class NoProxy {
  readonly all: boolean;
  private readonly entries: NoProxyEntry[] = [];

  constructor(readonly text: string) {
    let all = false;
    for (let raw of text.split(/[,\s]+/)) {
      raw = raw.trim();
      if (raw === '') continue;
      if (raw === '*') {
        all = true;
        continue;
      }
      let port = 0;
      let host = raw;
      const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw);
      if (v6 !== null) {
        host = v6[1]!;
        port = v6[2] !== undefined ? Number(v6[2]) : 0;
      } else {
        const m = /^([^:]+):(\d+)$/.exec(raw);
        if (m !== null) {
          host = m[1]!;
          port = Number(m[2]);
        }
      }
      const slash = host.indexOf('/');
      const ipPart = slash < 0 ? host : host.slice(0, slash);
      const family = net.isIP(ipPart);
      if (family !== 0) {
        const block = new net.BlockList();
        const type = family === 6 ? 'ipv6' : 'ipv4';
        const bits = slash < 0 ? (family === 6 ? 128 : 32) : Number(host.slice(slash + 1));
        if (!Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) continue;
        block.addSubnet(ipPart, bits, type);
        this.entries.push({ name: undefined, block, port });
      } else {
        this.entries.push({ name: host.replace(/^\.+/, '').replace(/\.$/, '').toLowerCase(), block: undefined, port });
      }
    }
    this.all = all;
  }

  /** True when a connection to host:port must not go through a proxy. */
  matches(host: string, port: number): boolean {
    if (this.all) return true;
    const h = host.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
    const family = net.isIP(h);
    for (const e of this.entries) {
      if (e.port !== 0 && e.port !== port) continue;
      if (e.block !== undefined) {
        if (family !== 0 && e.block.check(h, family === 6 ? 'ipv6' : 'ipv4')) return true;
      } else if (family === 0 && e.name !== undefined && e.name !== '') {
        if (h === e.name || h.endsWith(`.${e.name}`)) return true;
      }
    }
    return false;
  }
}

/** Where proxies come from: plain data (structured-cloneable), resolved by proxyRule(). */
export interface ProxySettings {
  /** An explicit proxy URL for every target (wins over the environment). */
  readonly url?: string | undefined;
  /** An explicit no-proxy list (wins over no_proxy / NO_PROXY). */
  readonly noProxy?: string | undefined;
  /** The environment to read http_proxy & co. from (the CLI passes process.env; absent: none). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

function envValue(env: Readonly<Record<string, string | undefined>>, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const v = env[name];
    if (v !== undefined && v.trim() !== '') return { name, value: v };
  }
  return undefined;
}

/** The proxy decision for one client: which proxy (if any) an origin's connections use. */
export class ProxyRule {
  private readonly explicit: ProxySpec | undefined;
  private readonly http: ProxySpec | undefined;
  private readonly https: ProxySpec | undefined;
  readonly noProxy: NoProxy | undefined;

  constructor(settings: ProxySettings) {
    const env = settings.env ?? {};
    this.explicit = settings.url !== undefined && settings.url.trim() !== '' ? parseProxyUrl(settings.url) : undefined;
    if (this.explicit === undefined) {
      const all = envValue(env, 'all_proxy', 'ALL_PROXY');
      const http = envValue(env, 'http_proxy') ?? all;
      const https = envValue(env, 'https_proxy', 'HTTPS_PROXY') ?? all;
      this.http = http !== undefined ? parseProxyUrl(http.value, http.name) : undefined;
      this.https = https !== undefined ? parseProxyUrl(https.value, https.name) : undefined;
    }
    const np = settings.noProxy ?? envValue(env, 'no_proxy', 'NO_PROXY')?.value;
    this.noProxy = np !== undefined && np.trim() !== '' ? new NoProxy(np) : undefined;
  }

  /** True when no origin can get a proxy (callers then skip the rule entirely). */
  get none(): boolean {
    return (this.explicit === undefined && this.http === undefined && this.https === undefined) || this.noProxy?.all === true;
  }

  /** The proxy for connections to scheme://host:port, or undefined for a direct connection. */
  forOrigin(scheme: 'http' | 'https', host: string, port: number): ProxySpec | undefined {
    const p = this.explicit ?? (scheme === 'https' ? this.https : this.http);
    if (p === undefined) return undefined;
    if (this.noProxy !== undefined && this.noProxy.matches(host, port)) return undefined;
    return p;
  }
}

/** A ProxyRule for settings, or undefined when they can never give a proxy (no cost then). */
export function proxyRule(settings: ProxySettings | undefined): ProxyRule | undefined {
  if (settings === undefined) return undefined;
  const r = new ProxyRule(settings);
  return r.none ? undefined : r;
}
