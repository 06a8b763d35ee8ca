// The codec's conformance classes as the server applies them over real sockets: malformed chunk
// extensions → 400 and close; bytes that cannot start a request (after a complete one, or
// first) → 400 and close at once, never a silent close or a wait for the read timeout; a
// request cut by the peer's FIN → 400; header sections limited by bytes (100+ fields fine);
// chunked bodies cut at the wire-byte and chunk-count limits with 413.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type FastbenchServer, type ServerOptions } from '../../../src/server/server.js';
import { RawClient, get } from './raw-client.js';
import { stubApp } from './stub-app.js';

let server: FastbenchServer | undefined;
const clients: RawClient[] = [];

async function start(options: ServerOptions = {}): Promise<number> {
  // readTimeout far away: a rejection must come from the bytes, not from a deadline.
  server = createServer({ port: 0, quiet: true, dispatcher: stubApp(), readTimeout: 60_000, ...options });
  return (await server.listen()).port;
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

const CHUNKED_HEAD = 'POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n';

describe('chunk extensions over the wire', () => {
  for (const line of ['1;', '1; ', '1;=v', '1;a=', '1;a ', '1;a="x"y']) {
    it(`${JSON.stringify(line)} → 400 and close`, async () => {
      const port = await start();
      const c = await client(port);
      c.write(`${CHUNKED_HEAD}${line}\r\nx\r\n0\r\n\r\n`, 'POST');
      const [res] = await c.waitResponses(1);
      expect(res!.status).toBe(400);
      expect(res!.body).toContain('ERR_HTTP_BAD_CHUNK_EXTENSION');
      expect(res!.header('connection')).toBe('close');
      await c.waitClose();
    });
  }
  it('valid extensions (BWS, token and quoted values) are accepted', async () => {
    const port = await start();
    const c = await client(port);
    c.write(`${CHUNKED_HEAD}2 ; a = b ; q="x \\" y"\r\nhi\r\n0;end\r\n\r\n`, 'POST');
    const [res] = await c.waitResponses(1);
    expect(res!.status).toBe(200);
    expect(res!.body).toContain('body=hi');
  });
});

describe('bytes that cannot start a request line', () => {
  it('after a complete request: the request is answered, then 400 and close (not a silent close)', async () => {
    const port = await start();
    const c = await client(port);
    c.write(`${get('/plain')}\x01\x02\x03junk`, 'GET', 'GET');
    const res = await c.waitResponses(2);
    expect(res[0]!.status).toBe(200);
    expect(res[1]!.status).toBe(400);
    expect(res[1]!.body).toContain('ERR_HTTP_BAD_METHOD');
    await c.waitClose();
    expect(server!.stats().rejections).toEqual({ ERR_HTTP_BAD_METHOD: 1 });
  });
  it('a TLS ClientHello on the plain port is answered 400 at once', async () => {
    const port = await start();
    const c = await client(port);
    c.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]), 'GET');
    const [res] = await c.waitResponses(1);
    expect(res!.status).toBe(400);
    await c.waitClose();
  });
  it('a partial request cut by the peer\'s FIN gets 400 on the half-open socket', async () => {
    const port = await start();
    const c = await client(port);
    c.write(`${get('/plain')}GET /pla`, 'GET', 'GET');
    c.socket.end();
    const res = await c.waitResponses(2);
    expect(res.map((r) => r.status)).toEqual([200, 400]);
    expect(res[1]!.body).toContain('ERR_HTTP_UNEXPECTED_EOF');
    await c.waitClose();
  });
});

describe('header sections are limited by bytes', () => {
  function fields(n: number): string[] {
    return Array.from({ length: n }, (_, i) => `X-F${i}: v`);
  }
  it('100 and 500 header fields are accepted by default', async () => {
    const port = await start();
    const c = await client(port);
    c.write(get('/plain', ...fields(100)) + get('/plain', ...fields(500)), 'GET', 'GET');
    const res = await c.waitResponses(2);
    expect(res.map((r) => r.status)).toEqual([200, 200]);
  });
  it('the byte limit gives 431; the count guard is configurable', async () => {
    const port = await start({ maxHeaderCount: 50 });
    const c = await client(port);
    c.write(get('/plain', ...fields(60)), 'GET');
    const [res] = await c.waitResponses(1);
    expect(res!.status).toBe(431);
    expect(res!.body).toContain('ERR_HTTP_TOO_MANY_HEADERS');
    const d = await client(port);
    d.write(get('/plain', `X-Big: ${'v'.repeat(20_000)}`), 'GET');
    const [big] = await d.waitResponses(1);
    expect(big!.status).toBe(431);
    expect(big!.body).toContain('ERR_HTTP_HEADERS_TOO_LARGE');
  });
});

describe('chunked request bodies: wire bytes and chunk count', () => {
  it('a body within the wire limit is accepted whole', async () => {
    const port = await start({ maxRequestBodySize: 1000 });
    const c = await client(port);
    // 100 one-byte chunks: 600 wire bytes
    c.write(`${CHUNKED_HEAD}${'1\r\nx\r\n'.repeat(100)}0\r\n\r\n`, 'POST');
    const [res] = await c.waitResponses(1);
    expect(res!.status).toBe(200);
    expect(res!.body).toContain(`body=${'x'.repeat(100)}`);
  });
  it('1-byte chunks past the wire limit → 413 and close, though the decoded body is far below it', async () => {
    const port = await start({ maxRequestBodySize: 1000 });
    const c = await client(port);
    c.write(`${CHUNKED_HEAD}${'1\r\nx\r\n'.repeat(200)}0\r\n\r\n`, 'POST'); // 200 data bytes, 1200 on the wire
    const [res] = await c.waitResponses(1);
    expect(res!.status).toBe(413);
    expect(res!.body).toContain('ERR_HTTP_BODY_TOO_LARGE');
    await c.waitClose();
  });
  it('more chunks than maxChunkCount → 413 and close', async () => {
    const port = await start({ maxChunkCount: 50 });
    const c = await client(port);
    c.write(`${CHUNKED_HEAD}${'1\r\nx\r\n'.repeat(51)}0\r\n\r\n`, 'POST');
    const [res] = await c.waitResponses(1);
    expect(res!.status).toBe(413);
    expect(res!.body).toContain('ERR_HTTP_TOO_MANY_CHUNKS');
    await c.waitClose();
    expect(server!.stats().rejections).toEqual({ ERR_HTTP_TOO_MANY_CHUNKS: 1 });
  });
  it('a large chunked body arrives whole in one buffer', async () => {
    const port = await start();
    const c = await client(port);
    const parts: string[] = [];
    for (let i = 0; i < 3000; i++) parts.push(`${(i % 50 + 1).toString(16)}\r\n${String.fromCharCode(97 + (i % 26)).repeat((i % 50) + 1)}\r\n`);
    const expected = Array.from({ length: 3000 }, (_, i) => String.fromCharCode(97 + (i % 26)).repeat((i % 50) + 1)).join('');
    c.write(`${CHUNKED_HEAD}${parts.join('')}0\r\n\r\n`, 'POST');
    const [res] = await c.waitResponses(1, 10_000);
    expect(res!.status).toBe(200);
    expect(res!.body.endsWith(`body=${expected}`)).toBe(true);
  });
});
