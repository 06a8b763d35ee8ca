// The HTTP/2 client connection through the pools, over the in-memory transport, against a server
// end played by hand with our own codec (test/fixtures/client/h2-peer.ts): every frame the
// "server" sends is the test's, every frame the client sent is recorded.
import { afterEach, describe, expect, it } from 'vitest';
import { nowMs } from '../../../src/core/clock.js';
import type { FastbenchError } from '../../../src/core/errors.js';
import { http2, H2Connection, H2_SETTINGS_TIMEOUT_MS, H2_STREAM_WINDOW } from '../../../src/client/h2/connection.js';
import { HostClient } from '../../../src/client/host-client.js';
import { PipelineClient } from '../../../src/client/pipeline-client.js';
import { Request } from '../../../src/client/request.js';
import { Response } from '../../../src/client/response.js';
import { H2Code, SettingId } from '../../../src/http2/constants.js';
import { h2Peers, type H2Peer } from '../../fixtures/client/h2-peer.js';
import { until } from '../../fixtures/client/memory-transport.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

type Outcome = { body?: string; status?: number; version?: string; code?: string; res?: Response };
function track(p: Promise<Response>): { done: Outcome | undefined; settled: Promise<Outcome> } {
  const t: { done: Outcome | undefined; settled: Promise<Outcome> } = { done: undefined, settled: Promise.resolve({}) };
  t.settled = p.then(
    (r) => (t.done = { body: r.bodyText(), status: r.status, version: r.httpVersion, res: r }),
    (e: FastbenchError) => (t.done = { code: e.code }),
  );
  return t;
}

function pipeline(opts: { maxConns?: number; maxPendingRequests?: number } = {}): { c: PipelineClient; peers: H2Peer[] } {
  const { connect, peers } = h2Peers();
  const c = new PipelineClient({ addr: 'h2.test:80', connect, protocols: [http2], maxConns: opts.maxConns ?? 1, maxPendingRequests: opts.maxPendingRequests ?? 10 });
  cleanup.push(() => c.close());
  return { c, peers };
}

const turns = async (n: number): Promise<void> => {
  for (let k = 0; k < n; k++) await new Promise<void>((r) => setImmediate(r));
};
const sids = (p: H2Peer): number[] => p.of('headers').map((h) => h.sid);

describe('HTTP/2 client connection: setup', () => {
  it('sends the preface and SETTINGS (push off, our window and stream cap), ACKs the peer\'s SETTINGS', async () => {
    const { c, peers } = pipeline({ maxPendingRequests: 7 });
    const t = track(c.do(new Request({ url: '/a' }), new Response()));
    await until(() => peers.length === 1 && peers[0]!.of('headers').length === 1);
    const p = peers[0]!;
    expect(p.readError).toBeNull(); // the preface was right
    expect(p.events[0]!.kind).toBe('settings');
    const values = new Map((p.events[0] as { values: [number, number][] }).values);
    expect(values.get(SettingId.ENABLE_PUSH)).toBe(0);
    expect(values.get(SettingId.MAX_CONCURRENT_STREAMS)).toBe(7);
    expect(values.get(SettingId.INITIAL_WINDOW_SIZE)).toBe(H2_STREAM_WINDOW);
    const h = p.of('headers')[0]!;
    expect(h.sid).toBe(1);
    expect(h.endStream).toBe(true);
    expect(h.fields.slice(0, 4)).toEqual([[':method', 'GET'], [':scheme', 'http'], [':authority', 'h2.test'], [':path', '/a']]);
    p.settings([[SettingId.MAX_FRAME_SIZE, 32768]]).ackSettings().respond(1, 'hello', 200, [['x-one', '1']]).send();
    const o = await t.settled;
    expect(o).toMatchObject({ body: 'hello', status: 200, version: '2' });
    expect(o.res!.header('x-one')).toBe('1');
    expect(o.res!.header(':status')).toBeUndefined(); // pseudo-headers are not header fields
    expect(o.res!.contentLength).toBe(5);
    await until(() => p.of('settingsAck').length === 1);
  });

  it('answers PING with an ACK carrying the same 8 bytes', async () => {
    const { c, peers } = pipeline();
    const t = track(c.do(new Request({ url: '/' }), new Response()));
    await until(() => peers[0]?.of('headers').length === 1);
    const p = peers[0]!;
    p.settings().ping('liveness').send();
    await until(() => p.of('ping').length === 1);
    expect(p.of('ping')[0]).toEqual({ kind: 'ping', ack: true, data: 'liveness' });
    p.respond(1, 'x').send();
    expect((await t.settled).body).toBe('x');
  });
});

