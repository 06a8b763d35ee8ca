// The built CLI (bin/fastbench.js → dist/) run in a child process, as users run it. `npm test`
// builds first; running vitest alone without dist/ fails here with that advice, not a skip.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FASTBENCH_BIN = fileURLToPath(new URL('../../bin/fastbench.js', import.meta.url));
const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** SIGKILL the child after this long (a bound on every run). Default 30 s. */
  timeoutMs?: number;
  /** Called once the child is spawned; `stderr()` reads what it has printed so far. */
  onSpawn?: (child: ChildProcess, stderr: () => string) => void;
  /** Called with all of stderr so far each time more arrives. */
  onStderr?: (text: string, child: ChildProcess) => void;
}

/** Runs `fastbench ...args` to its end; resolves with its exit code or signal and its output. */
export function runCli(args: string[], o: CliOptions = {}): Promise<CliRun> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FASTBENCH_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(o.cwd !== undefined ? { cwd: o.cwd } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      o.onStderr?.(stderr, child);
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
    o.onSpawn?.(child, () => stderr);
  });
}
