import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../../src/cli/run-report.js';
import type { EngineResult } from '../../../src/engine/index.js';

const result = (over: Partial<EngineResult>): EngineResult =>
  ({ valid: true, interrupted: false, thresholds: [], abortedBy: undefined, overall: { requests: 10, responses: 10 }, ...over }) as unknown as EngineResult;

describe('run exit codes', () => {
  it('0 ok, 1 a failed gate or interrupted, 3 invalid (beats everything)', () => {
    expect(exitCodeOf(result({}))).toBe(0);
    expect(exitCodeOf(result({ thresholds: [{ expression: 'p99 < 1ms', passed: false, actual: 2 }] }))).toBe(1);
    expect(exitCodeOf(result({ interrupted: true }))).toBe(1);
    expect(exitCodeOf(result({ valid: false, interrupted: true }))).toBe(3);
  });
  it('1 when no request succeeded, thresholds or not', () => {
    expect(exitCodeOf(result({ overall: { requests: 10, responses: 0 } } as unknown as Partial<EngineResult>))).toBe(1);
    expect(exitCodeOf(result({ overall: { requests: 0, responses: 0 } } as unknown as Partial<EngineResult>))).toBe(1);
    expect(exitCodeOf(result({ overall: { requests: 10, responses: 1 } } as unknown as Partial<EngineResult>))).toBe(0);
  });
  it('--allow-invalid keeps the gates but not the exit 3', () => {
    expect(exitCodeOf(result({ valid: false }), true)).toBe(0);
    expect(exitCodeOf(result({ valid: false, thresholds: [{ expression: 'rps > 1', passed: false, actual: 0 }] }), true)).toBe(1);
  });
});
