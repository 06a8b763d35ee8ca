// Threshold expressions: `<metric> <op> <value> [over <window>]`.
//   metrics: p50 p90 p99 p99.9 (any pNN, 0 < NN <= 100), min, max, mean, stddev  (latency: ms/s/us)
//            errors (1% or 0.01 — a fraction of requests), rps (requests per second)
//            streamed responses (issue 18, requests with `stream:`): `<stream metric> <statistic>`
//              ttfb, first_event (alias first_chunk, first_token), gap, stream_duration — a latency
//              statistic as above (`ttfb p99 < 300ms`, `gap max < 1s`); events/s — per-stream
//              events per second, a bare `events/s > 20` reads the median stream (p50)
//              (these are judged over the whole run: no windows, no abortOnFail)
//            WebSocket steps (`ws:` flow steps), the same way: ws_connect and ws_rtt take a latency
//              statistic (`ws_rtt p99 < 50ms`); ws_messages/s — per-session messages per second
//              (a bare `ws_messages/s > 100` reads the median session)
//   ops:     <  <=  >  >=
//   windows: "over 10s windows" (every consecutive 10 s window must pass)
//            "over last 30s"    (only the final 30 s of the measured run counts)
// Parsing only: metrics/threshold-evaluation.ts measures and judges (live in the engine, and on the
// finished result in report/).
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { didYouMean, suggestion } from './did-you-mean.js';
import { parseDuration } from '../core/units.js';
import { parseRate } from './load-phases.js';
import type { NodeReader, YNode } from './node-reader.js';
import { SCENARIO_KEYS } from './scenario-keys.js';
import type { StreamMetric, Threshold, ThresholdOp, ThresholdWindow } from './scenario.js';

export type ParsedThreshold = Pick<Threshold, 'metric' | 'kind' | 'percentile' | 'op' | 'value' | 'window' | 'stream' | 'stat'>;

/** `ttfb p99`, `events/s`: a streamed-response metric and its statistic; undefined when `metric` is not one. */
function parseStreamMetric(metric: string): { stream: StreamMetric; stat: string; percentile: number | undefined } | { error: string } | undefined {
  const words = metric.split(/\s+/);
  const stream = Object.hasOwn(STREAM_NAMES, words[0]!) ? STREAM_NAMES[words[0]!] : undefined;
  if (stream === undefined || words.length > 2) return undefined;
  const stat = words[1] ?? (isRate(stream) ? 'p50' : undefined);
  if (stat === undefined) return { error: `${words[0]} needs a statistic: ${words[0]} p99, ${words[0]} max, …` };
  const pm = PERCENTILE.exec(stat);
  if (pm !== null) {
    const p = Number(pm[1]);
    if (!(p > 0 && p <= 100)) return { error: `percentile ${stat} must be between p0 and p100` };
    return { stream, stat: `p${p}`, percentile: p };
  }
  if (LATENCY_METRICS.includes(stat)) return { stream, stat, percentile: undefined };
  return { error: `unknown statistic "${stat}" for ${words[0]} (use pNN, min, max, mean or stddev)` };
}

const LATENCY_METRICS = ['min', 'max', 'mean', 'stddev'];
const STREAM_NAMES: Record<string, StreamMetric> = {
  ttfb: 'ttfb',
  first_event: 'first_event',
  first_chunk: 'first_event',
  first_token: 'first_event',
  gap: 'gap',
  stream_duration: 'stream_duration',
  'events/s': 'events/s',
  // issue 18 websocket
  ws_connect: 'ws_connect',
  ws_rtt: 'ws_rtt',
  'ws_messages/s': 'ws_messages/s',
};

