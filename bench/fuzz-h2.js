#!/usr/bin/env node
// Long fuzz run for the HTTP/2 codec (part of `npm run fuzz`): FUZZ_INPUTS (default 1,000,000)
// inputs each for the frame reader and the HPACK decoder; only H2Error may escape. See
// bench/fuzz-h2-core.js for the input kinds. Deterministic for a given SEED.
import { ByteWriter } from '../dist/core/byte-writer.js';
import * as h2 from '../dist/http2/index.js';
import { fuzzH2 } from './fuzz-h2-core.js';

const inputs = Number(process.env.FUZZ_INPUTS ?? 1_000_000);
const seed = Number(process.env.SEED ?? 12345);
const t0 = Date.now();
const res = fuzzH2(h2, ByteWriter, { inputs, seed });
const s = ((Date.now() - t0) / 1000).toFixed(1);
const f = (n) => n.toLocaleString('en-US');
console.log(`h2 frame reader: ${f(res.frame.inputs)} inputs (${f(res.frame.valid)} valid split-and-compared, ${f(res.frame.typed)} typed rejections)`);
console.log(`hpack decoder:   ${f(res.hpack.inputs)} inputs (${f(res.hpack.valid)} valid round-tripped, ${f(res.hpack.tooLarge)} over the list budget, ${f(res.hpack.typed)} typed rejections)`);
console.log(`rejections by code: ${JSON.stringify(res.codes)}`);
console.log(`escapes: ${res.escapes}, mismatches: ${res.mismatches}; ${s} s; heap used at end: ${(process.memoryUsage().heapUsed / 1048576).toFixed(1)} MiB`);
if (res.escapes > 0 || res.mismatches > 0) {
  console.error('FIRST FAILURE', res.firstEscape);
  process.exit(1);
}
