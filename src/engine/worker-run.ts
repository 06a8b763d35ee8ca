// One load worker's whole run — clients, recorder, loop, self-monitoring — the same code whether
// it runs on the main thread (one worker) or in a worker_thread (load-worker.ts). Everything that
// goes in (WorkerInit) and comes out (WorkerOutcome) is plain, structured-clonable data.
import { performance } from 'node:perf_hooks';
import { nowMs, toEpochMs } from '../core/clock.js';
import { Recorder } from '../metrics/recorder.js';
import type { SeriesPoint } from '../metrics/series.js';
import type { Snapshot } from '../metrics/snapshot.js';
import type { Scenario } from '../scenario/index.js';
import { slotCounts } from '../metrics/live-interval.js';
import { GeneratorMonitor, type MonitorSample } from './generator-monitor.js';
import { HookRunner, loadHooks, type HookStats } from './hook-runner.js';
import { LoadLoop } from './load-loop.js';
import type { DecodeCounts, IntervalTick, PhaseRun } from './loop-types.js';
import { TargetClients } from './target-clients.js';
import { planWorker, type ShardSpec } from './worker-plan.js';

export interface WorkerInit {
  readonly scenario: Scenario;
  readonly workerIndex: number;
  readonly workerCount: number;
  /** This process's slice of a sharded run (`run --shard i/N`); none: the whole run. */
  readonly shard?: ShardSpec;
  /** The resolved target origins (the bundled server's URL for `builtin`). */
  readonly targetOrigins: readonly string[];
  readonly tickMs?: number;
  readonly slipToleranceMs?: number;
  /** Live outputs are on (RunOptions.onLive): each tick also carries counts and health. */
  readonly live?: boolean;
}

export interface WorkerOutcome {
  readonly workerIndex: number;
  readonly snapshot: Snapshot;
  readonly phases: PhaseRun[];
  readonly requestSeries: Record<string, SeriesPoint[]>;
  /** Phase start/end instants as epoch ms (PhaseRun's are thread-local nowMs() values). */
  readonly phaseEpochs: [number, number][];
  readonly measuredStartEpochMs: number | undefined;
  readonly measuredMs: number;
  readonly interrupted: boolean;
  /** Exchanges in flight when the run ended without them (see LoopEnd.abandoned). */
  readonly abandoned: number;
  readonly monitor: MonitorSample;
  /** Compressed bodies decoded (issue 15); absent when none were. */
  readonly decode?: DecodeCounts;
  /** Connections per protocol and the most in flight on one (ProtocolUsage, warmup included). */
  readonly protocols: Record<string, { connections: number; maxInFlightPerConnection: number }>;
  /** The hooks' cost and failures (issue 16); absent without hooks. */
  readonly hooks?: HookStats;
}

/** Origins of `url:` requests, other than the scenario's target. */
export function extraOrigins(s: Scenario): string[] {
  const all = s.mode === 'flows' ? [...s.flows, s.setup, s.teardown].flatMap((f) => f?.steps ?? []) : s.requests;
  const set = new Set<string>();
  for (const r of all) if (r.origin !== undefined) set.add(r.origin);
  return [...set];
}

type ThreadCpu = () => NodeJS.CpuUsage;

/**
 * Live outputs on: each measured tick also carries the recorder's cumulative counts per request
 * and the thread's health over the interval (event-loop utilization, CPU). Once per interval.
 */
function liveTicks(recorder: Recorder, onInterval: (tick: IntervalTick) => void): (tick: IntervalTick) => void {
  const threadCpu = (process as unknown as { threadCpuUsage?: ThreadCpu }).threadCpuUsage;
  const cpuNow = typeof threadCpu === 'function' ? (): NodeJS.CpuUsage => threadCpu.call(process) : (): NodeJS.CpuUsage => process.cpuUsage();
  let elu = performance.eventLoopUtilization();
  let cpu = cpuNow();
  let at = performance.now();
  return (tick) => {
    const now = performance.now();
    const nextElu = performance.eventLoopUtilization();
    const nextCpu = cpuNow();
    const wallUs = Math.max(1, (now - at) * 1000);
    tick.health = {
      utilization: performance.eventLoopUtilization(nextElu, elu).utilization,
      cpu: (nextCpu.user - cpu.user + nextCpu.system - cpu.system) / wallUs,
    };
    elu = nextElu;
    cpu = nextCpu;
    at = now;
    if (tick.point !== undefined) tick.counts = recorder.slots.map(slotCounts);
    onInterval(tick);
  };
}

