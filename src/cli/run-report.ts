// Runs a compiled Scenario the way `run` and `bench` both do: preflight (thresholds the engine can
// judge, the machine's limits, the report directory), live progress, signals, the report on stdout
// and the report files — and the exit code of the result. Shared by run-command.ts and
// bench-command.ts (commands never import each other).
//
// Exits: 0 ok · 1 a threshold failed, the run was stopped by a gate, or no request succeeded ·
// 2 refused before anything was sent (thrown to main.ts as a Refusal) · 3 the result is invalid:
// the generator itself was the bottleneck · 128 + n stopped by signal n (the partial result is
// still printed and written). Signals follow stop-signals.ts: the first stops gracefully, repeats
// within a second are the same stop, a later one quits now.
import { EXIT_GATE_FAILED, EXIT_GENERATOR_BOTTLENECK, EXIT_OK, FastbenchError } from '../core/errors.js';
import { planDurationMs, runScenario, type EngineResult, type ShardSpec } from '../engine/index.js';
import { renderJson } from '../report/json-report.js';
import { OutDirLock, prepareOutDir } from '../report/out-dir.js';
import { DEFAULT_REPORTS_BASE, defaultOutDir, parseFormats, REPORT_FORMATS, ReportWriter, type ReportFormat } from '../report/report-writer.js';
import { renderText } from '../report/text-report.js';
import { LiveReports } from '../report/live-reports.js';
import { evaluateThresholds } from '../report/thresholds.js';
import type { Scenario } from '../scenario/index.js';
import { startBuiltinServer } from './builtin-server.js';
import { capacityProblems } from './capacity-check.js';
import { LiveOutputs, type LiveFlags } from './live-outputs.js';
import { fleetOutcomeLines, type FleetShard } from './fleet/fleet-shard.js';
import { createProgress, type ProgressSink } from './progress.js';
import { Refusal } from './refusal.js';
import { signalExitCode, StopSignals } from './stop-signals.js';

export interface ReportOptions {
  json?: boolean;
  quiet?: boolean;
  workers?: number;
  /** Report files to write (none: stdout only). */
  formats?: readonly ReportFormat[];
  /** Their directory; default reports/<name>-<time>/ (with -shard-i-of-N for a shard). */
  outDir?: string;
  shard?: ShardSpec;
  /** Epoch ms to start the load at. */
  startAtEpochMs?: number;
  /** An invalid result (generator bottleneck) is still reported as invalid but does not exit 3. */
  allowInvalid?: boolean;
  /** Write into outDir even while another run holds its lock. */
  force?: boolean;
  /** --dashboard, --prometheus, --otlp (live-outputs.ts). */
  live?: LiveFlags;
  /** issue 17: `run --fleet`: this shard's link to the fleet (joined before anything is sent). */
  fleet?: FleetShard;
}

/** Report files the flags ask for: --format, else every format when --out is given, else none. */
export function reportFormats(format: string | undefined, out: string | undefined): ReportFormat[] | undefined {
  if (out !== undefined && out.trim() === '') throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--out needs a directory');
  if (format !== undefined) return parseFormats(format);
  return out !== undefined ? [...REPORT_FORMATS] : undefined;
}

/** Exit code of a finished run: invalid beats everything, then interrupted or a failed gate. */
export function exitCodeOf(result: EngineResult, allowInvalid = false): number {
  if (!result.valid && !allowInvalid) return EXIT_GENERATOR_BOTTLENECK;
  if (result.interrupted || result.abortedBy !== undefined) return EXIT_GATE_FAILED;
  if (result.thresholds.some((t) => !t.passed)) return EXIT_GATE_FAILED;
  if (noneSucceeded(result)) return EXIT_GATE_FAILED;
  return EXIT_OK;
}

/** Nothing measured succeeded: every request failed (or none completed). */
export function noneSucceeded(result: EngineResult): boolean {
  return result.overall.responses === 0;
}

