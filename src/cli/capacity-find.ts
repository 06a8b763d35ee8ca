// The capacity search as `find` (and `run` on a `load: - search:` scenario) runs it: the search
// spec from the scenario and the flags, step lines on stderr, signals, the report on stdout and in
// files, and the exit code (documented in find-command.ts).
import { EXIT_GATE_FAILED, EXIT_GENERATOR_BOTTLENECK, EXIT_OK, FastbenchError } from '../core/errors.js';
import { runSearch, type SearchRunResult } from '../engine/index.js';
import { renderJson } from '../report/json-report.js';
import { prepareOutDir } from '../report/out-dir.js';
import { ReportWriter, type ReportFormat } from '../report/report-writer.js';
import { renderSearchText, searchStepLine } from '../report/search-report.js';
import { renderText } from '../report/text-report.js';
import { constantOpenPhase, parseSlo, parseStepFactor, parseTolerance, SEARCH_DEFAULTS, type Scenario, type SearchSpec } from '../scenario/index.js';
import { startBuiltinServer } from './builtin-server.js';
import { capacityProblems } from './capacity-check.js';
import { Refusal } from './refusal.js';
import { parseCountFlag, parseDurationFlag, parseRateFlag } from './flags.js';
import { signalExitCode } from './stop-signals.js';

/** The flags that shape the search (each replaces its field of the scenario's search). */
export interface SearchFlags {
  slo: string[];
  from?: string;
  to?: string;
  step?: string;
  stepDuration?: string;
  hold?: string;
  maxDuration?: string;
  tolerance?: string;
  connections?: string;
}

function usage(message: string): FastbenchError {
  return new FastbenchError('ERR_SEARCH_SPEC', message);
}

/** The search the scenario and the flags describe (flags win); throws ERR_SEARCH_SPEC / ERR_USAGE_BAD_OPTION. */
export function searchSpecOf(scenario: Scenario, f: SearchFlags): SearchSpec {
  const base = scenario.search;
  const slo = f.slo.map((text) => {
    const p = parseSlo(text);
    if ('error' in p) throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--slo ${JSON.stringify(text)}: ${p.error}`);
    return { ...p, pos: base?.pos ?? { file: scenario.file, line: 1, column: 1 } };
  });
  const sloAll = slo.length > 0 ? slo : (base?.slo ?? []);
  if (sloAll.length === 0) throw usage(`${scenario.file} has no \`load: - search:\` item: give the SLO with --slo "p99 < 200ms" (and --to, the highest rate to try)`);
  const fromRate = f.from !== undefined ? parseRateFlag(f.from, '--from') : (base?.fromRate ?? 100);
  const toRate = f.to !== undefined ? parseRateFlag(f.to, '--to') : base?.toRate;
  if (toRate === undefined) throw usage('--to is required when the scenario has no `load: - search:` item (the highest rate to try, e.g. 50000/s)');
  if (toRate < fromRate) throw usage(`--to (${toRate}/s) is below --from (${fromRate}/s)`);
  let stepFactor = base?.stepFactor ?? SEARCH_DEFAULTS.stepFactor;
  if (f.step !== undefined) {
    const v = parseStepFactor(f.step);
    if (v === undefined) throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--step ${JSON.stringify(f.step)}: must be a climb factor above 1: 2, 2x or 50%`);
    stepFactor = v;
  }
  let tolerance = base?.tolerance ?? SEARCH_DEFAULTS.tolerance;
  if (f.tolerance !== undefined) {
    const v = parseTolerance(f.tolerance);
    if (v === undefined) throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--tolerance ${JSON.stringify(f.tolerance)}: must be between 0 and 1: 0.05 or 5%`);
    tolerance = v;
  }
  const stepMs = f.stepDuration !== undefined ? parseDurationFlag(f.stepDuration, '--step-duration') : (base?.stepMs ?? SEARCH_DEFAULTS.stepMs);
  const holdMs = f.hold !== undefined ? parseDurationFlag(f.hold, '--hold') : (base?.holdMs ?? SEARCH_DEFAULTS.holdMs);
  const maxDurationMs = f.maxDuration !== undefined ? parseDurationFlag(f.maxDuration, '--max-duration') : (base?.maxDurationMs ?? SEARCH_DEFAULTS.maxDurationMs);
  if (maxDurationMs < stepMs + holdMs) throw usage(`--max-duration (${maxDurationMs} ms) leaves no room for one step and the hold (${stepMs + holdMs} ms)`);
  const maxConnections = f.connections !== undefined ? parseCountFlag(f.connections, '--connections', 1) : (base?.maxConnections ?? scenario.client.connections);
  return { slo: sloAll, fromRate, toRate, stepFactor, stepMs, holdMs, maxDurationMs, tolerance, maxConnections, pos: base?.pos ?? { file: scenario.file, line: 1, column: 1 } };
}

