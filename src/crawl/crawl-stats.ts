// What a crawl counts as it goes (read by the progress display) and the summary at the end.
// Counters are plain numbers and typed arrays bumped in place; latency goes into the project's
// HDR histogram (microseconds).
import { ERROR_ID_LIMIT, errorCodeOfId, findErrorSpec } from '../core/errors.js';
import { LatencyHistogram } from '../metrics/histogram.js';
import type { FrontierBounds } from './crawl-queue.js';
import type { ProxyHealth } from './proxy-rotation.js';
import { CrawlGateStats } from './crawl-result.js';

export interface CrawlProgress {
  /** Records written (pages fetched or given up on). */
  pages: number;
  /** URLs waiting in the frontier (this process's view). */
  queued: number;
  /** Requests in flight. */
  inFlight: number;
  /** Records with an error code. */
  errors: number;
  /** Seconds since the start. */
  elapsed: number;
  pagesPerSec: number;
}

export interface CrawlSummary {
  pages: number;
  /** HTTP exchanges made (pages, redirect hops, robots.txt). */
  requests: number;
  robotsFetched: number;
  /** robots.txt answers taken from the shared frontier (fetched by another worker of the job). */
  robotsShared: number;
  /** Links dropped because robots.txt disallows them (not queued, no record). */
  robotsSkippedLinks: number;
  /** robots.txt files over 1 MiB whose server ignored a Range request: the host was left alone. */
  robotsTooLarge: number;
  /** Probe-mode input lines that were not usable URLs. */
  invalidLines: number;
  /** Pages bigger than --max-body: read up to it and parsed (records marked truncated). */
  truncated: number;
  /**
   * --sitemaps: sitemap files read, URLs they gave the frontier (in scope and allowed, before
   * de-duplication), files that failed (error, or a status other than 200 and 404), files not
   * found (404), files cut at a protocol cap (50,000 URLs, 50 MB).
   */
  sitemaps: { fetched: number; urls: number; failed: number; missing: number; capped: number };
  /** Pages whose content fingerprint an earlier page had (near-identical pages), and --dedupe duplicates. */
  sameContent: number;
  duplicates: number;
  /** Pages marked noindex (meta robots / X-Robots-Tag). */
  noindex: number;
  /** --adaptive: the busiest hosts' requests in flight and extra delay (ms) at the end. */
  adaptive?: { host: string; concurrency: number; delayMs: number }[];
  bytes: number;
  durationMs: number;
  pagesPerSec: number;
  statusCounts: Record<string, number>;
  errorsByCode: Record<string, number>;
  /** Percentiles of the page fetch time (total of the last exchange), ms. */
  latency: { count: number; p50: number; p90: number; p99: number; max: number; mean: number };
  /** The busiest hosts (at most 10): pages, errors (error code or status >= 400) and fetch time percentiles, ms. */
  byHost: { host: string; pages: number; errors: number; p50: number; p99: number; max: number }[];
  /** URLs left in the frontier at the end (max-pages reached, or stopped). */
  queuedLeft: number;
  /**
   * The local frontier's bounds and what they turned away (absent with a shared frontier):
   * the most URLs held in memory at once, URLs spilled to the journal, links dropped by reason.
   */
  frontier?: FrontierBounds;
  hosts: number;
  /** Pages that were already done in an earlier run of a resumed crawl. */
  resumedDone: number;
  stopped: boolean;
  /** Per proxy, when several were rotated: requests, failures, 403/429 answers, times benched. */
  proxies?: ProxyHealth[];
}

