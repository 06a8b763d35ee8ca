// issue 15 against real servers: the bundled server's /cookies, /gzip, /brotli, /deflate and
// /anything, and node:http where a test needs to see exactly what arrived.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/engine/index.js';
import type { FastbenchServer } from '../../../src/server/server.js';
import { scenario, startBundled, startNodeServer } from './helpers.js';

let url = '';
let server: FastbenchServer;

beforeAll(async () => {
  const s = await startBundled();
  url = s.url;
  server = s.server;
});
afterAll(async () => {
  await server.close(200);
});

describe('cookies', () => {
  const flow = (extra: string) => `
target: ${url}
${extra}
load: [{ connections: 2, iterations: 6 }]
flows:
  - name: session
    steps:
      - { name: set, path: "/cookies/set?x=1" }
      - { name: read, path: /cookies, expect: { bodyContains: ['"x": "1"'] } }
`;

  it('a multi-step flow sends back what an earlier step was told (/cookies/set then /cookies)', async () => {
    const r = await runScenario(scenario(flow('')));
    expect(r.overall.requests).toBe(12);
    expect(r.errorsByCode).toEqual({});
    expect(r.overall.errors).toBe(0);
  });

  it('without a jar (cookies: off) the same expectation fails', async () => {
    const r = await runScenario(scenario(flow('cookies: off')));
    expect(r.errorsByCode.ERR_EXPECT_FAILED).toBe(6);
  });

  it('seeds every jar with cookies.values, in requests mode too', async () => {
    const r = await runScenario(scenario(`
target: ${url}
cookies: { values: { lang: en } }
load: [{ connections: 1, iterations: 3 }]
requests: [{ path: /cookies, expect: { bodyContains: ['"lang": "en"'] } }]
`));
    expect(r.overall.requests).toBe(3);
    expect(r.overall.errors).toBe(0);
  });

  it('the cookies of a setup flow (the login) survive every per-iteration reset; those of an iteration do not', async () => {
    // setup logs in (session=s1); each iteration reads, then is told tmp=1: the next iteration
    // must again see the session but not tmp.
    const seen: string[] = [];
    const node = await startNodeServer((req, res) => {
      if (req.url === '/login') res.setHeader('Set-Cookie', 'session=s1; Path=/');
      else if (req.url === '/tmp') res.setHeader('Set-Cookie', 'tmp=1; Path=/');
      else seen.push(req.headers.cookie ?? '-');
      res.end('ok');
    });
    try {
      const r = await runScenario(scenario(`
target: ${node.url}
load: [{ connections: 1, iterations: 3 }]
setup: [{ path: /login }]
flows: [{ steps: [{ path: /check }, { path: /tmp }] }]
`));
      expect(r.overall.errors).toBe(0);
      expect(seen).toEqual(['session=s1', 'session=s1', 'session=s1']);
    } finally {
      await node.close();
    }
  });

  it('starts each iteration with a fresh jar, unless cookies: keep', async () => {
    // The server hands out n=1, n=2, ... and records the Cookie header each /check arrived with.
    let n = 0;
    const seen: string[] = [];
    const node = await startNodeServer((req, res) => {
      if (req.url === '/login') res.setHeader('Set-Cookie', `n=${++n}; Path=/`);
      else seen.push(req.headers.cookie ?? '-');
      res.end('ok');
    });
    try {
      const yaml = (extra: string) => `
target: ${node.url}
${extra}
load: [{ connections: 1, iterations: 3 }]
flows: [{ steps: [{ path: /check }, { path: /login }] }]
`;
      await runScenario(scenario(yaml('')));
      expect(seen).toEqual(['-', '-', '-']);
      seen.length = 0;
      n = 0;
      await runScenario(scenario(yaml('cookies: keep')));
      expect(seen).toEqual(['-', 'n=1', 'n=2']);
    } finally {
      await node.close();
    }
  });
});

