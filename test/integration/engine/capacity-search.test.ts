// issue 18: the capacity search finds the bundled server's configured capacity (`fastbench serve
// --capacity 200/s`) within 10 %; and `fastbench find` refuses bad input with exit 2.
//
// The SLO is `errors < 1%` with a small server queue (--capacity-queue 40, 200 ms of work): past
// the capacity the queue fills within a 3 s step and the server answers 503 (about 8 % over the
// capacity is enough), while a stall of either process shorter than the queue costs nothing. A low
// capacity keeps both processes light, so the crowded machine's scheduler stalls them less
// (observed knees: 193-195/s for 200/s, in 24-28 s). A latency SLO would be judged through the crowded test machine's own stalls
// (~100 ms event-loop stalls at a load of 20 on 2 cores), so this test leaves latency SLOs to the
// unit tests (test/unit/engine/capacity-search.test.ts), and relaxes the generator veto the same
// way: the veto is unit-tested there; here it must not fire on a machine that is merely crowded.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSearch } from '../../../src/engine/index.js';
import { renderJson } from '../../../src/report/json-report.js';
import { checkRunResult } from '../../../src/report/result-file.js';
import { parseScenario } from '../../../src/scenario/index.js';
import { FASTBENCH_BIN, runCli } from '../../helpers/cli.js';

const CAPACITY = 200;
const built = existsSync(new URL('../../../dist/cli/main.js', import.meta.url));
let server: ChildProcess | undefined;
let url = '';

function startServer(): Promise<string> {
  const child = spawn(process.execPath, [FASTBENCH_BIN, 'serve', '--port', '0', '--quiet', '--capacity', `${CAPACITY}/s`, '--capacity-queue', '40'], { stdio: ['ignore', 'pipe', 'pipe'] });
  server = child;
  let out = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no URL from fastbench serve within 15 s')), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += String(d);
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(t);
        resolve(out.slice(0, nl));
      }
    });
  });
}

describe.skipIf(!built)('capacity search against `fastbench serve --capacity`', () => {
  beforeAll(async () => {
    url = await startServer();
  }, 20_000);
  afterAll(() => {
    server?.kill('SIGTERM');
  });

  it('finds the configured capacity within 10 %, confirmed, with every step reported', async () => {
    const scenario = parseScenario(
      [
        'name: capacity',
        `target: ${url}`,
        'client: { connections: 300, timeout: 2s }',
        'load:',
        '  - search: { slo: [errors < 1%], from: 120/s, to: 20000/s, step: 2x, stepDuration: 3s, hold: 3s, tolerance: 8%, maxDuration: 40s }',
        'requests:',
        '  - path: /json',
      ].join('\n'),
      'capacity.yaml',
    );
    const lenient = { maxLateShare: 1, maxDelayP99Ms: 10_000, maxStallMs: 10_000, maxUtilization: 1, maxMissedShare: 1 };
    const result = await runSearch(scenario, { healthLimits: lenient });
    const s = result.search;
    const lines = s.steps.map((st) => `${st.kind} ${st.offeredRps}/s → ${st.achievedRps}/s p99 ${st.p99Ms} errors ${st.errorRate} ${st.verdict}`);
    expect(s.knee, lines.join('\n')).toBeDefined();
    const knee = s.knee!;
    expect(knee.rate, lines.join('\n')).toBeGreaterThanOrEqual(CAPACITY * 0.9);
    expect(knee.rate, lines.join('\n')).toBeLessThanOrEqual(CAPACITY * 1.1);
    expect(knee.low).toBeLessThanOrEqual(knee.rate);
    expect(knee.high).toBeGreaterThan(knee.rate);
    expect(s.ended).toBe('converged');
    expect(s.confirmed).toBe(true);
    // climbed from 120/s ×2, failed above the capacity, bisected, confirmed at the knee
    expect(s.steps.slice(0, 2).map((st) => [st.kind, st.offeredRps, st.verdict])).toEqual([['climb', 120, 'pass'], ['climb', 240, 'fail']]);
    expect(s.steps.some((st) => st.kind === 'bisect')).toBe(true);
    expect(s.steps.at(-1)).toMatchObject({ kind: 'confirm', offeredRps: knee.rate, verdict: 'pass' });
    // a failing step above the capacity failed by the server's 503s
    const failed = s.steps.find((st) => st.verdict === 'fail')!;
    expect(failed.offeredRps).toBeGreaterThan(CAPACITY);
    expect(failed.errorRate).toBeGreaterThanOrEqual(0.01);
    expect(s.elapsedMs).toBeLessThanOrEqual(40_000 + 5_000);
    // the usual result beside it: the confirmation run, valid, and schema-true with `search`
    expect(result.valid).toBe(true);
    expect(result.phases.map((p) => p.kind)).toEqual(['warmup', 'open']);
    const doc = JSON.parse(renderJson(result)) as { search: { knee: unknown; steps: unknown[] } };
    expect(checkRunResult(doc)).toEqual([]);
    expect(doc.search.knee).toEqual(knee);
    // the server counted what it refused
    const stats = (await (await fetch(`${url}/__stats`)).json()) as { capacity: { rate: number; rejected: number; delayed: number } };
    expect(stats.capacity.rate).toBe(CAPACITY);
    expect(stats.capacity.rejected).toBeGreaterThan(0);
    expect(stats.capacity.delayed).toBeGreaterThan(0);
  }, 90_000);
});

describe.skipIf(!built)('fastbench find: bad input exits 2 before sending anything', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fastbench-find-'));
  const plain = join(dir, 'plain.yaml');
  writeFileSync(plain, 'name: plain\ntarget: http://127.0.0.1:9\nload: { connections: 1, duration: 1s }\nrequests: [{ path: / }]\n');
  const badSearch = join(dir, 'bad.yaml');
  writeFileSync(badSearch, 'name: bad\ntarget: http://127.0.0.1:9\nload:\n  - search: { slo: [p99 < 50ms over 10s windows], from: 100/s, to: 50/s }\nrequests: [{ path: / }]\n');

  it('a scenario without a search item and no --slo: ERR_SEARCH_SPEC', async () => {
    const r = await runCli(['find', plain]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error[ERR_SEARCH_SPEC]');
    expect(r.stderr).toContain('--slo');
  });

  it('a bad search item: every problem with its position', async () => {
    const r = await runCli(['find', badSearch]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error\[ERR_SCENARIO_THRESHOLD\].*window/);
    expect(r.stderr).toMatch(/error\[ERR_SCENARIO_VALUE\].*to \(50\/s\) is below from/);
  });

  it('`run` on a search scenario refuses the flags of fixed phases', async () => {
    const ok = join(dir, 'ok.yaml');
    writeFileSync(ok, 'name: ok\ntarget: http://127.0.0.1:9\nload:\n  - search: { slo: [p99 < 50ms], from: 100/s, to: 200/s }\nrequests: [{ path: / }]\n');
    const r = await runCli(['run', ok, '-d', '5s']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--duration does not apply to a capacity search');
    const v = await runCli(['validate', ok]);
    expect(v.stdout).toBe('ok: ok (a capacity search, 1 requests)\n');
  });

  it('more connections than the machine allows: refused as `run` refuses them', async () => {
    const r = await runCli(['find', plain, '--slo', 'p99 < 10ms', '--to', '1000/s', '-c', '100000000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error\[ERR_LIMIT_[A-Z_]+\]/);
    expect(r.stderr).toContain('nothing was sent');
  });

  it('a bad flag: --step 1x', async () => {
    const r = await runCli(['find', plain, '--slo', 'p99 < 10ms', '--to', '1000/s', '--step', '1x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--step');
  });
});
