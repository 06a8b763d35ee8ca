// Scripting hooks (issue 16) end to end: the three examples of scenarios/ against the bundled
// server (which verifies HMAC signatures and bearer tokens), and what a hooks module may do and
// break: edit requests, judge and branch on responses, throw, be slow, fail to load.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/engine/index.js';
import { FastbenchError } from '../../../src/core/errors.js';
import { loadScenario, type Scenario } from '../../../src/scenario/index.js';
import { nodeStripsTypes } from '../../../src/scenario/hooks-file.js';
import { startBundled } from './helpers.js';

const EXAMPLES = fileURLToPath(new URL('../../../scenarios/', import.meta.url));
let url = '';
let stop: () => Promise<void> = async () => {};
let dir = '';

beforeAll(async () => {
  const b = await startBundled();
  url = b.url;
  stop = () => b.server.close(200);
  dir = mkdtempSync(join(tmpdir(), 'fastbench-hooks-'));
});
afterAll(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A scenario file and its hooks module in the temp dir, loaded. */
function write(name: string, yaml: string, hooks: string, ext = 'mjs'): Scenario {
  writeFileSync(join(dir, `${name}.${ext}`), hooks);
  writeFileSync(join(dir, `${name}.yaml`), `name: ${name}\ntarget: ${url}\nhooks: ./${name}.${ext}\n${yaml}`);
  return loadScenario(join(dir, `${name}.yaml`), { processEnv: {} });
}

function example(file: string, durationMs: number): Scenario {
  const s = loadScenario(`${EXAMPLES}${file}`, { processEnv: {}, overrides: { duration: durationMs } });
  return { ...s, target: { kind: 'url', origins: [url], basePath: '' } } as Scenario;
}

const count = (r: { requests: { name: string; requests: number }[] }, name: string): number => r.requests.find((q) => q.name === name)?.requests ?? 0;

describe('hooks: the examples against fastbench serve', () => {
  it('hooks-hmac: every signed request passes /hmac/verify; an unsigned one is refused', async () => {
    const r = await runScenario(example('hooks-hmac.yaml', 600));
    expect(count(r, 'signed get')).toBeGreaterThan(0);
    expect(count(r, 'signed post')).toBeGreaterThan(0);
    expect(r.summary.errors).toBe(0);
    expect(r.statusCounts['401']).toBeUndefined();
    const unsigned = await fetch(`${url}/hmac/verify?item=42`);
    expect(unsigned.status).toBe(401);
  });

  it('hooks-hmac in two worker threads: each loads the module', async () => {
    const r = await runScenario(example('hooks-hmac.yaml', 500), { workers: 2 });
    expect(r.generator.workers).toBe(2);
    expect(count(r, 'signed post')).toBeGreaterThan(0);
    expect(r.summary.errors).toBe(0);
  });

  it('hooks-oauth: a token from setup, refreshed before expiry (>= 2 fetches), never a 401', async () => {
    const before = ((await (await fetch(`${url}/oauth/stats`)).json()) as { issued: number }).issued;
    const r = await runScenario(example('hooks-oauth.yaml', 3000));
    const after = ((await (await fetch(`${url}/oauth/stats`)).json()) as { issued: number }).issued;
    expect(r.summary.requests).toBeGreaterThan(0);
    expect(r.summary.errors).toBe(0);
    expect(after - before).toBeGreaterThanOrEqual(2);
    // And the route refuses what the hook would send without a token.
    expect((await fetch(`${url}/oauth/protected`)).status).toBe(401);
  });

  it('hooks-branch: afterResponse picks premium or basic; vars written by the hook reach templates', async () => {
    const r = await runScenario(example('hooks-branch.yaml', 800));
    const lookup = count(r, 'lookup');
    const basic = count(r, 'basic');
    const premium = count(r, 'premium');
    expect(basic).toBeGreaterThan(0);
    expect(premium).toBeGreaterThan(0);
    // One of the two per lookup (an iteration cut by the run's end may miss its second step).
    expect(basic + premium).toBeLessThanOrEqual(lookup);
    expect(lookup - (basic + premium)).toBeLessThanOrEqual(2);
    expect(r.summary.errors).toBe(0); // premium's expect needs vars.tier = "gold", set by the hook
  });
});

describe('hooks: requests, responses and failures', () => {
  it('beforeRequest edits method, path, headers and body; vu.vars persists per user', async () => {
    const s = write(
      'edit',
      `load: [{ connections: 2, requests: 40 }]
requests:
  - name: edited
    path: /anything/original
  - name: untouched
    path: /anything/untouched
`,
      `export const beforeRequest = {
  edited(req, vu) {
    vu.vars.n = (vu.vars.n ?? 0) + 1;
    req.method = 'POST';
    req.path = '/anything/changed?n=' + vu.vars.n;
    req.headers['X-Sig'] = 'sig-' + vu.id;
    req.body = { hello: 'world' };
  },
};
export function afterResponse(res, vu) {
  const doc = res.json;
  if (res.headers['content-type'] !== 'application/json') return false;
  if (doc.path === '/anything/untouched') return doc.method === 'GET' && !doc.headers.some(([n]) => n === 'X-Sig');
  return doc.method === 'POST' && doc.path === '/anything/changed' && Number(doc.query.n) >= 1
    && doc.headers.some(([n, v]) => n === 'X-Sig' && v === 'sig-' + vu.id) && doc.body === '{"hello":"world"}';
}
`,
    );
    const r = await runScenario(s);
    expect(count(r, 'edited')).toBeGreaterThan(0);
    expect(count(r, 'untouched')).toBeGreaterThan(0);
    expect(r.errorsByCode).toEqual({});
    expect(r.summary.errors).toBe(0);
  });

  it('a hook that throws counts ERR_HOOK with its name and file:line:col; the run goes on', async () => {
    const s = write(
      'throws',
      `load: [{ connections: 1, requests: 30 }]
requests:
  - name: sometimes
    path: /plaintext
`,
      `let n = 0;
export function beforeRequest(req) {
  n++;
  if (n % 3 === 0) {
    throw new Error('no key for ' + req.name);
  }
}
`,
    );
    const r = await runScenario(s);
    expect(r.errorsByCode.ERR_HOOK).toBe(10);
    expect(r.summary.requests).toBe(30);
    const w = r.generator.warnings.find((x) => x.includes('hook beforeRequest'));
    expect(w).toContain('(request "sometimes")');
    expect(w).toMatch(/throws\.mjs:5:11: Error: no key for sometimes \(10 times/);
  });

  it('afterResponse returning false is ERR_HOOK_REJECTED; vu.next naming no step is ERR_HOOK', async () => {
    const s = write(
      'judge',
      `load: [{ connections: 1, iterations: 10 }]
flows:
  - name: f
    steps:
      - name: one
        path: /status/200
      - name: two
        path: /status/200
`,
      `export const afterResponse = {
  one(res, vu) { if (vu.id === 0) vu.next = 'nowhere'; },
  two(res) { return res.status !== 200; },
};
`,
    );
    const r = await runScenario(s);
    expect(r.errorsByCode.ERR_HOOK).toBe(10);
    expect(count(r, 'two')).toBe(0); // the failed step ended each iteration
    expect(r.generator.warnings.some((x) => x.includes('vu.next = "nowhere" names no step'))).toBe(true);
  });

  it('hooks that take the loop make the run invalid, blamed on the hooks', async () => {
    const s = write(
      'slow',
      `load: [{ connections: 4, duration: 1200ms }]
requests:
  - name: busy
    path: /plaintext
`,
      `export function beforeRequest() {
  const end = performance.now() + 20;
  while (performance.now() < end);
}
`,
    );
    // A low utilization limit: the verdict must not depend on how loaded this machine is.
    const r = await runScenario(s, { healthLimits: { maxUtilization: 0.5 } });
    expect(r.generator.valid).toBe(false);
    expect(r.generator.invalidReason).toContain('the hooks are the bottleneck');
    expect(r.generator.warnings.some((x) => x.startsWith('hooks over budget'))).toBe(true);
  });

  it('a module that cannot load is ERR_HOOK_LOAD before anything is sent', async () => {
    const s = write('bad', `load: [{ connections: 1, requests: 5 }]\nrequests: [{ path: /plaintext }]\n`, 'export const beforeRequest = 42;\n');
    const e = await runScenario(s).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(FastbenchError);
    expect((e as FastbenchError).code).toBe('ERR_HOOK_LOAD');
    expect((e as FastbenchError).message).toContain('beforeRequest must be a function or an object of functions');
  });

  it('a setup that throws is ERR_HOOK_LOAD naming where', async () => {
    const s = write('setupfail', `load: [{ connections: 1, requests: 5 }]\nrequests: [{ path: /plaintext }]\n`, 'export async function setup() {\n  throw new Error("no token");\n}\n');
    const e = (await runScenario(s).then(() => undefined, (x: unknown) => x)) as FastbenchError;
    expect(e.code).toBe('ERR_HOOK_LOAD');
    expect(e.message).toMatch(/setup\(\) failed at .*setupfail\.mjs:2:9: no token/);
  });

  it('a .ts hooks file runs where Node strips types, else ERR_HOOK_TS_UNSUPPORTED at load', async () => {
    const yaml = `load: [{ connections: 1, requests: 4 }]\nrequests: [{ name: t, path: /anything/t }]\n`;
    const hooks = `export function beforeRequest(req: { headers: Record<string, string> }): void {\n  req.headers['X-Typed'] = 'yes';\n}\n`;
    if (nodeStripsTypes()) {
      const s = write('typed', yaml, hooks, 'ts');
      const r = await runScenario(s);
      expect(r.summary.errors).toBe(0);
    } else {
      let err: unknown;
      try {
        write('typed', yaml, hooks, 'ts');
      } catch (e) {
        err = e;
      }
      expect((err as FastbenchError).code).toBe('ERR_HOOK_TS_UNSUPPORTED');
      expect((err as FastbenchError).message).toContain('does not strip types');
    }
  });
});
