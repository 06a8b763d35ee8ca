// The live feed of a crawl: the crawler has no load engine and no intervals of its own, so once a
// second (a timer in the main process, where the crawl runs) its counters become a LiveInterval —
// pages as requests, statuses, error codes, the fetch-time histogram of the interval (the
// cumulative one minus the last) and this process's health — for the same live outputs a run has.
// At the end the crawl's summary gives the final counts, and the dashboard turns into a summary page.
import { performance } from 'node:perf_hooks';
import { errorCodeOfId } from '../core/errors.js';
import type { CrawlSummary } from '../crawl/crawl-stats.js';
import type { Crawler } from '../crawl/crawler.js';
import { encodeHistogram } from '../metrics/encoded-histogram.js';
import { LatencyHistogram } from '../metrics/histogram.js';
import type { RequestCounts } from '../metrics/live-interval.js';
import { escapeHtml } from '../report/format.js';
import type { LiveOutputs } from './live-outputs.js';

/** The request name a crawl's counts go under. */
export const CRAWL_REQUEST_NAME = 'crawl';

function countsOf(crawler: Crawler): RequestCounts {
  const s = crawler.stats;
  const status: Record<string, number> = {};
  for (let i = 0; i < s.status.length; i++) if (s.status[i]! > 0) status[String(i)] = s.status[i]!;
  const errorCodes: Record<string, number> = {};
  for (let id = 1; id < s.errorCounts.length; id++) if (s.errorCounts[id]! > 0) errorCodes[errorCodeOfId(id)] = s.errorCounts[id]!;
  return { name: CRAWL_REQUEST_NAME, requests: s.pages, responses: s.pages - s.errors, errors: s.errors, bytesIn: s.bytes, bytesOut: 0, status, failedStatus: {}, errorCodes };
}

/** Feeds `live` from `crawler` every `intervalMs` until stopped; stop() sends the last, short interval. */
export function feedCrawl(crawler: Crawler, live: LiveOutputs, intervalMs = 1000): { stop(): void } {
  const before = LatencyHistogram.create();
  let index = 0;
  let pages = 0;
  let errors = 0;
  let bytes = 0;
  let at = performance.now();
  const startedAt = at;
  let elu = performance.eventLoopUtilization();
  let cpu = process.cpuUsage();
  const tick = (): void => {
    const now = performance.now();
    const ms = now - at;
    if (ms <= 0) return;
    const s = crawler.stats;
    const interval = LatencyHistogram.create().add(s.latency);
    interval.raw.subtract(before.raw);
    before.reset();
    before.add(s.latency);
    const nextElu = performance.eventLoopUtilization();
    const nextCpu = process.cpuUsage();
    const c = countsOf(crawler);
    const point = {
      t: index, ms, requests: s.pages - pages, responses: s.pages - pages - (s.errors - errors), errors: s.errors - errors,
      bytesIn: s.bytes - bytes, bytesOut: 0, p50Us: interval.percentile(50), p99Us: interval.percentile(99), corrected: encodeHistogram(interval),
    };
    live.onLive({
      index, ms, elapsedMs: now - startedAt, phase: 0, phaseName: 'crawl', warmup: false,
      completed: point.requests, errors: point.errors, point, counts: [c],
      health: [{
        utilization: performance.eventLoopUtilization(nextElu, elu).utilization,
        cpu: (nextCpu.user - cpu.user + nextCpu.system - cpu.system) / (ms * 1000),
      }],
    });
    index++;
    ({ pages, errors, bytes } = s);
    at = now;
    elu = nextElu;
    cpu = nextCpu;
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    stop(): void {
      clearInterval(timer);
      tick();
    },
  };
}

/** The crawl's final counts and the page its dashboard becomes. */
export function crawlEnd(crawler: Crawler, summary: CrawlSummary, summaryText: string): { counts: RequestCounts[]; html: string } {
  const c = countsOf(crawler);
  const html = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>fastbench crawl — summary</title>
<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:0 auto;padding:16px 20px}pre{background:#f8fafc;padding:12px;border-radius:6px}</style>
</head>
<body>
<h1>fastbench crawl — summary</h1>
<p>${summary.pages} pages in ${(summary.durationMs / 1000).toFixed(1)} s${summary.stopped ? ' (stopped)' : ''}.</p>
<pre>${escapeHtml(summaryText)}</pre>
</body>
</html>
`;
  return { counts: [c], html };
}
