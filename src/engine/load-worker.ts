// The worker_threads entry of a load worker. Messages:
//   in:  workerData = WorkerInit;  { type: 'start', startEpochMs };  { type: 'stop' } (interrupt)
//   out: { type: 'ready' } once built;  { type: 'interval', tick } once a second;
//        { type: 'done', outcome } at the end;  { type: 'error', message, stack } on failure
import { parentPort, workerData } from 'node:worker_threads';
import { FastbenchError } from '../core/errors.js';
import type { IntervalTick } from './loop-types.js';
import { WorkerRun, type WorkerInit, type WorkerOutcome } from './worker-run.js';

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'interval'; tick: IntervalTick }
  | { type: 'done'; outcome: WorkerOutcome }
  | { type: 'error'; message: string; stack: string | undefined; code?: string };

export type ParentMessage = { type: 'start'; startEpochMs: number } | { type: 'stop' };

const port = parentPort;
if (port !== null) {
  const post = (m: WorkerMessage): void => port.postMessage(m);
  const fail = (err: unknown): void => {
    const e = err instanceof Error ? err : new Error(String(err));
    const code = e instanceof FastbenchError ? e.code : undefined;
    post({ type: 'error', message: e.message, stack: e.stack, ...(code !== undefined ? { code } : {}) });
    port.close();
  };
  WorkerRun.create(workerData as WorkerInit, (tick) => post({ type: 'interval', tick })).then((run) => {
    port.on('message', (m: ParentMessage) => {
      if (m.type === 'stop') {
        run.stop();
        return;
      }
      run.start(m.startEpochMs).then((outcome) => {
        post({ type: 'done', outcome });
        port.close();
      }, fail);
    });
    post({ type: 'ready' });
  }, fail);
}
