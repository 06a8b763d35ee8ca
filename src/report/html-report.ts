// report.html: ONE self-contained file (opens offline, mails, uploads as a CI artifact): uPlot's
// dist JS and CSS inlined, the chart data embedded as JSON, tables rendered here. Charts: latency
// by percentile on HdrHistogram's log "nines" axis, rps with p50/p99 over time, errors over time;
// for a capacity search (issue 18), offered rate against p99 and errors, with the steps' table;
// and (issue 18) streamed requests' gaps by percentile beside their Streams table.
// render(result) → string; the only I/O is reading uPlot's dist files once per process.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { decodeHistogram } from '../metrics/encoded-histogram.js';
import type { LatencyHistogram } from '../metrics/histogram.js';
import type { LatencyStatsMs, RequestStats, RunResult } from '../metrics/run-result.js';
import {
  LATENCY_COLUMNS, escapeHtml, fmtBytes, fmtDuration, fmtInt, fmtMs, fmtPct, fmtRps, fmtThresholdActual, thresholdCheckText,
} from './format.js';
import { CHARTS_SCRIPT } from './html-charts-script.js';
import { searchAnswer } from './search-report.js';
import { intervalLengthMs } from '../metrics/intervals.js';
import { STREAM_COLUMNS, streamTableRows } from './stream-table.js';

interface Assets {
  js: string;
  css: string;
}

let assets: Assets | undefined;

/** uPlot's minified dist, made safe to sit inside <script>/<style> elements. */
export function uplotAssets(): Assets {
  if (assets === undefined) {
    const require = createRequire(import.meta.url);
    const js = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
    const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
    // "</script" or "<!--" would end or confuse the element; "<\/" and "<\!" mean the same in JS.
    assets = { js: js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--'), css: css.replace(/<\/(style)/gi, '<\\/$1') };
  }
  return assets;
}

export interface DistributionSeries {
  label: string;
  /** 1 / (1 - p): the log "nines" axis. */
  xs: number[];
  /** Latency, ms. */
  ys: number[];
}

/** A histogram's percentile distribution as (1/(1-p), ms) points; the 100% point is placed at the
 * rank of the last sample (x = count) since 1/(1-p) is infinite there. */
export function distributionPoints(label: string, h: LatencyHistogram): DistributionSeries {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const p of h.percentileDistribution(5)) {
    let x = Number.isFinite(p.inverse) ? p.inverse : h.count;
    const prev = xs[xs.length - 1];
    if (prev !== undefined && x <= prev) {
      if (Number.isFinite(p.inverse)) continue; // a repeated level
      x = prev * 2;
    }
    xs.push(Math.round(x * 1e6) / 1e6);
    // kept within the exact recorded [min, max], as LatencyHistogram.percentile() and the tables are
    ys.push(Math.min(h.max, Math.max(h.min, p.valueUs)) / 1000);
  }
  return { label, xs, ys };
}

/** issue 18: a capacity search's steps by offered rate (the search chart's data). */
export interface SearchChartData {
  rate: number[];
  p99: (number | null)[];
  /** Error rate in percent. */
  errors: number[];
  verdict: string[];
  knee: number | null;
}

function searchChartData(search: NonNullable<RunResult['search']>): SearchChartData {
  const steps = [...search.steps].sort((a, b) => a.offeredRps - b.offeredRps || a.index - b.index);
  return {
    rate: steps.map((s) => s.offeredRps),
    p99: steps.map((s) => s.p99Ms),
    errors: steps.map((s) => Math.round(s.errorRate * 1e6) / 1e4),
    verdict: steps.map((s) => s.verdict),
    knee: search.knee?.rate ?? null,
  };
}

