// result.json: a pure render(result) → string with a stable key order, so the same result always
// serialises to the same bytes (diffable, cacheable) however the object was built (a run, a merge,
// a JSON.parse). Objects follow the order of schema/result.schema.json (a test keeps the two in
// step); maps (status codes, error codes, per-request histograms) are sorted by key, numbers
// first; keys this table does not know are kept, sorted, after the known ones.
import type { RunResult } from '../metrics/run-result.js';

/** How one level of the document is ordered. */
export type KeyShape =
  | { readonly kind: 'leaf' }
  | { readonly kind: 'object'; readonly keys: Readonly<Record<string, KeyShape>> }
  | { readonly kind: 'array'; readonly items: KeyShape }
  | { readonly kind: 'map'; readonly values: KeyShape };

const leaf: KeyShape = { kind: 'leaf' };
const obj = (keys: Record<string, KeyShape>): KeyShape => ({ kind: 'object', keys });
const arr = (items: KeyShape): KeyShape => ({ kind: 'array', items });
const map = (values: KeyShape): KeyShape => ({ kind: 'map', values });
const leaves = (...names: string[]): KeyShape => obj(Object.fromEntries(names.map((n) => [n, leaf])));

const LATENCY_SUMMARY = leaves('min', 'mean', 'p50', 'p75', 'p90', 'p99', 'p99_9', 'p99_99', 'max');
const LATENCY_STATS = leaves('count', 'min', 'mean', 'stdev', 'p50', 'p75', 'p90', 'p99', 'p99_9', 'p99_99', 'max');
const COUNTS = map(leaf);
const ENCODED = leaves('hdr', 'min', 'max', 'count');
const PAIR = obj({ corrected: ENCODED, service: ENCODED });
// issue 18: streamed responses
const STREAM_STATS = obj({
  streams: leaf, events: leaf, ttfbMs: LATENCY_STATS, firstEventMs: LATENCY_STATS, gapMs: LATENCY_STATS, durationMs: LATENCY_STATS,
  eventsPerSecond: LATENCY_STATS,
});
const STREAM_SNAPSHOT = obj({ streams: leaf, events: leaf, ttfb: ENCODED, firstEvent: ENCODED, gap: ENCODED, duration: ENCODED, rate: ENCODED });
// issue 18 websocket: ws flow steps
const WS_STATS = obj({
  sessions: leaf, sent: leaf, received: leaf, connectMs: LATENCY_STATS, rttMs: LATENCY_STATS, messagesPerSecond: LATENCY_STATS,
});
const WS_SNAPSHOT = obj({ sessions: leaf, sent: leaf, received: leaf, connect: ENCODED, rtt: ENCODED, rate: ENCODED });
const REQUEST_STATS = obj({
  name: leaf, requests: leaf, responses: leaf, errors: leaf, errorRate: leaf, rps: leaf, bytesIn: leaf, bytesOut: leaf,
  latencyMs: LATENCY_STATS, serviceMs: LATENCY_STATS, statusCounts: COUNTS, errorsByCode: COUNTS,
  errorsByStatus: COUNTS, stream: STREAM_STATS, ws: WS_STATS,
});

const INTERVAL = obj({ t: leaf, ms: leaf, corrected: ENCODED, service: ENCODED });
const SERIES_ROW = leaves('t', 'requests', 'rps', 'errors', 'p50', 'p99', 'bytes', 'bytesOut');

