// `fastbench compare baseline.json current.json [--baseline a.json b.json] [--current c.json d.json]
//  [--max-regression p99=10%,rps=5%] [--alpha 0.01] [--min-samples N] [--allow-different]
//  [--md | --json]`: baseline against current, each row labelled regression / improvement / noise
// (method: src/report/compare.ts). Fails closed: a row no noise test can decide (a short run) is
// judged on its point estimate against the tolerance. Exit 1 when a regression goes beyond its
// tolerance, 0 otherwise, 2 on usage errors (results of different scenarios, unless
// --allow-different).
import type { Command } from 'commander';
import { EXIT_GATE_FAILED, FastbenchError } from '../core/errors.js';
import { compareRuns, parseMaxRegression, type CompareOptions } from '../report/compare.js';
import { renderComparisonMarkdown, renderComparisonText } from '../report/compare-report.js';
import { readRunResult } from '../report/result-file.js';
import { examples } from './help.js';

export interface CompareCommandOptions {
  baseline?: string[];
  current?: string[];
  maxRegression?: string;
  alpha?: string;
  minEffect?: string;
  minSamples?: string;
  allowDifferent?: boolean;
  md?: boolean;
  json?: boolean;
}

function fraction(text: string, flag: string, lo: number, hi: number): number {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
  const v = pct !== null ? Number(pct[1]) / 100 : Number(text);
  if (!(v > lo && v < hi)) throw new FastbenchError('ERR_USAGE_BAD_OPTION', `${flag} must be between ${lo} and ${hi}, got "${text}"`);
  return v;
}

/** Runs the comparison; returns the exit code (0 or 1). */
export function runCompareCommand(positional: readonly string[], opts: CompareCommandOptions): number {
  const [first, second, ...extra] = positional;
  if (extra.length > 0) {
    throw new FastbenchError('ERR_USAGE', `compare takes at most two positional files (baseline, current); use --baseline/--current for more`);
  }
  const baseline = [...(first !== undefined ? [first] : []), ...(opts.baseline ?? [])];
  const current = [...(second !== undefined ? [second] : []), ...(opts.current ?? [])];
  if (baseline.length === 0 || current.length === 0) {
    throw new FastbenchError('ERR_USAGE', 'compare needs a baseline and a current result: fastbench compare baseline.json current.json');
  }
  if (opts.md && opts.json) throw new FastbenchError('ERR_USAGE', '--md and --json are exclusive');
  const options: CompareOptions = {};
  if (opts.maxRegression !== undefined) options.maxRegression = parseMaxRegression(opts.maxRegression);
  if (opts.alpha !== undefined) options.alpha = fraction(opts.alpha, '--alpha', 0, 0.5);
  if (opts.minEffect !== undefined) options.minEffect = fraction(opts.minEffect, '--min-effect', -1e-12, 1);
  if (opts.minSamples !== undefined) {
    const n = Number(opts.minSamples.trim());
    if (!/^\d+$/.test(opts.minSamples.trim()) || !Number.isSafeInteger(n)) {
      throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--min-samples must be a whole number of samples a side, got "${opts.minSamples}"`);
    }
    options.minSamples = n;
  }
  if (opts.allowDifferent === true) options.allowDifferent = true;
  const comparison = compareRuns(baseline.map(readRunResult), current.map(readRunResult), options);
  if (opts.json) process.stdout.write(JSON.stringify(comparison, null, 2) + '\n');
  else if (opts.md) process.stdout.write(renderComparisonMarkdown(comparison));
  else process.stdout.write(renderComparisonText(comparison));
  return comparison.failed ? EXIT_GATE_FAILED : 0;
}

export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .description('compare results (baseline vs current): per-percentile and per-request deltas labelled regression / improvement / noise; exit 1 on a regression beyond tolerance')
    .argument('[files...]', 'baseline.json current.json')
    .option('--baseline <files...>', 'baseline result files (several runs → run-to-run noise is measured)')
    .option('--current <files...>', 'current result files')
    .option('--max-regression <list>', 'tolerances that gate, e.g. p99=10%,rps=5%,errors=0.5% (default p50..p99.9=10%, rps=5%, errors=1%)')
    .option('--alpha <p>', 'significance level of each test (default 0.01)')
    .option('--min-effect <fraction>', 'significant changes smaller than this are noise (default 1%)')
    .option('--min-samples <n>', 'samples (intervals) a side the noise test needs; rows with fewer are judged on the point estimate against the tolerance (default and minimum: 5 at alpha 0.01)')
    .option('--allow-different', 'compare results of different scenarios (otherwise exit 2)')
    .option('--md', 'print Markdown (for a PR comment or job summary)')
    .option('--json', 'print the comparison as JSON')
    .addHelpText('after', '\nDefault significance level: 0.01. Method: see src/report/compare.ts (Mann-Whitney U on per-interval values, run-to-run spread).\n' +
      'Short runs: with fewer samples a side than --min-samples no noise test can decide, so the row is judged on its\n' +
      'point estimate against the tolerance (marked "no noise test"); a regression beyond tolerance still fails.\n' +
      examples([
        'fastbench compare reports/base/result.json reports/today/result.json',
        'fastbench compare --baseline base-1.json base-2.json base-3.json --current new.json --max-regression p99=10%,rps=5%',
        'fastbench compare base.json new.json --md >> "$GITHUB_STEP_SUMMARY"',
      ]))
    .action((files: string[], opts: CompareCommandOptions) => {
      const code = runCompareCommand(files, opts);
      if (code !== 0) process.exitCode = code;
    });
}
