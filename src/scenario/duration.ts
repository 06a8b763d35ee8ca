// Durations as people write them: 500ms, 10s, 2m, 1h, 1m30s, 1.5s, 250us. Always in ms.

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