describe('HTTP/2 client connection: streams', () => {
  it('runs 3 streams at once on one connection and matches out-of-order answers (trailers too)', async () => {
    const { c, peers } = pipeline();
    const ts = ['/0', '/1', '/2'].map((u) => track(c.do(new Request({ url: u }), new Response())));
    await until(() => peers[0]?.of('headers').length === 3);
    const p = peers[0]!;
    expect(peers.length).toBe(1);
    expect(sids(p)).toEqual([1, 3, 5]);
    expect(p.of('headers').map((h) => h.fields[3]![1])).toEqual(['/0', '/1', '/2']);
    p.settings().respond(5, 'two').respond(3, 'one');
    p.headers(1, [[':status', '201']], false).data(1, 'zero', false).headers(1, [['x-trailer', 't']], true).send();
    const out = await Promise.all(ts.map((t) => t.settled));
    expect(out.map((o) => o.body)).toEqual(['zero', 'one', 'two']);
    expect(out[0]!.status).toBe(201);
    expect(out[0]!.res!.trailers.get('x-trailer')).toBe('t');
  });

  it('honours the peer\'s MAX_CONCURRENT_STREAMS: no more streams than it allows, the rest wait', async () => {
    const { c, peers } = pipeline({ maxPendingRequests: 10 });
    const first = track(c.do(new Request({ url: '/first' }), new Response()));
    await until(() => peers[0]?.of('headers').length === 1);
    const p = peers[0]!;
    p.settings([[SettingId.MAX_CONCURRENT_STREAMS, 2]]).respond(1, 'f').send();
    await first.settled;
    const conn = (c as unknown as { conns: H2Connection[] }).conns[0]!;
    expect(conn.capacity).toBe(2);
    const answered = new Set<number>();
    const ts = Array.from({ length: 5 }, (_, i) => track(c.do(new Request({ url: `/${i}` }), new Response())));
    await until(() => p.of('headers').length === 3);
    await turns(20);
    expect(p.of('headers').length).toBe(3); // 1 done + 2 in flight
    expect(conn.inFlight).toBe(2);
    expect(conn.freeSlots).toBe(0);
    expect(c.waitingCount).toBe(3);
    // Answer whatever is open until everything is done; never more than 2 open at once.
    for (let round = 0; round < 20 && ts.some((t) => t.done === undefined); round++) {
      const open = p.of('headers').map((h) => h.sid).filter((s) => s > 1 && !answered.has(s));
      expect(open.length).toBeLessThanOrEqual(2);
      for (const s of open) {
        answered.add(s);
        p.respond(s, `ok${s}`);
      }
      p.send();
      await turns(10);
    }
    const out = await Promise.all(ts.map((t) => t.settled));
    expect(out.every((o) => o.status === 200)).toBe(true);
    expect(peers.length).toBe(1);
  });
  it('RST_STREAM from the peer fails that exchange only; the connection and the other streams go on', async () => {
    const { c, peers } = pipeline();
    const ts = ['/a', '/b', '/c'].map((u) => track(c.do(new Request({ url: u }), new Response())));
    await until(() => peers[0]?.of('headers').length === 3);
    const p = peers[0]!;
    p.settings().rst(3, H2Code.INTERNAL_ERROR).respond(1, 'A').send();
    await until(() => ts[0]!.done !== undefined && ts[1]!.done !== undefined);
    expect(ts[1]!.done).toEqual({ code: 'ERR_H2_INTERNAL' });
    expect(ts[0]!.done!.body).toBe('A');
    p.respond(5, 'C').send();
    expect((await ts[2]!.settled).body).toBe('C');
    const again = track(c.do(new Request({ url: '/d' }), new Response()));
    await until(() => p.of('headers').length === 4);
    expect(sids(p)[3]).toBe(7);
    p.respond(7, 'D').send();
    expect((await again.settled).body).toBe('D');
    expect(peers.length).toBe(1);
  });

  it('a deadline found by the sweep sends RST_STREAM CANCEL; the connection lives on and drops the late answer', async () => {
    const { c, peers } = pipeline();
    const slow = track(c.doDeadline(new Request({ url: '/slow' }), new Response(), nowMs() + 60_000));
    const other = track(c.do(new Request({ url: '/other' }), new Response()));
    await until(() => peers[0]?.of('headers').length === 2);
    const p = peers[0]!;
    p.settings().ackSettings().send();
    await until(() => (c as unknown as { conns: H2Connection[] }).conns[0]!.settingsAcked);
    c.sweep(nowMs() + 61_000);
    expect(await slow.settled).toEqual({ code: 'ERR_TIMEOUT_HEADERS' });
    await until(() => p.of('rst').length === 1);
    expect(p.of('rst')[0]).toEqual({ kind: 'rst', sid: 1, code: H2Code.CANCEL });
    // The late answer to the cancelled stream is read and dropped; the other stream completes.
    p.respond(1, 'late').respond(3, 'other').send();
    expect((await other.settled).body).toBe('other');
    const conn = (c as unknown as { conns: H2Connection[] }).conns[0]!;
    expect(conn.isOpen).toBe(true);
    expect(p.of('goaway').length).toBe(0);
  });
});

