// The load loop: ONE loop for every load model. Each phase has an arrival schedule
// (arrival-schedule.ts) that the loop asks "what is due, and when": at every tick it hands each due
// arrival to a free user, and a user that frees up while an arrival is owed takes it at once. The
// schedule names each arrival's intended send time, where its latency starts (for the open model
// its scheduled time: wrk2's coordinated-omission correction; for the closed model the send
// itself); the service time from the actual send is kept too. A schedule that finds no user free
// counts its backlog, and what is still owed at the phase end as missed. The loop knows no model.
//
// Phases follow each other on the same users and the same pooled connections (ramps and stairs
// never reconnect). Pipelining just means more users: each in-flight slot is a user with its own
// scheduled time. The loop object is the ResponseCallback of every exchange: no closure, promise
// or timer per request; one interval timer (tickMs) drives the schedules, think times, pace waits,
// phase ends and the interval close (once a second, or the scenario's `interval:`).
//
// Sessions (flows mode): a user runs the `setup` flow when a phase first needs it (before taking
// any arrival; a failed setup is retried after SETUP_RETRY_MS), keeps its captures and data row for
// every iteration, and runs `teardown` once when the run ends (within the drain's grace). Think
// times are drawn from the user's seeded Prng; `pace` holds a closed-model user until its
// iteration's start + pace (an iteration that took longer is a pace overrun, counted per phase).
// A `unique` feeder that runs out stops the user (with setup: that user never logs in) or, without
// setup, this worker's run: iterations in progress finish, teardowns run, then the drain.
import { nowMs, toEpochMs } from '../core/clock.js';
import { errorId } from '../core/errors.js';
import type { FastbenchError } from '../core/errors.js';
import type { ResponseCallback } from '../client/doer.js';
import type { Request } from '../client/request.js';
import type { Response } from '../client/response.js';
import { FAILED_STATUS, type Recorder } from '../metrics/recorder.js';
import { encodeHistogram } from '../metrics/encoded-histogram.js';
import { Series, type SeriesPoint } from '../metrics/series.js';
import { Prng, mix32 } from '../core/prng.js';
import { DataFeeder, applyCaptures, pickWeighted, sampleThink, statusAccepted, type Expectation, type Scenario } from '../scenario/index.js';
import type { ArrivalSchedule } from './arrival-schedule.js';
import { decodeBody } from '../http/content-coding.js';
import { UserCookies, cookieJarsEnabled } from './cookie-jar.js';
import type { DecodeCounts, IntervalTick, LoopEnd, LoopOptions, PhaseRun } from './loop-types.js';
import { PreparedRequest } from './prepared-request.js';
import type { TargetClients } from './target-clients.js';
import { scheduleFor } from './schedules.js';
import { StreamMode } from '../client/stream-timer.js';
import { armStream, recordStream } from './stream-recording.js';
import { UserState, VirtualUser, Wake, type UserResponse } from './virtual-user.js';
import { WsSteps, type WsStepHost } from './ws-step.js';
import type { WorkerPhase, WorkerPlan } from './worker-plan.js';

const EXPECT_FAILED = errorId('ERR_EXPECT_FAILED');
const CAPTURE_FAILED = errorId('ERR_CAPTURE_FAILED');
const INVALID_HEADER = errorId('ERR_HTTP_INVALID_HEADER');
const CONTENT_DECODE = errorId('ERR_CONTENT_DECODE');
/** The client's default response body limit, which also caps a decoded body. */
const DEFAULT_MAX_DECODED = 16 * 1024 * 1024;
/** A user whose setup flow failed tries it again this much later. */
export const SETUP_RETRY_MS = 1000;

/**
 * Request names that need their own per-second series: those of thresholds over windows (judged
 * at the end) and of abort-on-fail thresholds (judged live).
 */
export function seriesRequests(s: Scenario): string[] {
  const names = new Set<string>();
  for (const t of s.thresholds) if ((t.window !== undefined || t.abortOnFail) && t.request !== undefined) names.add(t.request);
  return [...names];
}

/** The expectation's header and body checks (the status is judged apart: statusAccepted). */
function meetsExpectation(e: Expectation, bodyNeedles: readonly Buffer[], res: Response, decoded: Buffer | undefined): boolean {
  const hs = e.headers;
  for (let i = 0; i < hs.length; i++) {
    const v = res.header(hs[i]![0]);
    if (v === undefined || !v.includes(hs[i]![1])) return false;
  }
  if (bodyNeedles.length > 0) {
    const body = decoded ?? res.body;
    for (let i = 0; i < bodyNeedles.length; i++) if (body.indexOf(bodyNeedles[i]!) < 0) return false;
  }
  return true;
}

