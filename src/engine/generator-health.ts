// Was the generator, not the target, the bottleneck — or did the run fail to deliver what it was
// asked to measure? Judged from every worker's self-monitoring and the open schedule, over the
// measured phases and the drain (warmups and teardown are left out). A run is INVALID (exit 3) when:
//
//   unsent schedule  more than maxMissedShare (1%) of the scheduled arrivals, and more than
//                    maxMissedCount (10), were never sent: their latency is unknown, so the
//                    percentiles describe a different, lighter load. Judged at ANY run length:
//                    unsent arrivals are direct evidence, not a statistic that needs samples.
//   schedule slip    more than maxLateShare (1%) of the scheduled arrivals left later than the
//                    slip tolerance (10 ms) although a connection was free (the loop could not keep
//                    time). Any length.
//   a long stall     one event-loop stall of maxStallMs (1 s) or more: every exchange in flight
//                    gained that much latency that the target never caused. Any length.
//   stalls           event-loop delay p99 above maxDelayP99Ms (50 ms). The delay histogram is
//                    time-weighted (generator-monitor.ts), so a stall covering more than ~1% of the
//                    run shows in its p99. Judged on runs monitored for minJudgedMs (1 s) or more.
//   saturation       a worker's event loop busy more than maxUtilization (98%) of the time: the
//                    numbers are the generator's ceiling, not the target's. Judged on runs
//                    monitored for minJudgedMs or more (a shorter one is mostly start-up and drain,
//                    busy by nature). The length is wall time, never a count of timer samples: a
//                    saturated loop fires its timer less often, and must not thereby escape.
//
// Scripting hooks (issue 16) run on the generator's event loop: their time is the generator's
// cost. A worst interval with more than maxHookShare (50%) of its time inside hooks is a warning;
// when the run is invalid for saturation, stalls or schedule slip and hooks took a large share of the
// time, the reason says the hooks were the bottleneck (so do the stall reasons: a slow hook is a stall). Hook failures are listed as warnings (hook,
// request, file:line:col, message, count).
//
// Backlog (every connection busy, arrivals waiting) that was worked off before the phase ended is
// the target's slowness: reported, never hidden, but valid — the latency of those arrivals counts
// from their scheduled time.
import type { GeneratorSummary } from '../metrics/run-result.js';
import type { PhaseRun } from './loop-types.js';
import type { WorkerOutcome } from './worker-run.js';

export interface HealthLimits {
  /** Share of scheduled arrivals that may leave late with a connection free. Default 0.01. */
  readonly maxLateShare: number;
  /** Share of scheduled arrivals that may go unsent. Default 0.01. */
  readonly maxMissedShare: number;
  /** Unsent arrivals tolerated whatever the share (a short run's last few). Default 10. */
  readonly maxMissedCount: number;
  /** Event-loop delay p99 (time-weighted) above which the run is invalid, ms. Default 50. */
  readonly maxDelayP99Ms: number;
  /** One event-loop stall this long or longer makes the run invalid, ms. Default 1000. */
  readonly maxStallMs: number;
  /** Event-loop utilization above which a worker counts as saturated. Default 0.98. */
  readonly maxUtilization: number;
  /** Monitored wall time below which delay p99 and utilization are not judged, ms. Default 1000. */
  readonly minJudgedMs: number;
  /** Share of a measurement interval scripting hooks may take before a warning. Default 0.5. */
  readonly maxHookShare?: number;
}

export const DEFAULT_HEALTH_LIMITS: HealthLimits = {
  maxLateShare: 0.01,
  maxMissedShare: 0.01,
  maxMissedCount: 10,
  maxDelayP99Ms: 50,
  maxStallMs: 1000,
  maxUtilization: 0.98,
  minJudgedMs: 1000,
  maxHookShare: 0.5,
};

/** Hooks took at least this share of a worker's wall time: a saturated or slipping run blames them. */
const HOOKS_BLAMED_SHARE = 0.25;

interface HookJudgement {
  /** Largest share of a worker's monitored time spent in hooks. */
  share: number;
  warnings: string[];
}

