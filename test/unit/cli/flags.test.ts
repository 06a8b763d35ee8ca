// src/cli/flags.ts: the one parser of command-line values, its error format, commander's errors
// in our format (did-you-mean, retired short flags), and the `-d 5` → "5s"? hint.
import { describe, expect, it } from 'vitest';
import { FastbenchError } from '../../../src/core/errors.js';
import {
  durationHint,
  formatCommanderError,
  parseCountFlag,
  parseDurationFlag,
  parseEnvPairs,
  parsePositiveFlag,
  parseRateFlag,
  parseShard,
  parseSizeFlag,
  parseStartAt,
  splitHeader,
} from '../../../src/cli/flags.js';

/** The error a call throws, as the CLI prints it. */
function printed(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof FastbenchError) return e.format();
    throw e;
  }
  throw new Error('no error thrown');
}

describe('parseDurationFlag', () => {
  it('reads the units a scenario reads', () => {
    expect(parseDurationFlag('500ms', '-d')).toBe(500);
    expect(parseDurationFlag('10s', '-d')).toBe(10_000);
    expect(parseDurationFlag('1m30s', '-d')).toBe(90_000);
    expect(parseDurationFlag('1.5s', '-d')).toBe(1500);
    expect(parseDurationFlag('2h', '-d')).toBe(7_200_000);
    expect(parseDurationFlag('250us', '-d')).toBe(0.25);
  });

  it('a bare number is not a duration: `-d 5` → did you mean "5s"?', () => {
    expect(printed(() => parseDurationFlag('5', '--duration'))).toBe('error[ERR_USAGE_BAD_DURATION]: --duration "5": a duration needs a unit: did you mean "5s"?');
    expect(durationHint(' 2.5 ')).toBe('2.5s');
    expect(durationHint('soon')).toBeUndefined();
    expect(printed(() => parseDurationFlag('soon', '--timeout'))).toBe('error[ERR_USAGE_BAD_DURATION]: --timeout "soon": not a duration (use 500ms, 10s, 2m, 1h, 1m30s)');
  });

  it('zero only where it means "off"', () => {
    expect(parseDurationFlag('0', '--idle-timeout', { allowZero: true })).toBe(0);
    expect(parseDurationFlag('0ms', '--delay', { allowZero: true })).toBe(0);
    expect(printed(() => parseDurationFlag('0s', '--timeout'))).toBe('error[ERR_USAGE_BAD_DURATION]: --timeout "0s": must be more than zero');
    expect(() => parseDurationFlag('0', '--timeout')).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_DURATION' }));
  });
});

describe('parseSizeFlag', () => {
  it('a bare size is bytes; k/m/g are powers of 1024', () => {
    expect(parseSizeFlag('512', '--max-body')).toBe(512);
    expect(parseSizeFlag('5', '--max-body')).toBe(5);
    expect(parseSizeFlag('64kb', '--max-body')).toBe(65_536);
    expect(parseSizeFlag('10MB', '--max-body')).toBe(10 * 1024 * 1024);
    expect(parseSizeFlag('1.5GiB', '--max-body')).toBe(1.5 * 1024 ** 3);
  });
  it('refuses what is not a size, or below the minimum', () => {
    expect(printed(() => parseSizeFlag('lots', '--max-body'))).toBe('error[ERR_USAGE_BAD_OPTION]: --max-body "lots": not a size (512 bytes, 64kb, 10mb, 1.5GiB)');
    expect(printed(() => parseSizeFlag('0', '--max-body', 1))).toBe('error[ERR_USAGE_BAD_OPTION]: --max-body "0": must be at least 1 byte');
  });
});

