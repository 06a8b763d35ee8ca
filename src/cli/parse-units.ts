// Small parsers for command-line values with units: durations ("500ms", "10s", "2m", "1h") and
// sizes ("512", "64kb", "10mb", "1gb"). Errors are usage errors (exit 2) naming the option.
import { FastbenchError } from '../core/errors.js';

const DURATION_UNITS: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** "10s" → 10000 (milliseconds). A bare "0" means zero (off); other bare numbers need a unit. */
export function parseDuration(text: string, option = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (m !== null) {
    const value = Number(m[1]);
    const unit = m[2]!.toLowerCase();
    if (unit === '' && value === 0) return 0;
    const scale = DURATION_UNITS[unit];
    if (scale !== undefined) return Math.round(value * scale);
  }
  throw new FastbenchError('ERR_USAGE_BAD_DURATION', `invalid duration for ${option}: ${JSON.stringify(text)}`);
}

/** "10mb" → 10485760 (bytes; k/m/g are powers of 1024). A bare number is bytes. */
export function parseSize(text: string, option = 'size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (m !== null) {
    const scale = SIZE_UNITS[m[2]!.toLowerCase()];
    if (scale !== undefined) return Math.floor(Number(m[1]) * scale);
  }
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
