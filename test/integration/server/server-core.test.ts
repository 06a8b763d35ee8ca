// The connection loop over real sockets: keep-alive, HTTP/1.0, pipelining order, 100-continue,
// streaming, HEAD, handler failures. A stub dispatcher stands in for the routes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type FastbenchServer, type ServerOptions } from '../../../src/server/server.js';
import { RawClient, get } from './raw-client.js';
import { stubApp, type StubApp } from './stub-app.js';

let server: FastbenchServer | undefined;
let app: StubApp;
const clients: RawClient[] = [];

let readMode: Partial<ServerOptions> = {};

async function start(options: ServerOptions = {}): Promise<number> {
  app = stubApp();
  server = createServer({ port: 0, quiet: true, dispatcher: app, ...readMode, ...options });
  const info = await server.listen();
  expect(info.url).toBe(`http://127.0.0.1:${info.port}`);
  return info.port;
}

async function client(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.close(200);
  server = undefined;
});

// Both read paths: one shared buffer for all sockets (the default) and a Buffer per 'data' event.
describe.each([
  ['user-buffer reads', { userBufferReads: true }],
  ['data events', { userBufferReads: false }],
])('server core (%s)', (_name, mode) => {
  beforeEach(() => {
    readMode = mode;
  });
  it('answers and keeps the connection alive (HTTP/1.1); onListen gets the address', async () => {
    const heard: string[] = [];
    const port = await start({ onListen: (info) => heard.push(info.url) });
    expect(heard).toEqual([`http://127.0.0.1:${port}`]);
    const c = await client(port);
    c.write(get('/plain'), 'GET');
    const [r] = await c.waitResponses(1);
    expect(r!.status).toBe(200);
    expect(r!.body).toBe('Hello, World!');
    expect(r!.header('content-length')).toBe('13');
    expect(r!.header('date')).toMatch(/GMT$/);
    expect(r!.header('connection')).toBeUndefined();
    c.write(get('/echo?x=1', 'X-Test: yes'), 'GET');
    const rs = await c.waitResponses(2);
    expect(rs[1]!.body).toBe('GET /echo?x=1 1.1 seq=1 x-test=yes body=');
    expect(server!.stats()).toMatchObject({ requests: 2, connections: { open: 1, total: 1 }, responses: { '200': 2 } });
  });

  it('HTTP/1.0: closes by default, keeps alive on request', async () => {
    const port = await start();
    const c = await client(port);
    c.write('GET /echo HTTP/1.0\r\n\r\n', 'GET');
    const [r] = await c.waitResponses(1);
    expect(r!.body).toBe('GET /echo 1.0 seq=0 x-test= body=');
    expect(r!.header('connection')).toBe('close');
    await c.waitClose();

    const k = await client(port);
    k.write('GET /plain HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', 'GET');
    const [r2] = await k.waitResponses(1);
    expect(r2!.header('connection')).toBe('keep-alive');
    k.write('GET /plain HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', 'GET');
    await k.waitResponses(2);
    // a streamed answer of unknown length to 1.0 is delimited by close
    k.write('GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', 'GET');
    await k.waitClose();
    expect(k.raw).toContain('one,two,');
    expect(k.raw).not.toContain('Transfer-Encoding');
  });

  it('Connection: close answers, then closes and ignores what follows', async () => {
    const port = await start();
    const c = await client(port);
    c.write(get('/plain', 'Connection: close') + get('/echo'), 'GET', 'GET');
    const [r] = await c.waitResponses(1);
    expect(r!.header('connection')).toBe('close');
    await c.waitClose();
    expect(c.responses).toHaveLength(1);
    expect(server!.stats().requests).toBe(1);
  });

  it('pipelined responses come in request order even when one handler answers late', async () => {
    const port = await start();
    const c = await client(port);
    c.write(get('/echo?1') + get('/late?ms=80') + get('/echo?3') + get('/stream') + get('/late?ms=10') + get('/echo?6'), 'GET', 'GET', 'GET', 'GET', 'GET', 'GET');
    const rs = await c.waitResponses(6);
    expect(rs.map((r) => r.body)).toEqual([
      'GET /echo?1 1.1 seq=0 x-test= body=',
      'late:/late?ms=80',
      'GET /echo?3 1.1 seq=2 x-test= body=',
      'one,two,',
      'late:/late?ms=10',
      'GET /echo?6 1.1 seq=5 x-test= body=',
    ]);
    expect(rs[3]!.header('transfer-encoding')).toBe('chunked');
  });

  it('writes one batch of synchronous pipelined answers with one socket write', async () => {
    const port = await start();
    const c = await client(port);
    const chunks: number[] = [];
    c.socket.on('data', (d: Buffer) => chunks.push(d.length));
    c.write(get('/plain').repeat(10), ...Array(10).fill('GET'));
    await c.waitResponses(10);
    expect(chunks).toHaveLength(1);
  });

  it('request bodies: Content-Length split over writes, chunked with trailers', async () => {
    const port = await start();
    const c = await client(port);
    c.write('POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhello', 'POST');
    await new Promise((r) => setTimeout(r, 20));
    c.write('world');
    c.write('POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n', 'POST');
    const rs = await c.waitResponses(2);
    expect(rs[0]!.body).toBe('POST /echo 1.1 seq=0 x-test= body=helloworld');
    expect(rs[1]!.body).toBe('POST /echo 1.1 seq=1 x-test= body=abcde');
  });

  it('a body kept by a late handler survives later reads (Content-Length and chunked)', async () => {
    const port = await start();
    const a = await client(port);
    const b = await client(port);
    a.write('POST /late-echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nfirst-body', 'POST');
    a.write('POST /late-echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nsecon\r\n1\r\nd\r\n0\r\n\r\n', 'POST');
    await new Promise((r) => setTimeout(r, 10));
    b.write(`POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 300\r\n\r\n${'X'.repeat(300)}`, 'POST');
    await b.waitResponses(1);
    const rs = await a.waitResponses(2);
    expect(rs.map((r) => r.body)).toEqual(['late body=first-body', 'late body=second']);
  });

  it('Expect: 100-continue gets 100 Continue before the body is sent', async () => {
    const port = await start();
    const c = await client(port);
    c.write('POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n', 'POST');
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (c.interim.length > 0) resolve();
        else setTimeout(check, 5);
      };
      check();
    });
    expect(c.interim).toEqual([100]);
    expect(c.responses).toHaveLength(0);
    c.write('body');
    const [r] = await c.waitResponses(1);
    expect(r!.body).toBe('POST /echo 1.1 seq=0 x-test= body=body');
  });

  it('Expect: 100-continue with a body over the limit gets 413 and no 100', async () => {
    const port = await start({ maxRequestBodySize: 10 });
    const c = await client(port);
    c.write('POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n', 'POST');
    const [r] = await c.waitResponses(1);
    expect(r!.status).toBe(413);
    expect(c.interim).toEqual([]);
    await c.waitClose();
  });

  it('HEAD gets the head only; 204 has no body; sendRaw is written as is', async () => {
    const port = await start();
    const c = await client(port);
    c.write('HEAD /plain HTTP/1.1\r\nHost: t\r\n\r\n' + get('/empty') + get('/raw') + 'HEAD /raw HTTP/1.1\r\nHost: t\r\n\r\n' + get('/plain'), 'HEAD', 'GET', 'GET', 'HEAD', 'GET');
    const rs = await c.waitResponses(5);
    expect(rs.map((r) => [r.status, r.body])).toEqual([
      [200, ''],
      [204, ''],
      [201, 'raw'],
      [201, ''],
      [200, 'Hello, World!'],
    ]);
    expect(rs[0]!.header('content-length')).toBe('13');
  });

  it('streams: late chunks, Content-Length framing, close() after a partial body', async () => {
    const port = await start();
    const c = await client(port);
    c.write(get('/late-stream') + get('/length-stream'), 'GET', 'GET');
    const rs = await c.waitResponses(2);
    expect(rs[0]!.body).toBe('ab');
    expect(rs[1]!.body).toBe('abcdef');
    expect(rs[1]!.header('content-length')).toBe('6');
    c.write(get('/close') + get('/plain'), 'GET', 'GET');
    await c.waitClose();
    expect(c.raw).toContain('7\r\npartial\r\n');
    expect(c.raw).not.toContain('Hello');
  });

  it('a handler that throws gets a 500, counted, and the connection lives on', async () => {
    const port = await start();
    const c = await client(port);
    c.write(get('/throw') + get('/plain'), 'GET', 'GET');
    const rs = await c.waitResponses(2);
    expect(rs[0]!.status).toBe(500);
    expect(rs[1]!.status).toBe(200);
    expect(server!.stats().rejections).toEqual({ ERR_SERVER_HANDLER: 1 });
  });

  it('setClose() closes after the response', async () => {
    const port = await start();
    const c = await client(port);
    c.write(get('/set-close'), 'GET');
    const [r] = await c.waitResponses(1);
    expect(r!.header('connection')).toBe('close');
    await c.waitClose();
  });

  it('counts bytes and statuses', async () => {
    const port = await start();
    const c = await client(port);
    const req = get('/plain') + get('/nope');
    c.write(req, 'GET', 'GET');
    await c.waitResponses(2);
    const s = server!.stats();
    expect(s.bytesIn).toBe(req.length);
    expect(s.bytesOut).toBe(c.raw.length);
    expect(s.responses).toEqual({ '200': 1, '404': 1 });
  });
});
