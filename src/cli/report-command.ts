// `fastbench report <result.json> [--format html,md,junit,hlog,json,text] [--out DIR]`: regenerate
// reports from a saved result. Prints the path of each file written, one a line, on stdout.
import type { Command } from 'commander';
import { readRunResult } from '../report/result-file.js';
import { defaultOutDir, parseFormats, REPORT_FORMATS, writeReports } from '../report/report-writer.js';
import { examples } from './help.js';

export interface ReportCommandOptions {
  format: string;
  out?: string;
}

export async function runReportCommand(file: string, opts: ReportCommandOptions): Promise<void> {
  const formats = parseFormats(opts.format);
  const result = readRunResult(file);
  const written = await writeReports(result, { outDir: opts.out ?? defaultOutDir(result), formats });
  for (const w of written) process.stdout.write(`${w.path}\n`);
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('write reports (HTML, Markdown, JUnit, .hlog, JSON, text) from a saved result.json')
    .argument('<result>', 'a result.json written by `fastbench run` or `fastbench merge`')
    .option('-f, --format <list>', `comma-separated formats: ${REPORT_FORMATS.join(', ')}`, 'html,md')
    .option('-o, --out <dir>', 'output directory (default: reports/<scenario>-<start time>/)')
    .addHelpText('after', examples([
      'fastbench report reports/base/result.json',
      'fastbench report merged.json -f html,junit -o reports/merged',
    ]))
    .action(async (file: string, opts: ReportCommandOptions) => {
      await runReportCommand(file, opts);
    });
}
