// Entry script of a prefork worker process (see prefork.ts): runs one server, reports its port.
import { runPreforkWorker } from './prefork.js';

runPreforkWorker().catch((err: unknown) => {
  process.stderr.write(`fastbench serve: worker failed to start: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(2);
});
