// The open model's arrival schedule as pure functions of a phase's piecewise-linear rate curve.
// Time t is in ms from the phase start; rates are in requests per second.
//
// I(t) = ∫₀ᵗ rate(s) ds / 1000 is the exact (fractional) number of sends owed by time t. Send k
// (k = 0, 1, 2, ...) is due at the first instant I(t) exceeds k, so the number of sends in
// [0, t) is ceil(I(t)): the first send goes out at t = 0, and a constant rate R over D ms yields
// exactly R·D/1000 sends when that is whole (within one otherwise).
import type { OpenPhase, RateSegment } from './scenario.js';

/** Tolerance for float noise when rounding I(t) up to a count. */
const EPS = 1e-9;

/** Builds the cumulative table: sends owed before each segment starts. */
export function cumulativeSends(segments: readonly RateSegment[]): number[] {
  const out: number[] = [];
  let total = 0;
  for (const s of segments) {
    out.push(total);
    total += ((s.from + s.to) / 2) * (s.endMs - s.startMs) / 1000;
  }
  return out;
}

/** Index of the segment containing t (segments are contiguous from 0), or -1 past the end. */
function segmentAt(segments: readonly RateSegment[], t: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  if (hi < 0 || t < 0 || t >= segments[hi]!.endMs) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (segments[mid]!.startMs <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The scheduled rate (req/s) at t ms into the phase; 0 outside [0, duration). */
export function rateAt(phase: OpenPhase, tMs: number): number {
  const i = segmentAt(phase.segments, tMs);
  if (i < 0) return 0;
  const s = phase.segments[i]!;
  if (s.from === s.to) return s.from;
  return s.from + ((s.to - s.from) * (tMs - s.startMs)) / (s.endMs - s.startMs);
}

/** I(t): the exact, fractional number of sends owed in [0, t). Constant past the phase end. */
export function expectedSends(phase: OpenPhase, tMs: number): number {
  const segs = phase.segments;
  if (tMs <= 0 || segs.length === 0) return 0;
  let i = segmentAt(segs, tMs);
  if (i < 0) {
    i = segs.length - 1;
    tMs = segs[i]!.endMs;
  }
  const s = segs[i]!;
  const dt = tMs - s.startMs;
  const len = s.endMs - s.startMs;
  const slope = len === Infinity ? 0 : (s.to - s.from) / len;
  return phase.cumulative[i]! + (s.from * dt + (slope * dt * dt) / 2) / 1000;
}

/** Number of sends scheduled in [0, t): ceil(I(t)). */
export function scheduledBefore(phase: OpenPhase, tMs: number): number {
  const x = expectedSends(phase, tMs);
  const n = Math.ceil(x - EPS * Math.max(1, x));
  return n > 0 ? n : 0;
}

/** Total sends the rate curve schedules (Infinity for an unbounded constant rate). */
export function plannedSends(phase: OpenPhase): number {
  const segs = phase.segments;
  if (segs.length === 0) return 0;
  const last = segs[segs.length - 1]!;
  if (last.endMs === Infinity) return last.from > 0 ? Infinity : scheduledBefore(phase, last.startMs);
  return scheduledBefore(phase, last.endMs);
}

/**
 * When send k (0-based) is due, in ms from the phase start: the inverse of I. Infinity when the
 * curve never schedules it. scheduledBefore(sendTimeMs(k)) === k, up to float rounding.
 */
export function sendTimeMs(phase: OpenPhase, k: number): number {
  const segs = phase.segments;
  const cum = phase.cumulative;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    const end = i + 1 < segs.length ? cum[i + 1]! : s.endMs === Infinity ? (s.from > 0 ? Infinity : cum[i]!) : expectedSends(phase, s.endMs);
    if (end <= k) continue;
    const r = k - cum[i]!;
    if (r <= 0) return s.startMs;
    // Solve a·dt² + b·dt = r with a = slope/2000 and b = from/1000 (stable form of the root).
    const len = s.endMs - s.startMs;
    const a = len === Infinity ? 0 : (s.to - s.from) / len / 2000;
    const b = s.from / 1000;
    const disc = b * b + 4 * a * r;
    const dt = a === 0 ? r / b : (2 * r) / (b + Math.sqrt(disc > 0 ? disc : 0));
    return s.startMs + Math.min(dt, len);
  }
  return Infinity;
}

/** Phase length in ms implied by the rate curve (Infinity when unbounded). */
export function curveDurationMs(segments: readonly RateSegment[]): number {
  return segments.length === 0 ? 0 : segments[segments.length - 1]!.endMs;
}
