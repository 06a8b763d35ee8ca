#!/usr/bin/env node
// `npm run bench:run`: `fastbench bench` vs autocannon vs wrk (when installed) against the same
// target in one run, pinned as in the client bench: the target on CPU 0, each generator (one
// worker/thread) in its own process on CPU 1 (taskset; unpinned with a warning when missing).
// Closed model, plain and pipelined, full HDR recording on in fastbench. Prints req/s, fastbench's
// CPU-µs per request, and the ratios vs autocannon. Run after `npm run build`.
//   --target canned   (default) bench/client.js's canned raw-socket responder: far cheaper than
//                     any generator, so the generators' own ceilings are what is compared
//   --target builtin  `fastbench serve` (the bundled server): a realistic target, often the
//                     bottleneck itself on few cores
//
// Then the scaling check: fastbench with `workers: 2` (generator on CPUs 0,1, sharing CPU 0 with the
// target) against `workers: 1` (CPU 1), and wrk -t2 against -t1 the same way, so a second
// generator thread is judged next to what a second wrk thread gains on the same machine
// (`--no-scaling` skips it).
//
// `--hooks` (issue 16) adds a "fastbench+hooks" row per mode: the same run with a hooks module
// (bench/hooks-noop.mjs) that defines nothing for the benched request, and prints its ratio to
// plain fastbench (expected: within noise, since an unhooked request keeps its prepared bytes).
//
//   node bench/run.js [--target canned] [--duration 5] [--connections 50] [--depth 10] [--rounds 1] [--only fastbench,autocannon,wrk] [--no-scaling] [--hooks]
//   node bench/run.js --live-cost [--rounds 3] ...     (issue 17: fastbench with --dashboard, --prometheus
//                     and a scraper reading /metrics every second, against fastbench without them:
//                     CPU-µs per request of the generator, on and off, and the difference in %)
//   node bench/run.js --serve                          (internal: the target, prints its URL)
//   node bench/run.js --gen fastbench --url U ...      (internal: one fastbench run, prints JSON)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
const hasWrk = spawnSync('wrk', ['--version']).error === undefined;

function pinned(cpu, cmd, cmdArgs) {
  return hasTaskset ? ['taskset', ['-c', String(cpu), cmd, ...cmdArgs]] : [cmd, cmdArgs];
}

