// The scripting hooks of a scenario (`hooks: ./hooks.mjs`), run inside each load worker. The
// module exports any of:
//
//   setup(ctx)                once per worker before the load; may be async; what it returns is
//                             ctx.shared and vu.shared (a token, a key, ...)
//   beforeRequest(req, vu)    before a send: req.method, req.path, req.headers (a plain object),
//                             req.body (string or Buffer) are plain fields to assign
//   afterResponse(res, vu)    after a response: res.status, res.headers (lower-cased names, built
//                             when first read), res.body (Buffer, decoded when compressed),
//                             res.text, res.json; return false to fail it, set vu.next to choose
//                             the flow's next step by name (false: end the iteration)
//   teardown(ctx)             once per worker after the load; may be async
//
// beforeRequest and afterResponse are either one function (every request) or an object of
// functions by request name (`{ login(req, vu) {…} }`): a request with no hook of its own keeps
// the serialise-once fast path. Both are SYNCHRONOUS, on purpose: a promise per request would be
// an allocation, a microtask and a scheduling point on the hot path, and a hook awaiting I/O
// would hold its exchange's latency hostage. Work that needs I/O (a token refresh) is started
// from a hook as its own promise, once, and its result used by later requests (see
// scenarios/hooks-oauth.mjs).
//
// A hook that throws never stops the run: the exchange counts ERR_HOOK, and the first few
// distinct failures (hook, request, file:line:col of the first stack frame in the hooks file,
// message) travel back in HookStats. Time spent in hooks is measured per interval: it is the
// generator's cost, judged in generator-health.ts.
import { performance } from 'node:perf_hooks';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FastbenchError } from '../core/errors.js';

export type HookFn = (a: unknown, vu: HookUser) => unknown;
type PerRequest = HookFn | Readonly<Record<string, HookFn>> | undefined;

export interface HookModule {
  readonly setup?: (ctx: HookContext) => unknown;
  readonly beforeRequest?: PerRequest;
  readonly afterResponse?: PerRequest;
  readonly teardown?: (ctx: HookContext) => unknown;
}

/** What setup and teardown get. */
export interface HookContext {
  /** The scenario's (first) target origin, e.g. "http://127.0.0.1:8080". */
  readonly target: string;
  readonly workerIndex: number;
  readonly workerCount: number;
  /** What setup returned (undefined before it ran). */
  shared: unknown;
}

/** A virtual user as hooks see it (one per user, reused). */
export interface HookUser {
  /** The user's index in its worker. */
  readonly id: number;
  /** Flow variables by name (captures; other names set here stay with the user). */
  vars: Record<string, unknown>;
  /** The user's data row (column → value), when the scenario has `data:`. */
  data: Readonly<Record<string, string>> | undefined;
  /** What setup returned. */
  shared: unknown;
  /** afterResponse: the name of the flow step to run next, or false to end the iteration. */
  next: string | false | undefined;
}

/** One distinct hook failure (the first few are kept per worker). */
export interface HookFailure {
  hook: string;
  request: string;
  /** file:line:col of the first stack frame inside the hooks file ('' when none). */
  where: string;
  message: string;
  count: number;
}

/** What a worker's hooks cost and how they failed (crosses worker_threads as is). */
export interface HookStats {
  calls: number;
  /** Time inside hooks, ms. */
  ms: number;
  /** The largest share of a measurement interval spent inside hooks, 0..1. */
  maxIntervalShare: number;
  failures: HookFailure[];
}

const HOOK_NAMES = ['setup', 'beforeRequest', 'afterResponse', 'teardown'];
const MAX_FAILURES = 10;

/** Imports the hooks module and checks its exports; throws ERR_HOOK_LOAD. */
export async function loadHooks(file: string): Promise<HookModule> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    const err = e as Error & { code?: string };
    const why = err.code === 'ERR_UNKNOWN_FILE_EXTENSION' ? 'this Node cannot load the file type (a .ts file needs type stripping)' : err.message;
    throw new FastbenchError('ERR_HOOK_LOAD', `cannot load hooks "${file}": ${why}`, { file });
  }
  for (const name of HOOK_NAMES) {
    const v = mod[name];
    if (v === undefined || typeof v === 'function') continue;
    const perRequest = (name === 'beforeRequest' || name === 'afterResponse') && typeof v === 'object' && v !== null;
    if (perRequest && Object.values(v).every((f) => typeof f === 'function')) continue;
    throw new FastbenchError(
      'ERR_HOOK_LOAD',
      `hooks "${file}": export ${name} must be a function${name === 'beforeRequest' || name === 'afterResponse' ? ' or an object of functions by request name' : ''}`,
      { file },
    );
  }
  return mod as HookModule;
}

