// issue 18: `load: - search: {...}` — the capacity search's scenario form.
import { describe, expect, it } from 'vitest';
import { parseSlo, parseStepFactor, parseTolerance } from '../../../src/scenario/index.js';
import { readFileSync } from 'node:fs';
import { load, messages } from './helpers.js';

const REQ = 'requests:\n  - path: /\n';

describe('load: - search:', () => {
  it('reads the SLO, the range and every bound, with defaults', () => {
    const s = load(`client: { connections: 40 }\nload:\n  - search: { slo: [p99 < 200ms, errors < 1%], from: 100/s, to: 50000/s }\n${REQ}`);
    expect(s.phases).toEqual([]);
    expect(s.search).toMatchObject({ fromRate: 100, toRate: 50_000, stepFactor: 2, stepMs: 5000, holdMs: 10_000, maxDurationMs: 300_000, tolerance: 0.05, maxConnections: 40 });
    expect(s.search!.slo.map((t) => [t.text, t.kind, t.metric, t.op, t.value, t.window, t.request])).toEqual([
      ['p99 < 200ms', 'latency', 'p99', '<', 200, undefined, undefined],
      ['errors < 1%', 'errors', 'errors', '<', 0.01, undefined, undefined],
    ]);
    const all = load(
      `load:\n  - connections: 500\n    search:\n      slo: [p99.9 < 1s]\n      from: 6000/m\n      to: 800\n      step: 50%\n      stepDuration: 2s\n      hold: 4s\n      maxDuration: 1m\n      tolerance: 0.1\n${REQ}`,
    );
    expect(all.search).toMatchObject({ fromRate: 100, toRate: 800, stepFactor: 1.5, stepMs: 2000, holdMs: 4000, maxDurationMs: 60_000, tolerance: 0.1, maxConnections: 500 });
  });

  it('refuses what a search cannot be, each problem at its place', () => {
    const got = messages(
      `load:\n  - duration: 10s\n    search: { slo: [p99 < 50ms over 10s windows, latency < 3ms], from: 0, to: 10/s, step: 1x, tolerance: 150%, hold: 1m, maxDuration: 30s, every: 1s }\n${REQ}`,
    );
    expect(got).toEqual([
      expect.stringMatching(/^ERR_SCENARIO_VALUE 2:5 load\[0\]\.duration: a search sets its own rates and durations/),
      expect.stringMatching(/^ERR_SCENARIO_THRESHOLD 3:21 an SLO is judged over each whole step/),
      expect.stringMatching(/^ERR_SCENARIO_THRESHOLD 3:50 unknown threshold metric "latency"/),
      expect.stringMatching(/^ERR_SCENARIO_VALUE 3:72 load\[0\]\.search\.from must be a rate above 0/),
      expect.stringMatching(/^ERR_SCENARIO_VALUE 3:91 load\[0\]\.search\.step must be a climb factor above 1/),
      expect.stringMatching(/^ERR_SCENARIO_VALUE 3:106 load\[0\]\.search\.tolerance must be between 0 and 1/),
      expect.stringMatching(/^ERR_SCENARIO_UNKNOWN_KEY 3:140 unknown key "every" in load\[0\]\.search/),
    ]);
    expect(messages(`load:\n  - search: { slo: [p99 < 50ms], from: 100, to: 1000, hold: 1m, maxDuration: 30s }\n${REQ}`)).toEqual([
      expect.stringMatching(/maxDuration \(30000 ms\) leaves no room for one step and the hold \(65000 ms\)/),
    ]);
    expect(messages(`load:\n  - search: { from: 100 }\n${REQ}`)).toEqual([
      expect.stringMatching(/^ERR_SCENARIO_MISSING .*search\.slo is required/),
      expect.stringMatching(/^ERR_SCENARIO_MISSING .*search\.to is required/),
    ]);
  });

  it('is the only item of load', () => {
    expect(messages(`load:\n  - { warmup: true, duration: 1s, connections: 1 }\n  - search: { slo: [p99 < 5ms], from: 1, to: 2 }\n${REQ}`)).toEqual([
      expect.stringMatching(/^ERR_SCENARIO_VALUE 2:5 load\[1\]: a search is the only item of load/),
    ]);
  });

  it('parses climb factors, tolerances and SLO expressions', () => {
    expect([2, '2x', '1.5X', '50%', '3'].map(parseStepFactor)).toEqual([2, 2, 1.5, 1.5, 3]);
    expect([1, '1x', '0%', 'fast', -2, 101].map(parseStepFactor)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    expect([0.05, '5%', '0.1'].map(parseTolerance)).toEqual([0.05, 0.05, 0.1]);
    expect([0, 1, '100%', 'x'].map(parseTolerance)).toEqual([undefined, undefined, undefined, undefined]);
    expect(parseSlo('rps > 100')).toMatchObject({ kind: 'rps', value: 100 });
    expect(parseSlo('p99 < 5ms over last 10s')).toMatchObject({ error: expect.stringMatching(/whole step/) });
  });
});

describe('docs/SCENARIOS.md "Capacity search"', () => {
  it('its example validates and reads as documented', () => {
    const doc = readFileSync(new URL('../../../docs/SCENARIOS.md', import.meta.url), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf('### Capacity search')))![1]!;
    const s = load(`${yaml}${REQ}`);
    expect(s.search).toMatchObject({ fromRate: 100, toRate: 50_000, stepFactor: 2, stepMs: 5000, holdMs: 10_000, tolerance: 0.05, maxDurationMs: 300_000, maxConnections: 200 });
    expect(s.search!.slo.map((t) => t.text)).toEqual(['p99 < 200ms', 'errors < 1%']);
  });
});
