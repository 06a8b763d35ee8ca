// Closed phases, stop conditions, warmup exclusion, weighted picking, expectations, flows with
// captures, CSV rows, several targets — against servers on 127.0.0.1.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/engine/index.js';
import type { FastbenchServer } from '../../../src/server/server.js';
import { parseScenario } from '../../../src/scenario/index.js';
import { scenario, startBundled, startNodeServer } from './helpers.js';

let url = '';
let server: FastbenchServer;
let dir = '';

beforeAll(async () => {
  const s = await startBundled();
  url = s.url;
  server = s.server;
  dir = mkdtempSync(join(tmpdir(), 'fastbench-engine-'));
});
afterAll(async () => {
  await server.close(200);
  rmSync(dir, { recursive: true, force: true });
});

describe('closed model', () => {
  it('stops on a request count; the warmup is left out of the statistics', async () => {
    const s = scenario(`
target: ${url}
load:
  - warmup: true
    connections: 2
    duration: 300ms
  - connections: 3
    requests: 300
requests:
  - path: /plaintext
`);
    const r = await runScenario(s);
    expect(r.summary.requests).toBe(300);
    expect(r.summary.errors).toBe(0);
    expect(r.phases.map((p) => p.kind)).toEqual(['warmup', 'closed']);
    expect(Number(r.phases[0]!.details!.sent)).toBeGreaterThan(0);
  });

  it('keeps its connections across phases (no reconnect at a step)', async () => {
    const before = server.stats().connections.total;
    const s = scenario(`
target: ${url}
load:
  - { connections: 2, duration: 200ms }
  - { connections: 4, duration: 200ms }
  - { connections: 2, duration: 200ms }
  - { rate: 500, duration: 200ms, connections: 4 }
requests:
  - path: /plaintext
`);
    const r = await runScenario(s);
    expect(r.summary.errors).toBe(0);
    expect(server.stats().connections.total - before).toBe(4);
  });

  it('picks requests by weight; a status outside expect.status fails by status', async () => {
    const s = scenario(`
target: ${url}
load:
  - { connections: 2, requests: 400 }
requests:
  - name: ok
    path: /plaintext
    weight: 3
    expect: { status: 200, bodyContains: Hello }
  - name: bad
    path: /status/500
    expect: { status: 2xx }
`);
    const r = await runScenario(s);
    const ok = r.requests.find((q) => q.name === 'ok')!;
    const bad = r.requests.find((q) => q.name === 'bad')!;
    expect(ok.requests + bad.requests).toBe(400);
    expect(ok.requests).toBeGreaterThan(240);
    expect(ok.requests).toBeLessThan(360);
    expect(ok.errors).toBe(0);
    expect(bad.errors).toBe(bad.requests);
    expect(r.errorsByCode).toEqual({});
    expect(r.errorsByStatus).toEqual({ '500': bad.requests });
  });

  it('runs flows with captures, each user looping its flow', async () => {
    const s = scenario(`
target: ${url}
load:
  - { connections: 2, iterations: 10 }
flows:
  - name: session
    steps:
      - name: login
        method: POST
        path: /anything
        body: { session: "s-{{uuid}}" }
        capture:
          session: $.body.session
      - name: use
        path: /anything?session={{vars.session}}
        expect: { bodyContains: "session=s-" }
`);
    const r = await runScenario(s);
    expect(r.requests.map((q) => [q.name, q.requests, q.errors])).toEqual([
      ['login', 10, 0],
      ['use', 10, 0],
    ]);
  });

  it('sends CSV rows and {{seq}} in order; spreads over several targets', async () => {
    const seen: string[] = [];
    const a = await startNodeServer((req, res) => void (seen.push(`a ${req.url}`), res.end('a')));
    const b = await startNodeServer((req, res) => void (seen.push(`b ${req.url}`), res.end('b')));
    try {
      writeFileSync(join(dir, 'users.csv'), 'name,plan\nann,free\nbo b,pro\ncy,free\n');
      const s = parseScenario(
        `
targets: [${a.url}, ${b.url}]
data: users.csv
load:
  - { connections: 1, requests: 6 }
requests:
  - path: /u/{{data.name}}?n={{seq}}
    headers: { x-plan: "{{data.plan}}" }
`,
        join(dir, 'scenario.yaml'),
      );
      const r = await runScenario(s);
      expect(r.summary.requests).toBe(6);
      expect(r.summary.errors).toBe(0);
      const paths = seen.map((x) => x.slice(2));
      expect(paths).toEqual(['/u/ann?n=0', '/u/bo%20b?n=1', '/u/cy?n=2', '/u/ann?n=3', '/u/bo%20b?n=4', '/u/cy?n=5']);
      expect(seen.some((x) => x.startsWith('a '))).toBe(true);
      expect(seen.some((x) => x.startsWith('b '))).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('abort-on-fail thresholds', () => {
  it('stop the run once failed, judged on the data so far', async () => {
    const s = scenario(`
target: ${url}
load:
  - { connections: 2, duration: 20s }
requests:
  - name: slow
    path: /delay/30
thresholds:
  - check: p50 < 5ms
    request: slow
    abortOnFail: true
`);
    const started = Date.now();
    const r = await runScenario(s);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.abortedBy).toBe('slow: p50 < 5ms');
    expect(r.interrupted).toBe(true);
    expect(r.summary.requests).toBeGreaterThan(0);
  });
});
