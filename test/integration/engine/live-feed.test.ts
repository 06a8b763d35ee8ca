// The live feed (RunOptions.onLive, metrics/live-interval.ts): once per closed interval, every worker
// merged, cumulative counts per request / status / error code and the workers' health — and the
// last interval's counts agree with the final result. Without onLive the workers compute none of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/engine/index.js';
import type { LiveInterval } from '../../../src/metrics/live-interval.js';
import { LiveState } from '../../../src/report/live-state.js';
import type { FastbenchServer } from '../../../src/server/server.js';
import { scenario, startBundled } from './helpers.js';

let url = '';
let server: FastbenchServer;

beforeAll(async () => {
  const s = await startBundled();
  url = s.url;
  server = s.server;
});
afterAll(async () => {
  await server.close(200);
});

describe('live feed', () => {
  it('two workers, two requests: merged cumulative counts per request and status, health per worker, rows for the dashboard', async () => {
    const s = scenario(`
target: ${url}
interval: 250ms
client:
  workers: 2
load:
  - connections: 2
    duration: 1500ms
requests:
  - name: ok
    path: /plaintext
  - name: broken
    path: /status/503
`);
    const seen: LiveInterval[] = [];
    const state = new LiveState({ scenario: s.name, phases: s.phases });
    const r = await runScenario(s, { onLive: (i) => { seen.push(i); state.add(i); } });
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.map((i) => i.index)).toEqual(seen.map((_, k) => k));
    // every interval has both workers' health
    for (const i of seen) {
      expect(i.health).toHaveLength(2);
      for (const w of i.health) {
        expect(w.utilization).toBeGreaterThanOrEqual(0);
        expect(w.utilization).toBeLessThanOrEqual(1);
        expect(w.cpu).toBeGreaterThanOrEqual(0);
      }
    }
    const measured = seen.filter((i) => i.counts !== undefined);
    expect(measured.length).toBeGreaterThan(0);
    // cumulative: never decreasing
    const totals = measured.map((i) => i.counts!.reduce((a, c) => a + c.requests, 0));
    for (let k = 1; k < totals.length; k++) expect(totals[k]).toBeGreaterThanOrEqual(totals[k - 1]!);
    // The last interval's counts are the result's, request by request — but for the tail: one
    // worker's drain tick can land after the last merged interval, so a response or two of it may
    // be missing there (seen: 16763 of 16764). The dashboard and /metrics end on the result itself
    // (finishWith / finish), which tests of their own check exactly; here: never more than the
    // result, at most a couple of responses per worker fewer, and each status no more than its total.
    const last = measured.at(-1)!.counts!;
    for (const q of r.requests) {
      const c = last.find((x) => x.name === q.name)!;
      expect(c.requests).toBeLessThanOrEqual(q.requests);
      expect(c.requests).toBeGreaterThanOrEqual(q.requests - 4);
      for (const [status, n] of Object.entries(c.status)) expect(n).toBeLessThanOrEqual(q.statusCounts[status] ?? 0);
      for (const [status, n] of Object.entries(c.failedStatus)) expect(n).toBeLessThanOrEqual(q.errorsByStatus?.[status] ?? 0);
    }
    const broken = last.find((x) => x.name === 'broken')!;
    expect(broken.status['503']).toBeGreaterThan(0);
    expect(broken.failedStatus['503']).toBe(broken.status['503']);
    // the merged point carries the interval's histogram: the state's run histogram adds up to every latency
    expect(state.latency.count).toBe(r.histograms.overall.corrected.count);
    expect(state.rows.some((row) => (row.errors['status 503'] ?? 0) > 0)).toBe(true);
    expect(state.rows.every((row) => row.target === null)).toBe(true); // closed model: no target rate
    expect(state.rows.at(-1)!.loop).not.toBeNull();
  });

  it('an open phase: each row has the scheduled rate as its target', async () => {
    const s = scenario(`
target: ${url}
interval: 250ms
load:
  - rate: 40/s
    duration: 1s
    connections: 4
requests:
  - path: /plaintext
`);
    const state = new LiveState({ scenario: s.name, phases: s.phases });
    await runScenario(s, { onLive: (i) => state.add(i) });
    const open = state.rows.filter((row) => row.target !== null);
    expect(open.length).toBeGreaterThan(0);
    for (const row of open) expect(row.target).toBe(40);
  });

  it('without onLive the ticks carry no counts and no health (nothing computed when the outputs are off)', async () => {
    const s = scenario(`
target: ${url}
interval: 250ms
load:
  - connections: 1
    duration: 600ms
requests:
  - path: /plaintext
`);
    const { WorkerRun } = await import('../../../src/engine/worker-run.js');
    const ticks: unknown[] = [];
    const run = new WorkerRun({ scenario: s, workerIndex: 0, workerCount: 1, targetOrigins: [new URL(url).origin] }, (t) => ticks.push(t));
    await run.start(Date.now());
    expect(ticks.length).toBeGreaterThan(0);
    for (const t of ticks as { counts?: unknown; health?: unknown }[]) {
      expect(t.counts).toBeUndefined();
      expect(t.health).toBeUndefined();
    }
    const liveTicks: { counts?: unknown; health?: unknown; point?: unknown }[] = [];
    const live = new WorkerRun({ scenario: s, workerIndex: 0, workerCount: 1, targetOrigins: [new URL(url).origin], live: true }, (t) => liveTicks.push(t));
    await live.start(Date.now());
    expect(liveTicks.some((t) => t.counts !== undefined && t.health !== undefined)).toBe(true);
  });
});
