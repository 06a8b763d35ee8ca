// Runs a compiled Scenario and returns its RunResult. Emits progress, never prints.
//
//   1. the target: the bundled server in a child process for `builtin`, else the scenario's URLs
//   2. the workers: one on this thread (the default), or N worker_threads, each with its share
//      of connections and arrivals (worker-plan.ts) and its own Recorder
//   3. once a second: the workers' interval points, merged, become a progress event
//   4. at the end: snapshots merged losslessly, phases summed, the generator's health judged;
//      RunResult + `generator` (thresholds are the caller's: report/thresholds.ts)
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { FastbenchError } from '../core/errors.js';
import { detectEnvironment } from '../metrics/environment.js';
import { mergeSnapshots } from '../metrics/merge.js';
import { buildRunResult, type DecodeSummary, type PhaseResult, type RunResult } from '../metrics/run-result.js';
import { mergeRequestCounts, type LiveInterval, type RequestCounts, type WorkerHealth } from '../metrics/live-interval.js';
import { Series, type SeriesPoint } from '../metrics/series.js';
import { phaseConnections, type Scenario } from '../scenario/index.js';
import type { PhaseDetails } from './arrival-schedule.js';
import { DEFAULT_HEALTH_LIMITS, judgeGenerator, type GeneratorHealth, type HealthLimits } from './generator-health.js';
import { loadHooks } from './hook-runner.js';
import type { IntervalTick } from './loop-types.js';
import { describePhase } from './schedules.js';
import { ThresholdWatch } from './threshold-watch.js';
import { WorkerPool } from './worker-pool.js';
import { checkShard, NO_SHARD, planDurationMs, share, usableWorkers, type ShardSpec } from './worker-plan.js';
import { WorkerRun, type WorkerInit, type WorkerOutcome } from './worker-run.js';

export interface RunProgress {
  /** Since the first phase started, ms. */
  elapsedMs: number;
  /** Planned length of the run (Infinity when a phase ends on a count). */
  totalMs: number;
  phase: string;
  warmup: boolean;
  /** Completions per second over the last interval (warmup included). */
  rps: number;
  /** p99 of the last interval from the scheduled send, ms (undefined during a warmup). */
  p99Ms: number | undefined;
  /** Measured totals so far. */
  requests: number;
  errors: number;
}

/** The bundled server as a run uses it (`target: builtin`). */
export interface BuiltinServer {
  readonly url: string;
  /** The server process's pid, when it is a process of its own (for reading its CPU time from /proc). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export interface RunOptions {
  /** Worker threads; default the scenario's client.workers ("auto": see pickWorkers). */
  readonly workers?: number;
  /**
   * Aborting it stops the run gracefully: the result is partial and marked interrupted. During the
   * drain after the last phase it stops at once (requests in flight are abandoned and counted).
   */
  readonly signal?: AbortSignal;
  /** Aborting it ends the run at once, abandoning requests in flight ("quit now": a later Ctrl-C). */
  readonly quitSignal?: AbortSignal;
  readonly onProgress?: (p: RunProgress) => void;
  /**
   * Each closed measured interval: every worker's point (report/live-reports.ts refreshes files from
   * them), and the points of the requests that windowed or abort-on-fail thresholds name (name →
   * one point per worker; the fleet gate judges per-request thresholds with them).
   */
  readonly onInterval?: (points: SeriesPoint[], requestPoints: Record<string, SeriesPoint[]>) => void;
  /**
   * issue 17 (fleet): false leaves abort-on-fail thresholds to someone else (`run --fleet`: the
   * whole fleet's merged data decides, not this process's slice). Default true.
   */
  readonly localAbort?: boolean;
  /**
   * The live feed (dashboard, Prometheus, OTLP): each closed interval, workers merged, with
   * cumulative counts per request and the workers' health (metrics/live-interval.ts). When unset
   * the workers compute none of it.
   */
  readonly onLive?: (interval: LiveInterval) => void;
  /**
   * Starts the bundled server for `target: builtin`: required for such a scenario. The CLI passes
   * cli/builtin-server.ts (a `fastbench serve` child); tests and library users their own.
   */
  readonly builtin?: () => Promise<BuiltinServer>;
  readonly tickMs?: number;
  readonly slipToleranceMs?: number;
  readonly healthLimits?: Partial<HealthLimits>;
  /** Run only slice `index` (0-based) of `count` (`run --shard i/N`; worker-plan.ts splits it). */
  readonly shard?: ShardSpec;
  /** Start the load at this wall-clock instant (epoch ms, `--start-at`); in the past: at once. */
  readonly startAtEpochMs?: number;
}

