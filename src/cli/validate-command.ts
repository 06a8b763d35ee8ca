// `fastbench validate <file> [-e NAME=value ...]`: load and validate a scenario without sending
// anything. Prints `ok: <name> (<n> phases, <m> requests)`, or every problem as
// `error[CODE]: message at file:line:col` on stderr with exit code 2 — including a run this
// machine could not make (ERR_LIMIT_*: open files, local ports, memory; capacity-check.ts).
import type { Command } from 'commander';
import { EXIT_USAGE, FastbenchError } from '../core/errors.js';
import { checkScenario } from '../scenario/index.js';
import { capacityProblems } from './capacity-check.js';

function collectEnv(pair: string, acc: string[]): string[] {
  return [...acc, pair];
}

/** Parses NAME=value pairs; returns the env record or the offending pair. */
export function parseEnvPairs(pairs: readonly string[]): Record<string, string> | FastbenchError {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? '' : pair.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      return new FastbenchError('ERR_USAGE_BAD_OPTION', `-e expects NAME=value, got ${JSON.stringify(pair)}`);
    }
    env[name] = pair.slice(eq + 1);
  }
  return env;
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check a scenario file (YAML or JSON) without sending any traffic')
    .argument('<file>', 'scenario file')
    .option('-e, --env <NAME=value>', 'set {{env.NAME}} for the scenario (repeatable)', collectEnv, [] as string[])
    .action((file: string, opts: { env: string[] }) => {
      const env = parseEnvPairs(opts.env);
      if (env instanceof FastbenchError) {
        process.stderr.write(env.format() + '\n');
        process.exitCode = EXIT_USAGE;
        return;
      }
      const { scenario, errors } = checkScenario(file, { env });
      if (scenario === undefined || errors.length > 0) {
        for (const e of errors) process.stderr.write(e.format() + '\n');
        process.exitCode = EXIT_USAGE;
        return;
      }
      const limits = capacityProblems(scenario);
      if (limits.length > 0) {
        for (const e of limits) process.stderr.write(e.format() + '\n');
        process.exitCode = EXIT_USAGE;
        return;
      }
      const requests = scenario.mode === 'flows' ? scenario.flows.reduce((n, f) => n + f.steps.length, 0) : scenario.requests.length;
      // The wording is fixed (scripts match it): "phases" and "requests" even for one.
      process.stdout.write(`ok: ${scenario.name} (${scenario.phases.length} phases, ${requests} requests)\n`);
    });
}
