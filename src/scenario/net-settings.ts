// The network identity of a scenario's connections: `client.tls`, `client.proxy`,
// `client.noProxy`, and the same `tls` / `proxy` per target (`target: { url, tls, proxy }`,
// `targets: [{ url, tls, proxy }, ...]`). Files (CA bundle, certificate, key, PKCS#12) are read
// here, relative to the scenario, so a missing file is an ERR_SCENARIO_FILE before anything is
// sent, and the compiled Scenario carries their bytes (plain data for worker_threads). Whether
// the PEM/PKCS#12 content and passphrase are good is checked by the client when it loads them
// (ERR_TLS_CONFIG, also before any traffic: engine checkTargetTls).
import { isMap, isScalar, type Node } from 'yaml';
import type { NodeReader, YNode } from './node-reader.js';
import { compileChecked, readRelative } from './request-compiler.js';
import type { TemplateScope } from './template.js';
import { SCENARIO_KEYS } from './scenario-keys.js';

export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** `tls:` — what node:tls is given for every connection to the target(s) it applies to. */
export interface TlsSettings {
  /** CA bundle (PEM) that replaces the default roots, like curl --cacert. */
  readonly ca?: Uint8Array;
  /** Client certificate chain (PEM) and its key (PEM), for mutual TLS. */
  readonly cert?: Uint8Array;
  readonly key?: Uint8Array;
  /** Client identity as PKCS#12 (a .p12/.pfx file), instead of cert + key. */
  readonly pfx?: Uint8Array;
  /** Passphrase of the key or the PKCS#12 file. */
  readonly passphrase?: string;
  /** TLS server name (SNI) and the name the certificate must carry; default the URL's host. */
  readonly servername?: string;
  readonly minVersion?: TlsVersion;
  readonly maxVersion?: TlsVersion;
  /** OpenSSL cipher list (TLS 1.2 and below), as curl --ciphers. */
  readonly ciphers?: string;
  /** ALPN ids to offer, most preferred first: h2, http/1.1 (wins over client.protocol). */
  readonly alpn?: readonly string[];
}

/** `tls` and `proxy` of one target origin (per-target keys already merged over client's). */
export interface TargetNet {
  readonly origin: string;
  readonly tls?: TlsSettings;
  /** Proxy URL for this origin (wins over client.proxy and the environment). */
  readonly proxy?: string;
}

/** Where proxies come from (see client/proxy.ts for the rules, which follow curl). */
export interface ProxyConfig {
  /** client.proxy / --proxy: the proxy for every target. */
  readonly url?: string;
  /** client.noProxy / --noproxy: hosts reached directly (wins over no_proxy / NO_PROXY). */
  readonly noProxy?: string;
  /** http_proxy, https_proxy, all_proxy, no_proxy (and upper-case forms) as the CLI found them. */
  readonly env?: Readonly<Record<string, string>>;
}

const VERSIONS: Readonly<Record<string, TlsVersion>> = {
  '1': 'TLSv1',
  '1.0': 'TLSv1',
  '1.1': 'TLSv1.1',
  '1.2': 'TLSv1.2',
  '1.3': 'TLSv1.3',
  tlsv1: 'TLSv1',
  'tlsv1.0': 'TLSv1',
  'tlsv1.1': 'TLSv1.1',
  'tlsv1.2': 'TLSv1.2',
  'tlsv1.3': 'TLSv1.3',
};

/** "1.2", 1.2, "TLSv1.2" → "TLSv1.2"; undefined when it is none of those. */
export function tlsVersion(v: unknown): TlsVersion | undefined {
  if (typeof v === 'number') return VERSIONS[v === 1 ? '1' : String(v)];
  if (typeof v === 'string') return VERSIONS[v.trim().toLowerCase()];
  return undefined;
}

const ALPN = ['h2', 'http/1.1'];

/** A string where only {{env.NAME}} may appear, expanded now (secrets stay out of the file). */
function envString(r: NodeReader, node: YNode, path: string, scope: TemplateScope | undefined, nonEmpty: boolean): string | undefined {
  const raw = r.string(node, path, { numbers: true, nonEmpty });
  if (raw === undefined || scope === undefined) return raw;
  const before = r.errors.length;
  const t = compileChecked({ r, scope: { ...scope, envOnly: true } }, raw, node as Node);
  return r.errors.length > before ? undefined : t.literals.join('');
}