/** Bytes of the response head (status line to the blank line) plus the body. */
function bytesIn(res: Response): number {
  const h = res.headers;
  const head = h.count > 0 ? h.offsets[h.count * 4 - 1]! + 4 : 19;
  return head + res.bodyLength;
}

/** Bytes a failed exchange read before it failed (what the connection saw for it). */
function failedBytesIn(res: Response): number {
  if (res.bytesRead > 0) return res.bytesRead;
  return res.status !== 0 ? bytesIn(res) : 0;
}

/** Merges a short last point into the one before it (the drain belongs to the last interval). */
function foldTail(points: SeriesPoint[], intervalMs: number): void {
  const n = points.length;
  if (n < 2 || points[n - 1]!.ms >= intervalMs) return;
  const tail = points.pop()!;
  const prev = points.pop()!;
  points.push(Series.mergePoints([prev, tail]));
}

function newPhaseRun(p: WorkerPhase, timed: boolean, start: number): PhaseRun {
  return {
    index: p.index, name: p.name, warmup: p.warmup, model: p.model, timed, startMs: start, endMs: start,
    iterations: 0, sent: 0, scheduled: 0, late: 0, maxLagMs: 0, backlogged: 0, backlogMax: 0, missed: 0, abandoned: 0,
    paceOverruns: 0, dataExhausted: 0,
  };
}

export class LoadLoop implements ResponseCallback, WsStepHost {
  private readonly o: LoopOptions;
  private readonly plan: WorkerPlan;
  private readonly recorder: Recorder;
  private readonly clients: TargetClients;
  private readonly users: VirtualUser[] = [];
  /** Idle users that may take an arrival. */
  private readonly free: VirtualUser[] = [];
  /** Users waiting out a think time (unordered). */
  private readonly waiting: VirtualUser[] = [];
  private readonly requests: PreparedRequest[] = [];
  /** flows mode: prepared steps per flow, then setup's and teardown's. */
  private readonly flowSteps: PreparedRequest[][] = [];
  /** Each flow's `pace`, ms (0: none). */
  private readonly paceMs: number[] = [];
  /** Indexes into flowSteps of the setup and teardown flows (-1: none). */
  private readonly setupFlow: number = -1;
  private readonly teardownFlow: number = -1;
  /** Vars slots setup captured, kept across iterations. */
  private readonly sharedVars: number;
  private readonly flows: boolean;
  private readonly weights: readonly number[];
  private readonly feeder: DataFeeder | undefined;
  private readonly timeoutMs: number;
  private readonly tickMs: number;
  /** Length of a measurement interval (scenario `interval:`), ms. */
  private readonly intervalMs: number;
  /** One schedule per phase, built once. */
  private readonly schedules: ArrivalSchedule[];

  private timer: NodeJS.Timeout | undefined;
  private resolveEnd: ((end: LoopEnd) => void) | undefined;
  private readonly runs: PhaseRun[] = [];
  private phaseIndex = -1;
  private ph!: WorkerPhase;
  private sched!: ArrivalSchedule;
  private cur!: PhaseRun;
  private phaseEnd = 0;
  private limitReached = false;
  // the end
  private stopping = false;
  private interrupted = false;
  private finished = false;
  private drainUntil = Infinity;
  /** The run ended on a count: flow iterations in progress run to their end during the drain. */
  private completeIterations = false;
  private inFlight = 0;
  /** Exchanges still in flight when the drain ended (its deadline, or a stop during it). */
  private abandoned = 0;
  private seq = 0;
  // intervals
  private measuredStart: number | undefined;
  private measuredMs = 0;
  private intervalT = 0;
  private intervalStart = 0;
  private nextIntervalAt = Infinity;
  private liveCompleted = 0;
  private liveErrors = 0;
  /** Recorder slots whose interval figures are kept per second, and their points. */
  private readonly seriesSlots: number[] = [];
  private readonly requestSeries: Record<string, SeriesPoint[]> = {};
  // issue 15 (sess-web): cookies and decoding
  /** "scheme://host[:port]" per group and backend: the base of the URL a jar is asked about. */
  private readonly cookieBase: string[][] = [];
  /** Measured responses decoded, their body bytes on the wire and decoded, and the decode time. */
  private readonly decode: DecodeCounts = { responses: 0, wireBytes: 0, decodedBytes: 0, ms: 0 };
  private readonly maxDecoded: number;
  /** issue 18: the runner of `ws:` flow steps; null when the scenario has none. */
  private readonly wsSteps: WsSteps | null;