/** The hooks' cost and failures over every worker (issue 16). */
function judgeHooks(outcomes: readonly WorkerOutcome[], maxShare: number): HookJudgement | undefined {
  if (!outcomes.some((o) => o.hooks !== undefined)) return undefined;
  let share = 0;
  let worst = 0;
  let ms = 0;
  let calls = 0;
  const failures = new Map<string, { text: string; count: number }>();
  for (const o of outcomes) {
    const h = o.hooks;
    if (h === undefined) continue;
    calls += h.calls;
    ms += h.ms;
    if (o.monitor.wallMs > 0) share = Math.max(share, h.ms / o.monitor.wallMs);
    worst = Math.max(worst, h.maxIntervalShare);
    for (const f of h.failures) {
      const key = `${f.hook}|${f.request}|${f.where}|${f.message}`;
      const prev = failures.get(key);
      if (prev !== undefined) prev.count += f.count;
      else {
        const req = f.request !== '' ? ` (request "${f.request}")` : '';
        failures.set(key, { text: `hook ${f.hook}${req} failed${f.where !== '' ? ` at ${f.where}` : ''}: ${f.message}`, count: f.count });
      }
    }
  }
  const warnings: string[] = [];
  if (worst > maxShare) {
    warnings.push(
      `hooks over budget: the worst interval spent ${pct(worst)} of its time in scripting hooks (budget ${pct(maxShare)}; ${calls} calls, ${ms.toFixed(0)} ms in all): ` +
        'they are the generator\'s cost (make them cheaper, or move work to setup)',
    );
  }
  for (const f of failures.values()) warnings.push(`${f.text} (${f.count} time${f.count === 1 ? '' : 's'}; counted as ERR_HOOK)`);
  return { share, warnings };
}

export interface ScheduleHealth {
  /** Open-model arrivals that came due in measured phases. */
  scheduled: number;
  /** Of those, left more than the slip tolerance late with a connection free. */
  late: number;
  /** Largest such lag, ms. */
  maxLagMs: number;
  /** Arrivals that came due with every connection busy and waited (sent late or never; each once). */
  backlogged: number;
  /** Most arrivals owed at once: per phase summed over workers (who share one schedule), the largest phase's. */
  backlogMax: number;
  /** Arrivals never sent (the phase ended while they were owed); part of backlogged. */
  missed: number;
}

