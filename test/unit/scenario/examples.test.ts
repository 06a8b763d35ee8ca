import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerValidateCommand } from '../../../src/cli/validate-command.js';
import { loadScenario, plannedSends, type OpenPhase } from '../../../src/scenario/index.js';
import { FIXTURES } from './helpers.js';

const DIR = fileURLToPath(new URL('../../../scenarios/', import.meta.url));
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') || f.endsWith('.json'));

describe('example scenarios', () => {
  it('are all present', () => {
    expect(files.sort()).toEqual([
      'capacity-search.yaml', 'csv-feeder.yaml', 'flow-capture.yaml', 'hooks-branch.yaml', 'hooks-hmac.yaml', 'hooks-oauth.yaml', 'llm-stream.yaml', 'max-throughput.yaml', 'open-ramp.yaml',
      'replay.yaml', 'shop-session.yaml', 'smoke.yaml', 'web-session.yaml', 'ws-echo.yaml',
    ]);
  });

  it.each(files)('%s loads, validates and stays short (≤ 6 s)', (file) => {
    const s = loadScenario(`${DIR}${file}`, { processEnv: {} });
    expect(s.target).toEqual({ kind: 'builtin' });
    // issue 18: a capacity search is bounded by its maxDuration
    const total = s.search !== undefined ? s.search.maxDurationMs : s.phases.reduce((ms, p) => ms + (p.durationMs ?? Infinity), 0);
    expect(total).toBeLessThanOrEqual(6000);
    expect(s.search !== undefined || s.phases.some((p) => !p.warmup)).toBe(true);
  });

  it('smoke: closed load with a warmup and thresholds', () => {
    const s = loadScenario(`${DIR}smoke.yaml`);
    expect(s.phases.map((p) => [p.model, p.warmup])).toEqual([['closed', true], ['closed', false]]);
    expect(s.requests.every((r) => r.static)).toBe(true);
    expect(s.thresholds.map((t) => [t.metric, t.request])).toEqual([['p99', undefined], ['errors', undefined], ['p99.9', 'json'], ['max', 'json']]);
  });

  it('capacity-search: a search item with its SLO and bounds (issue 18)', () => {
    const s = loadScenario(`${DIR}capacity-search.yaml`);
    expect(s.phases).toEqual([]);
    expect(s.search).toMatchObject({ fromRate: 200, toRate: 20000, stepFactor: 2, stepMs: 1000, holdMs: 2000, tolerance: 0.1, maxDurationMs: 6000, maxConnections: 64 });
    expect(s.search!.slo.map((t) => [t.metric, t.op, t.value])).toEqual([['p99', '<', 50], ['errors', '<', 0.01]]);
  });

  it('open-ramp: a ramp then stairs', () => {
    const s = loadScenario(`${DIR}open-ramp.yaml`);
    const [ramp, stairs] = s.phases as OpenPhase[];
    expect([ramp!.shape, stairs!.shape]).toEqual(['ramp', 'stairs']);
    expect(plannedSends(ramp!)).toBe(2200);
    expect(plannedSends(stairs!)).toBe(4500);
  });

  it('ws-echo: ws flow steps between request steps, gated on ws_* metrics (issue 18)', () => {
    const s = loadScenario(`${DIR}ws-echo.yaml`);
    expect(s.flows[0]!.steps.map((st) => [st.name, st.ws?.send.length])).toEqual([['login', undefined], ['echo', 3], ['ping', 1]]);
    expect(s.thresholds.filter((t) => t.stream?.startsWith('ws_')).map((t) => t.metric)).toEqual(['ws_connect p99', 'ws_rtt p99', 'ws_messages/s p50', 'ws_rtt max']);
  });

  it('web-session: cookie jars seeded, compression, a form and Basic auth (issue 15)', () => {
    const s = loadScenario(`${DIR}web-session.yaml`);
    expect(s.cookies).toEqual({ mode: 'iteration', values: [['lang', 'en']] });
    const steps = s.flows[0]!.steps;
    expect(steps.every((st) => st.compressed === true)).toBe(true);
    expect(steps.find((st) => st.name === 'checkout')!.body.kind).toBe('template');
    // Fixed credentials and Accept-Encoding are fixed headers: the steps stay serialize-once.
    expect(steps.every((st) => st.static)).toBe(true);
  });

  it('shop-session: login once in setup, unique shoppers, random think, pace, logout in teardown', () => {
    const s = loadScenario(`${DIR}shop-session.yaml`);
    expect(s.setup!.steps.map((st) => st.name)).toEqual(['setup/login', 'setup/session cookie']);
    expect(s.teardown!.steps.map((st) => st.name)).toEqual(['teardown/logout']);
    expect(s.data).toMatchObject({ order: 'unique', onExhausted: 'stop', format: 'jsonl' });
    expect(s.flows.map((f) => f.paceMs)).toEqual([1000, 2000]);
    expect(s.flows.flatMap((f) => f.steps.map((st) => st.think?.dist))).toEqual(['uniform', 'uniform', 'uniform', 'exponential', 'normal', 'normal']);
    expect(s.seed).toBe(15);
  });

  it('flow-capture: captures feed later steps', () => {
    const s = loadScenario(`${DIR}flow-capture.yaml`);
    const flow = s.flows[0]!;
    expect(flow.vars).toEqual(['session', 'user', 'seen']);
    expect(flow.steps[0]!.captures.map((c) => c.source)).toEqual(['json', 'regex']);
    expect(flow.steps[1]!.path.parts.map((p) => p.name)).toEqual(['vars.session']);
  });

  it('csv-feeder: a data file with quoted fields', () => {
    const s = loadScenario(`${DIR}csv-feeder.yaml`);
    expect(s.data!.columns).toEqual(['username', 'password', 'display_name', 'plan']);
    expect(s.data!.rows[0]![2]).toBe('Liddell, Alice');
    expect(s.data!.rows[3]![2]).toBe('Dave\n(two lines)');
  });
});

