// `load:` → a list of Phase objects with every number in ms and req/s.
//   closed:  { connections: 50, duration: 30s }
//   open:    { rate: 1000, duration: 1m }          constant arrival rate
//            { rate: 100, rampTo: 5000, duration: 2m } or { rate: "100 -> 5000 over 2m" }
//            { stairs: { from: 100, to: 1000, step: 100, every: 10s } }
//   replay:  { replay: access.log, speed: 2x }      recorded arrivals (replay-log.ts), open model
//   any:     warmup: true, name, iterations, requests (extra stop conditions)
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { isScalar, isSeq } from 'yaml';
import { FastbenchError } from '../core/errors.js';
import { parseReplayLog } from './replay-log.js';
import { cumulativeSends, curveDurationMs } from './rate-schedule.js';
import type { Fields, NodeReader, YNode } from './node-reader.js';
import { SCENARIO_KEYS } from './scenario-keys.js';
import type { ClosedPhase, OpenPhase, Phase, RateSegment, ReplayPhase } from './scenario.js';
import { parseDuration } from '../core/units.js';

const RAMP = /^(.+?)\s*(?:->|→)\s*(.+?)(?:\s+over\s+(.+))?$/;
const RATE = /^(\d+(?:\.\d+)?|\.\d+)\s*(?:\/\s*(s|sec|second|m|min|minute))?$/;

/** Parses "100", "100/s", "6000/m" into req/s; undefined when malformed. */
export function parseRate(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = RATE.exec(v.trim());
  if (m === null) return undefined;
  const n = Number(m[1]);
  const unit = m[2];
  return unit === undefined || unit[0] === 's' ? n : n / 60;
}

/** Parses "100 -> 5000 over 2m" (the "over" part is optional). */
export function parseRamp(text: string): { from: number; to: number; overMs: number | undefined } | string | undefined {
  const m = RAMP.exec(text.trim());
  if (m === null) return undefined;
  const from = parseRate(m[1]);
  const to = parseRate(m[2]);
  if (from === undefined) return `"${m[1]}" is not a rate`;
  if (to === undefined) return `"${m[2]}" is not a rate`;
  if (m[3] === undefined) return { from, to, overMs: undefined };
  const overMs = parseDuration(m[3]);
  if (overMs === undefined || overMs <= 0) return `"${m[3]}" is not a duration`;
  return { from, to, overMs };
}

/** Reads `load:` (a list of phases, or one phase as a mapping). */
export function readPhases(r: NodeReader, node: YNode, defaultConnections: number, dir = '.'): Phase[] {
  const items = r.list(node, 'load', true);
  if (items === undefined) return [];
  if (items.length === 0) {
    r.error('ERR_SCENARIO_VALUE', 'load needs at least one phase', node);
    return [];
  }
  const phases: Phase[] = [];
  const single = !isSeq(r.deref(node));
  items.forEach((item, i) => {
    const p = readPhase(r, item, single ? 'load' : `load[${i}]`, i, defaultConnections, dir);
    if (p !== undefined) phases.push(p);
  });
  if (phases.length === items.length && phases.every((p) => p.warmup)) {
    r.error('ERR_SCENARIO_VALUE', 'every load phase is a warmup: at least one phase must be measured', node);
  }
  return phases;
}

/** What every phase has, whatever its load model. */
type PhaseCommon = Pick<Phase, 'index' | 'name' | 'warmup' | 'iterations' | 'requests' | 'pos'>;

/** A phase's fields as read so far, for the model readers. */
interface PhaseInput {
  readonly f: Fields;
  readonly path: string;
  readonly common: PhaseCommon;
  readonly durationMs: number | undefined;
  readonly connections: number | undefined;
  /** r.errors.length before this phase was read. */
  readonly errorsBefore: number;
}

