// The result survives every way a run is stopped (issue 11, items 5 and 8): timeout(1) with TERM
// and INT (it signals the command, then its whole process group), `kill -TERM <pid>`, and
// `kill -INT -<pgid>` (a terminal's Ctrl-C reaches the whole foreground group) — ten each. Every
// run prints and writes its partial result and exits 128 + the signal. The target is the bundled
// server (`target: builtin`), which must survive the group-wide signal until the run has drained
// (requests take 200 ms, so some are always in flight when the signal lands), and must never
// outlive the CLI, even when the CLI is SIGKILLed. A Ctrl-C after the measured time, while the
// last requests wait out a long timeout, stops at once and counts them as abandoned.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastbenchServer } from '../../../src/server/server.js';
import { startBundled } from '../engine/helpers.js';
import { childrenOf, isAlive, limited, spawnCli, type Spawned } from './spawn-cli.js';

let dir = '';
let builtinScenario = '';
let urlScenario = '';
let url = '';
let server: FastbenchServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fastbench-signals-'));
  builtinScenario = join(dir, 'builtin.yaml');
  writeFileSync(
    builtinScenario,
    `name: signals
target: builtin
client: { timeout: 5s }
load: [{ rate: 40, duration: 60s, connections: 20 }]
requests: [{ path: /delay/200 }]
`,
  );
  const s = await startBundled();
  url = s.url;
  server = s.server;
  urlScenario = join(dir, 'url.yaml');
  writeFileSync(urlScenario, readFileSync(builtinScenario, 'utf8').replace('target: builtin', `target: ${url}`));
});
afterAll(async () => {
  await server.close(200);
  rmSync(dir, { recursive: true, force: true });
});

interface Result {
  interrupted: boolean;
  summary: { requests: number; errors: number };
  errorsByCode: Record<string, number>;
  phases: { details?: Record<string, unknown> }[];
}

type Way = 'timeout -s TERM' | 'timeout -s INT' | 'kill -TERM <pid>' | 'kill -INT -<pgid>';
const WAYS: Way[] = ['timeout -s TERM', 'timeout -s INT', 'kill -TERM <pid>', 'kill -INT -<pgid>'];

/**
 * One run stopped `way`. The ways that signal a whole process group run against the bundled server
 * (`target: builtin`, the one a group-wide signal used to kill); `kill -TERM <pid>` against the
 * server in this process (cheaper: the machine is shared).
 */
function stopOnce(way: Way, i: number): Promise<Spawned & { way: Way; out: string }> {
  const out = join(dir, `${way.replace(/[^a-z]+/gi, '-')}${i}`);
  const file = way === 'kill -TERM <pid>' ? urlScenario : builtinScenario;
  const args = ['run', file, '--json', '--allow-invalid', '--out', out, '--format', 'json'];
  const signal = way.includes('TERM') ? 'SIGTERM' : 'SIGINT';
  const viaTimeout = way.startsWith('timeout');
  let sent = false;
  return spawnCli(args, {
    // --preserve-status: timeout exits with the command's status, not its own 124.
    ...(viaTimeout ? { wrapper: ['timeout', '--preserve-status', '-s', signal.slice(3), '3'] } : {}),
    detached: way === 'kill -INT -<pgid>',
    timeoutMs: 25_000,
    onStderr: (text, child) => {
      // Not a TTY: a progress line a second once the load flows.
      if (viaTimeout || sent || !text.includes('req/s')) return;
      sent = true;
      if (way === 'kill -INT -<pgid>') process.kill(-child.pid!, 'SIGINT');
      else child.kill('SIGTERM');
    },
  }).then((r) => ({ ...r, way, out }));
}

