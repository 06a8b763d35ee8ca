// HostClient against raw servers that misbehave (reset, stall, garbage, close, answer twice) and
// the framing corners of HTTP/1.1 (chunked + trailers, 1xx, HEAD, close-delimited, limits).
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastbenchError } from '../../../src/core/errors.js';
import { HostClient, type HostClientOptions } from '../../../src/client/host-client.js';
import { Request } from '../../../src/client/request.js';
import { Response } from '../../../src/client/response.js';
import { MemoryListener, until as memUntil } from '../../fixtures/client/memory-transport.js';
import { OK, type TestServer, startRaw, until } from '../../fixtures/client/servers.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function raw(onRequest: (s: net.Socket, index: number, head: string, t: TestServer) => void, onConnection?: (s: net.Socket) => void): Promise<TestServer> {
  const t = await startRaw(onRequest, onConnection);
  cleanup.push(() => t.close());
  return t;
}

function client(port: number, options: Partial<HostClientOptions> = {}): HostClient {
  const c = new HostClient({ addr: `127.0.0.1:${port}`, sweepInterval: 5, ...options });
  cleanup.push(() => c.close());
  return c;
}

/** A client over the in-memory transport (the test plays the server). */
function memClient(mem: MemoryListener, options: Partial<HostClientOptions> = {}): HostClient {
  const c = new HostClient({ addr: 'mem.test:80', connect: mem.connect, ...options });
  cleanup.push(() => c.close());
  return c;
}

async function fail(p: Promise<Response>): Promise<FastbenchError> {
  try {
    await p;
  } catch (e) {
    return e as FastbenchError;
  }
  throw new Error('expected the request to fail');
}

const get = (path = '/'): Request => new Request({ url: path });

