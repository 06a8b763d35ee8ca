import { describe, expect, it } from 'vitest';
import type { OpenPhase, Phase } from '../../../src/scenario/index.js';
import { applyOverrides, expectedSends, parseRamp, parseRate, phaseConnections, phaseDurationMs, plannedSends, rateAt, scheduledBefore, sendTimeMs } from '../../../src/scenario/index.js';
import { load, problems } from './helpers.js';

const REQ = 'requests:\n  - path: /\n';
function phases(loadYaml: string): Phase[] {
  return [...load(`load:\n${loadYaml}${REQ}`).phases];
}
function open(loadYaml: string): OpenPhase {
  const p = phases(loadYaml)[0]!;
  if (p.model !== 'open') throw new Error('expected an open phase');
  return p;
}

describe('rates and ramps (text)', () => {
  it('parses rates', () => {
    expect(parseRate(100)).toBe(100);
    expect(parseRate('100')).toBe(100);
    expect(parseRate('100/s')).toBe(100);
    expect(parseRate('6000/m')).toBe(100);
    expect(parseRate('2.5')).toBe(2.5);
    expect(parseRate('-1')).toBeUndefined();
    expect(parseRate('fast')).toBeUndefined();
  });

  it('parses one-line ramps', () => {
    expect(parseRamp('100 -> 5000 over 2m')).toEqual({ from: 100, to: 5000, overMs: 120_000 });
    expect(parseRamp('100/s → 50/s')).toEqual({ from: 100, to: 50, overMs: undefined });
    expect(parseRamp('1000')).toBeUndefined();
    expect(parseRamp('x -> 5')).toMatch(/not a rate/);
    expect(parseRamp('1 -> 5 over soon')).toMatch(/not a duration/);
  });
});

