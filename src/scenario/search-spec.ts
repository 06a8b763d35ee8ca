// `load: - search: {...}` (issue 18): a capacity search instead of fixed phases.
//
//   load:
//     - search:
//         slo: [p99 < 200ms, errors < 1%]   threshold expressions (thresholds.ts), no windows
//         from: 100/s                       the climb's first rate
//         to: 50000/s                       its cap
//         step: 2x                          climb factor (2, "2x", "50%" = ×1.5); default 2x
//         stepDuration: 5s                  each climb / bisection step; default 5s
//         hold: 10s                         the confirmation of the answer; default 10s
//         maxDuration: 5m                   bound on the whole search; default 5m
//         tolerance: 5%                     bisect until (bad - good) / good <= this; default 5%
//       connections: 200                    the steps' connection cap (default client.connections)
//
// A search is the only item of `load` (it runs its own phases: engine/capacity-search.ts).
import { isMap, isScalar, isSeq } from 'yaml';
import { parseRate } from './load-phases.js';
import type { NodeReader, YNode } from './node-reader.js';
import { SCENARIO_KEYS } from './scenario-keys.js';
import type { SearchSpec, Threshold } from './scenario.js';
import { parseThreshold } from './thresholds.js';

export const SEARCH_DEFAULTS = {
  stepFactor: 2,
  stepMs: 5_000,
  holdMs: 10_000,
  maxDurationMs: 300_000,
  tolerance: 0.05,
} as const;

const FACTOR = /^(\d+(?:\.\d+)?|\.\d+)\s*x$/i;
const PERCENT = /^(\d+(?:\.\d+)?|\.\d+)\s*%$/;

/** `step`: 2 or "2x" (a factor > 1) or "50%" (each step offers 50% more); undefined when malformed. */
export function parseStepFactor(v: unknown): number | undefined {
  let f: number | undefined;
  if (typeof v === 'number') f = v;
  else if (typeof v === 'string') {
    const t = v.trim();
    const x = FACTOR.exec(t);
    const p = PERCENT.exec(t);
    if (x !== null) f = Number(x[1]);
    else if (p !== null) f = 1 + Number(p[1]) / 100;
    else if (/^\d+(?:\.\d+)?$/.test(t)) f = Number(t);
  }
  return f !== undefined && Number.isFinite(f) && f > 1 && f <= 100 ? f : undefined;
}

/** `tolerance`: 0.05 or "5%" (0 < t < 1); undefined when malformed. */
export function parseTolerance(v: unknown): number | undefined {
  let t: number | undefined;
  if (typeof v === 'number') t = v;
  else if (typeof v === 'string') {
    const p = PERCENT.exec(v.trim());
    t = p !== null ? Number(p[1]) / 100 : /^(\d+(?:\.\d+)?|\.\d+)$/.test(v.trim()) ? Number(v) : undefined;
  }
  return t !== undefined && t > 0 && t < 1 ? t : undefined;
}

/** One SLO expression: a threshold over the whole step (a window or a request scope is refused). */
export function parseSlo(text: string): Omit<Threshold, 'pos'> | { error: string; index: number } {
  const parsed = parseThreshold(text);
  if ('error' in parsed) return parsed;
  if (parsed.window !== undefined) return { error: `an SLO is judged over each whole step: remove the "over ..." window from "${text}"`, index: 0 };
  return { text: text.trim(), ...parsed, request: undefined, abortOnFail: false };
}

/** Does `load` hold a `search` item? (Then readSearchLoad reads it, and there are no phases.) */
export function hasSearchItem(r: NodeReader, node: YNode): boolean {
  const n = r.deref(node);
  const items = n != null && isSeq(n) ? n.items.map((i) => r.deref(i as YNode)) : [n];
  return items.some((i) => i != null && isMap(i) && i.has('search'));
}

