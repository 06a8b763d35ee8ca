// A crawl as a CI gate: thresholds judged on the crawl's RunResult (crawl/crawl-result.ts), the
// verdict lines on stderr, the report files (JSON, HTML with latency by host, JUnit with one test
// per threshold, ...) and the exit code, as `run` does.
//
// Thresholds (`--threshold`, repeatable, and the `thresholds:` of a crawl scenario):
//   p99 < 500ms, max < 2s, mean < 100ms   fetch time of the pages (ms, s, us)
//   errors < 1%                          records with an error code or a status >= 400
//   rps > 50                             pages per second
//   status:5xx = 0, status:404 < 10      responses with that status (or class) — a count;
//   status:4xx < 2%                      or, with %, a share of the fetched pages
// A threshold may name a host (`host[:port]`, as the report's per-host rows do) in a scenario's
// { check, request } form or mapping. Whole-crawl only: a crawl has no per-interval series, so
// "over 10s windows" is refused.
import { EXIT_GATE_FAILED, EXIT_OK, FastbenchError } from '../core/errors.js';
import type { RequestStats, RunResult, ThresholdOutcome } from '../metrics/run-result.js';
import { thresholdLine } from '../report/format.js';
import { ReportWriter, type ReportFormat } from '../report/report-writer.js';
import { evaluateThreshold } from '../report/thresholds.js';
import type { Threshold } from '../scenario/scenario.js';
import { parseThreshold } from '../scenario/thresholds.js';

/** A status threshold: responses whose status is `status` (or in its class, 5xx), counted or as a share. */
export interface StatusThreshold {
  readonly kind: 'status';
  readonly text: string;
  /** "5xx" or "404". */
  readonly status: string;
  readonly op: '<' | '<=' | '>' | '>=';
  /** A count, or a fraction of the fetched pages when `share`. */
  readonly value: number;
  readonly share: boolean;
  readonly request: string | undefined;
}

export type CrawlThreshold = Threshold | StatusThreshold;

const STATUS = /^\s*status\s*:\s*([1-5](?:\d\d|xx|XX))\s*(<=|>=|==|=|<|>)\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)\s*$/;

/**
 * Parses one crawl threshold expression; throws `code` (ERR_USAGE_BAD_OPTION for --threshold,
 * ERR_SCENARIO_THRESHOLD for a file's, with `where`) when it cannot be judged on a crawl.
 */
export function parseCrawlThreshold(text: string, request?: string): CrawlThreshold | { error: string } {
  if (/^\s*status\s*:/i.test(text)) {
    const m = STATUS.exec(text);
    if (m === null) return { error: `threshold "${text}": a status threshold reads status:5xx = 0, status:404 < 10 or status:4xx < 1%` };
    let op = m[2]!;
    const share = m[4] === '%';
    const value = share ? Number(m[3]) / 100 : Number(m[3]);
    if (op === '=' || op === '==') {
      if (value !== 0) return { error: `threshold "${text}": "=" is for "= 0" (none); use <, <=, > or >= for other limits` };
      op = '<=';
    }
    return { kind: 'status', text: text.trim(), status: m[1]!.toLowerCase(), op: op as StatusThreshold['op'], value, share, request };
  }
  const parsed = parseThreshold(text);
  if ('error' in parsed) return { error: parsed.error };
  if (parsed.window !== undefined) return { error: `threshold "${text}": a crawl is judged as a whole (no per-interval series): drop the "over …" window` };
  return { text: text.trim(), ...parsed, request, abortOnFail: false, pos: { file: '', line: 0, column: 0 } };
}

/** --threshold values, parsed (usage errors, exit 2, before anything is fetched). */
export function parseThresholdFlags(texts: readonly string[]): CrawlThreshold[] {
  return texts.map((t) => {
    const p = parseCrawlThreshold(t);
    if ('error' in p) throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--threshold: ${p.error}`);
    return p;
  });
}

function statusCount(stats: RequestStats, status: string): number {
  if (!status.endsWith('xx')) return stats.statusCounts[status] ?? 0;
  let n = 0;
  for (const [k, v] of Object.entries(stats.statusCounts)) if (k.length === 3 && k[0] === status[0]) n += v;
  return n;
}

function judgeStatus(t: StatusThreshold, result: RunResult): ThresholdOutcome {
  const stats = t.request === undefined ? result.overall : result.requests.find((r) => r.name === t.request);
  let actual: number | null = null;
  if (stats !== undefined) {
    const n = statusCount(stats, t.status);
    actual = t.share ? (stats.requests > 0 ? n / stats.requests : null) : n;
  }
  const passed = actual !== null && (t.op === '<' ? actual < t.value : t.op === '<=' ? actual <= t.value : t.op === '>' ? actual > t.value : actual >= t.value);
  return { expression: t.text, scope: t.request ?? 'overall', metric: `status:${t.status}`, op: t.op, unit: t.share ? 'ratio' : 'count', limit: t.value, passed, actual };
}

/** Judges every threshold on the crawl's result (in place: result.thresholds). */
export function judgeCrawl(thresholds: readonly CrawlThreshold[], result: RunResult): ThresholdOutcome[] {
  result.thresholds = thresholds.map((t) => ('kind' in t && t.kind === 'status' ? judgeStatus(t, result) : evaluateThreshold(t as Threshold, result)));
  return result.thresholds;
}

/** Exit code of a judged crawl: 1 when a threshold failed. */
export function crawlExitCode(result: RunResult): number {
  return result.thresholds.some((t) => !t.passed) ? EXIT_GATE_FAILED : EXIT_OK;
}

/**
 * Judges, prints the verdict lines (stderr), writes the report files; returns the exit code.
 * A report that cannot be written throws ERR_REPORT_WRITE (after the verdict was printed).
 */
export async function reportCrawl(
  result: RunResult,
  thresholds: readonly CrawlThreshold[],
  files: { formats: readonly ReportFormat[]; outDir: string | undefined } | undefined,
  quiet: boolean,
): Promise<number> {
  judgeCrawl(thresholds, result);
  if (!quiet || result.thresholds.some((t) => !t.passed)) for (const t of result.thresholds) process.stderr.write(`${thresholdLine(t)}\n`);
  if (files !== undefined && files.formats.length > 0) {
    const writer = new ReportWriter({ formats: files.formats, ...(files.outDir !== undefined ? { outDir: files.outDir } : {}) });
    for (const w of await writer.final(result)) process.stderr.write(`wrote ${w.path}\n`);
  }
  return crawlExitCode(result);
}
