// The crash-safe frontier journal behind `--state DIR` / `--resume`.
//
// One append-only file, DIR/frontier.journal: an 8-byte magic, then framed records
//     u32le payload length | u32le CRC-32 of the payload | payload
//     payload = 0x01 enqueue | u32le depth         | URL (UTF-8)
//             | 0x02 done    | f64le output offset | URL (UTF-8)
//             | 0x03 seen    | (u32le lo, u32le hi) × k  — seen-set hashes (a compacted journal)
//             | 0x04 base    | f64le output offset | f64le pages done  (a compacted journal)
//             | 0x05 spill   | u32le depth         | URL (UTF-8)
// A spill record is an enqueue whose URL is not kept in memory: the frontier was full (see
// JournaledFrontier). Resume reads it like an enqueue; the running crawl reads spilled URLs back
// in order (readSpilled) as its in-memory queue drains. The magic is FBJRNL2 since spill records
// exist (an older build would take one for a torn tail and cut the journal there); FBJRNL1
// journals are still read.
// Records are encoded into a batch buffer and written with one write + fsync every `syncEvery`
// records or `syncIntervalMs` ms, whichever comes first, or on flush(). Before a batch is written
// the `beforeSync` hook runs: the crawl loop flushes (and fsyncs) its OutputWriter there, so a
// durable done record never points at output bytes that are not durable too.
//
// After kill -9 (or power loss) the file ends with whole records and at most one torn record,
// half written or never synced. Reading stops at the first frame whose length or checksum does
// not hold; resume truncates the file there and appends after it.
//
// Exactly-once output relies on this order in the crawl loop, for each fetched page:
//   1. enqueue(child, depth) for every new link (seen set first);
//   2. output.write(record) → offset;
//   3. done(url, offset).
// A lost suffix of the journal then loses the done mark together with (or after) the children,
// never the children alone. On resume:
//   - pending = URLs enqueued and not done, in enqueue order (a popped but unfinished URL is
//     pending again);
//   - seen = every URL ever enqueued;
//   - outputOffset = offset of the last done record: truncate the output there. Output written
//     after it belonged to pages without a durable done mark, which are pending again, so their
//     records come out once more and exactly once. When the output file is shorter than a done
//     record says (output not synced before a power loss, without beforeSync), those done marks
//     are ignored and their URLs are pending again.
// The journal grows with every URL (about 13 bytes + URL, twice). It is compacted — at resume,
// and during a crawl when the loop calls JournaledFrontier.maybeCompact — when that pays (the file
// is over `compactMinBytes`, at least twice what it would shrink to, and, during a crawl, twice
// its size after the last compaction, so compactions stay rare: amortised O(1) per URL): a new file
// holds the seen set as 8-byte hashes, one base record (output offset and pages done so far) and
// an enqueue record per pending URL; it is written and fsynced beside the journal, then renamed
// over it, so a crash during compaction leaves the old journal whole. Done URLs then cost 8
// bytes each on disk instead of ~30 + twice the URL.
// A lock file (DIR/lock, holding the pid) keeps two crawls off one state directory; a lock left by
// a dead process is taken over.
// The file format itself (framing, the record scan, resume's passes, compaction) is
// journal-file.ts; this file is the Journal that appends, batches, syncs and compacts in place.

import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readFileSync, readSync, unlinkSync, writeFileSync, writeSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { FastbenchError } from '../core/errors.js';
import { makeDirSync } from '../core/make-dir.js';
import { SeenSet } from './seen-set.js';
import {
  DONE, ENQUEUE, FRAME_HEAD, JOURNAL_FILE, MAGIC, MAGIC_V1, MAX_PAYLOAD, SPILL, compact, compactedBytes,
  readRecords, scan, splitPending, stateError, type PendingEntry,
} from './journal-file.js';

export { JOURNAL_FILE, type PendingEntry };

const LOCK_FILE = 'lock';

export interface JournalOptions {
  /** Write + fsync a batch after this many records. Default 1000. */
  syncEvery?: number;
  /** ... or after this many ms with records buffered. Default 1000. 0 disables the timer. */
  syncIntervalMs?: number;
  /** fsync after each batch write. Default true (kill -9 safety needs only the write). */
  fsync?: boolean;
  /** Runs before each batch is written: flush the output file here. */
  beforeSync?: () => void;
  /** Compact only journals at least this big (bytes). Default 1 MiB. Infinity: never. */
  compactMinBytes?: number;
}

