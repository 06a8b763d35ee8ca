// HostClient against node:http and raw servers on 127.0.0.1: reuse, limits, the wait queue,
// idle closing, retries, dial backoff, timing phases, the dispatch fast path, close().
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { nowMs } from '../../../src/core/clock.js';
import type { FastbenchError } from '../../../src/core/errors.js';
import { HostClient, type HostClientOptions } from '../../../src/client/host-client.js';
import { Request } from '../../../src/client/request.js';
import { Response } from '../../../src/client/response.js';
import { MemoryListener, until as memUntil } from '../../fixtures/client/memory-transport.js';
import { OK, type TestServer, sleep, startHttp, startRaw, until } from '../../fixtures/client/servers.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function client(port: number, options: Partial<HostClientOptions> = {}): HostClient {
  const c = new HostClient({ addr: `127.0.0.1:${port}`, ...options });
  cleanup.push(() => c.close());
  return c;
}

async function server(s: Promise<TestServer>): Promise<TestServer> {
  const t = await s;
  cleanup.push(() => t.close());
  return t;
}

/** Settles a promise into [res, err] for assertions on either outcome. */
async function settle(p: Promise<Response>): Promise<FastbenchError | null> {
  try {
    await p;
    return null;
  } catch (e) {
    return e as FastbenchError;
  }
}

