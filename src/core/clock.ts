// Monotonic time helpers. performance.now() is cheap in V8 (no syscall on Linux vDSO); use these
// rather than Date.now() for anything measured.
import { performance } from 'node:perf_hooks';

/** Milliseconds, monotonic, with sub-microsecond resolution. */
export function nowMs(): number {
  return performance.now();
}

/** Wall-clock epoch milliseconds corresponding to a nowMs() value. */
export function toEpochMs(monoMs: number): number {
  return performance.timeOrigin + monoMs;
}
