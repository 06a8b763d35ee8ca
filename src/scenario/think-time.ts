// Think times: the pause a virtual user takes after a flow step. Written as
//
//   think: 1s                                      fixed
//   think: 500ms..2s                               uniform on [500 ms, 2 s]
//   think: { mean: 1s, dist: exponential }         exponential with that mean (Poisson-like pauses)
//   think: { mean: 1s, dist: normal, sd: 200ms }   normal, truncated at 0 (a negative draw is drawn again)
//
// Parsing gives plain data (ThinkTime, structured-clonable); sampleThink draws one pause from a
// seeded Prng, so the same seed gives the same pauses. The maths:
//   uniform      min + (max - min)·u
//   exponential  -mean·ln(1 - u)                      (inverse CDF; u in [0, 1) so 1 - u > 0)
//   normal       mean + sd·√(-2 ln u1)·cos(2π u2)     (Box–Muller; u1 in (0, 1])
import type { Prng } from '../core/prng.js';
import { isMap, isScalar } from 'yaml';
import { parseDuration } from '../core/units.js';
import type { NodeReader, YNode } from './node-reader.js';
import { SCENARIO_KEYS } from './scenario-keys.js';

export type ThinkTime =
  | { readonly dist: 'fixed'; readonly ms: number }
  | { readonly dist: 'uniform'; readonly min: number; readonly max: number }
  | { readonly dist: 'exponential'; readonly mean: number }
  | { readonly dist: 'normal'; readonly mean: number; readonly sd: number };

/** A normal draw below 0 is drawn again, at most this often; then the pause is 0. */
const NORMAL_RETRIES = 64;

/** One pause in ms (>= 0) drawn from `t` with `rng`. */
export function sampleThink(t: ThinkTime, rng: Prng): number {
  switch (t.dist) {
    case 'fixed':
      return t.ms;
    case 'uniform':
      return t.min + (t.max - t.min) * rng.float();
    case 'exponential':
      return -t.mean * Math.log(1 - rng.float());
    case 'normal':
      for (let i = 0; i < NORMAL_RETRIES; i++) {
        const u1 = 1 - rng.float(); // (0, 1]
        const u2 = rng.float();
        const x = t.mean + t.sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
        if (x >= 0) return x;
      }
      return 0;
  }
}

/** The mean pause of `t`, ms (for messages and for the fixed fast path). */
export function thinkMean(t: ThinkTime): number {
  switch (t.dist) {
    case 'fixed':
      return t.ms;
    case 'uniform':
      return (t.min + t.max) / 2;
    default:
      return t.mean;
  }
}

/**
 * Reads a `think:` value. Returns undefined after recording an error; a zero fixed pause reads as
 * { dist: 'fixed', ms: 0 } (callers treat it as none).
 */
export function readThink(r: NodeReader, node: YNode, path: string): ThinkTime | undefined {
  const n = r.deref(node);
  if (n != null && isMap(n)) return readThinkMap(r, n, path);
  const v = n != null && isScalar(n) ? n.value : undefined;
  if (typeof v === 'string') {
    const at = v.indexOf('..');
    if (at >= 0) {
      const min = parseDuration(v.slice(0, at));
      const max = parseDuration(v.slice(at + 2));
      if (min === undefined || max === undefined) {
        r.error('ERR_SCENARIO_VALUE', `${path}: "${v}" is not a range of durations (write 500ms..2s)`, n);
        return undefined;
      }
      if (max < min) {
        r.error('ERR_SCENARIO_VALUE', `${path}: the range ${v} runs backwards (write the shorter pause first)`, n);
        return undefined;
      }
      return min === max ? { dist: 'fixed', ms: min } : { dist: 'uniform', min, max };
    }
  }
  const ms = r.duration(n, path, { allowZero: true });
  return ms === undefined ? undefined : { dist: 'fixed', ms };
}

function readThinkMap(r: NodeReader, n: YNode, path: string): ThinkTime | undefined {
  const f = r.fields(n, path, SCENARIO_KEYS.think);
  if (f === undefined) return undefined;
  if (!f.has('mean')) {
    r.error('ERR_SCENARIO_MISSING', `${path} needs "mean" (a duration)`, n);
    return undefined;
  }
  const mean = r.duration(f.value('mean'), `${path}.mean`);
  let dist = 'exponential';
  if (f.has('dist')) {
    const d = r.string(f.value('dist'), `${path}.dist`);
    if (d === undefined) return undefined;
    if (d !== 'exponential' && d !== 'normal') {
      r.error('ERR_SCENARIO_VALUE', `${path}.dist must be "exponential" or "normal", got "${d}"`, f.value('dist'));
      return undefined;
    }
    dist = d;
  }
  if (dist === 'normal') {
    if (!f.has('sd')) {
      r.error('ERR_SCENARIO_MISSING', `${path} with dist: normal needs "sd" (the standard deviation, a duration)`, n);
      return undefined;
    }
    const sd = r.duration(f.value('sd'), `${path}.sd`, { allowZero: true });
    if (mean === undefined || sd === undefined) return undefined;
    return sd === 0 ? { dist: 'fixed', ms: mean } : { dist: 'normal', mean, sd };
  }
  if (f.has('sd')) {
    r.error('ERR_SCENARIO_VALUE', `${path}.sd applies to dist: normal only`, f.keyNode('sd'));
    return undefined;
  }
  return mean === undefined ? undefined : { dist: 'exponential', mean };
}
