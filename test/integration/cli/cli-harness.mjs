// Runs the fastbench CLI from the built dist/: through main.ts when it registers the command
// named first on the command line, else through a commander program holding only the
// register functions below (commands not yet wired into src/cli/main.ts).
import { Command } from 'commander';

const main = await import('../../../dist/cli/main.js');
const name = process.argv[2];
const wired = main.buildProgram().commands.some((c) => c.name() === name);
if (wired) {
  process.exitCode = await main.main(process.argv);
} else {
  const { registerCalibrateCommand } = await import('../../../dist/cli/calibrate-command.js');
  const program = new Command().name('fastbench').exitOverride();
  registerCalibrateCommand(program);
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
