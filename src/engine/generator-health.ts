// Was the generator, not the target, the bottleneck? Judged from every worker's self-monitoring
// and the open schedule's slip, over the measured phases:
//
//   schedule slip   more than maxLateShare of the scheduled arrivals left later than the slip
//                   tolerance although a connection was free (the loop could not keep time)
//   stalls          event-loop delay p99 above maxDelayP99Ms (timers, hence sends and reads, ran late),
//                   judged on runs of at least a second (on fewer samples p99 is just the max)
//   saturation      a worker's event loop busy more than maxUtilization of the time: the numbers
//                   are the generator's ceiling, not the target's
//
// Backlog (every connection busy, arrivals waiting) is the target's slowness and is reported,
// never hidden, but it does not invalidate the run: the latency of those arrivals counts from
// their scheduled time.
import type { PhaseRun } from './loop-types.js';
import type { WorkerOutcome } from './worker-run.js';

export interface HealthLimits {
  /** Share of scheduled arrivals that may leave late with a connection free. Default 0.01. */
  readonly maxLateShare: number;
  /** Event-loop delay p99 above which the run is invalid, ms. Default 50. */
  readonly maxDelayP99Ms: number;
  /** Event-loop utilization above which a worker counts as saturated. Default 0.98. */
  readonly maxUtilization: number;
}

export const DEFAULT_HEALTH_LIMITS: HealthLimits = { maxLateShare: 0.01, maxDelayP99Ms: 50, maxUtilization: 0.98 };

export interface ScheduleHealth {
  /** Open-model arrivals that came due in measured phases. */
  scheduled: number;
  /** Of those, left more than the slip tolerance late with a connection free. */
  late: number;
  /** Largest such lag, ms. */
  maxLagMs: number;
  /** Arrivals that waited for a connection (all busy). */
  backlogged: number;
  /** Most arrivals owed at once (one worker). */
  backlogMax: number;
  /** Arrivals never sent (the phase ended while they were owed). */
  missed: number;
}

export interface GeneratorHealth {
  workers: number;
  /** The worst worker's event-loop delay, ms. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** The busiest worker's event-loop utilization, 0..1. */
  eventLoopUtilization: number;
  /** CPU per wall second: the busiest worker thread's, or the process's when Node cannot tell threads apart. */
  cpu: number;
  cpuPerThread: boolean;
  schedule: ScheduleHealth;
  valid: boolean;
  invalidReason?: string;
  /** Things worth knowing that do not invalidate the run (backlog, near-saturation). */
  warnings: string[];
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.01 ? 2 : 1)}%`;
}

/** Sums the measured phases' schedule figures of every worker. */
export function scheduleHealth(phaseLists: readonly (readonly PhaseRun[])[]): ScheduleHealth {
  const s: ScheduleHealth = { scheduled: 0, late: 0, maxLagMs: 0, backlogged: 0, backlogMax: 0, missed: 0 };
  for (const list of phaseLists) {
    for (const p of list) {
      if (p.warmup || p.model !== 'open') continue;
      s.scheduled += p.scheduled;
      s.late += p.late;
      s.backlogged += p.backlogged;
      s.missed += p.missed;
      if (p.maxLagMs > s.maxLagMs) s.maxLagMs = p.maxLagMs;
      if (p.backlogMax > s.backlogMax) s.backlogMax = p.backlogMax;
    }
  }
  s.maxLagMs = Math.round(s.maxLagMs * 1000) / 1000;
  return s;
}

export function judgeGenerator(outcomes: readonly WorkerOutcome[], limits: HealthLimits = DEFAULT_HEALTH_LIMITS): GeneratorHealth {
  const delay = { p50: 0, p99: 0, max: 0 };
  let samples = Infinity;
  let utilization = 0;
  let cpu = 0;
  let cpuPerThread = true;
  for (const o of outcomes) {
    const m = o.monitor;
    delay.p50 = Math.max(delay.p50, m.delayP50Ms);
    delay.p99 = Math.max(delay.p99, m.delayP99Ms);
    delay.max = Math.max(delay.max, m.delayMaxMs);
    samples = Math.min(samples, m.delaySamples);
    utilization = Math.max(utilization, m.utilization);
    cpu = Math.max(cpu, m.cpu);
    if (!m.cpuPerThread) cpuPerThread = false;
  }
  const schedule = scheduleHealth(outcomes.map((o) => o.phases));
  const reasons: string[] = [];
  const warnings: string[] = [];
  const lateShare = schedule.scheduled > 0 ? schedule.late / schedule.scheduled : 0;
  if (lateShare > limits.maxLateShare) {
    reasons.push(
      `schedule slip: ${schedule.late} of ${schedule.scheduled} scheduled requests (${pct(lateShare)}) left late although a connection was free (worst ${schedule.maxLagMs.toFixed(1)} ms): the generator could not keep the schedule`,
    );
  }
  if (delay.p99 > limits.maxDelayP99Ms && samples >= 100) {
    reasons.push(`event-loop stalls: delay p99 ${delay.p99.toFixed(1)} ms (limit ${limits.maxDelayP99Ms} ms): timers and reads ran late in the generator`);
  }
  // Like the delay test, saturation is judged only on runs long enough to be evidence (a run of a
  // few hundred ms is mostly start-up and drain, busy by nature).
  if (utilization > limits.maxUtilization && samples >= 100) {
    reasons.push(
      `the generator was saturated: its event loop was busy ${pct(utilization)} of the time, so the throughput and latency measured are fastbench's own ceiling, not the target's (use more workers or cores, fewer connections, or a lower rate)`,
    );
  } else if (utilization > 0.9) {
    warnings.push(`the generator's event loop was busy ${pct(utilization)} of the time: close to its ceiling`);
  }
  if (schedule.backlogged > 0 || schedule.missed > 0) {
    warnings.push(
      `backlog: ${schedule.backlogged} scheduled requests waited for a free connection (at most ${schedule.backlogMax} at once)` +
        (schedule.missed > 0 ? `, ${schedule.missed} were never sent before their phase ended` : '') +
        ': the target did not keep up with the connections allowed (their latency counts from the scheduled time)',
    );
  }
  const health: GeneratorHealth = {
    workers: outcomes.length,
    eventLoopDelayMs: delay,
    eventLoopUtilization: utilization,
    cpu,
    cpuPerThread,
    schedule,
    valid: reasons.length === 0,
    warnings,
  };
  if (reasons.length > 0) health.invalidReason = reasons.join('; ');
  return health;
}
