// Sessions (issue 15): setup logs in once per virtual user, teardown logs out when the run ends,
// pace holds iterations apart, unique data rows go out once across workers, --seed repeats flow
// picks. A node:http server counts what it was sent; every assertion is on counts, never on time.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/engine/index.js';
import { scenario, startNodeServer } from './helpers.js';

let url = '';
let close: () => Promise<void>;
let dir = '';
/** What the server saw since the last reset. */
let seen: { logins: string[]; tokens: Set<string>; pages: number; badAuth: number; logouts: string[]; rows: string[]; paths: string[] };

function reset(): void {
  seen = { logins: [], tokens: new Set(), pages: 0, badAuth: 0, logouts: [], rows: [], paths: [] };
}

function handler(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    const u = new URL(req.url!, 'http://x');
    seen.paths.push(u.pathname);
    if (u.pathname === '/login') {
      const user = (JSON.parse(body || '{}') as { user?: string }).user ?? 'anon';
      const token = `tok-${seen.logins.length}`;
      seen.logins.push(user);
      seen.tokens.add(token);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ token }));
      return;
    }
    if (u.pathname === '/page') {
      seen.pages++;
      const auth = req.headers.authorization ?? '';
      if (!seen.tokens.has(auth.replace(/^Bearer /, ''))) {
        seen.badAuth++;
        res.statusCode = 401;
      }
      res.end('ok');
      return;
    }
    if (u.pathname === '/logout') {
      seen.logouts.push(u.searchParams.get('t') ?? '');
      res.end('bye');
      return;
    }
    if (u.pathname.startsWith('/row/')) {
      seen.rows.push(decodeURIComponent(u.pathname.slice(5)));
      res.end('row');
      return;
    }
    if (u.pathname === '/slow') {
      setTimeout(() => res.end('slow'), 40);
      return;
    }
    res.end('x');
  });
}

