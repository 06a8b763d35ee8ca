// The pooled Client a crawl fetches with, configured from the crawl options: one keep-alive pool
// per host capped at --per-host connections, the two timeouts kept apart (DNS + connect +
// TLS under --connect-timeout; request written → response complete under --timeout), the body
// cap, resolve overrides, and the response leniencies real-world servers need; the TLS identity
// and the proxy (one; several are rotated by proxy-rotation.ts, one client each). --http2: one
// connection per host carrying up to --per-host streams (a PipelineClient per host); otherwise
// --per-host connections with one request each.
// Deadlines are swept coarsely (crawlSweepInterval): a crawl's timeouts are seconds long, and the
// client's sweep runs while any connection is open, idle ones included, so a 10 ms sweep woke
// the event loop ~10 times per page of a --delay 100ms crawl for nothing.
import { Client } from '../client/client.js';
import type { ResolvedCrawlOptions } from './crawl-options.js';

/**
 * How often the crawl client checks its deadlines: a twentieth of the shorter timeout, between
 * 10 ms and 250 ms (a 10 s timeout is enforced to within 250 ms).
 */
export function crawlSweepInterval(o: Pick<ResolvedCrawlOptions, 'timeoutMs' | 'connectTimeoutMs'>): number {
  return Math.max(10, Math.min(250, Math.floor(Math.min(o.timeoutMs, o.connectTimeoutMs) / 20)));
}

/**
 * `maxBodyBytes` overrides the body cap (robots.txt has its own, whatever --max-body says).
 * `proxy`: this client's proxy when several are rotated; otherwise the one --proxy (or the
 * environment's http_proxy & co.) applies, with --noproxy / NO_PROXY.
 */
export function createCrawlClient(o: ResolvedCrawlOptions, maxBodyBytes = o.maxBodyBytes, proxy?: string): Client {
  const url = proxy ?? (o.proxies.length === 1 ? o.proxies[0] : undefined);
  const h2 = o.protocol === 'h2';
  return new Client({
    ...(o.tlsOptions !== undefined ? { tlsOptions: o.tlsOptions } : {}),
    ...(o.servername !== undefined ? { servername: o.servername } : {}),
    ...(o.alpn !== undefined ? { alpn: o.alpn } : {}),
    proxy: { ...(url !== undefined ? { url } : {}), ...(o.noProxy !== undefined ? { noProxy: o.noProxy } : {}), ...(o.proxyEnv !== undefined ? { env: o.proxyEnv } : {}) },
    maxConns: h2 ? 1 : o.perHost,
    ...(h2 ? { pipeline: o.perHost } : {}),
    ...(o.protocol !== undefined ? { protocol: o.protocol } : {}),
    // The loop never has more than perHost requests in flight to a host, so nothing waits long.
    maxConnWaitTimeout: o.timeoutMs + o.connectTimeoutMs,
    connectTimeout: o.connectTimeoutMs,
    tlsHandshakeTimeout: o.connectTimeoutMs,
    readTimeout: o.timeoutMs,
    sweepInterval: crawlSweepInterval(o),
    maxResponseBodySize: maxBodyBytes,
    limits: { maxHeaderBytes: 64 * 1024, maxHeaderCount: 256 },
    lenient: { bareLf: true, spaceBeforeColon: true, obsFold: true, headerValueChars: true, missingReasonSpace: true },
    resolve: o.resolve,
    insecure: o.insecure,
    // Each per-host pool owns a read buffer: keep it small, as a broad crawl or a probe has
    // thousands of pools alive (16 KiB x 10,000 hosts = 160 MiB; the 64 KiB default would be 640).
    readBufferSize: 16 * 1024,
    // Probe mode meets each host about once (robots.txt, then the page right after): do not keep
    // its connection and pool around, or a fast probe runs out of file descriptors and memory.
    maxIdleConnDuration: o.probe ? Math.max(250, o.delayMs + 250) : 10_000,
    maxIdleHostDuration: o.probe ? Math.max(1_000, o.delayMs + 1_000) : 15_000,
  });
}
