import { describe, expect, it } from 'vitest';
import { searchCapacity, type SearchPlan, type StepFigures, type StepKind } from '../../../src/engine/capacity-search.js';
import { parseSlo } from '../../../src/scenario/search-spec.js';

function slo(...texts: string[]): SearchPlan['slo'] {
  return texts.map((t) => {
    const p = parseSlo(t);
    if ('error' in p) throw new Error(p.error);
    return p;
  });
}

const PLAN: SearchPlan = {
  slo: slo('p99 < 50ms', 'errors < 1%'),
  fromRate: 100,
  toRate: 50_000,
  stepFactor: 2,
  stepMs: 1000,
  holdMs: 5000,
  maxDurationMs: 300_000,
  tolerance: 0.05,
};

/**
 * A simulated target with capacity `cap`: p99 5 ms below it, growing steeply past it; errors past
 * 1.2 × cap. `noise(rate, n)` perturbs the n-th measurement (deterministic).
 */
function target(cap: number, opts: { noise?: (rate: number, n: number) => number; generatorMax?: number } = {}) {
  let clock = 0;
  let n = 0;
  const calls: { rate: number; durationMs: number; kind: StepKind }[] = [];
  const measure = async (rate: number, durationMs: number, kind: StepKind): Promise<StepFigures> => {
    calls.push({ rate, durationMs, kind });
    clock += durationMs + 100; // each step overruns by 100 ms (start-up, drain)
    const eff = rate * (1 + (opts.noise?.(rate, n++) ?? 0));
    const p99 = eff <= cap ? 5 : 5 + (eff - cap) * 2;
    const errorRate = eff > cap * 1.2 ? 0.05 : 0;
    const f: StepFigures = { achievedRps: Math.min(rate, cap * 1.1), requests: Math.round((rate * durationMs) / 1000), errorRate, p50Ms: 2, p99Ms: p99, sloValues: [p99, errorRate] };
    if (opts.generatorMax !== undefined && rate > opts.generatorMax) f.generatorBound = 'the generator was the bottleneck: schedule slip';
    return f;
  };
  return { measure, now: () => clock, calls };
}