  constructor(options: LoopOptions) {
    this.o = options;
    const s = options.scenario;
    this.plan = options.plan;
    this.recorder = options.recorder;
    this.clients = options.clients;
    this.flows = s.mode === 'flows';
    this.weights = s.cumulativeWeights;
    this.timeoutMs = s.client.timeoutMs > 0 ? s.client.timeoutMs : Infinity;
    this.tickMs = options.tickMs ?? 1;
    this.intervalMs = options.scenario.intervalMs ?? 1000;
    const makeSchedule = options.schedules ?? scheduleFor;
    const slipMs = options.slipToleranceMs ?? 10;
    this.schedules = this.plan.phases.map((p) => makeSchedule(p, slipMs));
    // One seed per run (--seed, or a random one), mixed with the worker's fleet slot and the user index.
    const seed = s.seed !== undefined ? s.seed >>> 0 : Math.floor(Math.random() * 0x1_0000_0000);
    const workerSeed = mix32(seed, this.plan.slot);
    if (s.data !== undefined && s.data.rows.length > 0) {
      const rng = new Prng(mix32(workerSeed, 0x0da7a));
      this.feeder = new DataFeeder(s.data, this.plan.slot, this.plan.slots, () => rng.float());
    }
    let index = 0;
    const keepalive = s.client.keepalive;
    this.sharedVars = s.sharedVars ?? 0;
    if (this.flows) {
      for (const f of s.flows) {
        this.flowSteps.push(f.steps.map((st) => new PreparedRequest(st, index++, options.clients, keepalive)));
        this.paceMs.push(f.paceMs ?? 0);
      }
      for (const f of [s.setup, s.teardown]) {
        if (f === undefined) continue;
        if (f === s.setup) this.setupFlow = this.flowSteps.length;
        else this.teardownFlow = this.flowSteps.length;
        this.flowSteps.push(f.steps.map((st) => new PreparedRequest(st, index++, options.clients, keepalive)));
        this.paceMs.push(0);
      }
    } else {
      for (const r of s.requests) this.requests.push(new PreparedRequest(r, index++, options.clients, keepalive));
    }
    options.clients.onUnsolicited = (err, bytes) => this.onUnsolicited(err, bytes);
    this.wsSteps = WsSteps.forScenario(s, options.clients, this.recorder, this);
    const names = LoadLoop.requestNames(s);
    for (const name of seriesRequests(s)) {
      const i = names.indexOf(name);
      if (i < 0) continue;
      this.seriesSlots.push(i);
      this.requestSeries[name] = [];
    }
    const maxVars = Math.max(0, ...[...s.flows, s.setup, s.teardown].map((f) => f?.vars.length ?? 0));
    this.maxDecoded = s.client.maxResponseBodySize ?? DEFAULT_MAX_DECODED;
    const jars = cookieJarsEnabled(s);
    if (jars) {
      for (const g of options.clients.groups) {
        const scheme = g.origin.startsWith('https:') ? 'https://' : 'http://';
        this.cookieBase.push(g.backends.map((b) => scheme + b.hostHeader));
      }
    }
    const cookieOrigins = [...new Set(this.cookieBase.flat())];
    for (let i = 0; i < this.plan.maxUsers; i++) {
      const u = new VirtualUser(i, mix32(workerSeed, i));
      u.vars = new Array<string>(maxVars).fill('');
      if (this.flows) u.ctx.vars = u.vars;
      if (jars) u.cookies = new UserCookies(s.cookies, cookieOrigins);
      this.users.push(u);
    }
  }

  /** Request names in recorder order. */
  static requestNames(s: Scenario): string[] {
    if (s.mode !== 'flows') return s.requests.map((r) => r.name);
    return [...s.flows, s.setup, s.teardown].flatMap((f) => f?.steps.map((st) => st.name) ?? []);
  }

  /** Runs the phases from `startAt` (a nowMs() instant, possibly in the future) to the end. */
  run(startAt: number): Promise<LoopEnd> {
    if (this.finished) return Promise.resolve(this.endValue()); // stopped before it started
    return new Promise<LoopEnd>((resolve) => {
      this.resolveEnd = resolve;
      this.intervalStart = startAt;
      this.nextIntervalAt = startAt + this.intervalMs;
      this.timer = setInterval(() => this.tick(), this.tickMs);
      const begin = (): void => {
        if (this.finished || this.stopping) return;
        this.beginPhase(0, startAt);
      };
      const wait = startAt - nowMs();
      if (wait > 0) setTimeout(begin, wait);
      else begin();
    });
  }

