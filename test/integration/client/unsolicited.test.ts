// A connection that receives bytes with no exchange in flight reports ERR_HTTP_UNSOLICITED_RESPONSE
// through onUnsolicited (with the bytes read) instead of closing silently; an exchange that fails
// mid-response reports the bytes it read (Response.bytesRead).
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HostClient } from '../../../src/client/host-client.js';
import { Request } from '../../../src/client/request.js';
import { Response } from '../../../src/client/response.js';
import type { FastbenchError } from '../../../src/core/errors.js';

const ONE = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
const closers: (() => Promise<void>)[] = [];

async function raw(onData: (s: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('data', () => onData(s));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  );
  return (srv.address() as AddressInfo).port;
}

afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** Resolves once `check()` holds (polled every 5 ms, at most 3 s). */
function until(check: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const t = setInterval(() => {
      if (check()) {
        clearInterval(t);
        resolve();
      } else if (Date.now() - started > 3000) {
        clearInterval(t);
        reject(new Error('timed out'));
      }
    }, 5);
  });
}

describe('unsolicited responses', () => {
  it('bytes on an idle connection are reported, and the connection is closed', async () => {
    const port = await raw((s) => {
      s.write(ONE);
      setTimeout(() => s.write(ONE), 30);
    });
    const seen: [string, number][] = [];
    const client = new HostClient({ addr: `127.0.0.1:${port}`, onUnsolicited: (e: FastbenchError, n: number) => seen.push([e.code, n]) });
    try {
      const res = await client.doTimeout(new Request({ url: '/' }), new Response(), 2000);
      expect(res.status).toBe(200);
      await until(() => seen.length > 0);
      expect(seen).toEqual([['ERR_HTTP_UNSOLICITED_RESPONSE', ONE.length]]);
      await until(() => client.connCount === 0);
    } finally {
      await client.close();
    }
  });

  it('a second response in the same read is reported; the first is delivered', async () => {
    const port = await raw((s) => s.write(ONE + ONE));
    const seen: [string, number][] = [];
    const client = new HostClient({ addr: `127.0.0.1:${port}`, onUnsolicited: (e: FastbenchError, n: number) => seen.push([e.code, n]) });
    try {
      const res = await client.doTimeout(new Request({ url: '/' }), new Response(), 2000);
      expect(res.status).toBe(200);
      expect(res.bodyText()).toBe('ok');
      expect(seen).toEqual([['ERR_HTTP_UNSOLICITED_RESPONSE', ONE.length]]);
    } finally {
      await client.close();
    }
  });
});

describe('bytes read by a failed exchange', () => {
  it('a response cut short reports the bytes it read', async () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n';
    const port = await raw((s) => {
      s.write(head + 'x'.repeat(10));
      setTimeout(() => s.destroy(), 10);
    });
    const client = new HostClient({ addr: `127.0.0.1:${port}` });
    const res = new Response();
    try {
      await expect(client.doTimeout(new Request({ url: '/' }), res, 2000)).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_/) });
      expect(res.bytesRead).toBe(head.length + 10);
    } finally {
      await client.close();
    }
  });

  it('a body over maxResponseBodySize fails with ERR_HTTP_BODY_TOO_LARGE and its bytes read', async () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n';
    const port = await raw((s) => s.write(head + 'y'.repeat(5000)));
    const client = new HostClient({ addr: `127.0.0.1:${port}`, maxResponseBodySize: 1000 });
    const res = new Response();
    try {
      await expect(client.doTimeout(new Request({ url: '/' }), res, 2000)).rejects.toMatchObject({ code: 'ERR_HTTP_BODY_TOO_LARGE' });
      expect(res.bytesRead).toBeGreaterThanOrEqual(head.length);
    } finally {
      await client.close();
    }
  });
});