/** A worker's run, built first (clients, users, prepared requests) and started on a shared instant. */
export class WorkerRun {
  private readonly clients: TargetClients;
  private readonly recorder: Recorder;
  private readonly loop: LoadLoop;
  private readonly monitor = new GeneratorMonitor();

  /**
   * Builds a worker's run; with a hooks module (issue 16), loads it in this thread and runs its
   * setup first (throws ERR_HOOK_LOAD: nothing was sent).
   */
  static async create(init: WorkerInit, onInterval: (tick: IntervalTick) => void): Promise<WorkerRun> {
    const file = init.scenario.hooks;
    if (file === undefined) return new WorkerRun(init, onInterval);
    const scripts = new HookRunner(await loadHooks(file), file, init.targetOrigins[0] ?? '', init.workerIndex, init.workerCount);
    await scripts.setup();
    return new WorkerRun(init, onInterval, scripts);
  }

  constructor(
    private readonly init: WorkerInit,
    onInterval: (tick: IntervalTick) => void,
    private readonly scripts?: HookRunner,
  ) {
    const s = init.scenario;
    const plan = planWorker(s, init.workerIndex, init.workerCount, init.shard);
    this.clients = new TargetClients(init.targetOrigins, extraOrigins(s), {
      settings: s.client,
      maxConns: plan.maxConnections,
      pipelining: plan.pipelining,
      maxQueued: plan.maxUsers,
      net: s.target.kind === 'url' ? s.target.net : undefined,
      builtin: s.target.kind === 'builtin',
    });
    this.recorder = new Recorder({ requestNames: LoadLoop.requestNames(s) });
    this.loop = new LoadLoop({
      scenario: s,
      plan,
      clients: this.clients,
      recorder: this.recorder,
      // The generator is judged over what was measured: a warmup (often a connect storm) and the
      // wait for a shared start are left out, as the recorder leaves them out.
      hooks: { onInterval: init.live === true ? liveTicks(this.recorder, onInterval) : onInterval, onMeasureStart: () => this.monitor.start() },
      ...(init.tickMs !== undefined ? { tickMs: init.tickMs } : {}),
      ...(init.slipToleranceMs !== undefined ? { slipToleranceMs: init.slipToleranceMs } : {}),
      ...(scripts !== undefined ? { scripts } : {}),
    });
  }

  /** Interrupts the run: no new sends, a short grace for those in flight; again (or during the final drain): at once. */
  stop(): void {
    this.loop.stop();
  }

  /** Runs from `startEpochMs` (wall-clock epoch ms shared by all workers) to the end. */
  async start(startEpochMs: number): Promise<WorkerOutcome> {
    this.monitor.start();
    const startAt = startEpochMs - performance.timeOrigin;
    let end;
    let sample: MonitorSample;
    try {
      end = await this.loop.run(Math.max(startAt, nowMs()));
    } finally {
      // Before the clients close: tearing down thousands of sockets is not part of the run.
      sample = this.monitor.stop();
      await this.scripts?.teardown();
      await this.clients.close();
    }
    const measuredStart = end.measuredStartMs !== undefined ? toEpochMs(end.measuredStartMs) : undefined;
    const endEpoch = measuredStart !== undefined ? measuredStart + end.measuredMs : Date.now();
    return {
      workerIndex: this.init.workerIndex,
      snapshot: this.recorder.snapshot(Math.round(endEpoch)),
      phases: end.phases,
      requestSeries: end.requestSeries,
      phaseEpochs: end.phases.map((p) => [toEpochMs(p.startMs), toEpochMs(p.endMs)]),
      measuredStartEpochMs: measuredStart,
      measuredMs: end.measuredMs,
      interrupted: end.interrupted,
      abandoned: end.abandoned,
      monitor: sample,
      ...(end.decode !== undefined ? { decode: end.decode } : {}),
      protocols: this.clients.usage(),
      ...(this.scripts !== undefined ? { hooks: this.scripts.snapshot() } : {}),
    };
  }
}
