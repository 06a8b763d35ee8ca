// `fastbench find <scenario> [--slo EXPR]... [--from R] [--to R] [--step F] [--step-duration D]
//                           [--hold D] [--max-duration D] [--tolerance T] [--min-rate R] [-c N]
//                           [--json] [-q] [-o DIR] [-f FORMATS] [--allow-invalid] [--seed N]`
//
// The capacity search (issue 18; engine/capacity-search.ts): the highest open-model arrival rate
// at which the scenario's requests meet every SLO. The search comes from the scenario's
// `load: - search: {...}` item, each flag replacing its field; a scenario with ordinary phases
// needs --slo and --to (the phases are not used). Prints a line per step on stderr, then the
// knee's confirmation run report and the search table on stdout (--json: the RunResult with
// `search: { knee: { rate, low, high }, steps: [...] }`), and writes report files as `run` does
// (the HTML report plots rate against p99 and errors).
//
// Exits: 0 a knee was found (and is at least --min-rate) · 1 no rate met the SLO, or the knee is
// below --min-rate · 2 bad input, nothing sent · 3 a step was generator-bound (the answer is "at
// least X") unless --allow-invalid · 128 + n stopped by signal n (what was measured is reported).
import type { Command } from 'commander';
import { checkScenario } from '../scenario/index.js';
import { findAndReport, searchSpecOf, type SearchFlags } from './capacity-find.js';
import { collect, parseCountFlag, parseEnvPairs, parseRateFlag } from './flags.js';
import { examples } from './help.js';
import { refuseProblems } from './refusal.js';
import { reportFormats } from './run-report.js';

export interface FindFlags extends SearchFlags {
  minRate?: string;
  workers?: string;
  env: string[];
  seed?: string;
  json?: boolean;
  quiet?: boolean;
  out?: string;
  format?: string;
  allowInvalid?: boolean;
}

export function registerFindCommand(program: Command): void {
  program
    .command('find')
    .description('capacity search: the highest arrival rate that meets an SLO (climb, bisect at the knee, confirm)')
    .argument('<scenario>', 'scenario file (its `load: - search:` item, or --slo/--to)')
    .option('--slo <expr>', 'an SLO every step must meet, as a threshold: "p99 < 200ms", "errors < 1%" (repeatable; replaces search.slo)', collect, [] as string[])
    .option('--from <rate>', 'first rate of the climb (default: search.from, else 100/s)')
    .option('--to <rate>', 'highest rate tried (default: search.to)')
    .option('--step <factor>', 'climb factor: 2, 2x or 50% (default: search.step, else 2x)')
    .option('--step-duration <time>', 'length of each climb and bisection step (default: search.stepDuration, else 5s)')
    .option('--hold <time>', 'length of the confirmation of the answer (default: search.hold, else 10s)')
    .option('--max-duration <time>', 'bound on the whole search (default: search.maxDuration, else 5m)')
    .option('--tolerance <t>', 'bisect until (bad - good) / good is at most this: 0.05 or 5% (default 5%)')
    .option('--min-rate <rate>', 'exit 1 unless the capacity found is at least this')
    .option('-c, --connections <n>', 'connection cap of every step (default: the search item\'s connections, else client.connections)')
    .option('-w, --workers <n>', 'load worker threads')
    .option('-e, --env <NAME=value>', 'set {{env.NAME}} for the scenario (repeatable)', collect, [] as string[])
    .option('--seed <n>', 'seed think times, flow picks and random data rows (each step repeats them)')
    .option('--json', 'print the result as JSON (the knee\'s run with `search`)')
    .option('-o, --out <dir>', 'write report files into this directory (default formats: all)')
    .option('-f, --format <list>', 'report files to write (text,json,md,html,junit,hlog)')
    .option('--allow-invalid', 'a generator-bound search reports "at least X" but does not exit 3')
    .option('-q, --quiet', 'no step lines on stderr')
    .addHelpText('after', examples([
      'fastbench find scenario.yaml',
      'fastbench find scenario.yaml --slo "p99 < 200ms" --slo "errors < 1%" --from 100/s --to 50000/s',
      'fastbench find scenario.yaml --json --min-rate 2000/s > capacity.json',
    ]))
    .action(async (file: string, flags: FindFlags) => {
      process.exitCode = await findCommand(file, flags);
    });
}


/** The `find` command's work, minus commander: returns the exit code; usage problems are thrown. */
export async function findCommand(file: string, flags: FindFlags): Promise<number> {
  const env = parseEnvPairs(flags.env);
  const formats = reportFormats(flags.format, flags.out);
  const minRate = flags.minRate !== undefined ? parseRateFlag(flags.minRate, '--min-rate') : undefined;
  const workers = flags.workers !== undefined ? parseCountFlag(flags.workers, '--workers', 1) : undefined;
  const { scenario, errors } = checkScenario(file, {
    env,
    overrides: { ...(flags.seed !== undefined ? { seed: parseCountFlag(flags.seed, '--seed', 0) } : {}) },
  });
  if (scenario === undefined || errors.length > 0) throw refuseProblems(errors);
  const spec = searchSpecOf(scenario, flags);
  return findAndReport(scenario, spec, {
    ...(flags.json !== undefined ? { json: flags.json } : {}),
    ...(flags.quiet !== undefined ? { quiet: flags.quiet } : {}),
    ...(workers !== undefined ? { workers } : {}),
    ...(formats !== undefined ? { formats } : {}),
    ...(flags.out !== undefined ? { outDir: flags.out } : {}),
    ...(flags.allowInvalid === true ? { allowInvalid: true } : {}),
    ...(minRate !== undefined ? { minRate } : {}),
  });
}