export class CrawlStats {
  pages = 0;
  requests = 0;
  robotsFetched = 0;
  robotsShared = 0;
  robotsSkippedLinks = 0;
  robotsTooLarge = 0;
  invalidLines = 0;
  truncated = 0;
  readonly sitemaps = { fetched: 0, urls: 0, failed: 0, missing: 0, capped: 0 };
  sameContent = 0;
  /** Set by the crawl loop before summary() under --adaptive. */
  adaptive: { host: string; concurrency: number; delayMs: number }[] | undefined;
  duplicates = 0;
  noindex = 0;
  bytes = 0;
  errors = 0;
  resumedDone = 0;
  readonly status = new Uint32Array(600);
  readonly errorCounts = new Uint32Array(ERROR_ID_LIMIT);
  readonly latency = LatencyHistogram.create();
  /** Per-host and overall tallies for thresholds and reports (crawl-result.ts). */
  readonly gate = new CrawlGateStats();
  readonly startedAt = performance.now();
  /** Wall-clock epoch ms at the start. */
  readonly startedAtEpoch = Date.now();

  /** Counts one record. */
  page(status: number, bytes: number, error: string | null, totalMs: number): void {
    this.pages++;
    this.bytes += bytes;
    if (status > 0 && status < 600) this.status[status]!++;
    if (error !== null) {
      this.errors++;
      this.errorCounts[findErrorSpec(error)?.id ?? 1]!++; // a code from an older journal counts as ERR_INTERNAL
    } else if (totalMs > 0) {
      this.latency.record(Math.round(totalMs * 1000));
    }
  }

  elapsedMs(now = performance.now()): number {
    return now - this.startedAt;
  }

  progress(queued: number, inFlight: number): CrawlProgress {
    const elapsed = this.elapsedMs() / 1000;
    return { pages: this.pages, queued, inFlight, errors: this.errors, elapsed, pagesPerSec: elapsed > 0 ? this.pages / elapsed : 0 };
  }

  summary(queuedLeft: number, hosts: number, stopped: boolean, frontier?: FrontierBounds): CrawlSummary {
    const durationMs = this.elapsedMs();
    const statusCounts: Record<string, number> = {};
    for (let s = 0; s < this.status.length; s++) if (this.status[s]! > 0) statusCounts[String(s)] = this.status[s]!;
    const errorsByCode: Record<string, number> = {};
    for (let id = 1; id < this.errorCounts.length; id++) if (this.errorCounts[id]! > 0) errorsByCode[errorCodeOfId(id)] = this.errorCounts[id]!;
    const h = this.latency;
    const us = (v: number): number => Math.round(v) / 1000;
    return {
      pages: this.pages,
      requests: this.requests,
      robotsFetched: this.robotsFetched,
      robotsShared: this.robotsShared,
      robotsSkippedLinks: this.robotsSkippedLinks,
      robotsTooLarge: this.robotsTooLarge,
      invalidLines: this.invalidLines,
      truncated: this.truncated,
      sitemaps: { ...this.sitemaps },
      sameContent: this.sameContent,
      duplicates: this.duplicates,
      noindex: this.noindex,
      ...(this.adaptive !== undefined ? { adaptive: this.adaptive } : {}),
      bytes: this.bytes,
      durationMs,
      pagesPerSec: durationMs > 0 ? (this.pages * 1000) / durationMs : 0,
      statusCounts,
      errorsByCode,
      latency: {
        count: h.count,
        p50: h.count ? us(h.percentile(50)) : 0,
        p90: h.count ? us(h.percentile(90)) : 0,
        p99: h.count ? us(h.percentile(99)) : 0,
        max: h.count ? us(h.max) : 0,
        mean: h.count ? us(h.mean) : 0,
      },
      byHost: this.gate.byHost().slice(0, 10).map((t) => ({
        host: t.name,
        pages: t.requests,
        errors: t.errors,
        p50: t.latency.count ? us(t.latency.percentile(50)) : 0,
        p99: t.latency.count ? us(t.latency.percentile(99)) : 0,
        max: t.latency.count ? us(t.latency.max) : 0,
      })),
      queuedLeft,
      ...(frontier !== undefined ? { frontier } : {}),
      hosts,
      resumedDone: this.resumedDone,
      stopped,
    };
  }
}

