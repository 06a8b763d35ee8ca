// `fastbench run` and `fastbench bench` as a user runs them: child processes (built dist/),
// exit codes, stdout/stderr, Ctrl-C. The target is the bundled server in this process.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastbenchServer } from '../../../src/server/server.js';
import { runCli, type CliOptions } from '../../helpers/cli.js';
import { startBundled } from './helpers.js';

const SCENARIOS = fileURLToPath(new URL('../../../scenarios/', import.meta.url));
// `target: builtin` starts `fastbench serve` in a child process: only once main.ts registers it.
let url = '';
let server: FastbenchServer;
let dir = '';

const fastbench = (args: string[], onSpawn?: CliOptions['onSpawn']) => runCli(args, { timeoutMs: 30_000, ...(onSpawn !== undefined ? { onSpawn } : {}) });

/** An onSpawn that sends `signal` once the first progress line shows traffic flowing (10 s at most). */
function signalOnceFlowing(signal: NodeJS.Signals): NonNullable<CliOptions['onSpawn']> {
  const started = Date.now();
  return (child, stderr) => {
    // Not a TTY: one progress line a second, each with "req/s".
    const poll = setInterval(() => {
      if (stderr().includes('req/s') || Date.now() - started > 10_000) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 50);
  };
}

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

beforeAll(async () => {
  const s = await startBundled();
  url = s.url;
  server = s.server;
  dir = mkdtempSync(join(tmpdir(), 'fastbench-cli-'));
});
afterAll(async () => {
  await server.close(200);
  rmSync(dir, { recursive: true, force: true });
});

describe('fastbench run', () => {
  it('exits 0 when every threshold passes, 1 when one fails, listing each', async () => {
    const file = write(
      'gate.yaml',
      `target: ${url}
load: [{ connections: 2, duration: 10s }]
requests:
  - { name: plain, path: /plaintext }
thresholds:
  - errors < 1%
  - p99 < 10s
`,
    );
    const pass = await fastbench(['run', file, '--duration', '300ms', '--quiet', '--allow-invalid']);
    expect(pass.stderr).toBe('');
    expect(pass.code).toBe(0);
    expect(pass.stdout).toMatch(/PASS {2}overall {2}errors < 1% {2}\(actual 0 %\)/);
    expect(pass.stdout).toMatch(/PASS {2}overall {2}p99 < 10s {2}\(actual [\d.]+ ms\)/);

    const failFile = write('gate-fail.yaml', `target: ${url}\nload: [{ connections: 2, duration: 300ms }]\nrequests: [{ path: /plaintext }]\nthresholds: [ "rps > 100000000", "errors < 1%" ]\n`);
    const fail = await fastbench(['run', failFile, '--quiet', '--allow-invalid']);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toMatch(/FAIL {2}overall {2}rps > 100000000 {2}\(actual [\d.,]+ rps\)/);
    expect(fail.stdout).toMatch(/PASS {2}overall {2}errors < 1%/);
  });

  it('prints the RunResult with --json, summary on top', async () => {
    const file = write('json.yaml', `target: ${url}\nload: [{ connections: 1, requests: 50 }]\nrequests: [{ path: /json }]\n`);
    const r = await fastbench(['run', file, '--json', '--allow-invalid']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as Record<string, unknown> & { summary: Record<string, unknown> };
    expect(Object.keys(result.summary)).toEqual(['requests', 'errors', 'rps', 'latencyMs']);
    expect(Object.keys(result.summary.latencyMs as object)).toEqual(['min', 'mean', 'p50', 'p75', 'p90', 'p99', 'p99_9', 'p99_99', 'max']);
    expect(result.summary.requests).toBe(50);
    expect(result).toMatchObject({ interrupted: false, generator: { workers: 1 } });
    expect(typeof result.valid).toBe('boolean'); // validity under a loaded test machine is the health tests' business
  });

  it('exits 2 on a scenario error, with its position, having sent nothing', async () => {
    const before = server.stats().requests;
    const file = write('bad.yaml', `target: ${url}\nload: [{ connections: 2, duration: 1s }]\nrequests:\n  - path: /plaintext\n    methd: GET\n`);
    const r = await fastbench(['run', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error[ERR_SCENARIO_UNKNOWN_KEY]`);
    expect(r.stderr).toContain(`${file}:5:5`);
    expect(r.stdout).toBe('');
    expect(server.stats().requests).toBe(before);

    const usage = await fastbench(['run', file.replace('bad', 'gate'), '--connections', 'many']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/error\[ERR_USAGE_BAD_OPTION\]: --connections/);
  });

  it('stops on Ctrl-C and still prints the partial report, marked interrupted', async () => {
    const file = write('long.yaml', `target: ${url}\nload: [{ rate: 200, duration: 60s }]\nrequests: [{ path: /plaintext }]\n`);
    const started = Date.now();
    const r = await fastbench(['run', file, '--allow-invalid'], signalOnceFlowing('SIGINT'));
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.code).toBe(130); // 128 + SIGINT, as a shell expects of an interrupted command
    expect(r.stdout).toContain('INTERRUPTED');
    expect(r.stdout).toMatch(/overall\s+\d+/);
    expect(r.stderr).toContain('stopping');
  });

  it('treats SIGTERM (a CI timeout, a pod deletion) like Ctrl-C: partial report printed and written', async () => {
    const file = write('term.yaml', `name: term\ntarget: ${url}\nload: [{ rate: 200, duration: 60s }]\nrequests: [{ path: /plaintext }]\n`);
    const out = join(dir, 'term-out');
    const started = Date.now();
    const r = await fastbench(['run', file, '--allow-invalid', '--out', out, '--format', 'json,md'], signalOnceFlowing('SIGTERM'));
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.code).toBe(143); // 128 + SIGTERM
    expect(r.stderr).toContain('stopping on SIGTERM');
    expect(r.stdout).toContain('INTERRUPTED');
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { interrupted: boolean; summary: { requests: number } };
    expect(result.interrupted).toBe(true);
    expect(result.summary.requests).toBeGreaterThan(0);
    expect(existsSync(join(out, 'report.md'))).toBe(true);
  });
});

describe('fastbench run with target: builtin', () => {
  it('starts the bundled server for the run and stops it after', async () => {
    const r = await fastbench(['run', `${SCENARIOS}smoke.yaml`, '--duration', '500ms', '--json', '--quiet', '--allow-invalid']);
    expect([0, 1]).toContain(r.code); // thresholds are machine-dependent; the run itself must work
    const result = JSON.parse(r.stdout) as { summary: { requests: number; errors: number } };
    expect(result.summary.requests).toBeGreaterThan(0);
    expect(result.summary.errors).toBe(0);
  });
});

describe('fastbench bench', () => {
  it('runs one URL on the same engine (closed, pipelined, open)', async () => {
    const closed = await fastbench(['bench', `${url}/plaintext`, '-c', '2', '-d', '300ms', '--json', '--allow-invalid']);
    expect(closed.code).toBe(0);
    expect(JSON.parse(closed.stdout).summary.requests).toBeGreaterThan(0);
    const open = await fastbench(['bench', `${url}/plaintext`, '-c', '4', '-p', '2', '-R', '200', '-d', '500ms', '-q', '--allow-invalid']);
    expect(open.code).toBe(0);
    expect(open.stdout).toMatch(/overall\s+100\s/);
    const bad = await fastbench(['bench', 'not a url']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error[ERR_USAGE_BAD_URL]');
  });
});
