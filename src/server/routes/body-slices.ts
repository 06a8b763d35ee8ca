// Large response bodies go out in bounded slices, as the connection drains: a handler writes a
// slice while `res.needsDrain` is false, then waits on `res.waitDrain()`. Filler bodies reuse one
// shared, preallocated pattern buffer per byte value (written by reference, never copied or
// changed), so no route allocates memory in proportion to the body it sends.
import type { ServerResponse } from '../types.js';

/** Bytes per write of a sliced body. */
export const SLICE = 64 * 1024;

const patterns = new Map<number, Buffer>();

/** A SLICE-long buffer of one byte value; shared, never written to. */
export function patternOf(byte: number): Buffer {
  let p = patterns.get(byte);
  if (p === undefined) {
    p = Buffer.alloc(SLICE, byte);
    patterns.set(byte, p);
  }
  return p;
}

/**
 * Writes up to `n` bytes of `byte` to a begun response, slice by slice, while the connection
 * takes them. Returns how many were written (fewer than n when needsDrain or closed stopped it).
 */
export function writePattern(res: ServerResponse, byte: number, n: number): number {
  const p = patternOf(byte);
  let sent = 0;
  while (sent < n && !res.closed && !res.needsDrain) {
    const k = n - sent < SLICE ? n - sent : SLICE;
    res.write(k === SLICE ? p : p.subarray(0, k));
    sent += k;
  }
  return sent;
}

/** `n` filler bytes, then `done` (end or close): the stream for fault and drip bodies. */
export class PatternBody {
  private sent = 0;
  private readonly go = (): void => this.pump();

  constructor(
    private readonly res: ServerResponse,
    private readonly byte: number,
    private readonly total: number,
    private readonly done: 'end' | 'close',
  ) {}

  pump(): void {
    const res = this.res;
    this.sent += writePattern(res, this.byte, this.total - this.sent);
    if (res.closed) return;
    if (this.sent < this.total) {
      res.waitDrain(this.go);
      return;
    }
    if (this.done === 'end') res.end();
    else res.close();
  }
}