/** Reads a `tls:` mapping; `dir` is the scenario's directory (files are relative to it). */
export function readTls(r: NodeReader, node: YNode, path: string, dir: string, scope?: TemplateScope): TlsSettings | undefined {
  const f = r.fields(node, path, SCENARIO_KEYS.tls);
  if (f === undefined) return undefined;
  const out: { -readonly [K in keyof TlsSettings]: TlsSettings[K] } = {};
  for (const key of ['ca', 'cert', 'key', 'pfx'] as const) {
    if (!f.has(key)) continue;
    const n = f.value(key)!;
    const file = r.string(n, `${path}.${key}`, { nonEmpty: true });
    if (file === undefined) continue;
    const bytes = readRelative({ r, dir }, file, n);
    if (bytes !== undefined) out[key] = new Uint8Array(bytes);
  }
  if (f.has('pfx') && (f.has('cert') || f.has('key'))) r.error('ERR_SCENARIO_VALUE', `${path}: give either "pfx" or "cert" and "key", not both`, f.keyNode('pfx'));
  if (f.has('key') && !f.has('cert')) r.error('ERR_SCENARIO_MISSING', `${path}: "key" needs "cert" (the client certificate it belongs to)`, f.keyNode('key'));
  for (const key of ['passphrase', 'servername', 'ciphers'] as const) {
    if (f.has(key)) {
      const s = envString(r, f.value(key), `${path}.${key}`, scope, key !== 'passphrase');
      if (s !== undefined) out[key] = s;
    }
  }
  for (const key of ['minVersion', 'maxVersion'] as const) {
    if (!f.has(key)) continue;
    const n = f.value(key)!;
    const v = tlsVersion(isScalar(n) ? n.value : undefined);
    if (v === undefined) r.error('ERR_SCENARIO_VALUE', `${path}.${key} must be one of 1.0, 1.1, 1.2, 1.3 (or TLSv1.2 …), got ${JSON.stringify(isScalar(n) ? n.value : null)}`, n);
    else out[key] = v;
  }
  if (out.minVersion !== undefined && out.maxVersion !== undefined && out.minVersion > out.maxVersion) {
    r.error('ERR_SCENARIO_VALUE', `${path}: minVersion ${out.minVersion} is above maxVersion ${out.maxVersion}`, f.keyNode('minVersion'));
  }
  if (f.has('alpn')) {
    const ids: string[] = [];
    for (const item of r.list(f.value('alpn'), `${path}.alpn`, true) ?? []) {
      const id = r.string(item, `${path}.alpn`);
      if (id === undefined) continue;
      if (!ALPN.includes(id)) r.error('ERR_SCENARIO_VALUE', `${path}.alpn: ${JSON.stringify(id)} is not a protocol fastbench speaks (${ALPN.join(', ')})`, item);
      else if (ids.includes(id)) r.error('ERR_SCENARIO_VALUE', `${path}.alpn: ${JSON.stringify(id)} is listed twice`, item);
      else ids.push(id);
    }
    if (ids.length > 0) out.alpn = ids;
  }
  return out;
}

/** Why a proxy URL is not usable, or undefined when it is (the client parses it for real). */
export function proxyUrlProblem(text: string): string | undefined {
  const t = text.trim();
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(t) ? t : `http://${t}`);
  } catch {
    return `"${text}" is not a proxy URL (http://host:3128, socks5://host:1080, socks5h://user:pass@host:1080)`;
  }
  if (!['http:', 'socks5:', 'socks5h:'].includes(u.protocol.toLowerCase())) return `"${text}": the scheme must be http://, socks5:// or socks5h://`;
  if (u.hostname === '') return `"${text}" names no host`;
  if ((u.pathname !== '' && u.pathname !== '/') || u.search !== '' || u.hash !== '') return `"${text}": a proxy URL has no path or query`;
  return undefined;
}

/** A proxy URL value; undefined after reporting a problem. */
export function readProxyUrl(r: NodeReader, node: YNode, path: string, scope?: TemplateScope): string | undefined {
  const s = envString(r, node, path, scope, true);
  if (s === undefined) return undefined;
  const why = proxyUrlProblem(s);
  if (why !== undefined) {
    r.error('ERR_SCENARIO_VALUE', `${path}: ${why}`, node);
    return undefined;
  }
  return s.trim();
}

/** `noProxy:` — a comma-separated string or a list of hosts. */
export function readNoProxy(r: NodeReader, node: YNode, path: string): string | undefined {
  const parts: string[] = [];
  for (const item of r.list(node, path, true) ?? []) {
    const s = r.string(item, path, { numbers: true });
    if (s !== undefined) parts.push(s);
  }
  return parts.join(',');
}

/** Merges a target's own `tls` over the client's (key by key). */
export function mergeTls(base: TlsSettings | undefined, own: TlsSettings | undefined): TlsSettings | undefined {
  if (own === undefined) return base;
  if (base === undefined) return own;
  const merged = { ...base, ...own };
  // A target's own identity replaces the client's whole identity (cert+key vs pfx).
  if (own.pfx !== undefined) {
    delete (merged as { cert?: unknown }).cert;
    delete (merged as { key?: unknown }).key;
  } else if (own.cert !== undefined) delete (merged as { pfx?: unknown }).pfx;
  return merged;
}

/** A target entry: a URL string, or `{ url, tls, proxy }`. Returns the URL node and the extras. */
export function readTargetEntry(
  r: NodeReader,
  node: YNode,
  path: string,
  dir: string,
  scope?: TemplateScope,
): { urlNode: YNode; tls?: TlsSettings; proxy?: string } {
  if (!isMap(node)) return { urlNode: node };
  const f = r.fields(node, path, SCENARIO_KEYS.target);
  if (f === undefined) return { urlNode: undefined };
  if (!f.has('url')) r.error('ERR_SCENARIO_MISSING', `${path} needs "url"`, node as Node);
  const tls = f.has('tls') ? readTls(r, f.value('tls'), `${path}.tls`, dir, scope) : undefined;
  const proxy = f.has('proxy') ? readProxyUrl(r, f.value('proxy'), `${path}.proxy`, scope) : undefined;
  return { urlNode: f.value('url'), ...(tls !== undefined ? { tls } : {}), ...(proxy !== undefined ? { proxy } : {}) };
}
