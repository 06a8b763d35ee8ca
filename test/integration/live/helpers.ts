// Shared by the live-output tests: `fastbench serve` from the built CLI, a free loopback port, and
// the address a live output prints on stderr.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { FASTBENCH_BIN } from '../../helpers/cli.js';

export interface Served {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** `fastbench serve --port 0` (the built CLI); resolves with the URL it prints. */
export function serve(): Promise<Served> {
  const child = spawn(process.execPath, [FASTBENCH_BIN, 'serve', '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(t);
  };
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fastbench serve printed no URL within 20 s; stderr: ${err}`));
    }, 20_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(t);
        resolve({ child, url: out.slice(0, nl).trim(), stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`fastbench serve exited with ${code}; stderr: ${err}`));
    });
  });
}

/** A port free on 127.0.0.1 right now (bound to 0, then released). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** The URL a live output printed on stderr (`dashboard: http://…`), if it has yet. */
export function printedUrl(stderr: string, what: 'dashboard' | 'prometheus' | 'otlp: pushing to'): string | undefined {
  const m = new RegExp(`^${what}:? (\\S+)$`, 'm').exec(stderr);
  return m?.[1];
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