/** The one line saying why a run with no success exits 1. */
export function noSuccessLine(result: EngineResult): string {
  const o = result.overall;
  const list = (rec: Record<string, number> | undefined): string =>
    Object.entries(rec ?? {}).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} × ${v}`).join(', ');
  const causes = [list(o.errorsByStatus) && `by status: ${list(o.errorsByStatus)}`, list(o.errorsByCode) && `by code: ${list(o.errorsByCode)}`].filter(Boolean);
  const what = o.requests === 0 ? 'no request completed' : `all ${o.requests} requests failed${causes.length > 0 ? ` (${causes.join('; ')})` : ''}`;
  return `error[ERR_NO_SUCCESS]: no request succeeded: ${what}\n`;
}

function refusal(problems: readonly FastbenchError[]): Refusal {
  return new Refusal(problems, `${problems.length === 1 ? 'the run was refused' : `${problems.length} problems`}; nothing was sent`);
}

/**
 * Everything checked before the first request: the machine's
 * limits (capacity-check.ts), the report directory (checked, created, locked). Throws a Refusal.
 */
function preflight(scenario: Scenario, options: ReportOptions): OutDirLock | undefined {
  const problems = capacityProblems(scenario, {
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.shard !== undefined ? { shard: options.shard } : {}),
  });
  if (problems.length > 0) throw refusal(problems);
  if (options.formats === undefined || options.formats.length === 0) return undefined;
  try {
    if (options.outDir !== undefined) return OutDirLock.acquire(prepareOutDir(options.outDir), { ...(options.force === true ? { force: true } : {}) });
    prepareOutDir(DEFAULT_REPORTS_BASE, { option: 'report directory' });
    return undefined;
  } catch (e) {
    if (!(e instanceof FastbenchError)) throw e;
    throw refusal([e]);
  }
}

/** How long "quit now" waits for the engine to hand back what it has before exiting without it. */
const QUIT_DEADLINE_MS = 5000;

/**
 * Runs a loaded scenario with progress and signals, prints the report, returns the exit code.
 * Refusals (nothing sent) are thrown.
 */
export async function runAndReport(scenario: Scenario, options: ReportOptions): Promise<number> {
  const lock = preflight(scenario, options);
  let live: LiveOutputs | undefined;
  try {
    live = options.live !== undefined
      ? await LiveOutputs.start(options.live, { name: scenario.name, phases: scenario.phases, intervalMs: scenario.intervalMs ?? 1000, ...(options.shard !== undefined ? { shard: options.shard } : {}), ...(options.quiet === true ? { quiet: true } : {}) })
      : undefined;
  } catch (e) {
    lock?.release();
    if (e instanceof FastbenchError) throw refusal([e]);
    throw e;
  }
  return new RunSession(scenario, options, lock, live).run();
}

/** One run from its first request to its written report, and what signals do meanwhile. */
class RunSession {
  private readonly progress: ProgressSink;
  private readonly stopRun = new AbortController();
  private readonly quitRun = new AbortController();
  private readonly signals: StopSignals;
  /** Report files: refreshed during a long run (marked partial, live-reports.ts), then final. */
  private readonly writer: ReportWriter | undefined;
  private readonly live: LiveReports | undefined;
  /** Set (with the report printed) in one turn: a signal handler never sees one without the other. */
  private done: EngineResult | undefined;
  private drainNoted = false;

  constructor(
    private readonly scenario: Scenario,
    private readonly options: ReportOptions,
    private readonly lock: OutDirLock | undefined,
    private readonly liveOutputs: LiveOutputs | undefined,
  ) {
    this.progress = createProgress({ quiet: options.quiet === true, totalMs: planDurationMs(scenario) });
    this.signals = new StopSignals({ stop: (s) => this.stop(s), quit: (s) => this.quitNow(s) });
    const shard = options.shard;
    this.writer = options.formats !== undefined && options.formats.length > 0
      ? new ReportWriter({ formats: options.formats, outDir: options.outDir ?? (shard !== undefined ? (r) => `${defaultOutDir(r)}-shard-${shard.index}-of-${shard.count}` : undefined) })
      : undefined;
    this.live = this.writer !== undefined ? new LiveReports(this.writer, { scenario: scenario.name }) : undefined;
  }

  async run(): Promise<number> {
    this.signals.install();
    let code: number | undefined;
    this.options.fleet?.start(() => {
      if (!this.stopRun.signal.aborted) this.stopRun.abort();
    }, (line) => this.log(line));
    try {
      const result = await this.load();
      if (typeof result === 'number') return result;
      code = await this.report(result);
    } finally {
      this.signals.uninstall();
      this.lock?.release();
      // A run that ended without a report (stopped before it started, crashed, files not written): its live outputs close now.
      if (code === undefined) await this.liveOutputs?.close();
      this.options.fleet?.close();
    }
    await this.liveOutputs?.linger();
    return code;
  }

  /** A line on stderr: through the progress display while it runs. */
  private log(line: string): void {
    if (this.options.quiet === true || this.done !== undefined) process.stderr.write(line + '\n');
    else this.progress.note(line);
  }

  /** The first signal: finish what is in flight (or, once the result is out, quit now). */
  private stop(signal: NodeJS.Signals): void {
    if (this.done !== undefined) return this.quitNow(signal);
    this.progress.note(this.drainNoted
      ? `stopping on ${signal}: abandoning the requests still in flight`
      : `stopping on ${signal}: finishing requests in flight (signal again after a second to quit at once)`);
    this.stopRun.abort();
  }

  /** A later signal: leave now, still writing what there is. */
  private quitNow(signal: NodeJS.Signals): void {
    const code = this.signals.exitCode ?? signalExitCode(signal);
    if (this.done === undefined) {
      // Still running or draining: abandon what is in flight; the normal path then prints and
      // writes the result within milliseconds. Should it not, leave anyway.
      this.progress.note(`quitting on ${signal}: abandoning requests in flight`);
      this.quitRun.abort();
      setTimeout(() => {
        this.progress.stop();
        process.stderr.write('interrupted: the run did not hand back a result in time; no final report was written\n');
        this.lock?.release();
        process.exit(code);
      }, QUIT_DEADLINE_MS).unref();
      return;
    }
    // The result is printed and its files are being written: write them now, synchronously.
    this.progress.stop();
    if (this.writer !== undefined) {
      try {
        for (const w of this.writer.finalSync(this.done)) process.stderr.write(`wrote ${w.path}\n`);
      } catch (e) {
        process.stderr.write((e instanceof FastbenchError ? e.format() : String(e)) + '\n');
      }
    }
    this.lock?.release();
    process.stderr.write('interrupted\n');
    process.exit(code);
  }

  /** Waits for --start-at, runs the engine; a number is the exit code of a run stopped before it started. */
  private async load(): Promise<EngineResult | number> {
    const { options, scenario } = this;
    if (options.startAtEpochMs !== undefined) {
      const at = new Date(options.startAtEpochMs).toISOString();
      const ahead = options.startAtEpochMs - Date.now();
      if (ahead < 0) process.stderr.write(`warning: --start-at ${at} is ${Math.round(-ahead / 1000)}s in the past; starting now\n`);
      else if (options.quiet !== true) process.stderr.write(`waiting ${Math.round(ahead / 1000)}s for --start-at ${at}\n`);
    }
    try {
      return await runScenario(scenario, {
        ...(options.workers !== undefined ? { workers: options.workers } : {}),
        ...(options.shard !== undefined ? { shard: options.shard } : {}),
        ...(options.startAtEpochMs !== undefined ? { startAtEpochMs: options.startAtEpochMs } : {}),
        builtin: () => startBuiltinServer(),
        signal: this.stopRun.signal,
        quitSignal: this.quitRun.signal,
        ...(this.live !== undefined || options.fleet !== undefined
          ? {
              onInterval: (points, requestPoints) => {
                this.live?.onInterval(points);
                options.fleet?.onInterval(points, requestPoints, (line) => this.log(line));
              },
            }
          : {}),
        // the fleet judges abort-on-fail thresholds on everyone's data, not this slice's
        ...(options.fleet !== undefined ? { localAbort: false } : {}),
        // a fleet shard publishes the live feed's counts and health with each interval (a watcher's dashboard)
        ...(this.liveOutputs !== undefined || options.fleet !== undefined
          ? {
              onLive: (i) => {
                this.liveOutputs?.onLive(i);
                options.fleet?.noteLive(i);
              },
            }
          : {}),
        onProgress: (p) => {
          this.progress.update(p);
          // Past the planned end, the run waits for the requests still in flight: say so, and how to cut it short.
          if (!this.drainNoted && this.signals.signal === undefined && Number.isFinite(p.totalMs) && p.elapsedMs > p.totalMs + 1000) {
            this.drainNoted = true;
            const t = scenario.client.timeoutMs;
            this.progress.note(`measured time over: waiting for the requests still in flight${t > 0 ? ` (at most their ${t / 1000}s timeout)` : ''}; Ctrl-C stops now`);
          }
        },
      });
    } catch (e) {
      if (e instanceof FastbenchError && e.code === 'ERR_RUN_ABORTED' && this.signals.exitCode !== undefined) {
        process.stderr.write(`interrupted by ${this.signals.signal} before the load started: nothing was sent\n`);
        return this.signals.exitCode;
      }
      throw e;
    } finally {
      this.progress.stop();
    }
  }

  /** Judges, prints and writes the result; returns the exit code. */
  private async report(result: EngineResult): Promise<number> {
    const { options } = this;
    const fleetAbort = options.fleet?.abortedBy;
    if (fleetAbort !== undefined && result.abortedBy === undefined) result.abortedBy = `fleet: ${fleetAbort}`;
    result.thresholds = evaluateThresholds(this.scenario.thresholds, result);
    this.done = result;
    process.stdout.write(options.json === true ? renderJson(result) : renderText(result));
    const abandoned = result.phases[result.phases.length - 1]?.details?.abandoned;
    if (typeof abandoned === 'number' && abandoned > 0) {
      process.stderr.write(`note: ${abandoned} request${abandoned === 1 ? ' was' : 's were'} still in flight when the run stopped: abandoned, not counted in the latencies\n`);
    }
    // A report file that cannot be written is a usage error (exit 2), after the report was printed.
    if (this.writer !== undefined) for (const w of await this.writer.final(result)) process.stderr.write(`wrote ${w.path}\n`);
    await this.liveOutputs?.finish(result);
    const own = finish(result, options.allowInvalid === true, this.signals.exitCode);
    if (options.fleet === undefined) return own;
    // stopped by a signal: leave now, but let the fleet merge what this shard measured
    if (this.signals.exitCode !== undefined) {
      await options.fleet.publishOnly(result);
      return own;
    }
    return fleetExit(options.fleet, result, options.allowInvalid === true);
  }
}

function finish(result: EngineResult, allowInvalid: boolean, signalExit: number | undefined): number {
  if (!result.valid) process.stderr.write(`error[ERR_GENERATOR_SATURATED]: the result is invalid: ${result.invalidReason ?? 'the generator was the bottleneck'}\n`);
  if (signalExit !== undefined) {
    process.stderr.write('interrupted\n');
    return signalExit;
  }
  if (noneSucceeded(result)) process.stderr.write(noSuccessLine(result));
  return exitCodeOf(result, allowInvalid);
}

/** issue 17: publishes the shard's result, waits for the fleet's verdict and returns it as the exit code. */
async function fleetExit(fleet: FleetShard, result: EngineResult, allowInvalid: boolean): Promise<number> {
  process.stderr.write(`fleet ${fleet.job}: shard ${fleet.shard} of ${fleet.count} done; waiting for the other shards\n`);
  const outcome = await fleet.finish(result, allowInvalid);
  if (outcome instanceof FastbenchError) {
    process.stderr.write(`${outcome.format()}\nfleet ${fleet.job}: the fleet's verdict is unknown: exit 1\n`);
    return EXIT_GATE_FAILED;
  }
  for (const line of fleetOutcomeLines(fleet.job, outcome)) process.stderr.write(line + '\n');
  return outcome.verdict.exit;
}
