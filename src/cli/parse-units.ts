// Small parsers for command-line values with units: durations ("500ms", "10s", "2m", "1h") and
// sizes ("512", "64kb", "10mb", "1gb"). Errors are usage errors (exit 2) naming the option.
import { FastbenchError } from '../core/errors.js';
import { parseByteSize, parseDuration as parseDurationMs } from '../core/units.js';

/** "10s" → 10000 (milliseconds). A bare "0" means zero (off); other bare numbers need a unit. */
export function parseDuration(text: string, option = 'duration'): number {
  if (/^\s*0\s*$/.test(text)) return 0;
  const ms = parseDurationMs(text);
  if (ms !== undefined) return Math.round(ms);
  throw new FastbenchError('ERR_USAGE_BAD_DURATION', `invalid duration for ${option}: ${JSON.stringify(text)}`);
}

/** "10mb" → 10485760 (bytes; k/m/g are powers of 1024). A bare number is bytes. */
export function parseSize(text: string, option = 'size'): number {
  const n = parseByteSize(text, 1);
  if (n !== undefined) return n;
  throw new FastbenchError('ERR_USAGE_BAD_OPTION', `invalid size for ${option}: ${JSON.stringify(text)} (examples: 512, 64kb, 10mb)`);
}

/** A non-negative integer option ("--workers 4"). */
export function parseCount(text: string, option = 'count'): number {
  if (/^\s*\d+\s*$/.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n;
  }
  throw new FastbenchError('ERR_USAGE_BAD_OPTION', `${option} must be a non-negative integer, got ${JSON.stringify(text)}`);
}
