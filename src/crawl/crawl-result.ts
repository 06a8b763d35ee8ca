// A crawl as the report contract (RunResult), so a crawl is judged by the same thresholds and
// written by the same report writers (JSON, HTML, JUnit, ...) as a load run.
//
// What counts, per host (one RequestStats each, named `host[:port]`) and overall:
//   requests   records of URLs that were fetched or tried (robots.txt-disallowed URLs and
//              --dedupe canonical skips are not: nothing was sent);
//   responses  records with a status and no error code;
//   errors     records with an error code (transport, timeouts, dead host, body too large) or a
//              status >= 400 (a broken link is an error of the site);
//   latency    the fetch time (the last exchange's total) of every response.
// The first PER_HOST_LIMIT hosts seen get a row each; later ones (a broad crawl, a probe) are
// added up under OTHER_HOSTS, so memory stays flat: an HDR histogram takes ~180 KiB, so the
// tallies hold at most ~9 MiB.
import { findErrorSpec } from '../core/errors.js';
import { encodeHistogram } from '../metrics/encoded-histogram.js';
import { LatencyHistogram } from '../metrics/histogram.js';
import { buildRunResult, type RunEnvironment, type RunResult } from '../metrics/run-result.js';
import type { SlotSnapshot, Snapshot } from '../metrics/snapshot.js';
import { SNAPSHOT_VERSION } from '../metrics/snapshot.js';
import type { CrawlRecord } from './crawl-record.js';
import { hostOf } from './url-normalizer.js';

export const PER_HOST_LIMIT = 50;
export const OTHER_HOSTS = '(other hosts)';

/** One host's (or all hosts') counts for the gate. */
export class CrawlTally {
  requests = 0;
  responses = 0;
  errors = 0;
  bytes = 0;
  readonly status = new Map<number, number>();
  readonly failedStatus = new Map<number, number>();
  readonly errorIds = new Map<number, number>();
  readonly latency = LatencyHistogram.create();

  constructor(readonly name: string) {}

  add(r: CrawlRecord): void {
    if (r.error === 'ERR_CRAWL_ROBOTS_DISALLOWED' || (r.duplicateOf !== undefined && r.status === 0)) return; // not fetched
    this.requests++;
    this.bytes += r.bytes;
    if (r.status > 0) {
      const s = r.status < 600 ? r.status : 0;
      this.status.set(s, (this.status.get(s) ?? 0) + 1);
      if (r.status >= 400) this.failedStatus.set(s, (this.failedStatus.get(s) ?? 0) + 1);
      const total = r.timing === null ? 0 : r.timing.total;
      if (total > 0) this.latency.record(Math.max(1, Math.round(total * 1000)));
    }
    if (r.error !== null) {
      const id = findErrorSpec(r.error)?.id ?? 1;
      this.errorIds.set(id, (this.errorIds.get(id) ?? 0) + 1);
      this.errors++;
    } else if (r.status >= 400) {
      this.errors++;
    } else if (r.status > 0) {
      this.responses++;
    }
  }

  snapshot(): SlotSnapshot {
    const pairs = (m: Map<number, number>): Array<[number, number]> => [...m.entries()].sort((a, b) => a[0] - b[0]);
    const h = encodeHistogram(this.latency);
    return {
      name: this.name,
      requests: this.requests,
      responses: this.responses,
      errors: this.errors,
      bytesIn: this.bytes,
      bytesOut: 0,
      corrected: h,
      service: h,
      statusCounts: pairs(this.status),
      failedStatusCounts: pairs(this.failedStatus),
      errorCounts: pairs(this.errorIds),
    };
  }
}

/** The gate's tallies: overall and per host (the first PER_HOST_LIMIT hosts seen, then the rest together). */
export class CrawlGateStats {
  readonly overall = new CrawlTally('overall');
  private readonly hosts = new Map<string, CrawlTally>();
  private other: CrawlTally | undefined;

  add(r: CrawlRecord): void {
    this.overall.add(r);
    this.tallyOf(hostOf(r.url)).add(r);
  }

  private tallyOf(host: string): CrawlTally {
    let t = this.hosts.get(host);
    if (t !== undefined) return t;
    if (this.hosts.size < PER_HOST_LIMIT) {
      t = new CrawlTally(host);
      this.hosts.set(host, t);
      return t;
    }
    return (this.other ??= new CrawlTally(OTHER_HOSTS));
  }

  /** Per-host tallies, busiest first (the catch-all last). */
  byHost(): CrawlTally[] {
    const list = [...this.hosts.values()].sort((a, b) => b.requests - a.requests || (a.name < b.name ? -1 : 1));
    if (this.other !== undefined) list.push(this.other);
    return list;
  }

  /** The crawl as a RunResult (thresholds empty: the caller judges them). */
  result(meta: { name: string; environment: RunEnvironment; startMs: number; endMs: number; interrupted: boolean }): RunResult {
    const snapshot: Snapshot = {
      version: SNAPSHOT_VERSION,
      startMs: meta.startMs,
      endMs: meta.endMs,
      parts: 1,
      overall: this.overall.snapshot(),
      requests: this.byHost().map((t) => t.snapshot()),
      series: [],
    };
    const durationMs = Math.max(0, meta.endMs - meta.startMs);
    return buildRunResult(snapshot, {
      scenario: meta.name,
      environment: meta.environment,
      // the text report reads "pages: crawl, 1.2 s, 60 sent"
      phases: [{ name: 'pages', startOffsetMs: 0, durationMs, kind: 'crawl', details: { model: 'crawl', sent: this.overall.requests } }],
      interrupted: meta.interrupted,
    });
  }
}
