#!/usr/bin/env node
// HTTP/2 codec microbench (npm run bench:h2codec, pinned to one CPU): HPACK decode of a typical
// response header block, HPACK encode, prebuilt HEADERS writes and frame-reader throughput.
// There is no JS peer to compare with (node:http2 keeps nghttp2's codec internal), so this prints
// absolute ns/op and MB/s. Each case runs for about BENCH_MS (default 1000) ms.
import { ByteWriter } from '../dist/core/byte-writer.js';
import * as h2 from '../dist/http2/index.js';

const MS = Number(process.env.BENCH_MS ?? 1000);

function bench(name, fn, bytesPerOp = 0) {
  for (let i = 0; i < 2000; i++) fn();
  if (globalThis.gc) globalThis.gc();
  let ops = 0;
  let batch = 256;
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(MS) * 1_000_000n;
  let now = t0;
  while (now < deadline) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    now = process.hrtime.bigint();
    if (batch < 65536) batch *= 2;
  }
  const ns = Number(now - t0) / ops;
  const mbs = bytesPerOp > 0 ? `  ${((bytesPerOp * 1e3) / ns).toFixed(0).padStart(6)} MB/s` : '';
  console.log(`${name.padEnd(58)} ${ns.toFixed(0).padStart(7)} ns/op${mbs}`);
}

const RESPONSE = [
  [':status', '200'], ['server', 'nginx/1.26.3'], ['date', 'Sun, 06 Dec 2026 05:00:00 GMT'], ['content-type', 'text/html; charset=utf-8'],
  ['content-length', '612'], ['last-modified', 'Tue, 01 Dec 2026 10:00:00 GMT'], ['etag', '"6750a2f0-264"'], ['accept-ranges', 'bytes'],
  ['cache-control', 'max-age=3600'], ['vary', 'accept-encoding'],
];

// Steady state: the second response on a connection (most fields indexed, volatile ones literal).
const enc = new h2.HpackEncoder();
const w = new ByteWriter(512);
enc.encode(w, RESPONSE);
const first = w.toBuffer();
w.reset();
enc.encode(w, RESPONSE);
const steady = w.toBuffer();
const dec = new h2.HpackDecoder();
const fields = new h2.HeaderFields();
dec.decode(first, 0, first.length, fields);
// Cold: every field a Huffman literal (static-table names), as on a fresh connection or from a
// server that does not index.
w.reset();
h2.encodeStatelessBlock(w, RESPONSE);
const cold = w.toBuffer();
const dec2 = new h2.HpackDecoder();

console.log(`HPACK blocks for a ${RESPONSE.length}-field response: cold ${cold.length} B, first ${first.length} B, steady ${steady.length} B`);
bench('hpack decode, steady-state block (indexed + literals)', () => dec.decode(steady, 0, steady.length, fields), steady.length);
bench('hpack decode, cold block (all Huffman literals)', () => dec2.decode(cold, 0, cold.length, fields), cold.length);
let sink = 0;
bench('hpack decode steady + read :status and 2 values as strings', () => {
  dec.decode(steady, 0, steady.length, fields);
  sink += fields.valueInt(0) + fields.value(3).length + fields.value(4).length;
});
const enc2 = new h2.HpackEncoder();
const ew = new ByteWriter(512);
enc2.encode(ew, RESPONSE);
bench('hpack encode, steady state (10 fields)', () => {
  ew.reset();
  enc2.encode(ew, RESPONSE);
});
const pre = h2.PrebuiltHeaders.fromFields([[':method', 'GET'], [':scheme', 'http'], [':path', '/bench'], [':authority', '127.0.0.1:8080'], ['user-agent', 'fastbench/0.1']]);
const pw = new ByteWriter(1 << 16);
let sid = 1;
bench('PrebuiltHeaders.writeTo (copy + patch stream id)', () => {
  if (pw.len > 60000) pw.reset();
  pre.writeTo(pw, sid, true);
  sid = (sid + 2) & 0x7fffffff;
});

// Frame reader throughput over a response-like stream: HEADERS + DATA frames (+ WINDOW_UPDATE,
// PING), fed in 64 KiB chunks (frames straddle chunk edges), handler touching nothing.
class Nop {
  onData() {} onHeaders() {} onRstStream() {} onSettings() {} onSettingsAck() {} onPing() {} onGoAway() {} onWindowUpdate() {} onStreamError() {}
}
function stream(dataSize, n) {
  const sw = new ByteWriter(1 << 20);
  h2.writeSettings(sw, h2.SettingsList.of([]));
  const body = Buffer.alloc(dataSize, 0x61);
  for (let i = 0; i < n; i++) {
    const id = 1 + 2 * i;
    h2.writeHeaders(sw, id, steady, 0, steady.length, false);
    h2.writeData(sw, id, body, 0, body.length, true);
    if (i % 8 === 0) h2.writeWindowUpdate(sw, 0, 65536);
  }
  return sw.toBuffer();
}
for (const [size, n, chunk] of [[16, 4096, 65536], [1024, 1024, 65536], [16384, 128, 65536]]) {
  const s = stream(size, n);
  const chunks = [];
  for (let at = 0; at < s.length; at += chunk) chunks.push(s.subarray(at, at + chunk));
  const frameCount = 1 + n * 2 + Math.ceil(n / 8);
  bench(`frame reader, ${frameCount} frames (DATA ${size} B) in ${chunks.length} chunks, per stream`, () => {
    const r = new h2.FrameReader(new Nop());
    for (const c of chunks) r.push(c);
  }, s.length);
}
if (sink === -1) console.log(sink);