/** Reads the `load: - search: {...}` item; undefined after an error (reported on `r`). */
export function readSearchLoad(r: NodeReader, node: YNode, defaultConnections: number): SearchSpec | undefined {
  const items = r.list(node, 'load', true);
  if (items === undefined) return undefined;
  const single = !isSeq(r.deref(node));
  const at = items.findIndex((i) => isMap(i) && i.has('search'));
  const path = single ? 'load' : `load[${at}]`;
  if (items.length > 1) {
    r.error('ERR_SCENARIO_VALUE', `${path}: a search is the only item of load (it runs its own steps); remove the other phases`, items[at === 0 ? 1 : 0]);
    return undefined;
  }
  const f = r.fields(items[at], path, SCENARIO_KEYS.phase);
  if (f === undefined) return undefined;
  const before = r.errors.length;
  for (const key of SCENARIO_KEYS.phase) {
    if (key !== 'search' && key !== 'connections' && key !== 'name' && f.has(key)) {
      r.error('ERR_SCENARIO_VALUE', `${path}.${key}: a search sets its own rates and durations (only "connections" may go beside it)`, f.keyNode(key));
    }
  }
  const maxConnections = f.has('connections') ? r.number(f.value('connections'), `${path}.connections`, { integer: true, min: 1 }) : defaultConnections;
  const sp = `${path}.search`;
  const s = r.fields(f.value('search'), sp, SCENARIO_KEYS.search);
  if (s === undefined) return undefined;
  const slo: Threshold[] = [];
  if (!s.has('slo')) r.error('ERR_SCENARIO_MISSING', `${sp}.slo is required (e.g. [p99 < 200ms, errors < 1%])`, s.node);
  else {
    const list = r.list(s.value('slo'), `${sp}.slo`, true) ?? [];
    if (list.length === 0) r.error('ERR_SCENARIO_VALUE', `${sp}.slo needs at least one expression`, s.value('slo'));
    list.forEach((item, i) => {
      const text = r.string(item, `${sp}.slo[${i}]`);
      if (text === undefined) return;
      const p = parseSlo(text);
      if ('error' in p) r.error('ERR_SCENARIO_THRESHOLD', p.error, item, p.index);
      else slo.push({ ...p, pos: r.pos(item) });
    });
  }
  const rate = (key: 'from' | 'to'): number | undefined => {
    if (!s.has(key)) {
      r.error('ERR_SCENARIO_MISSING', `${sp}.${key} is required (a rate like 100/s)`, s.node);
      return undefined;
    }
    const n = r.deref(s.value(key));
    const v = parseRate(n != null && isScalar(n) ? n.value : undefined);
    if (v === undefined || v <= 0) r.error('ERR_SCENARIO_VALUE', `${sp}.${key} must be a rate above 0 like 100 or "100/s"`, n);
    return v !== undefined && v > 0 ? v : undefined;
  };
  const fromRate = rate('from');
  const toRate = rate('to');
  if (fromRate !== undefined && toRate !== undefined && toRate < fromRate) {
    r.error('ERR_SCENARIO_VALUE', `${sp}.to (${toRate}/s) is below from (${fromRate}/s)`, s.value('to'));
  }
  const scalar = (key: string): unknown => {
    const n = r.deref(s.value(key));
    return n != null && isScalar(n) ? n.value : undefined;
  };
  let stepFactor: number = SEARCH_DEFAULTS.stepFactor;
  if (s.has('step')) {
    const v = parseStepFactor(scalar('step'));
    if (v === undefined) r.error('ERR_SCENARIO_VALUE', `${sp}.step must be a climb factor above 1: 2, "2x" or "50%"`, s.value('step'));
    else stepFactor = v;
  }
  let tolerance: number = SEARCH_DEFAULTS.tolerance;
  if (s.has('tolerance')) {
    const v = parseTolerance(scalar('tolerance'));
    if (v === undefined) r.error('ERR_SCENARIO_VALUE', `${sp}.tolerance must be between 0 and 1: 0.05 or "5%"`, s.value('tolerance'));
    else tolerance = v;
  }
  const dur = (key: 'stepDuration' | 'hold' | 'maxDuration', dflt: number): number => (s.has(key) ? (r.duration(s.value(key), `${sp}.${key}`) ?? dflt) : dflt);
  const stepMs = dur('stepDuration', SEARCH_DEFAULTS.stepMs);
  const holdMs = dur('hold', SEARCH_DEFAULTS.holdMs);
  const maxDurationMs = dur('maxDuration', SEARCH_DEFAULTS.maxDurationMs);
  if (r.errors.length === before && maxDurationMs < stepMs + holdMs) {
    r.error('ERR_SCENARIO_VALUE', `${sp}.maxDuration (${maxDurationMs} ms) leaves no room for one step and the hold (${stepMs + holdMs} ms)`, s.value('maxDuration'));
  }
  if (r.errors.length > before || fromRate === undefined || toRate === undefined || maxConnections === undefined) return undefined;
  return { slo, fromRate, toRate, stepFactor, stepMs, holdMs, maxDurationMs, tolerance, maxConnections, pos: r.pos(f.node) };
}
