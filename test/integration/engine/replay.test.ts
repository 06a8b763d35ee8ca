// Replay (issue 16): a generated log with known, varied inter-arrival times is replayed against a
// node:http server that stamps each arrival with process.hrtime. The engine's schedule must be
// the log's exactly; what the server observes is bounded generously (a shared, loaded machine),
// and the measured p99 deviation is printed for the record.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/engine/index.js';
import type { PhaseRun } from '../../../src/engine/loop-types.js';
import { ReplaySchedule } from '../../../src/engine/replay-schedule.js';
import { planWorker } from '../../../src/engine/worker-plan.js';
import { loadScenario, type ReplayPhase, type Scenario } from '../../../src/scenario/index.js';
import { startNodeServer } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'fastbench-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 300;
/** Gaps from 0 to 19 ms in a fixed, uneven pattern (mean ~10 ms: ~3 s in all), some bursts of 0. */
function gapsMs(): number[] {
  const out: number[] = [];
  let x = 12345;
  for (let i = 0; i < N - 1; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(i % 37 === 0 ? 0 : x % 20);
  }
  return out;
}

function writeLog(): { file: string; offsets: number[] } {
  const offsets = [0];
  for (const g of gapsMs()) offsets.push(offsets[offsets.length - 1]! + g);
  const t0 = Date.UTC(2026, 11, 6, 7, 0, 0);
  const lines = offsets.map((o, i) => JSON.stringify({ ts: new Date(t0 + o).toISOString(), method: i % 10 === 0 ? 'POST' : 'GET', path: `/r/${i}`, status: 200 }));
  const file = join(dir, 'access.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return { file, offsets };
}

function scenarioFor(target: string, speed = '1x', connections = 32): Scenario {
  const yaml = join(dir, `replay-${speed}.yaml`);
  writeFileSync(yaml, `name: replay\ntarget: ${target}\nload:\n  - replay: access.jsonl\n    speed: ${speed}\n    connections: ${connections}\nrequests:\n  - name: replayed\n    path: /\n    headers: { X-Run: replay }\n`);
  return loadScenario(yaml, { processEnv: {} });
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

describe('replay', () => {
  const { offsets } = writeLog();

  it('the schedule is the log: every arrival due at its recorded offset, split exactly over workers', () => {
    const s = scenarioFor('http://127.0.0.1:1');
    const due: number[] = new Array(N);
    for (let w = 0; w < 3; w++) {
      const plan = planWorker(s, w, 3);
      const sched = new ReplaySchedule(plan.phases[0] as never, 10);
      const run = { scheduled: 0, late: 0, maxLagMs: 0, backlogged: 0, backlogMax: 0, missed: 0 } as PhaseRun;
      sched.begin(run, 1000);
      for (let at = sched.nextAt(0); at !== Infinity; at = sched.nextAt(0)) {
        const t = sched.take(at, false);
        due[sched.taken] = t - 1000;
      }
    }
    expect(due).toEqual(offsets);
    // speed 2x halves every offset
    const fast = scenarioFor('http://127.0.0.1:1', '2x').phases[0] as ReplayPhase;
    expect(fast.offsetsMs).toEqual(offsets.map((o) => o / 2));
  });

  it('sends each recorded request once, at its recorded time (server-side gaps within a generous bound)', async () => {
    const seen: { i: number; method: string; at: bigint; header: string | undefined }[] = [];
    const server = await startNodeServer((req, res) => {
      seen.push({ i: Number(req.url!.slice(3)), method: req.method!, at: process.hrtime.bigint(), header: req.headers['x-run'] as string | undefined });
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    try {
      const r = await runScenario(scenarioFor(server.url));
      expect(r.summary.requests).toBe(N);
      expect(r.summary.errors).toBe(0);
      expect(seen.map((x) => x.i).sort((a, b) => a - b)).toEqual(offsets.map((_, i) => i));
      expect(seen.every((x) => x.method === (x.i % 10 === 0 ? 'POST' : 'GET') && x.header === 'replay')).toBe(true);
      const details = r.phases[0]!.details;
      expect([details.model, details.scheduled, details.missed]).toEqual(['replay', N, 0]);
      // Observed arrival of request i (relative to request 0's) minus its log offset; less the median
      // of that (a constant: the first request also dialled its connection), it is the jitter.
      const byIndex = new Map(seen.map((x) => [x.i, x.at]));
      const t0 = byIndex.get(0)!;
      const lag = offsets.map((o, i) => Number(byIndex.get(i)! - t0) / 1e6 - o);
      const shift = percentile(lag, 50);
      const dev = lag.map((d) => Math.abs(d - shift));
      const p99 = percentile(dev, 99);
      console.log(`replay: server-side arrival deviation from the log over ${N} requests: p50 ${percentile(dev, 50).toFixed(3)} ms, p99 ${p99.toFixed(3)} ms, max ${Math.max(...dev).toFixed(3)} ms`);
      // Generous: on an idle machine p99 is ~1-3 ms, on this shared one stalls of 100-200 ms happen;
      // a replay that ignored the recorded gaps would be off by up to the log's 3 s span.
      expect(p99).toBeLessThan(1000);
    } finally {
      await server.close();
    }
  });

  it('is coordinated-omission correct: requests owed behind a stalled one count from their recorded time', async () => {
    // 60 requests 10 ms apart on one connection; the 5th stalls 200 ms: ~20 come due meanwhile.
    const lines = Array.from({ length: 60 }, (_, i) => JSON.stringify({ ts: 1733470000 + i * 0.01, path: `/s/${i}` }));
    writeFileSync(join(dir, 'stall.jsonl'), lines.join('\n') + '\n');
    const yaml = join(dir, 'stall.yaml');
    const target = await startNodeServer((req, res) => {
      if (req.url === '/s/4') setTimeout(() => void res.end('ok'), 200);
      else res.end('ok');
    });
    try {
      writeFileSync(yaml, `name: stall\ntarget: ${target.url}\nload:\n  - replay: stall.jsonl\n    connections: 1\nrequests: [{ path: / }]\n`);
      const r = await runScenario(loadScenario(yaml, { processEnv: {} }));
      const d = r.phases[0]!.details;
      // Every recorded request was sent, or is counted as missed (still owed at the phase end).
      expect(r.summary.requests + Number(d.missed)).toBe(60);
      expect(r.summary.errors).toBe(0);
      expect(r.generator.schedule.backlogged).toBeGreaterThanOrEqual(10);
      // Those that waited behind the stall count from their recorded time; once sent, each was quick.
      expect(r.overall.latencyMs.p90).toBeGreaterThanOrEqual(100);
      expect(r.overall.serviceMs.p90).toBeLessThan(100);
    } finally {
      await target.close();
    }
  });
});
