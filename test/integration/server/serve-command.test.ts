// `fastbench serve` as a process (built CLI module): prints its URL, answers, stops on SIGTERM;
// --workers 2 answers from several processes; --tls serves https with a self-signed certificate.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = fileURLToPath(new URL('./fixtures/serve-cli.mjs', import.meta.url));
const built = existsSync(`${root}dist/cli/serve-command.js`) && existsSync(`${root}dist/server/prefork-worker.js`);
const children: ChildProcess[] = [];

interface Running {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function serve(...args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no URL within 15 s; stderr: ${err}`)), 15_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(t);
        resolve({ child, url: out.slice(0, nl), stderr: () => err, exit });
      }
    });
    void exit.then((code) => reject(new Error(`exited with ${code}; stderr: ${err}`)));
  });
}

function get(url: string, agent = false): Promise<{ status: number; body: string }> {
  const mod = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.get(url, { agent, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
  });
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe.skipIf(!built)('fastbench serve (built CLI)', () => {
  it('prints its URL on stdout, answers, and stops on SIGTERM', async () => {
    const s = await serve('--quiet');
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await get(`${s.url}/plaintext`)).toEqual({ status: 200, body: 'Hello, World!' });
    const stats = JSON.parse((await get(`${s.url}/__stats`)).body);
    expect(stats.requests).toBe(2);
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(s.stderr()).toBe('');
  });

  it('--workers 2 answers from more than one process', async () => {
    const s = await serve('--workers', '2');
    const pids = new Set<number>();
    for (let i = 0; i < 20 && pids.size < 2; i++) pids.add(JSON.parse((await get(`${s.url}/__stats`)).body).pid);
    expect(pids.size).toBe(2);
    expect(pids.has(s.child.pid!)).toBe(false);
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(s.stderr()).toContain('with 2 workers');
  });

  it('prefork workers exit when the primary dies', async () => {
    const s = await serve('--workers', '2', '--quiet');
    const pids = new Set<number>();
    for (let i = 0; i < 20 && pids.size < 2; i++) pids.add(JSON.parse((await get(`${s.url}/__stats`)).body).pid);
    s.child.kill('SIGKILL');
    await s.exit;
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 100 && [...pids].some(alive); i++) await new Promise((r) => setTimeout(r, 50));
    expect([...pids].filter(alive)).toEqual([]);
  });

  it('--tls serves https with a self-signed certificate', async () => {
    const s = await serve('--tls', '--quiet');
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await get(`${s.url}/plaintext`)).toEqual({ status: 200, body: 'Hello, World!' });
    s.child.kill('SIGINT');
    expect(await s.exit).toBe(0);
  });

  it('rejects bad flags with exit 2', async () => {
    const child = spawn(process.execPath, [cli, 'serve', '--read-timeout', 'soon'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('ERR_USAGE_BAD_DURATION');
  });
});
