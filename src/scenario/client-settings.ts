// `client:` and `target:` / `targets:`.
import { isIP } from 'node:net';
import { isScalar } from 'yaml';
import { parseByteSize } from '../core/units.js';
import type { Fields, NodeReader, YNode } from './node-reader.js';
import { compileChecked, compileHeaders } from './request-compiler.js';
import { SCENARIO_KEYS } from './scenario-keys.js';
import { readAuth } from './request-helpers.js';
import type { BasicAuth, ClientSettings, ResolveOverride, ScenarioTarget, Template } from './scenario.js';
import type { TemplateScope } from './template.js';
import { type ProxyConfig, type TargetNet, type TlsSettings, mergeTls, readNoProxy, readProxyUrl, readTargetEntry, readTls } from './net-settings.js';

export const CLIENT_DEFAULTS: ClientSettings = {
  connections: 10,
  pipelining: 1,
  timeoutMs: 10_000,
  keepalive: true,
  insecure: false,
  resolve: [],
  workers: 1,
};

export function readClient(
  r: NodeReader,
  node: YNode,
  scope: TemplateScope,
  dir = '.',
): { client: ClientSettings; headers: [string, Template][]; compressed?: boolean; auth?: BasicAuth } {
  const f = node === undefined ? undefined : r.fields(node, 'client', SCENARIO_KEYS.client);
  if (f === undefined) return { client: CLIENT_DEFAULTS, headers: [] };
  // issue 15 (sess-web): request defaults, applied as each request compiles
  const compressed = f.has('compressed') ? r.boolean(f.value('compressed'), 'client.compressed') : undefined;
  const auth = f.has('auth') ? readAuth(r, f.value('auth'), 'client.auth', scope) : undefined;
  const d = CLIENT_DEFAULTS;
  const int = (key: string, min: number): number | undefined =>
    f.has(key) ? r.number(f.value(key), `client.${key}`, { integer: true, min }) : undefined;
  const bool = (key: string): boolean | undefined => (f.has(key) ? r.boolean(f.value(key), `client.${key}`) : undefined);

  let workers: number | 'auto' | undefined;
  if (f.has('workers')) {
    const n = f.value('workers')!;
    const raw = n.toJSON() as unknown;
    workers = raw === 'auto' ? 'auto' : r.number(n, 'client.workers (an integer or "auto")', { integer: true, min: 1 });
  }
  const resolve: ResolveOverride[] = [];
  if (f.has('resolve')) {
    for (const item of r.list(f.value('resolve'), 'client.resolve', true) ?? []) {
      const text = r.string(item, 'client.resolve');
      if (text === undefined) continue;
      const parsed = parseResolve(text);
      if (typeof parsed === 'string') r.error('ERR_SCENARIO_VALUE', `client.resolve: ${parsed}`, item);
      else resolve.push(parsed);
    }
  }
  let maxBody: number | undefined;
  if (f.has('maxResponseBodySize')) {
    const n = f.value('maxResponseBodySize');
    const raw = n != null && isScalar(n) ? n.value : undefined;
    maxBody = typeof raw === 'number' ? (Number.isSafeInteger(raw) ? raw : undefined) : typeof raw === 'string' ? parseByteSize(raw) : undefined;
    if (maxBody === undefined || maxBody < 1) {
      r.error('ERR_SCENARIO_VALUE', `client.maxResponseBodySize must be a size such as 64MiB, 512kb or a number of bytes, got ${JSON.stringify(raw ?? null)}`, n);
      maxBody = undefined;
    }
  }
  let protocol: 'auto' | 'http1' | 'h2' | undefined;
  if (f.has('protocol')) {
    const n = f.value('protocol');
    const raw = n != null && isScalar(n) ? n.value : undefined;
    if (raw === 'auto' || raw === 'http1' || raw === 'h2') protocol = raw;
    else r.error('ERR_SCENARIO_VALUE', `client.protocol must be one of auto, http1, h2, got ${JSON.stringify(raw ?? null)}`, n);
  }
  const headers = f.has('headers') ? compileHeaders({ r, scope }, f.value('headers'), 'client.headers') : [];
  const client: ClientSettings = {
    connections: int('connections', 1) ?? d.connections,
    pipelining: int('pipelining', 1) ?? d.pipelining,
    timeoutMs: (f.has('timeout') ? r.duration(f.value('timeout'), 'client.timeout') : undefined) ?? d.timeoutMs,
    keepalive: bool('keepalive') ?? d.keepalive,
    insecure: bool('insecure') ?? d.insecure,
    resolve,
    workers: workers ?? d.workers,
    ...(maxBody !== undefined ? { maxResponseBodySize: maxBody } : {}),
    ...(protocol !== undefined ? { protocol } : {}),
    ...readClientNet(r, f, dir, scope),
  };
  return { client, headers, ...(compressed !== undefined ? { compressed } : {}), ...(auth !== undefined ? { auth } : {}) };
}