  /**
   * Stops sending now (Ctrl-C): in-flight exchanges get a short grace, then the run ends. A stop
   * while the run already drains — a second one, or the first after the measured time while the
   * last exchanges wait out their timeout — ends it at once: those in flight are abandoned
   * (counted in LoopEnd.abandoned).
   */
  stop(): void {
    if (this.finished) return;
    this.interrupted = true;
    const now = nowMs();
    if (this.stopping) {
      this.finish(now);
      return;
    }
    if (this.phaseIndex >= 0 && this.phaseIndex < this.plan.phases.length) this.closePhase(now);
    this.beginDrain(now, this.o.interruptDrainMs ?? Math.min(this.timeoutMs, 2000));
  }

  // ------------------------------------------------------------------ phases

  private beginPhase(i: number, start: number): void {
    const p = this.plan.phases[i]!;
    const sched = this.schedules[i]!;
    this.phaseIndex = i;
    this.ph = p;
    this.sched = sched;
    this.phaseEnd = start + p.durationMs;
    this.limitReached = p.requests <= 0 || p.iterations <= 0;
    this.cur = newPhaseRun(p, sched.timed, start);
    this.runs.push(this.cur);
    sched.begin(this.cur, start);
    if (!p.warmup && this.measuredStart === undefined) {
      this.measuredStart = start;
      this.recorder.reset(toEpochMs(start));
      this.intervalT = 0;
      this.intervalStart = start;
      this.nextIntervalAt = start + this.intervalMs;
      this.o.hooks.onMeasureStart?.();
    }
    // The phase's users that are idle (pushed in reverse: user 0 is handed the first arrival);
    // those that have not run the setup flow yet run it first, taking no arrival.
    this.free.length = 0;
    const now = nowMs();
    for (let k = p.users - 1; k >= 0; k--) {
      const u = this.users[k]!;
      if (u.state !== UserState.Idle || u.done) continue;
      if (this.setupFlow >= 0 && !u.ready) this.startSetup(u, now);
      else this.free.push(u);
    }
    // Every user of the phase left without a data row (unique rows): nothing can ever run here.
    if (this.feeder !== undefined && this.setupFlow >= 0 && this.allOutOfRows(p.users)) {
      this.outOfData(now);
      return;
    }
    this.dispatchDue(now);
  }

  private closePhase(now: number): void {
    const r = this.cur;
    const end = Math.min(now, this.phaseEnd);
    r.endMs = end;
    this.sched.close(end);
    if (!this.ph.warmup) this.measuredMs += end - r.startMs;
  }

  private advancePhase(now: number): void {
    const byTime = now >= this.phaseEnd;
    this.closePhase(now);
    const next = this.phaseIndex + 1;
    if (next >= this.plan.phases.length) {
      this.completeIterations = !byTime;
      this.beginDrain(now, this.timeoutMs === Infinity ? 30_000 : this.timeoutMs + 100);
      return;
    }
    // Duration phases chain on the planned boundary, so workers and open schedules stay exact.
    this.beginPhase(next, byTime ? this.phaseEnd : now);
  }

  private beginDrain(now: number, graceMs: number): void {
    this.stopping = true;
    this.phaseIndex = this.plan.phases.length;
    this.drainUntil = now + graceMs;
    this.free.length = 0;
    // Users waiting between iterations (pace, a setup retry) stop now; mid-iteration think times
    // are waited out only when iterations run to their end.
    const w = this.waiting;
    let kept = 0;
    for (let i = 0; i < w.length; i++) {
      const u = w[i]!;
      if (this.completeIterations && u.step >= 0) w[kept++] = u;
      else {
        u.state = UserState.Idle;
        u.step = -1;
      }
    }
    w.length = kept;
    // Idle users (and those just released) run their teardown.
    if (this.teardownFlow >= 0) for (const u of this.users) if (u.state === UserState.Idle) this.userStops(u, now);
    this.maybeFinish(now);
  }

  private maybeFinish(now: number): void {
    if (this.stopping && this.inFlight === 0 && this.waiting.length === 0) this.finish(now);
  }

  /** A user that will send no more iterations: its teardown flow, once, if it ran anything. */
  private userStops(u: VirtualUser, now: number): void {
    if (this.teardownFlow < 0 || u.done || !u.started || (this.setupFlow >= 0 && !u.ready) || this.finished) return;
    u.done = true;
    u.flow = this.teardownFlow;
    u.step = 0;
    u.vars.fill('', this.sharedVars);
    this.sendStep(u, now, now);
  }

