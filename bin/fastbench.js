#!/usr/bin/env node
// Thin launcher: everything lives in dist/ (run `npm run build` first).
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`error[ERR_INTERNAL]: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 70;
  },
);