/** client.tls, client.proxy, client.noProxy (net-settings.ts). */
function readClientNet(r: NodeReader, f: Fields, dir: string, scope: TemplateScope): { tls?: TlsSettings; proxy?: ProxyConfig } {
  const tls = f.has('tls') ? readTls(r, f.value('tls'), 'client.tls', dir, scope) : undefined;
  const url = f.has('proxy') ? readProxyUrl(r, f.value('proxy'), 'client.proxy', scope) : undefined;
  const noProxy = f.has('noProxy') ? readNoProxy(r, f.value('noProxy'), 'client.noProxy') : undefined;
  const proxy: ProxyConfig | undefined = url !== undefined || noProxy !== undefined ? { ...(url !== undefined ? { url } : {}), ...(noProxy !== undefined ? { noProxy } : {}) } : undefined;
  return { ...(tls !== undefined ? { tls } : {}), ...(proxy !== undefined ? { proxy } : {}) };
}

/** "host:port:address[,address...]" as curl's --resolve; IPv6 addresses may be bracketed. */
export function parseResolve(text: string): ResolveOverride | string {
  const first = text.indexOf(':');
  const second = first < 0 ? -1 : text.indexOf(':', first + 1);
  if (first <= 0 || second < 0) return `"${text}" is not host:port:address (e.g. example.test:80:127.0.0.2)`;
  const host = text.slice(0, first).toLowerCase();
  const portText = text.slice(first + 1, second);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) return `"${portText}" is not a port in "${text}"`;
  const addresses = text
    .slice(second + 1)
    .split(',')
    .map((a) => a.trim().replace(/^\[(.*)\]$/, '$1'));
  for (const a of addresses) if (isIP(a) === 0) return `"${a}" is not an IP address in "${text}"`;
  return { host, port, addresses };
}

/**
 * target: URL | builtin (or absent) → the bundled server; targets: [URL, ...] → several origins
 * sharing one base path. Only {{env.NAME}} templates are allowed in targets.
 */
export function readTarget(r: NodeReader, top: Fields, scope: TemplateScope, dir = '.', clientTls?: TlsSettings): ScenarioTarget | undefined {
  const envScope: TemplateScope = { ...scope, envOnly: true };
  if (top.has('target') && top.has('targets')) {
    r.error('ERR_SCENARIO_VALUE', 'give either "target" or "targets", not both', top.keyNode('targets'));
    return undefined;
  }
  const nodes: { node: YNode; path: string }[] = [];
  if (top.has('target')) {
    nodes.push({ node: top.value('target'), path: 'target' });
  } else if (top.has('targets')) {
    const list = r.list(top.value('targets'), 'targets');
    if (list === undefined) return undefined;
    if (list.length === 0) r.error('ERR_SCENARIO_VALUE', 'targets needs at least one URL', top.value('targets'));
    list.forEach((node, i) => nodes.push({ node, path: `targets[${i}]` }));
  } else {
    return { kind: 'builtin' };
  }
  const origins: string[] = [];
  const net: TargetNet[] = [];
  let basePath: string | undefined;
  let ok = true;
  for (const entry of nodes) {
    const path = entry.path;
    // `{ url, tls, proxy }` (issue 15): the URL, plus this origin's own TLS identity / proxy.
    const own = readTargetEntry(r, entry.node, path, dir, scope);
    const node = own.urlNode;
    if (node === undefined) {
      ok = false;
      continue;
    }
    const raw = r.string(node, path, { nonEmpty: true });
    if (raw === undefined) {
      ok = false;
      continue;
    }
    const before = r.errors.length;
    const t = compileChecked({ r, scope: envScope }, raw, node!);
    if (r.errors.length > before) {
      ok = false;
      continue;
    }
    const text = t.literals[0]!.trim();
    if (text === 'builtin') {
      if (top.has('targets')) {
        r.error('ERR_SCENARIO_VALUE', `${path}: "builtin" cannot be mixed with URLs; use target: builtin`, node);
        ok = false;
      }
      continue;
    }
    const parsed = parseTargetUrl(text);
    if (typeof parsed === 'string') {
      r.error('ERR_SCENARIO_VALUE', `${path}: ${parsed}`, node);
      ok = false;
      continue;
    }
    if (basePath !== undefined && basePath !== parsed.basePath) {
      r.error('ERR_SCENARIO_VALUE', `${path}: all targets must share one base path ("${basePath}" vs "${parsed.basePath}")`, node);
      ok = false;
      continue;
    }
    basePath = parsed.basePath;
    origins.push(parsed.origin);
    if (own.tls !== undefined || own.proxy !== undefined) {
      const tls = mergeTls(clientTls, own.tls);
      net.push({ origin: parsed.origin, ...(tls !== undefined ? { tls } : {}), ...(own.proxy !== undefined ? { proxy: own.proxy } : {}) });
    }
  }
  if (!ok) return undefined;
  if (origins.length === 0) return { kind: 'builtin' };
  return { kind: 'url', origins, basePath: basePath ?? '', ...(net.length > 0 ? { net } : {}) };
}

function parseTargetUrl(text: string): { origin: string; basePath: string } | string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return `"${text}" is not a URL (e.g. http://127.0.0.1:8080, or "builtin" for the bundled server)`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `"${text}" must be an http:// or https:// URL`;
  if (u.search !== '' || u.hash !== '') return `"${text}": a target is a base URL, without query or fragment`;
  if (u.username !== '' || u.password !== '') return `"${text}": credentials in the URL are not supported; use an Authorization header`;
  return { origin: u.origin, basePath: u.pathname.replace(/\/+$/, '') };
}
