#!/usr/bin/env node
// Long fuzz run for both parsers (npm run fuzz): at least FUZZ_INPUTS (default 1,000,000) inputs
// per parser — valid messages split at random points (checked against what was sent), mutated
// messages and random bytes (only HttpCodecError may escape). Deterministic for a given SEED.
import { RequestParser, ResponseParser, HttpCodecError } from '../dist/http/index.js';

const PER_PARSER = Number(process.env.FUZZ_INPUTS ?? 1_000_000);
let seed = Number(process.env.SEED ?? 12345) >>> 0;
function rnd() {
  // xorshift32
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 4294967296;
}
const int = (n) => Math.floor(rnd() * n);
const pick = (a) => a[int(a.length)];
const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
function token(max) { let s = ''; const n = 1 + int(max); for (let i = 0; i < n; i++) s += TCHARS[int(TCHARS.length)]; return s; }
function value(max) { let s = ''; const n = int(max); for (let i = 0; i < n; i++) { let c = 0x20 + int(0xe0); if (c === 0x7f) c = 0x41; s += String.fromCharCode(c); } return s.trim(); }
function body(max) { let s = ''; const n = int(max); for (let i = 0; i < n; i++) s += String.fromCharCode(int(256)); return s; }

function message(isRequest) {
  const fields = [];
  if (isRequest) fields.push(['Host', 'fuzz.test']);
  const nf = int(8);
  for (let i = 0; i < nf; i++) fields.push(['X-' + token(10), value(30)]);
  const b = body(150);
  const chunked = rnd() < 0.5;
  let s = isRequest ? `${pick(['GET', 'POST', 'PUT', 'PATCH', 'X-M'])} /${token(20)} HTTP/1.1\r\n` : `HTTP/1.1 ${pick([200, 201, 404, 500, 302])} ${pick(['OK', '', 'Reason Here'])}\r\n`;
  for (const [n, v] of fields) s += `${n}: ${v}\r\n`;
  if (!chunked) {
    s += `Content-Length: ${b.length}\r\n\r\n${b}`;
  } else {
    s += 'Transfer-Encoding: chunked\r\n\r\n';
    let at = 0;
    while (at < b.length) {
      const n = Math.min(1 + int(40), b.length - at);
      s += n.toString(16) + pick(['', ';a', ';a=b', ';q="x\\"y"']) + '\r\n' + b.slice(at, at + n) + '\r\n';
      at += n;
    }
    s += '0\r\n' + (rnd() < 0.3 ? `X-T: ${value(10)}\r\n` : '') + '\r\n';
  }
  return { raw: s, body: b, fields };
}

function mutate(buf) {
  let b = Buffer.from(buf);
  const n = 1 + int(4);
  for (let i = 0; i < n && b.length > 0; i++) {
    const at = int(b.length);
    const k = int(3);
    if (k === 0) b[at] = pick([0, 10, 13, 32, 9, 58, 48, 255, int(256)]);
    else if (k === 1) b = Buffer.concat([b.subarray(0, at), Buffer.from([pick([10, 13, 32, 59, 34, int(256)])]), b.subarray(at)]);
    else b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
  }
  return b;
}

function pieces(buf) {
  const out = [];
  let at = 0;
  while (at < buf.length) {
    const n = rnd() < 0.1 ? 1 : 1 + int(buf.length);
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

class Sink {
  constructor() { this.count = 0; this.bodyLen = 0; this.parts = []; }
  onHead() { this.parts = []; return 0; }
  onBody(b, s, e) { this.parts.push(b.latin1Slice ? b.latin1Slice(s, e) : b.toString('latin1', s, e)); }
  onComplete() { this.count++; this.last = this.parts.join(''); }
}

const LIMITS = { maxHeaderBytes: 4096, maxBodySize: 1 << 16 };
function run(isRequest) {
  const sink = new Sink();
  const P = isRequest ? RequestParser : ResponseParser;
  const p = new P(sink, { limits: LIMITS });
  let errors = 0;
  const t0 = Date.now();
  for (let i = 0; i < PER_PARSER; i++) {
    const kind = i % 3;
    p.reset();
    sink.count = 0;
    const m = message(isRequest);
    const raw = Buffer.from(m.raw, 'latin1');
    if (kind === 0) {
      for (const c of pieces(raw)) p.execute(c);
      if (sink.count !== 1 || sink.last !== m.body) {
        console.error('MISMATCH on valid input', JSON.stringify(m.raw));
        process.exit(1);
      }
      continue;
    }
    const input = kind === 1 ? mutate(raw) : Buffer.from(Array.from({ length: int(200) }, () => int(256)));
    try {
      for (const c of pieces(input)) p.execute(c);
      p.finish();
    } catch (e) {
      if (!(e instanceof HttpCodecError)) {
        console.error('UNTYPED ERROR', e, JSON.stringify(input.toString('latin1')));
        process.exit(1);
      }
      errors++;
    }
    if (p.pendingHeadBytes > LIMITS.maxHeaderBytes) {
      console.error('UNBOUNDED head buffer', p.pendingHeadBytes);
      process.exit(1);
    }
  }
  const ms = Date.now() - t0;
  console.log(`${isRequest ? 'request ' : 'response'} parser: ${PER_PARSER.toLocaleString('en-US')} inputs (${Math.round(PER_PARSER / 3).toLocaleString('en-US')} valid checked, ${errors.toLocaleString('en-US')} typed rejections, 0 escapes) in ${(ms / 1000).toFixed(1)} s`);
}

run(true);
run(false);
console.log(`heap used at end: ${(process.memoryUsage().heapUsed / 1048576).toFixed(1)} MiB`);
