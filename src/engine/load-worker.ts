// The worker_threads entry of a load worker. Messages:
//   in:  workerData = WorkerInit;  { type: 'start', startEpochMs };  { type: 'stop' } (interrupt)
//   out: { type: 'ready' } once built;  { type: 'interval', tick } once a second;
//        { type: 'done', outcome } at the end;  { type: 'error', message, stack } on failure
import { parentPort, workerData } from 'node:worker_threads';
import type { IntervalTick } from './loop-types.js';
import { WorkerRun, type WorkerInit, type WorkerOutcome } from './worker-run.js';

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'interval'; tick: IntervalTick }
  | { type: 'done'; outcome: WorkerOutcome }
  | { type: 'error'; message: string; stack: string | undefined };

export type ParentMessage = { type: 'start'; startEpochMs: number } | { type: 'stop' };

const port = parentPort;
if (port !== null) {
  const post = (m: WorkerMessage): void => port.postMessage(m);
  const fail = (err: unknown): void => {
    const e = err instanceof Error ? err : new Error(String(err));
    post({ type: 'error', message: e.message, stack: e.stack });
    port.close();
  };
  try {
    const run = new WorkerRun(workerData as WorkerInit, (tick) => post({ type: 'interval', tick }));
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
  } catch (e) {
    fail(e);
  }
}
