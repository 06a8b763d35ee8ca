// `fastbench merge`: several RunResults (the shards of a distributed run, or worker parts written
// separately) → one, losslessly. Each result is turned back into the Snapshot it was built from
// (encoded histograms, counters, per-second points) and metrics' mergeSnapshots adds them: decoded
// histograms add bucket by bucket, counters sum, series points align by second. buildRunResult
// then recomputes every statistic from the merged histograms, so the merged p99 is exactly the p99
// of all samples, not an average of p99s.
//
// Time: the merged run starts at the earliest start and ends at the latest end; its duration (the
// denominator of rps) is the longest part's, since shards run side by side over the same window.
// Each part's series is shifted by its start offset from the earliest start in whole intervals
// (seconds, unless the scenario set `interval:`), so shards started apart (without --start-at)
// still line up by wall-clock interval.
//
// Thresholds are re-evaluated on the merged result. Their definitions come from the scenario when
// the caller passes them (merge --scenario); otherwise each outcome's expression is parsed again
// with scenario's parseThreshold, in the scope the outcome records ('overall' or a request name;
// files from before scopes were recorded get theirs in result-file.ts when they are read). When
// the expression does not parse, the outcome is kept as the conjunction of the parts' outcomes
// with actual = null, and a warning says so.
//
// The engine's additions: requestSeries (per-request series for windowed thresholds) merge like
// the run's series; abortedBy is kept; protocols add up (the in-flight peak: the largest); generator (one machine's self-health) is left out — a part
// whose generator was the bottleneck is already invalid, and so is the merged result.
import { errorId, findErrorSpec } from '../core/errors.js';
import type { EncodedHistogram } from '../metrics/encoded-histogram.js';
import { mergeSnapshots } from '../metrics/merge.js';
import { buildRunResult, type RequestSeriesData, type RequestStats, type RunResult, type ThresholdOutcome } from '../metrics/run-result.js';
import { type IntervalHistogram, Series, type SeriesPoint, type SeriesRow } from '../metrics/series.js';
import { SNAPSHOT_VERSION, type Snapshot, type SlotSnapshot } from '../metrics/snapshot.js';
import type { StreamSnapshot } from '../metrics/stream-histograms.js';
import type { WsSnapshot } from '../metrics/ws-histograms.js';
import type { Threshold } from '../scenario/scenario.js';
import { parseThreshold } from '../scenario/thresholds.js';
import { intervalLengthMs, intervalLengthOf } from '../metrics/intervals.js';
import { evaluateThreshold } from './thresholds.js';

export interface MergeOptions {
  /** Threshold definitions to evaluate on the merged result (e.g. the scenario's). */
  thresholds?: readonly Threshold[];
}

export interface MergeOutcome {
  result: RunResult;
  warnings: string[];
}

function statusPairs(rec: Record<string, number>): Array<[number, number]> {
  return Object.entries(rec)
    .map(([k, c]): [number, number] => [k === 'other' ? 0 : Number(k), c])
    .sort((a, b) => a[0] - b[0]);
}

function errorPairs(rec: Record<string, number>, warnings: string[]): Array<[number, number]> {
  const sum = new Map<number, number>();
  for (const [code, c] of Object.entries(rec)) {
    let id = findErrorSpec(code)?.id;
    if (id === undefined) {
      warnings.push(`unknown error code ${code} (from a newer fastbench?) counted as ERR_INTERNAL`);
      id = errorId('ERR_INTERNAL');
    }
    sum.set(id, (sum.get(id) ?? 0) + c);
  }
  return [...sum.entries()].sort((a, b) => a[0] - b[0]);
}

function slot(stats: RequestStats, corrected: EncodedHistogram, service: EncodedHistogram, warnings: string[]): SlotSnapshot {
  return {
    name: stats.name,
    requests: stats.requests,
    responses: stats.responses,
    errors: stats.errors,
    bytesIn: stats.bytesIn,
    bytesOut: stats.bytesOut,
    corrected,
    service,
    statusCounts: statusPairs(stats.statusCounts),
    failedStatusCounts: statusPairs(stats.errorsByStatus ?? {}),
    errorCounts: errorPairs(stats.errorsByCode, warnings),
  };
}