describe('HostClient basics', () => {
  it('sends method, path, headers and body; reads status, headers in wire order and case, body', async () => {
    const srv = await server(
      startHttp((req, res) => {
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => {
          res.setHeader('X-Method', req.method!);
          res.setHeader('x-Path', req.url!);
          res.setHeader('X-Got-Header', String(req.headers['x-test']));
          res.setHeader('X-Host', String(req.headers.host));
          res.end(`echo:${body}`);
        });
      }),
    );
    const c = client(srv.port);
    const req = new Request({ method: 'POST', url: '/a/b?c=1', headers: [['X-Test', 'yes']], body: 'payload' });
    const res = new Response();
    await c.do(req, res);
    expect(res.status).toBe(200);
    expect(res.reason).toBe('OK');
    expect(res.httpVersion).toBe('1.1');
    expect(res.bodyText()).toBe('echo:payload');
    const names = res.headers.toArray().map(([n]) => n);
    expect(names.slice(0, 4)).toEqual(['X-Method', 'x-Path', 'X-Got-Header', 'X-Host']);
    expect(res.header('x-method')).toBe('POST');
    expect(res.header('X-PATH')).toBe('/a/b?c=1');
    expect(res.header('x-got-header')).toBe('yes');
    expect(res.header('x-host')).toBe(`127.0.0.1:${srv.port}`);
    expect(res.error).toBeNull();
  });

  it('reuses one keep-alive connection for sequential requests (counted on the server)', async () => {
    const srv = await server(startHttp((_req, res) => res.end('x')));
    const c = client(srv.port);
    const req = new Request({ url: '/' });
    const res = new Response();
    for (let i = 0; i < 20; i++) await c.do(req, res);
    expect(srv.requests).toBe(20);
    expect(srv.connections).toBe(1);
    expect(c.connCount).toBe(1);
    expect(c.idleConnCount).toBe(1);
    expect(res.timing.reused).toBe(true);
  });

  it('sends a prepared request as the same bytes every time', async () => {
    const srv = await server(startHttp((_req, res) => res.end()));
    const c = client(srv.port);
    const req = new Request({ url: '/same', headers: { 'X-A': '1' } });
    const res = new Response();
    await c.do(req, res);
    const first = req.prepare(c.origin.hostHeader);
    await c.do(req, res);
    expect(req.prepare(c.origin.hostHeader)).toBe(first);
  });

  it('respects maxConns: concurrent requests never open more connections than that', async () => {
    const srv = await server(startHttp((_req, res) => setTimeout(() => res.end('slow'), 20)));
    const c = client(srv.port, { maxConns: 3, maxConnWaitTimeout: 5000 });
    const req = new Request({ url: '/' });
    const all = Array.from({ length: 12 }, () => c.do(req, new Response()));
    await Promise.all(all);
    expect(srv.requests).toBe(12);
    expect(srv.connections).toBe(3);
    expect(c.connCount).toBeLessThanOrEqual(3);
  });

  it('fails at once with ERR_NO_FREE_CONNS when all are busy and maxConnWaitTimeout is 0', async () => {
    const srv = await server(startHttp((_req, res) => setTimeout(() => res.end(), 100)));
    const c = client(srv.port, { maxConns: 1 });
    const req = new Request({ url: '/' });
    const first = c.do(req, new Response());
    const err = await settle(c.do(req, new Response()));
    expect(err?.code).toBe('ERR_NO_FREE_CONNS');
    await first;
  });

  it('waits in the queue, then fails with ERR_TIMEOUT_CONN_WAIT', async () => {
    // In memory: the first exchange is never answered until the waiter has failed, and the wait
    // ends at a sweep instant the test gives (no race of a 30 ms wait against a slow answer).
    const mem = new MemoryListener();
    const c = client(1, { addr: 'mem.test:80', connect: mem.connect, maxConns: 1, maxConnWaitTimeout: 30 });
    const req = new Request({ url: '/' });
    const first = c.do(req, new Response());
    await memUntil(() => mem.requests === 1);
    const res = new Response();
    const waiting = settle(c.do(req, res));
    expect(c.waitingCount).toBe(1);
    c.sweep(nowMs() + 1000);
    const err = await waiting;
    expect(err?.code).toBe('ERR_TIMEOUT_CONN_WAIT');
    expect(err?.phase).toBe('conn-wait');
    expect(res.error).toBe(err);
    expect(res.timing.connWait).toBeGreaterThan(0);
    mem.conns[0]!.answer(OK);
    await first;
  });

  it('a waiting request gets the connection released before its wait ends', async () => {
    const srv = await server(startHttp((_req, res) => setTimeout(() => res.end('done'), 20)));
    const c = client(srv.port, { maxConns: 1, maxConnWaitTimeout: 5000 });
    const req = new Request({ url: '/' });
    const a = new Response();
    const b = new Response();
    await Promise.all([c.do(req, a), c.do(req, b)]);
    expect(b.bodyText()).toBe('done');
    expect(srv.connections).toBe(1);
    expect(b.timing.connWait).toBeGreaterThan(0);
  });

  it('bounds the wait queue with maxConnWaitQueue', async () => {
    const srv = await server(startHttp((_req, res) => setTimeout(() => res.end(), 50)));
    const c = client(srv.port, { maxConns: 1, maxConnWaitTimeout: 5000, maxConnWaitQueue: 1 });
    const req = new Request({ url: '/' });
    const a = c.do(req, new Response());
    const b = c.do(req, new Response());
    const err = await settle(c.do(req, new Response()));
    expect(err?.code).toBe('ERR_NO_FREE_CONNS');
    await Promise.all([a, b]);
  });

  it('closes idle connections after maxIdleConnDuration; the next request dials anew', async () => {
    const srv = await server(startHttp((_req, res) => res.end()));
    const c = client(srv.port, { maxIdleConnDuration: 30, sweepInterval: 5 });
    const req = new Request({ url: '/' });
    await c.do(req, new Response());
    expect(c.idleConnCount).toBe(1);
    await until(() => c.connCount === 0);
    await until(() => srv.sockets.size === 0);
    const res = new Response();
    await c.do(req, res);
    expect(srv.connections).toBe(2);
    expect(res.timing.reused).toBe(false);
  });

  it('drops an idle connection the server closed (keep-alive timeout) without failing anything', async () => {
    const srv = await server(startHttp((_req, res) => res.end('k'), { keepAliveTimeout: 20 }));
    const c = client(srv.port);
    await c.do(new Request({ url: '/' }), new Response());
    await until(() => c.connCount === 0);
    const res = new Response();
    await c.do(new Request({ url: '/' }), res);
    expect(res.bodyText()).toBe('k');
    expect(srv.connections).toBe(2);
  });

  it('closes a connection after maxConnDuration once its exchange ends', async () => {
    const srv = await server(startHttp((_req, res) => res.end()));
    const c = client(srv.port, { maxConnDuration: 20 });
    const req = new Request({ url: '/' });
    await c.do(req, new Response());
    await sleep(30);
    await c.do(req, new Response()); // runs on the old connection, which then closes
    expect(c.connCount).toBe(0);
    await c.do(req, new Response());
    expect(srv.connections).toBe(2);
  });

  it('uses idle connections most-recent-first', async () => {
    const srv = await server(startHttp((_req, res) => setTimeout(() => res.end(), 10)));
    const c = client(srv.port, { maxConns: 2, maxConnWaitTimeout: 1000 });
    const req = new Request({ url: '/' });
    await Promise.all([c.do(req, new Response()), c.do(req, new Response())]);
    expect(c.idleConnCount).toBe(2);
    // Sequential requests keep using the same (most recent) connection.
    for (let i = 0; i < 5; i++) await c.do(req, new Response());
    const used = [...srv.sockets].length;
    expect(used).toBe(2);
    expect(srv.connections).toBe(2);
  });
});

