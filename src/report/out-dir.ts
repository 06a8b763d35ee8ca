// The output directory of a run: checked before any traffic, locked for the run, created without
// ever spinning.
//
//   makeDirSync / makeDir   mkdir -p that never spins on /proc/x: core/make-dir.ts (re-exported).
//   prepareOutDir           --out must be a directory (or creatable as one) on a real, writable
//                           file system: not a file, not /proc or /sys or another pseudo-file
//                           system, not read-only. It is created and a probe file is written and
//                           removed, so the real cause (EROFS, EACCES, ENOSPC…) is reported up front.
//   OutDirLock              .fastbench.lock (pid, host, start) in the directory for the run: a
//                           second run on the same directory is refused unless --force; a lock left
//                           by a process that is gone is taken over.
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { FastbenchError } from '../core/errors.js';
import { errnoCode as errno, existingAncestor, makeDir, makeDirSync } from '../core/make-dir.js';

export { makeDir, makeDirSync };

/** The file-system calls used here (tests inject failures a test machine cannot produce). */
export interface DirFs {
  statSync(path: string): fs.Stats;
  mkdirSync(path: string): void;
  statfsSync?(path: string): { type: number };
  writeFileSync(path: string, data: string, options: { flag: string; mode?: number }): void;
  readFileSync(path: string, encoding: 'utf8'): string;
  unlinkSync(path: string): void;
}

const NODE_FS: DirFs = {
  statSync: (p) => fs.statSync(p),
  mkdirSync: (p) => fs.mkdirSync(p),
  ...(typeof fs.statfsSync === 'function' ? { statfsSync: (p: string) => ({ type: Number(fs.statfsSync(p).type) }) } : {}),
  writeFileSync: (p, d, o) => fs.writeFileSync(p, d, o),
  readFileSync: (p, e) => fs.readFileSync(p, e),
  unlinkSync: (p) => fs.unlinkSync(p),
};

/** Linux statfs f_type of file systems that cannot hold report files. */
const PSEUDO_FS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x73636673, 'securityfs'],
  [0x74726163, 'tracefs'],
  [0xcafe4a11, 'bpf'],
  [0x62656570, 'configfs'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
  [0x65735543, 'fusectl'],
  [0x19800202, 'mqueue'],
  [0x42494e4d, 'binfmt_misc'],
  [0x6e736673, 'nsfs'],
  [0xf97cff8c, 'selinuxfs'],
]);

/** Linux mount points that are pseudo-file systems whatever is mounted below them (cgroup tmpfs…). */
const PSEUDO_ROOTS = ['/proc', '/sys'];

const CAUSES: Readonly<Record<string, string>> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a path component is not a directory',
  ENOENT: 'no such file or directory',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many symbolic links',
  EIO: 'I/O error',
};

/** "EROFS (read-only file system)". */
export function describeErrno(e: unknown): string {
  const code = errno(e);
  const cause = CAUSES[code];
  return cause !== undefined ? `${code} (${cause})` : code === 'EUNKNOWN' ? String((e as Error)?.message ?? e) : code;
}

function outError(option: string, path: string, why: string): FastbenchError {
  return new FastbenchError('ERR_OUT_DIR', `${option} ${path}: ${why}`);
}

/** The pseudo-file system `abs` (an existing path) lives on, if it is one. */
function pseudoFs(abs: string, f: DirFs): string | undefined {
  if (process.platform !== 'linux') return undefined;
  for (const root of PSEUDO_ROOTS) if (abs === root || abs.startsWith(root + sep)) return root.slice(1) === 'proc' ? 'proc' : 'sysfs';
  if (f.statfsSync === undefined) return undefined;
  try {
    return PSEUDO_FS.get(f.statfsSync(abs).type);
  } catch {
    return undefined;
  }
}

export interface PrepareOutDirOptions {
  /** How the directory was named, for messages (default "--out"). */
  option?: string;
  /** Create it (default true); false only checks that it could be. */
  create?: boolean;
  fs?: DirFs;
}

/**
 * Checks `path` can hold the reports and (by default) creates it, writing and removing a probe
 * file. Returns the absolute path. Throws ERR_OUT_DIR with the real cause.
 */
