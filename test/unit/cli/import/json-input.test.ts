// Where a JSON syntax error is, whatever JSON.parse says about it.
import { describe, expect, it } from 'vitest';
import { jsonErrorOffset, lineColumn, parseJsonInput, pointer } from '../../../../src/cli/import/json-input.js';

describe('jsonErrorOffset', () => {
  it('is -1 for valid JSON, the same verdict as JSON.parse', () => {
    for (const t of ['{}', '[]', ' {"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"], "b": {}} ', '"s"', '0']) {
      expect(() => JSON.parse(t)).not.toThrow();
      expect(jsonErrorOffset(t)).toBe(-1);
    }
  });

  it('points at the first character that breaks the grammar', () => {
    const cases: [string, number][] = [
      ['[,]', 1],
      ['{"a":1,}', 7],
      ['{"a" 1}', 5],
      ['{a:1}', 1],
      ['[1 2]', 3],
      ['"abc', 4],
      ['"a\\qb"', 3],
      ['"\\u12G4"', 5],
      ['tru', 3],
      ['[01]', 2],
      ['{} x', 3],
      ['', 0],
    ];
    for (const [t, at] of cases) {
      expect(() => JSON.parse(t)).toThrow();
      expect([t, jsonErrorOffset(t)]).toEqual([t, at]);
    }
  });

  it('parseJsonInput reports line:column and the text there', () => {
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
    try {
      parseJsonInput('{\n  "a": [1,\n  ]\n}', 'f.json', 'the HAR file');
      expect.unreachable();
    } catch (e) {
      expect((e as { format(): string }).format()).toBe('error[ERR_IMPORT_PARSE]: the HAR file is not valid JSON: unexpected "]\\n}" at f.json:3:3');
    }
    expect(pointer('paths', '/pets/{id}', 'get')).toBe('/paths/~1pets~1{id}/get');
  });
});
