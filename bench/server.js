#!/usr/bin/env node
// Server benchmark: the same plaintext response ("Hello, World!", text/plain) from our server
// (1 worker, the bundled app's /plaintext route), node:http and nginx (1 worker, when installed).
// Each server is pinned to CPU 0, wrk to CPU 1; plain keep-alive and pipelined (depth 10).
// Prints req/s, the server's own CPU seconds per 100k requests (utime+stime from /proc), and
// ratios against node:http and nginx. Run after `npm run build`.
//
// HTTP/2 (h2c, prior knowledge): h2load (1 thread, CPU 1) with -c 50 -m 10 and -c 1 -m 100
// against our server (same /plaintext route, h2c sniffed on the same port), a minimal node:http2
// server (stream API, same body) and nginx (1 worker, `listen ... http2`), servers on CPU 0.
//
//   node bench/server.js [--duration 2] [--rounds 3] [--connections 64] [--only ours,node,nginx,canned,h2] [--no-wrk]
//     --only takes HTTP/1.1 targets (ours, node, nginx, canned) and HTTP/2 ones: h2 (all three),
//     or h2:ours, h2:node, h2:nginx. `--only h2` runs the HTTP/2 cases alone.
//   node bench/server.js --serve ours|node|node-h2      (internal: run one target, print its port)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HELLO = 'Hello, World!';
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};


// ------------------------------------------------------------------ targets (child processes)

async function serve(kind) {
  if (kind === 'ours') {
    const { createServer } = await import('../dist/server/server.js');
    const server = createServer({ port: 0, quiet: true, readTimeout: 0, idleTimeout: 0 });
    const { port } = await server.listen();
    process.stdout.write(`${port}\n`);
  } else if (kind === 'node') {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': HELLO.length });
      res.end(HELLO);
    });
    server.keepAliveTimeout = 0;
    server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
  } else if (kind === 'node-h2') {
    // node:http2 at its cheapest: the core stream API (no compatibility req/res objects), h2c.
    const headers = { ':status': 200, 'content-type': 'text/plain', 'content-length': HELLO.length };
    const server = http2.createServer();
    server.on('stream', (stream) => {
      stream.respond(headers);
      stream.end(HELLO);
    });
    server.on('sessionError', () => {});
    server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
  } else if (kind === 'canned') {
    // The floor: no parsing, one prebuilt response per request-ending blank line.
    const response = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${HELLO.length}\r\n\r\n${HELLO}`);
    const server = net.createServer({ noDelay: true }, (socket) => {
      socket.on('data', (chunk) => {
        let n = 0;
        for (let i = chunk.indexOf('\r\n\r\n'); i >= 0; i = chunk.indexOf('\r\n\r\n', i + 4)) n++;
        socket.write(n === 1 ? response : Buffer.concat(Array(n).fill(response)));
      });
      socket.on('error', () => {});
    });
    server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
  } else {
    throw new Error(`unknown target ${kind}`);
  }
}

// ------------------------------------------------------------------ driver

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const pin = (cpu, cmd, cmdArgs) => (have('taskset') ? ['taskset', ['-c', String(cpu), cmd, ...cmdArgs]] : [cmd, cmdArgs]);

async function startNodeTarget(kind) {
  const [cmd, cmdArgs] = pin(0, process.execPath, [fileURLToPath(import.meta.url), '--serve', kind]);
  const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.on('exit', (code) => reject(new Error(`${kind} exited with ${code}`)));
  });
  return { pid: child.pid, port, path: '/plaintext', stop: () => child.kill('SIGKILL') };
}

async function startNginx(h2 = false) {
  const dir = mkdtempSync(join(tmpdir(), 'fastbench-nginx-'));
  const port = await freePort();
  const conf = `
worker_processes 1;
daemon off;
master_process off;
error_log ${dir}/error.log error;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  http2_max_concurrent_streams 128;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 65;
  server {
    listen 127.0.0.1:${port}${h2 ? ' http2' : ''};
    location / {
      default_type text/plain;
      return 200 '${HELLO}';
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const [cmd, cmdArgs] = pin(0, 'nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')]);
  const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    pid: child.pid,
    port,
    path: '/plaintext',
    stop: () => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // fields 14 and 15; CLK_TCK is 100 on Linux
}

const PIPELINE_LUA = `
init = function(args)
  local depth = tonumber(args[1]) or 1
  local r = {}
  for i = 1, depth do r[i] = wrk.format() end
  req = table.concat(r)
end
request = function() return req end
`;

