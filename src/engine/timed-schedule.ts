// Arrivals at set instants, whatever the responses do (the open model, a replay of recorded
// arrivals, ...). A subclass gives the phase's whole schedule as two pure functions of phase time:
//
//   arrivalMs(k)        when the phase's k-th arrival (0-based, all workers) is due, ms from the
//                       phase start (Infinity: no such arrival)
//   arrivalsBefore(t)   how many of them are due in [0, t)
//
// This class takes this worker's share (arrival k belongs to it when k mod stride === offset, see
// worker-plan.ts: workers and shards split any timed schedule exactly, ramps included), caps it at
// the phase's requests/iterations stops, and keeps the counters of PhaseRun:
//   late        sent more than slipMs behind its time although a user was free (the generator's slip)
//   backlogged  came due with no user free and waited, each counted once (sent later, or missed)
//   backlogMax  the most owed at once;  missed: still owed at the phase end;  scheduled: came due
// Every arrival keeps its due time as the intended send time (coordinated-omission correction).
import type { Phase } from '../scenario/index.js';
import type { ArrivalSchedule } from './arrival-schedule.js';
import type { PhaseRun } from './loop-types.js';
import { share, type WorkerPhase } from './worker-plan.js';

export abstract class TimedSchedule<P extends Phase = Phase> implements ArrivalSchedule {
  readonly timed = true;
  protected readonly phase: WorkerPhase<P>;
  private readonly slipMs: number;
  private run!: PhaseRun;
  private startMs = 0;
  private endMs = 0;
  /** This worker's next arrival (local index) and its due instant (nowMs(); Infinity: none left). */
  private j = 0;
  private dueAt = Infinity;
  /** Arrivals below this local index are known to have waited for a user (counted in backlogged). */
  private waitedTo = 0;
  /** The phase-wide index (all workers) of the arrival last taken (a replay sends the log's entry). */
  taken = -1;

  constructor(phase: WorkerPhase<P>, slipMs: number) {
    this.phase = phase;
    this.slipMs = slipMs;
  }

  /** When the phase's k-th arrival (all workers) is due, ms from the phase start; Infinity: none. */
  protected abstract arrivalMs(k: number): number;
  /** How many of the phase's arrivals (all workers) are due in [0, tMs). */
  protected abstract arrivalsBefore(tMs: number): number;

  begin(run: PhaseRun, startMs: number): void {
    this.run = run;
    this.startMs = startMs;
    this.endMs = startMs + this.phase.durationMs;
    this.j = 0;
    this.waitedTo = 0;
    this.dueAt = this.timeOf(0);
  }

  nextAt(_now: number): number {
    return this.dueAt;
  }

  take(now: number, waited: boolean): number {
    if (waited) {
      this.noteWaiting(this.j + 1);
    } else if (this.j >= this.waitedTo) {
      // Behind schedule with a user free: the generator's slip (a backlogged arrival's lag is the backlog's).
      const r = this.run;
      const lag = now - this.dueAt;
      if (lag > r.maxLagMs) r.maxLagMs = lag;
      if (lag > this.slipMs) r.late++;
    }
    const due = this.dueAt;
    this.taken = this.phase.offset + this.j * this.phase.stride;
    this.j++;
    this.dueAt = this.timeOf(this.j);
    return due;
  }

  stall(now: number): void {
    const due = this.dueBefore(now);
    this.noteWaiting(due);
    const owed = due - this.j;
    if (owed > this.run.backlogMax) this.run.backlogMax = owed;
  }

  close(endMs: number): void {
    const r = this.run;
    const due = this.dueBefore(endMs);
    const owed = due - this.j;
    if (owed > 0) {
      // Still owed when the phase ended: they waited (counted once) and were never sent.
      r.missed += owed;
      this.noteWaiting(due);
      if (owed > r.backlogMax) r.backlogMax = owed;
    }
    r.scheduled = this.j + (owed > 0 ? owed : 0);
    this.dueAt = Infinity;
  }

  /** Local arrival j → its due instant (Infinity: none left in the phase). */
  private timeOf(j: number): number {
    const p = this.phase;
    if (j >= p.requests || j >= p.iterations) return Infinity;
    const t = this.arrivalMs(p.offset + j * p.stride);
    return t < p.durationMs ? this.startMs + t : Infinity;
  }

  /** This worker's arrivals due before `until` (local count). */
  private dueBefore(until: number): number {
    const p = this.phase;
    const global = this.arrivalsBefore(Math.min(until, this.endMs) - this.startMs);
    return Math.min(share(global, p.offset, p.stride), p.requests, p.iterations);
  }

  /**
   * Arrivals below local index `upTo` have waited for a user: each is counted in backlogged once,
   * whether it is sent later or never (so backlogMax <= backlogged and missed <= backlogged).
   */
  private noteWaiting(upTo: number): void {
    const from = this.waitedTo > this.j ? this.waitedTo : this.j;
    if (upTo > from) {
      this.run.backlogged += upTo - from;
      this.waitedTo = upTo;
    }
  }
}
