import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FastbenchError } from '../../../src/core/errors.js';
import { LOCK_FILE, makeDir, makeDirSync, OutDirLock, prepareOutDir, type DirFs } from '../../../src/report/out-dir.js';
import { writeReports } from '../../../src/report/report-writer.js';
import { makeResult } from '../../fixtures/report/make-result.js';

const dir = mkdtempSync(join(tmpdir(), 'fastbench-outdir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof FastbenchError ? e.code : (e as NodeJS.ErrnoException).code;
  }
  return undefined;
}

describe('makeDir', () => {
  it('creates missing levels', async () => {
    makeDirSync(join(dir, 'a', 'b', 'c'));
    await makeDir(join(dir, 'd', 'e'));
    expect(fs.statSync(join(dir, 'a', 'b', 'c')).isDirectory()).toBe(true);
    expect(fs.statSync(join(dir, 'd', 'e')).isDirectory()).toBe(true);
  });

  // Node's recursive mkdir loops forever here (ENOENT on /proc/x, the parent exists: retry).
  it.runIf(process.platform === 'linux')('fails on /proc/x instead of spinning', async () => {
    await expect(makeDir('/proc/x/y')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(codeOf(() => makeDirSync('/proc/x'))).toBe('ENOENT');
  });

  it.runIf(process.platform === 'linux')('so writing reports into /proc/x fails with ERR_REPORT_WRITE, not a busy loop', async () => {
    await expect(writeReports(makeResult(), { outDir: '/proc/x', formats: ['json'] })).rejects.toMatchObject({ code: 'ERR_REPORT_WRITE' });
  });
});

describe('prepareOutDir', () => {
  it('creates the directory and leaves no probe behind', () => {
    const out = prepareOutDir(join(dir, 'fresh', 'out'));
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it('refuses a file, and a path below a file, naming the file', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expect(() => prepareOutDir(file)).toThrow(/it is a file, not a directory/);
    expect(() => prepareOutDir(join(file, 'sub'))).toThrow(new RegExp(`${file} is a file, not a directory`));
    expect(codeOf(() => prepareOutDir(join(file, 'sub')))).toBe('ERR_OUT_DIR');
  });

  it.runIf(process.platform === 'linux')('refuses pseudo-file systems', () => {
    expect(() => prepareOutDir('/proc/x')).toThrow(/pseudo-file system \(proc\)/);
    expect(() => prepareOutDir('/sys/fs/x')).toThrow(/pseudo-file system \(sysfs\)/);
  });

  it('reports the real cause of a read-only mount: EROFS, at creation or at the probe', () => {
    const erofs = (): never => {
      const e = new Error('EROFS: read-only file system') as NodeJS.ErrnoException;
      e.code = 'EROFS';
      throw e;
    };
    const real: DirFs = {
      statSync: (p) => fs.statSync(p),
      mkdirSync: (p) => fs.mkdirSync(p),
      writeFileSync: (p, d, o) => fs.writeFileSync(p, d, o),
      readFileSync: (p, e) => fs.readFileSync(p, e),
      unlinkSync: (p) => fs.unlinkSync(p),
    };
    const roMount: DirFs = { ...real, mkdirSync: erofs, writeFileSync: erofs };
    expect(() => prepareOutDir(join(dir, 'ro', 'x'), { fs: roMount })).toThrow(/cannot create .*ro: EROFS \(read-only file system\)/);
    expect(() => prepareOutDir(dir, { fs: roMount })).toThrow(/cannot write into it: EROFS \(read-only file system\)/);
  });
});

describe('OutDirLock', () => {
  it('refuses a second holder while the first lives, unless forced; release removes it', () => {
    const out = prepareOutDir(join(dir, 'locked'));
    const first = OutDirLock.acquire(out);
    const holder = JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8')) as { pid: number };
    expect(holder.pid).toBe(process.pid);
    // Another live process holds it (the test runner's parent stands in for the other run).
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), started: 'then' }));
    expect(() => OutDirLock.acquire(out)).toThrow(new RegExp(`in use by another fastbench run \\(pid ${process.ppid}`));
    expect(codeOf(() => OutDirLock.acquire(out))).toBe('ERR_OUT_LOCKED');
    const forced = OutDirLock.acquire(out, { force: true });
    forced.release();
    first.release(); // no longer ours: leaves nothing to remove
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  });

  it('takes over a lock whose process is gone', () => {
    const out = prepareOutDir(join(dir, 'stale'));
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: 2 ** 31 - 2, host: hostname(), started: 'long ago' }));
    const lock = OutDirLock.acquire(out);
    expect((JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8')) as { pid: number }).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  });
});
