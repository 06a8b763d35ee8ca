// `interval:` / `run --interval`: the measurement interval length (issue 11: short runs get enough
// samples for compare's noise test from sub-second intervals).
import { describe, expect, it } from 'vitest';
import { applyOverrides } from '../../../src/scenario/index.js';
import { load, messages, problems } from './helpers.js';

const BASE = 'target: http://127.0.0.1:9\nload: [{ connections: 1, duration: 3s }]\nrequests: [{ path: /a }]\n';

describe('interval', () => {
  it('is 1 s unless the scenario or the command line says otherwise', () => {
    expect(load(BASE).intervalMs).toBeUndefined();
    expect(load(`${BASE}interval: 250ms\n`).intervalMs).toBe(250);
    expect(applyOverrides(load(BASE), { interval: '500ms' }).intervalMs).toBe(500);
    expect(applyOverrides(load(`${BASE}interval: 250ms\n`), { interval: 2000 }).intervalMs).toBe(2000);
  });

  it('refuses lengths outside 100ms..10s, with the position', () => {
    expect(problems(`${BASE}interval: 50ms\n`)).toEqual(['ERR_SCENARIO_VALUE 4:11']);
    expect(messages(`${BASE}interval: 50ms\n`)[0]).toMatch(/interval: 50 ms is outside 100ms\.\.10s/);
    expect(problems(`${BASE}interval: 1m\n`)).toEqual(['ERR_SCENARIO_VALUE 4:11']);
    expect(problems(`${BASE}interval: soon\n`)[0]).toMatch(/^ERR_SCENARIO_VALUE 4:11/);
    expect(() => applyOverrides(load(BASE), { interval: '10ms' })).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION' }));
    expect(() => applyOverrides(load(BASE), { interval: 'later' })).toThrow(/--interval "later": not a duration/);
  });
});