describe('fastbench validate', () => {
  let out = '';
  let err = '';
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  async function run(...args: string[]): Promise<number | undefined> {
    out = '';
    err = '';
    process.exitCode = undefined;
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    const program = new Command().exitOverride();
    registerValidateCommand(program);
    await program.parseAsync(['node', 'fastbench', 'validate', ...args]);
    const code = typeof process.exitCode === 'number' ? process.exitCode : undefined;
    vi.restoreAllMocks();
    return code;
  }

  it('prints ok with phase and request counts', async () => {
    expect(await run(`${DIR}smoke.yaml`)).toBeUndefined();
    expect(out).toBe('ok: smoke (2 phases, 2 requests)\n');
    expect(err).toBe('');
    await run(`${DIR}flow-capture.yaml`);
    expect(out).toBe('ok: flow-capture (1 phases, 3 requests)\n');
  });

  it('prints every error with its position and sets exit code 2', async () => {
    expect(await run(`${FIXTURES}json-bad.json`)).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`error[ERR_SCENARIO_UNKNOWN_KEY]: unknown key "conections" in load[0] (did you mean "connections"?) at ${FIXTURES}json-bad.json:3:14\n`);
  });

  it('passes -e NAME=value to {{env.NAME}} and rejects malformed pairs', async () => {
    const file = `${FIXTURES}env.yaml`;
    expect(await run(file)).toBe(2);
    expect(err.split('\n')).toEqual([
      expect.stringMatching(/^error\[ERR_SCENARIO_TEMPLATE\]: environment variable FB_TEST_HOST is not set .* at .*env\.yaml:1:19$/),
      expect.stringMatching(/^error\[ERR_SCENARIO_TEMPLATE\]: environment variable FB_TEST_TOKEN is not set .* at .*env\.yaml:5:40$/),
      '',
    ]);
    expect(await run(file, '-e', 'FB_TEST_HOST=127.0.0.1', '--env', 'FB_TEST_TOKEN=abc')).toBeUndefined();
    expect(out).toBe('ok: env (1 phases, 1 requests)\n');
    expect(await run(file, '-e', 'oops')).toBe(2);
    expect(err).toMatch(/^error\[ERR_USAGE_BAD_OPTION\]: -e expects NAME=value/);
  });
});
