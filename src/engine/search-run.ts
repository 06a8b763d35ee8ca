// Runs a capacity search (capacity-search.ts) against a real target: each step is one run of the
// scenario (runScenario) with a single measured open phase at the step's rate, and its result is
// read as the step's figures. Built above the engine's public API, so the load loop is the same
// one every run uses.
//
// Limitation (documented in docs/SCENARIOS.md): the engine's phase list is fixed when a run
// starts (workers are planned from it), so a step cannot be appended to a running run: each step
// dials its own connections. Each step therefore opens with a short warmup at its rate (dialing,
// warming the code; left out of its figures and of the veto). The bundled server (`target:
// builtin`) is started once and serves every step.
//
// The generator veto: a step is vetoed when the generator, not the target, limited it — schedule
// slip with a connection free, event-loop stalls, a saturated event loop, or unsent arrivals
// while the generator was busy (generator-health.ts's criteria, minus one). Arrivals left unsent
// because every allowed connection was busy with the slow target are the target's doing: they
// count as failed requests of the step (errors SLO), never as a veto.
import { FastbenchError } from '../core/errors.js';
import { judgeThreshold, type ThresholdRule } from '../metrics/threshold-evaluation.js';
import type { SearchSummary } from '../metrics/run-result.js';
import { constantOpenPhase, type Scenario, type SearchSpec } from '../scenario/index.js';
import { searchCapacity, type SearchOutcome, type SearchStep, type StepFigures } from './capacity-search.js';
import { DEFAULT_HEALTH_LIMITS, type GeneratorHealth, type HealthLimits } from './generator-health.js';
import { runScenario, type BuiltinServer, type EngineResult, type RunOptions } from './run-engine.js';

export interface SearchRunOptions extends Omit<RunOptions, 'onProgress' | 'onInterval' | 'shard' | 'startAtEpochMs'> {
  /** Each finished step (the CLI prints a line). */
  readonly onStep?: (step: SearchStep) => void;
  /** The search to run; default the scenario's `search`. */
  readonly spec?: SearchSpec;
}

/** A search's result: the knee's confirmation run (or the last step's) with `search` set. */
export type SearchRunResult = EngineResult & { search: SearchSummary };

/** Why the generator (not the target) limited a step, or undefined. See the header. */
export function generatorBottleneck(g: GeneratorHealth, limits: HealthLimits = DEFAULT_HEALTH_LIMITS): string | undefined {
  const s = g.schedule;
  const why: string[] = [];
  if (s.scheduled > 0 && s.late / s.scheduled > limits.maxLateShare) why.push(`schedule slip (${s.late} of ${s.scheduled} arrivals late with a connection free)`);
  if (g.eventLoopDelayMs.max >= limits.maxStallMs) why.push(`an event-loop stall of ${Math.round(g.eventLoopDelayMs.max)} ms`);
  else if (g.eventLoopDelayMs.p99 > limits.maxDelayP99Ms) why.push(`event-loop delay p99 ${g.eventLoopDelayMs.p99.toFixed(1)} ms`);
  if (g.eventLoopUtilization > limits.maxUtilization) why.push(`the event loop busy ${(g.eventLoopUtilization * 100).toFixed(1)}% of the time`);
  else if (s.missed > limits.maxMissedCount && s.missed / Math.max(1, s.scheduled) > limits.maxMissedShare && g.eventLoopUtilization > 0.9) {
    why.push(`${s.missed} arrivals unsent while the generator was busy ${(g.eventLoopUtilization * 100).toFixed(1)}% of the time`);
  }
  return why.length > 0 ? `the generator was the bottleneck: ${why.join('; ')}` : undefined;
}

/** A step's figures from its run: SLO values measured as thresholds are (metrics/threshold-evaluation.ts). */
export function stepFigures(spec: Pick<SearchSpec, 'slo'>, result: EngineResult, limits?: HealthLimits): StepFigures {
  const o = result.overall;
  const missed = result.generator.schedule.missed;
  const total = o.requests + missed;
  const errorRate = total > 0 ? (o.errors + missed) / total : 0;
  const seconds = result.durationMs / 1000;
  const sloValues = spec.slo.map((t) => {
    if (t.kind === 'errors') return total > 0 ? errorRate : null;
    const rule: ThresholdRule = { kind: t.kind, metric: t.metric, percentile: t.percentile, op: t.op, value: t.value, window: undefined, request: undefined };
    return judgeThreshold(rule, result).actual;
  });
  const bound = generatorBottleneck(result.generator, limits);
  return {
    achievedRps: seconds > 0 ? Math.round((o.responses / seconds) * 100) / 100 : 0,
    requests: total,
    errorRate: Math.round(errorRate * 1e6) / 1e6,
    p50Ms: o.latencyMs.count > 0 ? o.latencyMs.p50 : null,
    p99Ms: o.latencyMs.count > 0 ? o.latencyMs.p99 : null,
    sloValues,
    ...(bound !== undefined ? { generatorBound: bound } : {}),
  };
}