describe('HostClient retries and backoff', () => {
  it('retries an idempotent request once when a reused connection turns out dead', async () => {
    // The server answers the first request of each connection, then kills the connection when
    // the second one arrives (as if it had closed it while idle).
    const srv = await server(
      startRaw((s, index) => {
        if (index === 0) s.write(OK);
        else s.destroy();
      }),
    );
    const c = client(srv.port);
    const req = new Request({ url: '/' });
    await c.do(req, new Response());
    const res = new Response();
    await c.do(req, res);
    expect(res.bodyText()).toBe('ok');
    expect(srv.connections).toBe(2);
    expect(res.timing.reused).toBe(false);
  });

  it('does not retry a POST, nor a failure on a fresh connection', async () => {
    const srv = await server(
      startRaw((s, index) => {
        if (index === 0) s.write(OK);
        else s.destroy();
      }),
    );
    const c = client(srv.port);
    await c.do(new Request({ url: '/' }), new Response());
    const err = await settle(c.do(new Request({ method: 'POST', url: '/', body: 'x' }), new Response()));
    expect(['ERR_CONN_CLOSED_EARLY', 'ERR_CONN_RESET']).toContain(err?.code);
    expect(srv.connections).toBe(1);
  });

  it('honours a custom retryIf', async () => {
    let attempts = 0;
    const srv = await server(
      startRaw((s) => {
        attempts++;
        if (attempts < 3) s.destroy();
        else s.write(OK);
      }),
    );
    const c = client(srv.port, { retryIf: (_req, _res, err, retries) => retries < 5 && err.code === 'ERR_CONN_CLOSED_EARLY' });
    const res = new Response();
    await c.do(new Request({ url: '/' }), res);
    expect(res.status).toBe(200);
    expect(attempts).toBe(3);
  });

  it('reports ERR_CONN_REFUSED and backs off instead of redialing in a loop', async () => {
    // A port nobody listens on: bind, note the port, close.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const c = client(port, { dialBackoffBase: 50, dialBackoffMax: 200 });
    const req = new Request({ url: '/' });
    const codes: string[] = [];
    let done = 0;
    // A closed loop that re-dispatches at once on every failure, for 300 ms.
    const end = nowMs() + 300;
    await new Promise<void>((resolve) => {
      const ctx = {
        onResponse(_q: Request, res: Response, err: FastbenchError | null) {
          codes.push(err!.code);
          if (nowMs() < end) c.dispatch(req, res, ctx);
          else if (++done === 4) resolve();
        },
      };
      for (let i = 0; i < 4; i++) c.dispatch(req, new Response(), ctx);
    });
    expect(new Set(codes)).toEqual(new Set(['ERR_CONN_REFUSED']));
    // Without a backoff this loop would dial thousands of times; with it, a handful.
    expect(c.dialer.dials).toBeLessThan(20);
    expect(c.lastDialError?.code).toBe('ERR_CONN_REFUSED');
  });
});