function readPhase(r: NodeReader, node: YNode, path: string, index: number, defaultConnections: number, dir: string): Phase | undefined {
  const f = r.fields(node, path, SCENARIO_KEYS.phase);
  if (f === undefined) return undefined;
  const errorsBefore = r.errors.length;
  const warmup = f.has('warmup') ? (r.boolean(f.value('warmup'), `${path}.warmup`) ?? false) : false;
  const name = f.has('name') ? r.string(f.value('name'), `${path}.name`, { numbers: true, nonEmpty: true }) : undefined;
  const durationMs = f.has('duration') ? r.duration(f.value('duration'), `${path}.duration`) : undefined;
  const iterations = f.has('iterations') ? r.number(f.value('iterations'), `${path}.iterations`, { integer: true, min: 1 }) : undefined;
  const requests = f.has('requests') ? r.number(f.value('requests'), `${path}.requests`, { integer: true, min: 1 }) : undefined;
  const connections = f.has('connections')
    ? r.number(f.value('connections'), `${path}.connections`, { integer: true, min: 1 })
    : defaultConnections;
  const common: PhaseCommon = {
    index,
    name: name ?? (warmup ? `warmup ${index + 1}` : `phase ${index + 1}`),
    warmup,
    iterations,
    requests,
    pos: r.pos(f.node),
  };
  if (f.has('rampTo') && !f.has('rate')) {
    r.error('ERR_SCENARIO_VALUE', `${path}.rampTo needs a starting rate: add "rate"`, f.keyNode('rampTo'));
  }
  if (f.has('rate') && f.has('stairs')) {
    r.error('ERR_SCENARIO_VALUE', `${path}: use either "rate" or "stairs", not both`, f.keyNode('stairs'));
    return undefined;
  }
  const input: PhaseInput = { f, path, common, durationMs, connections, errorsBefore };
  if (f.has('replay') || f.has('speed')) return readReplay(r, input, dir);
  // The load model is chosen here, from the keys: a rate curve is open, else closed.
  return f.has('rate') || f.has('stairs') ? readOpen(r, input) : readClosed(r, input);
}

