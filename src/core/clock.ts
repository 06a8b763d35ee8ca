// Monotonic time helpers. performance.now() is cheap in V8 (no syscall on Linux vDSO); use these
// rather than Date.now() for anything measured.
import { performance } from 'node:perf_hooks';

/** Milliseconds, monotonic, with sub-microsecond resolution. */
export function nowMs(): number {
  return performance.now();
}

/** Microseconds since `startMs` (a nowMs() value), rounded to an integer >= 0. */
export function elapsedUs(startMs: number): number {
  const us = Math.round((performance.now() - startMs) * 1000);
  return us > 0 ? us : 0;
}

/** Wall-clock epoch milliseconds corresponding to a nowMs() value. */
export function toEpochMs(monoMs: number): number {
  return performance.timeOrigin + monoMs;
}