function runWrk(url, seconds, connections, depth, luaPath) {
  const wrkArgs = ['-t1', `-c${connections}`, `-d${seconds}s`, url];
  if (depth > 1) wrkArgs.push('-s', luaPath, '--', String(depth));
  const [cmd, cmdArgs] = pin(1, 'wrk', wrkArgs);
  const r = spawnSync(cmd, cmdArgs, { encoding: 'utf8' });
  const m = /(\d+) requests in/.exec(r.stdout);
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(r.stdout);
  if (!m) throw new Error(`wrk failed: ${r.stdout} ${r.stderr}`);
  if (errors) console.error(`  wrk: ${errors[0]}`);
  return { requests: Number(m[1]) };
}

/** Fallback load generator: keep-alive connections, `depth` requests in flight on each. */
async function runNodeLoad(port, path, seconds, connections, depth) {
  const req = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`.repeat(depth));
  const marker = Buffer.from(HELLO);
  let done = 0;
  const end = Date.now() + seconds * 1000;
  const socks = [];
  await Promise.all(
    Array.from({ length: connections }, () => new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      socks.push(s);
      let got = 0;
      let tail = Buffer.alloc(0);
      s.on('connect', () => s.write(req));
      s.on('data', (d) => {
        const buf = tail.length ? Buffer.concat([tail, d]) : d;
        let i = 0;
        let at;
        while ((at = buf.indexOf(marker, i)) >= 0) {
          got++;
          i = at + marker.length;
        }
        tail = buf.subarray(Math.max(i, buf.length - marker.length));
        while (got >= depth) {
          got -= depth;
          done += depth;
          if (Date.now() < end) s.write(req);
          else {
            s.destroy();
            resolve();
            return;
          }
        }
      });
      s.on('error', () => resolve());
    })),
  );
  return { requests: done };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const fmt = (n) => Math.round(n).toLocaleString('en-US');

/**
 * One h2load run (1 thread, pinned to CPU 1) for `seconds` of measurement: requests done, req/s,
 * the protocol it negotiated and its failure counts.
 */
function runH2load(url, seconds, clients, streams) {
  const [cmd, cmdArgs] = pin(1, 'h2load', ['-t', '1', '-c', String(clients), '-m', String(streams), '-D', String(seconds), url]);
  const r = spawnSync(cmd, cmdArgs, { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  const out = r.stdout ?? '';
  const m = /finished in ([\d.]+)(m?s), ([\d.]+) req\/s/.exec(out);
  const q = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(out);
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  if (!m || !q) throw new Error(`h2load failed (exit ${r.status}): ${out.slice(-600)} ${r.stderr ?? ''}`);
  const protocol = /Application protocol: (\S+)/.exec(out)?.[1] ?? 'none';
  return {
    rps: Number(m[3]),
    requests: Number(q[3]),
    failed: Number(q[5]) + Number(q[6]) + Number(q[7]),
    non2xx: codes ? Number(codes[2]) + Number(codes[3]) + Number(codes[4]) : 0,
    protocol,
  };
}

const H2_MODES = [
  ['c50 m10', 50, 10],
  ['c1 m100', 1, 100],
];

/** The HTTP/2 cases: h2load against each h2c target, interleaved rounds, medians. */
async function benchH2(only, seconds, rounds) {
  const all = only.includes('h2');
  const want = (k) => all || only.includes(`h2:${k}`);
  const targets = [];
  if (want('ours')) targets.push(['fastbench', () => startNodeTarget('ours')]);
  if (want('node')) targets.push(['node:http2', () => startNodeTarget('node-h2')]);
  if (want('nginx')) {
    if (have('nginx')) targets.push(['nginx', () => startNginx(true)]);
    else console.error('nginx not installed: h2 nginx skipped');
  }
  if (targets.length === 0) return undefined;
  if (!have('h2load')) {
    console.error('h2load not found (Debian: apt-get install -y nghttp2-client): HTTP/2 cases skipped');
    return undefined;
  }
  if (!have('taskset')) console.error('taskset not found: running unpinned');
  console.log(
    `\nHTTP/2 server bench: h2load (1 thread) h2c prior knowledge, ${rounds} interleaved rounds of ${seconds}s per server and mode (medians); ` +
      'servers pinned to CPU 0, h2load to CPU 1. nginx: 1 worker, `listen ... http2`; node:http2: core stream API.',
  );
  const started = [];
  const results = {}; // name -> mode -> { rps, cpuPer100k }
  try {
    for (const [name, start] of targets) started.push([name, await start()]);
    for (const [mode, clients, streams] of H2_MODES) {
      const samples = new Map(started.map(([name]) => [name, []]));
      const url = (t) => `http://127.0.0.1:${t.port}${t.path}`;
      for (const [, t] of started) runH2load(url(t), 1, clients, streams); // warm up: JIT, connections
      for (let r = 0; r < rounds; r++) {
        for (const [name, t] of started) {
          const cpu0 = cpuSeconds(t.pid);
          const res = runH2load(url(t), seconds, clients, streams);
          const cpu = cpuSeconds(t.pid) - cpu0;
          if (res.protocol !== 'h2c') console.error(`  ${name}: h2load negotiated ${res.protocol}, not h2c`);
          if (res.failed || res.non2xx) console.error(`  ${name} ${mode}: ${res.failed} failed/errored/timed out, ${res.non2xx} non-2xx`);
          samples.get(name).push({ rps: res.rps, cpuPer100k: res.requests > 0 ? (cpu / res.requests) * 1e5 : NaN });
        }
      }
      for (const [name] of started) {
        const xs = samples.get(name);
        const rps = median(xs.map((x) => x.rps));
        const cpuPer100k = median(xs.map((x) => x.cpuPer100k));
        (results[name] ??= {})[mode] = { rps, cpuPer100k };
        const capacity = fmt(1e5 / cpuPer100k);
        console.log(`  ${name.padEnd(10)} ${mode.padEnd(8)} ${fmt(rps).padStart(10)} req/s   ${cpuPer100k.toFixed(3)} CPU s/100k req   (${capacity.padStart(9)} req per CPU-second)`);
      }
    }
  } finally {
    for (const [, t] of started) t.stop();
  }

  const ours = results['fastbench'];
  if (ours) {
    console.log('\nHTTP/2 ratios (fastbench / peer): req/s higher is better, CPU per request lower is better');
    for (const peer of ['node:http2', 'nginx']) {
      if (!results[peer]) continue;
      for (const [mode] of H2_MODES) {
        const a = ours[mode];
        const b = results[peer][mode];
        console.log(`  vs ${peer.padEnd(10)} ${mode.padEnd(8)} req/s ${(a.rps / b.rps).toFixed(2)}x   CPU/req ${(a.cpuPer100k / b.cpuPer100k).toFixed(2)}x`);
      }
    }
    for (const [peer, goal] of [['node:http2', 3], ['nginx', 1]]) {
      if (!results[peer]) continue;
      for (const [mode] of H2_MODES) {
        const x = ours[mode].rps / results[peer][mode].rps;
        const y = results[peer][mode].cpuPer100k / ours[mode].cpuPer100k;
        const label = `goal: h2 ${mode} req/s >= ${goal}x ${peer}:`;
        console.log(`${label.padEnd(36)} ${x.toFixed(2)}x ${x >= goal ? 'MET' : 'NOT MET'}   (per CPU-second: ${y.toFixed(2)}x)`);
      }
    }
  }
  return results;
}

