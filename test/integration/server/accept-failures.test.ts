// Out of file descriptors: `fastbench serve` run with a 128-fd limit, flooded with connections
// until accepting fails. The failures are counted in /__stats, logged once (not once per
// connection), the process does not spin while saturated, and it serves again once fds free up.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from './raw-client.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = `${root}bin/fastbench.js`;
const built = existsSync(`${root}dist/cli/serve-command.js`);
const onLinux = existsSync('/proc/self/stat');
const children: ChildProcess[] = [];
const clients: RawClient[] = [];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Running {
  child: ChildProcess;
  port: number;
  stderr: () => string;
}

/** `fastbench serve` with `ulimit -n <fds>`; resolves once it printed its URL. */
function serveWithFdLimit(fds: number, ...args: string[]): Promise<Running> {
  const cmd = `ulimit -n ${fds} && exec "${process.execPath}" "${bin}" serve --port 0 ${args.join(' ')}`;
  const child = spawn('sh', ['-c', cmd], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no URL within 15 s; stderr: ${err}`)), 15_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(t);
        resolve({ child, port: Number(new URL(out.slice(0, nl)).port), stderr: () => err });
      }
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code}; stderr: ${err}`)));
  });
}

/** utime + stime of a process, in clock ticks (/proc/<pid>/stat fields 14 and 15). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function connectAll(port: number, n: number): Promise<RawClient[]> {
  const out: RawClient[] = [];
  for (let i = 0; i < n; i++) {
    const c = await RawClient.connect(port);
    clients.push(c);
    out.push(c);
  }
  return out;
}

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe.skipIf(!built || !onLinux)('accept failures (EMFILE)', () => {
  it('counts and logs them once, does not spin, and recovers when fds free up', async () => {
    // (128, not less: the CLI itself needs some fds while it loads its modules)
    const { child, port, stderr } = await serveWithFdLimit(128, '--read-timeout', '60s', '--idle-timeout', '60s');
    // 160 idle connections cannot all fit in 128 fds: the ones beyond the reserve are dropped.
    const first = await connectAll(port, 160);
    const dropped = async (cs: RawClient[]): Promise<number> => {
      const settled = await Promise.all(cs.map((c) => Promise.race([c.closed.then(() => 1), sleep(2000).then(() => 0)])));
      return settled.reduce<number>((a, b) => a + b, 0);
    };
    const droppedFirst = await dropped(first);
    expect(droppedFirst).toBeGreaterThan(0);
    expect(droppedFirst).toBeLessThan(160); // the rest are held open: the server is saturated

    // Saturated: 100 more attempts, one at a time; the server's CPU time over the window stays
    // far below a spinning core (the window is at least 1 s of wall time; a spin would use all of it).
    const ticksPerSec = 100; // USER_HZ on Linux
    const before = cpuTicks(child.pid!);
    const t0 = Date.now();
    const more = await connectAll(port, 100);
    await Promise.all(more.map((c) => c.waitClose(5000)));
    const waited = Math.max(1000, Date.now() - t0);
    if (Date.now() - t0 < waited) await sleep(waited - (Date.now() - t0));
    const used = (cpuTicks(child.pid!) - before) / ticksPerSec;
    expect(used).toBeLessThan((waited / 1000) * 0.5);

    // Free the fds: the server recovers and answers, and its counters saw every drop.
    for (const c of first) c.destroy();
    let stats: { connections: { acceptErrors: number }; rejections: Record<string, number> } | undefined;
    for (let i = 0; i < 100 && stats === undefined; i++) {
      try {
        const res = await get(port, '/__stats');
        if (res.status === 200) stats = JSON.parse(res.body);
      } catch {
        await sleep(50);
      }
    }
    expect(stats).toBeDefined();
    expect(stats!.connections.acceptErrors).toBeGreaterThanOrEqual(droppedFirst + 100);
    expect(stats!.rejections.ERR_SERVER_FD_EXHAUSTED).toBe(stats!.connections.acceptErrors);
    expect((await get(port, '/')).status).toBe(200);
    const lines = stderr().split('\n').filter((l) => l.includes('out of file descriptors'));
    expect(lines).toHaveLength(1);
  }, 60_000);
});

describe('accept() errors reported by the listener', () => {
  it('counts them, logs once, closes the listener to break libuv\'s retry loop and reopens it on the same port', async () => {
    const { createServer } = await import('../../../src/server/server.js');
    const { stubApp } = await import('./stub-app.js');
    const lines: string[] = [];
    const server = createServer({ port: 0, dispatcher: stubApp(), log: (l) => lines.push(l) });
    try {
      const { port } = await server.listen();
      const listener = (server as unknown as { listener: import('node:net').Server }).listener;
      for (let i = 0; i < 3; i++) listener.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', errno: -24, syscall: 'accept' }));
      expect(listener.listening).toBe(false);
      for (let i = 0; i < 200 && !listener.listening; i++) await sleep(10);
      expect(listener.listening).toBe(true);
      expect(await get(port, '/plain')).toEqual({ status: 200, body: 'Hello, World!' });
      expect(server.stats().connections.acceptErrors).toBe(3);
      expect(server.stats().rejections).toEqual({ ERR_SERVER_FD_EXHAUSTED: 3 });
      expect(lines.filter((l) => l.includes('out of file descriptors'))).toHaveLength(1);
    } finally {
      await server.close(200);
    }
  });
});
