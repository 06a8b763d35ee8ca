// Shared by the import round-trip tests: `fastbench serve` on a free port (the built CLI), and a
// bounded run of an imported scenario whose per-request counts are read from `run --json`.
import { spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import { FASTBENCH_BIN, runCli, type CliRun } from '../../helpers/cli.js';

export interface Served {
  url: string;
  stop(): Promise<void>;
}

/** `fastbench serve --port 0 --quiet [extra]`; resolves with the URL it prints first. */
export function serve(...extra: string[]): Promise<Served> {
  const child: ChildProcess = spawn(process.execPath, [FASTBENCH_BIN, 'serve', '--port', '0', '--quiet', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
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
        resolve({ url: out.slice(0, nl).trim(), stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`fastbench serve exited with ${code}; stderr: ${err}`));
    });
  });
}

export const fastbench = (args: string[], cwd?: string): Promise<CliRun> => runCli(args, { timeoutMs: 90_000, ...(cwd !== undefined ? { cwd } : {}) });

/** -e NAME=value for each variable. */
export function envArgs(env: Record<string, string>): string[] {
  return Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
}

interface RequestRow {
  name: string;
  requests: number;
  responses: number;
  errors: number;
}

/**
 * `validate` then a short, small run (`--allow-invalid`: a crowded test machine may stall the
 * generator; the thresholds and the error counts still decide). Expects both to pass and every
 * request named in `names` to have been answered without error; returns the result rows.
 */
export async function runGreen(file: string, names: readonly string[], env: Record<string, string> = {}, duration = '1s'): Promise<RequestRow[]> {
  const v = await fastbench(['validate', file, ...envArgs(env)]);
  expect(v.stderr).toBe('');
  expect(v.code).toBe(0);
  const r = await fastbench(['run', file, '-d', duration, '-c', '1', '--allow-invalid', '-q', '--json', ...envArgs(env)]);
  expect(r.code, r.stderr).toBe(0);
  const result = JSON.parse(r.stdout) as { requests: RequestRow[]; thresholds: { passed: boolean }[] };
  for (const name of names) {
    const row = result.requests.find((x) => x.name === name);
    expect(row, `request ${name} in the result`).toBeDefined();
    expect(row!.responses, `responses of ${name}`).toBeGreaterThan(0);
    expect(row!.errors, `errors of ${name}`).toBe(0);
  }
  return result.requests;
}