describe('HTTP/2 client connection: GOAWAY and connection errors', () => {
  it('GOAWAY: streams above last-stream-id are retried on a new connection (GET) or fail as refused (POST), the rest finish', async () => {
    const { c, peers } = pipeline({ maxConns: 1 });
    const ts = [
      track(c.do(new Request({ url: '/1' }), new Response())),
      track(c.do(new Request({ url: '/3' }), new Response())),
      track(c.do(new Request({ url: '/5', method: 'POST', body: 'x' }), new Response())),
    ];
    await until(() => peers[0]?.of('headers').length === 3);
    const p = peers[0]!;
    p.settings().goAway(1, H2Code.NO_ERROR, 'shutting down').send();
    await until(() => ts[2]!.done !== undefined);
    expect(ts[2]!.done).toEqual({ code: 'ERR_H2_REFUSED_STREAM' }); // not idempotent: not retried
    expect(ts[1]!.done).toBeUndefined(); // waits for a new connection (maxConns 1)
    expect(ts[0]!.done).toBeUndefined();
    const next = track(c.do(new Request({ url: '/next' }), new Response()));
    await turns(10);
    expect(p.of('headers').length).toBe(3); // nothing new on the going-away connection
    p.respond(1, 'finished').send();
    expect((await ts[0]!.settled).body).toBe('finished');
    await until(() => p.closed); // closed once its last stream is done
    await until(() => peers.length === 2 && peers[1]!.of('headers').length === 2);
    expect(peers[1]!.of('headers').map((h) => h.fields[3]![1])).toEqual(['/3', '/next']);
    peers[1]!.settings().respond(1, 'again').respond(3, 'fresh').send();
    expect((await ts[1]!.settled).body).toBe('again');
    expect((await next.settled).body).toBe('fresh');
  });

  it('a connection error (DATA on stream 0) sends GOAWAY PROTOCOL_ERROR and fails every exchange in flight', async () => {
    const { c, peers } = pipeline();
    const ts = ['/a', '/b'].map((u) => track(c.do(new Request({ url: u }), new Response())));
    await until(() => peers[0]?.of('headers').length === 2);
    const p = peers[0]!;
    // A DATA frame header on stream 0 with a 1-byte payload.
    p.settings().raw(Buffer.from([0, 0, 1, 0, 0, 0, 0, 0, 0, 0x61])).send();
    const out = await Promise.all(ts.map((t) => t.settled));
    expect(out).toEqual([{ code: 'ERR_H2_PROTOCOL' }, { code: 'ERR_H2_PROTOCOL' }]);
    await until(() => p.of('goaway').length === 1 || p.closed);
    expect(p.of('goaway')[0]).toMatchObject({ code: H2Code.PROTOCOL_ERROR });
  });

  it('a peer that never ACKs our SETTINGS: the sweep ends the connection with GOAWAY SETTINGS_TIMEOUT', async () => {
    const { c, peers } = pipeline();
    const t = track(c.do(new Request({ url: '/a' }), new Response()));
    await until(() => peers[0]?.of('headers').length === 1);
    const p = peers[0]!;
    p.settings().send(); // its own SETTINGS, but no ACK of ours
    await turns(5);
    c.sweep(nowMs() + H2_SETTINGS_TIMEOUT_MS + 1);
    expect(await t.settled).toEqual({ code: 'ERR_H2_SETTINGS_TIMEOUT' });
    await until(() => p.of('goaway').length === 1 || p.closed);
    expect(p.of('goaway')[0]).toMatchObject({ code: H2Code.SETTINGS_TIMEOUT });
  });

  it('a malformed response (no :status) is a stream error: RST_STREAM PROTOCOL_ERROR for that stream only', async () => {
    const { c, peers } = pipeline();
    const ts = ['/a', '/b'].map((u) => track(c.do(new Request({ url: u }), new Response())));
    await until(() => peers[0]?.of('headers').length === 2);
    const p = peers[0]!;
    p.settings().headers(1, [['x', 'y']], true).respond(3, 'ok').send();
    const out = await Promise.all(ts.map((t) => t.settled));
    expect(out[0]).toEqual({ code: 'ERR_H2_PROTOCOL' });
    expect(out[1]!.body).toBe('ok');
    await until(() => p.of('rst').length === 1);
    expect(p.of('rst')[0]).toEqual({ kind: 'rst', sid: 1, code: H2Code.PROTOCOL_ERROR });
  });
});

