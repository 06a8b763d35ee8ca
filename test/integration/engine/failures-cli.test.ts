// `bench` and `run` verdicts on failure (issue 11 items 3 and 8), as a user runs them: a run in
// which no request succeeded exits 1 even without a threshold; bench takes thresholds, -n and
// report files; the response-body cap is settable with --max-body. Target: the bundled server in
// this process (the same code as `fastbench serve`).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastbenchServer } from '../../../src/server/server.js';
import { runCli } from '../../helpers/cli.js';
import { startBundled } from './helpers.js';

let url = '';
let server: FastbenchServer;
let dir = '';

const fastbench = (args: string[]) => runCli(args, { timeoutMs: 60_000 });

beforeAll(async () => {
  const s = await startBundled();
  url = s.url;
  server = s.server;
  dir = mkdtempSync(join(tmpdir(), 'fastbench-failures-cli-'));
});
afterAll(async () => {
  await server.close(200);
  rmSync(dir, { recursive: true, force: true });
});

describe('no request succeeded → exit 1', () => {
  it('bench: every request 404 exits 1 with "no request succeeded", errors shown by status', async () => {
    const r = await fastbench(['bench', `${url}/status/404`, '-n', '20', '-c', '2', '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error[ERR_NO_SUCCESS]: no request succeeded: all 20 requests failed (by status: 404 × 20)');
    expect(r.stdout).toContain('errors by status: 404 × 20');
    expect(r.stdout).toContain('status: 404 × 20');
  });

  it('bench: one success is enough (no threshold: exit 0)', async () => {
    const r = await fastbench(['bench', `${url}/plaintext`, '-n', '10', '-c', '1', '-q', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { overall: { requests: number; responses: number } };
    expect(j.overall.requests).toBe(10);
    expect(j.overall.responses).toBe(10);
  });

  it('run: a scenario whose every request fails exits 1 without a threshold', async () => {
    const file = join(dir, 'all-fail.yaml');
    writeFileSync(file, `target: ${url}\nload:\n  - { connections: 1, requests: 5 }\nrequests:\n  - path: /status/503\n`);
    const r = await fastbench(['run', file, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no request succeeded');
  });
});

describe('--max-body', () => {
  it("the bundled server's /bytes/20000000 fails with a counted ERR_HTTP_BODY_TOO_LARGE (exit 1); --max-body 32MiB passes", async () => {
    const r = await fastbench(['bench', `${url}/bytes/20000000`, '-n', '3', '-c', '1', '-q', '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as { errorsByCode: Record<string, number>; overall: { errors: number; bytesIn: number } };
    expect(j.errorsByCode).toEqual({ ERR_HTTP_BODY_TOO_LARGE: 3 });
    expect(j.overall.errors).toBe(3);
    expect(j.overall.bytesIn).toBeGreaterThan(0);
    const ok = await fastbench(['bench', `${url}/bytes/20000000`, '-n', '2', '-c', '1', '-q', '--json', '--max-body', '32MiB']);
    expect(ok.code).toBe(0);
    const k = JSON.parse(ok.stdout) as { overall: { errors: number; responses: number; bytesIn: number } };
    expect(k.overall.errors).toBe(0);
    expect(k.overall.responses).toBe(2);
    expect(k.overall.bytesIn).toBeGreaterThan(2 * 20_000_000);
  });

  it('run --max-body overrides client.maxResponseBodySize; a bad size is a usage error', async () => {
    const file = join(dir, 'body.yaml');
    writeFileSync(file, `target: ${url}\nclient: { maxResponseBodySize: 1kb }\nload:\n  - { connections: 1, requests: 2 }\nrequests:\n  - path: /bytes/5000\n`);
    const small = await fastbench(['run', file, '-q']);
    expect(small.code).toBe(1);
    const big = await fastbench(['run', file, '-q', '--max-body', '8kb']);
    expect(big.code).toBe(0);
    const bad = await fastbench(['run', file, '-q', '--max-body', 'lots']);
    expect(bad.code).toBe(2);
  });

  it('request --max-body', async () => {
    const small = await fastbench(['request', `${url}/bytes/5000`, '--max-body', '1kb', '--json']);
    expect(small.code).toBe(1);
    expect(small.stdout).toContain('ERR_HTTP_BODY_TOO_LARGE');
    const big = await fastbench(['request', `${url}/bytes/5000`, '--max-body', '8kb', '--json']);
    expect(big.code).toBe(0);
  });
});

describe('bench gates and reports', () => {
  it('--threshold (repeatable) judges the run like a scenario threshold', async () => {
    const fail = await fastbench(['bench', `${url}/plaintext`, '-n', '20', '-c', '1', '-q', '--json', '--threshold', 'p99<1us', '--threshold', 'errors<1%']);
    expect(fail.code).toBe(1);
    const j = JSON.parse(fail.stdout) as { thresholds: { expression: string; passed: boolean }[] };
    expect(j.thresholds.map((t) => [t.expression, t.passed])).toEqual([
      ['p99<1us', false],
      ['errors<1%', true],
    ]);
    const pass = await fastbench(['bench', `${url}/plaintext`, '-n', '20', '-c', '1', '-q', '--threshold', 'errors<1%']);
    expect(pass.code).toBe(0);
    const bad = await fastbench(['bench', `${url}/plaintext`, '-n', '20', '-q', '--threshold', 'p99<10']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--threshold');
  });

  it('-n sends exactly that many requests', async () => {
    const r = await fastbench(['bench', `${url}/plaintext`, '-n', '37', '-c', '3', '-q', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { overall: { requests: number } };
    expect(j.overall.requests).toBe(37);
  });

  it('--out/--format write report files like run', async () => {
    const out = join(dir, 'bench-out');
    const r = await fastbench(['bench', `${url}/plaintext`, '-n', '10', '-c', '1', '-q', '--out', out, '--format', 'json,md']);
    expect(r.code).toBe(0);
    expect(existsSync(join(out, 'result.json'))).toBe(true);
    expect(existsSync(join(out, 'report.md'))).toBe(true);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { overall: { requests: number } };
    expect(result.overall.requests).toBe(10);
    const bad = await fastbench(['bench', `${url}/plaintext`, '-n', '1', '-q', '--format', 'pdf']);
    expect(bad.code).toBe(2);
  });
});
