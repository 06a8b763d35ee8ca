// The load loop's clock: the phases, the tick, the intervals and the end. Each phase has an
// arrival schedule (arrival-schedule.ts) that the loop asks "what is due, and when": at every tick
// it hands each due arrival to a free user, and a user that frees up while an arrival is owed takes
// it at once. The schedule names each arrival's intended send time, where its latency starts (for
// the open model its scheduled time: wrk2's coordinated-omission correction; for the closed model
// the send itself); the service time from the actual send is kept too. A schedule that finds no
// user free counts its backlog, and what is still owed at the phase end as missed. The loop knows
// no model.
//
// Phases follow each other on the same users and the same pooled connections (ramps and stairs
// never reconnect). One interval timer (tickMs) drives the schedules, think times, pace waits,
// phase ends and the interval close (once a second, or the scenario's `interval:`).
//
// This class is the clock; load-loop.ts (its one subclass) is what users do: iterations, sends,
// responses, sessions. The seam is four abstract methods (placeUsers, startIteration, wakeUsers,
// drainUsers), plain prototype calls: no closure or allocation per arrival.
import { nowMs, toEpochMs } from '../core/clock.js';
import type { Recorder } from '../metrics/recorder.js';
import type { ArrivalSchedule } from './arrival-schedule.js';
import type { DecodeCounts, IntervalTick, LoopEnd, LoopOptions, PhaseRun } from './loop-types.js';
import { RequestSeries, foldTail } from './request-series.js';
import { scheduleFor } from './schedules.js';
import { UserState, type VirtualUser } from './virtual-user.js';
import type { WorkerPhase, WorkerPlan } from './worker-plan.js';

function newPhaseRun(p: WorkerPhase, timed: boolean, start: number): PhaseRun {
  return {
    index: p.index, name: p.name, warmup: p.warmup, model: p.model, timed, startMs: start, endMs: start,
    iterations: 0, sent: 0, scheduled: 0, late: 0, maxLagMs: 0, backlogged: 0, backlogMax: 0, missed: 0, abandoned: 0,
    paceOverruns: 0, dataExhausted: 0,
  };
}

export abstract class LoopControl {
  protected readonly o: LoopOptions;
  protected readonly plan: WorkerPlan;
  protected readonly recorder: Recorder;
  protected readonly users: VirtualUser[];
  /** Idle users that may take an arrival. */
  protected readonly free: VirtualUser[] = [];
  /** Users waiting out a think time, a pace or a setup retry (unordered). */
  protected readonly waiting: VirtualUser[] = [];
  protected readonly timeoutMs: number;
  private readonly tickMs: number;
  /** Length of a measurement interval (scenario `interval:`), ms. */
  protected readonly intervalMs: number;
  /** One schedule per phase, built once. */
  private readonly schedules: ArrivalSchedule[];
  /** Per-second series of single requests (windowed and abort-on-fail thresholds). */
  private readonly series: RequestSeries;
  /** Compressed responses decoded (the subclass's response checks count them). */
  private readonly decode: DecodeCounts;

  private timer: NodeJS.Timeout | undefined;
  private resolveEnd: ((end: LoopEnd) => void) | undefined;
  private readonly runs: PhaseRun[] = [];
  protected phaseIndex = -1;
  protected ph!: WorkerPhase;
  protected sched!: ArrivalSchedule;
  protected cur!: PhaseRun;
  protected phaseEnd = 0;
  protected limitReached = false;
  // the end
  protected stopping = false;
  private interrupted = false;
  protected finished = false;
  private drainUntil = Infinity;
  /** The run ended on a count: flow iterations in progress run to their end during the drain. */
  protected completeIterations = false;
  protected inFlight = 0;
  /** Exchanges still in flight when the drain ended (its deadline, or a stop during it). */
  private abandoned = 0;
  // intervals
  protected measuredStart: number | undefined;
  private measuredMs = 0;
  private intervalT = 0;
  private intervalStart = 0;
  private nextIntervalAt = Infinity;
  protected liveCompleted = 0;
  protected liveErrors = 0;

  constructor(options: LoopOptions, users: VirtualUser[], names: readonly string[], decode: DecodeCounts) {
    this.o = options;
    const s = options.scenario;
    this.plan = options.plan;
    this.recorder = options.recorder;
    this.users = users;
    this.decode = decode;
    this.timeoutMs = s.client.timeoutMs > 0 ? s.client.timeoutMs : Infinity;
    this.tickMs = options.tickMs ?? 1;
    this.intervalMs = s.intervalMs ?? 1000;
    const makeSchedule = options.schedules ?? scheduleFor;
    const slipMs = options.slipToleranceMs ?? 10;
    this.schedules = this.plan.phases.map((p) => makeSchedule(p, slipMs));
    this.series = new RequestSeries(s, names);
  }

