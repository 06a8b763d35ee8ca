// The plain-data shapes around the load loop: its options and hooks, the once-a-second tick, and
// what it reports per phase and at the end (these cross worker_threads as they are).
import type { Recorder } from '../metrics/recorder.js';
import type { RequestCounts, WorkerHealth } from '../metrics/live-interval.js';
import type { SeriesPoint } from '../metrics/series.js';
import type { Phase, Scenario } from '../scenario/index.js';
import type { ScheduleFactory } from './arrival-schedule.js';
import type { HookRunner, HookStats } from './hook-runner.js';
import type { TargetClients } from './target-clients.js';
import type { WorkerPlan } from './worker-plan.js';

/** Sent every second of the run. */
export interface IntervalTick {
  /** The recorder's closed interval once measuring has begun (undefined during a leading warmup). */
  point: SeriesPoint | undefined;
  /** Interval length, ms (the last one of a run is usually short). */
  ms: number;
  phase: number;
  warmup: boolean;
  /** Points of the requests named by windowed or abort-on-fail thresholds (measured intervals only). */
  requestPoints: Record<string, SeriesPoint> | undefined;
  /** Exchanges completed in this interval, warmup included. */
  completed: number;
  /** Of which failed. */
  errors: number;
  /** Live outputs only (WorkerInit.live): cumulative measured counts per request name. */
  counts?: RequestCounts[];
  /** Live outputs only: the worker's health over the interval. */
  health?: WorkerHealth;
}

export interface LoopHooks {
  onInterval(tick: IntervalTick): void;
  /** The first measured (non-warmup) phase begins: self-monitoring restarts here. */
  onMeasureStart?(): void;
}

/** Schedule health of one phase (timed schedules such as open; zeros for closed phases). */
export interface PhaseRun {
  index: number;
  name: string;
  warmup: boolean;
  model: Phase['model'];
  /** The phase's arrivals came at set instants (ArrivalSchedule.timed): the schedule counters apply. */
  timed: boolean;
  /** nowMs() values. */
  startMs: number;
  endMs: number;
  /** Iterations started / requests sent. */
  iterations: number;
  sent: number;
  /** Timed: arrivals that came due (the same for every "Open:" below). */
  scheduled: number;
  /** Open: arrivals that left more than slipToleranceMs late although a user was free (the generator's fault). */
  late: number;
  /** Open: the largest lag of a send behind its schedule with a user free, ms. */
  maxLagMs: number;
  /**
   * Open: arrivals that came due with no free user (all connections busy) and waited — each once,
   * whether it was sent late or never (missed ones included).
   */
  backlogged: number;
  /** Open: the most arrivals owed at once (<= backlogged). */
  backlogMax: number;
  /** Open: arrivals still owed when the phase ended (never sent; <= backlogged). */
  missed: number;
  /** Requests sent in this (measured) phase still in flight when the run ended: never recorded. */
  abandoned: number;
  /** Closed phases, flows with `pace`: iterations that took longer than their pace (the next started at once). */
  paceOverruns: number;
  /** 1 when a `unique` data feeder ran out of rows in this phase (summed over workers in the result). */
  dataExhausted: number;
}

export interface LoopEnd {
  phases: PhaseRun[];
  /** Per-second series of the requests that windowed thresholds name (request name → points). */
  requestSeries: Record<string, SeriesPoint[]>;
  /** nowMs() of the first measured phase's start, or undefined when nothing was measured. */
  measuredStartMs: number | undefined;
  /** Sum of the measured phases' lengths. */
  measuredMs: number;
  interrupted: boolean;
  /** Exchanges in flight when the run ended without waiting for them (drain deadline or a stop during the drain). */
  abandoned: number;
  /** Compressed responses decoded in measured phases (issue 15); absent when none were. */
  decode?: DecodeCounts;
  /** The hooks' cost and failures (issue 16); absent without a hooks module. */
  hooks?: HookStats;
}

/** Decoding of compressed bodies (issue 15): kept apart from latency. */
export interface DecodeCounts {
  /** Responses decoded. */
  responses: number;
  /** Their body bytes as received (compressed). */
  wireBytes: number;
  /** Their body bytes decoded. */
  decodedBytes: number;
  /** Time spent decoding them, ms (CPU on the load thread; not part of any latency). */
  ms: number;
}

export interface LoopOptions {
  readonly scenario: Scenario;
  readonly plan: WorkerPlan;
  readonly clients: TargetClients;
  readonly recorder: Recorder;
  readonly hooks: LoopHooks;
  /** The schedule's tick, ms. Default 1. */
  readonly tickMs?: number;
  /** A send later than this behind its schedule (with a user free) counts as late. Default 10 ms. */
  readonly slipToleranceMs?: number;
  /** How long an interrupted run waits for exchanges in flight. Default min(timeout, 2 s). */
  readonly interruptDrainMs?: number;
  /** Builds each phase's arrival schedule. Default: the phase's load model (schedules.ts). */
  readonly schedules?: ScheduleFactory;
  /** The scenario's hooks module, loaded and set up for this worker (issue 16). */
  readonly scripts?: HookRunner;
}

