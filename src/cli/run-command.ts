// `fastbench run <scenario> [--duration 10s] [--connections N] [--rate R] [--workers N]
//                          [-e NAME=value]... [--json] [--quiet]`
//
// Validates everything before sending anything (problems: `error[CODE]: message at file:line:col`
// on stderr, exit 2), runs the scenario with live progress on stderr, prints the report on stdout
// (text, or the RunResult as JSON with --json) and exits:
//   0 ok · 1 a threshold failed, or the run was interrupted · 2 usage/scenario error ·
//   3 the result is invalid: the generator itself was the bottleneck
// Ctrl-C stops gracefully and still prints the partial report (marked interrupted); a second
// Ctrl-C exits at once.
import type { Command } from 'commander';
import { EXIT_GATE_FAILED, EXIT_GENERATOR_BOTTLENECK, EXIT_OK, EXIT_USAGE, FastbenchError } from '../core/errors.js';
import { planDurationMs, runScenario, type EngineResult } from '../engine/index.js';
import { evaluateThresholds, unsupportedThreshold } from '../report/thresholds.js';
import { renderText } from '../report/text-report.js';
import { checkScenario, type Scenario, type ScenarioOverrides } from '../scenario/index.js';
import { createProgress } from './progress.js';
import { parseEnvPairs } from './validate-command.js';

export interface RunFlags {
  duration?: string;
  connections?: string;
  rate?: string;
  workers?: string;
  env: string[];
  json?: boolean;
  quiet?: boolean;
}

export interface ReportOptions {
  json?: boolean;
  quiet?: boolean;
  workers?: number;
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
export function exitCodeOf(result: EngineResult): number {
  if (!result.valid) return EXIT_GENERATOR_BOTTLENECK;
  if (result.interrupted || result.abortedBy !== undefined) return EXIT_GATE_FAILED;
  if (result.thresholds.some((t) => !t.passed)) return EXIT_GATE_FAILED;
  return EXIT_OK;
}

/** Runs a loaded scenario with progress and signals, prints the report, returns the exit code. */
export async function runAndReport(scenario: Scenario, options: ReportOptions): Promise<number> {
  for (const t of scenario.thresholds) {
    const why = unsupportedThreshold(t);
    if (why !== undefined) {
      const e = new FastbenchError('ERR_SCENARIO_THRESHOLD', `threshold "${t.text}": ${why}`, { file: t.pos.file, line: t.pos.line, column: t.pos.column });
      process.stderr.write(e.format() + '\n');
      return EXIT_USAGE;
    }
  }
  const progress = createProgress({ quiet: options.quiet === true, totalMs: planDurationMs(scenario) });
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      progress.note('stopping: finishing requests in flight (Ctrl-C again to quit at once)');
      controller.abort();
    } else {
      progress.stop();
      process.stderr.write('interrupted\n');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  let result: EngineResult;
  try {
    result = await runScenario(scenario, {
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
      signal: controller.signal,
      onProgress: (p) => progress.update(p),
    });
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
  }
  result.thresholds = evaluateThresholds(scenario.thresholds, result);
  if (options.json === true) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } else {
    process.stdout.write(renderText(result));
  }
  if (!result.valid) process.stderr.write(`error[ERR_GENERATOR_SATURATED]: the result is invalid: ${result.invalidReason ?? 'the generator was the bottleneck'}\n`);
  return exitCodeOf(result);
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
    .option('-e, --env <NAME=value>', 'set {{env.NAME}} for the scenario (repeatable)', collect, [] as string[])
    .option('--json', 'print the result object as JSON on stdout instead of the text report')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (file: string, flags: RunFlags) => {
      process.exitCode = await runCommand(file, flags);
    });
}

/** The `run` command's work, minus commander: returns the exit code. */
export async function runCommand(file: string, flags: RunFlags): Promise<number> {
  const env = parseEnvPairs(flags.env);
  let overrides: ScenarioOverrides;
  try {
    if (env instanceof FastbenchError) throw env;
    const workers = numberOption('workers', flags.workers, true);
    overrides = {
      ...(flags.duration !== undefined ? { duration: flags.duration } : {}),
      ...(flags.connections !== undefined ? { connections: numberOption('connections', flags.connections, true) } : {}),
      ...(flags.rate !== undefined ? { rate: numberOption('rate', flags.rate, false) } : {}),
      ...(workers !== undefined ? { workers } : {}),
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
  return runAndReport(scenario, {
    ...(flags.json !== undefined ? { json: flags.json } : {}),
    ...(flags.quiet !== undefined ? { quiet: flags.quiet } : {}),
  });
}