function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** The summary as a few lines for people (stderr). */
export function formatSummary(s: CrawlSummary): string {
  const lines: string[] = [];
  const secs = s.durationMs / 1000;
  lines.push(
    `crawl ${s.stopped ? 'stopped' : 'done'}: ${s.pages} pages in ${secs.toFixed(2)} s (${s.pagesPerSec.toFixed(1)} pages/s), ` +
      `${s.requests} requests, ${fmtBytes(s.bytes)}, ${s.hosts} hosts` + (s.resumedDone > 0 ? `, ${s.resumedDone} done before resuming` : ''),
  );
  const st = Object.entries(s.statusCounts).map(([k, v]) => `${k}: ${v}`);
  lines.push(`  status   ${st.length ? st.join(', ') : '-'}`);
  const errs = Object.entries(s.errorsByCode).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}: ${v}`);
  lines.push(`  errors   ${errs.length ? errs.join(', ') : '-'}`);
  const l = s.latency;
  lines.push(l.count ? `  latency  p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms (${l.count} pages)` : '  latency  -');
  if (s.byHost.length > 1) {
    for (const h of s.byHost) lines.push(`  host     ${h.host}: ${h.pages} pages, ${h.errors} errors, p50 ${h.p50} ms, p99 ${h.p99} ms, max ${h.max} ms`);
  }
  for (const a of s.adaptive ?? []) lines.push(`  adaptive ${a.host}: ${a.concurrency} in flight, +${Math.round(a.delayMs)} ms delay`);
  const extra: string[] = [`robots.txt fetched ${s.robotsFetched}`];
  if (s.robotsShared > 0) extra.push(`robots.txt from other workers ${s.robotsShared}`);
  if (s.robotsSkippedLinks > 0) extra.push(`links skipped by robots.txt ${s.robotsSkippedLinks}`);
  if (s.robotsTooLarge > 0) extra.push(`robots.txt too large to read (hosts left alone) ${s.robotsTooLarge}`);
  const sm = s.sitemaps;
  if (sm.fetched + sm.failed + sm.missing > 0) {
    extra.push(`sitemaps read ${sm.fetched} (${sm.urls} URLs${sm.missing > 0 ? `, ${sm.missing} not found` : ''}${sm.failed > 0 ? `, ${sm.failed} failed` : ''}${sm.capped > 0 ? `, ${sm.capped} cut at the 50,000-URL / 50 MB cap` : ''})`);
  }
  if (s.sameContent > 0) extra.push(`pages with the content of an earlier one ${s.sameContent}`);
  if (s.duplicates > 0) extra.push(`duplicates (--dedupe) ${s.duplicates}`);
  if (s.noindex > 0) extra.push(`noindex pages ${s.noindex}`);
  if (s.truncated > 0) extra.push(`truncated at --max-body ${s.truncated}`);
  if (s.invalidLines > 0) extra.push(`unusable input lines ${s.invalidLines}`);
  if (s.queuedLeft > 0) extra.push(`left in the queue ${s.queuedLeft}`);
  lines.push(`  ${extra.join(', ')}`);
  const f = s.frontier;
  if (f !== undefined) {
    const drops = Object.entries(f.dropped).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
    let line = `  frontier peak ${f.peak} queued (--max-queue ${f.maxQueue}, --max-host-queue ${f.maxHostQueue})`;
    if (f.spilled > 0) line += `, spilled to the journal ${f.spilled}`;
    line += `, links dropped: ${drops.length > 0 ? drops.join(', ') : 'none'}`;
    lines.push(line);
  }
  for (const p of s.proxies ?? []) {
    lines.push(`  proxy    ${p.proxy}: ${p.requests} requests, ${p.failures} failed, ${p.blocked} blocked (403/429), benched ${p.benched}x`);
  }
  return lines.join('\n') + '\n';
}
