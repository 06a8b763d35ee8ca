#!/usr/bin/env node
// HTTP/2 client benchmark: closed loops of C connections × S concurrent streams, for each case
// (default 50×10 and 1×100), against each target, the target pinned to CPU 0 and each generator,
// in its own process, pinned to CPU 1 (taskset; unpinned, and saying so, without it). Compares in
// the same run: fastbench's PipelineClient with protocol h2, Node's http2 client (nghttp2
// underneath) and h2load, and prints req/s of each and the ratios against the goals.
//
// Targets (--targets, default canned,static):
//   canned  a raw h2c responder written here with our own frame reader and writer: every request
//           HEADERS is answered with one prebuilt HEADERS + DATA (13 bytes), nothing decoded —
//           the client ceiling (what a generator reaches when the server costs next to nothing)
//   static  nghttpd serving a small static file, else nginx with 1 worker (h2c)
//   serve   fastbench serve (our own server, h2c by preface sniff), /plaintext
//
//   node bench/h2.js [--duration 3] [--cases 50x10,1x100] [--targets canned,static] [--only fastbench,node,h2load]
//   node bench/h2.js --gen NAME --url U ...     (internal: one generator, prints JSON)
//   node bench/h2.js --responder                (internal: the canned target, prints its port)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const SELF = fileURLToPath(import.meta.url);
const WARMUP_MS = 500;
const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
const pinned = (cpu, cmd, argv) => (hasTaskset ? ['taskset', ['-c', String(cpu), cmd, ...argv]] : [cmd, argv]);

// ------------------------------------------------------------------ generators (child processes)

async function genFastbench(url, conns, streams, ms) {
  const { PipelineClient, Request, Response } = await import('../dist/client/index.js');
  const u = new URL(url);
  const c = new PipelineClient({ host: u.hostname, port: Number(u.port), protocol: 'h2', maxConns: conns, maxPendingRequests: streams });
  const req = new Request({ url: u.pathname });
  let count = 0;
  let errors = 0;
  let measuring = false;
  let stop = false;
  const ctx = {
    onResponse(_q, res, err) {
      if (measuring) {
        if (err === null) count++;
        else errors++;
      }
      if (!stop) c.dispatch(req, res, ctx);
    },
  };
  for (let i = 0; i < conns * streams; i++) {
    const res = new Response();
    res.discardBody = true;
    c.dispatch(req, res, ctx);
  }
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  measuring = false;
  const elapsed = performance.now() - t0;
  stop = true;
  await c.close();
  return { rps: (count * 1000) / elapsed, errors };
}

async function genNode(url, conns, streams, ms) {
  const u = new URL(url);
  let count = 0;
  let errors = 0;
  let measuring = false;
  let stop = false;
  const sessions = [];
  for (let i = 0; i < conns; i++) {
    const s = http2.connect(url);
    s.on('error', () => {});
    sessions.push(s);
    const one = () => {
      if (stop) return;
      const st = s.request({ ':path': u.pathname });
      st.on('data', () => {});
      st.on('end', () => {
        if (measuring) count++;
        one();
      });
      st.on('error', () => {
        if (measuring) errors++;
        one();
      });
      st.end();
    };
    for (let k = 0; k < streams; k++) one();
  }
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  measuring = false;
  const elapsed = performance.now() - t0;
  stop = true;
  for (const s of sessions) s.destroy();
  return { rps: (count * 1000) / elapsed, errors };
}

function genH2load(url, conns, streams, ms) {
  const r = spawnSync('h2load', ['-c', String(conns), '-m', String(streams), '-D', String(Math.max(1, Math.round(ms / 1000))), '--warm-up-time', `${WARMUP_MS}ms`, url], { encoding: 'utf8' });
  const m = /finished in [^,]+, ([\d.]+) req\/s/.exec(r.stdout);
  const e = /(\d+) failed, (\d+) errored/.exec(r.stdout);
  if (m === null) return { rps: 0, errors: -1, note: (r.stderr || r.stdout).split('\n')[0] };
  return { rps: Number(m[1]), errors: e === null ? 0 : Number(e[1]) + Number(e[2]) };
}

// ------------------------------------------------------------------ the target

function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => ok(port));
    });
  });
}