describe('HTTP/2 client connection: flow control', () => {
  it('a request body larger than the send window: DATA stops at the window and resumes on WINDOW_UPDATE', async () => {
    const { c, peers } = pipeline();
    const body = Buffer.alloc(200_000, 0x62);
    const t = track(c.do(new Request({ url: '/up', method: 'POST', body }), new Response()));
    await until(() => peers[0]?.of('headers').length === 1);
    const p = peers[0]!;
    const h = p.of('headers')[0]!;
    expect(h.endStream).toBe(false);
    expect(h.fields).toContainEqual(['content-length', '200000']);
    await until(() => p.of('data').reduce((n, d) => n + d.length, 0) === 65535);
    await turns(10);
    const sent = (): number => p.of('data').reduce((n, d) => n + d.length, 0);
    expect(sent()).toBe(65535); // the default connection and stream windows, not a byte more
    expect(p.of('data').every((d) => d.length <= 16384)).toBe(true);
    // Open the connection window only: still blocked by the stream window.
    p.settings().window(0, 1_000_000).send();
    await turns(10);
    expect(sent()).toBe(65535);
    p.window(1, 1_000_000).send();
    await until(() => sent() === 200_000);
    const data = p.of('data');
    expect(data[data.length - 1]!.endStream).toBe(true);
    expect(data.filter((d) => d.endStream).length).toBe(1);
    p.respond(1, 'got it').send();
    expect((await t.settled).body).toBe('got it');
  });

  it('a SETTINGS_INITIAL_WINDOW_SIZE increase releases a blocked body', async () => {
    const { c, peers } = pipeline();
    const t = track(c.do(new Request({ url: '/up', method: 'PUT', body: Buffer.alloc(70_000, 1) }), new Response()));
    await until(() => peers[0]?.of('data').reduce((n, d) => n + d.length, 0) === 65535);
    const p = peers[0]!;
    p.settings([[SettingId.INITIAL_WINDOW_SIZE, 100_000]]).window(0, 100_000).send();
    await until(() => p.of('data').reduce((n, d) => n + d.length, 0) === 70_000);
    p.respond(1, '').send();
    expect((await t.settled).status).toBe(200);
  });

  it('gives receive credit back in batches (one WINDOW_UPDATE per half window, not per DATA frame)', async () => {
    const { c, peers } = pipeline();
    const t = track(c.do(new Request({ url: '/down' }), new Response()));
    await until(() => peers[0]?.of('headers').length === 1);
    const p = peers[0]!;
    const size = H2_STREAM_WINDOW / 2 + 40_000; // 34 DATA frames
    p.settings().headers(1, [[':status', '200']], false).data(1, Buffer.alloc(size, 0x61), false).send();
    await until(() => p.of('window').some((w) => w.sid === 1));
    const streamUpdates = p.of('window').filter((w) => w.sid === 1);
    expect(streamUpdates.length).toBe(1);
    expect(streamUpdates[0]!.increment).toBeGreaterThan(H2_STREAM_WINDOW / 2);
    p.data(1, '', true).send();
    const o = await t.settled;
    expect(o.res!.bodyLength).toBe(size);
  });
});