export interface FindOptions {
  json?: boolean;
  quiet?: boolean;
  workers?: number;
  formats?: readonly ReportFormat[];
  outDir?: string;
  allowInvalid?: boolean;
  minRate?: number;
}

/**
 * Runs a capacity search with step lines and signals, prints and writes the report, returns the
 * exit code (see find-command.ts). Shared by `find` and `run` on a `load: - search:` scenario.
 */
export async function findAndReport(scenario: Scenario, spec: SearchSpec, o: FindOptions): Promise<number> {
  const flags = { quiet: o.quiet, json: o.json, out: o.outDir, allowInvalid: o.allowInvalid };
  const { formats, workers, minRate } = o;
  // The machine's limits, as for `run`: every step opens up to the connection cap.
  const probe = { ...scenario, phases: [constantOpenPhase('search', spec.toRate, spec.stepMs, spec.maxConnections, spec.pos)] };
  const problems = capacityProblems(probe, workers !== undefined ? { workers } : {});
  if (problems.length > 0) throw new Refusal(problems, `${problems.length === 1 ? 'the search was refused' : `${problems.length} problems`}; nothing was sent`);
  if (flags.out !== undefined && formats !== undefined && formats.length > 0) prepareOutDir(flags.out);

  const stop = new AbortController();
  let signal: NodeJS.Signals | undefined;
  const onSignal = (s: NodeJS.Signals): void => {
    if (signal !== undefined) process.exit(signalExitCode(s));
    signal = s;
    process.stderr.write(`stopping on ${s}: finishing this step (again to quit now)\n`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result: SearchRunResult;
  try {
    if (flags.quiet !== true) {
      process.stderr.write(`capacity search: ${spec.slo.map((t) => t.text).join(', ')} from ${spec.fromRate}/s to ${spec.toRate}/s (×${spec.stepFactor}, ${spec.stepMs / 1000}s steps, ${spec.holdMs / 1000}s hold, at most ${spec.maxDurationMs / 1000}s)\n`);
    }
    result = await runSearch(scenario, {
      spec,
      ...(workers !== undefined ? { workers } : {}),
      builtin: () => startBuiltinServer(),
      signal: stop.signal,
      ...(flags.quiet !== true ? { onStep: (st) => process.stderr.write(searchStepLine(st) + '\n') } : {}),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const s = result.search;
  process.stdout.write(flags.json === true ? renderJson(result) : renderText(result) + renderSearchText(s));
  if (formats !== undefined && formats.length > 0) {
    const writer = new ReportWriter({ formats, ...(flags.out !== undefined ? { outDir: flags.out } : {}) });
    for (const w of await writer.final(result)) process.stderr.write(`wrote ${w.path}\n`);
  }
  if (signal !== undefined) return signalExitCode(signal);
  if (s.generatorBound !== undefined) {
    const what = s.knee !== undefined ? `capacity is at least ${s.knee.rate}/s; ${s.generatorBound}, so the search could not go higher` : `${s.generatorBound} from the first step: nothing was measured of the target`;
    process.stderr.write(`error[ERR_GENERATOR_SATURATED]: ${what}\n`);
    if (flags.allowInvalid !== true) return EXIT_GENERATOR_BOTTLENECK;
  }
  if (s.knee === undefined) {
    process.stderr.write(`no rate met the SLO (${s.slo.join(', ')})\n`);
    return EXIT_GATE_FAILED;
  }
  if (minRate !== undefined && s.knee.rate < minRate) {
    process.stderr.write(`capacity ${s.knee.rate}/s is below --min-rate ${minRate}/s\n`);
    return EXIT_GATE_FAILED;
  }
  return EXIT_OK;
}