async function waitForPort(port) {
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((ok) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => (c.destroy(), ok(true)));
      c.once('error', () => ok(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('target did not start');
}

// The canned responder: answers every request HEADERS (END_STREAM) with the same prebuilt
// HEADERS + DATA frames, stream id patched in. Request header blocks are never decoded (our
// answers use no dynamic table, so HPACK state does not matter). The client's connection window
// is honoured: answers that do not fit wait for its WINDOW_UPDATE.
async function runResponder() {
  const { FrameReader, writeHeaders, writeData, writeSettings, writeSettingsAck, writePing, writeWindowUpdate, encodeStatelessBlock, SettingsList, SettingId } = await import('../dist/http2/index.js');
  const { ByteWriter } = await import('../dist/core/byte-writer.js');
  const BODY = Buffer.from('Hello, World!');
  const tw = new ByteWriter(128);
  const block = new ByteWriter(64);
  encodeStatelessBlock(block, [[':status', '200'], ['content-type', 'text/plain'], ['content-length', String(BODY.length)]]);
  writeHeaders(tw, 1, block.buf, 0, block.len, false);
  const dataAt = tw.len;
  writeData(tw, 1, BODY, 0, BODY.length, true);
  const TEMPLATE = tw.toBuffer();
  const ID_AT = [5, dataAt + 5];

  class Conn {
    constructor(sock) {
      this.sock = sock;
      this.out = new ByteWriter(1 << 16);
      this.reader = new FrameReader(this, { expectPreface: true });
      this.connWindow = 65535;
      this.initialWindow = 65535;
      this.waiting = [];
      this.recvUnacked = 0;
      writeSettings(this.out, SettingsList.of([[SettingId.MAX_CONCURRENT_STREAMS, 1000], [SettingId.INITIAL_WINDOW_SIZE, 1 << 20]]));
      writeWindowUpdate(this.out, 0, (1 << 24) - 65535);
      this.flush();
      sock.on('data', (chunk) => {
        try {
          this.reader.push(chunk);
        } catch {
          sock.destroy();
          return;
        }
        this.flush();
      });
      sock.on('error', () => {});
    }
    flush() {
      const w = this.out;
      if (w.len === 0) return;
      this.sock.write(Buffer.from(w.buf.subarray(0, w.len)));
      w.reset();
    }
    answer(sid) {
      if (this.connWindow < BODY.length) {
        this.waiting.push(sid);
        return;
      }
      this.connWindow -= BODY.length;
      const w = this.out;
      const at = w.len;
      w.bytes(TEMPLATE);
      for (const k of ID_AT) w.buf.writeUInt32BE(sid, at + k);
    }
    onHeaders(sid, endStream) {
      if (endStream) this.answer(sid);
    }
    onData(sid, endStream, _b, _s, _e, flowLength) {
      this.recvUnacked += flowLength;
      if (this.recvUnacked > 1 << 15) {
        writeWindowUpdate(this.out, 0, this.recvUnacked);
        this.recvUnacked = 0;
      }
      if (endStream) this.answer(sid);
    }
    onRstStream() {}
    onSettings() {
      writeSettingsAck(this.out);
    }
    onSettingsAck() {}
    onPing(ack, buf, start) {
      if (!ack) writePing(this.out, true, buf, start);
    }
    onGoAway() {}
    onWindowUpdate(sid, inc) {
      if (sid !== 0) return; // stream windows: 13 bytes per stream never exceed them
      this.connWindow += inc;
      while (this.waiting.length > 0 && this.connWindow >= BODY.length) this.answer(this.waiting.shift());
    }
    onStreamError() {}
  }

  const server = net.createServer((sock) => {
    sock.setNoDelay(true);
    new Conn(sock);
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
  process.on('SIGTERM', () => process.exit(0));
}

async function startCanned() {
  const [cmd, argv] = pinned(0, process.execPath, [SELF, '--responder']);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((ok, fail) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) ok(JSON.parse(buf.slice(0, nl)).port);
    });
    child.once('exit', (code) => fail(new Error(`canned responder exited with ${code}`)));
  });
  return { name: 'canned raw h2c responder (ours)', child, url: `http://127.0.0.1:${port}/` };
}

async function startServe() {
  const port = await freePort();
  const [cmd, argv] = pinned(0, process.execPath, [join(SELF, '../../bin/fastbench.js'), 'serve', '--port', String(port), '-q']);
  const child = spawn(cmd, argv, { stdio: 'ignore' });
  await waitForPort(port);
  return { name: 'fastbench serve (h2c)', child, url: `http://127.0.0.1:${port}/plaintext` };
}

async function startStatic(dir) {
  writeFileSync(join(dir, 'index.html'), 'Hello, World!');
  const port = await freePort();
  if (spawnSync('/usr/sbin/nghttpd', ['--version']).status === 0) {
    const [cmd, argv] = pinned(0, '/usr/sbin/nghttpd', ['-a', '127.0.0.1', '-d', dir, '--no-tls', String(port)]);
    const child = spawn(cmd, argv, { stdio: 'ignore' });
    await waitForPort(port);
    return { name: 'nghttpd (h2c)', child, url: `http://127.0.0.1:${port}/index.html` };
  }
  for (const bin of ['/usr/sbin/nginx', '/usr/bin/nginx']) {
    if (spawnSync(bin, ['-v']).status !== 0) continue;
    writeFileSync(join(dir, 'nginx.conf'), `worker_processes 1; daemon off; master_process off; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; http2_max_requests 1000000; client_body_temp_path ${dir}/b; proxy_temp_path ${dir}/p; fastcgi_temp_path ${dir}/f; uwsgi_temp_path ${dir}/u; scgi_temp_path ${dir}/s;
  server { listen 127.0.0.1:${port} http2; root ${dir}; } }`);
    const [cmd, argv] = pinned(0, bin, ['-p', dir, '-c', join(dir, 'nginx.conf')]);
    const child = spawn(cmd, argv, { stdio: 'ignore' });
    await waitForPort(port);
    return { name: 'nginx 1 worker (h2c)', child, url: `http://127.0.0.1:${port}/index.html` };
  }
  throw new Error('no h2c target: install nghttp2-server (nghttpd) or nginx');
}

