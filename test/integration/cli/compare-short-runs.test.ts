// `fastbench compare` on two real short runs of one scenario (issue 11): 3 s against /json, 3 s
// against /delay/2 on the bundled server. Three one-second intervals a side are too few for the
// noise test (a U test of 3 vs 3 cannot reach p < 0.01), which used to call +3000% "noise" and
// exit 0. Compare must fail closed: judged on the point estimate against the tolerance, exit 1.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fastbench-compare-short-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCENARIO = `name: short-compare
target: builtin
client:
  connections: 2
load:
  - duration: 3s
requests:
  - name: one
    path: "{{env.TARGET_PATH}}"
`;

const fastbench = (args: string[]) => runCli(args, { cwd: dir, timeoutMs: 60_000 });

describe('fastbench compare on short real runs', () => {
  beforeAll(async () => {
    writeFileSync(join(dir, 'short.yaml'), SCENARIO);
    for (const [name, path, more] of [['fast', '/json', []], ['slow', '/delay/2', []], ['fast-250', '/json', ['--interval', '250ms']], ['slow-250', '/delay/2', ['--interval', '250ms']]] as const) {
      // exit 3 (the generator was the bottleneck on a busy machine) still writes a full result
      const r = await fastbench(['run', 'short.yaml', '-e', `TARGET_PATH=${path}`, ...more, '--json', '--quiet']);
      expect([0, 3], r.stderr).toContain(r.code);
      writeFileSync(join(dir, `${name}.json`), r.stdout);
    }
  }, 120_000);

  it('fails closed: /json → /delay/2 is a regression decided without a noise test, exit 1', async () => {
    const r = await fastbench(['compare', 'fast.json', 'slow.json']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^overall\s+p50\s+.*\s+regression \(no noise test\)\s+—\s+\d+\/\d+\s+FAIL \(> 10%\)$/m);
    expect(r.stdout).toMatch(/^overall\s+rps\s+.*\s+regression \(no noise test\)\s+—\s+\d+\/\d+\s+FAIL \(> 5%\)$/m);
    expect(r.stdout).toMatch(/^note: overall p50.*: decided without a noise test: \d vs \d intervals of 1 s a side, the noise test needs ≥ 5 a side \(measure ≥ 5 s a side/m);
    expect(r.stdout).toMatch(/^FAIL: /m);
    expect(r.stdout).not.toMatch(/^PASS/m);
    const json = await fastbench(['compare', 'fast.json', 'slow.json', '--json']);
    expect(json.code).toBe(1);
    const c = JSON.parse(json.stdout) as { failed: boolean; rows: Array<{ metric: string; verdict: string; basis: string; gate: string }> };
    expect(c.failed).toBe(true);
    expect(c.rows.find((row) => row.metric === 'p50')).toMatchObject({ verdict: 'regression', basis: 'point-estimate', gate: 'fail' });
  }, 30_000);

  it('with 250 ms intervals the same 3 s runs give the noise test enough samples: it decides', async () => {
    const r = await fastbench(['compare', 'fast-250.json', 'slow-250.json', '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const c = JSON.parse(r.stdout) as { rows: Array<{ metric: string; verdict: string; basis: string; gate: string; n: [number, number]; p: number }> };
    const p50 = c.rows.find((row) => row.metric === 'p50')!;
    expect(p50).toMatchObject({ verdict: 'regression', basis: 'noise-test', gate: 'fail' });
    expect(p50.n[0]).toBeGreaterThanOrEqual(10);
    expect(p50.p).toBeLessThan(0.01);
    // the 1 s runs' note says which interval would have been enough
    const hint = await fastbench(['compare', 'fast.json', 'slow.json']);
    expect(hint.stdout).toMatch(/or record (\d00) ms intervals: run --interval \1ms, or several runs a side\)/);
  }, 30_000);

  it('the same short run against itself passes (within tolerance, not "noise")', async () => {
    const r = await fastbench(['compare', 'fast.json', 'fast.json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^overall\s+p50\s+.*\s+within-tolerance \(no noise test\)\s+—\s+\d+\/\d+\s+ok \(≤ 10%\)$/m);
    expect(r.stdout).toMatch(/^PASS: /m);
  }, 30_000);

  it('--min-samples below what the test can use is refused with exit 2', async () => {
    const r = await fastbench(['compare', 'fast.json', 'slow.json', '--min-samples', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error\[ERR_USAGE_BAD_OPTION\]: --min-samples 3: at alpha 0.01 the noise test cannot reach significance with fewer than 5 samples a side/);
  }, 30_000);

  it('refuses results of different scenarios with exit 2 unless --allow-different', async () => {
    const other = JSON.parse(readFileSync(join(dir, 'slow.json'), 'utf8')) as { scenario: string };
    other.scenario = 'another scenario';
    writeFileSync(join(dir, 'other.json'), JSON.stringify(other));
    const r = await fastbench(['compare', 'fast.json', 'other.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error\[ERR_COMPARE_SCENARIO_MISMATCH\]: the results are of different scenarios: "short-compare" vs "another scenario"; pass --allow-different/);
    expect(r.stdout).toBe('');
    const allowed = await fastbench(['compare', 'fast.json', 'other.json', '--allow-different']);
    expect(allowed.code).toBe(1);
    expect(allowed.stdout).toContain('warning: comparing different scenarios: "short-compare" vs "another scenario"');
  }, 30_000);
});
