// makeDirSync / makeDir: mkdir -p that creates each missing level once and never retries, so a
// path on a pseudo-file system (/proc/x: ENOENT although the parent exists) fails at once.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { existingAncestor, makeDir, makeDirSync, type MakeDirFs } from '../../../src/core/make-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'fb-make-dir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as NodeJS.ErrnoException).code;
  }
  return undefined;
}

/** A fake file system where mkdir of `failing` keeps answering ENOENT, as /proc does. */
function procLike(failing: string): MakeDirFs & { mkdirCalls: number } {
  const dirs = new Set(['/', '/proc']);
  const fake = {
    mkdirCalls: 0,
    statSync(p: string) {
      if (!dirs.has(p)) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return { isDirectory: () => true };
    },
    mkdirSync(p: string) {
      fake.mkdirCalls++;
      if (p === failing) throw Object.assign(new Error(`ENOENT: mkdir ${p}`), { code: 'ENOENT' });
      dirs.add(p);
    },
  };
  return fake;
}

describe('makeDirSync', () => {
  it('creates every missing level, and is a no-op when the directory exists', () => {
    const target = join(dir, 'a', 'b', 'c');
    makeDirSync(target);
    expect(statSync(target).isDirectory()).toBe(true);
    makeDirSync(target);
    expect(statSync(target).isDirectory()).toBe(true);
  });

  it('tries a level that mkdir refuses with ENOENT once, then throws (no retry loop)', () => {
    const f = procLike('/proc/x');
    expect(codeOf(() => makeDirSync('/proc/x/y', f))).toBe('ENOENT');
    expect(f.mkdirCalls).toBe(1);
  });

  it('throws ENOTDIR when an ancestor is a file', async () => {
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    expect(codeOf(() => makeDirSync(join(file, 'sub')))).toBe('ENOTDIR');
    await expect(makeDir(join(file, 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it.runIf(process.platform === 'linux')('fails on the real /proc/x at once', async () => {
    expect(codeOf(() => makeDirSync('/proc/fastbench-x/y'))).toBe('ENOENT');
    await expect(makeDir('/proc/fastbench-x/y')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('existingAncestor', () => {
  it('names the nearest existing directory and the missing levels, outermost first', () => {
    const got = existingAncestor(join(dir, 'n1', 'n2'));
    expect(got).toEqual({ existing: dir, missing: [join(dir, 'n1'), join(dir, 'n1', 'n2')] });
  });
});