// issue 16 hooks/replay (hooks)
/** "2x", "0.5x", 2 → 2; undefined when malformed. */
export function parseSpeed(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*(\d+(?:\.\d+)?|\.\d+)\s*x?\s*$/i.test(v) ? parseFloat(v.replace(/^\s*\./, '0.')) : NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Replay: an access log's requests at their recorded times (÷ speed); `connections` the cap. */
function readReplay(r: NodeReader, input: PhaseInput, dir: string): ReplayPhase | undefined {
  const { f, path } = input;
  if (!f.has('replay')) {
    r.error('ERR_SCENARIO_VALUE', `${path}.speed needs "replay" (a log to replay)`, f.keyNode('speed'));
    return undefined;
  }
  for (const k of ['rate', 'rampTo', 'stairs'] as const) {
    if (f.has(k)) r.error('ERR_SCENARIO_VALUE', `${path}: "replay" sets its own arrival times; remove "${k}"`, f.keyNode(k));
  }
  let speed = 1;
  if (f.has('speed')) {
    const n = r.deref(f.value('speed'));
    const v = parseSpeed(n != null && isScalar(n) ? n.value : undefined);
    if (v === undefined) r.error('ERR_SCENARIO_VALUE', `${path}.speed must be a factor above 0, like 2 or "2x"`, n);
    else speed = v;
  }
  const file = r.string(f.value('replay'), `${path}.replay`, { nonEmpty: true });
  if (file === undefined || r.errors.length > input.errorsBefore || input.connections === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(resolvePath(dir, file), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    r.error('ERR_SCENARIO_FILE', `cannot read replay log "${file}" (${code === 'ENOENT' ? 'no such file' : (e as Error).message}; paths are relative to the scenario file)`, f.value('replay'));
    return undefined;
  }
  let log;
  try {
    log = parseReplayLog(text, resolvePath(dir, file), speed);
  } catch (e) {
    if (!(e instanceof FastbenchError)) throw e;
    r.errors.push(e);
    return undefined;
  }
  // The phase lasts to just after the last recorded request (a `duration` cuts it short).
  const last = log.offsetsMs[log.offsetsMs.length - 1]!;
  return {
    ...input.common,
    model: 'replay',
    durationMs: input.durationMs ?? Math.floor(last) + 1,
    file,
    speed,
    offsetsMs: log.offsetsMs,
    methods: log.methods,
    targets: log.targets,
    maxConnections: input.connections,
  };
}

/** Closed model: `connections` users until a stop condition. */
function readClosed(r: NodeReader, input: PhaseInput): ClosedPhase | undefined {
  const { f, path, common, durationMs, connections } = input;
  if (durationMs === undefined && common.iterations === undefined && common.requests === undefined && !f.has('duration')) {
    r.error('ERR_SCENARIO_MISSING', `${path} needs a stop condition: duration, iterations or requests`, f.node);
  }
  if (r.errors.length > input.errorsBefore || connections === undefined) return undefined;
  return { ...common, model: 'closed', durationMs, connections };
}

/** Open model: a rate curve (constant, ramp or stairs), `connections` the cap. */
function readOpen(r: NodeReader, input: PhaseInput): OpenPhase | undefined {
  const { f, path } = input;
  let curve: RateCurve | undefined;
  if (f.has('stairs')) {
    const segments = readStairs(r, f.value('stairs'), `${path}.stairs`, input.durationMs, f.value('duration'));
    if (segments !== undefined) curve = { shape: 'stairs', segments, durationMs: segments[segments.length - 1]!.endMs };
  } else {
    curve = readRate(r, input);
  }
  if (r.errors.length > input.errorsBefore || curve === undefined || input.connections === undefined) return undefined;
  return {
    ...input.common,
    model: 'open',
    durationMs: curve.durationMs,
    shape: curve.shape,
    segments: curve.segments,
    cumulative: cumulativeSends(curve.segments),
    maxConnections: input.connections,
  };
}

interface RateCurve {
  readonly shape: OpenPhase['shape'];
  readonly segments: RateSegment[];
  readonly durationMs: number | undefined;
}

/** `rate: 1000`, `rate: "100 -> 5000 over 2m"`, or `rate` + `rampTo`, with the phase duration. */
function readRate(r: NodeReader, input: PhaseInput): RateCurve | undefined {
  const { f, path } = input;
  let durationMs = input.durationMs;
  const rateNode = r.deref(f.value('rate'));
  const raw = rateNode != null && isScalar(rateNode) ? rateNode.value : undefined;
  let from: number | undefined;
  let to: number | undefined;
  let shape: RateCurve['shape'] = 'constant';
  const ramp = typeof raw === 'string' ? parseRamp(raw) : undefined;
  if (typeof ramp === 'string') {
    r.error('ERR_SCENARIO_VALUE', `${path}.rate: ${ramp} (write "100 -> 5000 over 2m")`, rateNode);
  } else if (ramp !== undefined) {
    ({ from, to } = ramp);
    shape = 'ramp';
    if (f.has('rampTo')) r.error('ERR_SCENARIO_VALUE', `${path}: the rate already ramps to ${ramp.to}; remove rampTo`, f.keyNode('rampTo'));
    if (ramp.overMs !== undefined) {
      if (durationMs !== undefined && durationMs !== ramp.overMs) {
        r.error('ERR_SCENARIO_VALUE', `${path}.duration disagrees with the ramp's "over" time; give one of them`, f.value('duration'));
      }
      durationMs = ramp.overMs;
    }
  } else {
    from = parseRate(raw);
    if (from === undefined) {
      r.error(
        typeof raw === 'string' || typeof raw === 'number' ? 'ERR_SCENARIO_VALUE' : 'ERR_SCENARIO_TYPE',
        `${path}.rate must be requests per second (1000, "1000/s", "6000/m") or a ramp ("100 -> 5000 over 2m")`,
        rateNode,
      );
    }
    if (f.has('rampTo')) {
      const rtNode = r.deref(f.value('rampTo'));
      to = parseRate(rtNode != null && isScalar(rtNode) ? rtNode.value : undefined);
      if (to === undefined) r.error('ERR_SCENARIO_VALUE', `${path}.rampTo must be a rate like 5000 or "5000/s"`, rtNode);
      shape = 'ramp';
    } else {
      to = from;
    }
  }
  const { iterations, requests } = input.common;
  if (shape === 'ramp' && durationMs === undefined && !f.has('duration')) {
    r.error('ERR_SCENARIO_MISSING', `${path}: a ramp needs a duration ("over 2m" or duration: 2m)`, rateNode);
  } else if (durationMs === undefined && iterations === undefined && requests === undefined && !f.has('duration')) {
    r.error('ERR_SCENARIO_MISSING', `${path} needs a stop condition: duration, iterations or requests`, f.node);
  } else if (from !== undefined && to !== undefined) {
    if (from === 0 && to === 0 && durationMs === undefined) r.error('ERR_SCENARIO_VALUE', `${path}: a zero rate needs a duration`, rateNode);
    return { shape, segments: [{ startMs: 0, endMs: durationMs ?? Infinity, from, to }], durationMs };
  }
  return undefined;
}

/**
 * issue 18: one measured open phase at a constant `rate` for `durationMs` (a capacity search's step),
 * as `{ rate, duration, connections }` would read.
 */
export function constantOpenPhase(name: string, rate: number, durationMs: number, maxConnections: number, pos: OpenPhase['pos']): OpenPhase {
  const segments: RateSegment[] = [{ startMs: 0, endMs: durationMs, from: rate, to: rate }];
  return {
    index: 0,
    name,
    warmup: false,
    iterations: undefined,
    requests: undefined,
    pos,
    model: 'open',
    durationMs,
    shape: 'constant',
    segments,
    cumulative: cumulativeSends(segments),
    maxConnections,
  };
}

/** Connections a phase uses: a closed phase's users, an open phase's cap. */
export function phaseConnections(p: Phase): number {
  return p.model === 'closed' ? p.connections : p.maxConnections;
}

/** A phase's planned length in ms (Infinity when it ends on a count only). */
export function phaseDurationMs(p: Phase): number {
  if (p.durationMs !== undefined) return p.durationMs;
  return p.model === 'open' && p.segments.length > 0 ? curveDurationMs(p.segments) : Infinity;
}

/**
 * stairs: { from, to, step, every } — hold `from` for `every`, then `from ± step`, ... ending with
 * a level of exactly `to` (the last step may be smaller). Works downwards too (from > to).
 * A phase `duration` longer than the climb holds the last level until it ends.
 */
function readStairs(r: NodeReader, node: YNode, path: string, durationMs: number | undefined, durationNode: YNode): RateSegment[] | undefined {
  const f = r.fields(node, path, SCENARIO_KEYS.stairs);
  if (f === undefined) return undefined;
  const before = r.errors.length;
  const rate = (key: 'from' | 'to' | 'step'): number | undefined => {
    const n = r.deref(f.value(key));
    if (n == null) {
      r.error('ERR_SCENARIO_MISSING', `${path}.${key} is required`, f.node);
      return undefined;
    }
    const v = parseRate(isScalar(n) ? n.value : undefined);
    if (v === undefined) r.error('ERR_SCENARIO_VALUE', `${path}.${key} must be a rate like 100 or "100/s"`, n);
    else if (key === 'step' && v <= 0) r.error('ERR_SCENARIO_VALUE', `${path}.step must be more than 0`, n);
    return v;
  };
  const from = rate('from');
  const to = rate('to');
  const step = rate('step');
  let every: number | undefined;
  if (!f.has('every')) r.error('ERR_SCENARIO_MISSING', `${path}.every is required (how long each level holds, e.g. 10s)`, f.node);
  else every = r.duration(f.value('every'), `${path}.every`);
  if (r.errors.length > before || from === undefined || to === undefined || step === undefined || every === undefined) return undefined;

  const levels: number[] = [];
  const dir = to >= from ? 1 : -1;
  for (let level = from; dir * (to - level) > 1e-9; level += dir * step) {
    levels.push(level);
    if (levels.length > 10_000) break;
  }
  levels.push(to);
  if (levels.length > 10_000) {
    r.error('ERR_SCENARIO_VALUE', `${path} has more than 10000 levels; use a larger step`, f.node);
    return undefined;
  }
  const climb = levels.length * every;
  if (durationMs !== undefined && durationMs < climb) {
    r.error('ERR_SCENARIO_VALUE', `${path}: duration is shorter than the ${levels.length} levels × every (${climb} ms)`, durationNode);
    return undefined;
  }
  const end = durationMs ?? climb;
  return levels.map((level, i) => ({
    startMs: i * every!,
    endMs: i === levels.length - 1 ? end : (i + 1) * every!,
    from: level,
    to: level,
  }));
}
