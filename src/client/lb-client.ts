// LBClient: spreads requests over several backends (HostClients or PipelineClients), fewest
// pending first; a backend that keeps failing is skipped for a while and then tried again.
import { FastbenchError } from '../core/errors.js';
import { nowMs } from '../core/clock.js';
import { type Doer, DoerBase, type ResponseCallback } from './doer.js';
import type { Request } from './request.js';
import type { Response } from './response.js';

/** What LBClient needs of a backend: a Doer that can say how busy it is. */
export interface Backend extends Doer {
  readonly pendingCount: number;
}

export interface LBClientOptions {
  clients: readonly Backend[];
  /** Consecutive failures after which a backend is skipped. Default 3. */
  maxFailures?: number;
  /** How long a failing backend is skipped before it is tried again. Default 1000 ms. */
  penaltyMs?: number;
  /** Whether an outcome counts as a backend failure. Default: transport errors and timeouts. */
  isFailure?: (err: FastbenchError | null, res: Response) => boolean;
}

const defaultIsFailure = (err: FastbenchError | null): boolean =>
  err !== null && (err.category === 'transport' || err.category === 'timeout');

class BackendState {
  failures = 0;
  skipUntil = 0;
  constructor(readonly client: Backend) {}
}

/** Carries one exchange's caller and backend; pooled, so there is no closure per request. */
class Tracker implements ResponseCallback {
  lb: LBClient | null = null;
  backend: BackendState | null = null;
  ctx: ResponseCallback | null = null;

  onResponse(req: Request, res: Response, err: FastbenchError | null): void {
    const lb = this.lb!;
    const backend = this.backend!;
    const ctx = this.ctx!;
    this.lb = this.backend = this.ctx = null;
    lb.release(this);
    lb.settle(backend, err, res);
    ctx.onResponse(req, res, err);
  }
}

export class LBClient extends DoerBase {
  private readonly backends: BackendState[];
  private readonly maxFailures: number;
  private readonly penaltyMs: number;
  private readonly isFailure: (err: FastbenchError | null, res: Response) => boolean;
  private readonly trackers: Tracker[] = [];
  private next = 0;
  private _closed = false;

  constructor(options: LBClientOptions) {
    super();
    if (!Array.isArray(options.clients) || options.clients.length === 0) {
      throw new FastbenchError('ERR_CONFIG', 'LBClient needs at least one client');
    }
    this.backends = options.clients.map((c) => new BackendState(c));
    this.maxFailures = options.maxFailures ?? 3;
    this.penaltyMs = options.penaltyMs ?? 1000;
    this.isFailure = options.isFailure ?? defaultIsFailure;
    if (!(this.maxFailures >= 1)) throw new FastbenchError('ERR_CONFIG', 'LBClient maxFailures must be >= 1');
  }

  get closed(): boolean {
    return this._closed;
  }

  get pendingCount(): number {
    let n = 0;
    for (const b of this.backends) n += b.client.pendingCount;
    return n;
  }

  /** The backend with the fewest pending requests among those not being skipped (rotating ties). */
  private pick(): BackendState {
    const list = this.backends;
    const n = list.length;
    const start = this.next++ % n;
    let best: BackendState | undefined;
    let now = 0;
    for (let i = 0; i < n; i++) {
      const b = list[(start + i) % n]!;
      if (b.skipUntil !== 0) {
        if (now === 0) now = nowMs();
        if (b.skipUntil > now) continue;
      }
      if (best === undefined || b.client.pendingCount < best.client.pendingCount) best = b;
    }
    // every backend is being skipped: use the one whose penalty ends first
    if (best === undefined) best = list.reduce((a, b) => (b.skipUntil < a.skipUntil ? b : a));
    return best;
  }

  /** @internal */
  settle(b: BackendState, err: FastbenchError | null, res: Response): void {
    if (this.isFailure(err, res)) {
      if (++b.failures >= this.maxFailures) b.skipUntil = nowMs() + this.penaltyMs;
    } else {
      b.failures = 0;
      b.skipUntil = 0;
    }
  }

  /** @internal */
  release(t: Tracker): void {
    this.trackers.push(t);
  }

  dispatch(req: Request, res: Response, ctx: ResponseCallback, deadlineMs = Infinity): void {
    if (this._closed) throw new FastbenchError('ERR_CLIENT_CLOSED');
    const b = this.pick();
    const t = this.trackers.pop() ?? new Tracker();
    t.lb = this;
    t.backend = b;
    t.ctx = ctx;
    b.client.dispatch(req, res, t, deadlineMs);
  }


  async close(): Promise<void> {
    this._closed = true;
    await Promise.all(this.backends.map((b) => b.client.close()));
  }
}
