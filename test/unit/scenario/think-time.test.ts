// Think times and pace: how they are written, and the sampler's statistics and determinism
// (drawn from the sampler directly: no clock anywhere).
import { describe, expect, it } from 'vitest';
import { Prng } from '../../../src/core/prng.js';
import { sampleThink, type FlowStep, type ThinkTime } from '../../../src/scenario/index.js';
import { load, messages } from './helpers.js';

const N = 40_000;

function stats(t: ThinkTime, seed = 42): { mean: number; sd: number; min: number; max: number } {
  const rng = new Prng(seed);
  let sum = 0;
  let sq = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < N; i++) {
    const x = sampleThink(t, rng);
    sum += x;
    sq += x * x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = sum / N;
  return { mean, sd: Math.sqrt(sq / N - mean * mean), min, max };
}

function flowWith(think: string, flowThink = ''): string {
  return `load:\n  - duration: 1s\nflows:\n  - name: f\n${flowThink}    steps:\n      - path: /a\n        think: ${think}\n      - path: /b\n`;
}

describe('think time sampler', () => {
  it('uniform: stays in [min, max] with mean (min + max) / 2 and sd (max - min) / √12', () => {
    const s = stats({ dist: 'uniform', min: 500, max: 2000 });
    expect(s.min).toBeGreaterThanOrEqual(500);
    expect(s.max).toBeLessThanOrEqual(2000);
    expect(s.mean).toBeGreaterThan(1250 * 0.98);
    expect(s.mean).toBeLessThan(1250 * 1.02);
    expect(s.sd).toBeGreaterThan((1500 / Math.sqrt(12)) * 0.97);
    expect(s.sd).toBeLessThan((1500 / Math.sqrt(12)) * 1.03);
  });

  it('exponential: mean and sd both equal the mean, never negative', () => {
    const s = stats({ dist: 'exponential', mean: 1000 });
    expect(s.min).toBeGreaterThanOrEqual(0);
    expect(s.mean).toBeGreaterThan(970);
    expect(s.mean).toBeLessThan(1030);
    expect(s.sd).toBeGreaterThan(950);
    expect(s.sd).toBeLessThan(1050);
  });

  it('normal: the given mean and sd', () => {
    const s = stats({ dist: 'normal', mean: 1000, sd: 200 });
    expect(s.mean).toBeGreaterThan(990);
    expect(s.mean).toBeLessThan(1010);
    expect(s.sd).toBeGreaterThan(194);
    expect(s.sd).toBeLessThan(206);
  });

  it('normal is truncated at 0: no negative pause even with sd well above the mean', () => {
    const s = stats({ dist: 'normal', mean: 100, sd: 300 });
    expect(s.min).toBeGreaterThanOrEqual(0);
    // Truncation (redraw) moves the mean up: a clamp at 0 would leave ~37% of draws at exactly 0.
    const rng = new Prng(7);
    let zeros = 0;
    for (let i = 0; i < 10_000; i++) if (sampleThink({ dist: 'normal', mean: 100, sd: 300 }, rng) === 0) zeros++;
    expect(zeros).toBeLessThan(10);
    expect(s.mean).toBeGreaterThan(100);
  });

  it('fixed: always the value', () => {
    expect(stats({ dist: 'fixed', ms: 250 })).toEqual({ mean: 250, sd: 0, min: 250, max: 250 });
  });

  it('the same seed gives the same sequence; another seed another one', () => {
    const draw = (seed: number): number[] => {
      const rng = new Prng(seed);
      return Array.from({ length: 50 }, () => sampleThink({ dist: 'exponential', mean: 1000 }, rng));
    };
    expect(draw(123)).toEqual(draw(123));
    expect(draw(123)).not.toEqual(draw(124));
  });
});