describe('searchCapacity (simulated target)', () => {
  it('climbs geometrically, bisects to the tolerance and confirms the knee within 5 %', async () => {
    const t = target(1500);
    const out = await searchCapacity(PLAN, { measure: t.measure, now: t.now });
    expect(out.ended).toBe('converged');
    expect(out.confirmed).toBe(true);
    // climb 100, 200, 400, 800, 1600 (fails), then bisect between 800 and 1600
    expect(t.calls.slice(0, 5).map((c) => c.rate)).toEqual([100, 200, 400, 800, 1600]);
    expect(t.calls.slice(0, 5).every((c) => c.kind === 'climb')).toBe(true);
    expect(t.calls[5]!.kind).toBe('bisect');
    const last = t.calls.at(-1)!;
    expect(last.kind).toBe('confirm');
    expect(last.durationMs).toBe(5000);
    const knee = out.knee!;
    expect(knee.rate).toBeLessThanOrEqual(1500);
    expect(knee.rate).toBeGreaterThanOrEqual(1500 * 0.95);
    expect(knee.high).toBeGreaterThan(1500);
    expect((knee.high - knee.rate) / knee.rate).toBeLessThanOrEqual(0.05);
    expect(knee.low).toBeLessThanOrEqual(knee.rate);
    expect(out.steps.map((s) => s.verdict)).toContain('fail');
    expect(out.steps.at(-1)!.slo).toEqual([
      { check: 'p99 < 50ms', actual: 5, passed: true },
      { check: 'errors < 1%', actual: 0, passed: true },
    ]);
  });

  it('is deterministic: the same figures give the same step sequence', async () => {
    const a = target(3333);
    const b = target(3333);
    await searchCapacity(PLAN, { measure: a.measure, now: a.now });
    await searchCapacity(PLAN, { measure: b.measure, now: b.now });
    expect(a.calls).toEqual(b.calls);
  });

  it('steps down and re-confirms when the hold fails (noisy measurements), widening the interval', async () => {
    // The confirmation of a rate measures 4 % heavier than the short step did: the bisected knee
    // fails its hold, the search steps down by the tolerance and confirms there.
    const t = target(1500, { noise: (_rate, n) => (n >= 5 && t.calls[n]?.kind === 'confirm' ? 0.04 : 0) });
    const out = await searchCapacity(PLAN, { measure: t.measure, now: t.now });
    const confirms = out.steps.filter((s) => s.kind === 'confirm');
    expect(confirms.length).toBeGreaterThanOrEqual(2);
    expect(confirms[0]!.verdict).toBe('fail');
    expect(confirms.at(-1)!.verdict).toBe('pass');
    expect(confirms[1]!.offeredRps).toBeCloseTo(confirms[0]!.offeredRps * 0.95, 1);
    expect(out.confirmed).toBe(true);
    expect(out.knee!.rate).toBe(confirms.at(-1)!.offeredRps);
    expect(out.knee!.high).toBe(confirms[0]!.offeredRps);
  });

  it('after every confirmation failed, answers with a rate that passed a step (never an unmeasured one)', async () => {
    // confirmations always measure 30 % heavier: each fails, the search steps down MAX_CONFIRMS times
    const t = target(1500, { noise: (_rate, n) => (t.calls[n]?.kind === 'confirm' ? 0.3 : 0) });
    const out = await searchCapacity(PLAN, { measure: t.measure, now: t.now });
    const confirms = out.steps.filter((s) => s.kind === 'confirm');
    expect(confirms).toHaveLength(4);
    expect(confirms.every((s) => s.verdict === 'fail')).toBe(true);
    expect(out.confirmed).toBe(false);
    const passed = out.steps.filter((s) => s.verdict === 'pass').map((s) => s.offeredRps);
    expect(passed).toContain(out.knee!.rate);
    expect(out.knee!.rate).toBeLessThan(confirms.at(-1)!.offeredRps);
  });

  it('vetoes a step where the generator was the bottleneck: the answer is "at least" the last good rate', async () => {
    const t = target(100_000, { generatorMax: 3000 });
    const out = await searchCapacity(PLAN, { measure: t.measure, now: t.now });
    expect(out.ended).toBe('generator-bound');
    expect(out.generatorBound).toMatch(/generator/);
    // measured twice (a one-off stall is not a ceiling), vetoed both times
    expect(out.steps.slice(-2).map((s) => [s.offeredRps, s.verdict])).toEqual([[3200, 'vetoed'], [3200, 'vetoed']]);
    expect(out.knee!.rate).toBe(1600);
    expect(out.confirmed).toBe(false);
  });

  it('measures a vetoed step once more: a one-off generator stall does not end the search', async () => {
    let vetoes = 1;
    const t = target(1500);
    const out = await searchCapacity(PLAN, {
      measure: async (rate, ms, kind) => {
        const f = await t.measure(rate, ms, kind);
        if (rate === 800 && vetoes-- > 0) return { ...f, generatorBound: 'event-loop stall' };
        return f;
      },
      now: t.now,
    });
    expect(out.steps.filter((s) => s.offeredRps === 800).map((s) => s.verdict)).toEqual(['vetoed', 'pass']);
    expect(out.ended).toBe('converged');
    expect(out.generatorBound).toBeUndefined();
    expect(out.knee!.rate).toBeGreaterThanOrEqual(1425);
  });

  it('reports no knee when even `from` fails, and stops at `to` when nothing fails', async () => {
    const low = target(50);
    const none = await searchCapacity(PLAN, { measure: low.measure, now: low.now });
    expect(none.ended).toBe('below-from');
    expect(none.knee).toBeUndefined();
    const high = target(1e9);
    const capped = await searchCapacity({ ...PLAN, toRate: 1000 }, { measure: high.measure, now: high.now });
    expect(capped.ended).toBe('reached-to');
    expect(capped.knee).toEqual({ rate: 1000, low: 1000, high: 1000 });
    expect(high.calls.map((c) => c.rate)).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('bounds the total time by maxDuration (steps that would end past it are not started)', async () => {
    const t = target(1500);
    const out = await searchCapacity({ ...PLAN, maxDurationMs: 4500 }, { measure: t.measure, now: t.now });
    expect(out.ended).toBe('max-duration');
    expect(t.now()).toBeLessThanOrEqual(4500);
    expect(out.confirmed).toBe(false);
    expect(out.knee!.rate).toBe(800);
  });

  it('a null measurement (nothing completed) fails the SLO', async () => {
    const out = await searchCapacity(PLAN, {
      measure: async () => ({ achievedRps: 0, requests: 0, errorRate: 0, p50Ms: null, p99Ms: null, sloValues: [null, null] }),
      now: (() => { let c = 0; return () => (c += 10); })(),
    });
    expect(out.ended).toBe('below-from');
    expect(out.steps[0]!.slo[0]!.passed).toBe(false);
  });
});
