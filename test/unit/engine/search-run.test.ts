// issue 18: how a step's run is read — the generator veto and the step's figures.
import { describe, expect, it } from 'vitest';
import { generatorBottleneck, stepFigures } from '../../../src/engine/search-run.js';
import { judgeGenerator, type EngineResult, type GeneratorHealth } from '../../../src/engine/index.js';
import { parseSlo } from '../../../src/scenario/search-spec.js';
import { makeResult } from '../../fixtures/report/make-result.js';

function health(over: { utilization?: number; delayP99?: number; delayMax?: number; schedule?: Partial<GeneratorHealth['schedule']> }): GeneratorHealth {
  const h = judgeGenerator([]);
  return {
    ...h,
    eventLoopUtilization: over.utilization ?? 0.3,
    eventLoopDelayMs: { p50: 1, p99: over.delayP99 ?? 2, max: over.delayMax ?? 5 },
    schedule: { scheduled: 10_000, late: 0, maxLagMs: 0, backlogged: 0, backlogMax: 0, missed: 0, ...over.schedule },
  };
}

describe('generatorBottleneck', () => {
  it('is the generator: slip, stalls, saturation, or unsent arrivals while it was busy', () => {
    expect(generatorBottleneck(health({}))).toBeUndefined();
    expect(generatorBottleneck(health({ schedule: { late: 500 } }))).toMatch(/schedule slip \(500 of 10000/);
    expect(generatorBottleneck(health({ delayMax: 1500 }))).toMatch(/stall of 1500 ms/);
    expect(generatorBottleneck(health({ delayP99: 80 }))).toMatch(/delay p99 80\.0 ms/);
    expect(generatorBottleneck(health({ utilization: 0.99 }))).toMatch(/busy 99\.0%/);
    expect(generatorBottleneck(health({ utilization: 0.95, schedule: { missed: 500, backlogged: 500 } }))).toMatch(/500 arrivals unsent while the generator was busy/);
  });

  it('is not the generator: arrivals unsent because every connection waited on a slow target', () => {
    // generator-health.ts calls this run invalid (unsent schedule); for the search it is the target's verdict
    expect(generatorBottleneck(health({ utilization: 0.2, schedule: { missed: 3000, backlogged: 4000, backlogMax: 900 } }))).toBeUndefined();
  });
});

describe('stepFigures', () => {
  const spec = { slo: ['p99 < 50ms', 'errors < 1%', 'rps > 10'].map((t) => ({ ...(parseSlo(t) as Exclude<ReturnType<typeof parseSlo>, { error: string }>), pos: { file: 'x', line: 1, column: 1 } })) };

  it('counts unsent arrivals as failed requests and measures each SLO as thresholds do', () => {
    const base = makeResult({ seconds: 2, perSecond: 100 });
    const result = { ...base, generator: health({ schedule: { scheduled: 200, missed: 20, backlogged: 20 } }) } as EngineResult;
    const f = stepFigures(spec, result);
    const o = base.overall;
    expect(f.requests).toBe(o.requests + 20);
    expect(f.errorRate).toBeCloseTo((o.errors + 20) / (o.requests + 20), 6);
    expect(f.sloValues[1]).toBeCloseTo(f.errorRate, 6);
    expect(f.sloValues[0]).toBeCloseTo(o.latencyMs.p99, 0);
    expect(f.sloValues[2]).toBeCloseTo(o.requests / 2, 0);
    expect(f.p99Ms).toBe(o.latencyMs.p99);
    expect(f.generatorBound).toBeUndefined();
    const clean = stepFigures(spec, { ...base, generator: health({}) } as EngineResult);
    expect(clean.errorRate).toBeCloseTo(o.errorRate, 6);
  });
});