describe('HostClient dialing', () => {
  type Cb = (...a: unknown[]) => void;
  /** A resolver for tests: answers 127.0.0.1 after `ms`, fails with `code`, or never answers. */
  function lookupWith(behaviour: { ms?: number; code?: string; never?: boolean }): HostClientOptions['lookup'] {
    const f = (_h: string, o: { all?: boolean }, cb: Cb): void => {
      if (behaviour.never) return;
      setTimeout(() => {
        if (behaviour.code !== undefined) cb(Object.assign(new Error(`lookup failed ${behaviour.code}`), { code: behaviour.code }));
        else if (o.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
        else cb(null, '127.0.0.1', 4);
      }, behaviour.ms ?? 0);
    };
    return f as unknown as HostClientOptions['lookup'];
  }

  it('maps a failed lookup to ERR_DNS_NOT_FOUND', async () => {
    const c = client(1, { addr: undefined, host: 'nowhere.test', port: 1, lookup: lookupWith({ code: 'ENOTFOUND' }) });
    const err = await settle(c.do(new Request({ url: '/' }), new Response()));
    expect(err?.code).toBe('ERR_DNS_NOT_FOUND');
  });

  it('a resolver that never answers → ERR_TIMEOUT_DNS after connectTimeout', async () => {
    const c = client(1, { addr: undefined, host: 'slow.test', port: 1, lookup: lookupWith({ never: true }), connectTimeout: 30, sweepInterval: 5 });
    const err = await settle(c.do(new Request({ url: '/' }), new Response()));
    expect(err?.code).toBe('ERR_TIMEOUT_DNS');
    expect(err?.phase).toBe('dns');
    expect(c.connCount).toBe(0);
  });

  it('a deadline during the dial frees the request; the dial goes on and its connection is kept', async () => {
    const srv = await server(startHttp((_req, res) => res.end('late')));
    // The resolver answers only when the test says; the deadline passes at a sweep instant the
    // test gives (no race of a 20 ms timeout against a 60 ms lookup).
    let answerLookup: (() => void) | undefined;
    const held = ((_h: string, o: { all?: boolean }, cb: (...a: unknown[]) => void): void => {
      answerLookup = () => (o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4));
    }) as unknown as HostClientOptions['lookup'];
    const c = client(srv.port, { addr: undefined, host: 'named.test', port: srv.port, lookup: held });
    // (Past the deadline but short of connectTimeout, which would end the dial too.)
    const pending = settle(c.doDeadline(new Request({ url: '/' }), new Response(), nowMs() + 1000));
    await until(() => answerLookup !== undefined);
    c.sweep(nowMs() + 2000);
    const err = await pending;
    expect(err?.code).toBe('ERR_TIMEOUT_DNS');
    expect(c.connCount).toBe(1); // the dial goes on
    answerLookup!();
    await until(() => c.idleConnCount === 1);
    const res = new Response();
    await c.do(new Request({ url: '/' }), res);
    expect(res.bodyText()).toBe('late');
    expect(srv.connections).toBe(1);
  });

  it('recovers when a refusing host starts listening', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const c = client(port, { dialBackoffBase: 10, dialBackoffMax: 40, sweepInterval: 5 });
    expect((await settle(c.do(new Request({ url: '/' }), new Response())))?.code).toBe('ERR_CONN_REFUSED');
    // Now listen on the very port that refused.
    const up = http.createServer((_req, res) => res.end('up'));
    await new Promise<void>((r) => up.listen(port, '127.0.0.1', () => r()));
    cleanup.push(
      () =>
        new Promise<void>((r) => {
          up.closeAllConnections();
          up.close(() => r());
        }),
    );
    let body = '';
    for (let i = 0; i < 20 && body === ''; i++) {
      const res = new Response();
      const err = await settle(c.do(new Request({ url: '/' }), res));
      if (err === null) body = res.bodyText();
      else await sleep(20);
    }
    expect(body).toBe('up');
  });
});