describe('servers that break the connection', () => {
  it('reset mid-body → ERR_CONN_RESET', async () => {
    const srv = await raw((s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789');
      setTimeout(() => s.resetAndDestroy(), 20);
    });
    const res = new Response();
    const err = await fail(client(srv.port).do(get(), res));
    expect(err.code).toBe('ERR_CONN_RESET');
    expect(err.category).toBe('transport');
  });

  it('close mid-body → ERR_CONN_CLOSED_MID_RESPONSE', async () => {
    const srv = await raw((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789'));
    const err = await fail(client(srv.port).do(get(), new Response()));
    expect(err.code).toBe('ERR_CONN_CLOSED_MID_RESPONSE');
    expect((err.cause as FastbenchError).code).toBe('ERR_HTTP_UNEXPECTED_EOF');
  });

  it('close without answering → ERR_CONN_CLOSED_EARLY (a fresh connection is not retried)', async () => {
    const srv = await raw((s) => s.end());
    const err = await fail(client(srv.port).do(get(), new Response()));
    expect(err.code).toBe('ERR_CONN_CLOSED_EARLY');
    expect(srv.connections).toBe(1);
  });

  it('garbage instead of a status line → the codec error code with its byte offset', async () => {
    const srv = await raw((s) => s.write('SMTP ready\r\n\r\n'));
    const err = await fail(client(srv.port).do(get(), new Response()));
    expect(err.code).toBe('ERR_HTTP_BAD_STATUS_LINE');
    expect(err.category).toBe('codec');
    expect(err.offset).toBe(0);
  });

  it('garbage in a chunk size → ERR_HTTP_BAD_CHUNK_SIZE', async () => {
    const srv = await raw((s) => s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'));
    const err = await fail(client(srv.port).do(get(), new Response()));
    expect(err.code).toBe('ERR_HTTP_BAD_CHUNK_SIZE');
  });

  it('answering twice: the extra answer is dropped with its connection, never given to the next request', async () => {
    const srv = await raw((s, index) => {
      const body = `r${index}`;
      const one = `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
      s.write(one + one);
    });
    const c = client(srv.port);
    const a = new Response();
    await c.do(get(), a);
    expect(a.bodyText()).toBe('r0');
    await until(() => c.connCount === 0);
    const b = new Response();
    await c.do(get(), b);
    expect(b.bodyText()).toBe('r0'); // the first answer of a new connection
    expect(srv.connections).toBe(2);
  });

  it('unsolicited bytes on an idle connection close it', async () => {
    const srv = await raw((s) => {
      s.write(OK);
      setTimeout(() => s.write('HTTP/1.1 200 OK\r\n'), 10);
    });
    const c = client(srv.port);
    await c.do(get(), new Response());
    expect(c.idleConnCount).toBe(1);
    await until(() => c.connCount === 0);
  });
});

describe('servers that stall', () => {
  // In memory, with the sweep instant given by the test: the deadline passes when the test says,
  // and the exchange's total is that instant minus its start (no wall-clock lower bound).
  it('no head within the deadline → ERR_TIMEOUT_HEADERS, and the connection is closed', async () => {
    const mem = new MemoryListener();
    const c = memClient(mem);
    const res = new Response();
    const pending = fail(c.doTimeout(get(), res, 50));
    await memUntil(() => mem.requests === 1);
    c.sweep(res._start + 50);
    const err = await pending;
    expect(err.code).toBe('ERR_TIMEOUT_HEADERS');
    expect(err.phase).toBe('headers');
    expect(res.error).toBe(err);
    expect(res.timing.total).toBeCloseTo(50, 6);
    expect(c.connCount).toBe(0);
    await memUntil(() => mem.conns[0]!.socket.destroyed);
  });

  it('head but no complete body → ERR_TIMEOUT_BODY', async () => {
    const mem = new MemoryListener();
    mem.onRequest = (conn) => conn.answer('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345');
    const c = memClient(mem);
    const res = new Response();
    const pending = fail(c.doTimeout(get(), res, 50));
    await memUntil(() => res.status === 200);
    c.sweep(res._start + 50);
    const err = await pending;
    expect(err.code).toBe('ERR_TIMEOUT_BODY');
    expect(err.phase).toBe('body');
    expect(res.status).toBe(200);
  });

  it('readTimeout applies without a request deadline', async () => {
    const srv = await raw(() => {});
    const err = await fail(client(srv.port, { readTimeout: 40 }).do(get(), new Response()));
    expect(err.code).toBe('ERR_TIMEOUT_HEADERS');
    expect(err.message).toMatch(/readTimeout of 40 ms/);
  });

  it('a server that does not read → ERR_TIMEOUT_WRITE', async () => {
    const srv = await raw(
      () => {},
      (s) => s.pause(),
    );
    const big = Buffer.alloc(32 * 1024 * 1024, 0x61);
    const err = await fail(client(srv.port, { writeTimeout: 100 }).do(new Request({ method: 'PUT', url: '/', body: big }), new Response()));
    expect(err.code).toBe('ERR_TIMEOUT_WRITE');
    expect(err.phase).toBe('write');
  });
});

describe('framing', () => {
  it('chunked with trailers: body joined, trailers kept in wire order and case', async () => {
    const srv = await raw((s) =>
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nX-Sum: 42\r\nx-other: Yes\r\n\r\n'),
    );
    const c = client(srv.port);
    const res = new Response();
    await c.do(get(), res);
    expect(res.bodyText()).toBe('hello world');
    expect(res.trailers.toArray()).toEqual([
      ['X-Sum', '42'],
      ['x-other', 'Yes'],
    ]);
    await c.do(get(), res); // the connection is still in step
    expect(res.bodyText()).toBe('hello world');
    expect(srv.connections).toBe(1);
  });

  it('lists 1xx interim responses before the final one', async () => {
    const srv = await raw((s) => s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n' + OK));
    const res = new Response();
    await client(srv.port).do(get(), res);
    expect(res.status).toBe(200);
    expect(res.interim.map((i) => i.status)).toEqual([100, 103]);
    expect(res.interim[1]!.headers).toEqual([['Link', '</a.css>; rel=preload']]);
    expect(res.bodyText()).toBe('ok');
  });

  it('HEAD: no body is read whatever Content-Length says, and the connection stays usable', async () => {
    const srv = await raw((s, _i, head) => {
      if (head.startsWith('HEAD')) s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
      else s.write(OK);
    });
    const c = client(srv.port);
    const res = new Response();
    await c.do(new Request({ method: 'HEAD', url: '/' }), res);
    expect(res.contentLength).toBe(1000);
    expect(res.bodyLength).toBe(0);
    await c.do(get(), res);
    expect(res.bodyText()).toBe('ok');
    expect(srv.connections).toBe(1);
  });

  it('204 and 304 carry no body', async () => {
    const srv = await raw((s, i) => s.write(i === 0 ? 'HTTP/1.1 204 No Content\r\n\r\n' : 'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n'));
    const c = client(srv.port);
    const res = new Response();
    await c.do(get(), res);
    expect(res.status).toBe(204);
    await c.do(get(), res);
    expect(res.status).toBe(304);
    expect(res.bodyLength).toBe(0);
  });

  it('a close-delimited HTTP/1.0 body is read to the end; the connection is not reused', async () => {
    const srv = await raw((s) => s.end('HTTP/1.0 200 OK\r\n\r\nuntil the end'));
    const c = client(srv.port);
    const res = new Response();
    await c.do(get(), res);
    expect(res.httpVersion).toBe('1.0');
    expect(res.bodyText()).toBe('until the end');
    expect(res.keepAlive).toBe(false);
    await c.do(get(), res);
    expect(srv.connections).toBe(2);
  });

  it('Connection: close is honoured', async () => {
    const srv = await raw((s) => s.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok'));
    const c = client(srv.port);
    const res = new Response();
    await c.do(get(), res);
    expect(res.keepAlive).toBe(false);
    await c.do(get(), res);
    expect(srv.connections).toBe(2);
  });

  it('maxResponseBodySize → ERR_HTTP_BODY_TOO_LARGE', async () => {
    const srv = await raw((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n' + 'x'.repeat(5000)));
    const err = await fail(client(srv.port, { maxResponseBodySize: 1000 }).do(get(), new Response()));
    expect(err.code).toBe('ERR_HTTP_BODY_TOO_LARGE');
  });

  it('discardBody counts the bytes and keeps none; big bodies grow the buffer otherwise', async () => {
    const body = 'y'.repeat(300_000);
    const srv = await raw((s) => s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`));
    const c = client(srv.port);
    const res = new Response();
    await c.do(get(), res);
    expect(res.bodyText()).toBe(body);
    res.discardBody = true;
    await c.do(get(), res);
    expect(res.bodyLength).toBe(body.length);
    expect(res.body.length).toBe(0);
  });

  it('lenient parsing accepts bare LF when asked, and refuses it otherwise', async () => {
    const srv = await raw((s) => s.write('HTTP/1.1 200 OK\nContent-Length: 2\n\nok'));
    const strict = await fail(client(srv.port).do(get(), new Response()));
    expect(strict.code).toBe('ERR_HTTP_BAD_LINE_ENDING');
    const res = new Response();
    await client(srv.port, { lenient: { bareLf: true } }).do(get(), res);
    expect(res.bodyText()).toBe('ok');
  });
});
