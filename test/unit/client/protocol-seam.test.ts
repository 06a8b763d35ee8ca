// The protocol seam: a second protocol plugs into HostClient and PipelineClient through the
// `protocols` option alone. The fake protocol below is a multiplexed in-memory connection (think
// HTTP/2 streams) over the in-memory transport: it never parses bytes, the test answers its
// exchanges by hand, and its capacity is its own (min(peer limit, the pool's cap)), so the pools'
// acceptance rule is visibly the connection's.
import { afterEach, describe, expect, it } from 'vitest';
import { nowMs } from '../../../src/core/clock.js';
import { FastbenchError } from '../../../src/core/errors.js';
import { pickFactory } from '../../../src/client/client-connection.js';
import { http1 } from '../../../src/client/h1/connection.js';
import { HostClient } from '../../../src/client/host-client.js';
import { PipelineClient } from '../../../src/client/pipeline-client.js';
import { Request } from '../../../src/client/request.js';
import { Response } from '../../../src/client/response.js';
import { fakeProtocol } from '../../fixtures/client/fake-protocol.js';
import { MemoryListener, answerWith, until } from '../../fixtures/client/memory-transport.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

type Outcome = { body?: string; code?: string };
function track(p: Promise<Response>): { done: Outcome | undefined; settled: Promise<Outcome> } {
  const t: { done: Outcome | undefined; settled: Promise<Outcome> } = { done: undefined, settled: Promise.resolve({}) };
  t.settled = p.then(
    (r) => (t.done = { body: r.bodyText() }),
    (e: FastbenchError) => (t.done = { code: e.code }),
  );
  return t;
}

function setup<C extends HostClient | PipelineClient>(make: (net: MemoryListener) => C): { c: C; mem: MemoryListener } {
  const mem = new MemoryListener();
  const c = make(mem);
  cleanup.push(() => c.close());
  return { c, mem };
}

describe('protocol seam: a fake multiplexed protocol through PipelineClient', () => {
  it('honours the connection\'s capacity (peer limit below the pool cap), counts in flight, queues the rest', async () => {
    const fake = fakeProtocol(3);
    const { c, mem } = setup((m) => new PipelineClient({ addr: 'fake.test:80', connect: m.connect, protocols: [fake], maxConns: 2, maxPendingRequests: 8 }));
    const all = Array.from({ length: 10 }, (_, i) => track(c.do(new Request({ url: `/${i}` }), new Response())));
    await until(() => fake.made.length === 2 && fake.made.every((f) => f.inFlight === 3));
    // 2 connections × capacity 3 in flight; the other 4 wait, none went to an HTTP/1 parser.
    expect(mem.conns.length).toBe(2);
    expect(fake.made.map((f) => f.freeSlots)).toEqual([0, 0]);
    expect(c.waitingCount).toBe(4);
    expect(c.pendingCount).toBe(10);
    expect(mem.requests).toBe(0); // no HTTP/1 bytes were written
    // Answer one stream: exactly one waiter takes the freed slot (FIFO: /6).
    const first = fake.made[0]!;
    const path = first.streams[0]!._req!.path;
    first.answer(path, 'one');
    await until(() => all.some((t) => t.done !== undefined));
    expect(c.waitingCount).toBe(3);
    expect(first.inFlight).toBe(3);
    expect(first.streams.map((r) => r._req!.path)).toContain('/6');
    // Drain everything.
    for (let round = 0; c.pendingCount > 0 && round < 20; round++) {
      for (const f of fake.made) for (const r of [...f.streams]) f.answer(r._req!.path, `ok ${r._req!.path}`);
      await until(() => true);
    }
    const outcomes = await Promise.all(all.map((t) => t.settled));
    expect(outcomes.filter((o) => o.body !== undefined).length).toBe(10);
    expect(fake.made.length).toBe(2);
  });

  it('a deadline found by the sweep frees the slot (the stream is abandoned, the connection stays)', async () => {
    const fake = fakeProtocol(4);
    const { c } = setup((m) => new PipelineClient({ addr: 'fake.test:80', connect: m.connect, protocols: [fake], maxConns: 1, maxPendingRequests: 4 }));
    const slow = track(c.doDeadline(new Request({ url: '/slow' }), new Response(), nowMs() + 60_000));
    const other = track(c.do(new Request({ url: '/other' }), new Response()));
    await until(() => fake.made.length === 1 && fake.made[0]!.inFlight === 2);
    // The injected instant: a sweep one minute later (no waiting on the wall clock).
    c.sweep(nowMs() + 61_000);
    expect(await slow.settled).toEqual({ code: 'ERR_TIMEOUT_HEADERS' });
    const conn = fake.made[0]!;
    expect(conn.isOpen).toBe(true);
    expect(conn.inFlight).toBe(1);
    conn.answer('/other', 'still here');
    expect(await other.settled).toEqual({ body: 'still here' });
  });

  it('close() fails everything in flight and waiting with ERR_CLIENT_CLOSED', async () => {
    const fake = fakeProtocol(2);
    const { c } = setup((m) => new PipelineClient({ addr: 'fake.test:80', connect: m.connect, protocols: [fake], maxConns: 1, maxPendingRequests: 8 }));
    const all = Array.from({ length: 3 }, (_, i) => track(c.do(new Request({ url: `/${i}` }), new Response())));
    await until(() => fake.made.length === 1 && fake.made[0]!.inFlight === 2);
    expect(c.waitingCount).toBe(1);
    await c.close();
    for (const t of all) expect(await t.settled).toEqual({ code: 'ERR_CLIENT_CLOSED' });
    expect(fake.made[0]!.isOpen).toBe(false);
    expect(c.connCount).toBe(0);
  });
});

