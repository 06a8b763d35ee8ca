// `fastbench validate <file> [-e NAME=value ...]`: load and validate a scenario without sending
// anything. Prints `ok: <name> (<n> phases, <m> requests)`, or every problem as
// `error[CODE]: message at file:line:col` on stderr with exit code 2 — including a run this
// machine could not make (ERR_LIMIT_*: open files, local ports, memory; capacity-check.ts).
// The problems (a bad -e pair among them) are validate's output, so it prints them itself and
// sets exit code 2 rather than throwing the first one to main.ts.
import type { Command } from 'commander';
import { EXIT_USAGE, FastbenchError } from '../core/errors.js';
import { loadHooks } from '../engine/hook-runner.js';
import { checkScenario } from '../scenario/index.js';
import { checkTargetTls } from '../engine/index.js';
import { capacityProblems } from './capacity-check.js';
import { collect, parseEnvPairs } from './flags.js';
import { examples } from './help.js';

function printProblems(errors: readonly FastbenchError[]): void {
  for (const e of errors) process.stderr.write(e.format() + '\n');
  process.exitCode = EXIT_USAGE;
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check a scenario file (YAML or JSON) without sending any traffic')
    .argument('<file>', 'scenario file')
    .option('-e, --env <NAME=value>', 'set {{env.NAME}} for the scenario (repeatable)', collect, [] as string[])
    .addHelpText('after', examples([
      'fastbench validate scenarios/smoke.yaml',
      'fastbench validate scenario.yaml -e HOST=127.0.0.1 -e TOKEN=abc',
    ]))
    .action(async (file: string, opts: { env: string[] }) => {
      let env: Record<string, string>;
      try {
        env = parseEnvPairs(opts.env);
      } catch (e) {
        if (!(e instanceof FastbenchError)) throw e;
        return printProblems([e]);
      }
      const { scenario, errors } = checkScenario(file, { env });
      if (scenario === undefined || errors.length > 0) return printProblems(errors);
      // issue 16: the hooks module must import and export functions (its setup is not run here).
      if (scenario.hooks !== undefined) {
        try {
          await loadHooks(scenario.hooks);
        } catch (e) {
          if (!(e instanceof FastbenchError)) throw e;
          return printProblems([e]);
        }
      }
      const limits = capacityProblems(scenario);
      if (limits.length > 0) return printProblems(limits);
      try {
        checkTargetTls(scenario); // certificates, keys, passphrases, ciphers load (ERR_TLS_CONFIG)
      } catch (e) {
        if (!(e instanceof FastbenchError)) throw e;
        return printProblems([e]);
      }
      const requests =
        scenario.mode === 'flows' ? [...scenario.flows, scenario.setup, scenario.teardown].reduce((n, f) => n + (f?.steps.length ?? 0), 0) : scenario.requests.length;
      // The wording is fixed (scripts match it): "phases" and "requests" even for one.
      // issue 18: a `load: - search:` scenario has no phases of its own
      const load = scenario.search !== undefined ? 'a capacity search' : `${scenario.phases.length} phases`;
      process.stdout.write(`ok: ${scenario.name} (${load}, ${requests} requests)\n`);
    });
}
