// report.md: a pure render(result) → string for a CI job summary ($GITHUB_STEP_SUMMARY) or a PR
// comment: a headline, the latency table, the per-request table, streams (when any), thresholds with pass/fail,
// errors by code and status codes. GitHub-flavoured Markdown; every cell escaped.
import type { LatencyStatsMs, RequestStats, RunResult } from '../metrics/run-result.js';
import {
  LATENCY_COLUMNS, fmtBytes, fmtDuration, fmtInt, fmtMs, fmtPct, fmtRps, fmtThresholdActual, mdCell, mdTable, thresholdCheckText,
} from './format.js';
import { STREAM_COLUMNS, streamTableRows } from './stream-table.js';

function latencyRow(label: string, l: LatencyStatsMs): string[] {
  return [label, ...LATENCY_COLUMNS.map(([k]) => fmtMs(l[k]))];
}

function statusText(counts: Record<string, number>): string {
  const e = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return e.length === 0 ? '—' : e.map(([k, v]) => `${mdCell(k)}: ${fmtInt(v)}`).join(', ');
}

function requestRow(label: string, q: RequestStats): string[] {
  return [
    label, fmtInt(q.requests), fmtRps(q.rps), fmtInt(q.errors), fmtPct(q.errorRate), fmtMs(q.latencyMs.p50),
    fmtMs(q.latencyMs.p99), fmtBytes(q.bytesIn), statusText(q.statusCounts),
  ];
}

/** The one-line verdict used as the heading. */
export function markdownHeadline(r: RunResult): string {
  const failed = r.thresholds.filter((t) => !t.passed).length;
  let verdict: string;
  if (r.thresholds.length === 0) verdict = 'no thresholds';
  else if (failed === 0) verdict = `✅ all ${r.thresholds.length} thresholds passed`;
  else verdict = `❌ ${failed} of ${r.thresholds.length} thresholds failed`;
  return `fastbench · ${mdCell(r.scenario)} · ${verdict}`;
}

export function renderMarkdown(r: RunResult): string {
  const out: string[] = [];
  out.push(`## ${markdownHeadline(r)}`, '');
  if (r.partial === true) out.push('> ⏳ **Partial**: written while the run was still going; the final report replaces it.', '');
  if (r.interrupted) out.push('> ⚠️ **Interrupted**: the run stopped early; figures cover what was measured.', '');
  if (!r.valid) out.push(`> ⚠️ **Invalid run**: ${mdCell(r.invalidReason ?? 'the load generator was the bottleneck')}`, '');
  const s = r.summary;
  const errorRate = s.requests > 0 ? s.errors / s.requests : 0;
  out.push(
    `**${fmtInt(s.requests)} requests** in ${fmtDuration(r.durationMs)} · **${fmtRps(s.rps)} rps** · ` +
      `errors ${fmtPct(errorRate)} (${fmtInt(s.errors)}) · p50 **${fmtMs(s.latencyMs.p50)}** · ` +
      `p99 **${fmtMs(s.latencyMs.p99)}** · max ${fmtMs(s.latencyMs.max)}`,
    '',
  );
  const env = r.environment;
  out.push(
    `<sub>fastbench ${mdCell(env.fastbenchVersion)} · Node ${mdCell(env.node)} · ${env.cores} × ${mdCell(env.cpuModel)}` +
      ` · ${mdCell(r.startTime)} → ${mdCell(r.endTime)}${r.parts > 1 ? ` · ${r.parts} parts merged` : ''}</sub>`,
    '',
  );

  const g = r.generator;
  if (g !== undefined) {
    out.push(`Generator: ${g.workers} worker${g.workers === 1 ? '' : 's'}, event loop busy ${fmtPct(g.eventLoopUtilization)}, ` +
      `loop delay p99 ${fmtMs(g.eventLoopDelayMs.p99)}, CPU ${fmtPct(g.cpu)}`, '');
    for (const w of g.warnings) out.push(`> ⚠️ ${mdCell(w)}`, '');
  }
  const aborted = r.abortedBy;
  if (aborted !== undefined) out.push(`> ⛔ Stopped early by \`abortOnFail\` threshold: ${mdCell(aborted)}`, '');
  out.push('### Latency', '', 'From the scheduled send time (coordinated-omission corrected); service time from the actual send.', '');
  const lat: string[][] = [['', ...LATENCY_COLUMNS.map(([, label]) => label)]];
  lat.push(latencyRow('**overall**', r.overall.latencyMs));
  lat.push(latencyRow('overall service time', r.overall.serviceMs));
  if (r.requests.length > 1) for (const q of r.requests) lat.push(latencyRow(mdCell(q.name), q.latencyMs));
  out.push(mdTable(lat, 'lrrrrrrrrr'), '');

  out.push('### Requests', '');
  const req: string[][] = [['request', 'requests', 'rps', 'errors', 'error rate', 'p50', 'p99', 'received', 'status']];
  req.push(requestRow('**overall**', r.overall));
  for (const q of r.requests) req.push(requestRow(mdCell(q.name), q));
  out.push(mdTable(req, 'lrrrrrrrl'), '');

  // issue 18: streamed requests (`stream:`), the text report's streams table.
  const streams = streamTableRows(r);
  if (streams.length > 0) {
    out.push('### Streams', '', 'ttfb and first_event from the scheduled send; gap between consecutive chunks/events; events/s per stream (p1: the slowest streams).', '');
    const st: string[][] = [[...STREAM_COLUMNS]];
    for (const x of streams) st.push([mdCell(x.request), x.streams, x.events, mdCell(x.metric), ...x.cells]);
    out.push(mdTable(st, 'lrrlrrrrr'), '');
  }

  out.push('### Thresholds', '');
  if (r.thresholds.length === 0) {
    out.push('No thresholds were set.', '');
  } else {
    const th: string[][] = [['', 'scope', 'threshold', 'actual', 'window']];
    for (const t of r.thresholds) {
      th.push([t.passed ? '✅ pass' : '❌ **fail**', mdCell(t.scope), mdCell(thresholdCheckText(t)), fmtThresholdActual(t), mdCell(t.window ?? 'whole run')]);
    }
    out.push(mdTable(th, 'lllrl'), '');
  }

  out.push('### Errors', '');
  // Failed by status (not accepted by expect.status / >= 400) beside failed by error code.
  const errors = [...Object.entries(r.errorsByStatus ?? {}).map(([s, n]): [string, number] => [`status ${s}`, n]), ...Object.entries(r.errorsByCode)].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (errors.length === 0) {
    out.push('No errors.', '');
  } else {
    const total = errors.reduce((a, [, c]) => a + c, 0);
    const rows: string[][] = [['code', 'count', 'share of errors']];
    for (const [code, count] of errors) rows.push([mdCell(code), fmtInt(count), fmtPct(count / total)]);
    out.push(mdTable(rows, 'lrr'), '');
  }
  out.push(`Status codes: ${statusText(r.statusCounts)}`, '');
  return out.join('\n');
}
