// The server with its default dispatcher (the bundled app from routes/index.ts) over real sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type FastbenchServer } from '../../../src/server/server.js';
import { RawClient, get } from './raw-client.js';

let server: FastbenchServer;
let port: number;

beforeAll(async () => {
  server = createServer({ port: 0, quiet: true });
  port = (await server.listen()).port;
});

afterAll(async () => {
  await server.close(200);
});

describe('server with the default app', () => {
  it('answers /plaintext, /json, an echo and /__stats, pipelined, in order', async () => {
    const c = await RawClient.connect(port);
    try {
      c.write(
        get('/plaintext') + get('/delay/30') + get('/json') + 'POST /anything/x?a=1 HTTP/1.1\r\nHost: t\r\nX-Case: Yes\r\nContent-Length: 2\r\n\r\nhi' + get('/__stats'),
        'GET', 'GET', 'GET', 'POST', 'GET',
      );
      const [plain, delay, json, echo, stats] = await c.waitResponses(5);
      expect([plain!.status, plain!.body, plain!.header('content-type')]).toEqual([200, 'Hello, World!', 'text/plain']);
      expect(delay!.status).toBe(200);
      expect(JSON.parse(json!.body)).toEqual({ message: 'Hello, World!' });
      const doc = JSON.parse(echo!.body);
      expect(doc).toMatchObject({ method: 'POST', url: '/anything/x?a=1', path: '/anything/x', body: 'hi' });
      expect(doc.headers).toContainEqual(['X-Case', 'Yes']);
      const s = JSON.parse(stats!.body);
      expect(s).toMatchObject({ requests: 5, connections: { open: 1 }, pid: process.pid });
      expect(s.responses['200']).toBe(3); // counted when produced: /delay/30 is still running
    } finally {
      c.destroy();
    }
  });

  it('404 for an unknown path', async () => {
    const c = await RawClient.connect(port);
    try {
      c.write(get('/no/such/path'), 'GET');
      const [r] = await c.waitResponses(1);
      expect(r!.status).toBe(404);
    } finally {
      c.destroy();
    }
  });
});
