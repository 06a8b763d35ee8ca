// The aligned text table printed at the end of a run: a pure render(result) → string.
import type { DecodeSummary, GeneratorSummary, LatencyStatsMs, PhaseResult, RequestStats, RunResult, StreamStats } from '../metrics/run-result.js';
import { thresholdLine } from './format.js';

const COLS = ['p50', 'p75', 'p90', 'p99', 'p99.9', 'p99.99', 'max', 'mean', 'stdev'] as const;

function ms(v: number): string {
  if (v >= 1000) return (v / 1000).toFixed(2) + 's';
  if (v >= 100) return v.toFixed(0) + 'ms';
  if (v >= 10) return v.toFixed(1) + 'ms';
  return v.toFixed(2) + 'ms';
}

function latencyCells(l: LatencyStatsMs): string[] {
  if (l.count === 0) return COLS.map(() => '-');
  return [l.p50, l.p75, l.p90, l.p99, l.p99_9, l.p99_99, l.max, l.mean, l.stdev].map(ms);
}

/** issue 18: the streamed requests' table — ttfb, first chunk/event, gaps, duration (ms) and events/s. */
function streamLines(r: RunResult): string[] {
  const streamed = r.requests.filter((q) => q.stream !== undefined);
  if (streamed.length === 0) return [];
  const cols = ['p50', 'p90', 'p99', 'max'];
  const rows: string[][] = [['streams', 'metric', ...cols]];
  const msCells = (l: LatencyStatsMs): string[] => (l.count === 0 ? cols.map(() => '-') : [l.p50, l.p90, l.p99, l.max].map(ms));
  const rateCells = (l: LatencyStatsMs): string[] => (l.count === 0 ? cols.map(() => '-') : [l.p50, l.p90, l.p99, l.max].map((v) => `${v.toFixed(1)}/s`));
  const add = (name: string, st: StreamStats): void => {
    rows.push([`${name} (${st.streams} streams, ${st.events} events)`, 'ttfb', ...msCells(st.ttfbMs)]);
    rows.push(['', 'first_event', ...msCells(st.firstEventMs)]);
    rows.push(['', 'gap', ...msCells(st.gapMs)]);
    rows.push(['', 'stream_duration', ...msCells(st.durationMs)]);
    rows.push(['', 'events/s', ...rateCells(st.eventsPerSecond)]);
  };
  for (const q of streamed) add(q.name, q.stream!);
  return ['', table(rows)];
}

/** issue 18 websocket: the ws steps' table — connect time, message round trip (ms) and messages/s per session. */
function wsLines(r: RunResult): string[] {
  const steps = r.requests.filter((q) => q.ws !== undefined);
  if (steps.length === 0) return [];
  const cols = ['p50', 'p90', 'p99', 'max'];
  const rows: string[][] = [['websocket', 'metric', ...cols]];
  const cells = (l: LatencyStatsMs, f: (v: number) => string): string[] => (l.count === 0 ? cols.map(() => '-') : [l.p50, l.p90, l.p99, l.max].map(f));
  for (const q of steps) {
    const w = q.ws!;
    rows.push([`${q.name} (${w.sessions} sessions, ${w.sent} sent, ${w.received} replies)`, 'ws_connect', ...cells(w.connectMs, ms)]);
    rows.push(['', 'ws_rtt', ...cells(w.rttMs, ms)]);
    rows.push(['', 'ws_messages/s', ...cells(w.messagesPerSecond, (v) => `${v.toFixed(1)}/s`)]);
  }
  return ['', table(rows)];
}

function bytes(n: number): string {
  if (n >= 1 << 30) return (n / (1 << 30)).toFixed(2) + ' GiB';
  if (n >= 1 << 20) return (n / (1 << 20)).toFixed(2) + ' MiB';
  if (n >= 1 << 10) return (n / (1 << 10)).toFixed(1) + ' KiB';
  return `${Math.round(n)} B`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd()).join('\n');
}

