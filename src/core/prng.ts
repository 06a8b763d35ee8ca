// A small seeded PRNG (SplitMix32-style) for everything that must be repeatable: the server's
// /bytes, ?fail= injector and synthetic site, and the engine's think times, flow picks and
// random feeder rows under `run --seed`. Not cryptographic; the same seed gives the same sequence
// on every platform, which is the point.

/** Mixes two 32-bit values into one well-spread 32-bit value (for per-page/per-item seeds). */
export function mix32(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x6a09e667, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next unsigned 32-bit value. */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Fills `buf[start, end)` with the next bytes of the sequence (4 bytes per draw, little-endian). */
  fill(buf: Uint8Array, start = 0, end = buf.length): void {
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const v = this.next();
      buf[i] = v & 0xff;
      buf[i + 1] = (v >>> 8) & 0xff;
      buf[i + 2] = (v >>> 16) & 0xff;
      buf[i + 3] = v >>> 24;
    }
    if (i < end) {
      let v = this.next();
      for (; i < end; i++, v >>>= 8) buf[i] = v & 0xff;
    }
  }
}
