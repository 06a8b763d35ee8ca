// THE parser of command-line values, and the one table of short flags.
//
// Numbers, durations, sizes and rates are read here and nowhere else in src/cli, with the scenario
// checker's own unit parsers underneath (core/units.ts for durations and sizes, the scenario's
// parseRate for rates), so `-d 30s`, `--max-body 64MiB` and `-R 6000/m` mean on the command line
// what `duration: 30s`, `maxResponseBodySize: 64MiB` and `rate: 6000/m` mean in YAML. A bad value
// is a usage error (exit 2) printed as `error[CODE]: <flag> "<value>": why` — the scenario
// checker's format, the flag standing where the file position would be.
//
// A bare number is never a duration (`-d 5` → did you mean "5s"?); a bare size is bytes.
import { FastbenchError } from '../core/errors.js';
import { parseByteSize, parseDuration as parseDurationMs } from '../core/units.js';
import type { ShardSpec } from '../engine/index.js';
import { parseCookiePairs, parseRate as parseScenarioRate } from '../scenario/index.js';

// ---- the short flags: one meaning each, in every command that has it ----------------------------

/**
 * Every short flag fastbench knows, with the one long option it stands for. A command either gives
 * a short flag this meaning or does not use it (test/unit/cli/short-flags.test.ts walks every
 * command). README.md "Command-line flags" is this table for people.
 */
export const SHORT_FLAGS = {
  '-b': '--body',
  '-c': '--connections',
  '-d': '--duration',
  '-e': '--env',
  '-f': '--format',
  '-H': '--header',
  '-k': '--insecure',
  '-L': '--location',
  '-n': '--requests',
  '-o': '--out',
  '-p': '--pipelining',
  '-q': '--quiet',
  '-R': '--rate',
  '-s': '--scenario',
  '-t': '--timeout',
  '-u': '--user',
  '-V': '--version',
  '-w': '--workers',
  '-X': '--method',
  '-x': '--proxy',
} as const satisfies Record<string, string>;

/**
 * Short flags that once meant something else in one command, and what to type now. Commander
 * sees them as unknown options; the error names the replacement.
 */
export const RETIRED_SHORT_FLAGS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  compare: { '-b': '--baseline', '-c': '--current' },
  request: { '-d': '-b/--body (or --data)' },
  bench: { '-m': '-X/--method' },
};

// ---- errors --------------------------------------------------------------------------------------

function bad(code: 'ERR_USAGE_BAD_OPTION' | 'ERR_USAGE_BAD_DURATION', flag: string, text: string, why: string): FastbenchError {
  return new FastbenchError(code, `${flag} ${JSON.stringify(text)}: ${why}`);
}

/** A usage error about a flag as a whole (not one value of it). */
export function flagError(flag: string, why: string): FastbenchError {
  return new FastbenchError('ERR_USAGE_BAD_OPTION', `${flag}: ${why}`);
}

/**
 * Commander's own error line ("error: unknown option '--durtion'\n(Did you mean --duration?)")
 * in our format: `error[ERR_USAGE_UNKNOWN_OPTION]: unknown option '--durtion' (did you mean
 * --duration?)`. A retired short flag of `command` names its replacement.
 */
export function formatCommanderError(text: string, command: string | undefined): string {
  const lines = text.replace(/^error:\s*/, '').trim().split('\n');
  let message = lines[0] ?? '';
  const suggestion = /^\(Did you mean (.+)\?\)$/.exec(lines[1] ?? '');
  const unknown = /^unknown option '([^']+)'/.exec(message);
  let code = 'ERR_USAGE';
  if (unknown !== null) {
    code = 'ERR_USAGE_UNKNOWN_OPTION';
    const now = command !== undefined ? RETIRED_SHORT_FLAGS[command]?.[unknown[1]!] : undefined;
    if (now !== undefined) message += ` (${command}'s ${unknown[1]} was renamed: use ${now})`;
    else if (suggestion !== null) message += ` (did you mean ${suggestion[1]}?)`;
  } else if (/^unknown command/.test(message)) {
    code = 'ERR_USAGE_UNKNOWN_OPTION';
    if (suggestion !== null) message += ` (did you mean ${suggestion[1]}?)`;
  }
  const rest = lines.slice(suggestion !== null ? 2 : 1).filter((l) => l.trim() !== '');
  const where = command !== undefined ? ` (see fastbench ${command} --help)` : '';
  return [`error[${code}]: ${message}${code === 'ERR_USAGE' ? where : ''}`, ...rest].join('\n') + '\n';
}

// ---- values --------------------------------------------------------------------------------------

/** The "did you mean" for a unit-less duration: "5" → "5s". */
export function durationHint(text: string): string | undefined {
  const t = text.trim();
  if (!/^(\d+(?:\.\d+)?|\.\d+)$/.test(t)) return undefined;
  return `${t}s`;
}

export interface DurationFlagOptions {
  /** "0" means zero (off); otherwise a duration must be more than zero. */
  allowZero?: boolean;
}

/** "10s" → 10000 (ms). A bare number is refused with a did-you-mean ("5" → "5s"?). */
export function parseDurationFlag(text: string, flag: string, opts: DurationFlagOptions = {}): number {
  if (opts.allowZero === true && /^\s*0\s*$/.test(text)) return 0;
  const ms = parseDurationMs(text);
  if (ms === undefined) {
    const hint = durationHint(text);
    throw bad('ERR_USAGE_BAD_DURATION', flag, text, hint !== undefined
      ? `a duration needs a unit: did you mean "${hint}"?`
      : 'not a duration (use 500ms, 10s, 2m, 1h, 1m30s)');
  }
  if (ms === 0 && opts.allowZero !== true) throw bad('ERR_USAGE_BAD_DURATION', flag, text, 'must be more than zero');
  return Math.round(ms * 1000) / 1000;
}