/** The per-second metrics (read in their own unit, not as a latency). */
function isRate(m: StreamMetric | undefined): boolean {
  return m === 'events/s' || m === 'ws_messages/s';
}
const KNOWN_METRICS = ['p50', 'p75', 'p90', 'p95', 'p99', 'p99.9', 'p99.99', ...LATENCY_METRICS, 'errors', 'rps', ...Object.keys(STREAM_NAMES)];
const OP = /<=|>=|<|>|==|=|!=/;
const PERCENTILE = /^p(\d+(?:\.\d+)?)$/;
const PERCENT = /^(\d+(?:\.\d+)?|\.\d+)\s*%$/;
const FRACTION = /^(\d+(?:\.\d+)?|\.\d+)$/;
const WINDOWS = /^(\S+)\s+windows?$/;
const LAST = /^last\s+(\S+)$/;

/** The `over 10s windows` / `over last 30s` part (`text` starts at " over", at `base` in the expression). */
function parseWindow(text: string, base: number): { window: ThresholdWindow; index: number } | { error: string; index: number } {
  const wRaw = text.replace(/^\s*over\s+/, '');
  const wText = wRaw.trim();
  const index = base + text.length - wRaw.length;
  const each = WINDOWS.exec(wText);
  const last = LAST.exec(wText);
  const durText = each?.[1] ?? last?.[1];
  if (durText === undefined) return { error: `bad window "over ${wText}" (write "over 10s windows" or "over last 30s")`, index };
  const ms = parseDuration(durText);
  if (ms === undefined || ms <= 0) return { error: `"${durText}" is not a window duration (e.g. 10s)`, index };
  return { window: { kind: each !== null ? 'each' : 'last', ms }, index };
}

/** Parses one expression. On failure returns the message and the character index it points at. */
export function parseThreshold(text: string): ParsedThreshold | { error: string; index: number } {
  const opMatch = OP.exec(text);
  if (opMatch === null) return { error: `threshold "${text}" has no comparison (use <, <=, > or >=)`, index: 0 };
  const op = opMatch[0];
  const opIndex = opMatch.index;
  if (op === '=' || op === '==' || op === '!=') {
    return { error: `"${op}" is not a threshold comparison (use <, <=, > or >=)`, index: opIndex };
  }
  const metricRaw = text.slice(0, opIndex);
  const metric = metricRaw.trim();
  const metricIndex = metricRaw.length - metricRaw.trimStart().length;
  let kind: Threshold['kind'];
  let percentile: number | undefined;
  const pm = PERCENTILE.exec(metric);
  const sm = pm === null ? parseStreamMetric(metric) : undefined;
  if (sm !== undefined && 'error' in sm) return { error: sm.error, index: metricIndex };
  if (sm !== undefined) {
    kind = 'stream';
    percentile = sm.percentile;
  } else if (pm !== null) {
    percentile = Number(pm[1]);
    if (!(percentile > 0 && percentile <= 100)) return { error: `percentile ${metric} must be between p0 and p100`, index: metricIndex };
    kind = 'latency';
  } else if (LATENCY_METRICS.includes(metric)) {
    kind = 'latency';
  } else if (metric === 'errors' || metric === 'rps') {
    kind = metric;
  } else {
    const s = didYouMean(metric, KNOWN_METRICS);
    return {
      error:
        metric === ''
          ? `threshold "${text}" names no metric`
          : `unknown threshold metric "${metric}"${s !== undefined ? ` (did you mean "${s}"?)` : ''}; metrics: pNN, min, max, mean, stddev, errors, rps, and for streams ttfb, first_event, gap, stream_duration (each with a statistic) and events/s, for ws steps ws_connect, ws_rtt and ws_messages/s`,
      index: metricIndex,
    };
  }

  const rest = text.slice(opIndex + op.length);
  const overAt = rest.search(/\sover\s/);
  const valueRaw = overAt < 0 ? rest : rest.slice(0, overAt);
  const valueText = valueRaw.trim();
  const valueIndex = opIndex + op.length + (valueRaw.length - valueRaw.trimStart().length);
  let value: number | undefined;
  if (valueText === '') return { error: `threshold "${text}" has no value after "${op}"`, index: valueIndex };
  if (sm !== undefined && isRate(sm.stream)) {
    const v = valueText.replace(/\s*(events\/s|messages\/s|\/s)$/, '');
    value = FRACTION.test(v) ? Number(v) : undefined;
    if (value === undefined) return { error: `"${valueText}" is not a rate for ${sm.stream} (use ${sm.stream === 'events/s' ? 'events' : 'messages'} per second, e.g. 20)`, index: valueIndex };
  } else if (kind === 'latency' || kind === 'stream') {
    value = parseDuration(valueText);
    if (value === undefined) {
      const hint = FRACTION.test(valueText) ? ` (add a unit: ${valueText}ms)` : ' (use a duration like 50ms or 1s)';
      return { error: `"${valueText}" is not a latency for ${metric}${hint}`, index: valueIndex };
    }
  } else if (kind === 'errors') {
    const pct = PERCENT.exec(valueText);
    if (pct !== null) value = Number(pct[1]) / 100;
    else if (FRACTION.test(valueText) && Number(valueText) <= 1) value = Number(valueText);
    if (value === undefined || value > 1) {
      return { error: `"${valueText}" is not an error rate (use a percentage like 1% or a fraction like 0.01)`, index: valueIndex };
    }
  } else {
    value = parseRate(valueText.replace(/\s*rps$/, ''));
    if (value === undefined) return { error: `"${valueText}" is not a rate (use requests per second, e.g. 1000)`, index: valueIndex };
  }

  let window: ThresholdWindow | undefined;
  if (overAt >= 0) {
    const w = parseWindow(rest.slice(overAt), opIndex + op.length + overAt);
    if ('error' in w) return w;
    if (sm !== undefined) return { error: `${sm.stream} is judged over the whole run (windows are not kept for stream metrics)`, index: w.index };
    window = w.window;
  }
  if (sm !== undefined) {
    return { metric: `${sm.stream} ${sm.stat}`, kind, percentile, op: op as ThresholdOp, value, window, stream: sm.stream, stat: sm.stat };
  }
  return { metric: pm !== null ? `p${percentile}` : metric, kind, percentile, op: op as ThresholdOp, value, window };
}

