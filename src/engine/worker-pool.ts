// `workers: N`: N load workers on worker_threads, each with its own clients and Recorder. Their
// once-a-second interval points are merged by interval index for live progress; their final
// snapshots are merged losslessly by the caller.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { FastbenchError } from '../core/errors.js';
import type { IntervalTick } from './loop-types.js';
import type { ParentMessage, WorkerMessage } from './load-worker.js';
import type { WorkerInit, WorkerOutcome } from './worker-run.js';

/**
 * The compiled worker entry. Running from TypeScript sources (tests), the entry next to this file
 * is .ts, which worker_threads cannot load on Node 20: use the built one in dist/ instead.
 */
export function workerEntry(): URL {
  const here = new URL('./load-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = fileURLToPath(here).replace(/([\\/])src([\\/])engine([\\/])load-worker\.js$/, '$1dist$2engine$3load-worker.js');
  if (existsSync(built)) return pathToFileURL(built);
  throw new FastbenchError('ERR_INTERNAL', `cannot find the load worker entry (${fileURLToPath(here)}); run \`npm run build\``);
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, IntervalTick[]>();
  private stopped = false;

  constructor(
    private readonly inits: readonly WorkerInit[],
    /** Called with the ticks of every worker for one interval, in worker order. */
    private readonly onInterval: (ticks: IntervalTick[]) => void,
    /** Wall-clock epoch ms to start on (e.g. --start-at); default: as soon as every worker is built. */
    private readonly startEpochMs?: number,
  ) {}

  run(): Promise<WorkerOutcome[]> {
    const entry = workerEntry();
    const n = this.inits.length;
    return new Promise<WorkerOutcome[]>((resolve, reject) => {
      const outcomes: (WorkerOutcome | undefined)[] = new Array(n);
      const ticks = new Array<number>(n).fill(0);
      let ready = 0;
      let done = 0;
      let failed = false;
      const fail = (err: FastbenchError): void => {
        if (failed) return;
        failed = true;
        for (const w of this.workers) void w.terminate();
        reject(err);
      };
      this.inits.forEach((init, i) => {
        const w = new Worker(entry, { workerData: init });
        this.workers.push(w);
        w.on('message', (m: WorkerMessage) => {
          switch (m.type) {
            case 'ready':
              // Every worker built: start them all on one instant, a little ahead.
              if (++ready === n) {
                const soon = performance.timeOrigin + performance.now() + 20;
                const start: ParentMessage = { type: 'start', startEpochMs: Math.max(soon, this.startEpochMs ?? soon) };
                for (const x of this.workers) x.postMessage(start);
                if (this.stopped) for (const x of this.workers) x.postMessage({ type: 'stop' } satisfies ParentMessage);
              }
              break;
            case 'interval':
              this.collect(ticks[i]!++, i, m.tick);
              break;
            case 'done':
              outcomes[i] = m.outcome;
              if (++done === n) resolve(outcomes as WorkerOutcome[]);
              break;
            case 'error':
              // A hooks module that failed to load or set up is the user's to fix (exit 2), not a crash.
              fail(m.code === 'ERR_HOOK_LOAD' ? new FastbenchError('ERR_HOOK_LOAD', m.message) : new FastbenchError('ERR_WORKER_CRASHED', `load worker ${i + 1} failed: ${m.message}`));
              break;
          }
        });
        w.on('error', (e) => fail(new FastbenchError('ERR_WORKER_CRASHED', `load worker ${i + 1} crashed: ${e.message}`, { cause: e })));
        w.on('exit', (code) => {
          if (outcomes[i] === undefined) fail(new FastbenchError('ERR_WORKER_CRASHED', `load worker ${i + 1} exited with code ${code} before reporting`));
        });
      });
    });
  }

  /**
   * Interrupts every worker (each drains briefly and reports what it has). Called again — or while
   * the workers drain after the last phase — each ends at once, abandoning what is in flight.
   */
  stop(): void {
    this.stopped = true;
    const m: ParentMessage = { type: 'stop' };
    for (const w of this.workers) w.postMessage(m);
  }

  /** Groups the n-th tick of every worker; emits a group once all workers sent theirs. */
  private collect(k: number, worker: number, tick: IntervalTick): void {
    let group = this.pending.get(k);
    if (group === undefined) {
      group = new Array<IntervalTick>(this.inits.length);
      this.pending.set(k, group);
    }
    group[worker] = tick;
    let have = 0;
    for (const t of group) if (t !== undefined) have++;
    if (have === this.inits.length) {
      for (const key of this.pending.keys()) if (key <= k) this.pending.delete(key);
      this.onInterval(group);
    }
  }
}
