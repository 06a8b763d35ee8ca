import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../../src/report/compare.js';
import { mergeRunResults } from '../../../src/report/merge.js';
import { parseRunResult, readRunResult } from '../../../src/report/result-file.js';
import { renderText } from '../../../src/report/text-report.js';

// Written in the shape of result.json before threshold outcomes named scope/metric/op/unit/limit
// (outcomes hold expression, passed, actual and window only).
const OLD = new URL('../../fixtures/report/result-before-scopes.json', import.meta.url);

describe('reading result files written by an older fastbench', () => {
  it('upgrades threshold outcomes without scope/metric/op/unit/limit from their expression', () => {
    const r = readRunResult(OLD.pathname);
    expect(r.thresholds.map((t) => [t.expression, t.scope, t.metric, t.op, t.unit, t.limit])).toEqual([
      ['p99 < 20ms', 'overall', 'p99', '<', 'ms', 20],
      ['errors < 5%', 'overall', 'errors', '<', 'ratio', 0.05],
      // the one request whose figures reproduce the recorded actual (7.303 ms; overall p50 is 1.95)
      ['p50 < 8ms', 'search', 'p50', '<', 'ms', 8],
      ['rps > 10 over 1s windows', 'overall', 'rps', '>', 'rps', 10],
    ]);
    // what was recorded stays as it was
    expect(r.thresholds.map((t) => [t.passed, t.actual, t.window])).toEqual([
      [true, 10.407, undefined], [true, 0, undefined], [true, 7.303, undefined], [true, 40, 'each 1s window'],
    ]);
  });

  it('report, compare and merge accept the old file', () => {
    const old = readRunResult(OLD.pathname);
    expect(renderText(old)).toMatch(/search\s+p50 < 8ms/);
    const current = readRunResult(OLD.pathname);
    expect(compareRuns([old], [current]).rows.length).toBeGreaterThan(0);
    const { result } = mergeRunResults([old, current]);
    expect(result.thresholds.find((t) => t.expression === 'p50 < 8ms')).toMatchObject({ scope: 'search', passed: true });
  });

  it('an old outcome whose expression no longer parses is still a schema error, naming the file', () => {
    const doc = JSON.parse(readFileSync(OLD, 'utf8'));
    doc.thresholds = [{ expression: 'latency is fine', passed: true, actual: 1 }];
    expect(() => parseRunResult(JSON.stringify(doc), 'old.json')).toThrow(/old\.json: does not match schema.*scope/);
  });
});