/** The JSON the page's script draws from. */
export function chartData(r: RunResult): {
  distribution: { series: DistributionSeries[] };
  time: Record<string, number[]>;
  /** issue 18: each streamed request's gaps between chunks/events by percentile (up to 6); absent without any. */
  streamGaps?: { series: DistributionSeries[] };
  search?: SearchChartData;
} {
  const series: DistributionSeries[] = [];
  const add = (label: string, h: LatencyHistogram): void => {
    if (h.count > 0) series.push(distributionPoints(label, h));
  };
  add('overall (from scheduled send)', decodeHistogram(r.histograms.overall.corrected));
  add('overall service time', decodeHistogram(r.histograms.overall.service));
  if (r.requests.length > 1) {
    for (const q of r.requests.slice(0, 6)) {
      const pair = r.histograms.requests[q.name];
      if (pair !== undefined) add(q.name, decodeHistogram(pair.corrected));
    }
  }
  const rows = r.series;
  const intervalSec = intervalLengthMs(r) / 1000; // t counts intervals
  const gaps: DistributionSeries[] = [];
  for (const [name, snap] of Object.entries(r.histograms.stream?.requests ?? {}).slice(0, 6)) {
    const h = decodeHistogram(snap.gap);
    if (h.count > 0) gaps.push(distributionPoints(name, h));
  }
  return {
    distribution: { series },
    ...(gaps.length > 0 ? { streamGaps: { series: gaps } } : {}),
    time: {
      t: rows.map((x) => Math.round(x.t * intervalSec * 1000) / 1000),
      rps: rows.map((x) => x.rps),
      p50: rows.map((x) => x.p50),
      p99: rows.map((x) => x.p99),
      errors: rows.map((x) => x.errors),
    },
    ...(r.search !== undefined ? { search: searchChartData(r.search) } : {}),
  };
}

/** issue 18: the capacity search's answer, chart and steps (only on a `fastbench find` result). */
function searchSection(search: NonNullable<RunResult['search']>): string {
  const k = search.knee;
  const card = (value: string, label: string): string => `<div class="card"><b>${value}</b><span>${label}</span></div>`;
  const cards = k === undefined ? '' : `<div class="cards">${card(fmtRps(k.rate), search.ended === 'generator-bound' || search.ended === 'reached-to' ? 'req/s (at least)' : 'req/s capacity')}${card(fmtRps(k.low), 'low')}${card(fmtRps(k.high), 'high')}${card(search.confirmed ? 'yes' : 'no', 'confirmed over the hold')}</div>`;
  const rows = search.steps.map((st) => `<tr><th scope="row">${st.index + 1}</th>${[
    td(escapeHtml(st.kind), 'text'), td(fmtRps(st.offeredRps)), td(fmtRps(st.achievedRps)), td(st.p50Ms === null ? '—' : fmtMs(st.p50Ms)),
    td(st.p99Ms === null ? '—' : fmtMs(st.p99Ms)), td(fmtPct(st.errorRate)), td(fmtDuration(st.durationMs)),
    `<td class="text ${st.verdict === 'pass' ? 'pass' : 'fail'}">${escapeHtml(st.verdict)}${st.generatorBound !== undefined ? ` — ${escapeHtml(st.generatorBound)}` : ''}</td>`,
  ].join('')}</tr>`);
  return `<h2>Capacity search</h2>
<p id="search-answer">${escapeHtml(searchAnswer(search))}</p>
${cards}
<p class="meta">SLO: ${search.slo.map((t) => `<code>${escapeHtml(t)}</code>`).join(', ')} · ${search.steps.length} steps in ${fmtDuration(search.elapsedMs)} · ended: ${escapeHtml(search.ended)}. The rest of this report is the knee's confirmation run.</p>
<div class="chart" id="chart-search"></div>
${table(['step', 'kind', 'offered / s', 'achieved / s', 'p50', 'p99', 'errors', 'length', 'verdict'], rows, 'search-table')}`;
}

const td = (s: string, cls = 'num'): string => `<td class="${cls}">${s}</td>`;

function latencyRow(label: string, l: LatencyStatsMs): string {
  return `<tr><th scope="row">${escapeHtml(label)}</th>${LATENCY_COLUMNS.map(([k]) => td(fmtMs(l[k]))).join('')}</tr>`;
}

function counts(rec: Record<string, number>): string {
  const e = Object.entries(rec).sort((a, b) => b[1] - a[1]);
  return e.length === 0 ? '—' : e.map(([k, v]) => `${escapeHtml(k)}: ${fmtInt(v)}`).join(', ');
}

function requestRow(label: string, q: RequestStats): string {
  return `<tr><th scope="row">${escapeHtml(label)}</th>${[
    fmtInt(q.requests), fmtRps(q.rps), fmtInt(q.errors), fmtPct(q.errorRate), fmtMs(q.latencyMs.p50), fmtMs(q.latencyMs.p99),
    fmtMs(q.latencyMs.max), fmtBytes(q.bytesIn), fmtBytes(q.bytesOut),
  ].map((c) => td(c)).join('')}${td(counts(q.statusCounts), 'text')}</tr>`;
}