describe('parseRateFlag', () => {
  it('reads rates as `rate:` does in YAML: 1000, 1000/s, 6000/m', () => {
    expect(parseRateFlag('1000', '-R')).toBe(1000);
    expect(parseRateFlag('1000/s', '-R')).toBe(1000);
    expect(parseRateFlag('6000/m', '-R')).toBe(100);
    expect(parseRateFlag('90/min', '-R')).toBe(1.5);
    expect(parseRateFlag('0.5', '-R')).toBe(0.5);
  });
  it('refuses zero and garbage', () => {
    expect(printed(() => parseRateFlag('fast', '--rate'))).toBe('error[ERR_USAGE_BAD_OPTION]: --rate "fast": not a rate above zero (1000, 1000/s, 6000/m)');
    expect(() => parseRateFlag('0', '--rate')).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION' }));
    expect(() => parseRateFlag('100/h', '--rate')).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION' }));
  });
});

describe('counts, numbers and the rest', () => {
  it('counts are whole numbers at or above a minimum', () => {
    expect(parseCountFlag(' 4 ', '-w')).toBe(4);
    expect(parseCountFlag('0', '--max-depth')).toBe(0);
    expect(printed(() => parseCountFlag('2.5', '--workers'))).toBe('error[ERR_USAGE_BAD_OPTION]: --workers "2.5": must be a whole number');
    expect(printed(() => parseCountFlag('0', '--connections', 1))).toBe('error[ERR_USAGE_BAD_OPTION]: --connections "0": must be at least 1');
    expect(() => parseCountFlag('-1', '-c', 1)).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION' }));
  });
  it('positive numbers', () => {
    expect(parsePositiveFlag('0.25', '--x')).toBe(0.25);
    expect(() => parsePositiveFlag('0', '--x')).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION' }));
  });
  it('-e pairs, --shard, --start-at, headers', () => {
    expect(parseEnvPairs(['A=1', 'B_2=x=y'])).toEqual({ A: '1', B_2: 'x=y' });
    expect(printed(() => parseEnvPairs(['oops']))).toBe('error[ERR_USAGE_BAD_OPTION]: -e expects NAME=value, got "oops"');
    expect(parseShard('1/4')).toEqual({ index: 1, count: 4 });
    expect(() => parseShard('4/4')).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION' }));
    expect(parseStartAt('2030-01-01T12:00:00Z')).toBe(Date.UTC(2030, 0, 1, 12));
    expect(() => parseStartAt('noon')).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION' }));
    expect(splitHeader('Accept:  text/html \t')).toEqual(['Accept', 'text/html']);
    expect(splitHeader('X: \n')).toEqual(['X', '\n']); // a line break is kept, to be refused by the validator
    expect(printed(() => splitHeader('nocolon'))).toBe(`error[ERR_USAGE_BAD_OPTION]: --header "nocolon": expected 'name: value'`);
  });
});

describe('commander errors in our format', () => {
  it('an unknown option gets commander\'s did-you-mean, in our words', () => {
    expect(formatCommanderError("error: unknown option '--durtion'\n(Did you mean --duration?)\n", 'bench')).toBe(
      "error[ERR_USAGE_UNKNOWN_OPTION]: unknown option '--durtion' (did you mean --duration?)\n",
    );
    expect(formatCommanderError("error: unknown command 'rn'\n(Did you mean run?)\n", undefined)).toBe("error[ERR_USAGE_UNKNOWN_OPTION]: unknown command 'rn' (did you mean run?)\n");
  });
  it('a retired short flag names its replacement', () => {
    expect(formatCommanderError("error: unknown option '-c'\n", 'compare')).toBe("error[ERR_USAGE_UNKNOWN_OPTION]: unknown option '-c' (compare's -c was renamed: use --current)\n");
    expect(formatCommanderError("error: unknown option '-m'\n", 'bench')).toContain('use -X/--method');
    expect(formatCommanderError("error: unknown option '-d'\n", 'request')).toContain('use -b/--body');
    // -c is not retired in bench: a plain unknown option (it is not unknown there, but the table is per command)
    expect(formatCommanderError("error: unknown option '-c'\n", 'request')).toBe("error[ERR_USAGE_UNKNOWN_OPTION]: unknown option '-c'\n");
  });
  it('other usage errors become ERR_USAGE pointing at the help', () => {
    expect(formatCommanderError("error: missing required argument 'url'\n", 'bench')).toBe("error[ERR_USAGE]: missing required argument 'url' (see fastbench bench --help)\n");
  });
});
