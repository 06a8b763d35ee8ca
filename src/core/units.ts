// Values with units as people write them. Durations: 500ms, 10s, 2m, 1h, 1m30s, 1.5s, 250us
// (always returned in ms). Byte sizes: 512, 64kb, 10mb, 1.5GiB (binary units).

const UNIT_MS: Readonly<Record<string, number>> = {
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
  us: 0.001,
  'µs': 0.001,
};

// One "<number><unit>" group; `ms` is tried before `m` by the alternation order.
const GROUP = /\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|us|µs|h|m|s)/y;

/**
 * Parses a duration string into milliseconds, or returns undefined when it is not one.
 * Bare numbers are not durations (a unit is always required), and each unit may appear once.
 */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s.length === 0) return undefined;
  GROUP.lastIndex = 0;
  let total = 0;
  const seen = new Set<string>();
  while (GROUP.lastIndex < s.length) {
    const at = GROUP.lastIndex;
    const m = GROUP.exec(s);
    if (m === null || m.index !== at) return undefined;
    const unit = m[2] === 'µs' ? 'us' : m[2]!;
    if (seen.has(unit)) return undefined;
    seen.add(unit);
    total += Number(m[1]) * UNIT_MS[unit]!;
  }
  return Number.isFinite(total) ? total : undefined;
}

/** Formats ms compactly for messages: 1500 → "1.5s", 90000 → "1m30s", 0.25 → "250us". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms === 0) return '0s';
  if (ms < 1) return `${round(ms * 1000)}us`;
  if (ms < 1000) return `${round(ms)}ms`;
  if (ms < 60_000) return `${round(ms / 1000)}s`;
  let rest = Math.round(ms);
  let out = '';
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  if (h > 0) out += `${h}h`;
  if (m > 0) out += `${m}m`;
  if (rest > 0) out += `${round(rest / 1000)}s`;
  return out;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
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

/**
 * A byte size: "5mb", "512KiB", "1.5m", "100b" (1 mb = 1 MiB). A bare number is multiplied by
 * `bareUnit` (1: bytes). Undefined when unparseable or not a safe integer.
 */
export function parseByteSize(text: string, bareUnit = 1): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i.exec(text);
  if (m === null) return undefined;
  const unit = m[2]!.toLowerCase();
  const mult = unit === '' ? bareUnit : SIZE_UNITS[unit];
  if (mult === undefined) return undefined;
  const n = Math.floor(Number(m[1]) * mult);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
