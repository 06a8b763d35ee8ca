// Prebuilt response-head prefixes: "status line + Date line + the handler's header block", and
// the same followed by "Content-Length: ", for header arrays a handler passes frozen (its
// constants). A response then costs three copies: prefix, length digits, the line endings.
// An entry is rebuilt when its status or the Date line (once a second) changes.

export interface HeadEntry {
  status: number;
  date: Buffer;
  /** status line + Date + headers */
  prefix: Buffer;
  /** prefix + "Content-Length: " */
  prefixCl: Buffer;
  /**
   * The whole head for one body length and ending (kind: 0 plain, 1 keep-alive, 2 close), kept
   * once the same pair was seen twice in a row (constant bodies: one copy per head).
   */
  whole: Buffer | null;
  wholeLen: number;
  wholeKind: number;
  seenLen: number;
  seenKind: number;
}

const CONTENT_LENGTH = 'Content-Length: ';
const byHeaders = new WeakMap<readonly string[], HeadEntry>();
/** Stands for "no headers" as a WeakMap key. */
const NO_HEADERS: readonly string[] = Object.freeze([]);

let lastKey: readonly string[] | undefined;
let lastEntry: HeadEntry | undefined;

function block(headers: readonly string[]): string {
  let s = '';
  for (let i = 0; i + 1 < headers.length; i += 2) s += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return s;
}

function build(entry: HeadEntry | undefined, key: readonly string[], statusLine: Buffer, status: number, date: Buffer): HeadEntry {
  const text = block(key);
  const prefix = Buffer.concat([statusLine, date, Buffer.from(text, 'latin1')]);
  const prefixCl = Buffer.concat([prefix, Buffer.from(CONTENT_LENGTH, 'latin1')]);
  if (entry === undefined) {
    entry = { status, date, prefix, prefixCl, whole: null, wholeLen: -1, wholeKind: -1, seenLen: -1, seenKind: -1 };
    byHeaders.set(key, entry);
  } else {
    entry.status = status;
    entry.date = date;
    entry.prefix = prefix;
    entry.prefixCl = prefixCl;
    entry.whole = null;
    entry.wholeLen = entry.wholeKind = entry.seenLen = entry.seenKind = -1;
  }
  return entry;
}

/**
 * The cached head prefix for (status, headers, date), or undefined when `headers` is not
 * cacheable (a mutable array: its contents may change between calls).
 */
export function headPrefix(status: number, statusLine: Buffer, headers: readonly string[] | undefined, date: Buffer): HeadEntry | undefined {
  const key = headers === undefined || headers.length === 0 ? NO_HEADERS : headers;
  let entry: HeadEntry | undefined;
  if (key === lastKey) {
    entry = lastEntry;
  } else {
    entry = byHeaders.get(key);
    if (entry === undefined && !Object.isFrozen(key)) return undefined;
    lastKey = key;
  }
  if (entry === undefined || entry.status !== status || entry.date !== date) entry = build(entry, key, statusLine, status, date);
  lastEntry = entry;
  return entry;
}
