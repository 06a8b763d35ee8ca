// The commander program: one file per command under src/cli/, wired here.
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { FastbenchError, EXIT_USAGE } from '../core/errors.js';
import { registerBenchCommand } from './bench-command.js';
import { registerCalibrateCommand } from './calibrate-command.js';
import { registerCompareCommand } from './compare-command.js';
import { installCrashHandlers, reportInternalError } from './crash-report.js';
import { holdEarlySignals, releaseEarlySignals, signalExitCode, type EarlySignals } from './stop-signals.js';
import { registerCrawlCommand } from './crawl-command.js';
import { registerImportCommand } from './import-command.js';
import { registerFindCommand } from './find-command.js';
import { registerMergeCommand } from './merge-command.js';
import { registerReportCommand } from './report-command.js';
import { registerRequestCommand } from './request-command.js';
import { registerRunCommand } from './run-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerValidateCommand } from './validate-command.js';
import { registerWatchCommand } from './watch-command.js';
import { formatCommanderError } from './flags.js';
import { examples } from './help.js';
import { Refusal } from './refusal.js';
import { ScenarioValidationError } from '../scenario/index.js';

const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as { version: string; description: string };

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('fastbench')
    .description(pkg.description)
    .version(pkg.version, '-V, --version', 'print the fastbench version')
    .option('--debug', 'print stack traces for internal errors')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
    });
  registerRunCommand(program);
  registerBenchCommand(program);
  registerCalibrateCommand(program);
  registerValidateCommand(program);
  registerServeCommand(program);
  registerRequestCommand(program);
  registerCrawlCommand(program);
  registerReportCommand(program);
  registerCompareCommand(program);
  registerMergeCommand(program);
  registerImportCommand(program);
  registerWatchCommand(program);
  registerFindCommand(program);
  program.addHelpText('after', examples([
    'fastbench serve --port 8080',
    'fastbench bench http://127.0.0.1:8080/plaintext -c 50 -d 10s',
    'fastbench run scenarios/smoke.yaml --out reports/smoke',
  ]));
  // Commander's own errors (unknown option, missing argument) in our `error[CODE]:` format, with
  // its did-you-mean, or the new name of a retired short flag.
  program.configureOutput({ outputError: (s, write) => write(formatCommanderError(s, undefined)) });
  for (const c of program.commands) c.configureOutput({ outputError: (s, write) => write(formatCommanderError(s, c.name())) });
  return program;
}

/**
 * A deliberate internal error, so tests can prove how a bug ends (exit 70, one line, a crash
 * report): FASTBENCH_INJECT_INTERNAL_ERROR=throw fails inside the command, =uncaught from a timer
 * outside any promise chain. Never set outside tests.
 */
function injectInternalError(): void {
  const where = process.env['FASTBENCH_INJECT_INTERNAL_ERROR'];
  if (where === 'throw') throw new TypeError('injected internal error (FASTBENCH_INJECT_INTERNAL_ERROR=throw)');
  if (where === 'uncaught') {
    setTimeout(() => {
      throw new TypeError('injected internal error (FASTBENCH_INJECT_INTERNAL_ERROR=uncaught)');
    }, 50);
  }
}

/** The one place a FastbenchError becomes lines on stderr and an exit code. */
function reportError(err: FastbenchError): number {
  const all = err instanceof Refusal || err instanceof ScenarioValidationError ? err.errors : [err];
  for (const e of all) process.stderr.write(e.format() + '\n');
  if (err instanceof Refusal) {
    if (err.note !== undefined) process.stderr.write(err.note + '\n');
  } else if (all.length === 1 && err.hint) {
    process.stderr.write(`  hint: ${err.hint}\n`);
  }
  return err.exitCode;
}

/**
 * Runs the CLI; resolves to the process exit code (never calls process.exit itself, except for an
 * uncaught exception anywhere in the process: crash report, one line, exit 70).
 */
export async function main(argv: readonly string[], earlySignals?: EarlySignals): Promise<number> {
  installCrashHandlers(argv);
  holdEarlySignals(earlySignals);
  const program = buildProgram();
  try {
    program.hook('preAction', (_program, command) => {
      // run and bench hand early signals to their stop policy; any other command stops here.
      if (command.name() !== 'run' && command.name() !== 'bench') {
        const got = releaseEarlySignals();
        if (got.length > 0) process.exit(signalExitCode(got[0]!));
      }
      injectInternalError();
    });
    await program.parseAsync(argv as string[]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (err instanceof FastbenchError && err.category !== 'internal') return reportError(err);
    // A bug (ours, or ERR_INTERNAL raised on purpose): one line, the stack in a crash report.
    return reportInternalError(err, argv);
  } finally {
    releaseEarlySignals();
  }
}
