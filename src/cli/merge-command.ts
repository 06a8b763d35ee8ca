// `fastbench merge shard-*.json [-o merged.json] [--scenario file]`: merge results losslessly
// (histograms added, counters summed, series aligned by second) and re-evaluate thresholds on the
// merged result. Writes the merged result.json (atomically) to -o, or to stdout without -o; with -o
// the text report goes to stdout. Exit 1 when a re-evaluated threshold fails.
import type { Command } from 'commander';
import { EXIT_GATE_FAILED, FastbenchError } from '../core/errors.js';
import { renderJson } from '../report/json-report.js';
import { mergeRunResults, type MergeOptions } from '../report/merge.js';
import { readRunResult } from '../report/result-file.js';
import { writeFileAtomic } from '../report/report-writer.js';
import { renderText } from '../report/text-report.js';
import { checkScenario } from '../scenario/index.js';
import { collect, parseEnvPairs } from './flags.js';
import { examples } from './help.js';
import { refuseProblems } from './refusal.js';

export interface MergeCommandOptions {
  out?: string;
  scenario?: string;
  env: string[];
}

/** Runs the merge; resolves to the exit code (0, or 1 when a threshold fails). */
export async function runMergeCommand(files: readonly string[], opts: MergeCommandOptions): Promise<number> {
  if (files.length === 0) throw new FastbenchError('ERR_USAGE', 'merge needs at least one result file');
  const options: MergeOptions = {};
  if (opts.scenario !== undefined) {
    const { scenario, errors } = checkScenario(opts.scenario, { env: parseEnvPairs(opts.env) });
    if (scenario === undefined || errors.length > 0) {
      throw errors.length > 0 ? refuseProblems(errors) : new FastbenchError('ERR_SCENARIO_PARSE', `cannot load ${opts.scenario}`);
    }
    options.thresholds = scenario.thresholds;
  }
  const { result, warnings } = mergeRunResults(files.map(readRunResult), options);
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  const json = renderJson(result);
  if (opts.out === undefined || opts.out === '-') {
    process.stdout.write(json);
  } else {
    await writeFileAtomic(opts.out, json);
    process.stdout.write(renderText(result));
    process.stderr.write(`merged ${files.length} result${files.length === 1 ? '' : 's'} into ${opts.out}\n`);
  }
  return result.thresholds.some((t) => !t.passed) ? EXIT_GATE_FAILED : 0;
}

export function registerMergeCommand(program: Command): void {
  program
    .command('merge')
    .description('merge result files (shards of one run) losslessly and re-evaluate thresholds; exit 1 if one fails')
    .argument('<files...>', 'result.json files, e.g. shard-*.json')
    .option('-o, --out <file>', 'merged result.json (default: stdout)')
    .option('-s, --scenario <file>', 'take threshold definitions from this scenario instead of re-parsing the recorded ones')
    .option('-e, --env <NAME=value>', 'set {{env.NAME}} for --scenario (repeatable)', collect, [] as string[])
    .addHelpText('after', examples([
      'fastbench merge shard-*/result.json -o merged.json',
      'fastbench merge shard-*/result.json -s scenario.yaml -e HOST=127.0.0.1 > merged.json',
    ]))
    .action(async (files: string[], opts: MergeCommandOptions) => {
      const code = await runMergeCommand(files, opts);
      if (code !== 0) process.exitCode = code;
    });
}
