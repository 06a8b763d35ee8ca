// A new load model plugs into THE load loop through the arrival-schedule seam alone: a replay of
// recorded arrival instants (a TimedSchedule subclass written here, in the test) is handed to an
// unmodified LoadLoop through LoopOptions.schedules and driven on the fake clock against the
// in-memory backend. The loop sends exactly the replayed arrivals at their times, corrects each
// latency from the intended send time, counts the backlog, and splits the replay across workers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nowMs } from '../../../src/core/clock.js';
import type { ArrivalSchedule, ScheduleFactory } from '../../../src/engine/arrival-schedule.js';
import { scheduleCounterProblems } from '../../../src/engine/generator-health.js';
import { LoadLoop } from '../../../src/engine/load-loop.js';
import type { LoopEnd } from '../../../src/engine/loop-types.js';
import { TimedSchedule } from '../../../src/engine/timed-schedule.js';
import { planWorker, type WorkerPhase } from '../../../src/engine/worker-plan.js';
import { Recorder } from '../../../src/metrics/recorder.js';
import { parseScenario, type Scenario } from '../../../src/scenario/index.js';
import { memoryClients, restoreClock, useFakeClock } from './memory-clients.js';

/** Replays arrivals at fixed offsets (ms from the phase start, ascending) — the whole test model. */
class ReplaySchedule extends TimedSchedule {
  constructor(
    phase: WorkerPhase,
    slipMs: number,
    private readonly atMs: readonly number[],
  ) {
    super(phase, slipMs);
  }

  protected arrivalMs(k: number): number {
    return k < this.atMs.length ? this.atMs[k]! : Infinity;
  }

  protected arrivalsBefore(tMs: number): number {
    let n = 0;
    while (n < this.atMs.length && this.atMs[n]! < tMs) n++;
    return n;
  }
}

/** Inter-arrival gaps → arrival offsets. */
function fromGaps(gaps: readonly number[]): number[] {
  let t = 0;
  return gaps.map((g) => (t += g));
}

/** A Recorder that also keeps every sample it is given, in order. */
class KeepingRecorder extends Recorder {
  readonly samples: Array<{ correctedMs: number; serviceMs: number }> = [];

  override record(reqIndex: number, correctedUs: number, serviceUs: number, status: number, bytesIn: number, bytesOut = 0, failure = 0): void {
    this.samples.push({ correctedMs: correctedUs / 1000, serviceMs: serviceUs / 1000 });
    super.record(reqIndex, correctedUs, serviceUs, status, bytesIn, bytesOut, failure);
  }
}

function scenario(yaml: string): Scenario {
  return parseScenario(yaml, '/tmp/load-schedule.yaml', { processEnv: {} });
}

interface Run {
  end: LoopEnd;
  recorder: KeepingRecorder;
  /** Dispatch instants, ms from the run start. */
  sends: number[];
  built: ArrivalSchedule[];
}

/** Runs workers 0..count-1 of `s` on the fake clock with the replay schedule for every phase. */
async function runReplay(s: Scenario, atMs: readonly number[], serviceMs: number, count = 1): Promise<Run[]> {
  const t0 = nowMs();
  const runs: Promise<Run>[] = [];
  for (let w = 0; w < count; w++) {
    const recorder = new KeepingRecorder({ requestNames: LoadLoop.requestNames(s) });
    const sends: number[] = [];
    const built: ArrivalSchedule[] = [];
    const schedules: ScheduleFactory = (phase, slipMs) => {
      const sched = new ReplaySchedule(phase, slipMs, atMs);
      built.push(sched);
      return sched;
    };
    const loop = new LoadLoop({ scenario: s, plan: planWorker(s, w, count), clients: memoryClients(serviceMs, Infinity, sends), recorder, hooks: { onInterval: () => undefined }, schedules });
    runs.push(loop.run(t0).then((end) => ({ end, recorder, sends: sends.map((t) => t - t0), built })));
  }
  await vi.advanceTimersByTimeAsync(2000);
  return Promise.all(runs);
}

beforeEach(useFakeClock);
afterEach(restoreClock);

describe('a fake arrival schedule through the load loop', () => {
  const s = scenario(`
target: http://127.0.0.1:1
client: { connections: 1, timeout: 1s }
load:
  - connections: 1
    duration: 500ms
requests:
  - path: /
`);

  it('sends exactly the replayed arrivals, each latency counted from its intended time', async () => {
    // Gaps 0,10,20,5,65,150 → arrivals at 0,10,30,35,100,250 ms; the last (600 ms) lies past the
    // phase end and is never due. One connection answering in 20 ms: arrivals 1..3 queue behind
    // the one in flight and leave as it frees up (at 20, 40, 60 ms).
    const atMs = [...fromGaps([0, 10, 20, 5, 65, 150]), 600];
    const [run] = await runReplay(s, atMs, 20);
    const { end, recorder, sends, built } = run!;
    expect(built.length).toBe(1); // one schedule for the one phase, not one per arrival
    expect(sends).toEqual([0, 20, 40, 60, 100, 250]);
    // Corrected latency = response time - intended time; service = response time - actual send.
    expect(recorder.samples.map((x) => x.correctedMs)).toEqual([20, 30, 30, 45, 20, 20]);
    expect(recorder.samples.map((x) => x.serviceMs)).toEqual([20, 20, 20, 20, 20, 20]);
    const p = end.phases[0]!;
    expect(p).toMatchObject({ timed: true, scheduled: 6, iterations: 6, sent: 6, backlogged: 3, backlogMax: 2, missed: 0, late: 0 });
    expect(scheduleCounterProblems(p)).toEqual([]);
  });

  it('counts what is still owed at the phase end as missed', async () => {
    const short = scenario(`
target: http://127.0.0.1:1
client: { connections: 1, timeout: 1s }
load: { connections: 1, duration: 50ms }
requests:
  - path: /
`);
    // The one connection answers in 100 ms: arrivals at 5 and 10 ms are owed until the end (50 ms).
    const [run] = await runReplay(short, [0, 5, 10], 100);
    expect(run!.sends).toEqual([0]);
    const p = run!.end.phases[0]!;
    expect(p).toMatchObject({ scheduled: 3, iterations: 1, missed: 2, backlogged: 2, backlogMax: 2 });
    expect(scheduleCounterProblems(p)).toEqual([]);
  });

  it('splits the replay across workers: each arrival sent once, by one worker, at its own time', async () => {
    const two = scenario(`
target: http://127.0.0.1:1
client: { connections: 2, timeout: 1s }
load: { connections: 2, duration: 500ms }
requests:
  - path: /
`);
    const atMs = [0, 7, 20, 33, 41, 90, 300];
    const runs = await runReplay(two, atMs, 3, 2);
    expect(runs[0]!.sends).toEqual([0, 20, 41, 300]);
    expect(runs[1]!.sends).toEqual([7, 33, 90]);
    for (const r of runs) {
      expect(r.recorder.samples.every((x) => x.correctedMs === 3)).toBe(true);
      expect(scheduleCounterProblems(r.end.phases[0]!)).toEqual([]);
    }
    expect(runs.reduce((n, r) => n + r.end.phases[0]!.scheduled, 0)).toBe(atMs.length);
  });
});
