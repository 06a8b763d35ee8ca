// mkdir -p that never spins: walks up once to the nearest existing directory, then creates each
// missing level once, and fails with the error it got. Node's own recursive mkdir loops forever
// on /proc/x (mkdir says ENOENT, the parent exists, so it tries again — 89% CPU, deaf to SIGTERM
// in the sync variant). Used wherever a directory is created (report output, crawl state).
import * as fs from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The file-system calls makeDirSync uses (tests inject failures a test machine cannot produce). */
export interface MakeDirFs {
  statSync(path: string): { isDirectory(): boolean };
  mkdirSync(path: string): void;
}

const NODE_FS: MakeDirFs = {
  statSync: (p) => fs.statSync(p),
  mkdirSync: (p) => fs.mkdirSync(p),
};

/** The errno code of a file-system error ('EUNKNOWN' when it has none). */
export function errnoCode(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? 'EUNKNOWN';
}

function notADir(path: string): NodeJS.ErrnoException {
  const e = new Error(`ENOTDIR: not a directory, ${path}`) as NodeJS.ErrnoException;
  e.code = 'ENOTDIR';
  e.path = path;
  return e;
}

/**
 * The nearest existing ancestor of `abs` (itself when it exists) and the missing levels below it,
 * outermost first. Throws the stat error (ENOTDIR when an ancestor is a file, EACCES…).
 */
export function existingAncestor(abs: string, f: MakeDirFs = NODE_FS): { existing: string; missing: string[] } {
  const missing: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      const st = f.statSync(cur);
      if (!st.isDirectory()) throw notADir(cur);
      return { existing: cur, missing: missing.reverse() };
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
      const parent = dirname(cur);
      if (parent === cur) throw e;
      missing.push(cur);
      cur = parent;
    }
  }
}

/** mkdir -p without Node's retry loop: each missing level is created once; errors are thrown as they come. */
export function makeDirSync(path: string, f: MakeDirFs = NODE_FS): void {
  const { missing } = existingAncestor(resolve(path), f);
  for (const dir of missing) {
    try {
      f.mkdirSync(dir);
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw e;
      if (!f.statSync(dir).isDirectory()) throw notADir(dir); // lost a race to a file
    }
  }
}

/** The same, for async callers (one level at a time, no retry loop). */
export async function makeDir(path: string): Promise<void> {
  const abs = resolve(path);
  const missing: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      const st = await fs.promises.stat(cur);
      if (!st.isDirectory()) throw notADir(cur);
      break;
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
      const parent = dirname(cur);
      if (parent === cur) throw e;
      missing.push(cur);
      cur = parent;
    }
  }
  for (const dir of missing.reverse()) {
    try {
      await fs.promises.mkdir(dir);
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw e;
      if (!(await fs.promises.stat(dir)).isDirectory()) throw notADir(dir);
    }
  }
}
