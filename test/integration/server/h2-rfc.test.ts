// RFC 9113 error handling of the HTTP/2 server, driven with raw frames: each violation gets exactly
// the answer the RFC prescribes (GOAWAY or RST_STREAM with the code), and the limits answer on the
// stream. In-process server on loopback; every wait is bounded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTION_PREFACE, FrameType, H2Code, SettingId } from '../../../src/http2/constants.js';
import {
  writeData, writeFrameHeader, writeHeaders, writePing, writeRstStream, writeWindowUpdate,
} from '../../../src/http2/frame-writer.js';
import { createServer, type FastbenchServer } from '../../../src/server/server.js';
import { RawH2 } from './h2-raw-client.js';

let server: FastbenchServer;
let port: number;
const open: RawH2[] = [];

beforeAll(async () => {
  server = createServer({ port: 0, quiet: true, maxRequestBodySize: 100_000 });
  ({ port } = await server.listen());
});
afterAll(async () => {
  for (const c of open) c.destroy();
  await server.close(200);
});

async function client(settings: [number, number][] = []): Promise<RawH2> {
  const c = await RawH2.connect(port, settings);
  open.push(c);
  return c;
}

const GET = (path: string): [string, string][] => [[':method', 'GET'], [':scheme', 'http'], [':authority', 'x'], [':path', path]];

describe('HTTP/2 server: connection basics', () => {
  it('acknowledges SETTINGS and PING, and answers a GET', async () => {
    const c = await client();
    writePing(c.w, false, Buffer.from('12345678'));
    const b = c.block(GET('/plaintext'));
    writeHeaders(c.w, 1, b, 0, b.length, true);
    c.flush();
    expect(await c.until(() => c.settingsAcks > 0 && c.pingAcks > 0 && c.ended.has(1))).toBe(true);
    expect(c.statuses.get(1)).toBe(200);
    expect(c.dataBytes.get(1)).toBe(13);
  });

  it('a preface wrong only in its last byte is HTTP/2 still: GOAWAY PROTOCOL_ERROR', async () => {
    const net = await import('node:net');
    const socket = await new Promise<import('node:net').Socket>((resolve) => {
      const so = net.connect(port, '127.0.0.1', () => resolve(so));
    });
    const c = new RawH2(socket);
    open.push(c);
    socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\rQ');
    expect(await c.until(() => c.goAway !== undefined)).toBe(true);
    expect(c.goAway!.code).toBe(H2Code.PROTOCOL_ERROR);
    expect(await c.until(() => c.closed)).toBe(true);
  });

  it('an invalid preface is a connection error PROTOCOL_ERROR (GOAWAY)', async () => {
    const c = await client();
    c.destroy();
    const raw = await RawH2.connect(port);
    open.push(raw);
    // a second preface is garbage after the first SETTINGS: a frame header of type 'P'…
    raw.socket.write(Buffer.concat([Buffer.from([0, 0, 0, 0x4, 0, 0, 0, 0, 0]), Buffer.from(CONNECTION_PREFACE)]));
    expect(await raw.until(() => raw.goAway !== undefined)).toBe(true);
    expect(raw.goAway!.code).not.toBe(H2Code.NO_ERROR);
  });
});

