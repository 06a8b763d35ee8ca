// Short pass of the HTTP/2 codec fuzzer (bench/fuzz-h2-core.js) against src/: frame reader and
// HPACK decoder, valid inputs compared, mutated and random inputs may only raise H2Error.
// `npm run fuzz` runs the same fuzzer with 1,000,000 inputs each (bench/fuzz-h2.js).
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../src/core/byte-writer.js';
import * as h2 from '../../src/http2/index.js';
// @ts-expect-error plain JS module shared with bench/ (no type declarations)
import { fuzzH2 } from '../../bench/fuzz-h2-core.js';

const INPUTS = Number(process.env.FUZZ_H2_INPUTS ?? 20_000);

describe('HTTP/2 codec fuzz (short)', () => {
  it(`${INPUTS} inputs each for the frame reader and the HPACK decoder: 0 escapes, 0 mismatches`, () => {
    const res = fuzzH2(h2, ByteWriter, { inputs: INPUTS, seed: 4242 });
    console.log(`h2 fuzz: ${JSON.stringify({ frame: res.frame, hpack: res.hpack, escapes: res.escapes, mismatches: res.mismatches })}`);
    expect(res.firstEscape).toBeUndefined();
    expect(res.escapes).toBe(0);
    expect(res.mismatches).toBe(0);
    expect(res.frame.inputs).toBe(INPUTS);
    expect(res.hpack.inputs).toBe(INPUTS);
    // The valid third was really checked, and the rest really exercised the error paths.
    expect(res.frame.valid).toBeGreaterThan(INPUTS / 4);
    expect(res.hpack.valid).toBeGreaterThan(INPUTS / 4);
    expect(res.frame.typed).toBeGreaterThan(INPUTS / 10);
    expect(res.hpack.typed).toBeGreaterThan(INPUTS / 10);
  }, 120_000);
});
