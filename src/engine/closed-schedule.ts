// Closed model: `connections` virtual users, each starting its next iteration as soon as its last
// one ended. As a schedule: an arrival is due whenever a user is free (until the phase ends), its
// intended time is the send itself, and nothing ever waits — so the schedule counters stay 0.
import type { ClosedPhase } from '../scenario/index.js';
import type { ArrivalSchedule, PhaseDetails } from './arrival-schedule.js';
import type { PhaseRun } from './loop-types.js';
import type { WorkerPhase } from './worker-plan.js';

export class ClosedSchedule implements ArrivalSchedule {
  readonly timed = false;
  private readonly durationMs: number;
  private endMs = 0;

  constructor(phase: WorkerPhase<ClosedPhase>, _slipMs: number) {
    this.durationMs = phase.durationMs;
  }

  static describe(p: ClosedPhase, connections: number): PhaseDetails {
    return { model: 'closed', connections, warmup: p.warmup };
  }

  begin(_run: PhaseRun, startMs: number): void {
    this.endMs = startMs + this.durationMs;
  }

  nextAt(now: number): number {
    return now < this.endMs ? now : Infinity;
  }

  take(now: number, _waited: boolean): number {
    return now;
  }

  stall(_now: number): void {
    // a closed arrival exists only for a free user: nothing waits
  }

  close(_endMs: number): void {
    // nothing owed
  }
}
