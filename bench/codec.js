#!/usr/bin/env node
// Codec benchmark (npm run bench:codec): ns per message to parse typical responses and requests
// with our parsers, http-parser-js and Node's own llhttp binding — all in this one process, same
// input — and ns per message to serialize requests, plus bytes allocated per prepared send.
// Run pinned to one core (the npm script uses taskset when it exists).
import { createRequire } from 'node:module';
import { ResponseParser, RequestParser, RequestSerializer, ByteWriter } from '../dist/index.js';

const require = createRequire(import.meta.url);
const { HTTPParser: JsParser } = require('http-parser-js');
let LlParser = null;
try {
  process.noDeprecation = true;
  LlParser = process.binding('http_parser').HTTPParser;
} catch {
  LlParser = null;
}

const MESSAGES = 2000; // per batch buffer
const TARGET_MS = Number(process.env.BENCH_MS ?? 1500);

const fixedResponse =
  'HTTP/1.1 200 OK\r\nServer: fastbench\r\nDate: Mon, 23 Nov 2026 10:00:00 GMT\r\nContent-Type: text/plain; charset=utf-8\r\n' +
  'Cache-Control: no-cache\r\nX-Request-Id: 4f1c2a9e-7b7d-4a0e-9d4c-2f1b7e6a5c3d\r\nVary: Accept-Encoding\r\nContent-Length: 13\r\n\r\nHello, World!';
const chunkedResponse =
  'HTTP/1.1 200 OK\r\nServer: fastbench\r\nDate: Mon, 23 Nov 2026 10:00:00 GMT\r\nContent-Type: application/json\r\n' +
  'Cache-Control: no-cache\r\nVary: Accept-Encoding\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '1b\r\n{"message":"Hello, World!"}\r\n10\r\n{"more":"stuff"}\r\n0\r\n\r\n';
const request =
  'GET /api/items?page=2 HTTP/1.1\r\nHost: bench.test:8080\r\nUser-Agent: fastbench\r\nAccept: */*\r\n' +
  'Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\nCookie: session=abc123\r\n\r\n';

const batch = (msg) => Buffer.from(msg.repeat(MESSAGES), 'latin1');

/** Runs fn (which handles one batch) until TARGET_MS passed; returns ns per message. */
function measure(fn) {
  for (let i = 0; i < 20; i++) fn(); // warm-up
  let n = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  do {
    fn();
    n++;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  } while (elapsed < TARGET_MS);
  return (elapsed * 1e6) / (n * MESSAGES);
}

// --- ours
class Counter {
  constructor() { this.n = 0; this.bytes = 0; }
  onHead() { return 0; }
  onBody(b, s, e) { this.bytes += e - s; }
  onComplete() { this.n++; }
}
class Materializing extends Counter {
  onHead(h) { h.headers.toArray(); return 0; }
}
function ours(Parser, input, handler = new Counter()) {
  const p = new Parser(handler);
  return () => {
    handler.n = 0;
    p.execute(input);
    if (handler.n !== MESSAGES) throw new Error(`ours parsed ${handler.n}`);
  };
}

// --- http-parser-js
function jsParser(kind, input) {
  const p = new JsParser(kind);
  let n = 0;
  p[JsParser.kOnHeadersComplete] = () => 0;
  p[JsParser.kOnBody] = () => {};
  p[JsParser.kOnMessageComplete] = () => { n++; };
  return () => {
    n = 0;
    p.execute(input);
    if (n !== MESSAGES) throw new Error(`http-parser-js parsed ${n}`);
  };
}

// --- llhttp (Node's binding)
function llhttp(kind, input) {
  if (!LlParser) return null;
  const p = new LlParser();
  let n = 0;
  p[LlParser.kOnHeadersComplete] = () => 0;
  p[LlParser.kOnBody] = () => {};
  p[LlParser.kOnMessageComplete] = () => { n++; };
  p[LlParser.kOnHeaders] = () => {};
  p[LlParser.kOnExecute] = () => {};
  p.initialize(kind === 'request' ? LlParser.REQUEST : LlParser.RESPONSE, {}, 0, 0);
  return () => {
    n = 0;
    const r = p.execute(input);
    if (r instanceof Error) throw r;
    if (n !== MESSAGES) throw new Error(`llhttp parsed ${n}`);
  };
}

