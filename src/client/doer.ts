// The verbs every client offers (fasthttp's Doer): do / doTimeout / doDeadline return Promises
// for people; dispatch() is the fast path for the load engine — no Promise, no closure, no timer
// per request: the outcome is reported to a long-lived callback object.
import { FastbenchError } from '../core/errors.js';
import { nowMs } from '../core/clock.js';
import type { Request } from './request.js';
import type { Response } from './response.js';

/**
 * Receives the outcome of dispatched exchanges. Implemented by a long-lived object (one per
 * load-engine worker, say), never a closure per request.
 *
 * Contract: called exactly once per dispatch(), never synchronously from inside dispatch()
 * itself (so re-dispatching from the callback cannot recurse). `err` is null on success — any
 * HTTP status is a success — and otherwise the same object as `res.error`. When it is called
 * the client is done with `req` and `res`: they may be reused or dispatched again at once.
 */
export interface ResponseCallback {
  onResponse(req: Request, res: Response, err: FastbenchError | null): void;
}

export interface Doer {
  /** Sends req and fills res. Resolves with res; rejects with a FastbenchError (also in res.error). */
  do(req: Request, res: Response): Promise<Response>;
  /** do() with a deadline `timeoutMs` from now, covering every phase (waiting, dialing, reading). */
  doTimeout(req: Request, res: Response, timeoutMs: number): Promise<Response>;
  /** do() with an absolute deadline, a nowMs() (performance.now()) value. */
  doDeadline(req: Request, res: Response, deadlineMs: number): Promise<Response>;
  /**
   * The fast path: starts the exchange and reports to ctx.onResponse(req, res, err).
   * `deadlineMs` is an absolute nowMs() value (Infinity: none but the client's own timeouts).
   * Throws only for programming errors (res already in flight).
   */
  dispatch(req: Request, res: Response, ctx: ResponseCallback, deadlineMs?: number): void;
  /** Fails waiting and in-flight exchanges with ERR_CLIENT_CLOSED and closes all connections. */
  close(): Promise<void>;
  readonly closed: boolean;
}

/** Bridges one dispatch() to a Promise (the convenience path: one small object per call). */
class PromiseCallback implements ResponseCallback {
  constructor(
    private readonly resolve: (res: Response) => void,
    private readonly reject: (err: FastbenchError) => void,
  ) {}

  onResponse(_req: Request, res: Response, err: FastbenchError | null): void {
    if (err !== null) this.reject(err);
    else this.resolve(res);
  }
}

/** Runs dispatch() behind a Promise. Shared by every client's do/doTimeout/doDeadline. */
export function dispatchPromise(doer: Doer, req: Request, res: Response, deadlineMs: number): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    doer.dispatch(req, res, new PromiseCallback(resolve, reject), deadlineMs);
  });
}

/** Validates a doTimeout() argument and turns it into a deadline. */
export function timeoutToDeadline(timeoutMs: number): number {
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
    throw new FastbenchError('ERR_CONFIG', `doTimeout: timeout must be a positive number of milliseconds, got ${String(timeoutMs)}`);
  }
  return nowMs() + timeoutMs;
}

/** Validates a doDeadline() argument. */
export function checkDeadline(deadlineMs: number): number {
  if (typeof deadlineMs !== 'number' || Number.isNaN(deadlineMs)) {
    throw new FastbenchError('ERR_CONFIG', `doDeadline: deadline must be a nowMs() number, got ${String(deadlineMs)}`);
  }
  return deadlineMs;
}

/**
 * The Promise verbs, once, for every client: subclasses implement dispatch() (and close()).
 */
export abstract class DoerBase implements Doer {
  abstract dispatch(req: Request, res: Response, ctx: ResponseCallback, deadlineMs?: number): void;
  abstract close(): Promise<void>;
  abstract readonly closed: boolean;

  do(req: Request, res: Response): Promise<Response> {
    return dispatchPromise(this, req, res, Infinity);
  }

  doTimeout(req: Request, res: Response, timeoutMs: number): Promise<Response> {
    return dispatchPromise(this, req, res, timeoutToDeadline(timeoutMs));
  }

  doDeadline(req: Request, res: Response, deadlineMs: number): Promise<Response> {
    return dispatchPromise(this, req, res, checkDeadline(deadlineMs));
  }
}