  /** A unique feeder ran out while no setup holds rows per user: this worker starts no more iterations. */
  private outOfData(now: number): void {
    this.limitReached = true;
    if (this.stopping) return;
    this.cur.dataExhausted = 1;
    this.closePhase(now);
    this.completeIterations = true;
    this.beginDrain(now, this.timeoutMs === Infinity ? 30_000 : this.timeoutMs + 100);
  }

  private finish(now: number): void {
    if (this.finished) return;
    this.finished = true;
    // Measured exchanges still in flight after the drain: sent, never recorded.
    for (const u of this.users) if (u.state === UserState.Busy && u.measured && u.sentIn !== null) u.sentIn.abandoned++;
    this.abandoned = this.inFlight;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.wsSteps?.closeAll();
    // The tail (the drain, a partial second): closed only when something landed in it, and
    // folded into the last whole second so the series has no spiky sliver of a second.
    if (this.measuredStart !== undefined && this.recorder.overall.intervalRequests > 0) {
      this.emitInterval(Math.max(1, Math.round(now - this.intervalStart)));
      foldTail(this.recorder.series.points, this.intervalMs);
      for (const name in this.requestSeries) foldTail(this.requestSeries[name]!, this.intervalMs);
    }
    this.resolveEnd?.(this.endValue());
  }

  private endValue(): LoopEnd {
    return {
      phases: this.runs,
      requestSeries: this.requestSeries,
      measuredStartMs: this.measuredStart,
      measuredMs: this.measuredMs,
      interrupted: this.interrupted,
      abandoned: this.abandoned,
      ...(this.decode.responses > 0 ? { decode: { ...this.decode } } : {}),
    };
  }

  // ------------------------------------------------------------------ the tick

  private tick(): void {
    if (this.finished) return;
    const now = nowMs();
    // Whole intervals first, so a phase ending on an interval boundary closes that interval in full.
    while (now >= this.nextIntervalAt) {
      this.emitInterval(this.intervalMs);
      this.nextIntervalAt += this.intervalMs;
    }
    if (!this.stopping && this.phaseIndex >= 0) {
      // A loop: a phase may end at once (zero duration, a count already reached).
      // Arrivals that came due before the phase end still go out (late) before it closes.
      for (let guard = 0; guard < 1000 && !this.stopping && (now >= this.phaseEnd || this.limitReached); guard++) {
        this.dispatchDue(now);
        this.advancePhase(now);
      }
      if (!this.stopping) this.dispatchDue(now);
    }
    if (this.finished) return;
    if (this.waiting.length > 0) this.wakeUsers(now);
    if (this.stopping && ((this.inFlight === 0 && this.waiting.length === 0) || now >= this.drainUntil)) this.finish(now);
  }

  private emitInterval(ms: number): void {
    const requestPoints = this.measuredStart !== undefined && this.seriesSlots.length > 0 ? this.keepRequestPoints(ms) : undefined;
    const point = this.measuredStart !== undefined ? this.recorder.closeInterval(this.intervalT, ms) : undefined;
    const phase = Math.min(this.phaseIndex, this.plan.phases.length - 1);
    const tick: IntervalTick = {
      point,
      ms,
      requestPoints,
      phase,
      warmup: phase >= 0 && this.plan.phases[phase]!.warmup,
      completed: this.liveCompleted,
      errors: this.liveErrors,
    };
    this.liveCompleted = 0;
    this.liveErrors = 0;
    this.intervalT++;
    this.intervalStart += ms;
    this.o.hooks.onInterval(tick);
  }

  /** Before the recorder resets its interval figures: the points of the windowed requests. */
  private keepRequestPoints(ms: number): Record<string, SeriesPoint> {
    const out: Record<string, SeriesPoint> = {};
    for (const i of this.seriesSlots) {
      const slot = this.recorder.slots[i]!;
      const h = slot.intervalCorrected;
      const requests = slot.intervalRequests;
      const errors = slot.intervalErrors;
      const point: SeriesPoint = {
        t: this.intervalT, ms, requests, responses: requests - errors, errors, bytesIn: 0, bytesOut: 0,
        p50Us: h.percentile(50), p99Us: h.percentile(99), corrected: encodeHistogram(h),
      };
      this.requestSeries[slot.name]!.push(point);
      out[slot.name] = point;
    }
    return out;
  }