/** The key order of a RunResult (mirrors schema/result.schema.json). */
export const RESULT_KEY_ORDER: KeyShape = obj({
  schemaVersion: leaf,
  scenario: leaf,
  environment: leaves('fastbenchVersion', 'node', 'cpuModel', 'cores', 'platform', 'arch'),
  startTime: leaf,
  endTime: leaf,
  durationMs: leaf,
  parts: leaf,
  phases: arr(obj({ name: leaf, startOffsetMs: leaf, durationMs: leaf, kind: leaf, details: map(leaf) })),
  summary: obj({ requests: leaf, errors: leaf, rps: leaf, latencyMs: LATENCY_SUMMARY }),
  overall: REQUEST_STATS,
  requests: arr(REQUEST_STATS),
  histograms: obj({
    overall: PAIR,
    requests: map(PAIR),
    intervals: arr(INTERVAL),
    stream: obj({ overall: STREAM_SNAPSHOT, requests: map(STREAM_SNAPSHOT) }),
    ws: obj({ overall: WS_SNAPSHOT, requests: map(WS_SNAPSHOT) }),
  }),
  series: arr(SERIES_ROW),
  errorsByCode: COUNTS,
  errorsByStatus: COUNTS,
  statusCounts: COUNTS,
  thresholds: arr(leaves('expression', 'scope', 'metric', 'op', 'unit', 'limit', 'passed', 'actual', 'window')),
  valid: leaf,
  invalidReason: leaf,
  interrupted: leaf,
  partial: leaf,
  // the engine's optional additions
  generator: obj({
    workers: leaf,
    eventLoopDelayMs: leaves('p50', 'p99', 'max'),
    eventLoopUtilization: leaf,
    cpu: leaf,
    cpuPerThread: leaf,
    schedule: leaves('scheduled', 'late', 'maxLagMs', 'backlogged', 'backlogMax', 'missed'),
    valid: leaf,
    invalidReason: leaf,
    warnings: arr(leaf),
  }),
  protocols: map(leaves('connections', 'maxInFlightPerConnection')),
  abortedBy: leaf,
  requestSeries: map(obj({ series: arr(SERIES_ROW), intervals: arr(INTERVAL) })),
  shard: leaves('index', 'count'),
  decode: leaves('responses', 'wireBytes', 'decodedBytes', 'cpuMs'),
  // issue 18: fastbench find
  search: obj({
    knee: leaves('rate', 'low', 'high'),
    confirmed: leaf,
    ended: leaf,
    slo: arr(leaf),
    generatorBound: leaf,
    elapsedMs: leaf,
    steps: arr(obj({
      index: leaf, kind: leaf, offeredRps: leaf, achievedRps: leaf, durationMs: leaf, requests: leaf, errorRate: leaf,
      p50Ms: leaf, p99Ms: leaf, verdict: leaf, slo: arr(leaves('check', 'actual', 'passed')), generatorBound: leaf,
    })),
  }),
});

const NUMERIC = /^(0|[1-9]\d*)$/;

/** Map keys: integer-like keys numerically first, then the rest by UTF-16 code units. */
function compareKeys(a: string, b: string): number {
  const an = NUMERIC.test(a);
  const bn = NUMERIC.test(b);
  if (an && bn) return Number(a) - Number(b);
  if (an !== bn) return an ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function order(value: unknown, shape: KeyShape): unknown {
  if (Array.isArray(value)) {
    const items = shape.kind === 'array' ? shape.items : leaf;
    return value.map((v) => order(v, items));
  }
  if (value === null || typeof value !== 'object') return value;
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // A plain object's own integer-like keys always come first whatever the insertion order, so
  // output objects are built with the same rule maps are sorted by; JSON.stringify honours it.
  if (shape.kind === 'object') {
    for (const [k, sub] of Object.entries(shape.keys)) {
      if (Object.hasOwn(src, k) && src[k] !== undefined) out[k] = order(src[k], sub);
    }
    for (const k of Object.keys(src).filter((k) => !Object.hasOwn(shape.keys, k)).sort(compareKeys)) {
      if (src[k] !== undefined) out[k] = order(src[k], leaf);
    }
    return out;
  }
  const values = shape.kind === 'map' ? shape.values : leaf;
  for (const k of Object.keys(src).sort(compareKeys)) {
    if (src[k] !== undefined) out[k] = order(src[k], values);
  }
  return out;
}

/** A copy of `value` with keys in the canonical order of `shape`. */
export function canonicalize<T>(value: T, shape: KeyShape = RESULT_KEY_ORDER): T {
  return order(value, shape) as T;
}

/** result.json: pretty-printed (2 spaces), canonical key order, trailing newline. */
export function renderJson(result: RunResult): string {
  return JSON.stringify(canonicalize(result), null, 2) + '\n';
}