describe('think and pace in scenarios', () => {
  const step = (text: string, i = 0): FlowStep => load(text).flows[0]!.steps[i]!;

  it('reads a fixed duration, a range, and { mean, dist, sd }', () => {
    expect(step(flowWith('250ms'))).toMatchObject({ thinkMs: 250 });
    expect(step(flowWith('250ms')).think).toBeUndefined();
    expect(step(flowWith('500ms..2s'))).toMatchObject({ thinkMs: 0, think: { dist: 'uniform', min: 500, max: 2000 } });
    expect(step(flowWith('1.5s..2s')).think).toEqual({ dist: 'uniform', min: 1500, max: 2000 });
    expect(step(flowWith('{ mean: 1s }')).think).toEqual({ dist: 'exponential', mean: 1000 });
    expect(step(flowWith('{ mean: 1s, dist: exponential }')).think).toEqual({ dist: 'exponential', mean: 1000 });
    expect(step(flowWith('{ mean: 1s, dist: normal, sd: 100ms }')).think).toEqual({ dist: 'normal', mean: 1000, sd: 100 });
  });

  it('a flow-level think is the default of its steps; a step think wins', () => {
    const s = load(flowWith('10ms', '    think: 1s..3s\n'));
    expect(s.flows[0]!.steps[0]!).toMatchObject({ thinkMs: 10 });
    expect(s.flows[0]!.steps[1]!.think).toEqual({ dist: 'uniform', min: 1000, max: 3000 });
  });

  it('reads pace on a flow', () => {
    const s = load('load:\n  - duration: 1s\nflows:\n  - pace: 2s\n    steps:\n      - path: /\n');
    expect(s.flows[0]!.paceMs).toBe(2000);
    expect(load(flowWith('0s')).flows[0]!.paceMs).toBeUndefined();
  });

  it('refuses bad think times and paces with their position', () => {
    expect(messages(flowWith('2s..1s'))).toEqual([expect.stringMatching(/^ERR_SCENARIO_VALUE 7:16 .*runs backwards/)]);
    expect(messages(flowWith('1s..soon'))).toEqual([expect.stringMatching(/^ERR_SCENARIO_VALUE 7:16 .*not a range of durations/)]);
    expect(messages(flowWith('{ mean: 1s, dist: gamma }'))).toEqual([expect.stringMatching(/ERR_SCENARIO_VALUE .*dist must be "exponential" or "normal"/)]);
    expect(messages(flowWith('{ mean: 1s, dist: normal }'))).toEqual([expect.stringMatching(/ERR_SCENARIO_MISSING .*needs "sd"/)]);
    expect(messages(flowWith('{ mean: 1s, sd: 1s }'))).toEqual([expect.stringMatching(/ERR_SCENARIO_VALUE .*sd applies to dist: normal only/)]);
    expect(messages(flowWith('{ dist: normal }'))).toEqual([expect.stringMatching(/ERR_SCENARIO_MISSING .*needs "mean"/)]);
    expect(messages(flowWith('{ mean: 1s, sigma: 1s }'))).toEqual([expect.stringMatching(/ERR_SCENARIO_UNKNOWN_KEY .*"sigma"/)]);
    expect(messages('load:\n  - duration: 1s\nflows:\n  - pace: 0s\n    steps:\n      - path: /\n')).toEqual([
      expect.stringMatching(/^ERR_SCENARIO_VALUE 4:11 flows\[0\]\.pace must be longer than 0/),
    ]);
  });

  it('reads seed from the file and from the override', () => {
    expect(load(`seed: 7\n${'load:\n  - duration: 1s\nrequests:\n  - path: /\n'}`).seed).toBe(7);
    expect(load('load:\n  - duration: 1s\nrequests:\n  - path: /\n', { overrides: { seed: 9 } }).seed).toBe(9);
    expect(messages('seed: -1\nload:\n  - duration: 1s\nrequests:\n  - path: /\n')).toEqual([expect.stringMatching(/^ERR_SCENARIO_VALUE 1:7 seed must be >= 0/)]);
  });
});