describe('HostClient timing phases', () => {
  it('reports phases that are present, non-negative and add up to the total', async () => {
    const srv = await server(
      startHttp((_req, res) => {
        res.writeHead(200, { 'Content-Length': 10 });
        res.write('12345');
        setTimeout(() => res.end('67890'), 15);
      }),
    );
    const c = client(srv.port);
    const res = new Response();
    await c.do(new Request({ url: '/' }), res);
    const t = res.timing;
    expect(t.reused).toBe(false);
    expect(t.connect).toBeGreaterThan(0);
    expect(t.dns).toBe(0); // an IP literal needs no lookup
    expect(t.tls).toBe(0);
    expect(t.firstByte).toBeGreaterThan(0);
    expect(t.body).toBeGreaterThan(0);
    for (const k of ['connWait', 'dns', 'connect', 'tls', 'write', 'firstByte', 'body'] as const) expect(t[k]).toBeGreaterThanOrEqual(0);
    const sum = t.connWait + t.dns + t.connect + t.tls + t.write + t.firstByte + t.body;
    expect(Math.abs(sum - t.total)).toBeLessThan(0.001);
    expect(t.start).toBeLessThanOrEqual(nowMs());
    await c.do(new Request({ url: '/' }), res);
    expect(res.timing.reused).toBe(true);
    expect(res.timing.connect).toBe(0);
  });

  it('times DNS when the host is a name', async () => {
    const srv = await server(startHttp((_req, res) => res.end()));
    // A slow resolver that maps every name to 127.0.0.1 (Node asks for `all` addresses).
    const lookup = (_h: string, o: { all?: boolean }, cb: (...a: unknown[]) => void): void => {
      setTimeout(() => (o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)), 5);
    };
    const c = client(srv.port, { addr: undefined, host: 'localhost', port: srv.port, lookup: lookup as unknown as HostClientOptions['lookup'] });
    const res = new Response();
    await c.do(new Request({ url: '/' }), res);
    expect(res.timing.dns).toBeGreaterThan(0);
    expect(res.timing.connect).toBeGreaterThanOrEqual(0);
  });
});

describe('HostClient dispatch fast path', () => {
  it('reports to a long-lived callback, never synchronously from dispatch', async () => {
    const srv = await server(startHttp((_req, res) => res.end('x')));
    const c = client(srv.port, { maxConns: 2 });
    const req = new Request({ url: '/' });
    let inDispatch = false;
    let sync = 0;
    let ok = 0;
    let failed = 0;
    await new Promise<void>((resolve) => {
      const ctx = {
        onResponse(_q: Request, res: Response, err: FastbenchError | null) {
          if (inDispatch) sync++;
          if (err === null) ok++;
          else failed++;
          if (ok + failed === 200) return resolve();
          if (ok + failed <= 200 - 3) {
            inDispatch = true;
            c.dispatch(req, res, ctx);
            inDispatch = false;
          }
        },
      };
      for (let i = 0; i < 3; i++) {
        inDispatch = true;
        c.dispatch(req, new Response(), ctx); // the third fails: no free connection
        inDispatch = false;
      }
    });
    expect(sync).toBe(0);
    expect(ok + failed).toBe(200);
    expect(ok).toBeGreaterThan(0);
    expect(srv.connections).toBeLessThanOrEqual(2);
  });

  it('refuses a Response that is already in flight', async () => {
    const srv = await server(startHttp((_req, res) => setTimeout(() => res.end(), 20)));
    const c = client(srv.port);
    const res = new Response();
    const p = c.do(new Request({ url: '/' }), res);
    expect(() => c.dispatch(new Request({ url: '/' }), res, { onResponse() {} })).toThrow(/in flight/);
    await p;
  });

  it('fails a request whose deadline already passed with ERR_TIMEOUT_TOTAL', async () => {
    const srv = await server(startHttp((_req, res) => res.end()));
    const c = client(srv.port);
    const err = await settle(c.doDeadline(new Request({ url: '/' }), new Response(), nowMs() - 1));
    expect(err?.code).toBe('ERR_TIMEOUT_TOTAL');
  });
});

describe('HostClient close', () => {
  it('fails in-flight and waiting requests with ERR_CLIENT_CLOSED, and later ones too', async () => {
    const srv = await server(startHttp(() => {}));
    const c = client(srv.port, { maxConns: 1, maxConnWaitTimeout: 5000 });
    const req = new Request({ url: '/' });
    const a = settle(c.do(req, new Response()));
    const b = settle(c.do(req, new Response()));
    await until(() => srv.requests === 1);
    await c.close();
    expect((await a)?.code).toBe('ERR_CLIENT_CLOSED');
    expect((await b)?.code).toBe('ERR_CLIENT_CLOSED');
    expect((await settle(c.do(req, new Response())))?.code).toBe('ERR_CLIENT_CLOSED');
    expect(c.connCount).toBe(0);
    expect(c.pendingCount).toBe(0);
  });
});
