// `fastbench calibrate [-d 3s] [-c 10000] [--json]`
//
// Measures this machine's own ceiling against the bundled server, so users know what fastbench
// can drive before they trust a result (all traffic on 127.0.0.1):
//   1. req/s, plain (closed model, 50 connections) and pipelined (depth 10): `fastbench bench`
//      run exactly as a user runs it, in a child process pinned to CPU 1, against `fastbench
//      serve` in a child pinned to CPU 0 (when `taskset` exists and there are ≥ 2 cores). The
//      generator's own CPU use (from the bench JSON) gives CPU per request and req/s per core.
//   2. memory per 10,000 open keep-alive connections: one HostClient (maxConns N) in this
//      process opens N connections to the server, each serving one request, and the RSS and heap
//      growth is scaled to 10,000. N is lowered (with a note) when `ulimit -n` is too small.
// Prints a short text table on stdout, or the figures as JSON with --json; notes on stderr.
// Exit codes: 0 measured · 2 usage error, or the server could not start.
import { type BuiltinServer, startBuiltinServer } from './builtin-server.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Option, type Command } from 'commander';
import { HostClient } from '../client/host-client.js';
import { Request } from '../client/request.js';
import { Response } from '../client/response.js';
import { EXIT_OK, FastbenchError } from '../core/errors.js';
import { fastbenchBin } from './builtin-server.js';
import { parseCountFlag, parseDurationFlag } from './flags.js';
import { examples } from './help.js';

export interface CalibrateFlags {
  duration: string;
  connections: string;
  /** --conns: the old name of --connections. */
  conns?: string;
  json?: boolean;
}

/** One `fastbench bench` measurement. */
export interface ThroughputFigure {
  connections: number;
  pipelining: number;
  requests: number;
  errors: number;
  rps: number;
  /** Generator CPU use over the run, as a fraction of one core (undefined: not in the bench JSON). */
  generatorCpu: number | undefined;
  /** rps / generatorCpu: what one fully busy core of the generator would drive. */
  rpsPerCore: number | undefined;
  generatorCpuUsPerRequest: number | undefined;
  /** The bundled server's CPU use over the run (fraction of one core), when /proc tells. */
  serverCpu: number | undefined;
  p99Ms: number;
  /** Whether the bench judged its own result valid (false: the generator was saturated — expected here). */
  valid: boolean;
}

export interface MemoryFigure {
  /** Connections actually opened. */
  connections: number;
  requested: number;
  rssBytes: number;
  heapBytes: number;
  /** RSS growth per connection. */
  bytesPerConnection: number;
  rssPer10k: number;
  heapPer10k: number;
  note: string | undefined;
}

export interface CalibrateResult {
  node: string;
  cpuModel: string;
  cores: number;
  platform: string;
  pinned: boolean;
  durationMs: number;
  plain: ThroughputFigure;
  pipelined: ThroughputFigure;
  memory: MemoryFigure;
  notes: string[];
}

const PLAIN_CONNS = 50;
const PIPELINE_DEPTH = 10;
/** File descriptors kept free besides the connections (stdio, the listener, node's own). */
const FD_HEADROOM = 128;

export function registerCalibrateCommand(program: Command): void {
  program
    .command('calibrate')
    .description("measure this machine's own ceiling against the bundled server (req/s per core, memory per 10k connections)")
    .option('-d, --duration <time>', 'how long each throughput measurement lasts', '3s')
    .option('-c, --connections <n>', 'keep-alive connections to open for the memory figure', '10000')
    .addOption(new Option('--conns <n>', 'the old name of --connections').hideHelp())
    .option('--json', 'print the figures as JSON on stdout')
    .addHelpText('after', examples([
      'fastbench calibrate',
      'fastbench calibrate -d 1s -c 2000 --json',
    ]))
    .action(async (flags: CalibrateFlags) => {
      process.exitCode = await calibrateCommand(flags);
    });
}

export async function calibrateCommand(flags: CalibrateFlags): Promise<number> {
  const durationMs = parseDurationFlag(flags.duration, '--duration');
  const conns = flags.conns !== undefined ? parseCountFlag(flags.conns, '--conns', 1) : parseCountFlag(flags.connections, '--connections', 1);
  const result = await calibrate(durationMs, conns);
  process.stdout.write(flags.json === true ? JSON.stringify(result, null, 2) + '\n' : renderCalibration(result));
  return EXIT_OK;
}