describe('load phases', () => {
  it('reads a closed phase, defaulting connections to client.connections', () => {
    const [p] = phases('  - duration: 10s\n');
    expect(p).toMatchObject({ model: 'closed', connections: 10, durationMs: 10_000, warmup: false, name: 'phase 1' });
    const s = load(`client: {connections: 7}\nload: {duration: 2s}\n${REQ}`);
    expect(s.phases[0]).toMatchObject({ model: 'closed', connections: 7, durationMs: 2000 });
  });

  it('accepts iterations and requests as stop conditions, and warmup phases', () => {
    const ps = phases('  - {connections: 2, iterations: 100, warmup: true}\n  - {connections: 3, requests: 5000, name: main}\n');
    expect(ps[0]).toMatchObject({ warmup: true, iterations: 100, durationMs: undefined, name: 'warmup 1' });
    expect(ps[1]).toMatchObject({ warmup: false, requests: 5000, connections: 3, name: 'main' });
  });

  it('reads constant, ramp and rampTo open phases', () => {
    expect(open('  - rate: 1000\n    duration: 1m\n')).toMatchObject({ shape: 'constant', durationMs: 60_000, segments: [{ startMs: 0, endMs: 60_000, from: 1000, to: 1000 }] });
    expect(open('  - rate: 100 -> 5000 over 2m\n')).toMatchObject({ shape: 'ramp', durationMs: 120_000, segments: [{ from: 100, to: 5000 }] });
    expect(open('  - {rate: 100, rampTo: 5000, duration: 2m}\n')).toMatchObject({ shape: 'ramp', durationMs: 120_000, segments: [{ from: 100, to: 5000 }] });
    expect(open('  - {rate: 10 -> 20, duration: 1s}\n')).toMatchObject({ durationMs: 1000, segments: [{ from: 10, to: 20 }] });
    expect(open('  - {rate: 50, requests: 1000}\n')).toMatchObject({ durationMs: undefined, requests: 1000, segments: [{ endMs: Infinity }] });
    expect(open('  - {rate: 50, duration: 1s, connections: 3}\n').maxConnections).toBe(3);
  });

  it('reads stairs: every level held for `every`, the last level exactly `to`', () => {
    const p = open('  - stairs: {from: 100, to: 350, step: 100, every: 10s}\n');
    expect(p.shape).toBe('stairs');
    expect(p.segments.map((s) => [s.startMs, s.endMs, s.from])).toEqual([
      [0, 10_000, 100],
      [10_000, 20_000, 200],
      [20_000, 30_000, 300],
      [30_000, 40_000, 350],
    ]);
    expect(p.durationMs).toBe(40_000);
    const down = open('  - stairs: {from: 300, to: 100, step: 100, every: 1s}\n');
    expect(down.segments.map((s) => s.from)).toEqual([300, 200, 100]);
    const hold = open('  - stairs: {from: 1, to: 2, step: 1, every: 1s}\n    duration: 5s\n');
    expect(hold.segments.map((s) => [s.startMs, s.endMs])).toEqual([[0, 1000], [1000, 5000]]);
  });

  it('answers connections and planned length for any model (what the worker plan splits)', () => {
    const ps = phases('  - {connections: 3, duration: 2s}\n  - {rate: 50, connections: 4, requests: 10}\n  - stairs: {from: 1, to: 2, step: 1, every: 1s}\n');
    expect(ps.map(phaseConnections)).toEqual([3, 4, 10]);
    expect(ps.map(phaseDurationMs)).toEqual([2000, Infinity, 2000]);
    // A hand-built open phase without a duration ends with its rate curve.
    const o = open('  - {rate: 10 -> 20, duration: 1s}\n');
    expect(phaseDurationMs({ ...o, durationMs: undefined })).toBe(1000);
  });

  it('reports bad phases with positions', () => {
    const txt = (l: string): string[] => problems(`load:\n${l}${REQ}`);
    expect(txt('  - connections: 5\n')).toEqual(['ERR_SCENARIO_MISSING 2:5']);
    expect(txt('  - {rate: fast, duration: 1s}\n')).toEqual(['ERR_SCENARIO_VALUE 2:12']);
    expect(txt('  - rate: 1 -> 2\n')).toEqual(['ERR_SCENARIO_MISSING 2:11']);
    expect(txt('  - {rampTo: 5, duration: 1s}\n')).toEqual(['ERR_SCENARIO_VALUE 2:6']);
    expect(txt('  - {rate: 5, stairs: {from: 1, to: 2, step: 1, every: 1s}}\n')).toEqual(['ERR_SCENARIO_VALUE 2:15']);
    expect(txt('  - {rate: 1 -> 2 over 1s, duration: 2s}\n')).toEqual(['ERR_SCENARIO_VALUE 2:38']);
    expect(txt('  - stairs: {from: 1, to: 5, step: 0, every: 1s}\n')).toEqual(['ERR_SCENARIO_VALUE 2:36']);
    expect(txt('  - stairs: {from: 1, to: 5, step: 1}\n')).toEqual(['ERR_SCENARIO_MISSING 2:13']);
    expect(txt('  - stairs: {from: 1, to: 3, step: 1, every: 1s}\n    duration: 2s\n')).toEqual(['ERR_SCENARIO_VALUE 3:15']);
    expect(txt('  - {duration: 10, connections: 1}\n')).toEqual(['ERR_SCENARIO_VALUE 2:16']);
    expect(txt('  - {duration: 10 seconds}\n')).toEqual(['ERR_SCENARIO_VALUE 2:16']);
    expect(txt('  - {duration: 0s}\n')).toEqual(['ERR_SCENARIO_VALUE 2:16']);
    expect(txt('  - {duration: 1s, connections: 0}\n')).toEqual(['ERR_SCENARIO_VALUE 2:33']);
    expect(txt('  - {duration: 1s, iterations: 1.5}\n')).toEqual(['ERR_SCENARIO_VALUE 2:32']);
    expect(txt('  - {duration: 1s, warmup: yes}\n')).toEqual(['ERR_SCENARIO_TYPE 2:28']);
    expect(txt('  - {duration: 1s, warmup: true}\n')).toEqual(['ERR_SCENARIO_VALUE 2:3']);
    expect(txt('  []\n')).toEqual(['ERR_SCENARIO_VALUE 2:3']);
    expect(txt('  - {durration: 1s}\n')).toEqual(['ERR_SCENARIO_MISSING 2:5', 'ERR_SCENARIO_UNKNOWN_KEY 2:6']);
  });
});