  /** Hands each due arrival to a free user; tells the schedule when none is free (its backlog). */
  private dispatchDue(now: number): void {
    const s = this.sched;
    while (!this.limitReached && s.nextAt(now) <= now) {
      const u = this.free.pop();
      if (u === undefined) {
        s.stall(now);
        return;
      }
      this.startIteration(u, s.take(now, false), now);
    }
  }

  private wakeUsers(now: number): void {
    const w = this.waiting;
    for (let i = w.length - 1; i >= 0; i--) {
      const u = w[i]!;
      if (u.wakeAt > now) continue;
      w[i] = w[w.length - 1]!;
      w.pop();
      u.state = UserState.Idle;
      if (u.step >= 0) this.sendStep(u, u.wakeAt, now);
      else if (u.wake === Wake.EndIteration) this.endIteration(u, now);
      else if (u.wake === Wake.Setup) this.retrySetup(u, now);
      else this.iterationDone(u, now);
    }
  }

  // ------------------------------------------------------------------ iterations and sends

  private startIteration(u: VirtualUser, scheduledAt: number, now: number): void {
    if (this.flows) {
      // With a setup flow the user keeps the row it logged in with; otherwise a row per iteration.
      if (this.feeder !== undefined && this.setupFlow < 0) {
        const row = this.feeder.next();
        if (row === undefined) {
          this.outOfData(now);
          return;
        }
        u.ctx.row = row;
      }
      const f = this.weights.length > 1 ? pickWeighted(this.weights, u.rng.float()) : 0;
      u.flow = f;
      u.step = 0;
      u.started = true;
      u.vars.fill('', this.sharedVars);
      const pace = this.paceMs[f]!;
      u.paceMs = pace;
      if (pace > 0) u.iterStart = now;
    }
    if (u.cookies !== undefined) u.cookies.beginIteration();
    const r = this.cur;
    r.iterations++;
    if (r.iterations >= this.ph.iterations) this.limitReached = true;
    this.sendStep(u, scheduledAt, now);
  }

  /** The setup flow, before the user's first iteration: it takes no arrival and counts no iteration. */
  private startSetup(u: VirtualUser, now: number): void {
    // A retried setup keeps the row the user drew.
    if (this.feeder !== undefined && u.ctx.row === undefined) {
      const row = this.feeder.next();
      if (row === undefined) {
        // No row left for this user: it never logs in and never runs (unique rows, onExhausted: stop).
        u.done = true;
        this.cur.dataExhausted = 1;
        return;
      }
      u.ctx.row = row;
    }
    u.flow = this.setupFlow;
    u.step = 0;
    u.started = true;
    u.vars.fill('');
    this.sendStep(u, now, now);
  }

  private allOutOfRows(users: number): boolean {
    for (let k = 0; k < users; k++) if (!this.users[k]!.done) return false;
    return true;
  }

  private retrySetup(u: VirtualUser, now: number): void {
    if (this.stopping || u.index >= this.ph.users) return; // a later phase that needs it sets it up
    this.startSetup(u, now);
  }

  /** The setup flow ended: the user joins the phase, or tries again later. */
  private setupDone(u: VirtualUser, ok: boolean, now: number): void {
    if (ok) {
      u.ready = true;
      if (u.cookies !== undefined) u.cookies.markBaseline();
      this.iterationDone(u, now);
      return;
    }
    if (this.stopping) return;
    this.wait(u, now + SETUP_RETRY_MS, Wake.Setup);
  }

  private wait(u: VirtualUser, until: number, wake: Wake): void {
    u.state = UserState.Waiting;
    u.wakeAt = until;
    u.wake = wake;
    this.waiting.push(u);
  }

  /** An iteration's end (after its last think time): a closed-model user with a pace waits for it. */
  private endIteration(u: VirtualUser, now: number): void {
    const pace = u.paceMs;
    if (pace > 0 && !this.stopping && !this.sched.timed) {
      const due = u.iterStart + pace;
      if (due > now) {
        this.wait(u, due, Wake.Next);
        return;
      }
      if (now > due) this.cur.paceOverruns++;
    }
    this.iterationDone(u, now);
  }

  /** The pause after a flow step: fixed, or drawn from the user's generator. */
  private static thinkAfter(pr: PreparedRequest, u: VirtualUser): number {
    return pr.think === undefined ? pr.thinkMs : sampleThink(pr.think, u.rng);
  }

