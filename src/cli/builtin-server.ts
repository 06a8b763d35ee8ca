// `target: builtin` (or no target): the bundled server in a child process on a free loopback
// port, for the length of the run. The CLI hands this starter to the engine (RunOptions.builtin):
// the engine never starts the CLI itself. A child process, not a thread, so the server never competes
// with the load loop's event loop (pin them apart with taskset for benchmarks).
//
// Its life is the run's, not the terminal's: it runs in its own process group (detached), so the
// Ctrl-C a terminal sends to the whole foreground group — or `kill -INT -<pgid>`, or timeout(1)'s
// second, group-wide signal — reaches only the CLI, which drains the run and then stops the server.
// It never outlives the CLI: an IPC channel joins them, and the child exits when it closes
// (parent-watch.ts, preloaded), whatever killed the parent — SIGKILL included.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FastbenchError } from '../core/errors.js';
import type { BuiltinServer } from '../engine/index.js';

export type { BuiltinServer };

/** bin/fastbench.js of this installation (src/cli and dist/cli are both two levels down). */
export function fastbenchBin(): string {
  return fileURLToPath(new URL('../../bin/fastbench.js', import.meta.url));
}

export interface BuiltinServerOptions {
  /** Extra arguments to `fastbench serve`. */
  readonly args?: readonly string[];
  /** Pin the server to this CPU with taskset (the caller checks that taskset exists). */
  readonly cpu?: number;
  /** How long to wait for the URL line. Default 15 s. */
  readonly timeoutMs?: number;
}

/** The compiled parent-watch preload (from sources, tests: the built one in dist/). */
function parentWatchUrl(): string | undefined {
  const here = fileURLToPath(new URL('./parent-watch.js', import.meta.url));
  if (existsSync(here)) return pathToFileURL(here).href;
  const built = here.replace(/([\\/])src([\\/])cli([\\/])parent-watch\.js$/, '$1dist$2cli$3parent-watch.js');
  return existsSync(built) ? pathToFileURL(built).href : undefined;
}

/** Starts `fastbench serve --port 0 --quiet` and resolves once it printed its URL. */
export function startBuiltinServer(options: BuiltinServerOptions = {}): Promise<BuiltinServer> {
  const watch = parentWatchUrl();
  const argv = [process.execPath, ...(watch !== undefined ? ['--import', watch] : []), fastbenchBin(), 'serve', '--port', '0', '--quiet', ...(options.args ?? [])];
  if (options.cpu !== undefined) argv.unshift('taskset', '-c', String(options.cpu)); // taskset execs: same pid
  // detached: its own process group (no group-wide Ctrl-C); 'ipc': the channel parent-watch.ts watches.
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
  child.channel?.unref();
  return new Promise<BuiltinServer>((resolve, reject) => {
    let out = '';
    let err = '';
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      const detail = err.trim().split('\n').slice(-3).join(' | ');
      reject(new FastbenchError('ERR_SERVER_START', `cannot start the bundled server: ${why}${detail ? ` (${detail})` : ''}`));
    };
    const timer = setTimeout(() => fail(`no URL within ${options.timeoutMs ?? 15_000} ms`), options.timeoutMs ?? 15_000);
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      if (err.length < 4096) err += d;
    });
    child.stdout!.on('data', (d: string) => {
      if (settled) return;
      out += d;
      const m = /(https?:\/\/\S+)/.exec(out);
      if (m === null || !out.includes('\n', m.index)) return;
      settled = true;
      clearTimeout(timer);
      child.stdout!.resume();
      // An exit of ours by any path (process.exit on a second Ctrl-C included) takes the server along.
      const onExit = (): void => void child.kill('SIGKILL');
      process.once('exit', onExit);
      resolve({
        url: m[1]!.replace(/\/+$/, ''),
        pid: child.pid,
        stop: () => {
          process.off('exit', onExit);
          return stopChild(child);
        },
      });
    });
    child.on('error', (e) => fail(e.message));
    child.on('exit', (code, signal) => fail(`it exited (${signal ?? `code ${code}`}) before printing its URL`));
  });
}

/**
 * SIGTERM, then SIGKILL after this long. Short: the run is over and nothing the server holds
 * matters, but its graceful close would wait for the requests the run abandoned (a /delay/10000).
 */
const STOP_GRACE_MS = 500;

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
