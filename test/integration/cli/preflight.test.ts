// Impossible configurations and unusable output directories are refused before anything is sent
// (exit 2, the numbers, the fix), and an internal bug ends with exit 70, one line and a crash
// report (issue 11, items 4 and 8).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastbenchServer } from '../../../src/server/server.js';
import { startBundled } from '../engine/helpers.js';
import { spawnCli } from './spawn-cli.js';

let dir = '';
let url = '';
let server: FastbenchServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fastbench-preflight-'));
  const s = await startBundled();
  url = s.url;
  server = s.server;
});
afterAll(async () => {
  await server.close(200);
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const cli = (args: string[], env: Record<string, string> = {}) => spawnCli(args, { timeoutMs: 20_000, env });

describe('impossible configurations', () => {
  it('bench -c 100000 under ulimit -n 2000: exit 2 with the numbers, nothing sent', async () => {
    const before = server.stats().requests;
    const r = await spawnCli(['bench', `${url}/plaintext`, '-c', '100000', '-d', '1s', '--allow-invalid'], {
      wrapper: ['/bin/sh', '-c', 'ulimit -n 2000 && exec "$@"', 'sh'],
      timeoutMs: 20_000,
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/error\[ERR_LIMIT_OPEN_FILES\]: 100,000 connections need about 100,\d+ open files, but this process may open 2,000 \(ulimit -n\)/);
    expect(r.stderr).toMatch(/use at most 1,\d{3} connections/);
    expect(r.stderr).toContain('nothing was sent');
    expect(r.stdout).toBe('');
    expect(server.stats().requests).toBe(before);
  });

  it('connections: 1000000000 is refused by validate and by run (exit 2, memory), not a V8 abort', async () => {
    const file = write('huge.yaml', `target: ${url}\nload: [{ connections: 1000000000, duration: 1s }]\nrequests: [{ path: /json }]\n`);
    const v = await cli(['validate', file]);
    expect(v.code, v.stderr).toBe(2);
    expect(v.stderr).toMatch(/error\[ERR_LIMIT_MEMORY\]: 1,000,000,000 connections would need about [\d.]+ [TP]B of memory, but this machine has/);
    expect(v.stdout).toBe('');
    const before = server.stats().requests;
    const r = await cli(['run', file]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('error[ERR_LIMIT_MEMORY]');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(server.stats().requests).toBe(before);
  });
});

describe('--out', () => {
  const scenario = () => write('ok.yaml', `name: out\ntarget: ${url}\nload: [{ connections: 1, duration: 300ms }]\nrequests: [{ path: /plaintext }]\n`);

  it.runIf(process.platform === 'linux')('on /proc: exit 2 before any traffic, naming the pseudo-file system (it used to spin forever after the load)', async () => {
    const before = server.stats().requests;
    const r = await cli(['run', scenario(), '--out', '/proc/x', '--allow-invalid']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/error\[ERR_OUT_DIR\]: --out \/proc\/x: \/proc is on a pseudo-file system \(proc\)/);
    expect(r.stdout).toBe('');
    expect(server.stats().requests).toBe(before);
  });

  it('a file: exit 2 before any traffic', async () => {
    const file = write('not-a-dir', 'x');
    const before = server.stats().requests;
    const r = await cli(['run', scenario(), '--out', file, '--allow-invalid']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`error[ERR_OUT_DIR]: --out ${file}: it is a file, not a directory`);
    expect(server.stats().requests).toBe(before);
  });

  it('is locked for the run: a second run on it is refused unless --force; a stale lock is taken over', async () => {
    const out = join(dir, 'shared');
    const long = write('long.yaml', `name: long\ntarget: ${url}\nload: [{ rate: 50, duration: 60s }]\nrequests: [{ path: /plaintext }]\n`);
    let second: Awaited<ReturnType<typeof cli>> | undefined;
    let forced: Awaited<ReturnType<typeof cli>> | undefined;
    let busy = false;
    const first = await spawnCli(['run', long, '--out', out, '--format', 'json', '--allow-invalid'], {
      timeoutMs: 30_000,
      onStderr: (text, child) => {
        if (busy || !text.includes('req/s')) return;
        busy = true;
        void (async () => {
          second = await cli(['run', scenario(), '--out', out, '--allow-invalid']);
          forced = await cli(['run', scenario(), '--out', out, '--format', 'json', '--force', '--allow-invalid']);
          child.kill('SIGINT');
        })();
      },
    });
    expect(second?.code, second?.stderr).toBe(2);
    expect(second?.stderr).toMatch(new RegExp(`error\\[ERR_OUT_LOCKED\\]: --out .*shared is in use by another fastbench run \\(pid \\d+`));
    expect(forced?.code, forced?.stderr).toBe(0);
    expect(first.code, first.stderr).toBe(130);
    expect(existsSync(join(out, '.fastbench.lock'))).toBe(false);

    // A lock left by a process that is gone (kill -9) does not block the next run.
    writeFileSync(join(out, '.fastbench.lock'), JSON.stringify({ pid: 2 ** 31 - 2, host: (await import('node:os')).hostname(), started: 'long ago' }));
    const after = await cli(['run', scenario(), '--out', out, '--format', 'json', '--allow-invalid']);
    expect(after.code, after.stderr).toBe(0);
    expect(existsSync(join(out, '.fastbench.lock'))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'))).toMatchObject({ scenario: 'out' });
  }, 40_000);
});

describe('an internal bug', () => {
  const file = () => write('fine.yaml', `target: ${url}\nload: [{ connections: 1, duration: 1s }]\nrequests: [{ path: /json }]\n`);

  for (const where of ['throw', 'uncaught']) {
    it(`(${where}) exits 70 with one line naming a crash report that holds the stack`, async () => {
      const crashDir = mkdtempSync(join(dir, 'crash-'));
      const r = await cli(['validate', file()], { FASTBENCH_INJECT_INTERNAL_ERROR: where, TMPDIR: crashDir });
      expect(r.code, r.stderr).toBe(70);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      const m = /^error\[ERR_INTERNAL\]: injected internal error .*\(a bug in fastbench; crash report: (\S+)\)$/.exec(lines[0]!);
      expect(m, lines[0]).not.toBeNull();
      expect(m![1]!.startsWith(crashDir)).toBe(true);
      const report = readFileSync(m![1]!, 'utf8');
      expect(report).toContain('TypeError: injected internal error');
      expect(report).toMatch(/\n\s+at /);
      expect(report).toContain('"validate"');
    });
  }
});