  private sendStep(u: VirtualUser, scheduledAt: number, now: number): void {
    let pr: PreparedRequest;
    if (this.flows) {
      pr = this.flowSteps[u.flow]![u.step]!;
    } else {
      pr = this.requests[this.weights.length > 1 ? pickWeighted(this.weights, u.rng.float()) : 0]!;
      if (this.feeder !== undefined) {
        const row = this.feeder.next();
        if (row === undefined) {
          this.cur.iterations--; // counted by startIteration, never sent
          this.outOfData(now); // u stays idle: the drain has begun
          return;
        }
        u.ctx.row = row;
      }
    }
    const r = this.cur;
    r.sent++;
    if (r.sent >= this.ph.requests) this.limitReached = true;
    u.ctx.seq = this.plan.slot + this.plan.slots * this.seq++;
    u.scheduledAt = scheduledAt;
    u.sentAt = now;
    u.current = pr;
    u.measured = !this.ph.warmup;
    u.sentIn = r;
    if (pr.ws) {
      // issue 18: a WebSocket session (ws-step.ts), ended through wsStepDone.
      u.state = UserState.Busy;
      this.inFlight++;
      this.wsSteps!.start(u, pr);
      return;
    }
    const clients = this.clients;
    const b = clients.pick(pr.group);
    const backend = clients.backend(pr.group, b);
    let req: Request;
    // With a jar: the Cookie header the jar has for this URL (a request with cookies to send is
    // rendered, even a static one). Without one: nothing of this runs.
    let target: string | undefined;
    let cookie: string | undefined;
    if (u.cookies !== undefined) {
      target = pr.targetFor(u.ctx);
      u.cookieUrl = this.cookieBase[pr.group]![b]! + target;
      if (!pr.ownCookie) cookie = u.cookies.header(u.cookieUrl);
    }
    if (pr.static && (cookie === undefined || cookie.length === 0)) {
      req = pr.raw[b]!;
      u.bytesOut = pr.rawLength[b]!;
    } else {
      try {
        pr.render(u.writer, u.ctx, backend.hostHeader, target, cookie);
      } catch {
        // A rendered value that cannot go on the wire: counted, the iteration ends, the user
        // resumes at the next tick (never synchronously, so a bad row cannot spin the loop).
        if (u.measured) this.recorder.recordError(pr.index, INVALID_HEADER);
        this.liveErrors++;
        if (u.flow === this.setupFlow && this.flows) {
          u.step = -1;
          this.wait(u, now + SETUP_RETRY_MS, Wake.Setup);
          return;
        }
        u.step = -1;
        this.wait(u, now, Wake.Next);
        return;
      }
      const bytes = u.writer.view();
      u.req.setRaw(bytes, pr.method);
      req = u.req;
      u.bytesOut = bytes.length;
    }
    u.res.discardBody = !pr.needsBody;
    u.res.stream = pr.stream === StreamMode.Off ? null : armStream(u, pr.stream);
    u.state = UserState.Busy;
    this.inFlight++;
    backend.client.dispatch(req, u.res, this, now + this.timeoutMs);
  }

  /** The ResponseCallback of every exchange of this loop. */
  onResponse(_req: Request, res: Response, err: FastbenchError | null): void {
    if (this.finished) return; // clients closed after the drain: not part of the run
    const u = (res as UserResponse).user;
    const now = nowMs();
    this.inFlight--;
    u.state = UserState.Idle;
    const pr = u.current!;
    u.current = null;
    // Verdict: transport error, a status not accepted (>= 400 unless expect.status names it),
    // unmet header/body expectation, failed capture, or a good response. Failed responses are
    // still responses: their status, bytes and latency are recorded with the failure.
    if (u.cookies !== undefined && err === null) u.cookies.store(res, u.cookieUrl);
    // A compressed body that something reads is decoded first (after `now`: not in the latency).
    let decoded: Buffer | undefined | null;
    if (pr.decode && err === null) decoded = this.decodeBody(res, u.measured);
    const decodeFailed = decoded === null;
    let failure = 0;
    if (err !== null) failure = err.id;
    else if (!statusAccepted(pr.expect, res.status)) failure = FAILED_STATUS;
    else if (decodeFailed) failure = CONTENT_DECODE;
    else if (pr.expect !== undefined && !meetsExpectation(pr.expect, pr.bodyNeedles, res, decoded ?? undefined)) failure = EXPECT_FAILED;
    else if (pr.captures.length > 0) {
      u.capture.decoded = decoded ?? undefined;
      if (applyCaptures(pr.captures, u.capture, u.vars) > 0) failure = CAPTURE_FAILED;
      u.capture.decoded = undefined;
    }
    this.liveCompleted++;
    if (failure !== 0) this.liveErrors++;
    if (u.measured) {
      const correctedUs = Math.round((now - u.scheduledAt) * 1000);
      if (err !== null) this.recorder.recordError(pr.index, failure, correctedUs, failedBytesIn(res), u.bytesOut);
      else this.recorder.record(pr.index, correctedUs, Math.round((now - u.sentAt) * 1000), res.status, bytesIn(res), u.bytesOut, failure);
      if (err === null && res.stream !== null) recordStream(this.recorder, pr.index, u, res, now);
    }
    this.afterResponse(u, pr, failure, now);
    if (this.stopping) this.maybeFinish(now);
  }