/** file:line:col of the first stack frame inside `file`, relative to the working directory. */
export function frameIn(err: unknown, file: string): string {
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  const url = pathToFileURL(file).href;
  for (const line of stack.split('\n')) {
    const at = line.indexOf(url) >= 0 ? line.indexOf(url) : line.indexOf(file);
    if (at < 0) continue;
    const m = /:(\d+):(\d+)\)?\s*$/.exec(line);
    const shown = relative(process.cwd(), file) || file;
    return m !== null ? `${shown}:${m[1]}:${m[2]}` : shown;
  }
  return '';
}

export class HookRunner {
  readonly ctx: HookContext;
  private readonly stats: HookStats = { calls: 0, ms: 0, maxIntervalShare: 0, failures: [] };
  private intervalMsSpent = 0;

  constructor(
    readonly mod: HookModule,
    readonly file: string,
    target: string,
    workerIndex: number,
    workerCount: number,
  ) {
    this.ctx = { target, workerIndex, workerCount, shared: undefined };
  }

  /** Runs setup (once per worker, before the load); a throw is ERR_HOOK_LOAD: nothing was sent. */
  async setup(): Promise<void> {
    if (this.mod.setup === undefined) return;
    try {
      this.ctx.shared = await this.mod.setup(this.ctx);
    } catch (e) {
      const where = frameIn(e, this.file);
      throw new FastbenchError('ERR_HOOK_LOAD', `hooks setup() failed${where !== '' ? ` at ${where}` : ''}: ${(e as Error).message ?? String(e)}`, { file: this.file });
    }
  }

  /** Runs teardown (once per worker, after the load); a throw is recorded, never fatal. */
  async teardown(): Promise<void> {
    if (this.mod.teardown === undefined) return;
    try {
      await this.mod.teardown(this.ctx);
    } catch (e) {
      this.fail('teardown', '', e);
    }
  }

  /** The request's beforeRequest (or afterResponse) hook, or undefined: decided once per request. */
  hookFor(kind: 'beforeRequest' | 'afterResponse', request: string): HookFn | undefined {
    const h = this.mod[kind];
    if (typeof h === 'function') return h;
    if (h === undefined || h === null) return undefined;
    const own = Object.prototype.hasOwnProperty.call(h, request) ? h[request] : undefined;
    return typeof own === 'function' ? own : undefined;
  }

  /**
   * Calls a request hook; the answer is what it returned, or THREW when it threw (recorded).
   * Timed: hooks are the generator's cost.
   */
  call(fn: HookFn, hook: string, request: string, arg: unknown, vu: HookUser): unknown {
    const t0 = performance.now();
    let out: unknown;
    try {
      out = fn(arg, vu);
    } catch (e) {
      out = THREW;
      this.fail(hook, request, e);
    }
    const spent = performance.now() - t0;
    this.stats.calls++;
    this.stats.ms += spent;
    this.intervalMsSpent += spent;
    return out;
  }

  /** A hook failure that is not a throw (vu.next naming no step): recorded like one. */
  fail(hook: string, request: string, e: unknown): void {
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    const where = frameIn(e, this.file);
    const list = this.stats.failures;
    for (const f of list) {
      if (f.hook === hook && f.request === request && f.where === where && f.message === message) {
        f.count++;
        return;
      }
    }
    if (list.length < MAX_FAILURES) list.push({ hook, request, where, message, count: 1 });
  }

  /** A measurement interval of `ms` closed. */
  intervalClosed(ms: number): void {
    if (ms > 0) {
      // A call that straddles the boundary counts in the interval it ended in: at most the whole interval.
      const share = Math.min(1, this.intervalMsSpent / ms);
      if (share > this.stats.maxIntervalShare) this.stats.maxIntervalShare = share;
    }
    this.intervalMsSpent = 0;
  }

  /** Forget what warmups cost (the first measured phase begins). */
  resetStats(): void {
    this.stats.calls = 0;
    this.stats.ms = 0;
    this.stats.maxIntervalShare = 0;
    this.intervalMsSpent = 0;
  }

  snapshot(): HookStats {
    const s = this.stats;
    return { calls: s.calls, ms: Math.round(s.ms * 1000) / 1000, maxIntervalShare: Math.round(s.maxIntervalShare * 1000) / 1000, failures: s.failures.map((f) => ({ ...f })) };
  }
}

/** What HookRunner.call answers when the hook threw. */
export const THREW: unique symbol = Symbol('threw');
