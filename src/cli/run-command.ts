// `fastbench run <scenario> [--duration 10s] [--connections N] [--rate R] [--workers N]
//                          [-e NAME=value]... [--json] [--quiet]
//                          [--out DIR] [--format text,json,md,html,junit,hlog]
//                          [--shard i/N] [--start-at ISO-time]`
//
// Validates everything before sending anything (problems: `error[CODE]: message at file:line:col`
// on stderr, exit 2), runs the scenario with live progress on stderr, prints the report on stdout
// (text, or the RunResult as JSON with --json, canonical key order) and, with --out or --format,
// writes report files (report/report-writer.ts; default dir reports/<name>-<time>/). --shard i/N
// (0-based i, as Kubernetes' JOB_COMPLETION_INDEX) runs slice i of N of the load; --start-at waits
// for a wall-clock instant so the shards line up. Exits:
//   0 ok · 1 a threshold failed (or an abortOnFail threshold stopped the run) · 2 usage/scenario
//   error, or a run this machine cannot make, or an unusable --out (nothing was sent) ·
//   3 the result is invalid: the generator itself was the bottleneck · 70 an internal bug ·
//   130/143 stopped by SIGINT/SIGTERM (the partial result is still printed and written)
// Signals: stop-signals.ts. --out is checked, created and locked before any traffic (--force
// writes into a directory another run holds).
import type { Command } from 'commander';
import { EXIT_GATE_FAILED, EXIT_GENERATOR_BOTTLENECK, EXIT_OK, EXIT_USAGE, FastbenchError } from '../core/errors.js';
import { planDurationMs, runScenario, type EngineResult } from '../engine/index.js';
import { checkShard, type ShardSpec } from '../engine/index.js';
import { renderJson } from '../report/json-report.js';
import { DEFAULT_REPORTS_BASE, defaultOutDir, parseFormats, REPORT_FORMATS, ReportWriter, type ReportFormat } from '../report/report-writer.js';
import { evaluateThresholds } from '../report/thresholds.js';
import { LiveReports } from '../report/live-reports.js';
import { renderText } from '../report/text-report.js';
import { checkScenario, type Scenario, type ScenarioOverrides } from '../scenario/index.js';
import { parseSize } from './parse-units.js';
import { OutDirLock, prepareOutDir } from '../report/out-dir.js';
import { startBuiltinServer } from './builtin-server.js';
import { capacityProblems } from './capacity-check.js';
import { createProgress } from './progress.js';
import { signalExitCode, StopSignals } from './stop-signals.js';
import { parseEnvPairs } from './validate-command.js';

export interface RunFlags {
  allowInvalid?: boolean;
  duration?: string;
  connections?: string;
  rate?: string;
  workers?: string;
  interval?: string;
  env: string[];
  json?: boolean;
  quiet?: boolean;
  out?: string;
  format?: string;
  shard?: string;
  startAt?: string;
  /** --max-body: client.maxResponseBodySize (a size: 64MiB). */
  maxBody?: string;
  force?: boolean;
}

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
}

/** "i/N" with 0 <= i < N (0-based, like JOB_COMPLETION_INDEX); throws ERR_USAGE_BAD_OPTION. */
export function parseShard(v: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(v);
  const index = m !== null ? Number(m[1]) : NaN;
  const count = m !== null ? Number(m[2]) : NaN;
  if (m === null || !(count >= 1) || !(index < count)) {
    throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--shard must be i/N with 0 <= i < N (0-based), got ${JSON.stringify(v)}`);
  }
  return { index, count };
}

/** An ISO 8601 date-time as epoch ms; throws ERR_USAGE_BAD_OPTION. */
export function parseStartAt(v: string): number {
  const t = /^\d{4}-\d{2}-\d{2}/.test(v.trim()) ? Date.parse(v.trim()) : NaN;
  if (Number.isNaN(t)) {
    throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--start-at must be an ISO 8601 time such as 2030-01-01T12:00:00Z, got ${JSON.stringify(v)}`);
  }
  return t;
}

const collect = (v: string, acc: string[]): string[] => [...acc, v];