/** How a threshold's numbers read: latency in ms, errors as a ratio of requests (0.01 = 1%), rps, a crawl's status count, events/s (per_s). */
export type ThresholdUnit = 'ms' | 'ratio' | 'rps' | 'count' | 'per_s';

export function thresholdUnit(kind: Threshold['kind'], stream?: StreamMetric): ThresholdUnit {
  if (kind === 'stream') return isRate(stream) ? 'per_s' : 'ms';
  return kind === 'latency' ? 'ms' : kind === 'errors' ? 'ratio' : 'rps';
}

/** What a threshold judges: 'overall' or the request's (flow step's) name. */
export function thresholdScope(t: Pick<Threshold, 'request'>): string {
  return t.request ?? 'overall';
}

const trim = (v: number, digits: number): string => String(Number(v.toFixed(digits)));

/** A limit with its unit, as one writes it: 5ms, 1.5s, 250us → 0.25ms, 5%, 1000 (rps). */
export function formatThresholdLimit(unit: ThresholdUnit, value: number): string {
  if (unit === 'ratio') return `${trim(value * 100, 6)}%`;
  if (unit === 'rps' || unit === 'count' || unit === 'per_s') return trim(value, 3);
  return value >= 1000 && value % 1000 === 0 ? `${value / 1000}s` : `${trim(value, 3)}ms`;
}

/** The check in one canonical spelling, without scope or window: "p99 < 5ms", "errors < 5%". */
export function thresholdCheck(t: { metric: string; op: ThresholdOp; unit: ThresholdUnit; limit: number }): string {
  return `${t.metric} ${t.op} ${formatThresholdLimit(t.unit, t.limit)}`;
}

/** A threshold named with its scope for messages: "json: p99 < 5ms", "overall: errors < 1% over last 2s". */
export function thresholdLabel(t: Threshold): string {
  const w = t.window === undefined ? '' : t.window.kind === 'last' ? ` over last ${t.window.ms / 1000}s` : ` over ${t.window.ms / 1000}s windows`;
  return `${thresholdScope(t)}: ${thresholdCheck({ metric: t.metric, op: t.op, unit: thresholdUnit(t.kind, t.stream), limit: t.value })}${w}`;
}