/** All three measurements, with the bundled server started (and stopped) around them. */
export async function calibrate(durationMs: number, requestedConns: number): Promise<CalibrateResult> {
  const cores = os.availableParallelism();
  const pinned = cores >= 2 && hasTaskset();
  const notes: string[] = [];
  if (!pinned) notes.push(cores < 2 ? 'one core: server and generator share it, so the figures understate the generator' : 'taskset not found: server and generator are not pinned apart');
  const note = (s: string): void => {
    notes.push(s);
    process.stderr.write(`calibrate: ${s}\n`);
  };
  const server = await startBuiltinServer({ args: ['--host', '127.0.0.1', '--idle-timeout', '0'], ...(pinned ? { cpu: 0 } : {}) });
  try {
    const plain = await benchFigure(server, pinned, durationMs, PLAIN_CONNS, 1);
    const pipelined = await benchFigure(server, pinned, durationMs, PLAIN_CONNS, PIPELINE_DEPTH);
    const limit = openFilesLimit();
    let conns = requestedConns;
    let memNote: string | undefined;
    if (limit !== undefined && conns + FD_HEADROOM > limit) {
      conns = Math.max(1, limit - FD_HEADROOM);
      memNote = `ulimit -n is ${limit}: opening ${conns} connections instead of ${requestedConns} (raise it with \`ulimit -n ${requestedConns + 1024}\`)`;
      note(memNote);
    }
    const memory = await memoryFigure(server.url, conns, requestedConns, memNote);
    return {
      node: process.version,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      cores,
      platform: `${process.platform}-${process.arch}`,
      pinned,
      durationMs,
      plain,
      pipelined,
      memory,
      notes,
    };
  } finally {
    await server.stop();
  }
}

function hasTaskset(): boolean {
  if (process.platform !== 'linux') return false;
  const r = spawnSync('taskset', ['-c', '0', process.execPath, '-e', ''], { stdio: 'ignore', timeout: 5000 });
  return r.status === 0;
}

/** `node bin/fastbench.js <args>`, under `taskset -c cpu` when pinning. */
function fastbenchChild(args: string[], cpu: number | undefined, stdio: 'pipe' | 'ignore'): ChildProcess {
  const node = [process.execPath, fastbenchBin(), ...args];
  const argv = cpu === undefined ? node : ['taskset', '-c', String(cpu), ...node];
  return spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', stdio, 'pipe'] });
}

/** utime + stime of a process in ms, from /proc (Linux), else undefined. */
function procCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "(comm) ": state is field 3, utime 14, stime 15 (1-based) → indices 11 and 12 here.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

interface BenchJson {
  durationMs: number;
  valid: boolean;
  summary: { requests: number; errors: number; rps: number; latencyMs: { p99: number } };
  generator?: { cpu?: number };
}

/** Runs `fastbench bench <server>/plaintext` in a (pinned) child and reads its JSON summary. */
async function benchFigure(server: BuiltinServer, pinned: boolean, durationMs: number, connections: number, pipelining: number): Promise<ThroughputFigure> {
  const warmupMs = Math.min(1000, Math.round(durationMs / 2));
  const args = ['bench', `${server.url}/plaintext`, '-c', String(connections), '-p', String(pipelining), '-d', `${durationMs}ms`, '--warmup', `${warmupMs}ms`, '--json', '--quiet'];
  const child = fastbenchChild(args, pinned ? 1 : undefined, 'pipe');
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (err.length < 4096) err += d;
  });
  // The server's CPU over warmup + run, set against the wall time of the same span.
  let serverCpuStart: number | undefined;
  let wallStart = 0;
  const sample = setTimeout(() => {
    serverCpuStart = procCpuMs(server.pid);
    wallStart = performance.now();
  }, warmupMs + 200);
  let serverCpu: number | undefined;
  const code = await new Promise<number | null>((resolve, reject) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), durationMs + warmupMs + 30_000);
    child.on('error', reject);
    child.on('close', (c) => {
      clearTimeout(kill);
      resolve(c);
    });
    // Stop the server sample when the measured part should be over (before teardown).
    setTimeout(() => {
      const end = procCpuMs(server.pid);
      if (serverCpuStart !== undefined && end !== undefined) serverCpu = round((end - serverCpuStart) / (performance.now() - wallStart), 3);
    }, warmupMs + 200 + Math.max(100, durationMs - 200)).unref();
  });
  clearTimeout(sample);
  let r: BenchJson;
  try {
    r = JSON.parse(out) as BenchJson;
  } catch {
    throw new FastbenchError('ERR_RUN_ABORTED', `fastbench bench ${args.join(' ')} exited ${code} without a JSON result${err.trim() ? `: ${err.trim().split('\n').slice(-2).join(' | ')}` : ''}`);
  }
  const cpu = typeof r.generator?.cpu === 'number' && r.generator.cpu > 0 ? r.generator.cpu : undefined;
  const s = r.summary;
  return {
    connections,
    pipelining,
    requests: s.requests,
    errors: s.errors,
    rps: Math.round(s.rps),
    generatorCpu: cpu,
    rpsPerCore: cpu !== undefined ? Math.round(s.rps / cpu) : undefined,
    generatorCpuUsPerRequest: cpu !== undefined && s.requests > 0 ? round((cpu * r.durationMs * 1000) / s.requests, 2) : undefined,
    serverCpu,
    p99Ms: s.latencyMs.p99,
    valid: r.valid,
  };
}