async function main() {
  const seconds = Number(arg('duration', '2'));
  const rounds = Number(arg('rounds', '3'));
  const connections = Number(arg('connections', '64'));
  const only = arg('only', 'ours,node,nginx,canned,h2').split(',');
  const h1 = only.some((k) => ['ours', 'node', 'nginx', 'canned'].includes(k));
  const results = h1 ? await benchH1(only, seconds, rounds, connections) : undefined;
  const h2 = only.some((k) => k === 'h2' || k.startsWith('h2:')) ? await benchH2(only, seconds, rounds) : undefined;
  console.log('\n' + JSON.stringify({ bench: 'server', seconds, rounds, connections, tool: results?.tool, results: results?.results, h2 }));
}

/** The HTTP/1.1 cases: wrk (or the built-in generator) against each target, plain and pipelined. */
async function benchH1(only, seconds, rounds, connections) {
  const useWrk = have('wrk') && !args.includes('--no-wrk');
  if (!useWrk) {
    const why = have('wrk') ? 'wrk disabled (--no-wrk)' : 'wrk not found (Debian: apt-get install -y wrk)';
    console.error(`${why}: using the built-in Node load generator; numbers are rough and not comparable to wrk runs`);
    if (have('taskset')) spawnSync('taskset', ['-p', '-c', '1', String(process.pid)]);
  }
  if (!have('taskset')) console.error('taskset not found: running unpinned');
  const dir = mkdtempSync(join(tmpdir(), 'fastbench-bench-'));
  const lua = join(dir, 'pipeline.lua');
  writeFileSync(lua, PIPELINE_LUA);

  const targets = [];
  if (only.includes('ours')) targets.push(['fastbench', () => startNodeTarget('ours')]);
  if (only.includes('node')) targets.push(['node:http', () => startNodeTarget('node')]);
  if (only.includes('nginx')) {
    if (have('nginx')) targets.push(['nginx', startNginx]);
    else console.error('nginx not installed: skipped');
  }
  if (only.includes('canned')) targets.push(['canned', () => startNodeTarget('canned')]);

  console.log(
    `server bench: ${useWrk ? 'wrk' : 'node load generator'}, ${connections} connections, ${rounds} interleaved rounds of ${seconds}s per server and mode (medians); ` +
      'servers pinned to CPU 0, load to CPU 1. "canned" = a raw socket answering without parsing (the floor).',
  );
  const started = [];
  const results = {}; // name -> mode -> { rps, cpuPer100k }
  try {
    for (const [name, start] of targets) started.push([name, await start()]);
    for (const [mode, depth] of [['plain', 1], ['pipelined x10', 10]]) {
      const samples = new Map(started.map(([name]) => [name, []]));
      const load = (t, secs) =>
        useWrk ? runWrk(`http://127.0.0.1:${t.port}${t.path}`, secs, connections, depth, lua) : runNodeLoad(t.port, t.path, secs, connections, depth);
      for (const [, t] of started) await load(t, 1); // warm up: JIT, connections
      for (let r = 0; r < rounds; r++) {
        for (const [name, t] of started) {
          const cpu0 = cpuSeconds(t.pid);
          const t0 = process.hrtime.bigint();
          const res = await load(t, seconds);
          const wall = Number(process.hrtime.bigint() - t0) / 1e9;
          const cpu = cpuSeconds(t.pid) - cpu0;
          samples.get(name).push({ rps: res.requests / (useWrk ? seconds : wall), cpuPer100k: (cpu / res.requests) * 1e5 });
        }
      }
      for (const [name] of started) {
        const xs = samples.get(name);
        const rps = median(xs.map((x) => x.rps));
        const cpuPer100k = median(xs.map((x) => x.cpuPer100k));
        (results[name] ??= {})[mode] = { rps, cpuPer100k };
        const capacity = Math.round(1e5 / cpuPer100k).toLocaleString('en-US');
        console.log(`  ${name.padEnd(10)} ${mode.padEnd(14)} ${Math.round(rps).toLocaleString('en-US').padStart(10)} req/s   ${cpuPer100k.toFixed(3)} CPU s/100k req   (${capacity.padStart(9)} req per CPU-second)`);
      }
    }
  } finally {
    for (const [, t] of started) t.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const ours = results['fastbench'];
  console.log('\nratios (fastbench / peer): req/s higher is better, CPU per request lower is better');
  for (const peer of ['node:http', 'nginx', 'canned']) {
    if (!ours || !results[peer]) continue;
    for (const mode of Object.keys(ours)) {
      const a = ours[mode];
      const b = results[peer][mode];
      console.log(`  vs ${peer.padEnd(9)} ${mode.padEnd(14)} req/s ${(a.rps / b.rps).toFixed(2)}x   CPU/req ${(a.cpuPer100k / b.cpuPer100k).toFixed(2)}x`);
    }
  }
  if (ours && results['node:http']) {
    const cpuRatio = ours['plain'].cpuPer100k / results['node:http']['plain'].cpuPer100k;
    const pipeRatio = ours['pipelined x10'].rps / results['node:http']['pipelined x10'].rps;
    console.log(`\ngoal: CPU per request <= 0.65x node:http: ${cpuRatio.toFixed(2)}x ${cpuRatio <= 0.65 ? 'MET' : 'NOT MET'}`);
    console.log(`goal: pipelined req/s >= 6x node:http:     ${pipeRatio.toFixed(2)}x ${pipeRatio >= 6 ? 'MET' : 'NOT MET'}`);
    const capRatio = results['node:http']['pipelined x10'].cpuPer100k / ours['pipelined x10'].cpuPer100k;
    console.log(`  (pipelined, per CPU-second: ${capRatio.toFixed(1)}x node:http; when the server is not saturated, req/s is bounded by the load generator)`);
  }
  return { tool: useWrk ? 'wrk' : 'node', results };
}


if (arg('serve') !== undefined) {
  await serve(arg('serve'));
} else {
  await main();
}