describe('open-model schedule', () => {
  it('constant rate: rateAt, exact integral and counts', () => {
    const p = open('  - {rate: 1000, duration: 10s}\n');
    expect(rateAt(p, 0)).toBe(1000);
    expect(rateAt(p, 9999)).toBe(1000);
    expect(rateAt(p, 10_000)).toBe(0);
    expect(rateAt(p, -1)).toBe(0);
    expect(scheduledBefore(p, 0)).toBe(0);
    expect(scheduledBefore(p, 0.5)).toBe(1); // the first send is due at t = 0
    expect(scheduledBefore(p, 1)).toBe(1);
    expect(scheduledBefore(p, 1.0001)).toBe(2);
    expect(scheduledBefore(p, 10_000)).toBe(10_000);
    expect(scheduledBefore(p, 99_999)).toBe(10_000);
    expect(plannedSends(p)).toBe(10_000);
    expect(sendTimeMs(p, 0)).toBe(0);
    expect(sendTimeMs(p, 1234)).toBeCloseTo(1234, 9);
    expect(sendTimeMs(p, 10_000)).toBe(Infinity);
  });

  it('linear ramp: rate interpolates, the integral is the trapezoid', () => {
    const p = open('  - rate: 100 -> 5000 over 2m\n');
    expect(rateAt(p, 0)).toBe(100);
    expect(rateAt(p, 60_000)).toBeCloseTo(2550, 9);
    expect(rateAt(p, 119_999)).toBeCloseTo(5000, 0);
    // ∫ (100 + 4900 t/120000) dt / 1000 over 2 minutes = (100 + 5000)/2 × 120
    expect(expectedSends(p, 120_000)).toBeCloseTo(306_000, 6);
    expect(expectedSends(p, 60_000)).toBeCloseTo((100 + 2550) / 2 * 60, 6);
    expect(plannedSends(p)).toBe(306_000);
    for (const t of [1, 999, 12_345, 60_000, 100_001]) {
      const exact = expectedSends(p, t);
      expect(Math.abs(scheduledBefore(p, t) - exact)).toBeLessThan(1);
    }
  });

  it('scheduled count is within 1 of rate × duration, for many rates and durations', () => {
    for (const rate of [1, 7, 33.3, 1000, 12_345]) {
      for (const ms of [1, 17, 1000, 2500, 61_000]) {
        const p = open(`  - {rate: ${rate}, duration: ${ms}ms}\n`);
        expect(Math.abs(plannedSends(p) - (rate * ms) / 1000)).toBeLessThan(1);
      }
    }
  });

  it('sendTimeMs inverts scheduledBefore on ramps, downward ramps, ramps from 0 and stairs', () => {
    const shapes = [
      '  - rate: 0 -> 1000 over 5s\n',
      '  - rate: 3000 -> 10 over 3s\n',
      '  - rate: 100 -> 5000 over 2m\n',
      '  - stairs: {from: 100, to: 1000, step: 300, every: 1s}\n',
    ];
    for (const shape of shapes) {
      const p = open(shape);
      const total = plannedSends(p);
      let prev = -1;
      for (let k = 0; k < total; k += Math.max(1, Math.floor(total / 97))) {
        const t = sendTimeMs(p, k);
        expect(t).toBeGreaterThanOrEqual(prev);
        prev = t;
        expect(scheduledBefore(p, t)).toBe(k);
        expect(scheduledBefore(p, t + 0.01)).toBe(k + 1);
      }
      expect(sendTimeMs(p, total)).toBe(Infinity);
    }
  });

  it('stairs: rate per level and the integral across levels', () => {
    const p = open('  - stairs: {from: 100, to: 300, step: 100, every: 10s}\n');
    expect(rateAt(p, 5_000)).toBe(100);
    expect(rateAt(p, 10_000)).toBe(200);
    expect(rateAt(p, 29_999)).toBe(300);
    expect(rateAt(p, 30_000)).toBe(0);
    expect(p.cumulative).toEqual([0, 1000, 3000]);
    expect(scheduledBefore(p, 15_000)).toBe(2000);
    expect(plannedSends(p)).toBe(6000);
  });

  it('an unbounded constant rate (stopped by requests) has no end', () => {
    const p = open('  - {rate: 50, requests: 10}\n');
    expect(plannedSends(p)).toBe(Infinity);
    expect(scheduledBefore(p, 1000)).toBe(50);
    expect(sendTimeMs(p, 10)).toBeCloseTo(200, 9);
  });
});

describe('overrides', () => {
  const base = (): ReturnType<typeof load> =>
    load(`load:\n  - {warmup: true, duration: 1s, connections: 2}\n  - {rate: 10 -> 20 over 10s}\n  - {duration: 5s, connections: 4}\n${REQ}`);

  it('duration stretches measured phases and leaves warmups alone', () => {
    const s = applyOverrides(base(), { duration: '20s' });
    expect(s.phases.map((p) => p.durationMs)).toEqual([1000, 20_000, 20_000]);
    const ramp = s.phases[1] as OpenPhase;
    expect(ramp.segments).toEqual([{ startMs: 0, endMs: 20_000, from: 10, to: 20 }]);
    expect(plannedSends(ramp)).toBe(300);
  });

  it('connections, rate and workers', () => {
    const s = applyOverrides(base(), { connections: 9, rate: 500, workers: 3 });
    expect(s.client).toMatchObject({ connections: 9, workers: 3 });
    expect(s.phases[0]).toMatchObject({ model: 'closed', connections: 9 });
    expect(s.phases[1]).toMatchObject({ model: 'open', shape: 'constant', maxConnections: 9 });
    expect(s.phases[2]).toMatchObject({ model: 'open', shape: 'constant', durationMs: 5000, maxConnections: 9 });
    expect(plannedSends(s.phases[2] as OpenPhase)).toBe(2500);
  });

  it('are applied by the loader, and bad values are usage errors', () => {
    const s = load(`load: {duration: 1s}\n${REQ}`, { overrides: { duration: 3000, connections: 2 } });
    expect(s.phases[0]).toMatchObject({ durationMs: 3000, connections: 2 });
    expect(() => applyOverrides(base(), { duration: 'soon' })).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_DURATION' }));
    expect(() => applyOverrides(base(), { connections: 0 })).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION' }));
    expect(() => applyOverrides(base(), { rate: -5 })).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION' }));
  });
});