  /** Hands the phase's idle users out (free list, or their setup); false when none can ever run. */
  protected abstract placeUsers(p: WorkerPhase, now: number): boolean;
  /** A free user takes an arrival due at `scheduledAt`. */
  protected abstract startIteration(u: VirtualUser, scheduledAt: number, now: number): void;
  /** Waiting users whose time has come resume. */
  protected abstract wakeUsers(now: number): void;
  /** The drain began: waiting and idle users stop (their teardowns start). */
  protected abstract drainUsers(now: number): void;

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

  protected beginPhase(i: number, start: number): void {
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
      this.o.scripts?.resetStats();
    }
    // The phase's users (sessions: setup first); false: none of them can ever run here.
    const now = nowMs();
    if (!this.placeUsers(p, now)) {
      this.outOfData(now);
      return;
    }
    this.dispatchDue(now);
  }

  protected closePhase(now: number): void {
    const r = this.cur;
    const end = Math.min(now, this.phaseEnd);
    r.endMs = end;
    this.sched.close(end);
    if (!this.ph.warmup) this.measuredMs += end - r.startMs;
  }

  protected advancePhase(now: number): void {
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

  protected beginDrain(now: number, graceMs: number): void {
    this.stopping = true;
    this.phaseIndex = this.plan.phases.length;
    this.drainUntil = now + graceMs;
    this.free.length = 0;
    this.drainUsers(now);
    this.maybeFinish(now);
  }

  protected maybeFinish(now: number): void {
    if (this.stopping && this.inFlight === 0 && this.waiting.length === 0) this.finish(now);
  }

  /** A unique feeder ran out while no setup holds rows per user: this worker starts no more iterations. */
  protected outOfData(now: number): void {
    this.limitReached = true;
    if (this.stopping) return;
    this.cur.dataExhausted = 1;
    this.closePhase(now);
    this.completeIterations = true;
    this.beginDrain(now, this.timeoutMs === Infinity ? 30_000 : this.timeoutMs + 100);
  }

  protected finish(now: number): void {
    if (this.finished) return;
    this.finished = true;
    // Measured exchanges still in flight after the drain: sent, never recorded.
    for (const u of this.users) if (u.state === UserState.Busy && u.measured && u.sentIn !== null) u.sentIn.abandoned++;
    this.abandoned = this.inFlight;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    // The tail (the drain, a partial second): closed only when something landed in it, and
    // folded into the last whole second so the series has no spiky sliver of a second.
    if (this.measuredStart !== undefined && this.recorder.overall.intervalRequests > 0) {
      this.emitInterval(Math.max(1, Math.round(now - this.intervalStart)));
      foldTail(this.recorder.series.points, this.intervalMs);
      this.series.foldTails(this.intervalMs);
    }
    this.resolveEnd?.(this.endValue());
  }

  protected endValue(): LoopEnd {
    return {
      phases: this.runs,
      requestSeries: this.series.points,
      measuredStartMs: this.measuredStart,
      measuredMs: this.measuredMs,
      interrupted: this.interrupted,
      abandoned: this.abandoned,
      ...(this.decode.responses > 0 ? { decode: { ...this.decode } } : {}),
      ...(this.o.scripts !== undefined ? { hooks: this.o.scripts.snapshot() } : {}),
    };
  }

  protected tick(): void {
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

  protected emitInterval(ms: number): void {
    const requestPoints = this.measuredStart !== undefined && !this.series.empty ? this.series.keep(this.recorder, this.intervalT, ms) : undefined;
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
    this.o.scripts?.intervalClosed(ms);
    this.o.hooks.onInterval(tick);
  }

  /** Hands each due arrival to a free user; tells the schedule when none is free (its backlog). */
  protected dispatchDue(now: number): void {
    const s = this.sched;
    while (!this.limitReached && s.nextAt(now) <= now) {
      const u = this.free.pop();
      if (u === undefined) {
        s.stall(now);
        return;
      }
      const at = s.take(now, false);
      u.arrival = s.taken ?? -1;
      this.startIteration(u, at, now);
    }
  }
}