const rows = [];
function row(name, fns) {
  const r = { name };
  for (const [k, f] of Object.entries(fns)) r[k] = f ? measure(f) : null;
  rows.push(r);
}

const fixed = batch(fixedResponse);
const chunked = batch(chunkedResponse);
const reqs = batch(request);
row('response, 8 headers, 13-byte body', {
  ours: ours(ResponseParser, fixed),
  oursStrings: ours(ResponseParser, fixed, new Materializing()),
  httpParserJs: jsParser(JsParser.RESPONSE, fixed),
  llhttp: llhttp('response', fixed),
});
row('response, chunked, 2 chunks', {
  ours: ours(ResponseParser, chunked),
  oursStrings: ours(ResponseParser, chunked, new Materializing()),
  httpParserJs: jsParser(JsParser.RESPONSE, chunked),
  llhttp: llhttp('response', chunked),
});
row('request, GET with 6 headers', {
  ours: ours(RequestParser, reqs),
  oursStrings: ours(RequestParser, reqs, new Materializing()),
  httpParserJs: jsParser(JsParser.REQUEST, reqs),
  llhttp: llhttp('request', reqs),
});

const f = (v) => (v == null ? '     n/a' : v.toFixed(1).padStart(8));
const ratio = (a, b) => (a == null || b == null ? '  n/a' : (b / a).toFixed(2) + 'x');
console.log('\nParse, ns per message (lower is better); ratios = peer time / our time');
console.log('case'.padEnd(36) + '    ours  ours+str  http-parser-js    llhttp   vs hpjs  vs hpjs(str)  vs llhttp');
for (const r of rows) {
  console.log(
    r.name.padEnd(36) + f(r.ours) + '  ' + f(r.oursStrings) + '        ' + f(r.httpParserJs) + '  ' + f(r.llhttp) +
      '    ' + ratio(r.ours, r.httpParserJs).padStart(6) + '        ' + ratio(r.oursStrings, r.httpParserJs).padStart(6) + '     ' + ratio(r.ours, r.llhttp).padStart(6),
  );
}

// --- serialize
const ser = new RequestSerializer({ method: 'POST', target: '/api/items', host: 'bench.test:8080', headers: [['User-Agent', 'fastbench'], ['Accept', '*/*'], ['Content-Type', 'application/json']] });
const payload = Buffer.from('{"id":1,"name":"widget"}');
const prepared = ser.prepare(payload);
const w = new ByteWriter(1024);
const sink = Buffer.allocUnsafe(1024);
const SER_N = 200_000;
function timeIt(fn) {
  for (let i = 0; i < 50_000; i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < SER_N; i++) fn();
  return Number(process.hrtime.bigint() - t0) / SER_N;
}
const dynamicNs = timeIt(() => { w.reset(); ser.write(w, ['X-Seq', '12345'], payload); });
const preparedNs = timeIt(() => { prepared.copy(sink, 0); });
const naiveNs = timeIt(() => {
  Buffer.from(`POST /api/items HTTP/1.1\r\nHost: bench.test:8080\r\nUser-Agent: fastbench\r\nAccept: */*\r\nContent-Type: application/json\r\nX-Seq: 12345\r\nContent-Length: ${payload.length}\r\n\r\n${payload.toString()}`, 'latin1');
});
// bytes allocated per prepared send: heap growth over many sends with no GC in between
let allocPerSend = null;
if (typeof globalThis.gc === 'function') {
  globalThis.gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 1_000_000; i++) prepared.copy(sink, 0);
  allocPerSend = (process.memoryUsage().heapUsed - before) / 1_000_000;
}
console.log('\nSerialize, ns per request');
console.log(`  dynamic (prefix + 1 header + framing + body into a reused ByteWriter): ${dynamicNs.toFixed(1)}`);
console.log(`  prepared request (built once, bytes reused):                          ${preparedNs.toFixed(1)}`);
console.log(`  naive template string + Buffer.from (baseline):                        ${naiveNs.toFixed(1)}  → dynamic is ${(naiveNs / dynamicNs).toFixed(2)}x faster`);
console.log(`  heap bytes allocated per prepared send: ${allocPerSend == null ? 'n/a (run with --expose-gc)' : allocPerSend.toFixed(3)}`);
