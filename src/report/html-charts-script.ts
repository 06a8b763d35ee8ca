// The browser side of report.html: draws the charts with uPlot (inlined next to it) from the JSON
// embedded in the page. Plain ES2017, no imports. After each chart's first draw it stamps its
// container with data-points / data-drawn, and once every chart has drawn it sets
// <body data-charts-ready="N"> — what the headless-browser test reads from --dump-dom.
export const CHARTS_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('fastbench-data').textContent);
  var PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];
  var charts = [];
  var drawn = 0;
  var expected = 0;

  function width(el) { return Math.max(480, Math.floor(el.clientWidth || 960)); }

  function stamp(el, points) {
    return function () {
      if (el.getAttribute('data-drawn') === 'true') return;
      el.setAttribute('data-points', String(points));
      el.setAttribute('data-drawn', 'true');
      drawn++;
      if (drawn === expected) document.body.setAttribute('data-charts-ready', String(drawn));
    };
  }

  function fmtMs(v) {
    if (v == null) return '';
    if (v >= 1000) return (v / 1000).toFixed(2) + ' s';
    if (v >= 100) return v.toFixed(0) + ' ms';
    if (v >= 10) return v.toFixed(1) + ' ms';
    return v.toFixed(2) + ' ms';
  }

  // "Nines" axis as HdrHistogram's plotter draws it: x = 1 / (1 - p) on a log scale, so 90%,
  // 99%, 99.9% … are evenly spaced; a tick per power of ten, labelled as the percentile.
  function ninesLabel(x) {
    if (x <= 1) return '0%';
    var p = 100 * (1 - 1 / x);
    var digits = Math.max(0, Math.round(Math.log10(x)) - 2);
    return p.toFixed(digits) + '%';
  }

  function powersOfTen(u, axisIdx, min, max) {
    var out = [];
    for (var e = Math.floor(Math.log10(Math.max(1, min))); Math.pow(10, e) <= max * 1.0001; e++) {
      var v = Math.pow(10, e);
      if (v >= min * 0.9999) out.push(v);
    }
    return out;
  }

  // Latency by percentile; with (d, title, yLabel) any such distribution (the streams' gaps).
  function distributionChart(el, d, title, yLabel) {
    d = d || data.distribution;
    var tables = d.series.map(function (s) { return [s.xs, s.ys]; });
    var aligned = tables.length === 1 ? tables[0] : uPlot.join(tables);
    var points = d.series.reduce(function (a, s) { return a + s.xs.length; }, 0);
    var series = [{ label: 'percentile', value: function (u, v) { return v == null ? '' : ninesLabel(v); } }];
    d.series.forEach(function (s, i) {
      series.push({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 2, spanGaps: true,
        value: function (u, v) { return fmtMs(v); } });
    });
    var opts = {
      title: title || 'Latency by percentile',
      width: width(el), height: 360,
      scales: { x: { time: false, distr: 3, log: 10 }, y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.05 : 1]; } } },
      axes: [
        { label: 'percentile', splits: powersOfTen, values: function (u, splits) { return splits.map(ninesLabel); } },
        { label: yLabel || 'latency', size: 70, values: function (u, splits) { return splits.map(fmtMs); } }
      ],
      series: series,
      hooks: { draw: [stamp(el, points)] }
    };
    charts.push(new uPlot(opts, aligned, el));
  }

  function timeChart(el) {
    var s = data.time;
    var opts = {
      title: 'Throughput and latency over time',
      width: width(el), height: 320,
      scales: { x: { time: false }, rps: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } },
        ms: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } } },
      axes: [
        { label: 'seconds since start' },
        { scale: 'rps', label: 'requests / s', size: 70 },
        { scale: 'ms', label: 'latency', side: 1, size: 70, grid: { show: false }, values: function (u, splits) { return splits.map(fmtMs); } }
      ],
      series: [
        { label: 's' },
        { label: 'rps', scale: 'rps', stroke: PALETTE[0], width: 2, fill: 'rgba(37,99,235,0.08)' },
        { label: 'p50', scale: 'ms', stroke: PALETTE[2], width: 2, value: function (u, v) { return fmtMs(v); } },
        { label: 'p99', scale: 'ms', stroke: PALETTE[1], width: 2, value: function (u, v) { return fmtMs(v); } }
      ],
      hooks: { draw: [stamp(el, s.t.length)] }
    };
    charts.push(new uPlot(opts, [s.t, s.rps, s.p50, s.p99], el));
  }

  function errorsChart(el) {
    var s = data.time;
    var opts = {
      title: 'Errors over time',
      width: width(el), height: 220,
      // half an interval of room either side, so the first and last bars are whole
      scales: { x: { time: false, range: function (u, min, max) { return [min - 0.5, max + 0.5]; } }, y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } } },
      axes: [{ label: 'seconds since start' }, { label: 'errors / interval', size: 70 }],
      series: [
        { label: 's' },
        { label: 'errors', stroke: PALETTE[1], fill: 'rgba(220,38,38,0.35)', paths: uPlot.paths.bars({ size: [0.8, 40] }) }
      ],
      hooks: { draw: [stamp(el, s.t.length)] }
    };
    charts.push(new uPlot(opts, [s.t, s.errors], el));
  }

  // issue 18: offered rate (x) against p99 (left axis) and errors % (right axis), one point per step.
  function searchChart(el) {
    var s = data.search;
    var opts = {
      title: 'Capacity search: offered rate vs p99 and errors' + (s.knee != null ? ' (knee ' + s.knee + ' req/s)' : ''),
      width: width(el), height: 320,
      scales: { x: { time: false }, ms: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } },
        pct: { range: function (u, min, max) { return [0, max > 0 ? Math.max(max * 1.1, 1) : 1]; } } },
      axes: [
        { label: 'offered rate (req/s)' },
        { scale: 'ms', label: 'p99', size: 70, values: function (u, splits) { return splits.map(fmtMs); } },
        { scale: 'pct', label: 'errors %', side: 1, size: 60, grid: { show: false } }
      ],
      series: [
        { label: 'req/s' },
        { label: 'p99', scale: 'ms', stroke: PALETTE[1], width: 1, points: { show: true, size: 8 }, value: function (u, v) { return fmtMs(v); } },
        { label: 'errors %', scale: 'pct', stroke: PALETTE[4], width: 1, dash: [4, 4], points: { show: true, size: 6 } }
      ],
      hooks: { draw: [stamp(el, s.rate.length)] }
    };
    charts.push(new uPlot(opts, [s.rate, s.p99, s.errors], el));
  }

  function streamGapsChart(el) {
    distributionChart(el, data.streamGaps, 'Gaps between chunks/events by percentile', 'gap');
  }

  var plan = [
    ['chart-distribution', distributionChart, data.distribution.series.length > 0],
    ['chart-time', timeChart, data.time.t.length > 0],
    ['chart-errors', errorsChart, data.time.t.length > 0],
    ['chart-stream-gaps', streamGapsChart, data.streamGaps != null && data.streamGaps.series.length > 0]
  ];
  if (data.search) plan.unshift(['chart-search', searchChart, data.search.rate.length > 0]);
  var todo = plan.filter(function (p) {
    var el = document.getElementById(p[0]);
    if (el === null) return false; // a section the page does not have (no streamed request)
    if (!p[2]) { el.textContent = 'No data to plot.'; el.setAttribute('data-points', '0'); }
    return p[2];
  });
  expected = todo.length;
  if (expected === 0) document.body.setAttribute('data-charts-ready', '0');
  todo.forEach(function (p) { p[1](document.getElementById(p[0])); });
})();
`;