describe('HTTP/2 client connection: misbehaving peers', () => {
  it('a peer that shrinks the stream window to 0: the body waits, its deadline ends it in the write phase with RST_STREAM CANCEL', async () => {
    const { c, peers } = pipeline();
    const t = track(c.doDeadline(new Request({ url: '/up', method: 'POST', body: Buffer.alloc(1000, 1) }), new Response(), nowMs() + 60_000));
    await until(() => peers[0]?.of('headers').length === 1 && peers[0]!.of('data').length === 1);
    const p = peers[0]!;
    // The first 1000 bytes went under the default window; now a second request meets window 0.
    p.settings([[SettingId.INITIAL_WINDOW_SIZE, 0]]).ackSettings().respond(1, 'ok').send();
    expect((await t.settled).body).toBe('ok');
    const stuck = track(c.doDeadline(new Request({ url: '/up2', method: 'POST', body: Buffer.alloc(10, 1) }), new Response(), nowMs() + 60_000));
    await until(() => p.of('headers').length === 2);
    await turns(10);
    expect(p.of('data').length).toBe(1); // nothing for the second stream
    c.sweep(nowMs() + 61_000);
    expect(await stuck.settled).toEqual({ code: 'ERR_TIMEOUT_WRITE' });
    await until(() => p.of('rst').length === 1);
    expect(p.of('rst')[0]).toEqual({ kind: 'rst', sid: 3, code: H2Code.CANCEL });
  });

  it('HEADERS on a stream the client never opened is a connection error (GOAWAY PROTOCOL_ERROR)', async () => {
    const { c, peers } = pipeline();
    const t = track(c.do(new Request({ url: '/a' }), new Response()));
    await until(() => peers[0]?.of('headers').length === 1);
    const p = peers[0]!;
    p.settings().respond(9, 'stray').send();
    expect(await t.settled).toEqual({ code: 'ERR_H2_PROTOCOL' });
    await until(() => p.of('goaway').length === 1 || p.closed);
    expect(p.of('goaway')[0]).toMatchObject({ code: H2Code.PROTOCOL_ERROR });
  });

  it('a response body past maxResponseBodySize fails that stream (ERR_HTTP_BODY_TOO_LARGE, RST_STREAM CANCEL); the connection goes on', async () => {
    const { connect, peers } = h2Peers();
    const c = new PipelineClient({ addr: 'h2.test:80', connect, protocols: [http2], maxConns: 1, maxPendingRequests: 4, maxResponseBodySize: 100 });
    cleanup.push(() => c.close());
    const big = track(c.do(new Request({ url: '/big' }), new Response()));
    const small = track(c.do(new Request({ url: '/small' }), new Response()));
    await until(() => peers[0]?.of('headers').length === 2);
    const p = peers[0]!;
    p.settings().headers(1, [[':status', '200']], false).data(1, Buffer.alloc(150, 0x61), true).respond(3, 'fits').send();
    expect(await big.settled).toEqual({ code: 'ERR_HTTP_BODY_TOO_LARGE' });
    expect((await small.settled).body).toBe('fits');
    await until(() => p.of('rst').length === 1);
    expect(p.of('rst')[0]).toEqual({ kind: 'rst', sid: 1, code: H2Code.CANCEL });
  });
});