/** issue 18: a slot's stream histograms, when the result has them (merged like the others). */
function withStream(s: SlotSnapshot, stream: StreamSnapshot | undefined, ws?: WsSnapshot): SlotSnapshot {
  const t = stream === undefined ? s : { ...s, stream };
  return ws === undefined ? t : { ...t, ws }; // issue 18 websocket
}

const EMPTY: EncodedHistogram = { hdr: '', min: 0, max: 0, count: 0 };

/** Series rows (+ their interval histograms) back into series points, shifted by `offset` intervals. */
function seriesPoints(rows: readonly SeriesRow[], intervalList: readonly IntervalHistogram[], offset: number): SeriesPoint[] {
  const intervals = new Map(intervalList.map((iv) => [iv.t, iv]));
  const nominal = intervalLengthOf(rows, intervalList);
  return rows.map((row) => {
    const iv = intervals.get(row.t);
    const ms = iv?.ms ?? (row.rps > 0 ? Math.round((row.requests / row.rps) * 1000) : nominal);
    const p: SeriesPoint = {
      t: row.t + offset,
      ms,
      requests: row.requests,
      responses: row.requests - row.errors,
      errors: row.errors,
      bytesIn: row.bytes,
      bytesOut: row.bytesOut,
      p50Us: Math.round(row.p50 * 1000),
      p99Us: Math.round(row.p99 * 1000),
    };
    if (iv !== undefined) {
      p.corrected = iv.corrected;
      if (iv.service !== undefined) p.service = iv.service;
    }
    return p;
  });
}

/** The Snapshot a RunResult was built from (series shifted by `offset` intervals). */
export function runResultToSnapshot(r: RunResult, offset = 0, warnings: string[] = []): Snapshot {
  const series = seriesPoints(r.series, r.histograms.intervals, offset);
  const pairOf = (name: string): { corrected: EncodedHistogram; service: EncodedHistogram } => {
    const pair = r.histograms.requests[name];
    if (pair === undefined) warnings.push(`${r.scenario}: request "${name}" has no histograms; its latencies are left out`);
    return pair ?? { corrected: EMPTY, service: EMPTY };
  };
  return {
    version: SNAPSHOT_VERSION,
    startMs: Date.parse(r.startTime),
    endMs: Date.parse(r.endTime),
    parts: r.parts,
    overall: withStream(slot(r.overall, r.histograms.overall.corrected, r.histograms.overall.service, warnings), r.histograms.stream?.overall, r.histograms.ws?.overall),
    requests: r.requests.map((q) => withStream(slot(q, pairOf(q.name).corrected, pairOf(q.name).service, warnings), r.histograms.stream?.requests[q.name], r.histograms.ws?.requests[q.name])),
    series,
  };
}

const NOWHERE = { file: '', line: 0, column: 0 };

/** Re-create Threshold definitions from recorded outcomes (see the header comment). */
function thresholdsFromOutcomes(parts: readonly RunResult[], warnings: string[]): Array<Threshold | ThresholdOutcome> {
  // One threshold = one expression in one scope ("p99 < 5ms" may be set for several requests).
  const byKey = new Map<string, Array<{ part: RunResult; outcome: ThresholdOutcome }>>();
  for (const part of parts) {
    for (const outcome of part.thresholds) {
      const key = `${outcome.scope}\u0000${outcome.expression}`;
      const seen = byKey.get(key) ?? [];
      seen.push({ part, outcome });
      byKey.set(key, seen);
    }
  }
  const out: Array<Threshold | ThresholdOutcome> = [];
  for (const seen of byKey.values()) {
    const first = seen[0]!.outcome;
    const parsed = parseThreshold(first.expression);
    if ('error' in parsed) {
      warnings.push(`threshold "${first.expression}" not re-evaluated (${parsed.error}); kept as passed only if every part passed`);
      out.push({ ...first, passed: seen.every((s) => s.outcome.passed), actual: null });
      continue;
    }
    const request = first.scope === 'overall' ? undefined : first.scope;
    out.push({ text: first.expression, ...parsed, request, abortOnFail: false, pos: NOWHERE });
  }
  return out;
}

