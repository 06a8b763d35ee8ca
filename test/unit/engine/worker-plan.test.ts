import { describe, expect, it } from 'vitest';
import { planWorker, share, usableWorkers } from '../../../src/engine/worker-plan.js';
import { parseScenario, scheduledBefore, sendTimeMs } from '../../../src/scenario/index.js';

const s = parseScenario(
  `
target: http://127.0.0.1:9
client: { connections: 7, pipelining: 3 }
load:
  - { connections: 5, duration: 1s, requests: 11 }
  - { rate: 100 -> 900 over 3s, connections: 7 }
requests:
  - path: /
`,
  '/tmp/plan.yaml',
);

describe('worker plan', () => {
  it('shares counts exactly', () => {
    for (const n of [0, 1, 5, 7, 100, 101]) {
      for (const w of [1, 2, 3, 4]) {
        let sum = 0;
        for (let i = 0; i < w; i++) sum += share(n, i, w);
        expect(sum).toBe(n);
      }
    }
    expect(share(Infinity, 1, 3)).toBe(Infinity);
  });

  it('splits connections, users and stop counts across workers', () => {
    const plans = [0, 1, 2].map((w) => planWorker(s, w, 3));
    expect(plans.map((p) => p.phases[0]!.connections)).toEqual([2, 2, 1]);
    expect(plans.map((p) => p.phases[0]!.users)).toEqual([6, 6, 3]);
    expect(plans.map((p) => p.phases[0]!.requests)).toEqual([4, 4, 3]);
    expect(plans.map((p) => p.phases[1]!.connections)).toEqual([3, 2, 2]);
    expect(plans.map((p) => p.maxUsers)).toEqual([9, 6, 6]);
    expect(plans[0]!.phases[1]!.durationMs).toBe(3000);
  });

  it('gives each arrival of an open schedule to exactly one worker, at its own time', () => {
    const phase = s.phases[1]!;
    if (phase.model !== 'open') throw new Error('open phase expected');
    const total = scheduledBefore(phase, 3000);
    expect(total).toBe(1500); // (100 + 900) / 2 × 3 s
    const times: number[] = [];
    for (let w = 0; w < 3; w++) {
      const p = planWorker(s, w, 3).phases[1]!;
      for (let j = 0; ; j++) {
        const t = sendTimeMs(phase, p.offset + j * p.stride);
        if (!(t < p.durationMs)) break;
        times.push(t);
      }
    }
    expect(times.length).toBe(total);
    times.sort((a, b) => a - b);
    for (let k = 0; k < times.length; k++) expect(times[k]).toBeCloseTo(sendTimeMs(phase, k), 6);
  });

  it('uses no more workers than the smallest phase has connections', () => {
    expect(usableWorkers(s, 8)).toBe(5);
    expect(usableWorkers(s, 2)).toBe(2);
    expect(usableWorkers(s, 0)).toBe(1);
  });
});