describe('HTTP/2 client connection: header blocks', () => {
  it('reuses the prebuilt block for an unchanged request; emits the owed table size update first', async () => {
    const { c, peers } = pipeline();
    const req = new Request({ url: '/same', headers: { 'X-Custom': 'v', Connection: 'keep-alive' } });
    const t1 = track(c.do(req, new Response()));
    await until(() => peers[0]?.of('headers').length === 1);
    const p = peers[0]!;
    const f1 = p.of('headers')[0]!.fields;
    expect(f1).toContainEqual(['x-custom', 'v']);
    expect(f1.some(([n]) => n === 'connection')).toBe(false);
    p.settings([[SettingId.HEADER_TABLE_SIZE, 0]]).respond(1, 'a').send();
    await t1.settled;
    const t2 = track(c.do(req, new Response()));
    await until(() => p.of('headers').length === 2);
    const h2 = p.of('headers')[1]!;
    expect(h2.firstByte).toBe(0x20); // dynamic table size update to 0 before any field
    expect(h2.fields).toEqual(f1);
    p.respond(3, 'b').send();
    await t2.settled;
    const t3 = track(c.do(req, new Response()));
    await until(() => p.of('headers').length === 3);
    expect(p.of('headers')[2]!.firstByte).not.toBe(0x20); // owed once
    p.respond(5, 'c').send();
    expect((await t3.settled).body).toBe('c');
  });
});

describe('HTTP/2 client connection: HostClient', () => {
  it('an idempotent request left above GOAWAY\'s last-stream-id is retried once on a new connection (a POST is not)', async () => {
    const { connect, peers } = h2Peers();
    const c = new HostClient({ addr: 'h2.test:80', connect, protocols: [http2], maxConns: 1 });
    cleanup.push(() => c.close());
    const get = track(c.do(new Request({ url: '/g' }), new Response()));
    await until(() => peers[0]?.of('headers').length === 1);
    peers[0]!.settings().goAway(0, H2Code.NO_ERROR).send();
    await until(() => peers.length === 2 && peers[1]!.of('headers').length === 1);
    expect(peers[1]!.of('headers')[0]!.fields[3]).toEqual([':path', '/g']);
    peers[1]!.settings().respond(1, 'retried').send();
    expect((await get.settled).body).toBe('retried');
    const post = track(c.do(new Request({ url: '/p', method: 'POST', body: 'x' }), new Response()));
    await until(() => peers[1]!.of('headers').length === 2);
    peers[1]!.goAway(1, H2Code.NO_ERROR).send();
    expect(await post.settled).toEqual({ code: 'ERR_H2_REFUSED_STREAM' });
    expect(peers.length).toBe(2);
  });

  it('works one stream per connection under HostClient (the pool never knows the protocol)', async () => {
    const { connect, peers } = h2Peers();
    const c = new HostClient({ addr: 'h2.test:80', connect, protocols: [http2], maxConns: 1 });
    cleanup.push(() => c.close());
    const t = track(c.do(new Request({ url: '/x' }), new Response()));
    await until(() => peers[0]?.of('headers').length === 1);
    peers[0]!.settings().respond(1, 'host').send();
    expect((await t.settled).body).toBe('host');
    const t2 = track(c.do(new Request({ url: '/y' }), new Response()));
    await until(() => peers[0]!.of('headers').length === 2);
    peers[0]!.respond(3, 'again').send();
    expect((await t2.settled).body).toBe('again');
    expect(peers.length).toBe(1);
  });
});
