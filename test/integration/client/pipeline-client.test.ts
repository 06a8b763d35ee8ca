// PipelineClient: order, real pipelining, timeouts that give up a slot (late answer dropped),
// broken connections failing exactly their pending exchanges, the non-idempotent rule, overflow.
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastbenchError } from '../../../src/core/errors.js';
import { PipelineClient, type PipelineClientOptions } from '../../../src/client/pipeline-client.js';
import { Request } from '../../../src/client/request.js';
import { Response } from '../../../src/client/response.js';
import { nowMs } from '../../../src/core/clock.js';
import { type MemoryConn, MemoryListener, until as memUntil } from '../../fixtures/client/memory-transport.js';
import { type TestServer, startRaw, until } from '../../fixtures/client/servers.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function raw(onRequest: (s: net.Socket, index: number, head: string, t: TestServer) => void): Promise<TestServer> {
  const t = await startRaw(onRequest);
  cleanup.push(() => t.close());
  return t;
}

function client(port: number, options: Partial<PipelineClientOptions> = {}): PipelineClient {
  const c = new PipelineClient({ addr: `127.0.0.1:${port}`, sweepInterval: 5, ...options });
  cleanup.push(() => c.close());
  return c;
}

/** A client over the in-memory transport (the test plays the server). */
function memClient(mem: MemoryListener, options: Partial<PipelineClientOptions> = {}): PipelineClient {
  const c = new PipelineClient({ addr: 'mem.test:80', connect: mem.connect, ...options });
  cleanup.push(() => c.close());
  return c;
}

const pathOf = (head: string): string => head.split(' ')[1]!;
const answer = (body: string): string => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

async function outcome(p: Promise<Response>): Promise<{ body?: string; code?: string }> {
  try {
    const res = await p;
    return { body: res.bodyText() };
  } catch (e) {
    return { code: (e as FastbenchError).code };
  }
}

/**
 * A server that answers each request with its path, in order, but holds answers back until
 * `hold` requests are waiting (or 20 ms passed): requests really pile up on the connection.
 * `maxWaiting` records the most requests seen unanswered on one connection.
 */
function holdingServer(hold: number): Promise<TestServer & { maxWaiting: number }> {
  const state = { maxWaiting: 0 };
  const waiting = new Map<net.Socket, string[]>();
  const flush = (s: net.Socket): void => {
    const q = waiting.get(s) ?? [];
    waiting.set(s, []);
    if (q.length > 0 && !s.destroyed) s.write(q.map(answer).join(''));
  };
  return raw((s, _i, head) => {
    const q = waiting.get(s) ?? [];
    q.push(pathOf(head));
    waiting.set(s, q);
    state.maxWaiting = Math.max(state.maxWaiting, q.length);
    if (q.length >= hold) flush(s);
    else setTimeout(() => flush(s), 20);
  }).then((t) => Object.defineProperty(t, 'maxWaiting', { get: () => state.maxWaiting }) as TestServer & { maxWaiting: number });
}