/** The summary `search` of a result, from the search's outcome. */
export function searchSummary(spec: Pick<SearchSpec, 'slo'>, outcome: SearchOutcome): SearchSummary {
  const out: SearchSummary = {
    confirmed: outcome.confirmed,
    ended: outcome.ended,
    slo: spec.slo.map((t) => t.text),
    elapsedMs: outcome.elapsedMs,
    steps: outcome.steps.map((s) => ({
      index: s.index,
      kind: s.kind,
      offeredRps: s.offeredRps,
      achievedRps: s.achievedRps,
      durationMs: s.durationMs,
      requests: s.requests,
      errorRate: s.errorRate,
      p50Ms: s.p50Ms,
      p99Ms: s.p99Ms,
      verdict: s.verdict,
      slo: s.slo,
      ...(s.generatorBound !== undefined ? { generatorBound: s.generatorBound } : {}),
    })),
  };
  if (outcome.knee !== undefined) out.knee = outcome.knee;
  if (outcome.generatorBound !== undefined) out.generatorBound = outcome.generatorBound;
  return out;
}

/** The warmup before each step's measured phase: a quarter of it, 250 ms to 1 s. */
export function stepWarmupMs(durationMs: number): number {
  return Math.round(Math.min(1000, Math.max(250, durationMs / 4)));
}

/** Runs the scenario's search; resolves with the knee's confirmation run carrying `search`. */
export async function runSearch(scenario: Scenario, options: SearchRunOptions = {}): Promise<SearchRunResult> {
  const spec = options.spec ?? scenario.search;
  if (spec === undefined) throw new FastbenchError('ERR_SEARCH_SPEC', 'the scenario has no `load: - search:` item');
  const limits = { ...DEFAULT_HEALTH_LIMITS, ...options.healthLimits };
  // The bundled server once for every step (each step's stop leaves it running).
  let shared: BuiltinServer | undefined;
  const builtin = options.builtin;
  const sharedBuiltin = builtin === undefined ? undefined : async (): Promise<BuiltinServer> => {
    shared ??= await builtin();
    return { url: shared.url, pid: shared.pid, stop: async () => {} };
  };
  const runs = new Map<number, EngineResult>();
  let last: EngineResult | undefined;
  try {
    const outcome = await searchCapacity(spec, {
      stopped: () => options.signal?.aborted === true || options.quitSignal?.aborted === true,
      measure: async (rate, durationMs, kind) => {
        // A short warmup at the step's rate first: the step's fresh connections are dialed and its
        // code is warm before measuring (a warmup is left out of the figures and the veto).
        const warm = { ...constantOpenPhase(`warmup ${rate}/s`, rate, stepWarmupMs(durationMs), spec.maxConnections, spec.pos), warmup: true };
        const measured = { ...constantOpenPhase(`${kind} ${rate}/s`, rate, durationMs, spec.maxConnections, spec.pos), index: 1 };
        const step = { ...scenario, phases: [warm, measured], thresholds: [] };
        const { spec: _s, onStep: _o, ...runOptions } = options;
        const result = await runScenario(step, { ...runOptions, ...(sharedBuiltin !== undefined ? { builtin: sharedBuiltin } : {}) });
        last = result;
        if (kind === 'confirm') runs.set(rate, result);
        return stepFigures(spec, result, limits);
      },
      ...(options.onStep !== undefined ? { onStep: options.onStep } : {}),
    });
    const summary = searchSummary(spec, outcome);
    const base = (outcome.confirmed && outcome.knee !== undefined ? runs.get(outcome.knee.rate) : undefined) ?? last;
    if (base === undefined) {
      // Not one step ran: stopped before the first.
      throw new FastbenchError('ERR_RUN_ABORTED', 'the capacity search was stopped before its first step: nothing was measured');
    }
    const result: SearchRunResult = { ...base, search: summary };
    if (outcome.generatorBound !== undefined) {
      result.valid = false;
      result.invalidReason = outcome.knee !== undefined
        ? `capacity search: at least ${outcome.knee.rate}/s; ${outcome.generatorBound}, so it could not go higher`
        : `capacity search: ${outcome.generatorBound} from the first step; nothing was measured of the target`;
    } else {
      // Every step passed the veto (unsent arrivals of a slow target are the target's doing).
      result.valid = true;
      delete result.invalidReason;
    }
    return result;
  } finally {
    await shared?.stop();
  }
}