describe('a run stopped by a signal', () => {
  it('prints and writes the partial result with exit 128+signal, every time, every way (10 × 4)', async () => {
    const jobs = WAYS.flatMap((way) => Array.from({ length: 10 }, (_, i) => () => stopOnce(way, i)));
    const runs = await limited(6, jobs);
    for (const r of runs) {
      const what = `${r.way}: exit ${r.code} ${r.signal ?? ''}\n${r.stderr}`;
      expect(r.code, what).toBe(r.way.includes('TERM') ? 143 : 130);
      expect(r.stdout, what).toMatch(/^\{/);
      const printed = JSON.parse(r.stdout) as Result;
      expect(printed.interrupted, what).toBe(true);
      // The bundled server outlived the group-wide signal: nothing in flight was refused or reset.
      expect(printed.errorsByCode, what).toEqual({});
      expect(printed.summary.errors, what).toBe(0);
      if (!r.way.startsWith('timeout')) expect(printed.summary.requests, what).toBeGreaterThan(0);
      const written = JSON.parse(readFileSync(join(r.out, 'result.json'), 'utf8')) as Result;
      expect(written.interrupted, what).toBe(true);
      expect(written.summary.requests, what).toBe(printed.summary.requests);
      expect(existsSync(join(r.out, '.fastbench.lock')), what).toBe(false);
    }
  }, 150_000);

  it('never leaves the bundled server behind, even when the CLI is SIGKILLed', async () => {
    let serverPid: number | undefined;
    let cliPid: number | undefined;
    const r = await spawnCli(['run', builtinScenario, '--allow-invalid'], {
      timeoutMs: 20_000,
      onStderr: (text, child) => {
        if (cliPid !== undefined || !text.includes('req/s')) return;
        cliPid = child.pid!;
        serverPid = childrenOf(cliPid).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('serve'));
        child.kill('SIGKILL');
      },
    });
    expect(r.signal).toBe('SIGKILL');
    expect(serverPid).toBeGreaterThan(0);
    try {
      // Bounded wait for it to notice (the test's own timeout bounds it too).
      for (let i = 0; i < 100 && isAlive(serverPid!); i++) await new Promise((res) => setTimeout(res, 100));
      expect(isAlive(serverPid!)).toBe(false);
    } finally {
      if (isAlive(serverPid!)) process.kill(serverPid!, 'SIGKILL');
    }
  }, 30_000);

  it('quits at once on a signal a second after the first, and still prints and writes what it has', async () => {
    const file = join(dir, 'quit.yaml');
    // Nothing answers for 10 s: the first signal's drain would wait its full grace for them.
    writeFileSync(file, `name: quit\ntarget: ${url}\nclient: { timeout: 30s }\nload: [{ connections: 2, duration: 60s }]\nrequests: [{ path: /delay/10000 }]\n`);
    const out = join(dir, 'quit-out');
    let sent = false;
    const r = await spawnCli(['run', file, '--json', '--allow-invalid', '--out', out, '--format', 'json'], {
      timeoutMs: 15_000,
      onStderr: (text, child) => {
        if (sent || !text.includes('req/s')) return;
        sent = true;
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGTERM'), 1200);
      },
    });
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain('quitting on SIGTERM: abandoning requests in flight');
    const printed = JSON.parse(r.stdout) as Result;
    expect(printed.interrupted).toBe(true);
    expect(printed.phases[0]!.details!['abandoned']).toBe(2);
    const written = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as Result;
    expect(written.phases[0]!.details!['abandoned']).toBe(2);
  }, 20_000);

  it('stops at once on the first Ctrl-C after the measured time, abandoning what is in flight', async () => {
    const file = join(dir, 'drain.yaml');
    // 1 s measured; every request takes 10 s and may take up to 30 s: the drain would wait 10 s.
    writeFileSync(file, `name: drain\ntarget: ${url}\nclient: { timeout: 30s }\nload: [{ connections: 2, duration: 1s }]\nrequests: [{ path: /delay/10000 }]\n`);
    let sent = false;
    const r = await spawnCli(['run', file, '--json', '--allow-invalid'], {
      // Less than the 10 s the requests take: without the fix this run is killed and fails.
      timeoutMs: 8000,
      onStderr: (text, child) => {
        // The first progress line comes as the one measured second ends.
        if (sent || !/1s\/1s/.test(text)) return;
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 200);
      },
    });
    expect(r.code, r.stderr).toBe(130);
    const result = JSON.parse(r.stdout) as Result;
    expect(result.interrupted).toBe(true);
    expect(result.phases[0]!.details!['abandoned']).toBe(2);
    expect(r.stderr).toMatch(/2 requests were still in flight when the run stopped: abandoned/);
  }, 20_000);
});