function counts(rec: Record<string, number>): string {
  const e = Object.entries(rec).sort((a, b) => b[1] - a[1]);
  return e.length === 0 ? 'none' : e.map(([k, v]) => `${k} × ${v}`).join(', ');
}

function pct(x: number): string {
  return (x * 100).toFixed(x < 0.001 && x > 0 ? 3 : 2) + '%';
}

/** Corrected and service latencies are the same numbers in a closed-model run: show one row. */
function sameLatency(a: LatencyStatsMs, b: LatencyStatsMs): boolean {
  return a.p50 === b.p50 && a.p99 === b.p99 && a.p99_9 === b.p99_9 && a.max === b.max && a.mean === b.mean;
}

function phaseLine(p: PhaseResult): string {
  const d = p.details ?? {};
  const what =
    d.model === 'open'
      ? `open ${String(d.rate)} req/s, ≤ ${String(d.maxConnections)} conns`
      : d.model === 'closed'
        ? `closed, ${String(d.connections)} conns`
        : `${String(d.model ?? p.kind ?? '')}${d.connections !== undefined ? `, ${String(d.connections)} conns` : ''}`;
  let line = `  ${p.name}${p.kind === 'warmup' && !/warm/i.test(p.name) ? ' (warmup)' : ''}: ${what}, ${(p.durationMs / 1000).toFixed(1)} s, ${String(d.sent ?? '?')} sent`;
  // Any timed schedule (open today, replays later) reports its arrival counters.
  if (d.scheduled !== undefined) {
    const extra: string[] = [];
    if (Number(d.backlogged) > 0) extra.push(`${String(d.backlogged)} waited for a connection (max ${String(d.backlogMax)})`);
    if (Number(d.missed) > 0) extra.push(`${String(d.missed)} never sent`);
    if (Number(d.late) > 0) extra.push(`${String(d.late)} left late`);
    if (extra.length > 0) line += ` — ${extra.join(', ')}`;
  }
  // Flows with `pace` (issue 15): iterations longer than their pace; `unique` data rows used up.
  if (Number(d.paceOverruns) > 0) line += `, ${String(d.paceOverruns)} over their pace`;
  if (Number(d.dataExhausted) > 0) line += `, data rows used up (${String(d.dataExhausted)} worker${Number(d.dataExhausted) === 1 ? '' : 's'})`;
  return line;
}

function generatorLines(g: GeneratorSummary): string[] {
  const out: string[] = [];
  const cpu = `${(g.cpu * 100).toFixed(0)}% CPU${g.cpuPerThread ? '' : ' (whole process)'}`;
  out.push(
    `generator: ${g.workers} worker${g.workers === 1 ? '' : 's'}, event loop busy ${(g.eventLoopUtilization * 100).toFixed(0)}%, ` +
      `loop delay p99 ${g.eventLoopDelayMs.p99.toFixed(1)} ms (max ${g.eventLoopDelayMs.max.toFixed(1)}), ${cpu}`,
  );
  const s = g.schedule;
  if (s.scheduled > 0) {
    out.push(
      `schedule: ${s.scheduled} arrivals, ${s.late} left late with a connection free (worst lag ${s.maxLagMs.toFixed(1)} ms), ` +
        `${s.backlogged} waited for a connection (max ${s.backlogMax} at once), ${s.missed} never sent`,
    );
  }
  for (const w of g.warnings) out.push(`warning: ${w}`);
  return out;
}

/** issue 15: compressed bodies decoded — bytes on the wire vs decoded, and the time (not in latency). */
function decodeLine(d: DecodeSummary): string {
  const ratio = d.wireBytes > 0 ? ` (×${(d.decodedBytes / d.wireBytes).toFixed(1)})` : '';
  return `decoded: ${d.responses} compressed response${d.responses === 1 ? '' : 's'}, ${bytes(d.wireBytes)} on the wire → ${bytes(d.decodedBytes)}${ratio}, ` +
    `${d.cpuMs.toFixed(1)} ms decoding (not in latency)`;
}

