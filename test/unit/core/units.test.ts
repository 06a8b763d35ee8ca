import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/core/units.js';
import { didYouMean, editDistance } from '../../../src/scenario/did-you-mean.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h2m3s4ms', 3_723_004],
    ['1.5s', 1500],
    ['.5s', 500],
    ['250us', 0.25],
    ['250µs', 0.25],
    ['1m 30s', 90_000],
    [' 10s ', 10_000],
    ['0s', 0],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(['', '10', '10x', 's', '1m1m', '10 s s', '-1s', '1s2', 'ten seconds', '1e3ms', '1ms1'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('distinguishes m from ms', () => {
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('5ms')).toBe(5);
    expect(parseDuration('1m5ms')).toBe(60_005);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [0.25, '250us'],
    [500, '500ms'],
    [1500, '1.5s'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [3_723_000, '1h2m3s'],
  ])('%d → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBeCloseTo(ms, 9);
  });
});

describe('did you mean', () => {
  it('computes edit distance', () => {
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('conections', 'connections')).toBe(1);
    expect(editDistance('same', 'same')).toBe(0);
    expect(editDistance('sqe', 'seq')).toBe(1);
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('ca', 'abc')).toBe(3);
  });

  it('suggests the closest candidate within a third of the length', () => {
    const keys = ['connections', 'pipelining', 'timeout', 'keepalive'];
    expect(didYouMean('conections', keys)).toBe('connections');
    expect(didYouMean('timeot', keys)).toBe('timeout');
    expect(didYouMean('Keepalive', keys)).toBe('keepalive');
    expect(didYouMean('banana', keys)).toBeUndefined();
    expect(didYouMean('x', [])).toBeUndefined();
    expect(didYouMean('abort', ['abortOnFail', 'check'])).toBe('abortOnFail');
    expect(didYouMean('ab', ['abortOnFail'])).toBeUndefined();
  });
});
