// Refuses, before anything is sent, a run this machine cannot make: more connections than the
// open-file limit or the ephemeral port range allows, or more memory than the machine has. Each
// problem is one ERR_LIMIT_* error with the numbers and the fix; `run`, `bench` and `validate`
// exit 2 on them. Without this, `-c 100000` under `ulimit -n 20000` ran 25 s at 0 req/s and exited
// 0, and `connections: 1000000000` ended in a V8 out-of-memory abort (exit 134, a native stack).
//
// The estimate, per process (all worker threads share its file table and memory):
//   open files  one per connection, plus what is open now, plus a reserve per worker thread
//   local ports one per connection to the same target address (every backend of a worker may use
//               all of its connections), against net.ipv4.ip_local_port_range
//   memory      RSS ≈ base + 13.6 KB per keep-alive connection + 2.7 KB per extra pipelined
//               exchange (docs/PERFORMANCE.md), + 11.1 KB per connection in the bundled server for
//               `target: builtin`; and each thread's JS heap ≈ 4.7 KB per connection + 0.5 KB per
//               extra exchange against V8's heap limit. Rates need no memory of their own: arrivals
//               a rate owes but no connection can take are counted, not queued.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { FastbenchError } from '../core/errors.js';
import { NO_SHARD, pickWorkers, planWorker, share, usableWorkers, type ShardSpec } from '../engine/index.js';
import { phaseConnections, type Scenario } from '../scenario/index.js';

/** What this machine allows; undefined where the platform does not say. */
export interface MachineFacts {
  /** Soft RLIMIT_NOFILE (Node raises the soft limit to the hard one at start). */
  openFileLimit: number | undefined;
  /** Descriptors open now. */
  openFiles: number;
  /** net.ipv4.ip_local_port_range (also used for IPv6). */
  portRange: readonly [number, number] | undefined;
  /** Physical memory, or the cgroup's limit when lower, bytes. */
  memoryBytes: number;
  /** V8's heap limit of one thread, bytes. */
  heapLimitBytes: number;
}

export const KB = 1000;
/** Client RSS per open keep-alive connection (docs/PERFORMANCE.md: 13.2–13.6 KB). */
export const CONN_RSS = 13.6 * KB;
/** Client RSS per pipelined exchange beyond the first of a connection (a virtual user). */
export const USER_RSS = 2.7 * KB;
/** The bundled server's RSS per open connection (measured: 11.0 KB). */
export const SERVER_CONN_RSS = 11.1 * KB;
export const BASE_RSS = 80e6;
export const WORKER_RSS = 45e6;
export const SERVER_BASE_RSS = 60e6;
/** JS heap per connection (46.1 MiB per 10,000) and per extra exchange. */
export const CONN_HEAP = 4.7 * KB;
export const USER_HEAP = 0.5 * KB;
/** Descriptors a process needs besides its connections (event loop, stdio, files), and per worker thread. */
export const FD_RESERVE = 64;
export const FD_PER_WORKER = 8;

