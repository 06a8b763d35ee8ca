#!/usr/bin/env node
// Thin launcher: everything lives in dist/ (run `npm run build` first).
// Signals that arrive while the CLI loads are kept for it (src/cli/stop-signals.ts: a run stopped
// that early still ends with its result, not killed half-started).
const early = { signals: [], listener: (signal) => early.signals.push(signal) };
process.on('SIGINT', early.listener);
process.on('SIGTERM', early.listener);
const { main } = await import('../dist/cli/main.js');

main(process.argv, early).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`error[ERR_INTERNAL]: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 70;
  },
);
