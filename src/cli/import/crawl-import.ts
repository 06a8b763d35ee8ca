// `fastbench import crawl pages.jsonl`: a crawl's JSONL records (src/crawl/crawl-record.ts) → a
// weighted scenario of the site's real URLs.
//
// - Pages: records with a 2xx status and no error (redirects, 4xx/5xx and failed fetches are
//   counted in a note, not requested). Several records of one URL count once.
// - Weights: a page's in-links — how many distinct crawled pages link to it (their `linkUrls`,
//   written by `fastbench crawl --links`); a page no crawled page links to (a seed) weighs 1. With
//   --uniform, or when no record carries `linkUrls` (a warning says so), every page weighs 1.
// - --max-urls N keeps the N heaviest pages (ties in file order); default 500.
// - --propose-thresholds: from the crawl's own latencies (`timing.total` of the kept pages),
//   overall `p50 < max(p50 × margin, FLOOR)` and `p99 < max(p99 × margin, FLOOR)` (rounded up to a
//   whole ms), plus `errors < 1%`. The crawl measured one request at a time; a load test's
//   latencies include queueing, hence the margin (--margin, default 3) and the floor (10 ms:
//   below it, scheduling noise on the load generator's own machine decides). The header comment
//   shows the measured values the proposal came from.
// Records that are not JSON, or lack a url, are errors at file:line.
import { FastbenchError } from '../../core/errors.js';
import { chooseOrigin, literal, type ImportLog, type PhaseDoc, type RequestDoc, type ScenarioDoc } from './import-output.js';
import { isObject } from './json-input.js';

export interface CrawlImportOptions {
  uniform?: boolean;
  maxUrls?: number;
  proposeThresholds?: boolean;
  margin?: number;
  load: PhaseDoc[];
}

export const DEFAULT_MAX_URLS = 500;
export const DEFAULT_MARGIN = 3;
export const THRESHOLD_FLOOR_MS = 10;

interface Page {
  url: URL;
  line: number;
  total: number | undefined;
  inLinks: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** The proposed limit for a measured latency: × margin, at least the floor, rounded up to 1 ms. */
export function proposedLimit(measuredMs: number, margin: number): number {
  return Math.ceil(Math.max(measuredMs * margin, THRESHOLD_FLOOR_MS));
}

interface CrawlRead {
  pages: Map<string, Page>;
  /** URL → how many distinct pages link to it. */
  inLinks: Map<string, number>;
  /** Records that carry linkUrls. */
  withLinks: number;
  records: number;
  skipped: { redirect: number; failed: number; other: number };
}

/** One record's line → ERR_IMPORT_PARSE / ERR_IMPORT_FORMAT at its line, else the record. */
function parseRecord(t: string, file: string, line: number): Record<string, unknown> {
  let rec: unknown;
  try {
    rec = JSON.parse(t);
  } catch (e) {
    throw new FastbenchError('ERR_IMPORT_PARSE', `line ${line} is not JSON: ${(e as Error).message.replace(/\s*in JSON at position.*$/, '')} (crawl with --format jsonl)`, { file, line, column: 1 });
  }
  if (!isObject(rec) || typeof rec['url'] !== 'string') {
    throw new FastbenchError('ERR_IMPORT_FORMAT', `line ${line}: a crawl record needs a "url" string`, { file, line, column: 1 });
  }
  return rec;
}

/** Every record: in-links counted from all of them, 2xx pages kept once each. */
function readRecords(text: string, file: string, log: ImportLog): CrawlRead {
  const out: CrawlRead = { pages: new Map(), inLinks: new Map(), withLinks: 0, records: 0, skipped: { redirect: 0, failed: 0, other: 0 } };
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const t = raw.trim();
    if (t === '') return;
    const rec = parseRecord(t, file, line);
    out.records++;
    if (Array.isArray(rec['linkUrls'])) {
      out.withLinks++;
      // Distinct targets per page: a page linking twice to one URL is one in-link.
      for (const l of new Set(rec['linkUrls'].filter((x): x is string => typeof x === 'string'))) {
        if (l !== rec['url']) out.inLinks.set(l, (out.inLinks.get(l) ?? 0) + 1);
      }
    }
    const status = typeof rec['status'] === 'number' ? rec['status'] : 0;
    if (rec['error'] != null || status === 0 || status >= 400) out.skipped.failed++;
    else if (status >= 300) out.skipped.redirect++;
    else if (status < 200) out.skipped.other++;
    else addPage(out.pages, rec, file, line, log);
  });
  return out;
}

