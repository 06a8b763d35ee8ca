// A worker's share of a run: the scenario's phases with connections, rates and stop counts split
// exactly across `workerCount` workers. Pure functions of plain data (the plan crosses threads).
//
//   closed: connections N → worker w gets ⌊N/W⌋ (+1 for the first N mod W workers)
//   open:   arrival k of the phase's schedule goes to worker k mod W, at the schedule's own time,
//           so the workers together send exactly the planned arrivals, ramps included
//   counts: requests / iterations split like connections
import type { OpenPhase, Phase, Scenario } from '../scenario/index.js';

export interface WorkerPhase {
  readonly index: number;
  readonly name: string;
  readonly warmup: boolean;
  readonly model: 'closed' | 'open';
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
  /** The open phase (its rate curve is the schedule); undefined for closed phases. */
  readonly open: OpenPhase | undefined;
  /** Arrival k of the phase belongs to this worker when k mod stride === offset. */
  readonly stride: number;
  readonly offset: number;
}

export interface WorkerPlan {
  readonly workerIndex: number;
  readonly workerCount: number;
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

function phaseConnections(p: Phase): number {
  return p.model === 'closed' ? p.connections : p.maxConnections;
}

/**
 * How many workers the scenario can use: every worker needs at least one connection in every
 * phase (a worker with no connection would owe arrivals it can never send).
 */
export function usableWorkers(scenario: Scenario, wanted: number): number {
  let n = Math.max(1, Math.floor(wanted));
  for (const p of scenario.phases) n = Math.min(n, phaseConnections(p));
  return Math.max(1, n);
}

export function planWorker(scenario: Scenario, workerIndex: number, workerCount: number): WorkerPlan {
  const pipelining = Math.max(1, scenario.client.pipelining);
  let maxConnections = 1;
  const phases = scenario.phases.map((p): WorkerPhase => {
    const connections = Math.max(1, share(phaseConnections(p), workerIndex, workerCount));
    if (connections > maxConnections) maxConnections = connections;
    let durationMs = p.durationMs ?? Infinity;
    if (p.model === 'open' && p.durationMs === undefined && p.segments.length > 0) {
      durationMs = p.segments[p.segments.length - 1]!.endMs;
    }
    return {
      index: p.index,
      name: p.name,
      warmup: p.warmup,
      model: p.model,
      durationMs,
      requests: share(p.requests ?? Infinity, workerIndex, workerCount),
      iterations: share(p.iterations ?? Infinity, workerIndex, workerCount),
      connections,
      users: connections * pipelining,
      open: p.model === 'open' ? p : undefined,
      stride: workerCount,
      offset: workerIndex,
    };
  });
  return {
    workerIndex,
    workerCount,
    pipelining,
    phases,
    maxConnections,
    maxUsers: maxConnections * pipelining,
  };
}

/** Planned length of the whole run in ms (Infinity when some phase ends on a count only). */
export function planDurationMs(scenario: Scenario): number {
  let total = 0;
  for (const p of scenario.phases) {
    let d = p.durationMs;
    if (d === undefined && p.model === 'open' && p.segments.length > 0) d = p.segments[p.segments.length - 1]!.endMs;
    total += d ?? Infinity;
  }
  return total;
}
