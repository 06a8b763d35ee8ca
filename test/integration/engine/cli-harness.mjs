// Runs `fastbench run|bench` from the built dist/: through bin/fastbench.js when src/cli/main.ts
// registers the commands, else through a commander program made of the two register functions.
import { Command } from 'commander';

const main = await import('../../../dist/cli/main.js');
const probe = main.buildProgram();
const wired = probe.commands.some((c) => c.name() === 'run');
if (wired) {
  process.exitCode = await main.main(process.argv);
} else {
  const { registerRunCommand } = await import('../../../dist/cli/run-command.js');
  const { registerBenchCommand } = await import('../../../dist/cli/bench-command.js');
  const program = new Command().name('fastbench').exitOverride();
  registerRunCommand(program);
  registerBenchCommand(program);
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (typeof e?.format === 'function') {
      process.stderr.write(e.format() + '\n');
      process.exitCode = e.exitCode;
    } else if (e?.code?.startsWith?.('commander.')) {
      process.exitCode = e.exitCode === 0 ? 0 : 2;
    } else {
      throw e;
    }
  }
}
