// The open model against real servers on 127.0.0.1: exact arrival counts, and wrk2-style
// coordinated-omission correction (a stall shows in the latency from the schedule, not in the
// service time).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/engine/index.js';
import { scenario, startBundled, startNodeServer } from './helpers.js';

let url = '';
let stop: () => Promise<void>;

beforeAll(async () => {
  const s = await startBundled();
  url = s.url;
  stop = () => s.server.close(200);
});
afterAll(async () => stop());

describe('open model', () => {
  it('sends rate × duration requests (within 1%), one worker and two', async () => {
    for (const workers of [1, 2]) {
      const s = scenario(`
target: ${url}
client: { connections: 20, workers: ${workers} }
load:
  - rate: 200
    duration: 2s
requests:
  - path: /plaintext
`);
      const r = await runScenario(s);
      // The schedule is the rate's: 400 arrivals in 2 s.
      const sched = r.generator.schedule;
      // One connection behind a 500 ms stall may still owe a few arrivals at the phase end on a
      // loaded machine: those are `missed` (never sent), and sent + missed is the schedule.
      expect(sched.missed).toBeLessThanOrEqual(40);
      expect(r.summary.requests + sched.missed).toBeGreaterThanOrEqual(396);
      expect(r.summary.requests + sched.missed).toBeLessThanOrEqual(440);
      expect(r.summary.errors).toBe(0);
      expect(r.statusCounts).toEqual({ '200': r.summary.requests });
      expect(r.parts).toBe(workers);
      expect(r.generator.schedule.scheduled).toBe(400);
      expect(r.phases[0]!.details).toMatchObject({ model: 'open', sent: 400, missed: 0 });
      // The per-second series holds every request (the drain folded into the last second).
      expect(r.series.reduce((n, row) => n + row.requests, 0)).toBe(r.summary.requests);
      expect(r.series.map((row) => row.t)).toEqual([0, 1]);
    }
  });

  it('ramps on the same connections and sends the ramp integral', async () => {
    // 0 → 400 req/s over 2 s: 400 arrivals in all.
    const s = scenario(`
target: ${url}
client: { connections: 8 }
load:
  - rate: 0 -> 400 over 2s
requests:
  - path: /plaintext
`);
    const r = await runScenario(s);
    // Sent + missed (still owed at the phase end on a loaded machine) is the ramp's integral.
    expect(Math.abs(r.summary.requests + r.generator.schedule.missed - 400)).toBeLessThanOrEqual(4);
    expect(r.generator.schedule.missed).toBeLessThanOrEqual(60);
    expect(r.summary.errors).toBe(0);
  });

  it('corrects coordinated omission: a 500 ms stall shows from the schedule, not in service time', async () => {
    let n = 0;
    const target = await startNodeServer((_req, res) => {
      const stall = ++n === 60;
      const answer = (): void => void res.end('ok');
      if (stall) setTimeout(answer, 500);
      else answer();
    });
    try {
      const s = scenario(`
target: ${target.url}
client: { connections: 1 }
load:
  - rate: 200
    duration: 2s
requests:
  - path: /
`);
      const r = await runScenario(s);
      // The schedule is the rate's: 400 arrivals in 2 s.
      const sched = r.generator.schedule;
      // One connection behind a 500 ms stall may still owe a few arrivals at the phase end on a
      // loaded machine: those are `missed` (never sent), and sent + missed is the schedule.
      expect(sched.missed).toBeLessThanOrEqual(40);
      expect(r.summary.requests + sched.missed).toBeGreaterThanOrEqual(396);
      expect(r.summary.requests + sched.missed).toBeLessThanOrEqual(440);
      expect(r.summary.errors).toBe(0);
      // ~100 arrivals queued behind the stalled one: their latency counts from their schedule.
      expect(r.overall.latencyMs.p99_9).toBeGreaterThanOrEqual(400);
      expect(r.overall.latencyMs.p90).toBeGreaterThan(50);
      // Each of them was served quickly once sent: only the stalled exchange itself was slow.
      expect(r.overall.serviceMs.p99).toBeLessThan(100);
      expect(r.generator.schedule.backlogged).toBeGreaterThan(50);
    } finally {
      await target.close();
    }
  });
});