/** "10mb" → 10485760 (bytes; k/m/g are powers of 1024). A bare number is bytes. */
export function parseSizeFlag(text: string, flag: string, min = 0): number {
  const n = parseByteSize(text, 1);
  if (n === undefined) throw bad('ERR_USAGE_BAD_OPTION', flag, text, 'not a size (512 bytes, 64kb, 10mb, 1.5GiB)');
  if (n < min) throw bad('ERR_USAGE_BAD_OPTION', flag, text, `must be at least ${min} byte${min === 1 ? '' : 's'}`);
  return n;
}

/** A whole number ≥ `min` (default 0): "--workers 4". */
export function parseCountFlag(text: string, flag: string, min = 0): number {
  const t = text.trim();
  const n = Number(t);
  if (!/^\d+$/.test(t) || !Number.isSafeInteger(n)) throw bad('ERR_USAGE_BAD_OPTION', flag, text, `must be a whole number${min > 0 ? ` ≥ ${min}` : ''}`);
  if (n < min) throw bad('ERR_USAGE_BAD_OPTION', flag, text, `must be at least ${min}`);
  return n;
}

/** A number > 0 (fractions allowed). */
export function parsePositiveFlag(text: string, flag: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw bad('ERR_USAGE_BAD_OPTION', flag, text, 'must be a positive number');
  return n;
}

/** Requests per second: "1000", "1000/s", "6000/m" (as `rate:` in a scenario). Must be > 0. */
export function parseRateFlag(text: string, flag: string): number {
  const r = parseScenarioRate(text);
  if (r === undefined || !(r > 0)) throw bad('ERR_USAGE_BAD_OPTION', flag, text, 'not a rate above zero (1000, 1000/s, 6000/m)');
  return r;
}

/** NAME=value pairs of -e/--env, as the record {{env.NAME}} reads. */
export function parseEnvPairs(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? '' : pair.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new FastbenchError('ERR_USAGE_BAD_OPTION', `-e expects NAME=value, got ${JSON.stringify(pair)}`);
    }
    env[name] = pair.slice(eq + 1);
  }
  return env;
}

/** --shard "i/N" with 0 <= i < N (0-based, like JOB_COMPLETION_INDEX). */
export function parseShard(v: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(v);
  const index = m !== null ? Number(m[1]) : NaN;
  const count = m !== null ? Number(m[2]) : NaN;
  if (m === null || !(count >= 1) || !(index < count)) {
    throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--shard must be i/N with 0 <= i < N (0-based), got ${JSON.stringify(v)}`);
  }
  return { index, count };
}

/** --start-at: an ISO 8601 date-time, as epoch ms. */
export function parseStartAt(v: string): number {
  const t = /^\d{4}-\d{2}-\d{2}/.test(v.trim()) ? Date.parse(v.trim()) : NaN;
  if (Number.isNaN(t)) {
    throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--start-at must be an ISO 8601 time such as 2030-01-01T12:00:00Z, got ${JSON.stringify(v)}`);
  }
  return t;
}

/**
 * A 'name: value' header flag split at its first colon (validated where it is used). Only spaces
 * and tabs around the value are dropped: a line break in it stays, to be refused.
 */
export function splitHeader(h: string, flag = '--header'): [string, string] {
  const i = h.indexOf(':');
  if (i <= 0) throw bad('ERR_USAGE_BAD_OPTION', flag, h, "expected 'name: value'");
  return [h.slice(0, i).replace(/^[ \t]+|[ \t]+$/g, ''), h.slice(i + 1).replace(/^[ \t]+|[ \t]+$/g, '')];
}

/** --http2 / --http1.1 (as curl): the client's `protocol` choice, undefined when neither is given. */
export function protocolFlag(f: { http2?: boolean; 'http1.1'?: boolean }): 'h2' | 'http1' | undefined {
  if (f.http2 === true && f['http1.1'] === true) throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--http2 and --http1.1 contradict each other: give one');
  return f.http2 === true ? 'h2' : f['http1.1'] === true ? 'http1' : undefined;
}

// ---- issue 15 (sess-web): -u user:password, --cookie name=value ---------------------------------

/** -u/--user "user:password" (curl's form; no colon: an empty password). */
export function parseUserFlag(text: string): { user: string; password: string } {
  const i = text.indexOf(':');
  const user = i < 0 ? text : text.slice(0, i);
  if (user === '') throw bad('ERR_USAGE_BAD_OPTION', '--user', text, 'expected user:password');
  if (/[\x00-\x1f\x7f]/.test(text)) throw bad('ERR_USAGE_BAD_OPTION', '--user', text, 'contains a control character');
  return { user, password: i < 0 ? '' : text.slice(i + 1) };
}

/** --cookie "name=value" (repeatable; "a=1; b=2" as curl's -b) → pairs. */
export function parseCookieFlags(values: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const v of values) {
    const pairs = parseCookiePairs(v);
    if (typeof pairs === 'string') throw bad('ERR_USAGE_BAD_OPTION', '--cookie', v, pairs);
    out.push(...pairs);
  }
  return out;
}

/** Commander's accumulator for repeatable options. */
export const collect = (v: string, acc: string[]): string[] => [...acc, v];
