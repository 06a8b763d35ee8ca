// Micro benchmark: cost of recording one latency sample.
//   npm run build && node bench/metrics-record.js
// Compares fastbench's LatencyHistogram.record (the chosen path) with hdr-histogram-js's own
// recordValue in its plain-JS (32/64-bit buckets), 'packed' and WebAssembly variants, all
// configured alike (1 µs .. 1 h, 3 digits), then times Recorder.record (a whole sample: 8 histogram
// records + counters) and counts garbage collections during it (0 means it allocated nothing).
import { PerformanceObserver } from 'node:perf_hooks';
import hdr from 'hdr-histogram-js';
import { LatencyHistogram, FAST_RECORD_PATH, HIGHEST_US } from '../dist/metrics/histogram.js';
import { Recorder } from '../dist/metrics/recorder.js';

const VALUES = new Float64Array(1 << 16);
for (let i = 0, s = 12345; i < VALUES.length; i++) {
  s = (Math.imul(s, 1103515245) + 12345) >>> 0;
  VALUES[i] = Math.max(1, Math.round(Math.exp((s / 2 ** 32) * Math.log(10_000_000)))); // 1 µs .. 10 s, log-uniform
}
const MASK = VALUES.length - 1;

function time(n, fn) {
  fn(Math.min(n, 200_000)); // warm up
  const t0 = process.hrtime.bigint();
  fn(n);
  return Number(process.hrtime.bigint() - t0) / n;
}

function libHistogram(bitBucketSize, useWebAssembly = false) {
  return hdr.build({
    bitBucketSize, useWebAssembly, autoResize: false, lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3,
  });
}

function viaRecordValue(h) {
  return (n) => {
    for (let i = 0; i < n; i++) h.recordValue(VALUES[i & MASK]);
  };
}

await hdr.initWebAssembly();
const ours = LatencyHistogram.create();
const cases = [
  ['fastbench LatencyHistogram.record (chosen)', 3_000_000, (n) => { for (let i = 0; i < n; i++) ours.record(VALUES[i & MASK]); }],
  ['hdr-histogram-js JS 64-bit recordValue', 1_000_000, viaRecordValue(libHistogram(64))],
  ['hdr-histogram-js JS 32-bit recordValue', 1_000_000, viaRecordValue(libHistogram(32))],
  ['hdr-histogram-js packed recordValue', 300_000, viaRecordValue(libHistogram('packed'))],
  ['hdr-histogram-js wasm 64-bit recordValue', 2_000_000, viaRecordValue(libHistogram(64, true))],
  ['hdr-histogram-js wasm 32-bit recordValue', 2_000_000, viaRecordValue(libHistogram(32, true))],
];

console.log(`fast record path active: ${FAST_RECORD_PATH}`);
let base = 0;
for (const [name, n, fn] of cases) {
  const ns = time(n, fn);
  if (base === 0) base = ns;
  console.log(`${name.padEnd(44)} ${ns.toFixed(1).padStart(7)} ns/record  ${(ns / base).toFixed(1).padStart(5)}x`);
}

let gcs = 0;
const obs = new PerformanceObserver((list) => { gcs += list.getEntries().length; });
const rec = new Recorder({ requestNames: ['a', 'b', 'c', 'd'] });
const sample = (n) => {
  for (let i = 0; i < n; i++) {
    const v = VALUES[i & MASK];
    rec.record(i & 3, v + 17, v, 200, 512, 128);
  }
};
sample(200_000);
await new Promise((r) => setTimeout(r, 10));
obs.observe({ entryTypes: ['gc'] });
const n = 2_000_000;
const t0 = process.hrtime.bigint();
sample(n);
const perSample = Number(process.hrtime.bigint() - t0) / n;
await new Promise((r) => setTimeout(r, 10));
obs.disconnect();
console.log(`${'Recorder.record (whole sample)'.padEnd(44)} ${perSample.toFixed(1).padStart(7)} ns/sample, ${gcs} GCs during ${n} samples`);

// Once-a-second and end-of-run costs (not per sample): closing an interval (percentiles + one
// encoded histogram) and encoding a snapshot of the 4-request recorder above.
{
  const reps = 50;
  let t = 0;
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < reps; k++) {
    sample(20_000);
    rec.closeInterval(t++);
  }
  const withFill = Number(process.hrtime.bigint() - t0) / reps;
  const t1 = process.hrtime.bigint();
  for (let k = 0; k < reps; k++) sample(20_000);
  const fillOnly = Number(process.hrtime.bigint() - t1) / reps;
  console.log(`${'Recorder.closeInterval'.padEnd(44)} ${((withFill - fillOnly) / 1e6).toFixed(2).padStart(7)} ms/interval`);
  const t2 = process.hrtime.bigint();
  const snap = rec.snapshot();
  console.log(`${'Recorder.snapshot (4 requests + overall)'.padEnd(44)} ${(Number(process.hrtime.bigint() - t2) / 1e6).toFixed(2).padStart(7)} ms, ${JSON.stringify(snap).length} bytes as JSON`);
}
