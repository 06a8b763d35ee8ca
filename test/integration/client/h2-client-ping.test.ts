// PING for liveness on client HTTP/2 connections, over real TCP against raw servers written with
// our own codec (test/fixtures/client/h2-client-raw-server.ts): a connection that has heard
// nothing for pingInterval is PINGed; an ACK keeps it; no ACK within pingTimeout closes it with
// ERR_TIMEOUT_PING, and its streams fail (idempotent ones not yet answered are retried on a new
// connection, as for a dead connection). Outcomes only, no timing assertions.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastbenchError } from '../../../src/core/errors.js';
import { http2, type H2Connection } from '../../../src/client/h2/connection.js';
import { HostClient } from '../../../src/client/host-client.js';
import { PipelineClient } from '../../../src/client/pipeline-client.js';
import { Request } from '../../../src/client/request.js';
import { Response } from '../../../src/client/response.js';
import { startRawH2Server, type RawServer, type RawServerOptions } from '../../fixtures/client/h2-client-raw-server.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function server(o: RawServerOptions): Promise<RawServer> {
  const s = await startRawH2Server(o);
  cleanup.push(() => s.close());
  return s;
}

const PING = { pingInterval: 30, pingTimeout: 60, maxIdleConnDuration: 60_000 };

function pipeline(s: RawServer): PipelineClient {
  const c = new PipelineClient({ host: '127.0.0.1', port: s.port, protocols: [http2], maxConns: 1, maxPendingRequests: 4, ...PING });
  cleanup.push(() => c.close());
  return c;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

const conns = (c: PipelineClient | HostClient): H2Connection[] => (c as unknown as { conns: H2Connection[] }).conns;

async function outcome(p: Promise<Response>): Promise<{ body?: string; code?: string }> {
  try {
    return { body: (await p).bodyText() };
  } catch (e) {
    return { code: (e as FastbenchError).code };
  }
}

describe('HTTP/2 client PING liveness', () => {
  it('an idle connection whose peer ACKs PINGs stays open and is reused', async () => {
    const s = await server({ mode: 'ok' });
    const c = pipeline(s);
    expect((await c.do(new Request({ url: '/a' }), new Response())).bodyText()).toBe('ok');
    await until(() => s.stats.pingsReceived >= 3, 'three PINGs');
    const conn = conns(c)[0]!;
    expect(conn.isOpen).toBe(true);
    expect(conn.closedBy).toBeNull();
    expect((await c.do(new Request({ url: '/b' }), new Response())).bodyText()).toBe('ok');
    expect(s.stats.connections).toBe(1);
  });

  it('an idle pooled connection whose peer stopped answering: PINGed, no ACK → closed with ERR_TIMEOUT_PING; the next request gets a new connection', async () => {
    const s = await server({ mode: 'stop-answering', answerFirst: 1 });
    const c = pipeline(s);
    expect((await c.do(new Request({ url: '/a' }), new Response())).bodyText()).toBe('ok');
    const conn = conns(c)[0]!;
    await until(() => !conn.isOpen, 'the silent connection to close');
    expect(s.stats.pingsReceived).toBeGreaterThanOrEqual(1);
    expect(conn.closedBy?.code).toBe('ERR_TIMEOUT_PING');
    expect(conns(c).length).toBe(0);
    expect((await c.do(new Request({ url: '/b' }), new Response())).bodyText()).toBe('ok');
    expect(s.stats.connections).toBe(2);
  });

  it('streams in flight on a connection that stopped answering: a GET is retried on a new connection, a POST fails with ERR_TIMEOUT_PING', async () => {
    const s = await server({ mode: 'stop-answering', answerFirst: 1 });
    const c = pipeline(s);
    expect((await c.do(new Request({ url: '/a' }), new Response())).bodyText()).toBe('ok');
    const get = outcome(c.do(new Request({ url: '/get' }), new Response()));
    const post = outcome(c.do(new Request({ url: '/post', method: 'POST', body: 'x' }), new Response()));
    expect(await post).toEqual({ code: 'ERR_TIMEOUT_PING' });
    expect(await get).toEqual({ body: 'ok' }); // answered as the new connection's first request
    expect(s.stats.connections).toBe(2);
  });

  it('HostClient: a GET on a reused connection that went silent is retried once on a new one', async () => {
    const s = await server({ mode: 'stop-answering', answerFirst: 1 });
    const c = new HostClient({ host: '127.0.0.1', port: s.port, protocols: [http2], maxConns: 1, ...PING });
    cleanup.push(() => c.close());
    expect((await c.do(new Request({ url: '/a' }), new Response())).bodyText()).toBe('ok');
    expect(await outcome(c.do(new Request({ url: '/b' }), new Response()))).toEqual({ body: 'ok' });
    expect(s.stats.connections).toBe(2);
  });
});
