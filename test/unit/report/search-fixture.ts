// A capacity search's summary as `fastbench find` attaches it to a result (issue 18).
import type { SearchSummary } from '../../../src/metrics/run-result.js';

const step = (index: number, kind: 'climb' | 'bisect' | 'confirm', offered: number, p99: number, errorRate: number, verdict: 'pass' | 'fail' | 'vetoed'): SearchSummary['steps'][number] => ({
  index,
  kind,
  offeredRps: offered,
  achievedRps: Math.min(offered, 1500),
  durationMs: kind === 'confirm' ? 3000 : 1000,
  requests: Math.round(kind === 'confirm' ? offered * 3 : offered),
  errorRate,
  p50Ms: p99 / 3,
  p99Ms: p99,
  verdict,
  slo: [
    { check: 'p99 < 50ms', actual: p99, passed: p99 < 50 },
    { check: 'errors < 1%', actual: errorRate, passed: errorRate < 0.01 },
  ],
});

export const SEARCH_SUMMARY: SearchSummary = {
  knee: { rate: 1450, low: 1420, high: 1500 },
  confirmed: true,
  ended: 'converged',
  slo: ['p99 < 50ms', 'errors < 1%'],
  elapsedMs: 9100,
  steps: [
    step(0, 'climb', 400, 3, 0, 'pass'),
    step(1, 'climb', 800, 3.2, 0, 'pass'),
    step(2, 'climb', 1600, 480, 0.02, 'fail'),
    step(3, 'bisect', 1200, 4, 0, 'pass'),
    step(4, 'bisect', 1400, 6, 0, 'pass'),
    step(5, 'bisect', 1500, 61, 0, 'fail'),
    step(6, 'bisect', 1450, 9, 0, 'pass'),
    step(7, 'confirm', 1450, 12, 0, 'pass'),
  ],
};
