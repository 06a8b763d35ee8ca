#!/usr/bin/env node
// Client benchmark: closed loops of N connections against a canned raw-socket responder (one
// fixed 52-byte response per request head it sees), the responder pinned to CPU 0 and every
// generator in its own process pinned to CPU 1. Compares in the same run: our HostClient and
// PipelineClient, undici's Pool (plain and pipelined), autocannon (plain and -p), wrk when
// installed, and a bare-minimum node:net client (a Node reference: one prebuilt request, bytes
// counted, nothing parsed). Prints req/s, user and system CPU-µs per request of each generator
// and the ratios vs autocannon and undici. Run after `npm run build`.
//
//   node bench/client.js [--duration 3] [--connections 50] [--depth 10] [--only host,pipeline,...]
//   node bench/client.js --responder                 (internal: serve, print the port)
//   node bench/client.js --gen NAME --port P ...     (internal: one generator, print JSON)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!');
const REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
const WARMUP_MS = 1000;

// ------------------------------------------------------------------ the responder

function responder() {
  const batches = [Buffer.alloc(0)];
  for (let n = 1; n <= 64; n++) batches.push(Buffer.concat(Array(n).fill(RESPONSE)));
  const server = net.createServer({ noDelay: true }, (socket) => {
    // Bytes of a possible "\r\n\r\n" cut by the previous chunk's end (0-3 matched).
    let carry = 0;
    socket.on('data', (chunk) => {
      let n = 0;
      let i = 0;
      if (carry > 0) {
        // Finish a terminator split across reads.
        const want = '\r\n\r\n';
        let k = carry;
        while (k < 4 && i < chunk.length && chunk[i] === want.charCodeAt(k)) {
          k++;
          i++;
        }
        if (k === 4) n++;
        else i = 0;
        carry = 0;
      }
      for (let e = chunk.indexOf('\r\n\r\n', i); e >= 0; e = chunk.indexOf('\r\n\r\n', e + 4)) {
        n++;
        i = e + 4;
      }
      const len = chunk.length;
      if (len >= 1 && chunk[len - 1] === 0x0d) carry = len >= 3 && chunk[len - 2] === 0x0a && chunk[len - 3] === 0x0d ? 3 : 1;
      else if (len >= 2 && chunk[len - 1] === 0x0a && chunk[len - 2] === 0x0d) carry = 2;
      if (n > 0) socket.write(n <= 64 ? batches[n] : Buffer.concat(Array(n).fill(RESPONSE)));
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
}

// ------------------------------------------------------------------ generators (one per process)

/** Runs `start(onDone)` for warmup + duration; counts via the returned counter; prints JSON. */
function measure(name, durationMs, getCount, getErrors) {
  setTimeout(() => {
    const c0 = getCount();
    const u0 = process.cpuUsage();
    const t0 = performance.now();
    setTimeout(() => {
      const requests = getCount() - c0;
      const cpu = process.cpuUsage(u0);
      const seconds = (performance.now() - t0) / 1000;
      process.stdout.write(`${JSON.stringify({ name, requests, seconds, user: cpu.user, system: cpu.system, errors: getErrors() })}\n`);
      process.exit(0);
    }, durationMs);
  }, WARMUP_MS);
}

async function generator(name, port, conns, depth, durationMs) {
  const origin = `http://127.0.0.1:${port}`;
  let count = 0;
  let errors = 0;
  if (name === 'host' || name === 'pipeline') {
    const { HostClient, PipelineClient, Request, Response } = await import('../dist/client/index.js');
    const piped = name === 'pipeline';
    const client = piped
      ? new PipelineClient({ addr: `127.0.0.1:${port}`, maxConns: conns, maxPendingRequests: depth })
      : new HostClient({ addr: `127.0.0.1:${port}`, maxConns: conns });
    const req = new Request({ url: '/' });
    const ctx = {
      onResponse(rq, res, err) {
        if (err !== null) errors++;
        else count++;
        client.dispatch(rq, res, ctx);
      },
    };
    for (let i = 0; i < conns * (piped ? depth : 1); i++) {
      const res = new Response();
      res.discardBody = true;
      client.dispatch(req, res, ctx);
    }
  } else if (name === 'undici' || name === 'undici-p') {
    const { Pool } = await import('undici');
    const pool = new Pool(origin, { connections: conns, pipelining: name === 'undici-p' ? depth : 1 });
    const opts = { path: '/', method: 'GET' };
    // undici 7's handler API; one long-lived handler object, as with our ctx.
    const handler = {
      onRequestStart() {},
      onResponseStart() {},
      onResponseData() {},
      onResponseEnd() {
        count++;
        pool.dispatch(opts, handler);
      },
      onResponseError() {
        errors++;
        setImmediate(() => pool.dispatch(opts, handler));
      },
    };
    for (let i = 0; i < conns * (name === 'undici-p' ? depth : 1); i++) pool.dispatch(opts, handler);
  } else if (name === 'bare' || name === 'bare-p') {
    const d = name === 'bare-p' ? depth : 1;
    const batch = Buffer.concat(Array(d).fill(REQUEST));
    for (let i = 0; i < conns; i++) {
      const s = net.connect(port, '127.0.0.1');
      s.setNoDelay(true);
      let got = 0;
      s.on('connect', () => s.write(batch));
      s.on('data', (b) => {
        got += b.length;
        const n = Math.floor(got / RESPONSE.length);
        got -= n * RESPONSE.length;
        count += n;
        if (n > 0) s.write(n === d ? batch : Buffer.concat(Array(n).fill(REQUEST)));
      });
    }
  } else if (name === 'autocannon' || name === 'autocannon-p') {
    const { default: autocannon } = await import('autocannon');
    // autocannon counts per second ('tick'); measure from the first tick (1 s warmup) on.
    let ticks = 0;
    let u0;
    let t0;
    let counted = 0;
    const total = Math.round(durationMs / 1000);
    const inst = autocannon({ url: origin, connections: conns, pipelining: name === 'autocannon-p' ? depth : 1, duration: total + 2 });
    autocannon.track(inst, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false, outputStream: { write() {} } });
    inst.on('tick', ({ counter }) => {
      ticks++;
      if (ticks === 1) {
        u0 = process.cpuUsage();
        t0 = performance.now();
        return;
      }
      counted += counter;
      if (ticks === total + 1) {
        const cpu = process.cpuUsage(u0);
        const seconds = (performance.now() - t0) / 1000;
        process.stdout.write(`${JSON.stringify({ name, requests: counted, seconds, user: cpu.user, system: cpu.system, errors: 0 })}\n`);
        process.exit(0);
      }
    });
    return;
  } else {
    throw new Error(`unknown generator ${name}`);
  }
  measure(name, durationMs, () => count, () => errors);
}

// ------------------------------------------------------------------ driver

function have(cmd, versionArg = '--version') {
  return spawnSync(cmd, [versionArg], { stdio: 'ignore' }).error === undefined;
}

const PINNED = have('taskset');

function pinned(cpu, cmd, argv) {
  return PINNED ? ['taskset', ['-c', String(cpu), cmd, ...argv]] : [cmd, argv];
}

function startResponder() {
  return new Promise((resolve, reject) => {
    const [cmd, argv] = pinned(0, process.execPath, [SELF, '--responder']);
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.once('data', (d) => resolve({ child, port: Number(String(d).trim()) }));
    child.once('error', reject);
  });
}

function runGenerator(name, port, conns, depth, seconds) {
  const [cmd, argv] = pinned(1, process.execPath, [SELF, '--gen', name, '--port', String(port), '--connections', String(conns), '--depth', String(depth), '--duration', String(seconds)]);
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: (seconds + 15) * 1000 });
  const line = (r.stdout ?? '').trim().split('\n').pop();
  try {
    return JSON.parse(line);
  } catch {
    return { name, failed: (r.stderr || r.error?.message || 'no output').trim().split('\n').slice(-3).join(' | ') };
  }
}

/** wrk under /usr/bin/time for its CPU; pipelined through a Lua script. */
function runWrk(name, port, conns, depth, seconds, tmp) {
  const argv = ['-t1', `-c${conns}`, `-d${seconds}s`];
  if (name === 'wrk-p') {
    const script = join(tmp, 'pipeline.lua');
    writeFileSync(script, `init = function(args)\n  local r = {}\n  for i = 1, ${depth} do r[i] = wrk.format() end\n  req = table.concat(r)\nend\nrequest = function() return req end\n`);
    argv.push('-s', script);
  }
  argv.push(`http://127.0.0.1:${port}/`);
  const [cmd, cargv] = pinned(1, '/usr/bin/time', ['-f', 'CPU %U %S', 'wrk', ...argv]);
  const r = spawnSync(cmd, cargv, { encoding: 'utf8', timeout: (seconds + 15) * 1000 });
  const reqs = /(\d+) requests in ([\d.]+)s/.exec(r.stdout ?? '');
  const cpu = /CPU ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  if (reqs === null || cpu === null) return { name, failed: (r.stderr || 'no output').trim().split('\n').slice(-2).join(' | ') };
  // wrk's CPU includes its connect phase; its count covers the whole run.
  return { name, requests: Number(reqs[1]), seconds: Number(reqs[2]), user: Number(cpu[1]) * 1e6, system: Number(cpu[2]) * 1e6, errors: 0 };
}

async function main() {
  const seconds = Number(arg('duration', '3'));
  const conns = Number(arg('connections', '50'));
  const depth = Number(arg('depth', '10'));
  const all = ['host', 'undici', 'autocannon', 'bare', 'wrk', 'pipeline', 'undici-p', 'autocannon-p', 'bare-p', 'wrk-p'];
  const only = arg('only', all.join(',')).split(',');
  const hasWrk = have('wrk', '-v') && have('/usr/bin/time', '--version');
  console.error(`client bench: ${conns} connections, depth ${depth} when pipelined, ${seconds}s each (+1s warmup); ${PINNED ? 'responder on CPU 0, generators on CPU 1' : 'taskset not found: UNPINNED'}; node ${process.version}`);
  const { child, port } = await startResponder();
  const tmp = mkdtempSync(join(tmpdir(), 'fastbench-bench-'));
  const results = [];
  try {
    for (const name of all.filter((n) => only.includes(n))) {
      if (name.startsWith('wrk') && !hasWrk) {
        console.error(`${name}: skipped (wrk or /usr/bin/time not installed)`);
        continue;
      }
      const r = name.startsWith('wrk') ? runWrk(name, port, conns, depth, seconds, tmp) : runGenerator(name, port, conns, depth, seconds);
      results.push(r);
      console.error(r.failed ? `${name}: FAILED ${r.failed}` : `${name}: ${fmt(r.requests / r.seconds)} req/s`);
    }
  } finally {
    child.kill();
    rmSync(tmp, { recursive: true, force: true });
  }
  report(results, conns, depth);
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

const LABEL = {
  host: 'fastbench HostClient',
  pipeline: 'fastbench PipelineClient',
  undici: 'undici Pool dispatch',
  'undici-p': 'undici Pool dispatch',
  autocannon: 'autocannon',
  'autocannon-p': 'autocannon -p',
  bare: "bare node:net ('data' events)",
  'bare-p': "bare node:net ('data' events)",
  wrk: 'wrk',
  'wrk-p': 'wrk (lua pipeline)',
};

function report(results, conns, depth) {
  const ok = results.filter((r) => !r.failed);
  const by = Object.fromEntries(ok.map((r) => [r.name, r]));
  const rps = (r) => r.requests / r.seconds;
  const rows = [];
  for (const r of ok) {
    const piped = r.name.endsWith('-p') || r.name === 'pipeline';
    const ac = by[piped ? 'autocannon-p' : 'autocannon'];
    const un = by[piped ? 'undici-p' : 'undici'];
    rows.push([
      `${LABEL[r.name]}${piped ? ` (depth ${depth})` : ''}`,
      fmt(rps(r)),
      (r.user / r.requests).toFixed(2),
      (r.system / r.requests).toFixed(2),
      ac ? `${(rps(r) / rps(ac)).toFixed(2)}x` : '-',
      un ? `${(rps(r) / rps(un)).toFixed(2)}x` : '-',
      r.errors ? String(r.errors) : '',
    ]);
  }
  const head = ['generator', 'req/s', 'user µs/req', 'sys µs/req', 'vs autocannon', 'vs undici', 'errors'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`\nclosed loop, ${conns} connections, canned responder (52-byte response), one CPU each`);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  for (const r of results.filter((x) => x.failed)) console.log(`${r.name}: failed: ${r.failed}`);
}

if (args.includes('--responder')) responder();
else if (args.includes('--gen')) {
  await generator(arg('gen'), Number(arg('port')), Number(arg('connections', '50')), Number(arg('depth', '10')), Number(arg('duration', '3')) * 1000);
} else await main();
