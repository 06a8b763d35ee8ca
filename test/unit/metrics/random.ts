// Deterministic pseudo-random latencies for metrics tests (mulberry32).
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Log-uniform latencies from 1 µs to ~e^ln(max) µs, integers, with a few huge outliers. */
export function latencies(n: number, seed: number, maxUs = 5_000_000): number[] {
  const r = rng(seed);
  const out: number[] = [];
  const lnMax = Math.log(maxUs);
  for (let i = 0; i < n; i++) out.push(Math.max(1, Math.round(Math.exp(r() * lnMax))));
  return out;
}

export const PERCENTILES = [0, 0.1, 1, 5, 10, 25, 33.3, 50, 66.6, 75, 87.5, 90, 95, 99, 99.5, 99.9, 99.99, 99.999, 100];
