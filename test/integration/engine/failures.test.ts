// Failure is not success (issue 11 items 3 and 8): a status >= 400 fails unless expect.status
// accepts it, failed responses still count their status and bytes, a failed capture ends the
// iteration, bytes read by failed exchanges count, an unsolicited response is a counted error,
// and the response-body cap is settable — against servers on 127.0.0.1.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/engine/index.js';
import type { FastbenchServer } from '../../../src/server/server.js';
import { scenario, startBundled } from './helpers.js';

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

/** A raw TCP server: `onRequest(socket, requestBytes)` per request head+body it can frame. */
async function rawServer(onData: (socket: net.Socket, chunk: Buffer) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    sock.on('data', (d) => onData(sock, d));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}

describe('failed requests (k6 http_req_failed rule)', () => {
  it('counts a status >= 400 as a failure by status, keeping its status and bytes', async () => {
    const s = scenario(`
target: ${url}
load:
  - { connections: 2, requests: 40 }
requests:
  - name: missing
    path: /status/404
`);
    const r = await runScenario(s);
    expect(r.overall.requests).toBe(40);
    expect(r.overall.errors).toBe(40);
    expect(r.overall.responses).toBe(0);
    expect(r.errorsByStatus).toEqual({ '404': 40 });
    expect(r.errorsByCode).toEqual({});
    expect(r.statusCounts).toEqual({ '404': 40 });
    expect(r.overall.bytesIn).toBeGreaterThan(40 * 20);
    expect(r.overall.bytesOut).toBeGreaterThan(40 * 20);
    expect(r.overall.latencyMs.count).toBe(40);
  });

  it('lets expect.status accept a 4xx and reject a 2xx', async () => {
    const s = scenario(`
target: ${url}
load:
  - { connections: 1, requests: 20 }
requests:
  - name: gone
    path: /status/404
    expect: { status: [404] }
  - name: only-201
    path: /plaintext
    expect: { status: 201 }
`);
    const r = await runScenario(s);
    const gone = r.requests.find((q) => q.name === 'gone')!;
    const only = r.requests.find((q) => q.name === 'only-201')!;
    expect(gone.requests + only.requests).toBe(20);
    expect(gone.errors).toBe(0);
    expect(gone.responses).toBe(gone.requests);
    expect(only.errors).toBe(only.requests);
    expect(only.errorsByStatus).toEqual(only.requests > 0 ? { '200': only.requests } : {});
    expect(r.statusCounts['200'] ?? 0).toBe(only.requests);
  });

  it('counts a failed body check as ERR_EXPECT_FAILED with its status still counted', async () => {
    const s = scenario(`
target: ${url}
load:
  - { connections: 1, requests: 10 }
requests:
  - path: /plaintext
    expect: { bodyContains: NOT-THERE }
`);
    const r = await runScenario(s);
    expect(r.errorsByCode).toEqual({ ERR_EXPECT_FAILED: 10 });
    expect(r.errorsByStatus).toEqual({});
    expect(r.statusCounts).toEqual({ '200': 10 });
    expect(r.overall.bytesIn).toBeGreaterThan(10 * 13);
  });
});

describe('captures', () => {
  it('a capture that finds nothing fails its step and ends the iteration (later steps are not sent)', async () => {
    const s = scenario(`
target: ${url}
load:
  - { connections: 2, iterations: 8 }
flows:
  - name: f
    steps:
      - name: first
        path: /json
        capture:
          token: $.no.such.field
      - name: second
        path: /anything?t={{vars.token}}
`);
    const r = await runScenario(s);
    const first = r.requests.find((q) => q.name === 'first')!;
    const second = r.requests.find((q) => q.name === 'second')!;
    expect(first.requests).toBe(8);
    expect(first.errorsByCode).toEqual({ ERR_CAPTURE_FAILED: 8 });
    expect(first.statusCounts).toEqual({ '200': 8 });
    expect(first.bytesIn).toBeGreaterThan(0);
    expect(second.requests).toBe(0);
  });

  it("the docs' capture example runs against the bundled server without an error", async () => {
    const doc = readFileSync(new URL('../../../docs/SCENARIOS.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Flows and captures'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    expect(yaml).toContain('target: builtin');
    // Same server code as `fastbench serve`, in this process; a short bounded load.
    const text = yaml
      .replace('target: builtin', `target: ${url}`)
      .replace(/load:\n(?: {2}.*\n)+/, 'load:\n  - { connections: 2, iterations: 6 }\n')
      .replace(/think: \S+/, 'think: 10ms');
    const r = await runScenario(scenario(text));
    expect(r.overall.errors).toBe(0);
    expect(r.requests.map((q) => [q.name, q.requests])).toEqual([
      ['login', 6],
      ['cart', 6],
    ]);
  });
});

describe('bytes and connections', () => {
  it('counts the bytes a failed exchange read (a response cut short)', async () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n';
    const srv = await rawServer((sock) => {
      sock.write(head + 'x'.repeat(300));
      setTimeout(() => sock.destroy(), 5);
    });
    try {
      const s = scenario(`
target: ${srv.url}
load:
  - { connections: 1, requests: 3 }
requests:
  - path: /
`);
      const r = await runScenario(s);
      expect(r.overall.requests).toBe(3);
      expect(r.overall.errors).toBe(3);
      expect(r.overall.bytesIn).toBe(3 * (head.length + 300));
    } finally {
      await srv.close();
    }
  });

  it('counts an unsolicited second response as ERR_HTTP_UNSOLICITED_RESPONSE', async () => {
    const one = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    // Each connection's first request gets two answers in one write: the second is unasked-for.
    const srv = await rawServer((sock) => {
      const first = (sock as net.Socket & { answered?: boolean }).answered !== true;
      (sock as net.Socket & { answered?: boolean }).answered = true;
      sock.write(first ? one + one : one);
    });
    try {
      const s = scenario(`
target: ${srv.url}
load:
  - { connections: 1, requests: 5 }
requests:
  - path: /
`);
      const r = await runScenario(s);
      expect(r.overall.requests).toBe(5);
      expect(r.overall.errors).toBe(0);
      // The connection that got the stray answer is closed, so every request opens a new one and
      // gets one (the stray is counted as it is read, before the response ahead of it is delivered).
      expect(r.errorsByCode).toEqual({ ERR_HTTP_UNSOLICITED_RESPONSE: 5 });
    } finally {
      await srv.close();
    }
  });

  it('fails a body over the cap with a counted ERR_HTTP_BODY_TOO_LARGE; client.maxResponseBodySize raises it', async () => {
    const small = scenario(`
target: ${url}
load:
  - { connections: 1, requests: 3 }
requests:
  - path: /bytes/20000
client: { maxResponseBodySize: 10kb }
`);
    const r1 = await runScenario(small);
    expect(r1.errorsByCode).toEqual({ ERR_HTTP_BODY_TOO_LARGE: 3 });
    expect(r1.overall.responses).toBe(0);
    expect(r1.overall.bytesIn).toBeGreaterThan(0);
    const big = scenario(`
target: ${url}
load:
  - { connections: 1, requests: 3 }
requests:
  - path: /bytes/20000
client: { maxResponseBodySize: 64KiB }
`);
    const r2 = await runScenario(big);
    expect(r2.overall.errors).toBe(0);
    expect(r2.overall.bytesIn).toBeGreaterThan(3 * 20000);
  });
});