/** issue 18: the Streams section — the streamed requests' table and their gaps by percentile. */
function streamsSection(r: RunResult, gapsChart: boolean): string {
  const rows = streamTableRows(r);
  if (rows.length === 0) return '';
  const body = rows.map((x) =>
    `<tr${x.request !== '' ? ' class="first"' : ''}><th scope="row">${escapeHtml(x.request)}</th>${td(x.streams)}${td(x.events)}` +
    `${td(escapeHtml(x.metric), 'text')}${x.cells.map((c) => td(c)).join('')}</tr>`);
  return `<h2>Streams</h2>
<p class="meta">Requests with <code>stream:</code>. ttfb and first_event from the scheduled send; gap between consecutive chunks/events; stream_duration from the first chunk/event to the end; events/s per stream (p1: the slowest streams).</p>
${table([...STREAM_COLUMNS], body, 'stream-table')}
${gapsChart ? '<div class="chart" id="chart-stream-gaps"></div>' : ''}`;
}

function table(head: string[], body: string[], id: string): string {
  return `<table id="${id}"><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${body.join('')}</tbody></table>`;
}

const PAGE_CSS = `
:root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#fff}
body{margin:0 auto;max-width:1160px;padding:16px 20px 40px}
h1{font-size:1.5rem;margin:.2em 0}h2{font-size:1.15rem;margin:1.6em 0 .5em;border-bottom:1px solid #e5e7eb;padding-bottom:.2em}
.meta{color:#6b7280;font-size:.85rem}.banner{padding:.5em .8em;border-radius:6px;margin:.6em 0}
.warn{background:#fef3c7;border:1px solid #f59e0b}.pass{color:#15803d;font-weight:600}.fail{color:#b91c1c;font-weight:600}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}.card{border:1px solid #e5e7eb;border-radius:8px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:1.3rem}.card span{color:#6b7280;font-size:.8rem}
table{border-collapse:collapse;width:100%;font-size:.88rem;margin:.4em 0}th,td{padding:4px 8px;border-bottom:1px solid #f1f5f9}
thead th{background:#f8fafc;text-align:right}thead th:first-child{text-align:left}tbody th{text-align:left;font-weight:500}
td.num{text-align:right;font-variant-numeric:tabular-nums}td.text{text-align:left}.chart{margin:8px 0 18px;min-height:120px}
code{background:#f3f4f6;padding:1px 4px;border-radius:4px}#stream-table tr.first>*{border-top:1px solid #cbd5e1}`;

/** Warnings above the figures: partial, interrupted, invalid, stopped by an abortOnFail threshold. */
function runBanners(r: RunResult): string[] {
  const banners: string[] = [];
  if (r.partial === true) banners.push('<div class="banner warn"><b>Partial:</b> written while the run was still going; the final report replaces it.</div>');
  if (r.interrupted) banners.push('<div class="banner warn"><b>Interrupted:</b> the run stopped early; figures cover what was measured.</div>');
  if (!r.valid) banners.push(`<div class="banner warn"><b>Invalid run:</b> ${escapeHtml(r.invalidReason ?? 'the load generator was the bottleneck')}</div>`);
  if (r.abortedBy !== undefined) banners.push(`<div class="banner warn"><b>Stopped early</b> by the abortOnFail threshold <code>${escapeHtml(r.abortedBy)}</code>.</div>`);
  return banners;
}

