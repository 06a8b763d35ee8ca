// Every limit of the server core over real sockets: deadlines (read/slowloris, idle, write),
// size limits (413/414/431), codec rejections (400/505 and close), the concurrency cap (fast
// 503), the per-IP cap (429), maxRequestsPerConn, and graceful shutdown.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type FastbenchServer, type ServerOptions } from '../../../src/server/server.js';
import { RawClient, get } from './raw-client.js';
import { stubApp, type StubApp } from './stub-app.js';

let server: FastbenchServer | undefined;
let app: StubApp;
const clients: RawClient[] = [];

async function start(options: ServerOptions = {}): Promise<number> {
  app = stubApp();
  server = createServer({ port: 0, quiet: true, dispatcher: app, ...options });
  return (await server.listen()).port;
}

async function client(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.close(200);
  server = undefined;
});

describe('server deadlines', () => {
  it('drops a slowloris client (head trickling in) after readTimeout', async () => {
    const port = await start({ readTimeout: 300 });
    const c = await client(port);
    c.write('GET /plain HTTP/1.1\r\n');
    const trickle = setInterval(() => {
      if (!c.socket.destroyed) c.socket.write('X-A: b\r\n');
    }, 40);
    try {
      const info = await c.waitClose(3000);
      expect(info.afterMs).toBeGreaterThanOrEqual(200);
    } finally {
      clearInterval(trickle);
    }
    expect(c.responses).toHaveLength(0);
    expect(server!.stats().rejections).toEqual({ ERR_SERVER_READ_TIMEOUT: 1 });
  });

  it('drops a connection that never sends a request after readTimeout', async () => {
    const port = await start({ readTimeout: 200, idleTimeout: 60_000 });
    const c = await client(port);
    await c.waitClose(3000);
    expect(server!.stats().rejections).toEqual({ ERR_SERVER_READ_TIMEOUT: 1 });
  });

  it('closes an idle keep-alive connection after idleTimeout', async () => {
    const port = await start({ idleTimeout: 200 });
    const c = await client(port);
    c.write(get('/plain'), 'GET');
    await c.waitResponses(1);
    const info = await c.waitClose(3000);
    expect(info.error).toBeUndefined();
    expect(server!.stats().connections.idleClosed).toBe(1);
  });

  it('drops a client that stops reading after writeTimeout', async () => {
    const port = await start({ writeTimeout: 200 });
    const c = await client(port);
    c.socket.pause();
    c.write(get('/big?n=16777216'), 'GET');
    for (let i = 0; i < 300 && server!.stats().connections.open > 0; i++) await sleep(10);
    expect(server!.stats().rejections).toEqual({ ERR_SERVER_WRITE_TIMEOUT: 1 });
    c.socket.resume();
    await c.waitClose(5000);
    expect(c.raw.length).toBeLessThan(16777216);
  });
});