/**
 * Reads `thresholds:` in either form:
 *   - a list of expressions or { check, request?, abortOnFail? } entries
 *   - a mapping { overall: [...], <request name>: [...] }, each value a list of the same entries
 * Request names are checked against `names.known`. With `partial` (some requests failed to
 * compile, so their generated names are unknown) names that look generated ("GET /x") pass.
 */
export function readThresholds(r: NodeReader, node: YNode, names: KnownNames | undefined): Threshold[] {
  const n = r.deref(node);
  const out: Threshold[] = [];
  if (n != null && isSeq(n)) {
    r.list(n, 'thresholds')?.forEach((item, i) => readEntry(r, item, `thresholds[${i}]`, undefined, undefined, names, out));
  } else if (n != null && isMap(n)) {
    for (const [key, keyNode, value] of r.entries(n, 'thresholds') ?? []) {
      const request = key === 'overall' ? undefined : key;
      if (request !== undefined) checkName(r, request, keyNode, names);
      const items = r.list(value, `thresholds.${key}`, true) ?? [];
      items.forEach((item, i) => readEntry(r, item, `thresholds.${key}[${i}]`, request, keyNode, undefined, out));
    }
  } else {
    r.error('ERR_SCENARIO_TYPE', 'thresholds must be a list of expressions or a mapping of request name → list', n);
  }
  return out;
}

function readEntry(
  r: NodeReader,
  node: Node,
  path: string,
  mapRequest: string | undefined,
  mapKeyNode: Node | undefined,
  names: KnownNames | undefined,
  out: Threshold[],
): void {
  let exprNode: YNode = node;
  let request = mapRequest;
  let abortOnFail = false;
  if (isMap(node)) {
    const f = r.fields(node, path, SCENARIO_KEYS.threshold);
    if (f === undefined) return;
    exprNode = f.value('check');
    if (exprNode === undefined) {
      r.error('ERR_SCENARIO_MISSING', `${path} needs "check" (an expression like "p99 < 50ms")`, node);
      return;
    }
    if (f.has('abortOnFail')) abortOnFail = r.boolean(f.value('abortOnFail'), `${path}.abortOnFail`) ?? false;
    if (f.has('request')) {
      if (mapKeyNode !== undefined) {
        r.error('ERR_SCENARIO_VALUE', `${path}.request: the mapping key already names the request`, f.keyNode('request'));
      } else {
        request = r.string(f.value('request'), `${path}.request`, { numbers: true });
        if (request !== undefined) checkName(r, request, f.value('request'), names);
      }
    }
  } else if (!isScalar(node) || typeof node.value !== 'string') {
    r.error('ERR_SCENARIO_TYPE', `${path} must be an expression like "p99 < 50ms" or a { check, request, abortOnFail } mapping`, node);
    return;
  }
  const text = r.string(exprNode, `${path}.check`);
  if (text === undefined) return;
  const parsed = parseThreshold(text);
  if ('error' in parsed) {
    r.error('ERR_SCENARIO_THRESHOLD', parsed.error, exprNode, parsed.index);
    return;
  }
  if (parsed.kind === 'stream' && abortOnFail) {
    r.error('ERR_SCENARIO_THRESHOLD', `${path}: abortOnFail is not supported for stream metrics (they are judged at the end of the run)`, exprNode);
    return;
  }
  out.push({ text: text.trim(), ...parsed, request, abortOnFail, pos: r.pos(exprNode) });
}

export interface KnownNames {
  readonly known: ReadonlySet<string>;
  readonly partial: boolean;
}

function checkName(r: NodeReader, name: string, node: YNode, names: KnownNames | undefined): void {
  if (names === undefined || names.known.has(name)) return;
  if (names.partial && /^[A-Z]+ /.test(name)) return;
  r.error('ERR_SCENARIO_THRESHOLD', `threshold for unknown request "${name}"${suggestion(name, names.known)}`, node);
}