/** The engine's per-request series (for windowed per-request thresholds), merged like the run's. */
function mergeRequestSeries(parts: readonly RunResult[], offsets: readonly number[], warnings: string[]): Record<string, RequestSeriesData> | undefined {
  const names = [...new Set(parts.flatMap((p) => Object.keys(p.requestSeries ?? {})))];
  if (names.length === 0) return undefined;
  const out: Record<string, RequestSeriesData> = {};
  for (const name of names) {
    if (!parts.every((p) => p.requestSeries?.[name] !== undefined)) {
      warnings.push(`the per-second series of request "${name}" is missing from some parts; left out`);
      continue;
    }
    const merged = Series.merge(parts.map((p, i) => {
      const data = p.requestSeries![name]!;
      return seriesPoints(data.series, data.intervals, offsets[i] ?? 0);
    }));
    out[name] = { series: Series.rows(merged), intervals: Series.intervalHistograms(merged) };
  }
  return out;
}

/** Merge RunResults losslessly and re-evaluate thresholds on the merged result. */
export function mergeRunResults(parts: readonly RunResult[], options: MergeOptions = {}): MergeOutcome {
  if (parts.length === 0) throw new RangeError('mergeRunResults needs at least one result');
  const warnings: string[] = [];
  const first = parts[0]!;
  const scenarios = [...new Set(parts.map((p) => p.scenario))];
  if (scenarios.length > 1) warnings.push(`merging results of different scenarios: ${scenarios.join(', ')}`);
  const versions = [...new Set(parts.map((p) => p.environment.fastbenchVersion))];
  if (versions.length > 1) warnings.push(`merging results of different fastbench versions: ${versions.join(', ')}`);
  const starts = parts.map((p) => Date.parse(p.startTime));
  const earliest = Math.min(...starts);
  // series line up by interval (one second unless the scenario set `interval:`)
  const lengths = [...new Set(parts.map(intervalLengthMs))];
  if (lengths.length > 1) warnings.push(`merging results with different interval lengths (${lengths.join(', ')} ms): their series do not line up`);
  const intervalMs = lengths[0] as number;
  const offsets = starts.map((s) => Math.round((s - earliest) / intervalMs));
  const snapshots = parts.map((p, i) => runResultToSnapshot(p, offsets[i], warnings));
  const merged = mergeSnapshots(snapshots);
  const invalid = [...new Set(parts.filter((p) => !p.valid).map((p) => p.invalidReason ?? 'the generator was the bottleneck'))];
  const result: RunResult = buildRunResult(merged, {
    scenario: first.scenario,
    environment: first.environment,
    startTime: merged.startMs,
    endTime: merged.endMs,
    durationMs: Math.max(...parts.map((p) => p.durationMs)),
    phases: first.phases,
    valid: invalid.length === 0,
    ...(invalid.length > 0 ? { invalidReason: invalid.join('; ') } : {}),
    interrupted: parts.some((p) => p.interrupted),
  });
  const aborted = parts.find((p) => p.abortedBy !== undefined)?.abortedBy;
  if (aborted !== undefined) result.abortedBy = aborted;
  const decoded = parts.flatMap((p) => (p.decode !== undefined ? [p.decode] : []));
  if (decoded.length > 0) {
    const d = { responses: 0, wireBytes: 0, decodedBytes: 0, cpuMs: 0 };
    for (const p of decoded) for (const k of Object.keys(d) as (keyof typeof d)[]) d[k] += p[k];
    d.cpuMs = Math.round(d.cpuMs * 1000) / 1000;
    result.decode = d;
  }
  // Connections per protocol add up; the most in flight on one connection is the largest part's.
  for (const p of parts) {
    for (const [name, u] of Object.entries(p.protocols ?? {})) {
      const t = ((result.protocols ??= {})[name] ??= { connections: 0, maxInFlightPerConnection: 0 });
      t.connections += u.connections;
      t.maxInFlightPerConnection = Math.max(t.maxInFlightPerConnection, u.maxInFlightPerConnection);
    }
  }
  const requestSeries = mergeRequestSeries(parts, offsets, warnings);
  if (requestSeries !== undefined) result.requestSeries = requestSeries;
  const defs = options.thresholds ?? thresholdsFromOutcomes(parts, warnings);
  result.thresholds = defs.map((d) => ('text' in d ? evaluateThreshold(d, result) : d));
  return { result, warnings: [...new Set(warnings)] };
}