export function renderHtml(r: RunResult): string {
  const { js, css } = uplotAssets();
  const s = r.summary;
  const errorRate = s.requests > 0 ? s.errors / s.requests : 0;
  const failed = r.thresholds.filter((t) => !t.passed).length;
  const title = `fastbench — ${r.scenario}`;
  const verdict = r.thresholds.length === 0 ? '' : failed === 0
    ? `<span class="pass">✓ all ${r.thresholds.length} thresholds passed</span>`
    : `<span class="fail">✗ ${failed} of ${r.thresholds.length} thresholds failed</span>`;
  const env = r.environment;
  const banners = runBanners(r);
  const g = r.generator;
  const generator = g === undefined ? '' : `<div class="meta">generator: ${g.workers} worker${g.workers === 1 ? '' : 's'}, event loop busy ${fmtPct(g.eventLoopUtilization)}, loop delay p99 ${fmtMs(g.eventLoopDelayMs.p99)}, CPU ${fmtPct(g.cpu)}</div>` +
    g.warnings.map((w) => `<div class="banner warn">${escapeHtml(w)}</div>`).join('');
  const card = (value: string, label: string): string => `<div class="card"><b>${value}</b><span>${label}</span></div>`;

  const latency = [latencyRow('overall (from scheduled send)', r.overall.latencyMs), latencyRow('overall service time', r.overall.serviceMs)];
  if (r.requests.length > 1) for (const q of r.requests) latency.push(latencyRow(q.name, q.latencyMs));
  const requests = [requestRow('overall', r.overall), ...r.requests.map((q) => requestRow(q.name, q))];
  const thresholds = r.thresholds.map((t) =>
    `<tr><td class="text ${t.passed ? 'pass' : 'fail'}">${t.passed ? 'pass' : 'FAIL'}</td><td class="text">${escapeHtml(t.scope)}</td>` +
    `<td class="text"><code>${escapeHtml(thresholdCheckText(t))}</code></td>` +
    `${td(escapeHtml(fmtThresholdActual(t)))}${td(escapeHtml(t.window ?? 'whole run'), 'text')}</tr>`);
  // Failed by status (not accepted by expect.status / >= 400) beside failed by error code.
  const errEntries = [...Object.entries(r.errorsByStatus ?? {}).map(([s, n]): [string, number] => [`status ${s}`, n]), ...Object.entries(r.errorsByCode)];
  const errTotal = errEntries.reduce((a, [, c]) => a + c, 0);
  const errors = errEntries.sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `<tr><th scope="row"><code>${escapeHtml(code)}</code></th>${td(fmtInt(n))}${td(fmtPct(n / errTotal))}</tr>`);
  const data = chartData(r);
  const dataJson = JSON.stringify(data).replace(/</g, '\\u003c');
  const phases = r.phases.map((p) => `${escapeHtml(p.name)} (${fmtDuration(p.durationMs)}${p.kind ? `, ${escapeHtml(p.kind)}` : ''})`).join(' → ');

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="fastbench ${escapeHtml(env.fastbenchVersion)}">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
<style>${PAGE_CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<div class="meta">${escapeHtml(r.startTime)} → ${escapeHtml(r.endTime)} · ${fmtDuration(r.durationMs)} · fastbench ${escapeHtml(env.fastbenchVersion)} · Node ${escapeHtml(env.node)} · ${env.cores} × ${escapeHtml(env.cpuModel)}${r.parts > 1 ? ` · ${r.parts} parts merged` : ''}</div>
${phases ? `<div class="meta">phases: ${phases}</div>` : ''}
${generator}
${banners.join('\n')}
<div class="cards">${card(fmtInt(s.requests), 'requests')}${card(fmtRps(s.rps), 'requests / s')}${card(fmtPct(errorRate), `errors (${fmtInt(s.errors)})`)}${card(fmtMs(s.latencyMs.p50), 'p50')}${card(fmtMs(s.latencyMs.p99), 'p99')}${card(fmtMs(s.latencyMs.p99_9), 'p99.9')}${card(fmtMs(s.latencyMs.max), 'max')}</div>
${verdict ? `<p>${verdict}</p>` : ''}
</header>
<main>
${r.search !== undefined ? searchSection(r.search) : ''}
<h2>Latency distribution</h2>
<div class="chart" id="chart-distribution"></div>
<h2>Over time</h2>
<div class="chart" id="chart-time"></div>
<div class="chart" id="chart-errors"></div>
<h2>Latency</h2>
<p class="meta">From the scheduled send time (coordinated-omission corrected); service time from the actual send.</p>
${table(['', ...LATENCY_COLUMNS.map(([, l]) => l)], latency, 'latency-table')}
<h2>Requests</h2>
${table(['request', 'requests', 'rps', 'errors', 'error rate', 'p50', 'p99', 'max', 'received', 'sent', 'status'], requests, 'request-table')}
${streamsSection(r, data.streamGaps !== undefined)}
<h2>Thresholds</h2>
${thresholds.length === 0 ? '<p>No thresholds were set.</p>' : table(['', 'scope', 'threshold', 'actual', 'window'], thresholds, 'threshold-table')}
<h2>Errors</h2>
${errors.length === 0 ? '<p>No errors.</p>' : table(['code', 'count', 'share'], errors, 'error-table')}
<p class="meta">Status codes: ${counts(r.statusCounts)}</p>
</main>
<script type="application/json" id="fastbench-data">${dataJson}</script>
<script>${js}</script>
<script>${CHARTS_SCRIPT}</script>
</body>
</html>
`;
}