describe('protocol seam: the fake protocol through HostClient', () => {
  it('one exchange per connection: maxConns in flight, the rest wait, a freed connection serves the next', async () => {
    const fake = fakeProtocol(100);
    const { c } = setup((m) => new HostClient({ addr: 'fake.test:80', connect: m.connect, protocols: [fake], maxConns: 2, maxConnWaitTimeout: 60_000 }));
    const all = Array.from({ length: 3 }, (_, i) => track(c.do(new Request({ url: `/${i}` }), new Response())));
    await until(() => fake.made.length === 2 && fake.made.every((f) => f.inFlight === 1));
    // HostClient's capacity is 1 per connection whatever the peer allows.
    expect(fake.made.map((f) => f.freeSlots)).toEqual([0, 0]);
    expect(c.waitingCount).toBe(1);
    const a = fake.made[0]!;
    a.answer(a.streams[0]!._req!.path, 'a');
    await until(() => c.waitingCount === 0);
    expect(a.inFlight).toBe(1);
    expect(a.streams[0]!._req!.path).toBe('/2');
    a.answer('/2', 'again');
    const b = fake.made[1]!;
    b.answer(b.streams[0]!._req!.path, 'b');
    const outcomes = await Promise.all(all.map((t) => t.settled));
    expect(outcomes.map((o) => o.body).sort()).toEqual(['a', 'again', 'b']);
    expect(c.idleConnCount).toBe(2);
  });

  it('a deadline found by the sweep fails the exchange with its typed error; a connection whose detach freed the slot (streams) serves on', async () => {
    const fake = fakeProtocol(1);
    const { c } = setup((m) => new HostClient({ addr: 'fake.test:80', connect: m.connect, protocols: [fake] }));
    const t = track(c.doDeadline(new Request({ url: '/x' }), new Response(), nowMs() + 60_000));
    await until(() => fake.made.length === 1 && fake.made[0]!.inFlight === 1);
    c.sweep(nowMs() + 61_000);
    expect(await t.settled).toEqual({ code: 'ERR_TIMEOUT_HEADERS' });
    // (HTTP/1 keeps the slot of a detached exchange — its answer is still due — and is closed:
    // test/integration/client/misbehaving-servers.test.ts "no head within the deadline".)
    expect(fake.made[0]!.isOpen).toBe(true);
    expect(c.idleConnCount).toBe(1);
  });

  it('close() fails the pending exchange with ERR_CLIENT_CLOSED', async () => {
    const fake = fakeProtocol(1);
    const { c } = setup((m) => new HostClient({ addr: 'fake.test:80', connect: m.connect, protocols: [fake] }));
    const t = track(c.do(new Request({ url: '/x' }), new Response()));
    await until(() => fake.made.length === 1 && fake.made[0]!.inFlight === 1);
    await c.close();
    expect(await t.settled).toEqual({ code: 'ERR_CLIENT_CLOSED' });
  });
});

describe('protocol seam: the same pools over HTTP/1 on the in-memory transport', () => {
  it('the default protocol is HTTP/1.1: bytes on the wire, parsed answers', async () => {
    const mem = new MemoryListener();
    mem.onRequest = (conn, head) => conn.answer(answerWith(head.split(' ')[1]!));
    const c = new HostClient({ addr: 'mem.test:80', connect: mem.connect });
    cleanup.push(() => c.close());
    const res = await c.do(new Request({ url: '/hello' }), new Response());
    expect(res.bodyText()).toBe('/hello');
    expect(c.protocols).toEqual([http1]);
  });
});

describe('pickFactory: which protocol an open socket speaks', () => {
  const fake = fakeProtocol(1);
  it('cleartext speaks the first configured protocol', () => {
    expect(pickFactory([fake, http1], false, 'x-fake', 'h:1')).toBe(fake);
    expect(pickFactory([http1, fake], false, 'http/1.1', 'h:1')).toBe(http1);
  });
  it('TLS speaks what ALPN chose; no ALPN answer means HTTP/1.1', () => {
    expect(pickFactory([fake, http1], true, 'http/1.1', 'h:1')).toBe(http1);
    expect(pickFactory([http1, fake], true, 'x-fake', 'h:1')).toBe(fake);
    expect(pickFactory([fake, http1], true, false, 'h:1')).toBe(http1);
  });
  it('a protocol not offered, or no ALPN without HTTP/1.1 offered, is ERR_PROTOCOL_UNSUPPORTED', () => {
    for (const [list, got] of [
      [[http1], 'h2'],
      [[fake], false],
    ] as const) {
      let err: unknown;
      try {
        pickFactory(list, true, got, 'h:1');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FastbenchError);
      expect((err as FastbenchError).code).toBe('ERR_PROTOCOL_UNSUPPORTED');
    }
  });
  it('a bad protocols option is ERR_CONFIG at construction', () => {
    for (const protocols of [[], [{ protocol: '' }], 'h2', [{ protocol: 'x', create: 1 }]]) {
      expect(() => new HostClient({ addr: 'h:1', protocols: protocols as never })).toThrow(/protocols/);
    }
  });
});
