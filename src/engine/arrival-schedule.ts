// The seam between a load model and THE load loop. A phase's schedule answers one question, asked
// by the loop at every tick and whenever a user frees up: "what is due, and when?"
//
//   begin(run, start)   the phase starts at `start` (a nowMs() instant); schedule counters go to `run`
//   nextAt(now)         when the next arrival is due (nowMs()); > now: nothing yet; Infinity: none left
//   take(now, waited)   a free user sends it now; the answer is its INTENDED send time, where its
//                       latency starts (coordinated-omission correction: a late send still counts
//                       from when it was due). `waited`: it had been owed with no user free.
//   stall(now)          arrivals are due and every user is busy: the backlog (counted by the schedule)
//   close(end)          the phase ended: what is still owed is missed
//
// The loop owns the users, the free list, the stop counts (requests, iterations), the phase clock
// and every send; a schedule owns only arrival times and its counters in PhaseRun. Implementations:
//   closed-schedule.ts  an arrival is due whenever a user is free (intended time = the send)
//   timed-schedule.ts   arrivals at fixed instants, split across workers and shards, with the
//                       backlog / late / missed accounting; open-schedule.ts is one (a rate curve)
// A new model is one file (a class with this shape and a static `describe`) plus its scenario
// parsing, registered in schedules.ts. Schedules are built once per phase, never per arrival.
import type { Phase } from '../scenario/index.js';
import type { PhaseRun } from './loop-types.js';
import type { WorkerPhase } from './worker-plan.js';

export interface ArrivalSchedule {
  /** Arrivals come at set instants: the schedule counters (scheduled, late, backlog, missed) apply. */
  readonly timed: boolean;
  begin(run: PhaseRun, startMs: number): void;
  nextAt(now: number): number;
  take(now: number, waited: boolean): number;
  stall(now: number): void;
  close(endMs: number): void;
  /** Timed schedules: the phase-wide index of the arrival last taken (replay sends that log entry). */
  readonly taken?: number;
}

/** A phase as the result describes it (PhaseResult.details). */
export type PhaseDetails = Record<string, string | number | boolean>;

/** A load model: builds a worker's schedule for a phase, and describes the phase in the result. */
export interface ScheduleClass<P extends Phase = Phase> {
  /** `slipMs`: a send this much behind its schedule with a user free counts as late. */
  new (phase: WorkerPhase<P>, slipMs: number): ArrivalSchedule;
  /** `connections`: this process's connections (a shard's share). */
  describe(phase: P, connections: number): PhaseDetails;
}

/** How the loop gets a phase's schedule (LoopOptions.schedules; the default is schedules.ts). */
export type ScheduleFactory = (phase: WorkerPhase, slipMs: number) => ArrivalSchedule;
