// Replay: the arrivals of an access log at their recorded offsets (÷ speed), on the open model —
// a request's latency counts from its recorded (scheduled) time, however late it leaves
// (coordinated-omission correction from the recorded schedule). The log is parsed at load time
// (scenario/replay-log.ts); TimedSchedule splits it across workers and shards (arrival k to
// slot k mod slots) and keeps the backlog / late / missed counters. The loop sends arrival k as
// the log's k-th request (its method and target), with the headers of the scenario's first request.
import type { ReplayPhase } from '../scenario/index.js';
import type { PhaseDetails } from './arrival-schedule.js';
import { TimedSchedule } from './timed-schedule.js';

export class ReplaySchedule extends TimedSchedule<ReplayPhase> {
  static describe(p: ReplayPhase, connections: number): PhaseDetails {
    return { model: 'replay', log: p.file, speed: p.speed, recorded: p.offsetsMs.length, maxConnections: connections, warmup: p.warmup };
  }

  protected arrivalMs(k: number): number {
    const t = this.phase.spec.offsetsMs[k];
    return t === undefined ? Infinity : t;
  }

  protected arrivalsBefore(tMs: number): number {
    // Offsets ascend: the first index at or after tMs, by bisection.
    const a = this.phase.spec.offsetsMs;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid]! < tMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
