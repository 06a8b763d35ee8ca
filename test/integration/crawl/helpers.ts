// Shared by the crawl integration tests: the bundled server with an access log, crawls run
// in-process into a temp file, and the expected crawl of the synthetic site.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type FastbenchServer } from '../../../src/server/server.js';
import { createDefaultApp } from '../../../src/server/routes/index.js';
import { hostOf } from '../../../src/server/routes/reply.js';
import type { RequestDispatcher, ServerRequest, ServerResponse } from '../../../src/server/types.js';
import { siteReachable, type SiteCrawlOptions } from '../../../src/server/routes/site-crawl.js';
import { openCrawl, type CrawlSessionOptions } from '../../../src/crawl/crawl-session.js';
import type { CrawlRecord } from '../../../src/crawl/crawl-record.js';
import type { CrawlSummary } from '../../../src/crawl/crawl-stats.js';

export interface Access {
  host: string;
  path: string;
  /** performance.now() when the request arrived. */
  t: number;
}

export interface TestServer {
  server: FastbenchServer;
  port: number;
  url: string;
  log: Access[];
  close(): Promise<void>;
}

export interface SiteServerOptions {
  pages?: number;
  seed?: number;
  /** robots.txt Crawl-delay in seconds (default 0: tests run fast). */
  crawlDelay?: number;
  /** Interface (default 127.0.0.1). */
  host?: string;
  port?: number;
  /** Answers before the site does (return true when handled). */
  extra?: (req: ServerRequest, res: ServerResponse) => boolean;
}

/** The bundled server on loopback with the default app (the synthetic site) and an access log. */
export async function startSiteServer(o: SiteServerOptions = {}): Promise<TestServer> {
  const log: Access[] = [];
  const app = createDefaultApp({ sitePages: o.pages ?? 200, siteSeed: o.seed ?? 1, siteCrawlDelay: o.crawlDelay ?? 0, stats: () => ({}) });
  const dispatcher: RequestDispatcher = {
    dispatch(req, res) {
      log.push({ host: hostOf(req) ?? '', path: req.path, t: performance.now() });
      if (o.extra !== undefined && o.extra(req, res)) return;
      app.dispatch(req, res);
    },
  };
  const server = createServer({ host: o.host ?? '127.0.0.1', port: o.port ?? 0, dispatcher, quiet: true });
  const info = await server.listen();
  return { server, port: info.port, url: info.url, log, close: () => server.close(100) };
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function readRecords(path: string): CrawlRecord[] {
  const text = readFileSync(path, 'utf8');
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as CrawlRecord);
}

/** Runs a crawl in-process into `out` (JSONL) and returns its records and summary. */
export async function crawlToFile(out: string, o: CrawlSessionOptions): Promise<{ records: CrawlRecord[]; summary: CrawlSummary }> {
  const crawler = await openCrawl({ output: out, fsync: false, ...o });
  const summary = await crawler.run();
  return { records: readRecords(out), summary };
}

/** Path (+query) of a URL. */
export function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

/** The paths the synthetic site's reference crawl fetches. */
export function expectedPaths(pages: number, o: SiteCrawlOptions & { seed?: number } = {}): Map<string, number> {
  const m = new Map<string, number>();
  for (const [path, e] of siteReachable(o.seed ?? 1, pages, o)) m.set(path, e.status);
  return m;
}

/** Records that were fetched (not skipped by robots.txt). */
export function fetched(records: CrawlRecord[]): CrawlRecord[] {
  return records.filter((r) => r.error !== 'ERR_CRAWL_ROBOTS_DISALLOWED');
}

/** Smallest gap between consecutive fetches (record start times) per host. */
export function minRecordGapByHost(records: CrawlRecord[]): Map<string, number> {
  return minGapByHost(records.filter((r) => r.timing !== null).map((r) => ({ host: new URL(r.url).host, path: '', t: r.time })));
}

/** Smallest gap between consecutive requests (by arrival) for each host in the log. */
export function minGapByHost(log: Access[]): Map<string, number> {
  const by = new Map<string, number[]>();
  for (const a of log) {
    let l = by.get(a.host);
    if (l === undefined) by.set(a.host, (l = []));
    l.push(a.t);
  }
  const out = new Map<string, number>();
  for (const [h, ts] of by) {
    ts.sort((a, b) => a - b);
    let min = Infinity;
    for (let i = 1; i < ts.length; i++) min = Math.min(min, ts[i]! - ts[i - 1]!);
    out.set(h, min);
  }
  return out;
}
