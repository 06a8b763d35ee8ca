// The journal's file format (see journal.ts for what it is for): framing and record types, the
// scan that reads whole valid records, resume's two passes over them, and compaction (a new file
// written beside the old one, then renamed over it).
import { closeSync, fsyncSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { FastbenchError } from '../core/errors.js';
import { SeenSet } from './seen-set.js';

export const JOURNAL_FILE = 'frontier.journal';
export const MAGIC = Buffer.from('FBJRNL2\n', 'latin1');
export const MAGIC_V1 = Buffer.from('FBJRNL1\n', 'latin1');
export const FRAME_HEAD = 8;
export const ENQUEUE = 1;
export const DONE = 2;
export const SEEN = 3;
export const BASE = 4;
export const SPILL = 5;
/** Hashes per SEEN record (512 KiB payloads). */
export const SEEN_PER_RECORD = 65536;
export const COMPACT_SUFFIX = '.compact';
/** Frames longer than this are taken as garbage (a torn length field). */
export const MAX_PAYLOAD = 1 << 20;

export interface PendingEntry {
  url: string;
  depth: number;
}

export function stateError(msg: string, cause?: unknown): FastbenchError {
  return new FastbenchError('ERR_CRAWL_STATE', msg, cause === undefined ? undefined : { cause });
}


/**
 * Called per valid record: its type and payload (a view into the read buffer: copy to keep).
 * Returning false stops the scan after this record.
 */
type RecordVisitor = (type: number, payload: Buffer) => void | boolean;

/**
 * Reads whole valid records from `start` (default: after the magic) up to `limit` bytes; returns
 * the offset after the last good one (after the one the visitor stopped at).
 */
export function scan(fd: number, limit: number, visit: RecordVisitor, start = MAGIC.length): number {
  const chunk = Buffer.allocUnsafe(1 << 20);
  let carry = Buffer.alloc(0);
  let filePos = start;
  let good = start;
  for (;;) {
    const n = filePos < limit ? readSync(fd, chunk, 0, Math.min(chunk.length, limit - filePos), filePos) : 0;
    if (n === 0) return good;
    filePos += n;
    const buf = carry.length === 0 ? chunk.subarray(0, n) : Buffer.concat([carry, chunk.subarray(0, n)]);
    let p = 0;
    for (;;) {
      if (buf.length - p < FRAME_HEAD) break;
      const len = buf.readUInt32LE(p);
      if (len < 5 || len > MAX_PAYLOAD) return good;
      if (buf.length - p < FRAME_HEAD + len) break;
      const payload = buf.subarray(p + FRAME_HEAD, p + FRAME_HEAD + len);
      if (crc32(payload) !== buf.readUInt32LE(p + 4)) return good;
      const type = payload[0]!;
      const ok =
        type === ENQUEUE ||
        type === SPILL ||
        (type === DONE && len >= 9) ||
        (type === SEEN && (len - 1) % 8 === 0) ||
        (type === BASE && len === 17);
      if (!ok) return good;
      const more = visit(type, payload);
      p += FRAME_HEAD + len;
      good += FRAME_HEAD + len;
      if (more === false) return good;
    }
    carry = Buffer.from(buf.subarray(p));
    if (carry.length > MAX_PAYLOAD + FRAME_HEAD) return good;
  }
}

/** Bytes a compacted journal would take. */
export function compactedBytes(seen: SeenSet, pending: readonly PendingEntry[]): number {
  let n = MAGIC.length + (FRAME_HEAD + 17) + Math.ceil(seen.size / SEEN_PER_RECORD) * (FRAME_HEAD + 1) + seen.size * 8;
  for (const p of pending) n += FRAME_HEAD + 5 + Buffer.byteLength(p.url);
  return n;
}

/** Spill records of the old journal, from `from` to `to`, to carry into a compacted one. */
export interface SpillCopy {
  fd: number;
  from: number;
  to: number;
}

/** Writes framed records to a new file through one buffer (the compaction's writer). */
class FrameWriter {
  buf = Buffer.allocUnsafe(1 << 20);
  /** Bytes in buf, not yet written. */
  len = 0;
  /** Bytes written to the file. */
  private pos = 0;

  constructor(private readonly fd: number) {}

  /** File offset of the next frame. */
  get offset(): number {
    return this.pos + this.len;
  }

  drain(): void {
    let n = 0;
    while (n < this.len) n += writeSync(this.fd, this.buf, n, this.len - n, this.pos + n);
    this.pos += this.len;
    this.len = 0;
  }

  /** Room for a frame of `payload` bytes; returns the payload's offset in buf (read buf after). */
  frame(payload: number): number {
    if (this.len + FRAME_HEAD + payload > this.buf.length) this.drain();
    if (FRAME_HEAD + payload > this.buf.length) this.buf = Buffer.allocUnsafe(FRAME_HEAD + payload);
    this.buf.writeUInt32LE(payload, this.len);
    return this.len + FRAME_HEAD;
  }

  /** Ends the frame whose payload is buf[body, body + payload): its checksum, and it is kept. */
  seal(body: number, payload: number): void {
    this.buf.writeUInt32LE(crc32(this.buf.subarray(body, body + payload)), body - 4);
    this.len = body + payload;
  }
}

function writeBase(w: FrameWriter, outputOffset: number, done: number): void {
  const body = w.frame(17);
  w.buf[body] = BASE;
  w.buf.writeDoubleLE(outputOffset, body + 1);
  w.buf.writeDoubleLE(done, body + 9);
  w.seal(body, 17);
}

/** The seen set as SEEN records of up to SEEN_PER_RECORD hashes. */
function writeSeen(w: FrameWriter, seen: SeenSet): void {
  let left = seen.size;
  let k = 0;
  let at = 0;
  let body = 0;
  seen.forEachHash((lo, hi) => {
    if (k === 0) {
      const count = Math.min(left, SEEN_PER_RECORD);
      body = w.frame(1 + count * 8);
      w.buf[body] = SEEN;
      at = body + 1;
      k = count;
      left -= count;
    }
    w.buf.writeUInt32LE(lo, at);
    w.buf.writeUInt32LE(hi, at + 4);
    at += 8;
    if (--k === 0) w.seal(body, at - body);
  });
}

function writeEnqueue(w: FrameWriter, p: PendingEntry): void {
  const urlBytes = Buffer.byteLength(p.url);
  const body = w.frame(5 + urlBytes);
  w.buf[body] = ENQUEUE;
  w.buf.writeUInt32LE(p.depth, body + 1);
  w.buf.write(p.url, body + 5, 'utf8');
  w.seal(body, 5 + urlBytes);
}

/**
 * Writes the compacted journal beside the old one, fsyncs it, renames it over the old one and
 * fsyncs the directory; returns the new file, open for appending, and where the copied spill
 * records start in it.
 */
export function compact(dir: string, seen: SeenSet, pending: readonly PendingEntry[], outputOffset: number, done: number, doSync: boolean, spill?: SpillCopy): { fd: number; spillAt: number } {
  const path = join(dir, JOURNAL_FILE);
  const tmp = path + COMPACT_SUFFIX;
  const fd = openSync(tmp, 'w');
  let spillAt = 0;
  try {
    const w = new FrameWriter(fd);
    MAGIC.copy(w.buf, 0);
    w.len = MAGIC.length;
    writeBase(w, outputOffset, done);
    writeSeen(w, seen);
    for (const p of pending) writeEnqueue(w, p);
    spillAt = w.offset;
    if (spill !== undefined) {
      scan(spill.fd, spill.to, (type, p) => {
        if (type !== SPILL) return;
        const body = w.frame(p.length);
        p.copy(w.buf, body);
        w.seal(body, p.length);
      }, spill.from);
    }
    w.drain();
    if (doSync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  if (doSync) {
    const d = openSync(dir, 'r');
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
  }
  return { fd: openSync(path, 'r+'), spillAt };
}

/** What resume's first pass over the records finds. */
export interface RecordsRead {
  /** Offset after the last good record (a torn tail starts here). */
  good: number;
  /** Every URL ever enqueued. */
  seen: SeenSet;
  /** URLs with a done mark the output file covers. */
  doneSet: SeenSet;
  outputOffset: number;
  enqueued: number;
  done: number;
}

/**
 * Resume's first pass: the seen set, the done URLs and the output offset. Done marks past
 * `outputSize` (output not synced before a power loss) are ignored, with all after them.
 */
export function readRecords(fd: number, size: number, dir: string, outputSize: number): RecordsRead {
  const seen = new SeenSet();
  const doneSet = new SeenSet();
  let outputOffset = 0;
  let enqueued = 0;
  let done = 0;
  let outputShort = false;
  const good = scan(fd, size, (type, p) => {
    if (type === ENQUEUE || type === SPILL) {
      seen.add(p.toString('utf8', 5));
      enqueued++;
    } else if (type === SEEN) {
      for (let i = 1; i < p.length; i += 8) seen.addHash(p.readUInt32LE(i), p.readUInt32LE(i + 4));
      enqueued += (p.length - 1) / 8;
    } else if (type === BASE) {
      // Written once, first, by a compaction that had checked these bytes were in the output.
      outputOffset = p.readDoubleLE(1);
      done = p.readDoubleLE(9);
      if (outputOffset > outputSize) {
        throw stateError(`the output file is shorter (${outputSize} bytes) than the ${outputOffset} bytes the journal in ${dir} says were written: it cannot be resumed exactly`);
      }
    } else if (!outputShort) {
      const at = p.readDoubleLE(1);
      if (at > outputSize) {
        outputShort = true;
        return;
      }
      doneSet.add(p.toString('utf8', 9));
      outputOffset = at;
      done++;
    }
  });
  return { good, seen, doneSet, outputOffset, enqueued, done };
}

/** What resume's second pass leaves: the pending URLs kept, and those spilled after `good`. */
export interface PendingSplit {
  pending: PendingEntry[];
  /** End of the spill records appended after `good` (= good when none). */
  spillEnd: number;
  spillCount: number;
  spillUrlBytes: number;
}

/**
 * Resume's second pass: the URLs enqueued and not done, in enqueue order, each once; the first
 * `maxPending` are returned, the rest appended as spill records from `good` on.
 */
export function splitPending(fd: number, good: number, doneSet: SeenSet, maxPending: number): PendingSplit {
  const pending: PendingEntry[] = [];
  // Pending URLs past maxPending are not held: they are appended as spill records after the
  // good part (read back by the crawl as its memory queue drains). The scan reads below
  // `good` only, so appending there is safe; a crash meanwhile leaves duplicates of pending
  // enqueues (dropped by the next resume) or a torn tail.
  let spillBuf = Buffer.alloc(0);
  let spillLen = 0;
  let spillEnd = good;
  let spillCount = 0;
  let spillUrlBytes = 0;
  const drainSpill = (): void => {
    let n = 0;
    while (n < spillLen) n += writeSync(fd, spillBuf, n, spillLen - n, spillEnd + n);
    spillEnd += spillLen;
    spillLen = 0;
  };
  scan(fd, good, (type, p) => {
    // Adding to doneSet once emitted also drops duplicate enqueues of one URL.
    if (type !== ENQUEUE && type !== SPILL) return;
    const url = p.toString('utf8', 5);
    if (!doneSet.add(url)) return;
    if (pending.length < maxPending) {
      pending.push({ url, depth: p.readUInt32LE(1) });
      return;
    }
    const need = FRAME_HEAD + p.length;
    if (spillLen + need > spillBuf.length) {
      drainSpill();
      if (need > spillBuf.length) spillBuf = Buffer.allocUnsafe(Math.max(need, 1 << 20));
    }
    spillBuf.writeUInt32LE(p.length, spillLen);
    p.copy(spillBuf, spillLen + FRAME_HEAD);
    spillBuf[spillLen + FRAME_HEAD] = SPILL;
    spillBuf.writeUInt32LE(crc32(spillBuf.subarray(spillLen + FRAME_HEAD, spillLen + need)), spillLen + 4);
    spillLen += need;
    spillCount++;
    spillUrlBytes += p.length - 5;
  });
  drainSpill();
  return { pending, spillEnd, spillCount, spillUrlBytes };
}