function soft(limitsText: string): number | undefined {
  const m = /^Max open files\s+(\S+)/m.exec(limitsText);
  if (m === null) return undefined;
  return m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

/** This machine's facts (Linux: /proc; elsewhere `ulimit -n` from a shell, the rest unknown). */
export function machineFacts(): MachineFacts {
  let openFileLimit: number | undefined;
  let openFiles = 32;
  let portRange: [number, number] | undefined;
  if (process.platform === 'linux') {
    try {
      openFileLimit = soft(readFileSync('/proc/self/limits', 'utf8'));
    } catch {
      // not mounted: fall through to the shell
    }
    try {
      openFiles = readdirSync('/proc/self/fd').length;
    } catch {
      // keep the guess
    }
    try {
      const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
      if (Number.isInteger(lo) && Number.isInteger(hi) && hi! >= lo!) portRange = [lo!, hi!];
    } catch {
      // unknown
    }
  }
  if (openFileLimit === undefined && process.platform !== 'win32') {
    try {
      const out = execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      openFileLimit = out === 'unlimited' ? Infinity : Number(out) || undefined;
    } catch {
      // unknown
    }
  }
  let memoryBytes = totalmem();
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  if (constrained !== undefined && constrained > 0 && constrained < memoryBytes) memoryBytes = constrained;
  return { openFileLimit, openFiles, portRange, memoryBytes, heapLimitBytes: getHeapStatistics().heap_size_limit };
}

/** What a run of the scenario needs in this process. */
export interface RunNeeds {
  workers: number;
  /** Connections over every worker (the most any phase uses, kept across phases). */
  connections: number;
  /** Concurrent exchanges (connections × pipelining). */
  users: number;
  /** The busiest worker's connections and exchanges (its thread's heap). */
  workerConnections: number;
  workerUsers: number;
  builtin: boolean;
}

/** Up to this many workers each gets its exact plan. */
const EXACT_WORKERS = 1024;

export function runNeeds(scenario: Scenario, options: { workers?: number; shard?: ShardSpec } = {}): RunNeeds {
  const shard = options.shard ?? NO_SHARD;
  const wanted = options.workers ?? (scenario.client.workers === 'auto' ? pickWorkers() : scenario.client.workers);
  const workers = usableWorkers(scenario, wanted, shard);
  let connections = 0;
  let users = 0;
  let workerConnections = 0;
  let workerUsers = 0;
  if (workers > EXACT_WORKERS) {
    // Absurdly many (the memory check will say so): the sums without a plan per worker.
    const pipelining = Math.max(1, scenario.client.pipelining);
    const plan0 = planWorker(scenario, 0, workers, shard);
    connections = Math.max(...scenario.phases.map((p) => share(phaseConnections(p), shard.index, shard.count)));
    return { workers, connections, users: connections * pipelining, workerConnections: plan0.maxConnections, workerUsers: plan0.maxUsers, builtin: scenario.target.kind === 'builtin' };
  }
  for (let w = 0; w < workers; w++) {
    const plan = planWorker(scenario, w, workers, shard);
    connections += plan.maxConnections;
    users += plan.maxUsers;
    workerConnections = Math.max(workerConnections, plan.maxConnections);
    workerUsers = Math.max(workerUsers, plan.maxUsers);
  }
  return { workers, connections, users, workerConnections, workerUsers, builtin: scenario.target.kind === 'builtin' };
}

function count(n: number): string {
  return Math.floor(n).toLocaleString('en-US');
}

function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n >= 100 || i === 0 ? n.toFixed(0) : n.toFixed(1)} ${units[i]}`;
}

/** Estimated RSS of the run (generator, plus the bundled server for `target: builtin`). */
export function estimateRss(n: RunNeeds): number {
  const extraUsers = Math.max(0, n.users - n.connections);
  let rss = BASE_RSS + (n.workers > 1 ? n.workers * WORKER_RSS : 0) + n.connections * CONN_RSS + extraUsers * USER_RSS;
  if (n.builtin) rss += SERVER_BASE_RSS + n.connections * SERVER_CONN_RSS;
  return rss;
}

/** Every limit the run would break, as ERR_LIMIT_* errors (empty: it fits). */
export function checkCapacity(n: RunNeeds, m: MachineFacts): FastbenchError[] {
  const problems: FastbenchError[] = [];
  const c = n.connections;
  const conns = `${count(c)} connection${c === 1 ? '' : 's'}`;
  // Open files: this process, and the bundled server (it inherits the same limit).
  if (m.openFileLimit !== undefined && Number.isFinite(m.openFileLimit)) {
    const reserve = m.openFiles + FD_RESERVE + FD_PER_WORKER * n.workers;
    const need = c + reserve;
    if (need > m.openFileLimit) {
      const fits = Math.max(0, m.openFileLimit - reserve);
      problems.push(new FastbenchError(
        'ERR_LIMIT_OPEN_FILES',
        `${conns} need about ${count(need)} open files, but this process may open ${count(m.openFileLimit)} (ulimit -n): ` +
          `raise the limit (ulimit -n ${need}; LimitNOFILE= for a systemd service) or use at most ${count(fits)} connections`,
      ));
    }
  }
  // Local ports: every connection to one address:port needs its own.
  if (m.portRange !== undefined) {
    const ports = m.portRange[1] - m.portRange[0] + 1;
    if (c > ports) {
      problems.push(new FastbenchError(
        'ERR_LIMIT_PORTS',
        `${conns} to one target address need ${count(c)} local ports, but the ephemeral port range ${m.portRange[0]}-${m.portRange[1]} has ${count(ports)}: ` +
          `widen it (sysctl -w net.ipv4.ip_local_port_range="1024 65535"), split the run over more target addresses or machines (--shard), or use at most ${count(ports)} connections`,
      ));
    }
  }
  // Memory: the machine's, then one thread's heap.
  const rss = estimateRss(n);
  if (rss > m.memoryBytes) {
    const perConn = CONN_RSS + (n.builtin ? SERVER_CONN_RSS : 0) + Math.max(0, n.users / Math.max(1, c) - 1) * USER_RSS;
    const fixed = estimateRss({ ...n, connections: 0, users: 0 });
    const fits = Math.max(0, (m.memoryBytes - fixed) / perConn);
    problems.push(new FastbenchError(
      'ERR_LIMIT_MEMORY',
      `${conns}${n.users > c ? ` × ${count(n.users / c)} pipelined` : ''} would need about ${bytes(rss)} of memory` +
        `${n.builtin ? ' (with the bundled server\'s share)' : ''}, but this machine has ${bytes(m.memoryBytes)}: use at most ${count(fits)} connections`,
    ));
  } else {
    const heap = n.workerConnections * CONN_HEAP + Math.max(0, n.workerUsers - n.workerConnections) * USER_HEAP;
    const usable = m.heapLimitBytes * 0.8;
    if (heap > usable) {
      const workersNeeded = Math.ceil((n.workers * heap) / usable);
      problems.push(new FastbenchError(
        'ERR_LIMIT_MEMORY',
        `${count(n.workerConnections)} connections on one load thread would need about ${bytes(heap)} of JS heap, but a thread's heap limit is ${bytes(m.heapLimitBytes)}: ` +
          `use --workers ${workersNeeded} (or more) to spread them, or fewer connections`,
      ));
    }
  }
  return problems;
}

/** The check for a loaded scenario on this machine; the errors to print (empty: go ahead). */
export function capacityProblems(scenario: Scenario, options: { workers?: number; shard?: ShardSpec } = {}, facts: MachineFacts = machineFacts()): FastbenchError[] {
  return checkCapacity(runNeeds(scenario, options), facts);
}
