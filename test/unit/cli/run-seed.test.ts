// `run --seed N`: parsed once by flags.ts, applied as the scenario's `seed`.
import { describe, expect, it } from 'vitest';
import { runOverrides } from '../../../src/cli/run-command.js';
import { FastbenchError } from '../../../src/core/errors.js';

describe('run --seed', () => {
  it('becomes the seed override', () => {
    expect(runOverrides({ env: [], seed: '42' })).toEqual({ seed: 42 });
    expect(runOverrides({ env: [], seed: '0' })).toEqual({ seed: 0 });
    expect(runOverrides({ env: [] })).toEqual({});
  });

  it('refuses what is not a whole number', () => {
    for (const bad of ['-1', '1.5', 'abc', '']) {
      let err: unknown;
      try {
        runOverrides({ env: [], seed: bad });
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(FastbenchError);
      expect((err as FastbenchError).code).toBe('ERR_USAGE_BAD_OPTION');
    }
  });
});