function addPage(pages: Map<string, Page>, rec: Record<string, unknown>, file: string, line: number, log: ImportLog): void {
  let url: URL;
  try {
    url = new URL(rec['url'] as string);
  } catch {
    log.warn(`${file} line ${line}`, `"${String(rec['url'])}" is not a URL; left out`);
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    log.warn(`${file} line ${line}`, `${url.protocol} URL left out`);
    return;
  }
  url.hash = '';
  if (pages.has(url.href)) return;
  const timing = isObject(rec['timing']) ? rec['timing'] : undefined;
  const total = timing !== undefined && typeof timing['total'] === 'number' ? timing['total'] : undefined;
  pages.set(url.href, { url, line, total, inLinks: 0 });
}

/** overall p50 / p99 / errors from the kept pages' timing.total (see the header). */
function proposeThresholds(list: readonly Page[], margin: number, file: string, log: ImportLog): Record<string, string[]> | undefined {
  const totals = list.map((p) => p.total).filter((t): t is number => t !== undefined).sort((a, b) => a - b);
  if (totals.length === 0) {
    log.warn(`${file} line 1`, 'no record carries timing.total: no thresholds proposed');
    return undefined;
  }
  const p50 = percentile(totals, 50);
  const p99 = percentile(totals, 99);
  log.note(`thresholds proposed from the crawl's latencies over ${totals.length} page(s): p50 ${p50} ms, p99 ${p99} ms, × margin ${margin}, at least ${THRESHOLD_FLOOR_MS} ms`);
  return { overall: [`p50 < ${proposedLimit(p50, margin)}ms`, `p99 < ${proposedLimit(p99, margin)}ms`, 'errors < 1%'] };
}

export function importCrawl(text: string, file: string, opts: CrawlImportOptions, log: ImportLog): ScenarioDoc {
  const { pages, inLinks, withLinks, records, skipped } = readRecords(text, file, log);
  if (skipped.redirect + skipped.failed + skipped.other > 0) {
    log.note(`of ${records} crawl records, left out ${skipped.redirect} redirect(s), ${skipped.failed} failed or 4xx/5xx, ${skipped.other} other non-2xx`);
  }
  if (pages.size === 0) throw new FastbenchError('ERR_IMPORT_EMPTY', `no 2xx page among ${records} crawl record(s)`, { file });

  const uniform = opts.uniform === true || withLinks === 0;
  if (opts.uniform !== true && withLinks === 0) {
    log.warn(`${file} line 1`, 'no record carries linkUrls (crawl with --links): every page weighs 1, as with --uniform');
  }
  for (const p of pages.values()) p.inLinks = inLinks.get(p.url.href) ?? 0;
  let list = [...pages.values()];
  const max = opts.maxUrls ?? DEFAULT_MAX_URLS;
  if (list.length > max) {
    const keep = new Set([...list].sort((a, b) => b.inLinks - a.inLinks || a.line - b.line).slice(0, max));
    log.note(`kept the ${max} most linked of ${list.length} pages (--max-urls)`);
    list = list.filter((p) => keep.has(p));
  }

  const target = chooseOrigin(list.map((p) => p.url.origin));
  const names = new Set<string>();
  const requests: RequestDoc[] = list.map((p) => {
    const place = literal(p.url.pathname + p.url.search);
    let name = p.url.origin === target ? p.url.pathname + p.url.search : p.url.href;
    for (let i = 2; names.has(name); i++) name = `${name} #${i}`;
    names.add(name);
    const r: RequestDoc = { name };
    if (p.url.origin === target) r.path = place;
    else r.url = p.url.origin + place;
    if (!uniform) r.weight = Math.max(1, p.inLinks);
    return r;
  });

  const doc: ScenarioDoc = {
    name: 'crawl',
    description: `${requests.length} page(s) from ${file}${uniform ? ', uniform weights' : ', weighted by in-links'}`,
    target,
    load: opts.load,
    requests,
  };
  if (opts.proposeThresholds === true) {
    const thresholds = proposeThresholds(list, opts.margin ?? DEFAULT_MARGIN, file, log);
    if (thresholds !== undefined) doc.thresholds = thresholds;
  }
  return doc;
}
