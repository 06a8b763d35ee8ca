// The live dashboard's page: one self-contained HTML document (uPlot inlined, as in report.html)
// whose script opens the server-sent event stream /events and redraws four charts on every closed
// interval — throughput with the open model's target rate, latency percentiles, failures by kind,
// the generator's health. On the `final` event it replaces itself with the final HTML report
// (/report). Plain ES2017, no imports. For the headless-browser test it stamps each chart with
// data-points, the body with data-intervals (events applied) and data-state (connecting, running,
// final).
import { escapeHtml } from './format.js';
import { uplotAssets } from './html-report.js';

const PAGE_CSS = `
:root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#fff}
body{margin:0 auto;max-width:1160px;padding:16px 20px 40px}h1{font-size:1.4rem;margin:.2em 0}
.meta{color:#6b7280;font-size:.85rem}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{border:1px solid #e5e7eb;border-radius:8px;padding:8px 14px;min-width:120px}.card b{display:block;font-size:1.3rem}
.card span{color:#6b7280;font-size:.8rem}.chart{margin:8px 0 18px;min-height:120px}.live{color:#15803d;font-weight:600}`;

const DASHBOARD_SCRIPT = String.raw`
(function () {
  'use strict';
  var PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];
  var rows = [];
  var kinds = [];
  var charts = {};
  var body = document.body;
  function $(id) { return document.getElementById(id); }
  function width(el) { return Math.max(480, Math.floor(el.clientWidth || 960)); }
  function fmtMs(v) {
    if (v == null) return '';
    if (v >= 1000) return (v / 1000).toFixed(2) + ' s';
    if (v >= 100) return v.toFixed(0) + ' ms';
    if (v >= 10) return v.toFixed(1) + ' ms';
    return v.toFixed(2) + ' ms';
  }
  function fmtInt(v) { return Math.round(v).toLocaleString('en-US'); }
  function col(k) { return rows.map(function (r) { return r[k]; }); }
  var zero = { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } };

  function make(id, title, height, scales, axes, series, data) {
    var el = $(id);
    if (charts[id]) charts[id].destroy();
    el.textContent = '';
    charts[id] = new uPlot({ title: title, width: width(el), height: height, scales: scales, axes: axes, series: series }, data, el);
    el.setAttribute('data-points', String(data[0].length));
  }
  function update(id, data) {
    charts[id].setData(data);
    $(id).setAttribute('data-points', String(data[0].length));
  }

  function throughputData() { return [col('t'), col('rps'), col('target')]; }
  function latencyData() { return [col('t'), col('p50'), col('p90'), col('p99'), col('p999')]; }
  function errorsData() {
    var d = [col('t')];
    kinds.forEach(function (k) { d.push(rows.map(function (r) { return r.errors[k] || 0; })); });
    return d;
  }
  function healthData() {
    return [col('t'), rows.map(function (r) { return r.loop == null ? null : r.loop * 100; }), rows.map(function (r) { return r.cpu == null ? null : r.cpu * 100; })];
  }
  function build() {
    make('chart-throughput', 'Throughput', 260, { x: { time: false }, y: zero }, [{ label: 'seconds since start' }, { label: 'requests / s', size: 70 }], [
      { label: 's' },
      { label: 'rps', stroke: PALETTE[0], width: 2, fill: 'rgba(37,99,235,0.08)' },
      { label: 'target rate', stroke: PALETTE[4], width: 2, dash: [6, 4], spanGaps: false }
    ], throughputData());
    var ms = function (u, v) { return fmtMs(v); };
    make('chart-latency', 'Latency percentiles per interval (from the scheduled send)', 280, { x: { time: false }, y: zero },
      [{ label: 'seconds since start' }, { label: 'latency', size: 70, values: function (u, s) { return s.map(fmtMs); } }], [
      { label: 's' },
      { label: 'p50', stroke: PALETTE[2], width: 2, value: ms },
      { label: 'p90', stroke: PALETTE[5], width: 2, value: ms },
      { label: 'p99', stroke: PALETTE[1], width: 2, value: ms },
      { label: 'p99.9', stroke: PALETTE[3], width: 2, value: ms }
    ], latencyData());
    buildErrors();
    make('chart-health', 'Generator health', 200, { x: { time: false }, y: { range: function (u, min, max) { return [0, Math.max(100, max * 1.1)]; } } },
      [{ label: 'seconds since start' }, { label: '%', size: 60 }], [
      { label: 's' },
      { label: 'event loop busy %', stroke: PALETTE[3], width: 2 },
      { label: 'CPU %', stroke: PALETTE[6], width: 2 }
    ], healthData());
  }
  function buildErrors() {
    var series = [{ label: 's' }];
    kinds.forEach(function (k, i) {
      series.push({ label: k, stroke: PALETTE[(i + 1) % PALETTE.length], fill: 'rgba(220,38,38,0.25)', paths: uPlot.paths.bars({ size: [0.8, 40] }) });
    });
    if (kinds.length === 0) series.push({ label: 'errors', stroke: PALETTE[1] });
    var data = errorsData();
    if (kinds.length === 0) data.push(rows.map(function () { return 0; }));
    make('chart-errors', 'Failures per interval by kind', 220, { x: { time: false, range: function (u, min, max) { return [min - 0.5, max + 0.5]; } }, y: zero },
      [{ label: 'seconds since start' }, { label: 'failures', size: 70 }], series, data);
  }

  function cards(msg) {
    var tot = msg.totals;
    var last = rows[rows.length - 1];
    $('card-requests').textContent = fmtInt(tot.requests);
    $('card-errors').textContent = fmtInt(tot.errors);
    $('card-rps').textContent = last ? fmtInt(last.rps) : '—';
    $('card-p99').textContent = last && last.p99 != null ? fmtMs(last.p99) : '—';
    $('status').textContent = 'running · ' + (last ? last.phase + (last.warmup ? ' (warmup)' : '') + ' · ' + last.t.toFixed(0) + ' s' : '—');
  }

  function add(list, msg) {
    var newKind = false;
    list.forEach(function (r) {
      rows.push(r);
      Object.keys(r.errors).forEach(function (k) { if (kinds.indexOf(k) < 0) { kinds.push(k); newKind = true; } });
    });
    if (!charts['chart-throughput']) build();
    else {
      update('chart-throughput', throughputData());
      update('chart-latency', latencyData());
      update('chart-health', healthData());
      if (newKind) buildErrors(); else update('chart-errors', errorsData());
    }
    cards(msg);
    body.setAttribute('data-intervals', String(rows.length));
  }

  function final() {
    body.setAttribute('data-state', 'final');
    location.replace('/report');
  }

  body.setAttribute('data-state', 'connecting');
  var es = new EventSource('/events');
  es.addEventListener('init', function (e) {
    var msg = JSON.parse(e.data);
    rows = []; kinds = [];
    body.setAttribute('data-state', 'running');
    if (msg.rows.length > 0) add(msg.rows, msg);
    if (msg.final) { es.close(); final(); }
  });
  es.addEventListener('interval', function (e) {
    var msg = JSON.parse(e.data);
    add([msg.row], msg);
  });
  es.addEventListener('final', function () { es.close(); final(); });
})();
`;

/** The live page for one run; `note`, when given, is shown under the title (e.g. a fleet view's limits). */
export function renderDashboard(scenario: string, note?: string): string {
  const { js, css } = uplotAssets();
  const title = `fastbench live — ${scenario}`;
  const card = (id: string, label: string): string => `<div class="card"><b id="${id}">—</b><span>${label}</span></div>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
<style>${PAGE_CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)} <span class="live">● live</span></h1>
<div class="meta" id="status">waiting for the first interval…</div>
${note !== undefined ? `<div class="meta" id="note">${escapeHtml(note)}</div>\n` : ''}<div class="cards">${card('card-requests', 'requests')}${card('card-rps', 'requests / s (last interval)')}${card('card-errors', 'errors')}${card('card-p99', 'p99 (last interval)')}</div>
<div class="meta">When the run ends this page becomes its final report, which can be saved (<a href="/report.html" download="report.html">report.html</a> once it exists).</div>
</header>
<main>
<div class="chart" id="chart-throughput"></div>
<div class="chart" id="chart-latency"></div>
<div class="chart" id="chart-errors"></div>
<div class="chart" id="chart-health"></div>
</main>
<script>${js}</script>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
}