describe('HTTP/2 server: protocol detection on a shared port', () => {
  it('a preface split across reads is still h2c; bytes that stop matching it are HTTP/1.1', async () => {
    const net = await import('node:net');
    const { ByteWriter } = await import('../../../src/core/byte-writer.js');
    const { writeSettings } = await import('../../../src/http2/frame-writer.js');
    const { SettingsList } = await import('../../../src/http2/settings.js');
    const socket = await new Promise<import('node:net').Socket>((resolve) => {
      const so = net.connect(port, '127.0.0.1', () => resolve(so));
    });
    const c = new RawH2(socket);
    open.push(c);
    socket.write(CONNECTION_PREFACE.subarray(0, 7));
    await new Promise((r) => setTimeout(r, 50));
    const w = new ByteWriter(256);
    w.bytes(CONNECTION_PREFACE.subarray(7));
    writeSettings(w, SettingsList.of([]));
    const b = c.block(GET('/plaintext'));
    writeHeaders(w, 1, b, 0, b.length, true);
    socket.write(w.toBuffer());
    expect(await c.until(() => c.ended.has(1))).toBe(true);
    expect(c.statuses.get(1)).toBe(200);

    const h1 = await new Promise<string>((resolve) => {
      const so = net.connect(port, '127.0.0.1', () => {
        so.write('PRI');
        setTimeout(() => so.write('NT /plaintext HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 50);
      });
      let got = '';
      so.on('data', (d) => (got += d.toString('latin1')));
      so.on('close', () => resolve(got));
    });
    // "PRINT" is a well-formed (unknown) method: the router answers it over HTTP/1.1
    expect(h1).toMatch(/^HTTP\/1\.1 (404|405) /);
  });
});

describe('HTTP/2 server: RFC 9113 errors', () => {
  it('HEADERS on an even stream id: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await client();
    const b = c.block(GET('/plaintext'));
    writeHeaders(c.w, 2, b, 0, b.length, true);
    c.flush();
    expect(await c.until(() => c.goAway !== undefined)).toBe(true);
    expect(c.goAway!.code).toBe(H2Code.PROTOCOL_ERROR);
    expect(await c.until(() => c.closed)).toBe(true);
  });

  it('DATA on an idle stream: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await client();
    writeData(c.w, 5, Buffer.from('x'), 0, 1, true);
    c.flush();
    expect(await c.until(() => c.goAway !== undefined)).toBe(true);
    expect(c.goAway!.code).toBe(H2Code.PROTOCOL_ERROR);
  });

  it('a stream id lower than one already used: GOAWAY (PROTOCOL_ERROR, or STREAM_CLOSED for a closed one)', async () => {
    const c = await client();
    const b = c.block(GET('/plaintext'));
    writeHeaders(c.w, 5, b, 0, b.length, true);
    writeHeaders(c.w, 3, b, 0, b.length, true);
    c.flush();
    expect(await c.until(() => c.goAway !== undefined)).toBe(true);
    expect(c.goAway!.code).toBe(H2Code.PROTOCOL_ERROR);
    expect(c.goAway!.lastStreamId).toBe(5);
    const d = await client();
    writeHeaders(d.w, 1, b, 0, b.length, true);
    d.flush();
    await d.until(() => d.ended.has(1));
    writeHeaders(d.w, 1, b, 0, b.length, true);
    d.flush();
    expect(await d.until(() => d.goAway !== undefined)).toBe(true);
    expect(d.goAway!.code).toBe(H2Code.STREAM_CLOSED);
  });

  it('a malformed request (no :path) is a stream error: RST_STREAM PROTOCOL_ERROR, the connection lives', async () => {
    const c = await client();
    const bad = c.block([[':method', 'GET'], [':scheme', 'http'], [':authority', 'x']]);
    writeHeaders(c.w, 1, bad, 0, bad.length, true);
    // an upper-case field name, as a raw literal (the stateless encoder would lower-case it)
    const upper = Buffer.concat([c.block(GET('/plaintext')), Buffer.from([0x00, 7]), Buffer.from('X-Upper'), Buffer.from([2]), Buffer.from('no')]);
    writeHeaders(c.w, 3, upper, 0, upper.length, true);
    const good = c.block(GET('/plaintext'));
    writeHeaders(c.w, 5, good, 0, good.length, true);
    c.flush();
    expect(await c.until(() => c.ended.has(5))).toBe(true);
    expect(c.resets.get(1)).toBe(H2Code.PROTOCOL_ERROR);
    expect(c.resets.get(3)).toBe(H2Code.PROTOCOL_ERROR);
    expect(c.statuses.get(5)).toBe(200);
    expect(c.goAway).toBeUndefined();
  });

  it('content-length that disagrees with the DATA: RST_STREAM PROTOCOL_ERROR', async () => {
    const c = await client();
    const b = c.block([[':method', 'POST'], [':scheme', 'http'], [':authority', 'x'], [':path', '/anything'], ['content-length', '10']]);
    writeHeaders(c.w, 1, b, 0, b.length, false);
    writeData(c.w, 1, Buffer.from('abc'), 0, 3, true);
    c.flush();
    expect(await c.until(() => c.resets.has(1))).toBe(true);
    expect(c.resets.get(1)).toBe(H2Code.PROTOCOL_ERROR);
  });

  it('a WINDOW_UPDATE past 2^31-1 on the connection: GOAWAY FLOW_CONTROL_ERROR', async () => {
    const c = await client();
    writeWindowUpdate(c.w, 0, 0x7fffffff);
    c.flush();
    expect(await c.until(() => c.goAway !== undefined)).toBe(true);
    expect(c.goAway!.code).toBe(H2Code.FLOW_CONTROL_ERROR);
  });

  it('a frame larger than SETTINGS_MAX_FRAME_SIZE: GOAWAY FRAME_SIZE_ERROR', async () => {
    const c = await client();
    writeFrameHeader(c.w, 20000, FrameType.PING, 0, 0);
    c.w.bytes(Buffer.alloc(20000));
    c.flush();
    expect(await c.until(() => c.goAway !== undefined)).toBe(true);
    expect(c.goAway!.code).toBe(H2Code.FRAME_SIZE_ERROR);
  });

  it('beyond SETTINGS_MAX_CONCURRENT_STREAMS (100): RST_STREAM REFUSED_STREAM; the open ones are unaffected', async () => {
    const c = await client();
    const stall = c.block(GET('/fault/stall'));
    for (let i = 0; i < 100; i++) writeHeaders(c.w, 1 + 2 * i, stall, 0, stall.length, true);
    writeHeaders(c.w, 201, stall, 0, stall.length, true);
    c.flush();
    expect(await c.until(() => c.resets.has(201))).toBe(true);
    expect(c.resets.get(201)).toBe(H2Code.REFUSED_STREAM);
    expect(c.resets.size).toBe(1);
    // cancelling one frees a slot
    writeRstStream(c.w, 1, H2Code.CANCEL);
    const ok = c.block(GET('/plaintext'));
    writeHeaders(c.w, 203, ok, 0, ok.length, true);
    c.flush();
    expect(await c.until(() => c.ended.has(203))).toBe(true);
    expect(c.statuses.get(203)).toBe(200);
    expect(server.stats().http2.refusedStreams).toBeGreaterThanOrEqual(1);
  });

  it('a request body past the limit: 413 on the stream, RST_STREAM NO_ERROR, the connection lives', async () => {
    const c = await client();
    const b = c.block([[':method', 'POST'], [':scheme', 'http'], [':authority', 'x'], [':path', '/anything']]);
    writeHeaders(c.w, 1, b, 0, b.length, false);
    const chunk = Buffer.alloc(16384, 0x61);
    for (let i = 0; i < 8; i++) writeData(c.w, 1, chunk, 0, chunk.length, false);
    c.flush();
    expect(await c.until(() => c.statuses.has(1) && c.resets.has(1))).toBe(true);
    expect(c.statuses.get(1)).toBe(413);
    expect(c.resets.get(1)).toBe(H2Code.NO_ERROR);
    // DATA still in flight after our RST_STREAM is ignored (RFC 9113 5.1), not answered again
    writeData(c.w, 1, chunk, 0, chunk.length, true);
    const ok = c.block(GET('/plaintext'));
    writeHeaders(c.w, 3, ok, 0, ok.length, true);
    c.flush();
    expect(await c.until(() => c.ended.has(3))).toBe(true);
    expect(c.goAway).toBeUndefined();
  });

  it('bodies buffered on one connection are bounded: a stream past twice the body limit is refused (REFUSED_STREAM)', async () => {
    // maxRequestBodySize 100 000 → the connection holds at most 1 MiB (the floor) of unfinished bodies
    const c = await client();
    const chunk = Buffer.alloc(16000, 0x61);
    const post = c.block([[':method', 'POST'], [':scheme', 'http'], [':authority', 'x'], [':path', '/anything']]);
    for (let i = 0; i < 12; i++) {
      writeHeaders(c.w, 1 + 2 * i, post, 0, post.length, false);
      for (let k = 0; k < 6; k++) writeData(c.w, 1 + 2 * i, chunk, 0, chunk.length, false); // 96 000 each
    }
    c.flush();
    expect(await c.until(() => c.resets.size > 0)).toBe(true);
    expect([...c.resets.values()]).toContain(H2Code.REFUSED_STREAM);
    // finishing the others still works (the echo's body then waits for window: this client grants none)
    writeData(c.w, 1, chunk, 0, 10, true);
    c.flush();
    expect(await c.until(() => c.statuses.has(1))).toBe(true);
    expect(c.statuses.get(1)).toBe(200);
  });

  it('a request body that stops arriving: the stream is cancelled after the read timeout, the connection lives', async () => {
    const s2 = createServer({ port: 0, quiet: true, readTimeout: 300 });
    const { port: p2 } = await s2.listen();
    const c = await RawH2.connect(p2);
    open.push(c);
    const post = c.block([[':method', 'POST'], [':scheme', 'http'], [':authority', 'x'], [':path', '/anything']]);
    writeHeaders(c.w, 1, post, 0, post.length, false);
    c.flush();
    expect(await c.until(() => c.resets.has(1))).toBe(true);
    expect(c.resets.get(1)).toBe(H2Code.CANCEL);
    const ok = c.block(GET('/plaintext'));
    writeHeaders(c.w, 3, ok, 0, ok.length, true);
    c.flush();
    expect(await c.until(() => c.ended.has(3))).toBe(true);
    expect(s2.stats().rejections.ERR_SERVER_READ_TIMEOUT).toBe(1);
    c.destroy();
    await s2.close(200);
  });

  it('DATA on a stream closed normally (END_STREAM both ways): GOAWAY STREAM_CLOSED', async () => {
    const c = await client();
    const ok = c.block(GET('/plaintext'));
    writeHeaders(c.w, 1, ok, 0, ok.length, true);
    c.flush();
    expect(await c.until(() => c.ended.has(1))).toBe(true);
    writeData(c.w, 1, Buffer.from('x'), 0, 1, true);
    c.flush();
    expect(await c.until(() => c.goAway !== undefined)).toBe(true);
    expect(c.goAway!.code).toBe(H2Code.STREAM_CLOSED);
    expect(c.goAway!.lastStreamId).toBe(1);
    expect(c.resets.has(1)).toBe(false);
  });

  it('trailers on a request body reach the route (echo shows them)', async () => {
    const c = await client();
    const b = c.block([[':method', 'POST'], [':scheme', 'http'], [':authority', 'x'], [':path', '/anything']]);
    writeHeaders(c.w, 1, b, 0, b.length, false);
    writeData(c.w, 1, Buffer.from('hi'), 0, 2, false);
    const t = c.block([['x-checksum', 'abc']]);
    writeHeaders(c.w, 1, t, 0, t.length, true);
    c.flush();
    expect(await c.until(() => c.ended.has(1))).toBe(true);
    expect(c.statuses.get(1)).toBe(200);
  });

  it('SETTINGS_INITIAL_WINDOW_SIZE 1: one byte of DATA, the rest only as WINDOW_UPDATEs open the window', async () => {
    const c = await client([[SettingId.INITIAL_WINDOW_SIZE, 1]]);
    const b = c.block(GET('/plaintext'));
    writeHeaders(c.w, 1, b, 0, b.length, true);
    c.flush();
    expect(await c.until(() => c.dataBytes.get(1) === 1)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(c.dataBytes.get(1)).toBe(1);
    writeWindowUpdate(c.w, 1, 5);
    c.flush();
    expect(await c.until(() => c.dataBytes.get(1) === 6)).toBe(true);
    // a SETTINGS change moves open streams' windows too (RFC 9113 6.9.2)
    c.w.reset();
    const { writeSettings } = await import('../../../src/http2/frame-writer.js');
    const { SettingsList } = await import('../../../src/http2/settings.js');
    writeSettings(c.w, SettingsList.of([[SettingId.INITIAL_WINDOW_SIZE, 100]]));
    c.flush();
    expect(await c.until(() => c.ended.has(1))).toBe(true);
    expect(c.dataBytes.get(1)).toBe(13);
  });

  it('a second HEADERS without END_STREAM on an open stream: RST_STREAM PROTOCOL_ERROR', async () => {
    const c = await client();
    const b = c.block([[':method', 'POST'], [':scheme', 'http'], [':authority', 'x'], [':path', '/anything']]);
    writeHeaders(c.w, 1, b, 0, b.length, false);
    writeData(c.w, 1, Buffer.from('x'), 0, 1, false);
    const t = c.block([['x-t', '1']]);
    writeHeaders(c.w, 1, t, 0, t.length, false);
    c.flush();
    expect(await c.until(() => c.resets.has(1))).toBe(true);
    expect(c.resets.get(1)).toBe(H2Code.PROTOCOL_ERROR);
  });

  it('WINDOW_UPDATE past 2^31-1 on a stream: RST_STREAM FLOW_CONTROL_ERROR', async () => {
    const c = await client();
    const b = c.block([[':method', 'POST'], [':scheme', 'http'], [':authority', 'x'], [':path', '/anything']]);
    writeHeaders(c.w, 1, b, 0, b.length, false);
    writeWindowUpdate(c.w, 1, 0x7fffffff);
    writeWindowUpdate(c.w, 1, 0x7fffffff);
    c.flush();
    expect(await c.until(() => c.resets.has(1))).toBe(true);
    expect(c.resets.get(1)).toBe(H2Code.FLOW_CONTROL_ERROR);
    expect(c.goAway).toBeUndefined();
  });

  it('a HEADERS depending on itself: RST_STREAM PROTOCOL_ERROR', async () => {
    const c = await client();
    const b = c.block(GET('/plaintext'));
    writeHeaders(c.w, 1, b, 0, b.length, true, 16384, 0, { dependency: 1, exclusive: false, weight: 16 });
    const ok = c.block(GET('/plaintext'));
    writeHeaders(c.w, 3, ok, 0, ok.length, true);
    c.flush();
    expect(await c.until(() => c.ended.has(3))).toBe(true);
    expect(c.resets.get(1)).toBe(H2Code.PROTOCOL_ERROR);
    expect(c.statuses.has(1)).toBe(false);
  });

  it('an HPACK index past the tables: GOAWAY COMPRESSION_ERROR', async () => {
    const c = await client();
    const b = Buffer.from([0x82, 0x86, 0x84, 0x80 | 70]);
    writeHeaders(c.w, 1, b, 0, b.length, true);
    c.flush();
    expect(await c.until(() => c.goAway !== undefined)).toBe(true);
    expect(c.goAway!.code).toBe(H2Code.COMPRESSION_ERROR);
  });

  it("the client's GOAWAY does not end the connection: PING is still answered", async () => {
    const c = await client();
    const { writeGoAway } = await import('../../../src/http2/frame-writer.js');
    writeGoAway(c.w, 0, H2Code.NO_ERROR);
    writePing(c.w, false, Buffer.from('abcdefgh'));
    c.flush();
    expect(await c.until(() => c.pingAcks > 0)).toBe(true);
    expect(c.closed).toBe(false);
  });

  it('graceful shutdown: GOAWAY NO_ERROR naming the last stream, in-flight streams finish', async () => {
    const s2 = createServer({ port: 0, quiet: true });
    const { port: p2 } = await s2.listen();
    const c = await RawH2.connect(p2);
    open.push(c);
    const slow = c.block(GET('/delay/300'));
    writeHeaders(c.w, 1, slow, 0, slow.length, true);
    c.flush();
    await c.until(() => c.settingsAcks > 0);
    await new Promise((r) => setTimeout(r, 50));
    const closing = s2.close(5_000);
    expect(await c.until(() => c.goAway !== undefined)).toBe(true);
    expect(c.goAway!.code).toBe(H2Code.NO_ERROR);
    expect(c.goAway!.lastStreamId).toBe(1);
    expect(await c.until(() => c.ended.has(1))).toBe(true);
    expect(c.statuses.get(1)).toBe(200);
    await closing;
  });
});