describe('compression', () => {
  it.each([['/gzip', 'gzipped'], ['/brotli', 'brotli'], ['/deflate', 'deflated']])('compressed: true decodes %s before the expectation reads it', async (path, flag) => {
    const r = await runScenario(scenario(`
target: ${url}
client: { compressed: true }
load: [{ connections: 1, iterations: 4 }]
requests: [{ path: ${path}, expect: { bodyContains: ['"${flag}": true'] } }]
`));
    expect(r.overall.errors).toBe(0);
    expect(r.decode).toBeDefined();
    expect(r.decode!.responses).toBe(4);
    expect(r.decode!.wireBytes).toBeLessThan(r.decode!.decodedBytes);
    expect(r.decode!.cpuMs).toBeGreaterThanOrEqual(0);
    // Bytes in stay bytes on the wire: heads plus the compressed bodies.
    expect(r.overall.bytesIn).toBeLessThan(r.decode!.decodedBytes + 4 * 200);
    expect(r.overall.bytesIn).toBeGreaterThan(r.decode!.wireBytes);
  });

  it('without compressed: the raw gzip body does not meet the expectation', async () => {
    const r = await runScenario(scenario(`
target: ${url}
load: [{ connections: 1, iterations: 2 }]
requests: [{ path: /gzip, expect: { bodyContains: ['"gzipped": true'] } }]
`));
    expect(r.errorsByCode.ERR_EXPECT_FAILED).toBe(2);
    expect(r.decode).toBeUndefined();
  });

  it('decodes for captures too, and nothing when no one reads the body', async () => {
    const r = await runScenario(scenario(`
target: ${url}
client: { compressed: true }
load: [{ connections: 1, iterations: 2 }]
flows:
  - steps:
      - { path: /gzip, capture: { coding: "$.coding" } }
      - { path: "/anything?c={{vars.coding}}", expect: { bodyContains: ['"c": "gzip"'] } }
      - { path: /site/ }
`));
    expect(r.overall.errors).toBe(0);
    // /gzip twice (captured); /site/ comes compressed but nothing reads it: not decoded.
    expect(r.decode!.responses).toBe(2);
  });

  it('counts a body that cannot be decoded as ERR_CONTENT_DECODE', async () => {
    const good = gzipSync(Buffer.from('fine'));
    let i = 0;
    const node = await startNodeServer((_req, res) => {
      res.setHeader('Content-Encoding', 'gzip');
      res.end(i++ % 2 === 0 ? Buffer.from('definitely not gzip') : good);
    });
    try {
      const r = await runScenario(scenario(`
target: ${node.url}
client: { compressed: true }
load: [{ connections: 1, iterations: 4 }]
requests: [{ path: /, expect: { bodyContains: [fine] } }]
`));
      expect(r.errorsByCode.ERR_CONTENT_DECODE).toBe(2);
      expect(r.overall.errors).toBe(2);
    } finally {
      await node.close();
    }
  });
});

describe('auth, form and multipart on the wire', () => {
  it('sends Basic auth, a urlencoded form and a multipart body the echo reads back', async () => {
    const r = await runScenario(scenario(`
target: ${url}
load: [{ connections: 1, iterations: 3 }]
flows:
  - steps:
      - { path: /anything, auth: { user: alice, password: pw }, expect: { bodyContains: ['"Basic YWxpY2U6cHc="'] } }
      - { method: POST, path: /anything, form: { a: "1 2", b: "&" }, expect: { bodyContains: ['"body": "a=1+2&b=%26"', 'application/x-www-form-urlencoded'] } }
      - { method: POST, path: /anything, multipart: { note: hello }, expect: { bodyContains: ['multipart/form-data; boundary=fastbench-', 'name=\\"note\\"\\r\\n\\r\\nhello'] } }
`));
    expect(r.errorsByCode).toEqual({});
    expect(r.overall.requests).toBe(9);
  });
});
