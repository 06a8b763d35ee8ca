// Small, dependency-free statistics for `compare`: the Mann-Whitney U test (exact for small tie-free
// samples, normal approximation with tie and continuity corrections otherwise), the normal CDF and
// its inverse, and distribution-free confidence bounds for a quantile from order statistics.

/** Standard normal CDF Φ(z) (Abramowitz & Stegun 7.1.26 erf; absolute error < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Inverse of Φ for p in (0, 1) (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}

export interface MannWhitneyResult {
  /** U of the first sample (how often a value of `a` exceeds one of `b`, ties counting ½). */
  u: number;
  /** Two-sided p-value. */
  p: number;
  /** 'exact' or 'normal'. */
  method: 'exact' | 'normal';
  /** U / (n1·n2): P(a > b) + ½·P(a = b); 0.5 = no shift. */
  effect: number;
}

/** Number of tie-free arrangements of n1 + n2 values giving each U, as a cumulative table. */
function exactCumulative(n1: number, n2: number): Float64Array {
  // counts[j][u] for the current n1 row, built up from n1 = 0 (recurrence on the largest value).
  const max = n1 * n2;
  let prev: Float64Array[] = [];
  for (let j = 0; j <= n2; j++) {
    const row = new Float64Array(max + 1);
    row[0] = 1;
    prev.push(row);
  }
  for (let i = 1; i <= n1; i++) {
    const cur: Float64Array[] = [];
    for (let j = 0; j <= n2; j++) {
      const row = new Float64Array(max + 1);
      for (let u = 0; u <= i * j; u++) {
        // the largest value belongs to sample 1 (it beats all j of sample 2) or to sample 2
        const fromA = u - j >= 0 ? (prev[j] as Float64Array)[u - j] as number : 0;
        const fromB = j > 0 ? (cur[j - 1] as Float64Array)[u] as number : 0;
        row[u] = fromA + fromB;
      }
      cur.push(row);
    }
    prev = cur;
  }
  const counts = prev[n2] as Float64Array;
  const cum = new Float64Array(max + 1);
  let run = 0;
  for (let u = 0; u <= max; u++) {
    run += counts[u] as number;
    cum[u] = run;
  }
  return cum;
}

/** Two-sided Mann-Whitney U test of a against b. Needs at least one value on each side. */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('mannWhitneyU needs values on both sides');
  const all = [...a.map((v) => ({ v, s: 0 })), ...b.map((v) => ({ v, s: 1 }))].sort((x, y) => x.v - y.v);
  const n = n1 + n2;
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && (all[j + 1] as { v: number }).v === (all[i] as { v: number }).v) j++;
    const rank = (i + j) / 2 + 1;
    const t = j - i + 1;
    if (t > 1) tieTerm += t * t * t - t;
    for (let k = i; k <= j; k++) if ((all[k] as { s: number }).s === 0) rankSumA += rank;
    i = j + 1;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const effect = u / (n1 * n2);
  if (tieTerm === 0 && n <= 40) {
    const cum = exactCumulative(n1, n2);
    const total = cum[n1 * n2] as number;
    const lower = Math.min(u, n1 * n2 - u);
    const p = Math.min(1, (2 * (cum[Math.floor(lower)] as number)) / total);
    return { u, p, method: 'exact', effect };
  }
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u, p: 1, method: 'normal', effect };
  const diff = Math.abs(u - mean);
  const z = Math.max(0, diff - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, 2 * (1 - normalCdf(z))), method: 'normal', effect };
}

/**
 * Ranks (1-based, in a sorted sample of n) bounding the q-quantile with confidence 1 - alpha,
 * distribution-free (the count below the true quantile is Binomial(n, q); normal approximation).
 * Clamped to [1, n].
 */
export function quantileRankBounds(n: number, q: number, alpha: number): [lo: number, hi: number] {
  const z = normalQuantile(1 - alpha / 2);
  const centre = n * q;
  const half = z * Math.sqrt(n * q * (1 - q));
  const lo = Math.max(1, Math.floor(centre - half));
  const hi = Math.min(n, Math.ceil(centre + half) + 1);
  return [lo, hi];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