// ------------------------------------------------------------------ main

async function startTarget(kind, dir) {
  if (kind === 'canned') return startCanned();
  if (kind === 'serve') return startServe();
  if (kind === 'static') return startStatic(dir);
  throw new Error(`unknown target ${kind}: canned, static or serve`);
}

/** One generator run, in its own process pinned to CPU 1. */
function runGenerator(name, url, conns, streams, ms) {
  if (name === 'h2load' && spawnSync('h2load', ['--version']).status !== 0) return { rps: 0, errors: -1, note: 'h2load not installed (nghttp2-client)' };
  const [cmd, argv] = pinned(1, process.execPath, [SELF, '--gen', name, '--url', url, '--connections', String(conns), '--streams', String(streams), '--ms', String(ms)]);
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: ms + 30_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    return { rps: 0, errors: -1, note: (r.stderr || 'no output').split('\n')[0] };
  }
}

const GOALS = { node: 4, h2load: 0.8 };

async function main() {
  if (args.includes('--responder')) return runResponder();
  if (args.includes('--gen')) {
    const name = arg('gen');
    const url = arg('url');
    const c = Number(arg('connections'));
    const s = Number(arg('streams'));
    const ms = Number(arg('ms'));
    const out = name === 'fastbench' ? await genFastbench(url, c, s, ms) : name === 'node' ? await genNode(url, c, s, ms) : genH2load(url, c, s, ms);
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }
  const ms = Number(arg('duration', '3')) * 1000;
  // --connections / --streams (one case) still work; --cases lists several.
  const cases = args.includes('--connections') || args.includes('--streams')
    ? [[Number(arg('connections', '50')), Number(arg('streams', '10'))]]
    : arg('cases', '50x10,1x100').split(',').map((c) => c.split('x').map(Number));
  const targets = arg('targets', 'canned,static').split(',');
  const only = arg('only', 'fastbench,node,h2load').split(',');
  console.log(`bench:h2 — ${cases.map(([c, s]) => `${c}×${s}`).join(', ')} (connections × streams), ${ms / 1000}s each after ${WARMUP_MS} ms warmup; ${hasTaskset ? 'target on CPU 0, generators on CPU 1' : 'UNPINNED (no taskset)'}; node ${process.version}`);
  const summary = [];
  for (const kind of targets) {
    const dir = mkdtempSync(join(tmpdir(), 'fastbench-bench-h2-'));
    let target;
    try {
      target = await startTarget(kind, dir);
    } catch (e) {
      console.log(`target ${kind}: not started (${e.message}), skipped`);
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    console.log(`\ntarget: ${target.name}  ${target.url}`);
    try {
      for (const [conns, streams] of cases) {
        const results = {};
        for (const name of only) {
          const x = (results[name] = runGenerator(name, target.url, conns, streams, ms));
          console.log(`  ${`${conns}×${streams}`.padEnd(7)} ${name.padEnd(10)} ${x.rps.toFixed(0).padStart(9)} req/s  errors ${x.errors}${x.note ? `  (${x.note})` : ''}`);
        }
        const f = results.fastbench?.rps;
        const row = { target: kind, case: `${conns}×${streams}`, fastbench: f ?? 0 };
        for (const peer of ['node', 'h2load']) {
          const p = results[peer]?.rps;
          if (f > 0 && p > 0) {
            row[peer] = f / p;
            console.log(`  ${`${conns}×${streams}`.padEnd(7)} fastbench / ${peer.padEnd(6)} ${(f / p).toFixed(2)}×  (goal ≥ ${GOALS[peer]}×: ${f / p >= GOALS[peer] ? 'met' : 'NOT met'})`);
          }
        }
        summary.push(row);
      }
    } finally {
      target.child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log('\nsummary (fastbench req/s; ratio vs node http2, vs h2load):');
  for (const r of summary) {
    const ratio = (k) => (r[k] === undefined ? '   -  ' : `${r[k].toFixed(2)}×`.padStart(6));
    console.log(`  ${r.target.padEnd(7)} ${r.case.padEnd(7)} ${r.fastbench.toFixed(0).padStart(9)}  ${ratio('node')}  ${ratio('h2load')}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
