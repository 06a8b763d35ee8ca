// Open model: arrivals on the phase's piecewise-linear rate curve (constant, ramp, stairs), the
// maths in scenario/rate-schedule.ts; the timing, worker split and backlog accounting are
// TimedSchedule's.
import { sendTimeMs, scheduledBefore, type OpenPhase } from '../scenario/index.js';
import type { PhaseDetails } from './arrival-schedule.js';
import { TimedSchedule } from './timed-schedule.js';

export class OpenSchedule extends TimedSchedule<OpenPhase> {
  static describe(p: OpenPhase, connections: number): PhaseDetails {
    const segs = p.segments;
    const first = segs[0];
    const last = segs[segs.length - 1];
    const rate = first === undefined ? '0' : p.shape === 'constant' ? `${first.from}` : `${first.from} -> ${last!.to}`;
    return { model: 'open', shape: p.shape, rate, maxConnections: connections, warmup: p.warmup };
  }

  protected arrivalMs(k: number): number {
    return sendTimeMs(this.phase.spec, k);
  }

  protected arrivalsBefore(tMs: number): number {
    return scheduledBefore(this.phase.spec, tMs);
  }
}
