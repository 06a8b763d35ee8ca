import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bug, invariant, InvariantError } from '../../../src/core/invariant.js';

const SRC = fileURLToPath(new URL('../../../src', import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('invariant', () => {
  it('throws an InvariantError naming the broken rule, building a lazy message only on failure', () => {
    expect(() => bug('ring overflow')).toThrow(InvariantError);
    expect(() => invariant(false, 'x must be set')).toThrow(/x must be set/);
    let built = 0;
    invariant(true, () => `never ${++built}`);
    expect(built).toBe(0);
    expect(() => invariant(0, () => `built ${++built}`)).toThrow(/built 1/);
  });

  it('is the only place src/ throws a plain Error (everything else is a FastbenchError or a bug())', () => {
    const offenders = tsFiles(SRC)
      .filter((f) => !f.endsWith(join('core', 'invariant.ts')))
      .filter((f) => /throw new Error\(/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
