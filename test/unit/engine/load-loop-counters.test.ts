// The load loop's counters add up: driven on an injected clock (fake timers + performance.now)
// against an in-memory backend with a fixed service time, so an open schedule beyond the
// connections' capacity builds a backlog deterministically, with no sockets.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nowMs } from '../../../src/core/clock.js';
import { scheduleCounterProblems, scheduleHealth } from '../../../src/engine/generator-health.js';
import { LoadLoop } from '../../../src/engine/load-loop.js';
import type { LoopEnd, PhaseRun } from '../../../src/engine/loop-types.js';
import type { TargetClients } from '../../../src/engine/target-clients.js';
import { planWorker } from '../../../src/engine/worker-plan.js';
import { mergeSnapshots } from '../../../src/metrics/merge.js';
import { Recorder } from '../../../src/metrics/recorder.js';
import type { Snapshot } from '../../../src/metrics/snapshot.js';
import { parseScenario, type Scenario } from '../../../src/scenario/index.js';
import { memoryClients, restoreClock, useFakeClock } from './memory-clients.js';

function scenario(yaml: string): Scenario {
  return parseScenario(yaml, '/tmp/load-loop-counters.yaml', { processEnv: {} });
}

interface WorkerEnd {
  end: LoopEnd;
  snapshot: Snapshot;
}

/** Runs workers 0..count-1 of `s` side by side on the fake clock to their end. */
async function runWorkers(s: Scenario, count: number, clients: () => TargetClients, runMs: number): Promise<WorkerEnd[]> {
  const runs = [];
  for (let w = 0; w < count; w++) {
    const recorder = new Recorder({ requestNames: LoadLoop.requestNames(s) });
    const loop = new LoadLoop({ scenario: s, plan: planWorker(s, w, count), clients: clients(), recorder, hooks: { onInterval: () => undefined } });
    runs.push(loop.run(nowMs()).then((end) => ({ end, snapshot: recorder.snapshot() })));
  }
  await vi.advanceTimersByTimeAsync(runMs);
  return Promise.all(runs);
}

function measured(phases: readonly PhaseRun[]): PhaseRun[] {
  return phases.filter((p) => !p.warmup);
}

beforeEach(useFakeClock);
afterEach(restoreClock);

describe('load loop counters', () => {
  it('a schedule beyond capacity: every arrival waited once, at most that many at once, missed among them', async () => {
    // 1000 arrivals/s on 2 connections answering in 20 ms (100/s): most of the schedule goes unsent.
    const s = scenario(`
target: http://127.0.0.1:1
client: { connections: 2, timeout: 1s }
load:
  - rate: 1000
    duration: 1s
requests:
  - path: /
`);
    const [w] = await runWorkers(s, 1, () => memoryClients(20), 3000);
    const p = w!.end.phases[0]!;
    expect(p.scheduled).toBe(1000);
    expect(p.missed).toBeGreaterThan(800);
    // Before the fix: backlogged counted only the arrivals sent after waiting (~100) while
    // backlogMax counted every arrival owed (~900): "303727 waited (max 896059 at once)".
    expect(p.backlogMax).toBeLessThanOrEqual(p.backlogged);
    expect(p.missed).toBeLessThanOrEqual(p.backlogged);
    expect(p.backlogMax).toBeGreaterThanOrEqual(p.missed);
    expect(scheduleCounterProblems(p)).toEqual([]);
    // Every send of the measured phase was recorded (nothing hung).
    expect(p.sent).toBe(w!.snapshot.overall.requests);
    expect(p.abandoned).toBe(0);
  });

  it('merged over 2 workers the counters still add up; exchanges hung at the end are counted as abandoned', async () => {
    const s = scenario(`
target: http://127.0.0.1:1
client: { connections: 4, timeout: 200ms }
load:
  - name: warm
    warmup: true
    rate: 100
    duration: 300ms
  - rate: 600
    duration: 1s
requests:
  - path: /
`);
    // Exchanges sent in the last 20 ms never answer: still in flight after the drain, abandoned.
    const hangFrom = nowMs() + 300 + 980;
    const ends = await runWorkers(s, 2, () => memoryClients(15, hangFrom), 5000);
    for (const w of ends) for (const p of w.end.phases) expect(scheduleCounterProblems(p)).toEqual([]);
    const merged = mergeSnapshots(ends.map((w) => w.snapshot));
    const phases = ends.map((w) => measured(w.end.phases));
    const sent = phases.flat().reduce((n, p) => n + p.sent, 0);
    const abandoned = phases.flat().reduce((n, p) => n + p.abandoned, 0);
    expect(abandoned).toBeGreaterThan(0);
    // sent = recorded (responses + errors) + in flight when the run ended.
    expect(merged.overall.requests).toBe(merged.overall.responses + merged.overall.errors);
    expect(sent).toBe(merged.overall.requests + abandoned);
    const health = scheduleHealth(phases);
    expect(health.scheduled).toBe(600);
    expect(health.missed).toBeGreaterThan(0);
    expect(scheduleCounterProblems(health)).toEqual([]);
    expect(health.backlogMax).toBeLessThanOrEqual(health.backlogged);
  });

  it('closed model: sent = recorded + abandoned, per worker and merged', async () => {
    const s = scenario(`
target: http://127.0.0.1:1
client: { connections: 4, timeout: 200ms }
load:
  - connections: 4
    duration: 500ms
requests:
  - path: /
`);
    const ends = await runWorkers(s, 2, () => memoryClients(5, nowMs() + 480), 3000);
    let abandoned = 0;
    for (const w of ends) {
      const p = w.end.phases[0]!;
      expect(scheduleCounterProblems(p)).toEqual([]);
      expect(p.sent).toBe(w.snapshot.overall.requests + p.abandoned);
      abandoned += p.abandoned;
    }
    expect(abandoned).toBe(4); // every connection hung at the end
    const merged = mergeSnapshots(ends.map((w) => w.snapshot));
    expect(ends.reduce((n, w) => n + w.end.phases[0]!.sent, 0)).toBe(merged.overall.requests + abandoned);
  });
});
