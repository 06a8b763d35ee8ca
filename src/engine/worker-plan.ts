// A worker's share of a run: the scenario's phases with connections, rates and stop counts split
// exactly across `workerCount` workers. Pure functions of plain data (the plan crosses threads).
//
//   connections  N (closed: users; open: the cap) → worker w gets ⌊N/W⌋ (+1 for the first N mod W)
//   arrivals     a timed schedule's (open, replay) arrival k goes to worker k mod W, at the
//                schedule's own time, so the workers together send exactly the planned arrivals,
//                ramps included (timed-schedule.ts applies stride/offset)
//   counts       requests / iterations split like connections
//
// Shards (`run --shard i/N`, one process or machine each) split first, workers second: shard i
// gets share(n, i, N) of every count and connection, and its W workers split that share again.
// Arrival k and feeder row k belong to shard k mod N; the shard's j-th one (k = i + jN) goes to its
// worker j mod W — i.e. k mod (N·W) === i + w·N. Exact whatever W each shard picks on its machine.
import { FastbenchError } from '../core/errors.js';
import { phaseConnections, phaseDurationMs, type Phase, type Scenario } from '../scenario/index.js';

export interface WorkerPhase<P extends Phase = Phase> {
  readonly index: number;
  readonly name: string;
  readonly warmup: boolean;
  readonly model: Phase['model'];
  /** Infinity when the phase ends on a count only. */
  readonly durationMs: number;
  /** This worker's share of the phase's `requests` stop (Infinity: none). */
  readonly requests: number;
  /** This worker's share of the phase's `iterations` stop (Infinity: none). */
  readonly iterations: number;
  /** This worker's connections (closed: connections; open: the connection cap). */
  readonly connections: number;
  /** Concurrent exchanges: connections × pipelining (closed: virtual users; open: slots). */
  readonly users: number;
  /** The scenario's phase as read: its load model's own settings (the schedule reads them). */
  readonly spec: P;
  /** Arrival k of a timed schedule belongs to this worker when k mod stride === offset. */
  readonly stride: number;
  readonly offset: number;
}

/** The i-th (0-based) of `count` slices of a run. */
export interface ShardSpec {
  readonly index: number;
  readonly count: number;
}

export const NO_SHARD: ShardSpec = { index: 0, count: 1 };

export interface WorkerPlan {
  readonly workerIndex: number;
  readonly workerCount: number;
  /** Arrivals, feeder rows and sequence numbers k with k mod slots === slot belong to this worker. */
  readonly slot: number;
  readonly slots: number;
  readonly pipelining: number;
  readonly phases: readonly WorkerPhase[];
  /** Most connections any phase uses (the pool size, kept across phases). */
  readonly maxConnections: number;
  /** Most concurrent exchanges any phase uses (the number of virtual users). */
  readonly maxUsers: number;
}

/** Worker w's part of n split over W as evenly as possible (parts sum to n exactly). */
export function share(n: number, w: number, count: number): number {
  if (n === Infinity) return Infinity;
  const base = Math.floor(n / count);
  return base + (w < n - base * count ? 1 : 0);
}

/**
 * How many workers the scenario can use: every worker needs at least one connection in every
 * phase (a worker with no connection would owe arrivals it can never send).
 */
export function usableWorkers(scenario: Scenario, wanted: number, shard: ShardSpec = NO_SHARD): number {
  let n = Math.max(1, Math.floor(wanted));
  for (const p of scenario.phases) n = Math.min(n, share(phaseConnections(p), shard.index, shard.count));
  return Math.max(1, n);
}

/** Throws ERR_USAGE_BAD_OPTION unless `shard` is a slice every phase can give a connection to. */
export function checkShard(scenario: Scenario, shard: ShardSpec): void {
  if (!(Number.isInteger(shard.count) && shard.count >= 1 && Number.isInteger(shard.index) && shard.index >= 0 && shard.index < shard.count)) {
    throw new FastbenchError('ERR_USAGE_BAD_OPTION', `bad shard ${shard.index}/${shard.count}: want i/N with 0 <= i < N`);
  }
  for (const p of scenario.phases) {
    const n = phaseConnections(p);
    if (n < shard.count) {
      throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--shard ${shard.index}/${shard.count}: phase "${p.name}" has ${n} connection(s), fewer than ${shard.count} shards`);
    }
  }
}

/** Worker w's part of n when shard i of N gets share(n, i, N) and its W workers split that. */
function shardShare(n: number, shard: ShardSpec, w: number, count: number): number {
  return share(share(n, shard.index, shard.count), w, count);
}

export function planWorker(scenario: Scenario, workerIndex: number, workerCount: number, shard: ShardSpec = NO_SHARD): WorkerPlan {
  const pipelining = Math.max(1, scenario.client.pipelining);
  const slot = shard.index + workerIndex * shard.count;
  const slots = shard.count * workerCount;
  let maxConnections = 1;
  const phases = scenario.phases.map((p): WorkerPhase => {
    const connections = Math.max(1, shardShare(phaseConnections(p), shard, workerIndex, workerCount));
    if (connections > maxConnections) maxConnections = connections;
    return {
      index: p.index,
      name: p.name,
      warmup: p.warmup,
      model: p.model,
      durationMs: phaseDurationMs(p),
      requests: shardShare(p.requests ?? Infinity, shard, workerIndex, workerCount),
      iterations: shardShare(p.iterations ?? Infinity, shard, workerIndex, workerCount),
      connections,
      users: connections * pipelining,
      spec: p,
      stride: slots,
      offset: slot,
    };
  });
  return {
    workerIndex,
    workerCount,
    slot,
    slots,
    pipelining,
    phases,
    maxConnections,
    maxUsers: maxConnections * pipelining,
  };
}

/** Planned length of the whole run in ms (Infinity when some phase ends on a count only). */
export function planDurationMs(scenario: Scenario): number {
  let total = 0;
  for (const p of scenario.phases) total += phaseDurationMs(p);
  return total;
}