export function prepareOutDir(path: string, options: PrepareOutDirOptions = {}): string {
  const f = options.fs ?? NODE_FS;
  const option = options.option ?? '--out';
  const abs = resolve(path);
  let found: { existing: string; missing: string[] };
  try {
    found = existingAncestor(abs, f);
  } catch (e) {
    if (errno(e) === 'ENOTDIR') return failNotDir(option, path, abs, f);
    throw outError(option, path, `cannot inspect it: ${describeErrno(e)}`);
  }
  const pseudo = pseudoFs(found.existing, f);
  if (pseudo !== undefined) {
    throw outError(option, path, `${found.existing} is on a pseudo-file system (${pseudo}) that cannot hold report files; choose a directory on a disk`);
  }
  if (options.create === false) return abs;
  for (const dir of found.missing) {
    try {
      f.mkdirSync(dir);
    } catch (e) {
      if (errno(e) === 'EEXIST' && f.statSync(dir).isDirectory()) continue;
      throw outError(option, path, `cannot create ${dir}: ${describeErrno(e)}`);
    }
  }
  const probe = join(abs, `.fastbench-probe-${process.pid}`);
  try {
    f.writeFileSync(probe, 'probe\n', { flag: 'w' });
  } catch (e) {
    throw outError(option, path, `cannot write into it: ${describeErrno(e)}`);
  }
  try {
    f.unlinkSync(probe);
  } catch {
    // written but not removed: harmless
  }
  return abs;
}

/** ENOTDIR: names the component that is a file (the path itself or an ancestor). */
function failNotDir(option: string, path: string, abs: string, f: DirFs): never {
  let file = abs;
  for (let cur = abs; ; cur = dirname(cur)) {
    try {
      if (!f.statSync(cur).isDirectory()) file = cur;
    } catch {
      // missing or below the file: keep walking up
    }
    if (dirname(cur) === cur) break;
  }
  if (file === abs) throw outError(option, path, 'it is a file, not a directory; give a directory (created when missing)');
  throw outError(option, path, `${file} is a file, not a directory`);
}

export const LOCK_FILE = '.fastbench.lock';

interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errno(e) === 'EPERM';
  }
}

/** `.fastbench.lock` in an output directory, held for the length of a run. */
export class OutDirLock {
  private held = true;
  private readonly onExit = (): void => this.release();

  private constructor(readonly path: string, private readonly f: DirFs) {
    process.once('exit', this.onExit);
  }

  /**
   * Takes the directory's lock. Refused (ERR_OUT_LOCKED) while another live run holds it, unless
   * `force`; a lock whose process is gone (or unreadable) is taken over.
   */
  static acquire(dir: string, options: { force?: boolean; option?: string; fs?: DirFs } = {}): OutDirLock {
    const f = options.fs ?? NODE_FS;
    const path = join(dir, LOCK_FILE);
    const info: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
    const text = JSON.stringify(info) + '\n';
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        f.writeFileSync(path, text, { flag: 'wx', mode: 0o644 });
        return new OutDirLock(path, f);
      } catch (e) {
        if (errno(e) !== 'EEXIST') throw outError(options.option ?? '--out', dir, `cannot write its lock file: ${describeErrno(e)}`);
      }
      let holder: LockInfo | undefined;
      try {
        holder = JSON.parse(f.readFileSync(path, 'utf8')) as LockInfo;
      } catch {
        holder = undefined; // half-written or garbage: nobody usable holds it
      }
      const live = holder !== undefined && Number.isInteger(holder.pid) && holder.pid !== process.pid && (holder.host !== hostname() || alive(holder.pid));
      if (live && options.force !== true) {
        throw new FastbenchError(
          'ERR_OUT_LOCKED',
          `${options.option ?? '--out'} ${dir} is in use by another fastbench run (pid ${holder!.pid} on ${holder!.host}, started ${holder!.started}); ` +
            'wait for it, choose another directory, or pass --force',
        );
      }
      // Stale (its process is gone) or forced: take it over.
      try {
        f.unlinkSync(path);
      } catch (e) {
        if (errno(e) !== 'ENOENT') throw outError(options.option ?? '--out', dir, `cannot replace the stale lock ${path}: ${describeErrno(e)}`);
      }
    }
    throw new FastbenchError('ERR_OUT_LOCKED', `${options.option ?? '--out'} ${dir}: another run took the lock at the same moment; try again`);
  }

  /** Removes the lock if it is still ours (idempotent; also runs on process exit). */
  release(): void {
    if (!this.held) return;
    this.held = false;
    process.off('exit', this.onExit);
    try {
      const holder = JSON.parse(this.f.readFileSync(this.path, 'utf8')) as LockInfo;
      if (holder.pid === process.pid) this.f.unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}