beforeAll(async () => {
  const s = await startNodeServer(handler);
  url = s.url;
  close = s.close;
  dir = mkdtempSync(join(tmpdir(), 'fastbench-sessions-'));
});
afterAll(async () => {
  await close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(reset);

const SESSION = (load: string) => `
target: ${'URL'}
load:
${load}
setup:
  - name: login
    method: POST
    path: /login
    body: { user: someone }
    capture: { token: $.token }
flows:
  - name: browse
    steps:
      - name: page
        path: /page
        headers: { Authorization: "Bearer {{vars.token}}" }
teardown:
  - name: logout
    path: /logout?t={{vars.token}}
`;

describe('setup and teardown', () => {
  it('log in once per virtual user, use the token in every iteration, log out at the end (count stop)', async () => {
    const s = scenario(SESSION('  - { connections: 3, iterations: 40 }').replace('URL', url));
    const r = await runScenario(s);
    expect(seen.logins).toHaveLength(3);
    expect(seen.pages).toBe(40);
    expect(seen.badAuth).toBe(0);
    // Each user logs out with its own token, once.
    expect(seen.logouts.sort()).toEqual([...seen.tokens].sort());
    expect(r.summary.errors).toBe(0);
    const byName = Object.fromEntries(r.requests.map((q) => [q.name, q.requests]));
    expect(byName).toEqual({ page: 40, 'setup/login': 3, 'teardown/logout': 3 });
    // Setup takes no iteration: the phase counts the 40 flow runs only.
    expect(r.phases[0]!.details!.iterations).toBe(40);
  });

  it('teardown also runs when the run ends on its duration', async () => {
    const s = scenario(SESSION('  - { connections: 2, duration: 400ms }').replace('URL', url));
    const r = await runScenario(s);
    expect(seen.logins).toHaveLength(2);
    expect(seen.logouts.sort()).toEqual([...seen.tokens].sort());
    expect(seen.badAuth).toBe(0);
    expect(r.requests.find((q) => q.name === 'teardown/logout')!.requests).toBe(2);
  });

  it('open model: setup takes no arrival of the schedule', async () => {
    const s = scenario(SESSION('  - { rate: 50, duration: 400ms, connections: 4 }').replace('URL', url));
    const r = await runScenario(s);
    const d = r.phases[0]!.details!;
    expect(d.scheduled).toBe(20);
    expect(seen.logins).toHaveLength(4);
    // Every flow run is an arrival (sent now or later, or missed): logins are not among them.
    expect(seen.pages).toBe(d.iterations);
    expect(Number(d.iterations) + Number(d.missed)).toBe(20);
    expect(seen.logouts).toHaveLength(4);
  });

  it('a failed setup is not followed by iterations (the user retries it later)', async () => {
    const s = scenario(SESSION('  - { connections: 2, duration: 300ms }').replace('URL', url).replace('path: /login', 'path: /login\n    expect: { status: 201 }'));
    const r = await runScenario(s);
    expect(seen.pages).toBe(0);
    expect(seen.logouts).toHaveLength(0); // never logged in: nothing to log out
    expect(r.requests.find((q) => q.name === 'setup/login')!.errors).toBeGreaterThanOrEqual(2);
  });
});

describe('pace', () => {
  it('starts an iteration at most every pace: iterations follow duration / pace, not the server', async () => {
    const s = scenario(`
target: ${url}
load:
  - { connections: 2, duration: 1s }
flows:
  - pace: 250ms
    steps:
      - path: /page-free
`);
    const r = await runScenario(s);
    const it = Number(r.phases[0]!.details!.iterations);
    // 2 users × starts at 0, 250, 500, 750 ms = 8; generous bounds (without pace: thousands).
    expect(it).toBeGreaterThanOrEqual(6);
    expect(it).toBeLessThanOrEqual(10);
    expect(r.phases[0]!.details!.paceOverruns).toBeTypeOf('number');
  });

  it('counts iterations longer than the pace as overruns and starts the next at once', async () => {
    const s = scenario(`
target: ${url}
load:
  - { connections: 1, iterations: 6 }
flows:
  - pace: 5ms
    steps:
      - path: /slow
`);
    const r = await runScenario(s);
    expect(r.phases[0]!.details!.iterations).toBe(6);
    // Every iteration (40 ms of server delay) overran its 5 ms pace; the last one ends the run.
    expect(Number(r.phases[0]!.details!.paceOverruns)).toBeGreaterThanOrEqual(4);
    expect(Number(r.phases[0]!.details!.paceOverruns)).toBeLessThanOrEqual(6);
  });

  it('think and pace report no overruns key when no flow has a pace', async () => {
    const s = scenario(`
target: ${url}
load:
  - { connections: 1, iterations: 3 }
flows:
  - steps:
      - path: /page-free
        think: 1ms..3ms
`);
    const r = await runScenario(s);
    expect(r.phases[0]!.details!.iterations).toBe(3);
    expect(r.phases[0]!.details!.paceOverruns).toBeUndefined();
  });
});

describe('unique data rows', () => {
  it('go out exactly once across 2 workers; the run ends when they run out', async () => {
    const file = join(dir, 'users.jsonl');
    writeFileSync(file, Array.from({ length: 30 }, (_, i) => JSON.stringify({ user: `u${i}` })).join('\n') + '\n');
    const s = scenario(`
target: ${url}
client: { workers: 2 }
data: { file: ${file}, order: unique }
load:
  - { connections: 4, duration: 20s }
flows:
  - steps:
      - path: /row/{{data.user}}
`);
    const r = await runScenario(s, { workers: 2 });
    expect(r.summary.requests).toBe(30);
    expect(seen.rows.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `u${i}`).sort());
    expect(r.phases[0]!.details!.dataExhausted).toBe(2);
  });

  it('with setup, a row is a user: users without a row do not run', async () => {
    const file = join(dir, 'three.json');
    writeFileSync(file, JSON.stringify([{ user: 'ann' }, { user: 'bob' }, { user: 'cy' }]));
    const s = scenario(
      SESSION('  - { connections: 5, iterations: 12 }')
        .replace('URL', url)
        .replace('body: { user: someone }', 'body: { user: "{{data.user}}" }')
        .replace('load:', `data: { file: ${file}, order: unique }\nload:`),
    );
    const r = await runScenario(s);
    expect(seen.logins.sort()).toEqual(['ann', 'bob', 'cy']);
    expect(seen.pages).toBe(12);
    expect(seen.logouts).toHaveLength(3);
    expect(r.phases[0]!.details!.dataExhausted).toBe(1);
  });
});

describe('unique rows with setup across workers', () => {
  it('a worker none of whose users has a row ends at once instead of waiting for a count it cannot reach', async () => {
    const file = join(dir, 'one.json');
    writeFileSync(file, JSON.stringify([{ user: 'solo' }]));
    const s = scenario(
      SESSION('  - { connections: 2, iterations: 10 }')
        .replace('URL', url)
        .replace('body: { user: someone }', 'body: { user: "{{data.user}}" }')
        .replace('load:', `data: { file: ${file}, order: unique }\nload:`),
    );
    const r = await runScenario(s, { workers: 2 });
    expect(seen.logins).toEqual(['solo']);
    // Worker 0 (row 0) runs its 5 iterations; worker 1 has no row and stops.
    expect(seen.pages).toBe(5);
    expect(seen.logouts).toHaveLength(1);
    expect(r.phases[0]!.details!.dataExhausted).toBe(1);
  }, 20_000);
});

describe('--seed', () => {
  it('repeats the flow picks of a run; another seed picks differently', async () => {
    const picks = async (seed: number): Promise<string> => {
      reset();
      const s = scenario(`
target: ${url}
seed: ${seed}
load:
  - { connections: 1, iterations: 40 }
flows:
  - steps: [{ path: /a }]
  - steps: [{ path: /b }]
`);
      await runScenario(s);
      return seen.paths.map((p) => p.slice(1)).join('');
    };
    const first = await picks(11);
    expect(first).toHaveLength(40);
    expect(await picks(11)).toBe(first);
    expect(await picks(12)).not.toBe(first);
  });
});

describe('unique rows in requests mode', () => {
  it('each row once; iterations count only what was sent', async () => {
    const file = join(dir, 'rows.csv');
    writeFileSync(file, 'user\n' + Array.from({ length: 9 }, (_, i) => `r${i}`).join('\n') + '\n');
    const s = scenario(`
target: ${url}
data: { file: ${file}, order: unique }
load:
  - { connections: 2, duration: 20s }
requests:
  - path: /row/{{data.user}}
`);
    const r = await runScenario(s);
    expect(seen.rows.sort()).toEqual(Array.from({ length: 9 }, (_, i) => `r${i}`));
    expect(r.phases[0]!.details!.iterations).toBe(9);
    expect(r.phases[0]!.details!.sent).toBe(9);
  }, 20_000);
});