/** How long to sleep before building the workers when the start is far ahead (they take a while to build). */
const BUILD_LEAD_MS = 2000;

/** Waits until `epochMs`, or until `signal` aborts (the run then ends before it started). */
function sleepUntil(epochMs: number, signal: AbortSignal | undefined): Promise<void> {
  const wait = epochMs - Date.now();
  if (wait <= 0 || signal?.aborted === true) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, wait);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The result of a run: RunResult (metrics/run-result.ts) with the generator's health always set. */
export type EngineResult = RunResult & { generator: GeneratorHealth };

const require = createRequire(import.meta.url);

function fastbenchVersion(): string {
  try {
    return (require('../../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/**
 * Worker threads for `workers: auto`. One load loop saturates one core; a second only pays off
 * when there is a spare core for it (the target and the OS need the others).
 */
export function pickWorkers(cores = availableParallelism()): number {
  return Math.max(1, Math.min(8, Math.floor(cores / 2)));
}

/** The workers' connections per protocol: counts summed, the in-flight peak the largest (undefined: none opened). */
function mergeProtocols(outcomes: readonly WorkerOutcome[]): RunResult['protocols'] {
  const out: NonNullable<RunResult['protocols']> = {};
  for (const o of outcomes) {
    for (const [p, u] of Object.entries(o.protocols ?? {})) {
      const t = (out[p] ??= { connections: 0, maxInFlightPerConnection: 0 });
      t.connections += u.connections;
      t.maxInFlightPerConnection = Math.max(t.maxInFlightPerConnection, u.maxInFlightPerConnection);
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function phaseResults(s: Scenario, outcomes: readonly WorkerOutcome[], runStart: number, shard: ShardSpec): PhaseResult[] {
  const out: PhaseResult[] = [];
  s.phases.forEach((p, i) => {
    let start = Infinity;
    let end = -Infinity;
    // backlogMax adds up too: the workers run one schedule in step (as in generator-health.ts).
    const sums = { iterations: 0, sent: 0, abandoned: 0, scheduled: 0, late: 0, backlogged: 0, backlogMax: 0, missed: 0, paceOverruns: 0, dataExhausted: 0 };
    let seen = false;
    let timed = false;
    for (const o of outcomes) {
      const k = o.phases.findIndex((r) => r.index === i);
      if (k < 0) continue;
      seen = true;
      const r = o.phases[k]!;
      timed = r.timed;
      const [a, b] = o.phaseEpochs[k]!;
      start = Math.min(start, a);
      end = Math.max(end, b);
      for (const key of Object.keys(sums) as (keyof typeof sums)[]) sums[key] += r[key];
    }
    if (!seen) return;
    // As this process ran it: a shard's connections are its share.
    const connections = share(phaseConnections(p), shard.index, shard.count);
    const details: PhaseDetails = { ...describePhase(p, connections), iterations: sums.iterations, sent: sums.sent };
    if (sums.abandoned > 0) details.abandoned = sums.abandoned;
    if (s.flows.some((f) => (f.paceMs ?? 0) > 0)) details.paceOverruns = sums.paceOverruns;
    if (sums.dataExhausted > 0) details.dataExhausted = sums.dataExhausted;
    if (timed) {
      Object.assign(details, { scheduled: sums.scheduled, late: sums.late, backlogged: sums.backlogged, backlogMax: sums.backlogMax, missed: sums.missed });
    }
    out.push({
      name: p.name,
      startOffsetMs: Math.round(start - runStart),
      durationMs: Math.round(end - start),
      kind: p.warmup ? 'warmup' : p.model,
      details,
    });
  });
  return out;
}

/** Live progress from one interval's ticks (one per worker). */
class ProgressTracker {
  private requests = 0;
  private errors = 0;
  private readonly startedAt = performance.now();

  constructor(
    private readonly scenario: Scenario,
    private readonly totalMs: number,
    private readonly emit: ((p: RunProgress) => void) | undefined,
  ) {}

  onTicks(ticks: readonly IntervalTick[]): void {
    if (this.emit === undefined) return;
    let completed = 0;
    const points: SeriesPoint[] = [];
    for (const t of ticks) {
      completed += t.completed;
      if (t.point !== undefined) points.push(t.point);
    }
    const merged = points.length === ticks.length && points.length > 0 ? Series.mergePoints(points) : undefined;
    if (merged !== undefined) {
      this.requests += merged.requests;
      this.errors += merged.errors;
    }
    if (ticks[0]!.ms < (this.scenario.intervalMs ?? 1000) / 2) return; // the short tail of the run: in the totals, not worth a line
    const first = ticks[0]!;
    const phase = this.scenario.phases[first.phase];
    const seconds = first.ms / 1000;
    this.emit({
      elapsedMs: Math.round(performance.now() - this.startedAt),
      totalMs: this.totalMs,
      phase: phase?.name ?? '',
      warmup: first.warmup,
      rps: Math.round(completed / seconds),
      p99Ms: merged !== undefined && merged.requests > 0 ? merged.p99Us / 1000 : undefined,
      requests: this.requests,
      errors: this.errors,
    });
  }
}

/** Builds the live feed's intervals from the workers' ticks. */
class LiveTracker {
  private index = 0;
  private elapsedMs = 0;

  constructor(private readonly scenario: Scenario, private readonly emit: (interval: LiveInterval) => void) {}

  onTicks(ticks: readonly IntervalTick[]): void {
    const first = ticks[0];
    if (first === undefined) return;
    const points: SeriesPoint[] = [];
    const counts: RequestCounts[][] = [];
    const health: WorkerHealth[] = [];
    let completed = 0;
    let errors = 0;
    for (const t of ticks) {
      completed += t.completed;
      errors += t.errors;
      if (t.point !== undefined) points.push(t.point);
      if (t.counts !== undefined) counts.push(t.counts);
      if (t.health !== undefined) health.push(t.health);
    }
    this.elapsedMs += first.ms;
    this.emit({
      index: this.index++,
      ms: first.ms,
      elapsedMs: this.elapsedMs,
      phase: first.phase,
      phaseName: this.scenario.phases[first.phase]?.name ?? '',
      warmup: first.warmup,
      completed,
      errors,
      point: points.length > 0 ? Series.mergePoints(points) : undefined,
      counts: counts.length > 0 ? mergeRequestCounts(counts) : undefined,
      health,
    });
  }
}

/** The target's origins; for `target: builtin`, the server started by RunOptions.builtin. */
async function startTarget(scenario: Scenario, options: RunOptions): Promise<{ server: BuiltinServer | undefined; targetOrigins: readonly string[] }> {
  if (scenario.target.kind !== 'builtin') return { server: undefined, targetOrigins: scenario.target.origins };
  // Stopped before it started: nothing will dial, no server needed.
  if (options.signal?.aborted === true) return { server: undefined, targetOrigins: ['http://127.0.0.1'] };
  if (options.builtin === undefined) {
    throw new FastbenchError('ERR_CONFIG', '`target: builtin` needs a server: pass RunOptions.builtin (the CLI starts `fastbench serve`), or give the scenario a target URL');
  }
  const server = await options.builtin();
  return { server, targetOrigins: [new URL(server.url).origin] };
}

/**
 * Runs the workers (this thread for one, worker_threads for more) to their end, stopping them on
 * the abort / quit signals or a failed abort-on-fail threshold; stops the builtin server after.
 */
async function runWorkers(
  scenario: Scenario,
  inits: readonly WorkerInit[],
  runStartEpoch: number,
  options: RunOptions,
  server: BuiltinServer | undefined,
): Promise<{ outcomes: WorkerOutcome[]; abortedBy: string | undefined }> {
  const progress = new ProgressTracker(scenario, planDurationMs(scenario), options.onProgress);
  const live = options.onLive !== undefined ? new LiveTracker(scenario, options.onLive) : undefined;
  const signal = options.signal;
  let outcomes: WorkerOutcome[];
  let onAbort: (() => void) | undefined;
  let stopRun: (() => void) | undefined;
  const quit = options.quitSignal;
  // Both signals may have fired already (while the bundled server started): act on them at once.
  const listen = (): void => {
    if (onAbort === undefined) return;
    signal?.addEventListener('abort', onAbort, { once: true });
    quit?.addEventListener('abort', onAbort);
    if (signal?.aborted === true) onAbort();
    if (quit?.aborted === true) onAbort();
  };
  const watch = new ThresholdWatch(options.localAbort === false ? [] : scenario.thresholds);
  let abortedBy: string | undefined;
  const onTicks = (ticks: IntervalTick[]): void => {
    progress.onTicks(ticks);
    live?.onTicks(ticks);
    if (options.onInterval !== undefined) {
      const points = ticks.flatMap((t) => (t.point !== undefined ? [t.point] : []));
      if (points.length > 0) {
        const requestPoints: Record<string, SeriesPoint[]> = {};
        for (const t of ticks) for (const [name, p] of Object.entries(t.requestPoints ?? {})) (requestPoints[name] ??= []).push(p);
        options.onInterval(points, requestPoints);
      }
    }
    if (abortedBy !== undefined || !watch.active) return;
    abortedBy = watch.onTicks(ticks);
    if (abortedBy !== undefined) stopRun?.();
  };
  try {
    if (inits.length === 1) {
      const run = await WorkerRun.create(inits[0]!, (tick) => onTicks([tick]));
      onAbort = stopRun = () => run.stop();
      listen();
      outcomes = [await run.start(runStartEpoch)];
    } else {
      const pool = new WorkerPool(inits, onTicks, options.startAtEpochMs);
      onAbort = stopRun = () => pool.stop();
      const done = pool.run();
      listen();
      outcomes = await done;
    }
  } finally {
    if (onAbort !== undefined) {
      signal?.removeEventListener('abort', onAbort);
      quit?.removeEventListener('abort', onAbort);
    }
    await server?.stop();
  }
  return { outcomes, abortedBy };
}

/** issue 15: decode counts of workers (or shards) added up; time rounded to µs. */
export function sumDecode(parts: readonly DecodeSummary[]): DecodeSummary {
  const d: DecodeSummary = { responses: 0, wireBytes: 0, decodedBytes: 0, cpuMs: 0 };
  for (const p of parts) {
    d.responses += p.responses;
    d.wireBytes += p.wireBytes;
    d.decodedBytes += p.decodedBytes;
    d.cpuMs += p.cpuMs;
  }
  d.cpuMs = Math.round(d.cpuMs * 1000) / 1000;
  return d;
}

/** Runs the scenario to the end (or until `signal` aborts) and returns the result. */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<EngineResult> {
  if (scenario.phases.length === 0) throw new FastbenchError('ERR_CONFIG', 'the scenario has no load phase');
  const wanted = options.workers ?? (scenario.client.workers === 'auto' ? pickWorkers() : scenario.client.workers);
  const shard = options.shard ?? NO_SHARD;
  checkShard(scenario, shard);
  const workerCount = usableWorkers(scenario, wanted, shard);
  // Aborted before it started (a Ctrl-C while the CLI loaded, or while waiting for --start-at):
  // the run still ends the usual way, with an empty result marked interrupted.
  const startAt = options.startAtEpochMs;
  if (startAt !== undefined) await sleepUntil(startAt - BUILD_LEAD_MS, options.signal);
  // A hooks module that cannot load fails here, before any server starts (each worker loads its own).
  if (scenario.hooks !== undefined) await loadHooks(scenario.hooks);
  const { server, targetOrigins } = await startTarget(scenario, options);
  const inits: WorkerInit[] = [];
  for (let w = 0; w < workerCount; w++) {
    inits.push({
      scenario,
      workerIndex: w,
      workerCount,
      ...(options.shard !== undefined ? { shard } : {}),
      targetOrigins,
      ...(options.tickMs !== undefined ? { tickMs: options.tickMs } : {}),
      ...(options.slipToleranceMs !== undefined ? { slipToleranceMs: options.slipToleranceMs } : {}),
      ...(options.onLive !== undefined ? { live: true } : {}),
    });
  }
  const soon = performance.timeOrigin + performance.now() + (workerCount === 1 ? 5 : 0);
  const runStartEpoch = startAt !== undefined ? Math.max(soon, startAt) : soon;
  const { outcomes, abortedBy } = await runWorkers(scenario, inits, runStartEpoch, options, server);

  const health = judgeGenerator(outcomes, { ...DEFAULT_HEALTH_LIMITS, ...options.healthLimits });
  const merged = mergeSnapshots(outcomes.map((o) => o.snapshot));
  const starts = outcomes.map((o) => o.measuredStartEpochMs).filter((x): x is number => x !== undefined);
  const firstPhase = Math.min(...outcomes.map((o) => o.phaseEpochs[0]?.[0] ?? Infinity));
  const runStart = Number.isFinite(firstPhase) ? firstPhase : runStartEpoch;
  const measuredStart = starts.length > 0 ? Math.min(...starts) : runStart;
  const measuredMs = Math.max(0, ...outcomes.map((o) => o.measuredMs));
  // Ctrl-C or an abort-on-fail threshold: either way a partial run (abortedBy tells which).
  const interrupted = outcomes.some((o) => o.interrupted);
  const result = buildRunResult(merged, {
    scenario: scenario.name,
    environment: detectEnvironment(fastbenchVersion()),
    startTime: Math.round(measuredStart),
    endTime: Math.round(measuredStart + measuredMs),
    durationMs: Math.round(measuredMs),
    phases: phaseResults(scenario, outcomes, runStart, shard),
    valid: health.valid,
    ...(health.invalidReason !== undefined ? { invalidReason: health.invalidReason } : {}),
    interrupted,
  });
  // Requests in flight when the run ended without them are counted per phase (details.abandoned).
  const out: EngineResult = { ...result, generator: health };
  const protocols = mergeProtocols(outcomes);
  if (protocols !== undefined) out.protocols = protocols;
  if (abortedBy !== undefined) out.abortedBy = abortedBy;
  if (options.shard !== undefined) out.shard = { index: shard.index, count: shard.count };
  const decoded = outcomes.flatMap((o) => (o.decode !== undefined ? [o.decode] : []));
  if (decoded.length > 0) out.decode = sumDecode(decoded.map((d) => ({ responses: d.responses, wireBytes: d.wireBytes, decodedBytes: d.decodedBytes, cpuMs: d.ms })));
  const names = Object.keys(outcomes[0]!.requestSeries);
  if (names.length > 0) {
    out.requestSeries = {};
    for (const name of names) {
      const merged = Series.merge(outcomes.map((o) => o.requestSeries[name] ?? []));
      out.requestSeries[name] = { series: Series.rows(merged), intervals: Series.intervalHistograms(merged) };
    }
  }
  return out;
}
