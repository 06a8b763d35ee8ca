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
  const exec = options.exec ?? fileURLToPath(new URL('./prefork-worker.js', import.meta.url));
  cluster.setupPrimary({ exec, args: [] });
  return new PreforkPrimary(options).start();
}

/** The primary's side: forks, restarts crashed workers (within a budget), stops them all. */
class PreforkPrimary {
  readonly live = new Set<Worker>();
  /** The first worker's listening address (all share it). */
  info: ListenInfo | undefined;
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private readonly count: number;
  private readonly env: Record<string, string>;
  private readonly log: (line: string) => void;
  private readonly maxRestarts: number;
  private stopping = false;
  private restarts: number[] = [];
  private listening = 0;
  private started: { resolve: (h: PreforkHandle) => void; reject: (e: unknown) => void } | undefined;

  constructor(options: PreforkOptions) {
    this.count = Math.max(1, Math.floor(options.workers));
    this.log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
    this.maxRestarts = options.maxRestartsPerMinute ?? 10;
    this.env = { [ENV_KEY]: JSON.stringify(options.server) };
    this.done = new Promise<void>((r) => (this.resolveDone = r));
  }

  start(): Promise<PreforkHandle> {
    return new Promise<PreforkHandle>((resolve, reject) => {
      this.started = { resolve, reject };
      for (let i = 0; i < this.count; i++) this.fork();
    });
  }

  private fork(): void {
    const w = cluster.fork(this.env);
    this.live.add(w);
    w.on('message', (msg: ListeningMessage) => this.onMessage(msg));
    w.on('exit', (code, signal) => this.onExit(w, code, signal));
  }

  private onMessage(msg: ListeningMessage): void {
    if (msg?.type !== MSG_LISTENING) return;
    this.info ??= { url: msg.url, port: msg.port, host: msg.host };
    if (++this.listening === this.count) this.started!.resolve(this.handle());
  }

  private onExit(w: Worker, code: number | null, signal: string | null): void {
    const live = this.live;
    live.delete(w);
    if (this.stopping) {
      if (live.size === 0) this.resolveDone();
      return;
    }
    const why = signal ?? `code ${code}`;
    if (this.info === undefined) {
      this.stopping = true;
      for (const other of live) other.process.kill('SIGKILL');
      this.started!.reject(new FastbenchError('ERR_SERVER_START', `a prefork worker exited before listening (${why})`));
      this.resolveDone();
      return;
    }
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < 60_000);
    if (this.restarts.length >= this.maxRestarts) {
      this.log(`fastbench serve: worker ${w.process.pid} exited (${why}); too many restarts, not restarting`);
      if (live.size === 0) this.resolveDone();
      return;
    }
    this.restarts.push(now);
    this.log(`fastbench serve: worker ${w.process.pid} exited (${why}); starting another`);
    this.fork();
  }

  close(graceMs: number): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      if (this.live.size === 0) this.resolveDone();
      for (const w of this.live) {
        if (w.isConnected()) w.send({ type: MSG_SHUTDOWN, graceMs });
        else w.process.kill('SIGTERM');
      }
      const killer = setTimeout(() => {
        for (const w of this.live) w.process.kill('SIGKILL');
      }, graceMs + 2_000);
      void this.done.then(() => clearTimeout(killer));
    }
    return this.done;
  }

  private handle(): PreforkHandle {
    const primary = this;
    return {
      get url() {
        return primary.info!.url;
      },
      get port() {
        return primary.info!.port;
      },
      get host() {
        return primary.info!.host;
      },
      get pids() {
        return [...primary.live].map((w) => w.process.pid!).filter((p) => p !== undefined);
      },
      done: this.done,
      close: (graceMs = 5_000) => this.close(graceMs),
    };
  }
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
