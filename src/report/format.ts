// Number and text formatting shared by the Markdown, HTML, JUnit and compare renderers.
import type { ThresholdOutcome } from '../metrics/run-result.js';
import { thresholdCheck } from '../scenario/thresholds.js';

/** A latency in ms for people: 0.123 ms, 12.3 ms, 123 ms, 1.23 s. */
export function fmtMs(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1000) return `${(v / 1000).toFixed(2)} s`;
  if (a >= 100) return `${v.toFixed(0)} ms`;
  if (a >= 10) return `${v.toFixed(1)} ms`;
  if (a >= 1) return `${v.toFixed(2)} ms`;
  return `${v.toFixed(3)} ms`;
}

/** A count with thousands separators (fixed, locale-independent). */
export function fmtInt(n: number): string {
  const s = String(Math.round(Math.abs(n)));
  return (n < 0 ? '-' : '') + s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Requests per second. */
export function fmtRps(v: number): string {
  if (v >= 10_000) return fmtInt(v);
  return v.toFixed(v >= 100 ? 0 : 1);
}

/** A fraction as a percentage: 0.0123 → "1.23%". */
export function fmtPct(x: number): string {
  if (x === 0) return '0%';
  return `${(x * 100).toFixed(x < 0.0001 ? 4 : x < 0.001 ? 3 : 2)}%`;
}

export function fmtBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(2)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

export function fmtDuration(ms: number): string {
  const s = ms / 1000;
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
  if (s >= 120) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${s.toFixed(1)} s`;
}

/** A signed relative change: +12.3%, −4.0%. */
export function fmtDelta(rel: number): string {
  if (!Number.isFinite(rel)) return rel > 0 ? '+∞' : rel < 0 ? '−∞' : '—';
  const v = (rel * 100).toFixed(Math.abs(rel) < 0.1 ? 1 : 0);
  return rel >= 0 ? `+${v}%` : `−${v.slice(1)}%`;
}

/** A threshold value with its unit: "23.8 ms", "100 %", "1,234 rps". */
export function fmtThresholdValue(unit: ThresholdOutcome['unit'], v: number): string {
  if (unit === 'ratio') return `${Number((v * 100).toPrecision(3))} %`;
  if (unit === 'rps') return `${fmtRps(v)} rps`;
  if (unit === 'count') return fmtInt(v);
  if (unit === 'per_s') return `${fmtRps(v)}/s`;
  return fmtMs(v);
}

/** A threshold's measured value in its own unit, or "no data". */
export function fmtThresholdActual(t: ThresholdOutcome): string {
  return t.actual === null ? 'no data' : fmtThresholdValue(t.unit, t.actual);
}

/** What was checked, canonically spelled with the limit's unit: "p99 < 5ms", "errors < 5%". */
export function thresholdCheckText(t: ThresholdOutcome): string {
  return thresholdCheck(t);
}

/** "(actual 23.8 ms)", "(actual 12 ms, each 1s window)", "(no data)". */
export function thresholdActualText(t: ThresholdOutcome): string {
  const w = t.window !== undefined ? `, ${t.window}` : '';
  return t.actual === null ? `(no data${w})` : `(actual ${fmtThresholdActual(t)}${w})`;
}

/**
 * One verdict line, naming what was judged: `FAIL  json  p99 < 5ms  (actual 23.8 ms)`,
 * `PASS  overall  errors < 5%  (actual 0 %)`.
 */
export function thresholdLine(t: ThresholdOutcome): string {
  return `${t.passed ? 'PASS' : 'FAIL'}  ${t.scope}  ${thresholdCheckText(t)}  ${thresholdActualText(t)}`;
}

/** Names unique per threshold: "json: p99 < 5ms", "overall: errors < 1% (last 2s)", a #2 on repeats. */
export function thresholdNames(ts: readonly ThresholdOutcome[]): string[] {
  const seen = new Map<string, number>();
  return ts.map((t) => {
    const base = `${t.scope}: ${thresholdCheckText(t)}${t.window !== undefined ? ` (${t.window})` : ''}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} #${n}`;
  });
}

/** Escape for HTML text and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Text safe inside a Markdown table cell (GitHub-flavoured): no pipes, markup or line breaks. */
export function mdCell(s: string): string {
  return s
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|#~]/g, (c) => `\\${c}`);
}

/** A Markdown table (first row is the header); `align` per column: 'l' or 'r'. */
export function mdTable(rows: readonly (readonly string[])[], align: string): string {
  const [head, ...body] = rows;
  if (head === undefined) return '';
  const sep = head.map((_, i) => (align[i] === 'r' ? '---:' : ':---'));
  return [head, sep, ...body].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** Percentile columns shared by the latency tables. */
export const LATENCY_COLUMNS = [
  ['p50', 'p50'], ['p75', 'p75'], ['p90', 'p90'], ['p99', 'p99'], ['p99_9', 'p99.9'], ['p99_99', 'p99.99'], ['max', 'max'],
  ['mean', 'mean'], ['stdev', 'stdev'],
] as const;