describe('PipelineClient', () => {
  it('pipelines requests on one connection and matches responses in order', async () => {
    const srv = await holdingServer(8);
    const c = client(srv.port, { maxConns: 1, maxPendingRequests: 8 });
    const all = Array.from({ length: 40 }, (_, i) => c.do(new Request({ url: `/r${i}` }), new Response()));
    const bodies = (await Promise.all(all)).map((r) => r.bodyText());
    expect(bodies).toEqual(Array.from({ length: 40 }, (_, i) => `/r${i}`));
    expect(srv.connections).toBe(1);
    expect(srv.maxWaiting).toBeGreaterThan(1);
    expect(srv.maxWaiting).toBeLessThanOrEqual(8);
  });

  it('spreads over maxConns connections before deepening pipelines', async () => {
    const srv = await holdingServer(100);
    const c = client(srv.port, { maxConns: 3, maxPendingRequests: 4 });
    const all = Array.from({ length: 12 }, (_, i) => c.do(new Request({ url: `/${i}` }), new Response()));
    const bodies = (await Promise.all(all)).map((r) => r.bodyText());
    expect(bodies).toEqual(Array.from({ length: 12 }, (_, i) => `/${i}`));
    expect(srv.connections).toBe(3);
  });

  it('a timed-out request gives up its slot; its late answer is dropped; the connection stays usable', async () => {
    // In memory, answered by hand: /slow times out at a sweep instant the test gives, then its
    // late answer and /next's arrive, in wire order (no 80 ms vs 100 ms race).
    const mem = new MemoryListener();
    const c = memClient(mem, { maxConns: 1, maxPendingRequests: 4 });
    const slow = outcome(c.doDeadline(new Request({ url: '/slow' }), new Response(), nowMs() + 60_000));
    const next = outcome(c.do(new Request({ url: '/next' }), new Response()));
    await memUntil(() => mem.requests === 2);
    c.sweep(nowMs() + 61_000);
    expect(await slow).toEqual({ code: 'ERR_TIMEOUT_HEADERS' });
    const conn = mem.conns[0]!;
    conn.answer(answer('/slow')); // the late answer: read and dropped
    conn.answer(answer('/next'));
    expect(await next).toEqual({ body: '/next' });
    mem.onRequest = (cn, head) => cn.answer(answer(pathOf(head)));
    expect(await outcome(c.do(new Request({ url: '/after' }), new Response()))).toEqual({ body: '/after' });
    expect(mem.conns.length).toBe(1);
    expect(c.connCount).toBe(1);
  });

  it('closes a connection whose late answer never comes (lateResponseTimeout)', async () => {
    const mem = new MemoryListener();
    const c = memClient(mem, { maxConns: 1, maxPendingRequests: 4, lateResponseTimeout: 40 });
    const t0 = nowMs();
    const first = outcome(c.doDeadline(new Request({ url: '/a' }), new Response(), t0 + 60_000));
    const second = outcome(c.do(new Request({ url: '/b' }), new Response()));
    await memUntil(() => mem.requests === 2);
    c.sweep(t0 + 61_000);
    expect(await first).toEqual({ code: 'ERR_TIMEOUT_HEADERS' });
    // Within the grace the connection waits for the late answer; past it, it is closed.
    c.sweep(t0 + 61_039);
    expect(c.connCount).toBe(1);
    c.sweep(t0 + 61_041);
    expect(await second).toEqual({ code: 'ERR_TIMEOUT_HEADERS' });
    expect(c.connCount).toBe(0);
  });

  it('a broken connection fails exactly the requests pending on it, each with a typed error', async () => {
    // Answers the first two requests of the connection, then drops it when the fifth arrives.
    const srv = await raw((s, index, head) => {
      if (index < 2) s.write(answer(pathOf(head)));
      else if (index === 4) s.destroy();
    });
    const c = client(srv.port, { maxConns: 1, maxPendingRequests: 5 });
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => outcome(c.do(new Request({ url: `/${i}` }), new Response()))));
    expect(results.slice(0, 2)).toEqual([{ body: '/0' }, { body: '/1' }]);
    for (const r of results.slice(2)) expect(['ERR_CONN_CLOSED_EARLY', 'ERR_CONN_RESET']).toContain(r.code);
    // The client goes on with a new connection.
    expect(await outcome(c.do(new Request({ url: '/again' }), new Response()))).toEqual({ body: '/again' });
  });

  it('a broken connection does not touch the requests on another connection', async () => {
    // In memory: two connections with two requests each, nothing answered, then one is killed.
    const mem = new MemoryListener();
    const c = memClient(mem, { maxConns: 2, maxPendingRequests: 4 });
    const paths = ['/a0', '/b0', '/a1', '/b1'];
    const results = paths.map((p) => outcome(c.do(new Request({ url: p }), new Response())));
    await memUntil(() => mem.requests === 4);
    const [killed, kept] = mem.conns as [MemoryConn, MemoryConn];
    const onKilled = killed.heads.map(pathOf);
    killed.socket.destroy();
    for (const h of [...kept.unanswered]) kept.answer(answer(pathOf(h)));
    const byPath = new Map((await Promise.all(results)).map((r, i) => [paths[i]!, r]));
    for (const p of paths) {
      if (onKilled.includes(p)) expect(byPath.get(p)!.code).toMatch(/ERR_CONN_(CLOSED_EARLY|RESET)/);
      else expect(byPath.get(p)).toEqual({ body: p });
    }
  });

  it('does not pipeline a non-idempotent request behind others (nor others behind it)', async () => {
    const pendingAtArrival: Record<string, number> = {};
    let unanswered = 0;
    const srv = await raw((s, _i, head) => {
      const p = pathOf(head);
      pendingAtArrival[p] = unanswered++;
      setTimeout(() => {
        unanswered--;
        s.write(answer(p));
      }, 15);
    });
    const c = client(srv.port, { maxConns: 1, maxPendingRequests: 8 });
    const rs = [
      c.do(new Request({ url: '/g1' }), new Response()),
      c.do(new Request({ url: '/g2' }), new Response()),
      c.do(new Request({ method: 'POST', url: '/post' }), new Response()),
      c.do(new Request({ url: '/g3' }), new Response()),
    ];
    const bodies = (await Promise.all(rs)).map((r) => r.bodyText());
    expect(bodies).toEqual(['/g1', '/g2', '/post', '/g3']);
    expect(pendingAtArrival['/g2']).toBe(1); // GETs do pipeline
    expect(pendingAtArrival['/post']).toBe(0);
    expect(pendingAtArrival['/g3']).toBe(0);
  });

  it('pipelines non-idempotent requests when pipelineNonIdempotent is set', async () => {
    const pendingAtArrival: Record<string, number> = {};
    let unanswered = 0;
    const srv = await raw((s, _i, head) => {
      const p = pathOf(head);
      pendingAtArrival[p] = unanswered++;
      setTimeout(() => {
        unanswered--;
        s.write(answer(p));
      }, 15);
    });
    const c = client(srv.port, { maxConns: 1, maxPendingRequests: 8, pipelineNonIdempotent: true });
    await Promise.all([c.do(new Request({ url: '/g1' }), new Response()), c.do(new Request({ method: 'POST', url: '/post' }), new Response())]);
    expect(pendingAtArrival['/post']).toBe(1);
  });

  it('fails with ERR_PIPELINE_OVERFLOW when every slot and the queue are taken', async () => {
    const srv = await raw(() => {});
    const c = client(srv.port, { maxConns: 1, maxPendingRequests: 1, maxQueuedRequests: 2 });
    const pending = Array.from({ length: 3 }, () => outcome(c.do(new Request({ url: '/' }), new Response())));
    expect(await outcome(c.do(new Request({ url: '/' }), new Response()))).toEqual({ code: 'ERR_PIPELINE_OVERFLOW' });
    await c.close();
    for (const p of await Promise.all(pending)) expect(p.code).toBe('ERR_CLIENT_CLOSED');
  });
});