function run(cpu, cmd, cmdArgs) {
  const [c, a] = pinned(cpu, cmd, cmdArgs);
  const r = spawnSync(c, a, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} ${cmdArgs.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

// ------------------------------------------------------------------ internal modes

if (args.includes('--serve')) {
  const { createServer } = await import(join(ROOT, 'dist/server/server.js'));
  const server = createServer({ port: 0, quiet: true });
  const info = await server.listen();
  process.stdout.write(info.url + '\n');
  process.on('SIGTERM', () => server.close(100).then(() => process.exit(0)));
} else if (arg('gen') === 'fastbench') {
  const { benchScenario } = await import(join(ROOT, 'dist/cli/bench-command.js'));
  const { runScenario } = await import(join(ROOT, 'dist/engine/index.js'));
  const flags = {
    connections: arg('connections'),
    duration: `${arg('duration')}s`,
    pipelining: arg('depth'),
    method: 'GET',
    header: [],
    timeout: '10s',
    workers: arg('workers', '1'),
    warmup: '1s',
  };
  const scenario = benchScenario(arg('url'), flags);
  // --live: the live outputs as the CLI runs them (same process: their cost lands in the CPU figure)
  let live;
  let scraper;
  if (args.includes('--live')) {
    const { LiveOutputs } = await import(join(ROOT, 'dist/cli/live-outputs.js'));
    live = await LiveOutputs.start({ dashboard: '127.0.0.1:0', prometheus: '127.0.0.1:0', prometheusHold: '0' }, { name: scenario.name, phases: scenario.phases, intervalMs: 1000, print: () => {} });
    // the scraper is another process (as Prometheus is): curl once a second, on the target's CPU
    const [c, a] = pinned(0, 'sh', ['-c', `while :; do curl -s -o /dev/null '${live.urls.prometheus}'; sleep 1; done`]);
    const child = spawn(c, a, { stdio: 'ignore', detached: true });
    scraper = { stop: () => { try { process.kill(-child.pid, 'SIGKILL'); } catch {} } };
  }
  const hooks = arg('hooks-file');
  const r = await runScenario(hooks !== undefined ? { ...scenario, hooks } : scenario, live !== undefined ? { onLive: (i) => live.onLive(i) } : {});
  if (live !== undefined) {
    scraper.stop();
    await live.close();
  }
  // CPU over the run (a rate: CPU-seconds per second) × the measured window = CPU spent measuring.
  const cpuUs = r.generator.cpu * r.durationMs * 1000;
  process.stdout.write(
    JSON.stringify({ rps: r.summary.rps, requests: r.summary.requests, errors: r.summary.errors, cpuUs, p99: r.summary.latencyMs.p99, valid: r.valid }) + '\n',
  );
} else {
  await main();
}

// ------------------------------------------------------------------ the comparison

async function startTarget(kind) {
  const canned = kind === 'canned';
  const [c, a] = pinned(0, process.execPath, canned ? [join(ROOT, 'bench/client.js'), '--responder'] : [SELF, '--serve']);
  const child = spawn(c, a, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = canned ? /^(\d+)\n/.exec(out) : /(http:\/\/\S+)\n/.exec(out);
      if (m) resolve(canned ? `http://127.0.0.1:${m[1]}` : m[1]);
    });
    child.on('exit', (code) => reject(new Error(`target exited (${code})`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

function fastbench(url, c, depth, d, workers = 1, cpu = 1, hooks = false) {
  const extra = hooks ? ['--hooks-file', join(ROOT, 'bench/hooks-noop.mjs')] : [];
  const out = run(cpu, process.execPath, [SELF, '--gen', 'fastbench', '--url', url, '--connections', String(c), '--depth', String(depth), '--duration', String(d), '--workers', String(workers), ...extra]);
  const j = JSON.parse(out.trim().split('\n').pop());
  return { rps: j.rps, cpuUsPerReq: j.cpuUs / Math.max(1, j.requests), errors: j.errors, note: j.valid ? '' : 'INVALID' };
}

function autocannon(url, c, depth, d) {
  const bin = join(ROOT, 'node_modules/autocannon/autocannon.js');
  // autocannon has no warmup of its own: a 1 s run first.
  run(1, process.execPath, [bin, '-c', String(c), '-p', String(depth), '-d', '1', '-j', url]);
  const j = JSON.parse(run(1, process.execPath, [bin, '-c', String(c), '-p', String(depth), '-d', String(d), '-j', url]));
  return { rps: j.requests.total / j.duration, cpuUsPerReq: undefined, errors: j.errors + j.non2xx, note: '' };
}

function wrk(url, c, depth, d, dir, threads = 1, cpu = 1) {
  const wrkArgs = [`-t${threads}`, `-c${c}`, `-d${d}s`];
  if (depth > 1) {
    // wrk pipelines with a script that returns `depth` requests glued together.
    const u = new URL(url);
    const lua = join(dir, 'pipeline.lua');
    writeFileSync(
      lua,
      `local r = "GET ${u.pathname} HTTP/1.1\\r\\nHost: ${u.host}\\r\\n\\r\\n"\nlocal all = string.rep(r, ${depth})\nrequest = function() return all end\n`,
    );
    wrkArgs.push('-s', lua);
  }
  run(cpu, 'wrk', [`-t${threads}`, `-c${c}`, '-d1s', url]);
  const out = run(cpu, 'wrk', [...wrkArgs, url]);
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
  return { rps: m ? Number(m[1]) : NaN, cpuUsPerReq: undefined, errors: /Non-2xx|Socket errors/.test(out) ? 'some' : 0, note: '' };
}

function liveCost(url, c, depth, d, live) {
  const out = run(1, process.execPath, [SELF, '--gen', 'fastbench', '--url', url, '--connections', String(c), '--depth', String(depth), '--duration', String(d), ...(live ? ['--live'] : [])]);
  const j = JSON.parse(out.trim().split('\n').pop());
  return { rps: j.rps, cpuUsPerReq: j.cpuUs / Math.max(1, j.requests) };
}

/** --live-cost: the generator's CPU per request with the live outputs on and off, alternating. */
async function mainLiveCost() {
  const d = Number(arg('duration', '5'));
  const c = Number(arg('connections', '50'));
  const depth = Number(arg('depth', '10'));
  const rounds = Number(arg('rounds', '3'));
  const target = await startTarget(arg('target', 'canned'));
  const rows = [];
  try {
    for (const [mode, p] of [['plain', 1], [`pipelined x${depth}`, depth]]) {
      const off = [];
      const on = [];
      for (let round = 0; round < rounds; round++) {
        off.push(liveCost(`${target.url}/plaintext`, c, p, d, false));
        on.push(liveCost(`${target.url}/plaintext`, c, p, d, true));
      }
      const median = (xs) => xs.map((x) => x.cpuUsPerReq).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      rows.push({ mode, off: median(off), on: median(on), rpsOff: Math.max(...off.map((x) => x.rps)), rpsOn: Math.max(...on.map((x) => x.rps)) });
    }
  } finally {
    target.stop();
  }
  console.log(`live outputs (--dashboard + --prometheus, /metrics scraped every 1 s) on vs off; 1 worker, ${c} connections, ${d} s, median of ${rounds}`);
  console.log(['mode'.padEnd(16), 'CPU-µs/req off'.padStart(15), 'on'.padStart(8), 'cost'.padStart(8), 'req/s off'.padStart(10), 'on'.padStart(10)].join(' '));
  for (const r of rows) {
    const cost = ((r.on / r.off - 1) * 100).toFixed(1) + ' %';
    console.log([r.mode.padEnd(16), r.off.toFixed(2).padStart(15), r.on.toFixed(2).padStart(8), cost.padStart(8), Math.round(r.rpsOff).toString().padStart(10), Math.round(r.rpsOn).toString().padStart(10)].join(' '));
  }
}

async function main() {
  if (args.includes('--live-cost')) return mainLiveCost();
  const d = Number(arg('duration', '5'));
  const c = Number(arg('connections', '50'));
  const depth = Number(arg('depth', '10'));
  const rounds = Number(arg('rounds', '1'));
  const only = (arg('only', 'fastbench,autocannon,wrk')).split(',');
  if (!hasTaskset) console.error('taskset not found: running unpinned (numbers are less comparable)');
  if (!hasWrk && only.includes('wrk')) console.error('wrk not installed: skipping it');
  const dir = mkdtempSync(join(tmpdir(), 'fastbench-bench-'));
  const kind = arg('target', 'canned');
  const target = await startTarget(kind);
  const rows = [];
  const scaling = [];
  try {
    for (const [mode, p] of [['plain', 1], [`pipelined x${depth}`, depth]]) {
      for (let round = 0; round < rounds; round++) {
        if (only.includes('fastbench')) rows.push({ mode, tool: 'fastbench', ...fastbench(`${target.url}/plaintext`, c, p, d) });
        if (only.includes('fastbench') && args.includes('--hooks')) rows.push({ mode, tool: 'fb+hooks', ...fastbench(`${target.url}/plaintext`, c, p, d, 1, 1, true) });
        if (only.includes('autocannon')) rows.push({ mode, tool: 'autocannon', ...autocannon(`${target.url}/plaintext`, c, p, d) });
        if (only.includes('wrk') && hasWrk) rows.push({ mode, tool: 'wrk', ...wrk(`${target.url}/plaintext`, c, p, d, dir) });
      }
    }
    if (!args.includes('--no-scaling')) {
      const url = `${target.url}/plaintext`;
      for (const [mode, p] of [['plain', 1], [`pipelined x${depth}`, depth]]) {
        for (let round = 0; round < rounds; round++) {
          if (only.includes('fastbench')) {
            scaling.push({ mode, tool: 'fastbench', n: 1, rps: fastbench(url, c, p, d, 1, 1).rps });
            scaling.push({ mode, tool: 'fastbench', n: 2, rps: fastbench(url, c, p, d, 2, '0,1').rps });
          }
          if (only.includes('wrk') && hasWrk) {
            scaling.push({ mode, tool: 'wrk', n: 1, rps: wrk(url, c, p, d, dir, 1, 1).rps });
            scaling.push({ mode, tool: 'wrk', n: 2, rps: wrk(url, c, p, d, dir, 2, '0,1').rps });
          }
        }
      }
    }
  } finally {
    target.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`target: ${kind === 'canned' ? 'canned responder' : 'fastbench serve'} (CPU 0); generators: 1 worker each (CPU 1); ${c} connections, ${d} s, best of ${rounds}`);
  console.log(['mode'.padEnd(16), 'tool'.padEnd(11), 'req/s'.padStart(10), 'CPU-µs/req'.padStart(11), 'vs autocannon'.padStart(14), 'errors'.padStart(7)].join(' '));
  const best = new Map();
  for (const r of rows) {
    const k = `${r.mode}|${r.tool}`;
    if (!best.has(k) || best.get(k).rps < r.rps) best.set(k, r);
  }
  for (const r of best.values()) {
    const ac = best.get(`${r.mode}|autocannon`);
    const ratio = ac ? (r.rps / ac.rps).toFixed(2) + '×' : '-';
    const cpu = r.cpuUsPerReq === undefined ? '-' : r.cpuUsPerReq.toFixed(2);
    console.log([r.mode.padEnd(16), r.tool.padEnd(11), Math.round(r.rps).toString().padStart(10), cpu.padStart(11), ratio.padStart(14), String(r.errors).padStart(7), r.note].join(' '));
  }
  for (const r of best.values()) {
    if (r.tool !== 'fb+hooks') continue;
    const plain = best.get(`${r.mode}|fastbench`);
    if (plain) console.log(`hooks (nothing defined for the benched request), ${r.mode}: fastbench+hooks / fastbench = ${(r.rps / plain.rps).toFixed(3)}×`);
  }
  if (scaling.length > 0) {
    console.log('');
    console.log('scaling: 2 generator threads (workers: 2 / wrk -t2) on CPUs 0,1 — sharing CPU 0 with the target — vs 1 thread on CPU 1');
    console.log(['mode'.padEnd(16), 'tool'.padEnd(11), '1 thread'.padStart(10), '2 threads'.padStart(10), 'gain'.padStart(7)].join(' '));
    const top = new Map();
    for (const r of scaling) {
      const k = `${r.mode}|${r.tool}|${r.n}`;
      if (!top.has(k) || top.get(k) < r.rps) top.set(k, r.rps);
    }
    for (const k of top.keys()) {
      const [mode, tool, n] = k.split('|');
      if (n !== '1') continue;
      const one = top.get(k);
      const two = top.get(`${mode}|${tool}|2`);
      console.log([mode.padEnd(16), tool.padEnd(11), Math.round(one).toString().padStart(10), Math.round(two).toString().padStart(10), ((two / one).toFixed(2) + '×').padStart(7)].join(' '));
    }
  }
}
