#!/usr/bin/env node
// HTTP/2 client benchmark: closed loops of C connections × S concurrent streams against one h2c
// target (nghttpd serving a small static file, else nginx with 1 worker), the target pinned to
// CPU 0 and each generator, in its own process, pinned to CPU 1. Compares in the same run:
// fastbench's PipelineClient with protocol h2, Node's http2 client (nghttp2 underneath) and
// h2load. Prints req/s of each and the ratios. Run after `npm run build`.
//
//   node bench/h2.js [--duration 3] [--connections 50] [--streams 10] [--only fastbench,node,h2load]
//   node bench/h2.js --gen NAME --url U ...     (internal: one generator, prints JSON)
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

async function startTarget(dir) {
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

async function main() {
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
  const conns = Number(arg('connections', '50'));
  const streams = Number(arg('streams', '10'));
  const only = (arg('only', 'fastbench,node,h2load')).split(',');
  const dir = mkdtempSync(join(tmpdir(), 'fastbench-bench-h2-'));
  const target = await startTarget(dir);
  console.log(`target: ${target.name}; ${conns} connections × ${streams} streams, ${ms / 1000}s each${hasTaskset ? ', target on CPU 0, generators on CPU 1' : ' (unpinned: no taskset)'}`);
  const results = {};
  try {
    for (const name of only) {
      if (name === 'h2load' && spawnSync('h2load', ['--version']).status !== 0) {
        console.log('h2load: not installed (nghttp2-client), skipped');
        continue;
      }
      const [cmd, argv] = pinned(1, process.execPath, [SELF, '--gen', name, '--url', target.url, '--connections', String(conns), '--streams', String(streams), '--ms', String(ms)]);
      const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: ms + 30_000 });
      const line = r.stdout.trim().split('\n').pop() ?? '';
      try {
        results[name] = JSON.parse(line);
      } catch {
        results[name] = { rps: 0, errors: -1, note: r.stderr.split('\n')[0] };
      }
      const x = results[name];
      console.log(`${name.padEnd(10)} ${x.rps.toFixed(0).padStart(9)} req/s  errors ${x.errors}${x.note ? `  (${x.note})` : ''}`);
    }
  } finally {
    target.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  const f = results.fastbench?.rps;
  if (f > 0) {
    if (results.node?.rps > 0) console.log(`fastbench / node http2: ${(f / results.node.rps).toFixed(2)}×`);
    if (results.h2load?.rps > 0) console.log(`fastbench / h2load:     ${(f / results.h2load.rps).toFixed(2)}×`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
