// `load: - replay: access.log` — the recorded requests of an access log, as a replay phase sends
// them: each one's method, request target and offset from the first (ms, divided by `speed`).
//
//   common / combined log format   host ident user [10/Oct/2000:13:55:36 -0700] "GET /a?b HTTP/1.1" 200 2326 ["referer" "agent"]
//                                  (fractional seconds, [10/Oct/2000:13:55:36.123 -0700], are kept)
//   JSONL                          {"ts": 1733470000.123 | 1733470000123 | "2026-12-06T07:00:00.123Z",
//                                   "method": "GET", "path": "/a?b", "status": 200}
//                                  `time` for ts, `url` (absolute or a path) for path; a number
//                                  above 1e11 is epoch ms, else epoch seconds; method default GET
//
// Blank lines and lines starting with # are skipped; any other unreadable line is an
// ERR_REPLAY_LOG naming it. Entries are ordered by time (stably: logs written at completion are
// often slightly out of order). Offsets keep the log's precision: a plain CLF log has whole
// seconds, so use fractional seconds or JSONL to replay sub-second gaps. The recorded status is
// read but not checked.
import { FastbenchError } from '../core/errors.js';

export interface ReplayLog {
  /** Offset of each request from the first, ms (already divided by the speed), ascending. */
  readonly offsetsMs: readonly number[];
  readonly methods: readonly string[];
  /** Request targets (path and query), as recorded. */
  readonly targets: readonly string[];
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
const CLF = /^\S+ \S+ .*?\[(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(\.\d+)? ([+-])(\d{2})(\d{2})\] "([A-Z]+) (\S+)(?: HTTP\/[\d.]+)?" (\d{3}|-)/;
const METHOD = /^[A-Z][A-Z0-9_-]*$/;
/** Entries a log may hold (a replay keeps them all in memory, in every worker). */
export const MAX_REPLAY_ENTRIES = 5_000_000;

interface Entry {
  t: number;
  method: string;
  target: string;
}

function fail(file: string, line: number, why: string): never {
  throw new FastbenchError('ERR_REPLAY_LOG', `replay log: ${why}`, { file, line, column: 1 });
}

function clfEntry(m: RegExpExecArray): Entry | undefined {
  const month = MONTHS[m[2]!];
  if (month === undefined) return undefined;
  const frac = m[7] !== undefined ? Number(m[7]) * 1000 : 0;
  const zone = (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])) * 60_000;
  const t = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) + frac - zone;
  return { t, method: m[11]!, target: m[12]! };
}

function jsonTime(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v > 1e11 ? v : v * 1000;
  if (typeof v === 'string') {
    if (/^\d+(\.\d+)?$/.test(v)) return jsonTime(Number(v));
    return Date.parse(v);
  }
  return NaN;
}

function jsonTarget(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length === 0) return undefined;
  if (v.startsWith('/')) return v;
  try {
    const u = new URL(v);
    return u.pathname + u.search;
  } catch {
    return undefined;
  }
}

function jsonEntry(text: string, file: string, line: number): Entry {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    return fail(file, line, `not JSON (${(e as Error).message})`);
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) fail(file, line, 'a JSONL line must be an object');
  const t = jsonTime(o.ts ?? o.time);
  if (!Number.isFinite(t)) fail(file, line, 'needs "ts" (or "time"): epoch seconds, epoch ms or an ISO date');
  const target = jsonTarget(o.path ?? o.url);
  if (target === undefined) fail(file, line, 'needs "path" (starting with /) or "url"');
  const method = o.method === undefined ? 'GET' : String(o.method).toUpperCase();
  if (!METHOD.test(method)) fail(file, line, `"${String(o.method)}" is not an HTTP method`);
  return { t, method, target };
}

/** Parses an access log (see the header); `speed` > 0 divides every gap. */
export function parseReplayLog(text: string, file: string, speed = 1): ReplayLog {
  const entries: Entry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw.length === 0 || raw.startsWith('#')) continue;
    let e: Entry | undefined;
    if (raw.startsWith('{')) e = jsonEntry(raw, file, i + 1);
    else {
      const m = CLF.exec(raw);
      e = m !== null ? clfEntry(m) : undefined;
      if (e === undefined) fail(file, i + 1, 'not a common/combined log format line (host ident user [time] "METHOD target HTTP/x" status ...) nor JSONL');
    }
    if (!e.target.startsWith('/')) fail(file, i + 1, `request target "${e.target}" does not start with /`);
    entries.push(e);
    if (entries.length > MAX_REPLAY_ENTRIES) fail(file, i + 1, `more than ${MAX_REPLAY_ENTRIES} requests; split the log`);
  }
  if (entries.length === 0) throw new FastbenchError('ERR_REPLAY_LOG', 'replay log: no requests in it', { file });
  entries.sort((a, b) => a.t - b.t); // stable
  const t0 = entries[0]!.t;
  return {
    offsetsMs: entries.map((e) => (e.t - t0) / speed),
    methods: entries.map((e) => e.method),
    targets: entries.map((e) => e.target),
  };
}