/** The result's `generator` (metrics/run-result.ts GeneratorSummary) as the engine judges it. */
export interface GeneratorHealth extends GeneratorSummary {
  schedule: ScheduleHealth;
  valid: boolean;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.01 ? 2 : 1)}%`;
}

/**
 * Sums the measured timed (open) phases' schedule figures over every worker. backlogMax: per phase the
 * workers' maxima add up (they run one schedule in step, so their backlogs peak together; an upper
 * bound), and the largest phase's sum is the run's.
 */
export function scheduleHealth(phaseLists: readonly (readonly PhaseRun[])[]): ScheduleHealth {
  const s: ScheduleHealth = { scheduled: 0, late: 0, maxLagMs: 0, backlogged: 0, backlogMax: 0, missed: 0 };
  const maxByPhase = new Map<number, number>();
  for (const list of phaseLists) {
    for (const p of list) {
      if (p.warmup || !p.timed) continue;
      s.scheduled += p.scheduled;
      s.late += p.late;
      s.backlogged += p.backlogged;
      s.missed += p.missed;
      if (p.maxLagMs > s.maxLagMs) s.maxLagMs = p.maxLagMs;
      maxByPhase.set(p.index, (maxByPhase.get(p.index) ?? 0) + p.backlogMax);
    }
  }
  for (const m of maxByPhase.values()) if (m > s.backlogMax) s.backlogMax = m;
  s.maxLagMs = Math.round(s.maxLagMs * 1000) / 1000;
  return s;
}

/**
 * The schedule counters' invariants (one phase of one worker, or summed): an arrival is sent on
 * time, sent late with a connection free (late), or waits for a connection (backlogged: sent
 * later or never). A non-empty answer is a counting bug, not a property of the run.
 */
export function scheduleCounterProblems(c: ScheduleHealth | PhaseRun): string[] {
  const out: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) out.push(what);
  };
  check(c.backlogMax <= c.backlogged, `backlogMax ${c.backlogMax} > backlogged ${c.backlogged}`);
  check(c.missed <= c.backlogged, `missed ${c.missed} > backlogged ${c.backlogged}`);
  check(c.late + c.backlogged <= c.scheduled, `late ${c.late} + backlogged ${c.backlogged} > scheduled ${c.scheduled}`);
  if ('iterations' in c && c.timed) {
    // Every arrival that came due was either taken (one iteration each) or missed.
    check(c.iterations + c.missed === c.scheduled, `iterations ${c.iterations} + missed ${c.missed} != scheduled ${c.scheduled}`);
  }
  if ('sent' in c) {
    // Every iteration sends at least its first request; a request still in flight was sent.
    check(c.iterations <= c.sent, `iterations ${c.iterations} > sent ${c.sent}`);
    check(c.abandoned <= c.sent, `abandoned ${c.abandoned} > sent ${c.sent}`);
  }
  return out;
}

export function judgeGenerator(outcomes: readonly WorkerOutcome[], limits: HealthLimits = DEFAULT_HEALTH_LIMITS): GeneratorHealth {
  const delay = { p50: 0, p99: 0, max: 0 };
  let monitoredMs = Infinity;
  let utilization = 0;
  let cpu = 0;
  let cpuPerThread = true;
  for (const o of outcomes) {
    const m = o.monitor;
    delay.p50 = Math.max(delay.p50, m.delayP50Ms);
    delay.p99 = Math.max(delay.p99, m.delayP99Ms);
    delay.max = Math.max(delay.max, m.delayMaxMs);
    monitoredMs = Math.min(monitoredMs, m.wallMs);
    utilization = Math.max(utilization, m.utilization);
    cpu = Math.max(cpu, m.cpu);
    if (!m.cpuPerThread) cpuPerThread = false;
  }
  const longEnough = monitoredMs >= limits.minJudgedMs;
  const hooks = judgeHooks(outcomes, limits.maxHookShare ?? DEFAULT_HEALTH_LIMITS.maxHookShare!);
  const blameHooks =
    hooks !== undefined && hooks.share >= HOOKS_BLAMED_SHARE
      ? ` — the scripting hooks took ${pct(hooks.share)} of the generator's time: the hooks are the bottleneck (make them cheaper, or move work to setup)`
      : '';
  const schedule = scheduleHealth(outcomes.map((o) => o.phases));
  const reasons: string[] = [];
  const warnings: string[] = [];
  const missedShare = schedule.scheduled > 0 ? schedule.missed / schedule.scheduled : 0;
  if (missedShare > limits.maxMissedShare && schedule.missed > limits.maxMissedCount) {
    const why =
      utilization > 0.9
        ? `the generator was busy ${pct(utilization)} of the time and could not send them (use more workers or cores, or a lower rate)`
        : 'every allowed connection was busy: the target, at this connection cap, could not absorb the rate (raise the cap or lower the rate)';
    reasons.push(
      `unsent schedule: ${schedule.missed} of ${schedule.scheduled} scheduled requests (${pct(missedShare)}) were never sent; ` +
        `the result describes a lighter load than the one asked for, and their latency is unknown: ${why}`,
    );
  }
  const lateShare = schedule.scheduled > 0 ? schedule.late / schedule.scheduled : 0;
  if (lateShare > limits.maxLateShare) {
    reasons.push(
      `schedule slip: ${schedule.late} of ${schedule.scheduled} scheduled requests (${pct(lateShare)}) left late although a connection was free (worst ${schedule.maxLagMs.toFixed(1)} ms): the generator could not keep the schedule${blameHooks}`,
    );
  }
  if (delay.max >= limits.maxStallMs) {
    reasons.push(`event-loop stall: the generator froze for ${delay.max.toFixed(0)} ms (limit ${limits.maxStallMs} ms): every exchange in flight gained that much latency${blameHooks}`);
  } else if (delay.p99 > limits.maxDelayP99Ms && longEnough) {
    reasons.push(
      `event-loop stalls: delay p99 ${delay.p99.toFixed(1)} ms (limit ${limits.maxDelayP99Ms} ms; longest ${delay.max.toFixed(1)} ms): timers and reads ran late in the generator${blameHooks}`,
    );
  }
  if (utilization > limits.maxUtilization && longEnough) {
    reasons.push(
      `the generator was saturated: its event loop was busy ${pct(utilization)} of the time, so the throughput and latency measured are fastbench's own ceiling, not the target's (use more workers or cores, fewer connections, or a lower rate)${blameHooks}`,
    );
  } else if (utilization > 0.9) {
    warnings.push(`the generator's event loop was busy ${pct(utilization)} of the time: close to its ceiling`);
  }
  if (schedule.backlogged > 0) {
    warnings.push(
      `backlog: ${schedule.backlogged} scheduled requests waited for a free connection (at most ${schedule.backlogMax} at once)` +
        (schedule.missed > 0 ? `, ${schedule.missed} of them never sent before their phase ended` : '') +
        ': the target did not keep up with the connections allowed (the latency of those sent counts from the scheduled time)',
    );
  }
  if (hooks !== undefined) warnings.push(...hooks.warnings);
  const problems: string[] = [];
  for (const o of outcomes) for (const p of o.phases) problems.push(...scheduleCounterProblems(p));
  if (problems.length > 0) warnings.push(`internal: the schedule counters do not add up (${problems.join('; ')}): please report this`);
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
