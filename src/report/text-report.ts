// The aligned text table printed at the end of a run: a pure render(result) → string.
import type { LatencyStatsMs, RequestStats, RunResult } from '../metrics/run-result.js';

const COLS = ['p50', 'p75', 'p90', 'p99', 'p99.9', 'p99.99', 'max', 'mean', 'stdev'] as const;

function ms(v: number): string {
  if (v >= 1000) return (v / 1000).toFixed(2) + 's';
  if (v >= 100) return v.toFixed(0) + 'ms';
  if (v >= 10) return v.toFixed(1) + 'ms';
  return v.toFixed(2) + 'ms';
}

function latencyCells(l: LatencyStatsMs): string[] {
  return [l.p50, l.p75, l.p90, l.p99, l.p99_9, l.p99_99, l.max, l.mean, l.stdev].map(ms);
}

function bytes(n: number): string {
  if (n >= 1 << 30) return (n / (1 << 30)).toFixed(2) + ' GiB';
  if (n >= 1 << 20) return (n / (1 << 20)).toFixed(2) + ' MiB';
  if (n >= 1 << 10) return (n / (1 << 10)).toFixed(1) + ' KiB';
  return `${n} B`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

function counts(rec: Record<string, number>): string {
  const e = Object.entries(rec).sort((a, b) => b[1] - a[1]);
  return e.length === 0 ? 'none' : e.map(([k, v]) => `${k} × ${v}`).join(', ');
}

function pct(x: number): string {
  return (x * 100).toFixed(x < 0.001 && x > 0 ? 3 : 2) + '%';
}

export function renderText(r: RunResult): string {
  const out: string[] = [];
  const flags = [r.interrupted ? 'INTERRUPTED' : '', r.valid ? '' : 'INVALID'].filter(Boolean).join(', ');
  out.push(`fastbench — ${r.scenario}: ${(r.durationMs / 1000).toFixed(1)} s${flags ? `  [${flags}]` : ''}`);
  if (!r.valid) out.push(`  the result is invalid: ${r.invalidReason ?? 'the generator was the bottleneck'}`);
  out.push('');
  const rows: string[][] = [['latency', ...COLS]];
  rows.push(['overall (from scheduled send)', ...latencyCells(r.overall.latencyMs)]);
  rows.push(['overall service time', ...latencyCells(r.overall.serviceMs)]);
  if (r.requests.length > 1) for (const q of r.requests) rows.push([`  ${q.name}`, ...latencyCells(q.latencyMs)]);
  out.push(table(rows));
  out.push('');
  const reqRows: string[][] = [['requests', 'count', 'rps', 'errors', 'error rate', 'in', 'out']];
  const line = (name: string, q: RequestStats): string[] => [name, String(q.requests), q.rps.toFixed(1), String(q.errors), pct(q.errorRate), bytes(q.bytesIn), bytes(q.bytesOut)];
  reqRows.push(line('overall', r.overall));
  if (r.requests.length > 1) for (const q of r.requests) reqRows.push(line(`  ${q.name}`, q));
  out.push(table(reqRows));
  const secs = r.durationMs / 1000;
  if (secs > 0) out.push(`throughput: ${bytes(r.overall.bytesIn / secs)}/s in, ${bytes(r.overall.bytesOut / secs)}/s out`);
  out.push(`status: ${counts(r.statusCounts)}`);
  out.push(`errors: ${counts(r.errorsByCode)}`);
  if (r.thresholds.length > 0) {
    out.push('');
    out.push('thresholds:');
    for (const t of r.thresholds) {
      const actual = t.actual === null ? 'no data' : String(Math.round(t.actual * 1000) / 1000);
      out.push(`  ${t.passed ? 'PASS' : 'FAIL'}  ${t.expression}  (actual: ${actual}${t.window ? `, ${t.window}` : ''})`);
    }
  }
  return out.join('\n') + '\n';
}