/** The soft RLIMIT_NOFILE of this process (Linux /proc, else `ulimit -n`), undefined if unknown. */
function openFilesLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) return m[1] === 'unlimited' ? undefined : Number(m[1]);
  } catch {
    // not Linux: ask the shell
  }
  const r = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 5000 });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  gc();
}

/** Opens `conns` keep-alive connections (one request each) and measures this process's growth. */
async function memoryFigure(url: string, conns: number, requested: number, note: string | undefined): Promise<MemoryFigure> {
  const u = new URL(url);
  const client = new HostClient({ host: u.hostname, port: Number(u.port), maxConns: conns, maxIdleConnDuration: 120_000, connectTimeout: 20_000 });
  try {
    const req = new Request({ method: 'GET', url: '/plaintext' });
    collectGarbage();
    const before = process.memoryUsage();
    // All exchanges at once: with none idle and fewer than maxConns open, each dials its own.
    let responses: Response[] | undefined = Array.from({ length: conns }, () => new Response());
    await Promise.all(responses.map((res) => client.do(req, res)));
    responses = undefined;
    const opened = client.connCount;
    collectGarbage();
    const after = process.memoryUsage();
    if (opened === 0) throw new FastbenchError('ERR_RUN_ABORTED', 'no keep-alive connection stayed open');
    const rss = Math.max(0, after.rss - before.rss);
    const heap = Math.max(0, after.heapUsed - before.heapUsed);
    return {
      connections: opened,
      requested,
      rssBytes: rss,
      heapBytes: heap,
      bytesPerConnection: Math.round(rss / opened),
      rssPer10k: Math.round((rss / opened) * 10_000),
      heapPer10k: Math.round((heap / opened) * 10_000),
      note,
    };
  } finally {
    await client.close();
  }
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const mib = (n: number): string => `${(n / (1024 * 1024)).toFixed(1)} MiB`;
const opt = (n: number | undefined, f: (n: number) => string): string => (n === undefined ? '—' : f(n));

/** The text table calibrate prints. */
export function renderCalibration(r: CalibrateResult): string {
  const rows: string[][] = [['measurement', 'req/s', 'gen CPU', 'req/s per core', 'CPU µs/req', 'server CPU', 'p99']];
  for (const [name, f] of [
    [`plain (${r.plain.connections} conns, closed)`, r.plain],
    [`pipelined (${r.pipelined.connections} conns × depth ${r.pipelined.pipelining})`, r.pipelined],
  ] as const) {
    rows.push([
      name,
      int(f.rps),
      opt(f.generatorCpu, (c) => `${Math.round(c * 100)}%`),
      opt(f.rpsPerCore, int),
      opt(f.generatorCpuUsPerRequest, (c) => c.toFixed(1)),
      opt(f.serverCpu, (c) => `${Math.round(c * 100)}%`),
      `${f.p99Ms.toFixed(2)} ms`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const table = rows.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ').trimEnd());
  const m = r.memory;
  const lines = [
    "fastbench calibrate: this machine's own ceiling against the bundled server (127.0.0.1)",
    `node ${r.node} · ${r.cpuModel} · ${r.cores} core${r.cores === 1 ? '' : 's'} · ${r.pinned ? 'server pinned to CPU 0, generator to CPU 1' : 'not pinned'} · ${r.durationMs} ms per measurement`,
    '',
    ...table,
    '',
    `memory per 10,000 keep-alive connections (measured with ${int(m.connections)}): RSS ${mib(m.rssPer10k)}, JS heap ${mib(m.heapPer10k)} (${int(m.bytesPerConnection)} bytes/connection)`,
    ...r.notes.map((n) => `note: ${n}`),
    '',
  ];
  if (r.plain.serverCpu !== undefined && r.plain.serverCpu >= 0.9 && (r.plain.generatorCpu ?? 1) < 0.9) {
    lines.splice(lines.length - 1, 0, 'note: the server, not the generator, was the limit; "req/s per core" is what the generator would drive at full use of one core');
  }
  return lines.join('\n');
}
