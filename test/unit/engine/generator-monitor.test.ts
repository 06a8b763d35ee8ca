// The loop-delay sampler, driven by an injected clock: the instants its timer fired.
import { describe, expect, it } from 'vitest';
import { LoopDelaySampler } from '../../../src/engine/generator-monitor.js';
import { judgeGenerator } from '../../../src/engine/generator-health.js';
import type { MonitorSample } from '../../../src/engine/generator-monitor.js';
import type { WorkerOutcome } from '../../../src/engine/worker-run.js';

/** A run of `ms` with the timer firing every period + `jitter` ms, and one stall of `stallMs` at `at`. */
function drive(s: LoopDelaySampler, ms: number, stallMs: number, at: number, jitter = 0.3): number {
  let t = 1000;
  s.begin(t);
  const end = t + ms;
  let stalled = false;
  while (t < end) {
    t += s.periodMs + jitter;
    if (!stalled && t >= 1000 + at) {
      t += stallMs; // the loop was busy: this fire comes stallMs late
      stalled = true;
    }
    s.fired(t);
  }
  return t;
}

function sample(s: LoopDelaySampler, wallMs: number): MonitorSample {
  return {
    delayP50Ms: s.percentileMs(50), delayP99Ms: s.percentileMs(99), delayMaxMs: s.maxMs, delaySamples: s.count,
    utilization: 0.4, cpu: 0.4, cpuPerThread: true, wallMs,
  };
}

function outcome(monitor: MonitorSample): WorkerOutcome {
  return {
    workerIndex: 0, snapshot: undefined as never, phases: [], requestSeries: {}, phaseEpochs: [], measuredStartEpochMs: 0,
    measuredMs: monitor.wallMs, interrupted: false, monitor,
  };
}

describe('loop-delay sampler', () => {
  it('records a quiet loop as its jitter', () => {
    const s = new LoopDelaySampler(10);
    drive(s, 2000, 0, Infinity);
    expect(s.count).toBeGreaterThan(150);
    expect(s.percentileMs(99)).toBeCloseTo(0.3, 1);
    expect(s.maxMs).toBeCloseTo(0.3, 1);
  });

  it('a 24 s stall among 30 s of ticks: max 24 s and p99 near it (one sample per swallowed tick)', () => {
    // perf_hooks' monitorEventLoopDelay saw this as 1 sample in ~600: p99 0.0 ms.
    const s = new LoopDelaySampler(10);
    drive(s, 30_000, 24_000, 3000);
    expect(s.maxMs).toBeGreaterThanOrEqual(24_000);
    expect(s.maxMs).toBeLessThan(24_010);
    expect(s.count).toBeGreaterThan(2900); // time-weighted: ~one sample per 10 ms of run, stall included
    expect(s.percentileMs(99)).toBeGreaterThan(20_000);
    expect(s.percentileMs(50)).toBeGreaterThan(1000);
    const h = judgeGenerator([outcome(sample(s, 30_000))]);
    expect(h.valid).toBe(false);
    expect(h.eventLoopDelayMs.max).toBeGreaterThanOrEqual(24_000);
  });

  it('a 400 ms stall in a 1.5 s run makes p99 ~400 ms and the run invalid', () => {
    const s = new LoopDelaySampler(10);
    drive(s, 1500, 400, 700);
    expect(s.maxMs).toBeGreaterThanOrEqual(400);
    expect(s.percentileMs(99)).toBeGreaterThan(300);
    const h = judgeGenerator([outcome(sample(s, 1500))]);
    expect(h.valid).toBe(false);
    expect(h.invalidReason).toMatch(/event-loop stalls: delay p99 3\d\d\.\d ms/);
  });

  it('a stall still under way when the monitor stops is recorded by end()', () => {
    const s = new LoopDelaySampler(10);
    const t = drive(s, 1000, 0, Infinity);
    s.end(t + 600); // the loop only now came back: no fire since t
    expect(s.maxMs).toBeGreaterThanOrEqual(590);
    const quiet = new LoopDelaySampler(10);
    const u = drive(quiet, 1000, 0, Infinity);
    quiet.end(u + 4); // the next tick is not even due: nothing to record
    expect(quiet.maxMs).toBeLessThan(1);
  });
});
