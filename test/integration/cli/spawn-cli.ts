// The built CLI in a child process with the controls the signal and preflight tests need beyond
// test/helpers/cli.ts: its own process group (detached), a wrapper command (timeout(1), a shell
// with `ulimit`), extra environment, and a callback on each stderr chunk.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { FASTBENCH_BIN } from '../../helpers/cli.js';

export interface Spawned {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  /** Argv before `node bin/fastbench.js` (e.g. ['timeout', '-s', 'TERM', '3']). */
  wrapper?: string[];
  detached?: boolean;
  env?: Record<string, string>;
  /** SIGKILL (the whole group when detached) after this long. */
  timeoutMs: number;
  onStderr?: (text: string, child: ChildProcess) => void;
}

export function spawnCli(args: string[], o: SpawnOptions): Promise<Spawned> {
  const argv = [...(o.wrapper ?? []), process.execPath, FASTBENCH_BIN, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: o.detached === true,
      env: { ...process.env, ...o.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      o.onStderr?.(stderr, child);
    });
    const guard = setTimeout(() => {
      try {
        if (o.detached === true) process.kill(-child.pid!, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // gone
      }
    }, o.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Pids whose parent is `ppid` (Linux /proc). */
export function childrenOf(ppid: number): number[] {
  const path = `/proc/${ppid}/task/${ppid}/children`;
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** Whether `pid` is a live process (a zombie — exited, not yet reaped — is not). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Runs `jobs` with at most `limit` at once. */
export async function limited<T>(limit: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, lane));
  return results;
}
