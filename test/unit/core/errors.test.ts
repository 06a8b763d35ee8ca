import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_SPECS, FastbenchError, errorCodeOfId, errorId } from '../../../src/core/errors.js';
import { renderErrorsDoc } from '../../../src/core/errors-doc.js';

describe('error registry', () => {
  it('has unique codes and dense ids', () => {
    const codes = new Set(ERROR_SPECS.map((s) => s.code));
    expect(codes.size).toBe(ERROR_SPECS.length);
    ERROR_SPECS.forEach((s, i) => expect(s.id).toBe(i + 1));
    for (const s of ERROR_SPECS) expect(s.code).toMatch(/^ERR_[A-Z0-9_]+$/);
  });

  it('maps codes to ids and back', () => {
    for (const s of ERROR_SPECS) expect(errorCodeOfId(errorId(s.code))).toBe(s.code);
    expect(() => errorId('ERR_NOPE')).toThrow(/unregistered/);
  });

  it('docs/ERRORS.md lists exactly the registry (run `npm run docs:errors` when this fails)', () => {
    const doc = readFileSync(new URL('../../../docs/ERRORS.md', import.meta.url), 'utf8');
    const inDoc = [...doc.matchAll(/^\| `(ERR_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect(inDoc).toEqual(ERROR_SPECS.map((s) => s.code));
    expect(doc).toBe(renderErrorsDoc());
  });

  it('formats with a position', () => {
    const e = new FastbenchError('ERR_SCENARIO_UNKNOWN_KEY', 'unknown key "conections"', { file: 'a.yaml', line: 3, column: 5 });
    expect(e.format()).toBe('error[ERR_SCENARIO_UNKNOWN_KEY]: unknown key "conections" at a.yaml:3:5');
    expect(e.exitCode).toBe(2);
    const c = new FastbenchError('ERR_HTTP_BAD_CHUNK_SIZE', undefined, { offset: 17 });
    expect(c.format()).toBe('error[ERR_HTTP_BAD_CHUNK_SIZE]: invalid chunk size at byte 17');
    expect(c.category).toBe('codec');
  });
});
