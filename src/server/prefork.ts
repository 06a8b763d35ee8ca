// Prefork: N worker processes (node:cluster) each run a server on the same port, so the bundled
// server can use every core. The primary only forks, watches and stops them; workers exit when
// the primary goes away (IPC disconnect, or a changed parent pid as a backstop).
//
// Workers get their options as JSON in the environment, so only plain data crosses over: no
// dispatcher (each worker builds the bundled app), TLS as file paths.
import cluster, { type Worker } from 'node:cluster';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FastbenchError } from '../core/errors.js';
import { createServer, type ListenInfo, type ServerOptions } from './server.js';

/** What a worker's server is built from: ServerOptions that survive JSON. */
export type PreforkServerOptions = Omit<ServerOptions, 'dispatcher' | 'tls' | 'onListen' | 'onShutdown' | 'log'> & {
  tlsCertFile?: string;
  tlsKeyFile?: string;
};

export interface PreforkOptions {
  workers: number;
  server: PreforkServerOptions;
  /** Restarts of crashed workers allowed per minute before giving up on them. Default 10. */
  maxRestartsPerMinute?: number;
  log?: (line: string) => void;
  /** Worker script (default: prefork-worker.js beside this module). */
  exec?: string;
}

export interface PreforkHandle extends ListenInfo {
  /** Pids of the live workers. */
  readonly pids: number[];
  /** Asks every worker to shut down gracefully; kills what is left after graceMs + 2 s. */
  close(graceMs?: number): Promise<void>;
  /** Resolves when all workers are gone for good (crash loop, or after close()). */
  readonly done: Promise<void>;
}

const ENV_KEY = 'FASTBENCH_PREFORK_OPTIONS';
const MSG_LISTENING = 'fastbench:listening';
const MSG_SHUTDOWN = 'fastbench:shutdown';

interface ListeningMessage extends ListenInfo {
  type: typeof MSG_LISTENING;
}

/** Forks the workers and resolves once every one of them is listening. */
export function startPrefork(options: PreforkOptions): Promise<PreforkHandle> {
  if (!cluster.isPrimary) throw new FastbenchError('ERR_SERVER_START', 'prefork must be started from the primary process');
  const count = Math.max(1, Math.floor(options.workers));
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const maxRestarts = options.maxRestartsPerMinute ?? 10;
  const exec = options.exec ?? fileURLToPath(new URL('./prefork-worker.js', import.meta.url));
  cluster.setupPrimary({ exec, args: [] });
  const env = { [ENV_KEY]: JSON.stringify(options.server) };

  const live = new Set<Worker>();
  let stopping = false;
  let restarts: number[] = [];
  let info: ListenInfo | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));

  return new Promise<PreforkHandle>((resolve, reject) => {
    let listening = 0;
    const fork = (): void => {
      const w = cluster.fork(env);
      live.add(w);
      w.on('message', (msg: ListeningMessage) => {
        if (msg?.type !== MSG_LISTENING) return;
        info ??= { url: msg.url, port: msg.port, host: msg.host };
        if (++listening === count) resolve(handle);
      });
      w.on('exit', (code, signal) => {
        live.delete(w);
        if (stopping) {
          if (live.size === 0) resolveDone();
          return;
        }
        if (info === undefined) {
          stopping = true;
          for (const other of live) other.process.kill('SIGKILL');
          reject(new FastbenchError('ERR_SERVER_START', `a prefork worker exited before listening (${signal ?? `code ${code}`})`));
          resolveDone();
          return;
        }
        const now = Date.now();
        restarts = restarts.filter((t) => now - t < 60_000);
        if (restarts.length >= maxRestarts) {
          log(`fastbench serve: worker ${w.process.pid} exited (${signal ?? `code ${code}`}); too many restarts, not restarting`);
          if (live.size === 0) resolveDone();
          return;
        }
        restarts.push(now);
        log(`fastbench serve: worker ${w.process.pid} exited (${signal ?? `code ${code}`}); starting another`);
        fork();
      });
    };

    const handle: PreforkHandle = {
      get url() {
        return info!.url;
      },
      get port() {
        return info!.port;
      },
      get host() {
        return info!.host;
      },
      get pids() {
        return [...live].map((w) => w.process.pid!).filter((p) => p !== undefined);
      },
      done,
      close(graceMs = 5_000): Promise<void> {
        if (!stopping) {
          stopping = true;
          if (live.size === 0) resolveDone();
          for (const w of live) {
            if (w.isConnected()) w.send({ type: MSG_SHUTDOWN, graceMs });
            else w.process.kill('SIGTERM');
          }
          const killer = setTimeout(() => {
            for (const w of live) w.process.kill('SIGKILL');
          }, graceMs + 2_000);
          void done.then(() => clearTimeout(killer));
        }
        return done;
      },
    };

    for (let i = 0; i < count; i++) fork();
  });
}

/** The worker side: builds and runs one server from the primary's options. */
export async function runPreforkWorker(): Promise<void> {
  const raw = process.env[ENV_KEY];
  if (!cluster.isWorker || raw === undefined || process.send === undefined) {
    throw new FastbenchError('ERR_SERVER_START', 'not a fastbench prefork worker');
  }
  const { tlsCertFile, tlsKeyFile, ...rest } = JSON.parse(raw) as PreforkServerOptions;
  const server = createServer({
    ...rest,
    ...(tlsCertFile !== undefined && tlsKeyFile !== undefined ? { tls: { cert: readFileSync(tlsCertFile), key: readFileSync(tlsKeyFile) } } : {}),
  });
  let exiting = false;
  const exit = (graceMs: number): void => {
    if (exiting) return;
    exiting = true;
    void server.close(graceMs).finally(() => process.exit(0));
  };
  // The primary coordinates shutdown: a terminal's Ctrl-C reaches the whole process group, so a
  // worker waits for the primary's word (or its disappearance) instead of dying on SIGINT.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => exit(5_000));
  process.on('message', (msg: { type?: string; graceMs?: number }) => {
    if (msg?.type === MSG_SHUTDOWN) exit(msg.graceMs ?? 5_000);
  });
  process.on('disconnect', () => exit(1_000));
  const ppid = process.ppid;
  setInterval(() => {
    if (process.ppid !== ppid) exit(1_000);
  }, 1_000).unref();
  const info = await server.listen();
  process.send({ type: MSG_LISTENING, ...info } satisfies ListeningMessage);
}