export interface ResumeOptions extends JournalOptions {
  /** Current size of the output file, when there is one: done marks past it are ignored. */
  outputSize?: number;
  /** Pending URLs returned at most; the rest are spilled (see ResumeState.spill). Default: all. */
  maxPending?: number;
}

export interface ResumeState {
  /** Pending URLs, in enqueue order (the first `maxPending` of them). */
  pending: PendingEntry[];
  /** The pending URLs after those: `count` spill records from byte `at` on (-1: none). */
  spill: { at: number; count: number };
  seen: SeenSet;
  /** Truncate the output file to this many bytes, then append. */
  outputOffset: number;
  /** Records read: enqueues and done marks (the ignored ones not counted). */
  enqueued: number;
  done: number;
  /** Bytes of a torn tail that were cut off. */
  tornBytes: number;
  /** Journal size before and after a compaction at resume (equal when none was done). */
  bytesBefore: number;
  bytesAfter: number;
}

function acquireLock(dir: string): string {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return path;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw stateError(`cannot lock ${dir}: ${(e as Error).message}`, e);
    }
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw stateError(`${dir} is in use by process ${pid}`);
    }
    unlinkSync(path); // stale: its owner is gone
  }
  throw stateError(`cannot lock ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Journal {
  readonly dir: string;
  readonly path: string;
  private fd: number;
  private lockPath: string;
  private pos: number;
  private batch = Buffer.allocUnsafe(64 * 1024);
  private batchLen = 0;
  private batchRecords = 0;
  private readonly syncEvery: number;
  private readonly doSync: boolean;
  private readonly beforeSync: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** A write failure seen by the timer; thrown by the next call instead of crashing the process. */
  private failure: unknown;
  private readonly compactMinBytes: number;
  /** File size after the last compaction (or at open): the next one waits for twice this. */
  private compactedSize: number;
  /** Output offset of the last done record, and done records in all (a compaction's base). */
  private lastOffset: number;
  private doneTotal: number;
  /** Enqueue records and their URLs' length, for estimating a compaction's size. */
  private enqueues: number;
  private enqueueUrlBytes: number;

  private constructor(
    dir: string,
    fd: number,
    lockPath: string,
    pos: number,
    opts: JournalOptions | undefined,
    base?: { outputOffset: number; done: number; enqueues: number; enqueueUrlBytes: number },
  ) {
    this.compactMinBytes = opts?.compactMinBytes ?? 1 << 20;
    this.compactedSize = pos;
    this.lastOffset = base?.outputOffset ?? 0;
    this.doneTotal = base?.done ?? 0;
    this.enqueues = base?.enqueues ?? 0;
    this.enqueueUrlBytes = base?.enqueueUrlBytes ?? 0;
    this.dir = dir;
    this.path = join(dir, JOURNAL_FILE);
    this.fd = fd;
    this.lockPath = lockPath;
    this.pos = pos;
    this.syncEvery = Math.max(1, opts?.syncEvery ?? 1000);
    this.doSync = opts?.fsync ?? true;
    this.beforeSync = opts?.beforeSync;
    const interval = opts?.syncIntervalMs ?? 1000;
    if (interval > 0) {
      this.timer = setInterval(() => {
        if (this.batchRecords === 0 || this.failure !== undefined) return;
        try {
          this.flush();
        } catch (e) {
          this.failure = e;
        }
      }, interval);
      this.timer.unref();
    }
  }

  /** True when DIR holds a journal (so `--resume` has something to resume). */
  static exists(dir: string): boolean {
    return existsSync(join(dir, JOURNAL_FILE));
  }

  /** Starts a new journal in DIR (created if needed). Fails when one is already there. */
  static create(dir: string, opts?: JournalOptions): Journal {
    try {
      makeDirSync(dir); // never Node's recursive mkdir: it spins forever on /proc/x
    } catch (e) {
      throw stateError(`cannot create ${dir}: ${(e as Error).message}`, e);
    }
    const lock = acquireLock(dir);
    let fd: number;
    try {
      fd = openSync(join(dir, JOURNAL_FILE), 'wx+'); // read too: spilled URLs are read back
    } catch (e) {
      unlinkSync(lock);
      const exists = (e as NodeJS.ErrnoException).code === 'EEXIST';
      throw stateError(exists ? `${dir} already holds a crawl: pass --resume, or use another --state` : `cannot create the journal in ${dir}: ${(e as Error).message}`, e);
    }
    writeSync(fd, MAGIC, 0, MAGIC.length, 0);
    if (opts?.fsync ?? true) fsyncSync(fd);
    return new Journal(dir, fd, lock, MAGIC.length, opts);
  }

  /** Opens DIR's journal, rebuilds the crawl state from it and returns a journal to go on with. */
  static resume(dir: string, opts?: ResumeOptions): { journal: Journal; state: ResumeState } {
    const path = join(dir, JOURNAL_FILE);
    if (!existsSync(path)) throw stateError(`no crawl to resume in ${dir}`);
    const lock = acquireLock(dir);
    let fd = -1;
    try {
      fd = openSync(path, 'r+');
      const size = fstatSync(fd).size;
      const head = Buffer.alloc(MAGIC.length);
      if (readSync(fd, head, 0, head.length, 0) < MAGIC.length || !(head.equals(MAGIC) || head.equals(MAGIC_V1))) {
        throw stateError(`${path} is not a fastbench crawl journal`);
      }
      const { good, seen, doneSet, outputOffset, enqueued, done } = readRecords(fd, size, dir, opts?.outputSize ?? Infinity);
      const { pending, spillEnd, spillCount, spillUrlBytes } = splitPending(fd, good, doneSet, opts?.maxPending ?? Infinity);
      const tornBytes = size - good;
      const doSync = opts?.fsync ?? true;
      let pos = spillEnd;
      let spillAt = spillCount > 0 ? good : -1;
      const spilledBytes = spillEnd - good;
      if (good >= (opts?.compactMinBytes ?? 1 << 20) && (compactedBytes(seen, pending) + spilledBytes) * 2 <= good) {
        const old = fd;
        fd = -1;
        try {
          const c = compact(dir, seen, pending, outputOffset, done, doSync, spillCount > 0 ? { fd: old, from: good, to: spillEnd } : undefined);
          fd = c.fd;
          if (spillCount > 0) spillAt = c.spillAt;
        } finally {
          closeSync(old);
        }
        pos = fstatSync(fd).size;
      } else if (size > spillEnd) {
        ftruncateSync(fd, spillEnd);
        if (doSync) fsyncSync(fd);
      }
      const journal = new Journal(dir, fd, lock, pos, opts, {
        outputOffset,
        done,
        enqueues: pending.length + spillCount,
        enqueueUrlBytes: pending.reduce((n, p) => n + p.url.length, 0) + spillUrlBytes,
      });
      const spill = { at: spillAt, count: spillCount };
      return { journal, state: { pending, spill, seen, outputOffset, enqueued, done, tornBytes, bytesBefore: size, bytesAfter: pos } };
    } catch (e) {
      if (fd >= 0) closeSync(fd);
      unlinkSync(lock);
      if (e instanceof FastbenchError) throw e;
      throw stateError(`cannot read ${path}: ${(e as Error).message}`, e);
    }
  }

  /** Records that `url` was queued at `depth`. */
  enqueue(url: string, depth: number): void {
    this.append(ENQUEUE, depth, url);
    this.enqueues++;
    this.enqueueUrlBytes += url.length;
  }

  /** Bytes in the file plus those buffered. */
  get size(): number {
    return this.pos + this.batchLen;
  }

  /**
   * Whether compacting now would pay: the journal is over compactMinBytes, at least twice its size
   * after the last compaction, and at least twice the estimate for `seenCount` hashes plus
   * `pendingCount` URLs (of the mean length enqueued so far). O(1): cheap to ask once a second.
   */
  wantsCompaction(seenCount: number, pendingCount: number): boolean {
    const size = this.size;
    if (size < this.compactMinBytes || size < 2 * this.compactedSize) return false;
    const meanUrl = this.enqueues === 0 ? 0 : this.enqueueUrlBytes / this.enqueues;
    const estimate = MAGIC.length + FRAME_HEAD + 17 + seenCount * 8 + pendingCount * (FRAME_HEAD + 5 + meanUrl);
    return size >= 2 * estimate;
  }

  /**
   * Flushes (the output first, through beforeSync), then replaces the journal with a compacted
   * one: the seen set as hashes, the base (last output offset, pages done) and `pending` — every
   * URL queued or taken and not done, which the caller must list completely. Returns the sizes.
   */
  compactNow(seen: SeenSet, pending: readonly PendingEntry[], spillFrom?: number): { before: number; after: number; spillAt: number } {
    if (this.fd < 0) throw stateError('the journal is closed');
    this.flush();
    const before = this.pos;
    let r: { fd: number; spillAt: number };
    try {
      const copy = spillFrom === undefined ? undefined : { fd: this.fd, from: spillFrom, to: this.pos };
      r = compact(this.dir, seen, pending, this.lastOffset, this.doneTotal, this.doSync, copy);
    } catch (e) {
      throw stateError(`cannot compact ${this.path}: ${(e as Error).message}`, e);
    }
    closeSync(this.fd);
    this.fd = r.fd;
    this.pos = fstatSync(r.fd).size;
    this.compactedSize = this.pos;
    this.enqueues = pending.length;
    this.enqueueUrlBytes = pending.reduce((n, p) => n + p.url.length, 0);
    return { before, after: this.pos, spillAt: r.spillAt };
  }

  /**
   * Reads spill records back, in order, from byte `from` (a position spill() returned, or one
   * readSpilled returned): calls `visit` for up to `max` of them and returns the position to go on
   * from. Flushes the batch first when the records wanted may still be in it.
   */
  readSpilled(from: number, max: number, visit: (url: string, depth: number) => void): number {
    if (this.fd < 0) throw stateError('the journal is closed');
    if (this.failure !== undefined) throw this.failure;
    let got = 0;
    const onRecord = (type: number, p: Buffer): boolean => {
      if (type !== SPILL) return true;
      visit(p.toString('utf8', 5), p.readUInt32LE(1));
      return ++got < max;
    };
    let at = from < this.pos ? scan(this.fd, this.pos, onRecord, from) : from;
    if (got < max && this.batchLen > 0 && at >= this.pos) {
      this.flush();
      at = scan(this.fd, this.pos, onRecord, at);
    }
    return at;
  }

  /** Records that `url` was queued at `depth` but not kept in memory; returns where it starts. */
  spill(url: string, depth: number): number {
    const at = this.size;
    this.append(SPILL, depth, url);
    this.enqueues++;
    this.enqueueUrlBytes += url.length;
    return at;
  }

  /**
   * Records that `url` was fetched and its output record ends at `outputOffset`. Offsets must not
   * decrease from one done record to the next (they do not when they come from one OutputWriter).
   */
  done(url: string, outputOffset: number): void {
    this.append(DONE, outputOffset, url);
    this.lastOffset = outputOffset;
    this.doneTotal++;
  }

  /** Records buffered and not yet written. */
  get buffered(): number {
    return this.batchRecords;
  }

  /** Runs beforeSync, writes the batch and fsyncs it. */
  flush(): void {
    if (this.fd < 0) return;
    if (this.failure !== undefined) throw this.failure;
    this.beforeSync?.();
    if (this.batchLen === 0) return;
    try {
      let n = 0;
      while (n < this.batchLen) n += writeSync(this.fd, this.batch, n, this.batchLen - n, this.pos + n);
      if (this.doSync) fsyncSync(this.fd);
    } catch (e) {
      throw stateError(`cannot write ${this.path}: ${(e as Error).message}`, e);
    }
    this.pos += this.batchLen;
    this.batchLen = 0;
    this.batchRecords = 0;
  }

  /** Flushes, closes the file and releases the lock. */
  close(): void {
    if (this.fd < 0) return;
    if (this.timer !== undefined) clearInterval(this.timer);
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
      this.fd = -1;
      try {
        unlinkSync(this.lockPath);
      } catch {
        // already gone
      }
    }
  }

  private append(type: number, num: number, url: string): void {
    if (this.fd < 0) throw stateError('the journal is closed');
    if (this.failure !== undefined) throw this.failure;
    const urlBytes = Buffer.byteLength(url);
    const fixed = type === ENQUEUE || type === SPILL ? 5 : 9;
    const len = fixed + urlBytes;
    if (len > MAX_PAYLOAD) throw stateError(`URL too long for the journal (${urlBytes} bytes)`);
    this.reserve(FRAME_HEAD + len);
    const b = this.batch;
    const p = this.batchLen;
    const body = p + FRAME_HEAD;
    b.writeUInt32LE(len, p);
    b[body] = type;
    if (fixed === 5) b.writeUInt32LE(num, body + 1);
    else b.writeDoubleLE(num, body + 1);
    b.write(url, body + fixed, 'utf8');
    b.writeUInt32LE(crc32(b.subarray(body, body + len)), p + 4);
    this.batchLen += FRAME_HEAD + len;
    if (++this.batchRecords >= this.syncEvery) this.flush();
  }

  private reserve(n: number): void {
    if (this.batchLen + n <= this.batch.length) return;
    let size = this.batch.length * 2;
    while (size < this.batchLen + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.batch.copy(next, 0, 0, this.batchLen);
    this.batch = next;
  }
}
