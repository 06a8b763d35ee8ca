import { describe, expect, it } from 'vitest';
import { checkCapacity, estimateRss, runNeeds, type MachineFacts, type RunNeeds } from '../../../src/cli/capacity-check.js';
import { parseScenario } from '../../../src/scenario/index.js';

const MACHINE: MachineFacts = {
  openFileLimit: 1_048_576,
  openFiles: 20,
  portRange: [32768, 60999],
  memoryBytes: 16e9,
  heapLimitBytes: 4e9,
};

const needs = (over: Partial<RunNeeds>): RunNeeds => ({
  workers: 1, connections: 10, users: 10, workerConnections: 10, workerUsers: 10, builtin: false, ...over,
});

const scenario = (yaml: string) => parseScenario(yaml, '/tmp/capacity.yaml', { processEnv: {} });

describe('capacity check', () => {
  it('passes an ordinary run', () => {
    expect(checkCapacity(needs({ connections: 200, users: 200, workerConnections: 200, workerUsers: 200 }), MACHINE)).toEqual([]);
  });

  it('refuses more connections than the open-file limit, with the numbers and the fix', () => {
    const problems = checkCapacity(needs({ connections: 100_000, users: 100_000, workerConnections: 100_000, workerUsers: 100_000 }), {
      ...MACHINE,
      openFileLimit: 2000,
      portRange: undefined,
    });
    expect(problems.map((p) => p.code)).toEqual(['ERR_LIMIT_OPEN_FILES']);
    expect(problems[0]!.message).toMatch(/100,000 connections need about 100,\d{3} open files, but this process may open 2,000 \(ulimit -n\)/);
    expect(problems[0]!.message).toMatch(/use at most 1,\d{3} connections/);
    expect(problems[0]!.exitCode).toBe(2);
  });

  it('refuses more connections to one address than the ephemeral port range has', () => {
    const problems = checkCapacity(needs({ connections: 30_000, users: 30_000, workerConnections: 30_000, workerUsers: 30_000 }), MACHINE);
    expect(problems.map((p) => p.code)).toEqual(['ERR_LIMIT_PORTS']);
    expect(problems[0]!.message).toContain('32768-60999 has 28,232');
  });

  it('refuses a run whose estimated memory exceeds the machine, and says how many connections fit', () => {
    const n = needs({ connections: 1e9, users: 1e9, workerConnections: 1e9, workerUsers: 1e9, builtin: true });
    const problems = checkCapacity(n, { ...MACHINE, openFileLimit: Infinity, portRange: undefined });
    expect(problems.map((p) => p.code)).toEqual(['ERR_LIMIT_MEMORY']);
    expect(problems[0]!.message).toMatch(/1,000,000,000 connections would need about [\d.]+ TB of memory/);
    const fits = Number(/use at most ([\d,]+) connections/.exec(problems[0]!.message)![1]!.replace(/,/g, ''));
    expect(estimateRss({ ...n, connections: fits, users: fits })).toBeLessThanOrEqual(MACHINE.memoryBytes);
    expect(estimateRss({ ...n, connections: fits + 1000, users: fits + 1000 })).toBeGreaterThan(MACHINE.memoryBytes);
  });

  it('counts pipelined exchanges and asks for more workers when one thread\'s heap is the limit', () => {
    const n = needs({ connections: 500_000, users: 500_000, workerConnections: 500_000, workerUsers: 500_000 });
    const problems = checkCapacity(n, { ...MACHINE, openFileLimit: Infinity, portRange: undefined, memoryBytes: 1e12, heapLimitBytes: 2e9 });
    expect(problems.map((p) => p.code)).toEqual(['ERR_LIMIT_MEMORY']);
    expect(problems[0]!.message).toMatch(/use --workers \d+/);
    expect(estimateRss(needs({ connections: 100, users: 1000 }))).toBeGreaterThan(estimateRss(needs({ connections: 100, users: 100 })));
  });

  it('reads what a scenario needs: the busiest phase, × pipelining, over the workers and this shard', () => {
    const s = scenario(`target: builtin
client: { pipelining: 4, workers: 2 }
load:
  - { connections: 10, duration: 1s }
  - { rate: 100, connections: 30, duration: 1s }
requests: [{ path: /json }]
`);
    expect(runNeeds(s)).toEqual({ workers: 2, connections: 30, users: 120, workerConnections: 15, workerUsers: 60, builtin: true });
    expect(runNeeds(s, { workers: 1, shard: { index: 0, count: 3 } })).toMatchObject({ workers: 1, connections: 10, users: 40 });
  });

  it('sizes absurd worker counts without planning each worker, and refuses them', () => {
    const s = scenario(`target: builtin\nload: [{ connections: 1000000000, duration: 1s }]\nrequests: [{ path: /json }]\n`);
    const n = runNeeds(s, { workers: 100_000_000 });
    expect(n).toMatchObject({ workers: 100_000_000, connections: 1e9, users: 1e9, workerConnections: 10 });
    expect(checkCapacity(n, MACHINE).map((p) => p.code)).toContain('ERR_LIMIT_MEMORY');
  });
});