  /** issue 18: a `ws:` step ended (ws-step.ts recorded it). */
  wsStepDone(u: VirtualUser, pr: PreparedRequest, failure: number, now: number): void {
    if (this.finished) return;
    this.inFlight--;
    u.state = UserState.Idle;
    u.current = null;
    this.liveCompleted++;
    if (failure !== 0) this.liveErrors++;
    this.afterResponse(u, pr, failure, now);
    if (this.stopping) this.maybeFinish(now);
  }

  /** Where the user goes after an exchange: the flow's next step, a think time, its iteration's end. */
  private afterResponse(u: VirtualUser, pr: PreparedRequest, failure: number, now: number): void {
    const session = this.flows && (u.flow === this.setupFlow || u.flow === this.teardownFlow);
    if (this.stopping && !this.completeIterations && !(session && u.flow === this.teardownFlow)) {
      // A setup that just completed still owes its teardown.
      if (session && failure === 0 && u.step + 1 === this.flowSteps[u.flow]!.length) u.ready = true;
      u.step = -1;
      this.userStops(u, now);
      return;
    }
    // Flows: the next step (a failed step ends the iteration: later steps would lack its data).
    if (this.flows && failure === 0 && u.step + 1 < this.flowSteps[u.flow]!.length) {
      u.step++;
      const pause = LoadLoop.thinkAfter(pr, u);
      if (pause > 0) this.wait(u, now + pause, Wake.Next);
      else this.sendStep(u, now, now);
      return;
    }
    u.step = -1;
    if (session) {
      if (u.flow === this.setupFlow) this.setupDone(u, failure === 0, now);
      return;
    }
    if (this.stopping) {
      this.userStops(u, now);
      return;
    }
    if (this.flows && failure === 0) {
      // Think after the last step too, before the next iteration.
      const pause = LoadLoop.thinkAfter(pr, u);
      if (pause > 0) {
        this.wait(u, now + pause, Wake.EndIteration);
        return;
      }
    }
    this.endIteration(u, now);
  }

  /**
   * The response body decoded per its Content-Encoding: undefined for identity (read it as is),
   * null when it cannot be decoded. Measured responses count in LoopEnd.decode.
   */
  private decodeBody(res: Response, measured: boolean): Buffer | undefined | null {
    const coding = res.header('content-encoding');
    if (coding === undefined) return undefined;
    try {
      const d = decodeBody(res.body, coding, this.maxDecoded);
      if (measured && d.coding !== '') {
        const c = this.decode;
        c.responses++;
        c.wireBytes += res.bodyLength;
        c.decodedBytes += d.body.length;
        c.ms += d.ms;
      }
      return d.coding === '' ? undefined : d.body;
    } catch {
      return null;
    }
  }

  /** Bytes on a connection with no request in flight: a connection error, counted (measured phases). */
  private onUnsolicited(err: FastbenchError, bytes: number): void {
    if (this.finished || this.measuredStart === undefined || this.ph === undefined || this.ph.warmup) return;
    this.recorder.recordConnectionError(err.id, bytes);
  }

  /** A user between iterations: what the current phase wants of it. */
  private iterationDone(u: VirtualUser, now: number): void {
    if (this.stopping) {
      this.userStops(u, now);
      return;
    }
    const p = this.ph;
    if (u.index >= p.users) return; // a smaller phase than the one it was busy for
    // Every other user busy and an arrival owed: this one takes the oldest at once (with the closed
    // model, always: its next iteration); otherwise it waits for the schedule's next tick.
    const s = this.sched;
    if (this.free.length === 0 && !this.limitReached && now < this.phaseEnd && s.nextAt(now) <= now) {
      this.startIteration(u, s.take(now, true), now);
      return;
    }
    this.free.push(u);
  }
}