/** A positive number from an option, or a usage error naming it. */
export function numberOption(name: string, v: string | undefined, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(v)}`);
  }
  return n;
}

/** Exit code of a finished run: invalid beats everything, then interrupted or a failed gate. */
export function exitCodeOf(result: EngineResult, allowInvalid = false): number {
  if (!result.valid && !allowInvalid) return EXIT_GENERATOR_BOTTLENECK;
  if (result.interrupted || result.abortedBy !== undefined) return EXIT_GATE_FAILED;
  if (result.thresholds.some((t) => !t.passed)) return EXIT_GATE_FAILED;
  if (noneSucceeded(result)) return EXIT_GATE_FAILED;
  return EXIT_OK;
}

// ---- failures (issue 11 item 3): a run in which no request succeeded fails, thresholds or not.
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

/** Runs a loaded scenario with progress and signals, prints the report, returns the exit code. */
/** Prints preflight problems; returns EXIT_USAGE (nothing was sent). */
function refuse(problems: readonly FastbenchError[]): number {
  for (const e of problems) process.stderr.write(e.format() + '\n');
  process.stderr.write(`${problems.length === 1 ? 'the run was refused' : `${problems.length} problems`}; nothing was sent\n`);
  return EXIT_USAGE;
}

/** How long "quit now" waits for the engine to hand back what it has before exiting without it. */
const QUIT_DEADLINE_MS = 5000;

/**
 * Runs a loaded scenario with progress and signals, prints the report, returns the exit code.
 * Before anything is sent: the machine's limits (capacity-check.ts) and the report directory
 * (checked, created, locked). Signals follow stop-signals.ts: the first stops gracefully, repeats
 * within a second are the same stop, a later one quits now — and every one of them still prints
 * and writes the partial result, then exits 128 + the signal's number.
 */
export async function runAndReport(scenario: Scenario, options: ReportOptions): Promise<number> {
  const problems = capacityProblems(scenario, {
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.shard !== undefined ? { shard: options.shard } : {}),
  });
  if (problems.length > 0) return refuse(problems);
  let lock: OutDirLock | undefined;
  const wantFiles = options.formats !== undefined && options.formats.length > 0;
  if (wantFiles) {
    try {
      if (options.outDir !== undefined) lock = OutDirLock.acquire(prepareOutDir(options.outDir), { ...(options.force === true ? { force: true } : {}) });
      else prepareOutDir(DEFAULT_REPORTS_BASE, { option: 'report directory' });
    } catch (e) {
      if (!(e instanceof FastbenchError)) throw e;
      return refuse([e]);
    }
  }
  const progress = createProgress({ quiet: options.quiet === true, totalMs: planDurationMs(scenario) });
  const stopRun = new AbortController();
  const quitRun = new AbortController();
  // Report files: refreshed every LIVE_REPORT_EVERY_MS of a long run (marked partial), then final.
  const shard = options.shard;
  const writer = wantFiles
    ? new ReportWriter({ formats: options.formats!, outDir: options.outDir ?? (shard !== undefined ? (r) => `${defaultOutDir(r)}-shard-${shard.index}-of-${shard.count}` : undefined) })
    : undefined;
  const live = writer !== undefined ? new LiveReports(writer, { scenario: scenario.name }) : undefined;
  let done: EngineResult | undefined;
  let drainNoted = false;
  const quitNow = (signal: NodeJS.Signals): void => {
    const code = signals.exitCode ?? signalExitCode(signal);
    if (done === undefined) {
      // Still running or draining: abandon what is in flight; the normal path then prints and
      // writes the result within milliseconds. Should it not, leave anyway.
      progress.note(`quitting on ${signal}: abandoning requests in flight`);
      quitRun.abort();
      setTimeout(() => {
        progress.stop();
        process.stderr.write('interrupted: the run did not hand back a result in time; no final report was written\n');
        lock?.release();
        process.exit(code);
      }, QUIT_DEADLINE_MS).unref();
      return;
    }
    // The result is printed and its files are being written: write them now, synchronously.
    progress.stop();
    if (writer !== undefined) {
      try {
        for (const w of writer.finalSync(done)) process.stderr.write(`wrote ${w.path}\n`);
      } catch (e) {
        process.stderr.write((e instanceof FastbenchError ? e.format() : String(e)) + '\n');
      }
    }
    lock?.release();
    process.stderr.write('interrupted\n');
    process.exit(code);
  };
  const signals = new StopSignals({
    stop: (signal) => {
      if (done !== undefined) return quitNow(signal);
      progress.note(drainNoted
        ? `stopping on ${signal}: abandoning the requests still in flight`
        : `stopping on ${signal}: finishing requests in flight (signal again after a second to quit at once)`);
      stopRun.abort();
    },
    quit: quitNow,
  }).install();
  try {
    let result: EngineResult;
    try {
      if (options.startAtEpochMs !== undefined) {
        const ahead = options.startAtEpochMs - Date.now();
        if (ahead < 0) process.stderr.write(`warning: --start-at ${new Date(options.startAtEpochMs).toISOString()} is ${Math.round(-ahead / 1000)}s in the past; starting now\n`);
        else if (options.quiet !== true) process.stderr.write(`waiting ${Math.round(ahead / 1000)}s for --start-at ${new Date(options.startAtEpochMs).toISOString()}\n`);
      }
      result = await runScenario(scenario, {
        ...(options.workers !== undefined ? { workers: options.workers } : {}),
        ...(options.shard !== undefined ? { shard: options.shard } : {}),
        ...(options.startAtEpochMs !== undefined ? { startAtEpochMs: options.startAtEpochMs } : {}),
        builtin: () => startBuiltinServer(),
        signal: stopRun.signal,
        quitSignal: quitRun.signal,
        ...(live !== undefined ? { onInterval: (points) => live.onInterval(points) } : {}),
        onProgress: (p) => {
          progress.update(p);
          // Past the planned end, the run waits for the requests still in flight: say so, and how to cut it short.
          if (!drainNoted && signals.signal === undefined && Number.isFinite(p.totalMs) && p.elapsedMs > p.totalMs + 1000) {
            drainNoted = true;
            const t = scenario.client.timeoutMs;
            progress.note(`measured time over: waiting for the requests still in flight${t > 0 ? ` (at most their ${t / 1000}s timeout)` : ''}; Ctrl-C stops now`);
          }
        },
      });
    } catch (e) {
      if (e instanceof FastbenchError && e.code === 'ERR_RUN_ABORTED' && signals.exitCode !== undefined) {
        process.stderr.write(`interrupted by ${signals.signal} before the load started: nothing was sent\n`);
        return signals.exitCode;
      }
      throw e;
    } finally {
      progress.stop();
    }
    result.thresholds = evaluateThresholds(scenario.thresholds, result);
    // Printed in the same turn as `done` is set: a signal handler never sees one without the other.
    done = result;
    process.stdout.write(options.json === true ? renderJson(result) : renderText(result));
    const abandoned = result.phases[result.phases.length - 1]?.details?.abandoned;
    if (typeof abandoned === 'number' && abandoned > 0) {
      process.stderr.write(`note: ${abandoned} request${abandoned === 1 ? ' was' : 's were'} still in flight when the run stopped: abandoned, not counted in the latencies\n`);
    }
    if (writer !== undefined) {
      try {
        for (const w of await writer.final(result)) process.stderr.write(`wrote ${w.path}\n`);
      } catch (e) {
        if (!(e instanceof FastbenchError)) throw e;
        process.stderr.write(e.format() + '\n');
        return EXIT_USAGE;
      }
    }
    return finish(result, options.allowInvalid === true, signals.exitCode);
  } finally {
    signals.uninstall();
    lock?.release();
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

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run a scenario file (YAML or JSON): load phases, live progress, HDR latency report, thresholds')
    .argument('<scenario>', 'scenario file')
    .option('-d, --duration <time>', 'every measured phase lasts this long (e.g. 30s; ramps are stretched)')
    .option('-c, --connections <n>', 'connections of every closed phase and cap of every open one')
    .option('-R, --rate <r>', 'every measured phase becomes open at this constant rate (requests per second)')
    .option('-w, --workers <n>', 'load worker threads (default: the scenario\'s client.workers, else 1)')
    .option('--interval <time>', 'measurement interval (per-interval histograms, series; compare\'s samples): 100ms..10s, default the scenario\'s interval, else 1s')
    .option('-e, --env <NAME=value>', 'set {{env.NAME}} for the scenario (repeatable)', collect, [] as string[])
    .option('--json', 'print the result object as JSON on stdout instead of the text report')
    .option('-o, --out <dir>', 'write report files into this directory (default formats: all)')
    .option('-f, --format <list>', `report files to write: ${REPORT_FORMATS.join(',')} (default dir: reports/<name>-<time>/)`)
    .option('--shard <i/N>', 'run slice i of N of the load (0-based i, e.g. $JOB_COMPLETION_INDEX); merge the results with `fastbench merge`')
    .option('--start-at <time>', 'wait until this ISO 8601 wall-clock time before starting the load (lines shards up)')
    .option('--allow-invalid', 'report a generator-bound (invalid) result but do not exit 3 for it')
    .option('--max-body <size>', 'largest response body accepted (e.g. 64MiB; default: client.maxResponseBodySize, else 16MiB)')
    .option('--force', 'write into --out even while another run holds its lock')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (file: string, flags: RunFlags) => {
      process.exitCode = await runCommand(file, flags);
    });
}

/** The `run` command's work, minus commander: returns the exit code. */
export async function runCommand(file: string, flags: RunFlags): Promise<number> {
  const env = parseEnvPairs(flags.env);
  let overrides: ScenarioOverrides;
  let formats: ReportFormat[] | undefined;
  let shard: ShardSpec | undefined;
  let startAtEpochMs: number | undefined;
  try {
    if (env instanceof FastbenchError) throw env;
    if (flags.format !== undefined) formats = parseFormats(flags.format);
    else if (flags.out !== undefined) formats = [...REPORT_FORMATS];
    if (flags.out !== undefined && flags.out.trim() === '') throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--out needs a directory');
    if (flags.shard !== undefined) shard = parseShard(flags.shard);
    if (flags.startAt !== undefined) startAtEpochMs = parseStartAt(flags.startAt);
    const workers = numberOption('workers', flags.workers, true);
    overrides = {
      ...(flags.duration !== undefined ? { duration: flags.duration } : {}),
      ...(flags.connections !== undefined ? { connections: numberOption('connections', flags.connections, true) } : {}),
      ...(flags.rate !== undefined ? { rate: numberOption('rate', flags.rate, false) } : {}),
      ...(workers !== undefined ? { workers } : {}),
      ...(flags.maxBody !== undefined ? { maxResponseBodySize: parseSize(flags.maxBody, '--max-body') } : {}),
      ...(flags.interval !== undefined ? { interval: flags.interval } : {}),
    };
  } catch (e) {
    if (!(e instanceof FastbenchError)) throw e;
    process.stderr.write(e.format() + '\n');
    return EXIT_USAGE;
  }
  const { scenario, errors } = checkScenario(file, { env: env as Record<string, string>, overrides });
  if (scenario === undefined || errors.length > 0) {
    for (const e of errors) process.stderr.write(e.format() + '\n');
    if (errors.length > 1) process.stderr.write(`${errors.length} problems; nothing was sent\n`);
    return EXIT_USAGE;
  }
  if (shard !== undefined) {
    try {
      checkShard(scenario, shard);
    } catch (e) {
      if (!(e instanceof FastbenchError)) throw e;
      process.stderr.write(e.format() + '\n');
      return EXIT_USAGE;
    }
  }
  return runAndReport(scenario, {
    ...(flags.json !== undefined ? { json: flags.json } : {}),
    ...(flags.quiet !== undefined ? { quiet: flags.quiet } : {}),
    ...(formats !== undefined ? { formats } : {}),
    ...(flags.out !== undefined ? { outDir: flags.out } : {}),
    ...(shard !== undefined ? { shard } : {}),
    ...(startAtEpochMs !== undefined ? { startAtEpochMs } : {}),
    ...(flags.allowInvalid ? { allowInvalid: true } : {}),
    ...(flags.force ? { force: true } : {}),
  });
}
