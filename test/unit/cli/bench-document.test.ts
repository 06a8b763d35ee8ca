// `fastbench bench` builds a scenario document — what the same test written as YAML would parse
// into — and the scenario compiler judges it like a file; its problems name the flag.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { benchDocument, benchScenario, type BenchFlags } from '../../../src/cli/bench-command.js';
import { FastbenchError } from '../../../src/core/errors.js';
import { parseScenario } from '../../../src/scenario/index.js';
import { runCli } from '../../helpers/cli.js';
import { Refusal } from '../../../src/cli/refusal.js';

const dir = mkdtempSync(join(tmpdir(), 'fb-bench-doc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** commander's defaults, as the action receives them. */
const defaults: BenchFlags = { connections: '10', pipelining: '1', method: 'GET', header: [], timeout: '10s', workers: '1', threshold: [] };

function problems(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof Refusal) return e.errors.map((x) => x.format());
    if (e instanceof FastbenchError) return [e.format()];
    throw e;
  }
  throw new Error('no error thrown');
}

describe('bench → scenario document', () => {
  it('a full flag set gives the document a YAML file would hold', () => {
    const { document } = benchDocument('http://127.0.0.1:8080/api/items?page=2', {
      ...defaults,
      connections: '50',
      pipelining: '4',
      duration: '30s',
      requests: '100000',
      rate: '6000/m',
      method: 'post',
      header: ['Content-Type: application/json', 'X-Trace:  {{not a template}} '],
      body: '{"a":1}',
      timeout: '2s',
      workers: '2',
      warmup: '5s',
      interval: '250ms',
      insecure: true,
      maxBody: '1mb',
      threshold: ['p99<10ms', 'errors<1%'],
    });
    expect(document).toEqual({
      name: 'bench http://127.0.0.1:8080/api/items?page=2',
      target: 'http://127.0.0.1:8080',
      client: { connections: 50, pipelining: 4, timeout: '2s', workers: 2, insecure: true, maxResponseBodySize: 1024 * 1024 },
      load: [
        { name: 'warmup', warmup: true, duration: '5s', rate: '6000/m' },
        { name: 'bench', duration: '30s', requests: 100000, rate: '6000/m' },
      ],
      requests: [{ method: 'POST', path: '/api/items?page=2', headers: { 'Content-Type': 'application/json', 'X-Trace': '\\{{not a template}}' }, body: '{"a":1}' }],
      thresholds: ['p99<10ms', 'errors<1%'],
      interval: '250ms',
    });
  });

  it('defaults: closed model for 10s; @file becomes bodyFile', () => {
    const file = join(dir, 'body.bin');
    writeFileSync(file, 'payload');
    const { document } = benchDocument('http://127.0.0.1:1', { ...defaults, body: `@${file}` });
    expect(document).toEqual({
      name: 'bench http://127.0.0.1:1/',
      target: 'http://127.0.0.1:1',
      client: { connections: 10, pipelining: 1, timeout: '10s', workers: 1 },
      load: [{ name: 'bench', duration: '10s' }],
      requests: [{ method: 'GET', path: '/', bodyFile: file }],
    });
    const s = benchScenario('http://127.0.0.1:1', { ...defaults, body: `@${file}` });
    expect(s.requests[0]!.body).toMatchObject({ kind: 'bytes', file });
  });

  it('compiles to what the same document read from YAML compiles to', () => {
    const flags: BenchFlags = { ...defaults, rate: '1000/s', requests: '500', header: ['Accept: */*'], body: 'hi {{x}}', threshold: ['p99<50ms'] };
    const fromFlags = benchScenario('http://127.0.0.1:9/x', flags);
    const { document } = benchDocument('http://127.0.0.1:9/x', flags);
    const yaml = stringify(document, { lineWidth: 0 });
    const fromFile = parseScenario(yaml, '<command line>');
    expect(parseYaml(yaml)).toEqual(document);
    expect(fromFlags).toEqual(fromFile);
    expect(fromFlags.phases[0]).toMatchObject({ model: 'open', requests: 500, maxConnections: 10 });
    // the body is sent as written: "{{" is literal text on the command line
    const body = fromFlags.requests[0]!.body;
    expect(body.kind === 'template' && body.template.static && body.template.literals[0]).toBe('hi {{x}}');
  });

  it('problems name the flag, not a position in a file', () => {
    expect(problems(() => benchScenario('http://127.0.0.1:1/', { ...defaults, header: ['X: a\u0001b'] }))).toEqual([
      'error[ERR_SCENARIO_VALUE]: --header "X: a\\u0001b": requests[0].headers.X contains a line break or control character',
    ]);
    expect(problems(() => benchScenario('http://127.0.0.1:1/', { ...defaults, header: ['Bad Name: x'] }))).toEqual([
      'error[ERR_SCENARIO_VALUE]: --header "Bad Name: x": requests[0].headers: "Bad Name" is not a valid header name',
    ]);
    expect(problems(() => benchScenario('http://127.0.0.1:1/', { ...defaults, method: 'G T' }))[0]).toMatch(/^error\[ERR_SCENARIO_VALUE\]: --method "G T": /);
    expect(problems(() => benchScenario('http://127.0.0.1:1/', { ...defaults, threshold: ['p99<10ms', 'p99<<1'] }))).toEqual([
      expect.stringMatching(/^error\[ERR_SCENARIO_THRESHOLD\]: --threshold "p99<<1": /),
    ]);
    expect(problems(() => benchScenario('http://127.0.0.1:1/', { ...defaults, header: ['Content-Length: 7'], body: 'hi' }))[0]).toMatch(/^error\[ERR_SCENARIO_VALUE\]: --header "Content-Length: 7": /);
    expect(problems(() => benchScenario('http://127.0.0.1:1/', { ...defaults, interval: '50ms' }))[0]).toMatch(/^error\[ERR_SCENARIO_VALUE\]: --interval "50ms": /);
    expect(problems(() => benchScenario('http://127.0.0.1:1/', { ...defaults, duration: '5' }))).toEqual(['error[ERR_USAGE_BAD_DURATION]: --duration "5": a duration needs a unit: did you mean "5s"?']);
    for (const e of problems(() => benchScenario('http://127.0.0.1:1/', { ...defaults, header: ['X: \n'] }))) expect(e).not.toMatch(/ at <command line>/);
  });

  it('a bad header via -H: exit 2, the flag named, nothing sent', async () => {
    const r = await runCli(['bench', 'http://127.0.0.1:1/', '-H', 'X: \n', '-n', '1', '-q'], { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error[ERR_SCENARIO_VALUE]: --header "X: \\n": requests[0].headers.X contains a line break or control character\n');
  });

  it('bench takes --interval and --force like run', async () => {
    expect(benchScenario('http://127.0.0.1:1/', { ...defaults, interval: '500ms' }).intervalMs).toBe(500);
    const r = await runCli(['bench', '--help']);
    expect(r.stdout).toMatch(/--interval <time>/);
    expect(r.stdout).toMatch(/--force/);
  });
});