/** "protocol: h2 — 2 connections, up to 10 streams in flight per connection" (one part per protocol). */
function protocolLine(p: NonNullable<RunResult['protocols']>): string {
  const parts = Object.entries(p).map(([name, u]) => {
    const h2 = name === 'h2';
    const what = h2 ? 'stream' : 'request';
    const conns = `${u.connections} connection${u.connections === 1 ? '' : 's'}`;
    return `${h2 ? 'HTTP/2' : name === 'http/1.1' ? 'HTTP/1.1' : name} — ${conns}, up to ${u.maxInFlightPerConnection} ${what}${u.maxInFlightPerConnection === 1 ? '' : 's'} in flight per connection`;
  });
  return `protocol${parts.length > 1 ? 's' : ''}: ${parts.join('; ')}`;
}

export function renderText(r: RunResult): string {
  const out: string[] = [];
  const flags = [r.partial === true ? 'PARTIAL' : '', r.interrupted ? 'INTERRUPTED' : '', r.valid ? '' : 'INVALID'].filter(Boolean).join(', ');
  out.push(`fastbench — ${r.scenario}: ${(r.durationMs / 1000).toFixed(1)} s measured${flags ? `  [${flags}]` : ''}`);
  if (r.abortedBy !== undefined) out.push(`  aborted early: the abort-on-fail threshold "${r.abortedBy}" failed; a partial result`);
  if (r.partial === true) out.push('  partial: written while the run was still going; the final report replaces it');
  else if (r.interrupted) out.push('  interrupted: a partial result, up to the moment the run was stopped');
  if (!r.valid) out.push(`  INVALID RESULT: ${r.invalidReason ?? 'the generator was the bottleneck'}`);
  out.push('');
  const rows: string[][] = [['latency', ...COLS]];
  const oneRow = sameLatency(r.overall.latencyMs, r.overall.serviceMs);
  rows.push([oneRow ? 'overall' : 'overall (from scheduled send)', ...latencyCells(r.overall.latencyMs)]);
  if (!oneRow) rows.push(['overall service time', ...latencyCells(r.overall.serviceMs)]);
  if (r.requests.length > 1) for (const q of r.requests) rows.push([`  ${q.name}`, ...latencyCells(q.latencyMs)]);
  out.push(table(rows));
  out.push(...streamLines(r));
  out.push(...wsLines(r));
  out.push('');
  const reqRows: string[][] = [['requests', 'count', 'rps', 'errors', 'error rate', 'in', 'out']];
  const line = (name: string, q: RequestStats): string[] => [name, String(q.requests), q.rps.toFixed(1), String(q.errors), pct(q.errorRate), bytes(q.bytesIn), bytes(q.bytesOut)];
  reqRows.push(line('overall', r.overall));
  if (r.requests.length > 1) for (const q of r.requests) reqRows.push(line(`  ${q.name}`, q));
  out.push(table(reqRows));
  const secs = r.durationMs / 1000;
  if (secs > 0) out.push(`throughput: ${bytes(r.overall.bytesIn / secs)}/s in, ${bytes(r.overall.bytesOut / secs)}/s out`);
  if (r.protocols !== undefined) out.push(protocolLine(r.protocols));
  out.push(`status: ${counts(r.statusCounts)}`);
  // Failed requests apart by cause: a status not accepted (k6's http_req_failed) vs an error code.
  const byStatus = r.errorsByStatus ?? {};
  if (Object.keys(byStatus).length > 0) out.push(`errors by status: ${counts(byStatus)}`);
  out.push(`errors${Object.keys(byStatus).length > 0 ? ' by code' : ''}: ${counts(r.errorsByCode)}`);
  if (r.decode !== undefined) out.push(decodeLine(r.decode));
  if (r.phases.length > 0) {
    out.push('');
    out.push('phases:');
    for (const p of r.phases) out.push(phaseLine(p));
  }
  if (r.thresholds.length > 0) {
    out.push('');
    out.push('thresholds:');
    for (const t of r.thresholds) out.push(`  ${thresholdLine(t)}`);
  }
  if (r.generator !== undefined) {
    out.push('');
    out.push(...generatorLines(r.generator));
  }
  return out.join('\n') + '\n';
}
