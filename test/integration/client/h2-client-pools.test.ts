// The pools over HTTP/2 when streams fail but the connection lives on (RST_STREAM from the peer):
// the connection goes back to serving — HostClient's idle stack, PipelineClient's waiting queue —
// instead of staying busy forever (which made the next request ERR_NO_FREE_CONNS, or wait).
// Real TCP against a raw server written with our codec (test/fixtures/client/h2-client-raw-server.ts).
import { afterEach, describe, expect, it } from 'vitest';
import type { FastbenchError } from '../../../src/core/errors.js';
import { http2 } from '../../../src/client/h2/connection.js';
import { HostClient } from '../../../src/client/host-client.js';
import { PipelineClient } from '../../../src/client/pipeline-client.js';
import { Request } from '../../../src/client/request.js';
import { Response } from '../../../src/client/response.js';
import { H2Code } from '../../../src/http2/constants.js';
import { startRawH2Server, type RawServer } from '../../fixtures/client/h2-client-raw-server.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function resetting(codes: number[]): Promise<RawServer> {
  const s = await startRawH2Server({ mode: 'reset-all', resetCodes: codes });
  cleanup.push(() => s.close());
  return s;
}

async function code(p: Promise<Response>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as FastbenchError).code;
  }
}

describe('pools over HTTP/2: a stream deadline cancels the stream, not the connection', () => {
  it('HostClient: a request past its deadline gets RST_STREAM CANCEL; the next one rides the same connection', async () => {
    const s = await startRawH2Server({ mode: 'ok', ignorePath: '/never' });
    cleanup.push(() => s.close());
    const c = new HostClient({ host: '127.0.0.1', port: s.port, protocols: [http2], maxConns: 1 });
    cleanup.push(() => c.close());
    // First a request that completes, so our SETTINGS are acknowledged: a deadline that fires
    // before the ACK is the handshake's failure (ERR_H2_SETTINGS_TIMEOUT), not this stream's.
    expect(await code(c.do(new Request({ url: '/first' }), new Response()))).toBe('ok');
    expect(await code(c.doTimeout(new Request({ url: '/never' }), new Response(), 100))).toBe('ERR_TIMEOUT_HEADERS');
    expect(await code(c.do(new Request({ url: '/next' }), new Response()))).toBe('ok');
    expect(s.stats.connections).toBe(1);
    expect(s.stats.rstFromClient.get(H2Code.CANCEL)).toBe(1);
  });
});

describe('pools over HTTP/2: a reset stream frees its connection', () => {
  it('HostClient (maxConns 1, no waiting): request after request is reset — each fails with the peer\'s code on the one connection, never ERR_NO_FREE_CONNS', async () => {
    const s = await resetting([H2Code.INTERNAL_ERROR]);
    const c = new HostClient({ host: '127.0.0.1', port: s.port, protocols: [http2], maxConns: 1, maxConnWaitTimeout: 0 });
    cleanup.push(() => c.close());
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) codes.push(await code(c.do(new Request({ url: `/${i}` }), new Response())));
    expect(codes).toEqual(Array(5).fill('ERR_H2_INTERNAL'));
    expect(s.stats.connections).toBe(1);
    expect(s.stats.requests).toBe(5);
  });

  it('HostClient: a refused GET is retried (on the same live connection), then counted as ERR_H2_REFUSED_STREAM', async () => {
    const s = await resetting([H2Code.REFUSED_STREAM]);
    const c = new HostClient({ host: '127.0.0.1', port: s.port, protocols: [http2], maxConns: 1, maxConnWaitTimeout: 0 });
    cleanup.push(() => c.close());
    expect(await code(c.do(new Request({ url: '/' }), new Response()))).toBe('ERR_H2_REFUSED_STREAM');
    expect(s.stats.requests).toBe(7); // 1 + UNPROCESSED_RETRIES
    expect(s.stats.connections).toBe(1);
  });

  it('PipelineClient (1 connection × 2 streams, 6 requests queued): resets free the slots for the queue, every request ends', async () => {
    const s = await resetting([H2Code.INTERNAL_ERROR, H2Code.CANCEL]);
    // A sweep once a minute: the queue must move on the resets themselves, not on the sweep's pump.
    const c = new PipelineClient({ host: '127.0.0.1', port: s.port, protocols: [http2], maxConns: 1, maxPendingRequests: 2, sweepInterval: 60_000 });
    cleanup.push(() => c.close());
    const codes = await Promise.all(Array.from({ length: 6 }, (_, i) => code(c.do(new Request({ url: `/${i}` }), new Response()))));
    expect(codes.sort()).toEqual(['ERR_H2_CANCEL', 'ERR_H2_CANCEL', 'ERR_H2_CANCEL', 'ERR_H2_INTERNAL', 'ERR_H2_INTERNAL', 'ERR_H2_INTERNAL']);
    expect(s.stats.connections).toBe(1);
  });
});
