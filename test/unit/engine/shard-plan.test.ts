// `run --shard i/N`: shard first, then each shard's workers — every count, connection, arrival and
// feeder row lands exactly once across all shards, whatever worker count each shard picks.
import { describe, expect, it } from 'vitest';
import { checkShard, planWorker, share, usableWorkers } from '../../../src/engine/worker-plan.js';
import { DataFeeder, parseScenario, scheduledBefore, sendTimeMs, type DataSet } from '../../../src/scenario/index.js';

const s = parseScenario(
  `
target: http://127.0.0.1:9
client: { connections: 7, pipelining: 2 }
load:
  - { connections: 5, duration: 1s, requests: 101, iterations: 50 }
  - { rate: 100 -> 900 over 3s, connections: 7 }
requests:
  - path: /
`,
  '/tmp/shard-plan.yaml',
);

/** Shard i runs with workers[i] local workers. */
function plans(workers: readonly number[]) {
  const n = workers.length;
  return workers.flatMap((w, i) => Array.from({ length: w }, (_, k) => planWorker(s, k, w, { index: i, count: n })));
}

describe('shard plan', () => {
  it('splits connections and stop counts exactly over shards × workers', () => {
    for (const workers of [[1, 1, 1], [2, 1, 1], [1, 2], [1], [1, 1, 1, 1, 1]]) {
      const all = plans(workers);
      const sum = (f: (p: (typeof all)[number]) => number): number => all.reduce((a, p) => a + f(p), 0);
      expect(sum((p) => p.phases[0]!.requests)).toBe(101);
      expect(sum((p) => p.phases[0]!.iterations)).toBe(50);
      expect(sum((p) => p.phases[0]!.connections)).toBe(5);
      expect(sum((p) => p.phases[1]!.connections)).toBe(7);
    }
    // shard i of N gets share(n, i, N); its workers split that share
    expect([0, 1, 2].map((i) => planWorker(s, 0, 1, { index: i, count: 3 }).phases[0]!.requests)).toEqual([34, 34, 33]);
    expect(share(Infinity, 0, 3)).toBe(Infinity);
  });

  it('gives each open arrival to exactly one worker of one shard, at its own time', () => {
    const phase = s.phases[1]!;
    if (phase.model !== 'open') throw new Error('open phase expected');
    const total = scheduledBefore(phase, 3000);
    for (const workers of [[1, 1, 1], [2, 1, 3]]) {
      const seen = new Set<number>();
      for (const p of plans(workers)) {
        const ph = p.phases[1]!;
        for (let j = 0; ; j++) {
          const k = ph.offset + j * ph.stride;
          if (!(sendTimeMs(phase, k) < ph.durationMs)) break;
          expect(seen.has(k)).toBe(false);
          seen.add(k);
        }
      }
      expect(seen.size).toBe(total);
    }
  });

  it('hands each feeder row out once per pass across shards', () => {
    const data: DataSet = { file: 'rows.csv', columns: ['id'], rows: Array.from({ length: 12 }, (_, i) => [String(i)]), order: 'sequential' };
    const got: string[] = [];
    for (const p of plans([2, 1, 1])) {
      const f = new DataFeeder(data, p.slot, p.slots);
      // one pass: a worker owning 1 of `slots` residues takes 12 / slots rows
      for (let j = 0; j < 12 / p.slots; j++) got.push(f.next()[0]!);
    }
    expect(got.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('caps local workers by the shard\'s connections and refuses more shards than connections', () => {
    expect(usableWorkers(s, 8, { index: 0, count: 2 })).toBe(3); // phase 1: 5 conns → 3 and 2
    expect(usableWorkers(s, 8, { index: 1, count: 2 })).toBe(2);
    expect(() => checkShard(s, { index: 0, count: 6 })).toThrow(/fewer than 6 shards/);
    expect(() => checkShard(s, { index: 3, count: 3 })).toThrow(/0 <= i < N/);
    expect(() => checkShard(s, { index: 4, count: 5 })).not.toThrow();
  });
});