describe('server size limits and codec rejections', () => {
  const cases: [string, ServerOptions, string, number, string][] = [
    ['oversize head', { maxHeaderBytes: 1024 }, `GET / HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(2000)}\r\n\r\n`, 431, 'ERR_HTTP_HEADERS_TOO_LARGE'],
    ['too many headers', { maxHeaderCount: 5 }, `GET / HTTP/1.1\r\nHost: t\r\n${'X-A: b\r\n'.repeat(6)}\r\n`, 431, 'ERR_HTTP_TOO_MANY_HEADERS'],
    ['oversize body (Content-Length)', { maxRequestBodySize: 100 }, 'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n', 413, 'ERR_HTTP_BODY_TOO_LARGE'],
    ['oversize body (chunked)', { maxRequestBodySize: 100 }, `POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n${'a'.repeat(100)}\r\n1\r\nb\r\n0\r\n\r\n`, 413, 'ERR_HTTP_BODY_TOO_LARGE'],
    ['long request line', { maxRequestLineSize: 256 }, `GET /${'a'.repeat(300)} HTTP/1.1\r\nHost: t\r\n\r\n`, 414, 'ERR_HTTP_REQUEST_LINE_TOO_LONG'],
    ['HTTP/2.0 request line', {}, 'GET / HTTP/2.0\r\nHost: t\r\n\r\n', 505, 'ERR_HTTP_BAD_VERSION'],
    ['CL + TE smuggling', {}, 'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, 'ERR_HTTP_CL_TE_CONFLICT'],
    ['two different Content-Lengths', {}, 'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde', 400, 'ERR_HTTP_DUP_CONTENT_LENGTH'],
    ['a bad chunk size', {}, 'POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400, 'ERR_HTTP_BAD_CHUNK_SIZE'],
    ['a missing Host', {}, 'GET / HTTP/1.1\r\n\r\n', 400, 'ERR_HTTP_MISSING_HOST'],
    ['obs-fold', {}, 'GET / HTTP/1.1\r\nHost: t\r\nX-A: b\r\n c\r\n\r\n', 400, 'ERR_HTTP_OBS_FOLD'],
  ];
  for (const [name, options, request, status, code] of cases) {
    it(`${name} → ${status} and close, after the earlier pipelined answer`, async () => {
      const port = await start(options);
      const c = await client(port);
      c.write(get('/late?ms=30') + request + get('/plain'), 'GET', 'GET', 'GET');
      const rs = await c.waitResponses(2);
      expect(rs[0]!.body).toBe('late:/late?ms=30');
      expect(rs[1]!.status).toBe(status);
      expect(rs[1]!.header('connection')).toBe('close');
      expect(rs[1]!.body).toContain(code);
      const info = await c.waitClose();
      expect(info.error).toBeUndefined();
      expect(c.responses).toHaveLength(2);
      expect(server!.stats().rejections).toEqual({ [code]: 1 });
    });
  }
});

describe('server connection caps', () => {
  it('answers beyond `concurrency` with a fast canned 503 and close, and counts it', async () => {
    const logged: string[] = [];
    const port = await start({ concurrency: 2, quiet: false, log: (line) => logged.push(line) });
    const a = await client(port);
    const b = await client(port);
    a.write(get('/plain'), 'GET');
    b.write(get('/plain'), 'GET');
    await a.waitResponses(1);
    await b.waitResponses(1);
    const c = await client(port);
    c.write(get('/plain'), 'GET');
    const [r] = await c.waitResponses(1);
    expect(r!.status).toBe(503);
    expect(r!.header('connection')).toBe('close');
    await c.waitClose();
    const e = await client(port);
    await e.waitResponses(1);
    expect(server!.stats().rejections).toEqual({ ERR_SERVER_CONCURRENCY_LIMIT: 2 });
    expect(server!.stats().connections).toMatchObject({ open: 2, total: 4, rejected: 2 });
    expect(logged).toHaveLength(1); // at most one line a minute
    expect(logged[0]).toContain('concurrency limit (2) reached');
    // a slot frees up when a connection goes
    a.destroy();
    await a.closed;
    for (let i = 0; i < 100 && server!.stats().connections.open !== 1; i++) await sleep(5);
    const d = await client(port);
    d.write(get('/plain'), 'GET');
    expect((await d.waitResponses(1))[0]!.status).toBe(200);
  });

  it('refuses connections beyond maxConnsPerIP with 429', async () => {
    const port = await start({ maxConnsPerIP: 1 });
    const a = await client(port);
    a.write(get('/plain'), 'GET');
    await a.waitResponses(1);
    const b = await client(port);
    const [r] = await b.waitResponses(1);
    expect(r!.status).toBe(429);
    await b.waitClose();
    expect(server!.stats().rejections).toEqual({ ERR_SERVER_PER_IP_LIMIT: 1 });
  });

  it('closes after maxRequestsPerConn requests', async () => {
    const port = await start({ maxRequestsPerConn: 3 });
    const c = await client(port);
    c.write(get('/plain').repeat(5), 'GET', 'GET', 'GET', 'GET', 'GET');
    const rs = await c.waitResponses(3);
    expect(rs.map((r) => r.header('connection'))).toEqual([undefined, undefined, 'close']);
    await c.waitClose();
    expect(c.responses).toHaveLength(3);
  });
});

describe('listen', () => {
  it('a port in use is ERR_SERVER_START (exit 2)', async () => {
    const port = await start();
    const other = createServer({ port, quiet: true, dispatcher: app });
    await expect(other.listen()).rejects.toMatchObject({ code: 'ERR_SERVER_START', exitCode: 2 });
    await other.close(0);
  });

  it('rejects invalid options with ERR_CONFIG', () => {
    expect(() => createServer({ readTimeout: -1 })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG' }));
    expect(() => createServer({ port: 70000 })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG' }));
  });
});

describe('pipeline depth', () => {
  it('pauses reading beyond maxPipeline unanswered requests and resumes as answers go out', async () => {
    const port = await start({ maxPipeline: 4, readTimeout: 500 });
    const c = await client(port);
    let batch = '';
    for (let i = 0; i < 20; i++) batch += get(`/late?ms=${i % 3 === 0 ? 30 : 1}&i=${i}`);
    c.write(batch, ...Array(20).fill('GET'));
    const rs = await c.waitResponses(20, 5000);
    expect(rs.map((r) => r.body)).toEqual(Array.from({ length: 20 }, (_, i) => `late:/late?ms=${i % 3 === 0 ? 30 : 1}&i=${i}`));
    expect(server!.stats().rejections).toEqual({});
  });
});

describe('half-close', () => {
  it('a client that half-closes after its requests still gets every answer, then FIN', async () => {
    const port = await start();
    const c = await client(port);
    c.write(get('/late?ms=40') + get('/plain'), 'GET', 'GET');
    c.socket.end();
    const rs = await c.waitResponses(2);
    expect(rs.map((r) => r.status)).toEqual([200, 200]);
    const info = await c.waitClose();
    expect(info.error).toBeUndefined();
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight requests, closes idle connections, refuses new ones', async () => {
    const port = await start();
    const busy = await client(port);
    const idle = await client(port);
    idle.write(get('/plain'), 'GET');
    await idle.waitResponses(1);
    busy.write(get('/late?ms=150'), 'GET');
    await sleep(20);
    const s = server!;
    const closing = s.close(3000);
    await idle.waitClose();
    const [r] = await busy.waitResponses(1);
    expect(r!.body).toBe('late:/late?ms=150');
    expect(r!.header('connection')).toBe('close');
    await busy.waitClose();
    await closing;
    await expect(
      new Promise((resolve, reject) => {
        const sock = net.connect(port, '127.0.0.1');
        sock.on('connect', () => reject(new Error('still accepting')));
        sock.on('error', resolve);
      }),
    ).resolves.toBeDefined();
    server = undefined;
  });

  it('destroys what is still running after the grace period and calls onShutdown', async () => {
    let hooked = 0;
    const port = await start({ onShutdown: () => hooked++ });
    const c = await client(port);
    c.write(get('/hold'), 'GET');
    for (let i = 0; i < 100 && app.held.length === 0; i++) await sleep(5);
    await server!.close(150);
    await c.waitClose();
    expect(hooked).toBe(1);
    expect(c.responses).toHaveLength(0);
    server = undefined;
  });
});
