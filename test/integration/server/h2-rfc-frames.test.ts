// RFC 9113 sections 3.4 (preface), 4.1-4.3 (frame format, frame size, header blocks), 5.5
// (extensions) and 6.1-6.10 (each frame type's rules), driven with raw frames against the
// in-process server. Each case asserts the exact answer: the frame type and error code, for a
// connection error the GOAWAY's last-stream-id and that the socket closes, for a stream error that
// the connection goes on.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTION_PREFACE, Flag, FrameType, H2Code, SettingId } from '../../../src/http2/constants.js';
import {
  writeContinuation, writeData, writeFrameHeader, writeGoAway, writeHeaders, writePing, writePriority, writePushPromise,
  writeRstStream, writeSettings, writeSettingsAck, writeWindowUpdate,
} from '../../../src/http2/frame-writer.js';
import { SettingsList } from '../../../src/http2/settings.js';
import { RawH2 } from './h2-raw-client.js';
import {
  GET, POST, block, expectAlive, expectConnectionError, expectStreamError, headers, roundTrip, sleep, startServer, type TestServer,
} from './h2-rfc-helpers.js';

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ maxRequestBodySize: 1 << 20 });
});
afterAll(async () => {
  await t.close();
});

/** A raw frame: header + payload. */
function frame(c: RawH2, type: number, flags: number, sid: number, payload: Buffer | number[] = []): void {
  const p = Buffer.from(payload);
  writeFrameHeader(c.w, p.length, type, flags, sid);
  c.w.bytes(p);
}

async function rawSocket(): Promise<RawH2> {
  const socket = await new Promise<net.Socket>((resolve) => {
    const so = net.connect(t.port, '127.0.0.1', () => resolve(so));
  });
  return new RawH2(socket);
}

describe('RFC 9113 3.4: connection preface', () => {
  it("the server's first frame is SETTINGS, and our SETTINGS is acknowledged", async () => {
    const c = await t.client();
    expect(c.log[0]).toBe('SETTINGS');
    expect(c.settingsAcks).toBe(1);
  });

  it('a frame other than SETTINGS right after the preface: GOAWAY PROTOCOL_ERROR (last stream 0), closed', async () => {
    const c = await rawSocket();
    c.w.bytes(CONNECTION_PREFACE);
    writePing(c.w, false, Buffer.alloc(8));
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 0);
  });

  it('a SETTINGS ACK as the first frame: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await rawSocket();
    c.w.bytes(CONNECTION_PREFACE);
    writeSettingsAck(c.w);
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 0);
  });

  it('HEADERS as the first frame: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await rawSocket();
    c.w.bytes(CONNECTION_PREFACE);
    headers(c, 1, GET('/'));
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 0);
  });
});

describe('RFC 9113 4.1 / 5.5: frame format and extensibility', () => {
  it('unknown frame types are ignored, on stream 0 and on any stream, empty or not', async () => {
    const c = await t.client();
    frame(c, 0xfa, 0xff, 0, [1, 2, 3]);
    frame(c, 0x20, 0, 1, []);
    frame(c, 0x0b, 0x01, 99, Buffer.alloc(100));
    await expectAlive(c);
    expect(await roundTrip(c, 1)).toBe(200);
  });

  it('unknown flags are ignored (PING, HEADERS, DATA, SETTINGS)', async () => {
    const c = await t.client();
    frame(c, FrameType.PING, 0xfe, 0, Buffer.from('unknownf')); // every flag but ACK
    frame(c, FrameType.SETTINGS, 0xfe, 0, []);
    const b = block(POST('/anything'));
    writeFrameHeader(c.w, b.length, FrameType.HEADERS, Flag.END_HEADERS | 0x40 | 0x10 | 0x02, 1);
    c.w.bytes(b);
    frame(c, FrameType.DATA, Flag.END_STREAM | 0x40 | 0x02, 1, Buffer.from('abc'));
    c.flush();
    expect(await c.until(() => c.ended.has(1) && c.pingAcks > 0 && c.settingsAcks > 1)).toBe(true);
    expect(c.pingData[0]!.toString()).toBe('unknownf');
    expect(c.statuses.get(1)).toBe(200);
    expect(c.goAway).toBeUndefined();
  });

  it('the reserved bit of the stream id (and of a WINDOW_UPDATE increment) is ignored', async () => {
    const c = await t.client();
    const b = block(GET('/plaintext'));
    frame(c, FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 0, []); // placeholder replaced below
    c.w.reset();
    writeFrameHeader(c.w, b.length, FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1);
    c.w.buf[c.w.len - 4]! |= 0x80; // R bit
    c.w.bytes(b);
    frame(c, FrameType.WINDOW_UPDATE, 0, 0, [0x80, 0, 0, 1]);
    c.flush();
    expect(await c.until(() => c.ended.has(1))).toBe(true);
    expect(c.statuses.get(1)).toBe(200);
    await expectAlive(c);
  });
});

describe('RFC 9113 4.2: frame size', () => {
  it('DATA of exactly 16384 bytes (the default SETTINGS_MAX_FRAME_SIZE) is accepted', async () => {
    const c = await t.client();
    headers(c, 1, POST('/anything'), false);
    const body = Buffer.alloc(16384, 0x61);
    writeData(c.w, 1, body, 0, body.length, true);
    c.flush();
    expect(await c.until(() => c.ended.has(1))).toBe(true);
    expect(c.statuses.get(1)).toBe(200);
  });

  it('DATA over SETTINGS_MAX_FRAME_SIZE: GOAWAY FRAME_SIZE_ERROR naming the last stream opened', async () => {
    const c = await t.client();
    headers(c, 1, POST('/anything'), false);
    frame(c, FrameType.DATA, 0, 1, Buffer.alloc(16385));
    await expectConnectionError(c, H2Code.FRAME_SIZE_ERROR, 1);
  });

  it('HEADERS over SETTINGS_MAX_FRAME_SIZE: GOAWAY FRAME_SIZE_ERROR', async () => {
    const c = await t.client();
    frame(c, FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, Buffer.alloc(16385));
    await expectConnectionError(c, H2Code.FRAME_SIZE_ERROR, 0);
  });

  it('an unknown frame type over SETTINGS_MAX_FRAME_SIZE: GOAWAY FRAME_SIZE_ERROR', async () => {
    const c = await t.client();
    frame(c, 0xfa, 0, 0, Buffer.alloc(16385));
    await expectConnectionError(c, H2Code.FRAME_SIZE_ERROR, 0);
  });
});

describe('RFC 9113 4.3 / 6.2 / 6.10: header blocks, HEADERS and CONTINUATION', () => {
  it('a header block over HEADERS + several CONTINUATION frames is one request', async () => {
    const c = await t.client();
    const b = block([...GET('/plaintext'), ['x-a', 'a'.repeat(50)], ['x-b', 'b'.repeat(50)]]);
    writeFrameHeader(c.w, 10, FrameType.HEADERS, Flag.END_STREAM, 1);
    c.w.bytes(b, 0, 10);
    writeContinuation(c.w, 1, b, 10, 40, false);
    writeContinuation(c.w, 1, b, 40, 40, false); // empty CONTINUATION is allowed
    writeContinuation(c.w, 1, b, 40, b.length, true);
    c.flush();
    expect(await c.until(() => c.ended.has(1))).toBe(true);
    expect(c.statuses.get(1)).toBe(200);
  });

  it('HEADERS with padding and priority is accepted', async () => {
    const c = await t.client();
    const b = block(GET('/plaintext'));
    writeHeaders(c.w, 1, b, 0, b.length, true, 16384, 10, { dependency: 0, exclusive: true, weight: 200 });
    c.flush();
    expect(await c.until(() => c.ended.has(1))).toBe(true);
    expect(c.statuses.get(1)).toBe(200);
  });

  for (const [what, write] of [
    ['PRIORITY', (c: RawH2) => writePriority(c.w, 1, 0, false, 16)],
    ['HEADERS on another stream', (c: RawH2) => headers(c, 3, GET('/'))],
    ['DATA', (c: RawH2) => writeData(c.w, 1, Buffer.from('x'), 0, 1, false)],
    ['PING', (c: RawH2) => writePing(c.w, false, Buffer.alloc(8))],
    ['an unknown frame type', (c: RawH2) => frame(c, 0xfa, 0, 1, [1])],
    ['CONTINUATION on another stream', (c: RawH2) => writeContinuation(c.w, 3, Buffer.alloc(0), 0, 0, true)],
    ['CONTINUATION on stream 0', (c: RawH2) => writeContinuation(c.w, 0, Buffer.alloc(0), 0, 0, true)],
  ] as const) {
    it(`${what} inside a header block (HEADERS without END_HEADERS): GOAWAY PROTOCOL_ERROR`, async () => {
      const c = await t.client();
      const b = block(GET('/'));
      writeFrameHeader(c.w, b.length, FrameType.HEADERS, Flag.END_STREAM, 1);
      c.w.bytes(b);
      write(c);
      await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 0);
    });
  }

  it('HEADERS on stream 0: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await t.client();
    headers(c, 0, GET('/'));
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 0);
  });

  it('HEADERS whose pad length is not shorter than the rest: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await t.client();
    const b = block(GET('/'));
    const payload = Buffer.concat([Buffer.from([b.length + 1]), b]);
    frame(c, FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM | Flag.PADDED, 1, payload);
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 0);
  });

  it('CONTINUATION after a HEADERS that had END_HEADERS: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await t.client();
    headers(c, 1, POST('/anything'), false);
    writeContinuation(c.w, 1, block([['x-a', 'b']]), 0, 0, true);
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR);
  });

  it('CONTINUATION after a CONTINUATION that had END_HEADERS: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await t.client();
    const b = block(POST('/anything'));
    writeFrameHeader(c.w, b.length, FrameType.HEADERS, 0, 1);
    c.w.bytes(b);
    writeContinuation(c.w, 1, b, 0, 0, true);
    writeContinuation(c.w, 1, b, 0, 0, true);
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR);
  });

  it('CONTINUATION after DATA: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await t.client();
    headers(c, 1, POST('/anything'), false);
    writeData(c.w, 1, Buffer.from('x'), 0, 1, false);
    writeContinuation(c.w, 1, Buffer.alloc(0), 0, 0, true);
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 1);
  });

  it('CONTINUATION with nothing before it (idle stream): GOAWAY PROTOCOL_ERROR', async () => {
    const c = await t.client();
    writeContinuation(c.w, 1, block(GET('/')), 0, block(GET('/')).length, true);
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 0);
  });
});

describe('RFC 9113 6.1: DATA', () => {
  it('DATA on stream 0: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await t.client();
    writeData(c.w, 0, Buffer.from('x'), 0, 1, true);
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 0);
  });

  it('DATA whose pad length is not shorter than the payload: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await t.client();
    headers(c, 1, POST('/anything'), false);
    frame(c, FrameType.DATA, Flag.PADDED | Flag.END_STREAM, 1, [4, 0x61, 0, 0]); // 4 bytes of padding in a 4-byte payload
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 1);
  });

  it('padded DATA: the padding is not body (the echo counts 3 bytes)', async () => {
    const c = await t.client();
    headers(c, 1, [...POST('/anything'), ['content-length', '3']], false);
    writeData(c.w, 1, Buffer.from('abc'), 0, 3, true, 20);
    c.flush();
    expect(await c.until(() => c.ended.has(1))).toBe(true);
    expect(c.statuses.get(1)).toBe(200);
  });
});

describe('RFC 9113 6.3: PRIORITY', () => {
  it('PRIORITY on stream 0: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await t.client();
    writePriority(c.w, 0, 1, false, 16);
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 0);
  });

  it('PRIORITY of 4 bytes: stream error FRAME_SIZE_ERROR', async () => {
    const c = await t.client();
    headers(c, 1, POST('/anything'), false);
    frame(c, FrameType.PRIORITY, 0, 1, [0, 0, 0, 0]);
    await expectStreamError(c, 1, H2Code.FRAME_SIZE_ERROR);
  });

  it('PRIORITY on an idle, an open and a closed stream is accepted and ignored; the idle stream can still open', async () => {
    const c = await t.client();
    writePriority(c.w, 5, 0, false, 16);
    expect(await roundTrip(c, 1)).toBe(200);
    writePriority(c.w, 1, 0, false, 16);
    headers(c, 3, POST('/anything'), false);
    writePriority(c.w, 3, 0, true, 1);
    writeData(c.w, 3, Buffer.from('x'), 0, 1, true);
    c.flush();
    expect(await c.until(() => c.ended.has(3))).toBe(true);
    expect(await roundTrip(c, 5)).toBe(200);
    await expectAlive(c);
  });

  it('PRIORITY depending on its own stream: stream error PROTOCOL_ERROR', async () => {
    const c = await t.client();
    headers(c, 1, POST('/anything'), false);
    writePriority(c.w, 1, 1, false, 16);
    await expectStreamError(c, 1, H2Code.PROTOCOL_ERROR);
  });
});

describe('RFC 9113 6.4: RST_STREAM', () => {
  it('RST_STREAM on stream 0: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await t.client();
    writeRstStream(c.w, 0, H2Code.CANCEL);
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 0);
  });

  it('RST_STREAM of 3 bytes: GOAWAY FRAME_SIZE_ERROR', async () => {
    const c = await t.client();
    headers(c, 1, POST('/anything'), false);
    frame(c, FrameType.RST_STREAM, 0, 1, [0, 0, 8]);
    await expectConnectionError(c, H2Code.FRAME_SIZE_ERROR, 1);
  });

  it('RST_STREAM with an unknown error code closes the stream; the connection goes on', async () => {
    const c = await t.client();
    headers(c, 1, POST('/anything'), false);
    writeRstStream(c.w, 1, 0xabcdef);
    c.flush();
    await expectAlive(c);
    expect(await roundTrip(c, 3)).toBe(200);
    expect(c.resets.has(1)).toBe(false);
  });
});

describe('RFC 9113 6.5: SETTINGS', () => {
  it('SETTINGS ACK with a payload: GOAWAY FRAME_SIZE_ERROR', async () => {
    const c = await t.client();
    frame(c, FrameType.SETTINGS, Flag.ACK, 0, [0, 4, 0, 0, 0, 1]);
    await expectConnectionError(c, H2Code.FRAME_SIZE_ERROR, 0);
  });

  it('SETTINGS on a stream other than 0: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await t.client();
    frame(c, FrameType.SETTINGS, 0, 1, []);
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 0);
  });

  it('SETTINGS whose length is not a multiple of 6: GOAWAY FRAME_SIZE_ERROR', async () => {
    const c = await t.client();
    frame(c, FrameType.SETTINGS, 0, 0, [0, 3, 0, 0, 0]);
    await expectConnectionError(c, H2Code.FRAME_SIZE_ERROR, 0);
  });

  const bad: [string, number, number, number][] = [
    ['SETTINGS_ENABLE_PUSH 2', SettingId.ENABLE_PUSH, 2, H2Code.PROTOCOL_ERROR],
    ['SETTINGS_INITIAL_WINDOW_SIZE 2^31', SettingId.INITIAL_WINDOW_SIZE, 0x80000000, H2Code.FLOW_CONTROL_ERROR],
    ['SETTINGS_INITIAL_WINDOW_SIZE 2^32-1', SettingId.INITIAL_WINDOW_SIZE, 0xffffffff, H2Code.FLOW_CONTROL_ERROR],
    ['SETTINGS_MAX_FRAME_SIZE 16383', SettingId.MAX_FRAME_SIZE, 16383, H2Code.PROTOCOL_ERROR],
    ['SETTINGS_MAX_FRAME_SIZE 2^24', SettingId.MAX_FRAME_SIZE, 1 << 24, H2Code.PROTOCOL_ERROR],
    ['SETTINGS_ENABLE_CONNECT_PROTOCOL 2', SettingId.ENABLE_CONNECT_PROTOCOL, 2, H2Code.PROTOCOL_ERROR],
  ];
  for (const [what, id, value, code] of bad) {
    it(`${what}: GOAWAY ${code === H2Code.PROTOCOL_ERROR ? 'PROTOCOL_ERROR' : 'FLOW_CONTROL_ERROR'}`, async () => {
      const c = await t.client();
      const p = Buffer.alloc(6);
      p.writeUInt16BE(id, 0);
      p.writeUInt32BE(value, 2);
      frame(c, FrameType.SETTINGS, 0, 0, p);
      await expectConnectionError(c, code, 0);
    });
  }

  it('edge values are valid and acknowledged: ENABLE_PUSH 0/1, MAX_FRAME_SIZE 2^24-1, INITIAL_WINDOW_SIZE 2^31-1, HEADER_TABLE_SIZE 0, MAX_CONCURRENT_STREAMS 0', async () => {
    const c = await t.client();
    writeSettings(c.w, SettingsList.of([
      [SettingId.ENABLE_PUSH, 0], [SettingId.ENABLE_PUSH, 1], [SettingId.MAX_FRAME_SIZE, (1 << 24) - 1],
      [SettingId.INITIAL_WINDOW_SIZE, 0x7fffffff], [SettingId.HEADER_TABLE_SIZE, 0], [SettingId.MAX_CONCURRENT_STREAMS, 0],
    ]));
    c.flush();
    expect(await c.until(() => c.settingsAcks === 2)).toBe(true);
    expect(await roundTrip(c, 1)).toBe(200);
  });

  it('SETTINGS_HEADER_TABLE_SIZE 0: the server signals the table size update and its answers decode with no dynamic table (RFC 7541 4.2)', async () => {
    const c = await t.client([[SettingId.HEADER_TABLE_SIZE, 0]]);
    c.decoder.setMaxTableSize(0); // the server ACKed it: its encoder must now follow
    for (const sid of [1, 3, 5]) expect(await roundTrip(c, sid, '/json')).toBe(200);
    expect(c.readError).toBeUndefined();
    expect(c.decoder.dynamicCount).toBe(0);
  });

  it('unknown settings are ignored (and acknowledged)', async () => {
    const c = await t.client();
    frame(c, FrameType.SETTINGS, 0, 0, [0x00, 0x07, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xdc, 0, 0, 0, 9]);
    c.flush();
    expect(await c.until(() => c.settingsAcks === 2)).toBe(true);
    await expectAlive(c);
  });

  it('the last value of a setting in one frame wins (INITIAL_WINDOW_SIZE 100 then 1: one byte of DATA)', async () => {
    const c = await t.client();
    writeSettings(c.w, SettingsList.of([[SettingId.INITIAL_WINDOW_SIZE, 100], [SettingId.INITIAL_WINDOW_SIZE, 1]]));
    c.flush();
    expect(await c.until(() => c.settingsAcks === 2)).toBe(true);
    headers(c, 1, GET('/plaintext'));
    c.flush();
    expect(await c.until(() => c.dataBytes.get(1) === 1)).toBe(true);
    await sleep(50);
    expect(c.dataBytes.get(1)).toBe(1);
    expect(c.log).toContain('DATA 1 1');
  });
});

describe('RFC 9113 6.6 / 8.4: PUSH_PROMISE', () => {
  it('PUSH_PROMISE from a client: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await t.client();
    headers(c, 1, POST('/anything'), false);
    writePushPromise(c.w, 1, 2, block(GET('/')));
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 1);
  });
});

describe('RFC 9113 6.7: PING', () => {
  it('PING is answered with an ACK carrying the same 8 bytes', async () => {
    const c = await t.client();
    writePing(c.w, false, Buffer.from('h2-ping!'));
    c.flush();
    expect(await c.until(() => c.pingAcks > 0)).toBe(true);
    expect(c.pingData[0]!.toString()).toBe('h2-ping!');
  });

  it('a PING ACK is not answered', async () => {
    const c = await t.client();
    writePing(c.w, true, Buffer.from('ackonly!'));
    writePing(c.w, false, Buffer.from('realping'));
    c.flush();
    expect(await c.until(() => c.pingAcks > 0)).toBe(true);
    await sleep(50);
    expect(c.pingData.map(String)).toEqual(['realping']);
  });

  it('PING on a stream other than 0: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await t.client();
    frame(c, FrameType.PING, 0, 1, Buffer.alloc(8));
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 0);
  });

  it('PING of 7 or 9 bytes: GOAWAY FRAME_SIZE_ERROR', async () => {
    for (const n of [7, 9]) {
      const c = await t.client();
      frame(c, FrameType.PING, 0, 0, Buffer.alloc(n));
      await expectConnectionError(c, H2Code.FRAME_SIZE_ERROR, 0);
    }
  });
});

describe('RFC 9113 6.8: GOAWAY', () => {
  it('GOAWAY on a stream other than 0: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await t.client();
    frame(c, FrameType.GOAWAY, 0, 1, Buffer.alloc(8));
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 0);
  });

  it('GOAWAY of 7 bytes: GOAWAY FRAME_SIZE_ERROR', async () => {
    const c = await t.client();
    frame(c, FrameType.GOAWAY, 0, 0, Buffer.alloc(7));
    await expectConnectionError(c, H2Code.FRAME_SIZE_ERROR, 0);
  });

  it('GOAWAY with an unknown error code and debug data is accepted', async () => {
    const c = await t.client();
    writeGoAway(c.w, 0, 0xdead, Buffer.from('bye'));
    c.flush();
    await expectAlive(c);
  });
});

describe('RFC 9113 6.9: WINDOW_UPDATE', () => {
  it('increment 0 on the connection: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await t.client();
    frame(c, FrameType.WINDOW_UPDATE, 0, 0, [0, 0, 0, 0]);
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 0);
  });

  it('increment 0 on an open stream: stream error PROTOCOL_ERROR', async () => {
    const c = await t.client();
    headers(c, 1, POST('/anything'), false);
    frame(c, FrameType.WINDOW_UPDATE, 0, 1, [0, 0, 0, 0]);
    await expectStreamError(c, 1, H2Code.PROTOCOL_ERROR);
  });

  it('increment 0 on an idle stream: GOAWAY PROTOCOL_ERROR (idle stream rule)', async () => {
    const c = await t.client();
    frame(c, FrameType.WINDOW_UPDATE, 0, 3, [0, 0, 0, 0]);
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 0);
  });

  it('WINDOW_UPDATE of 3 or 5 bytes: GOAWAY FRAME_SIZE_ERROR', async () => {
    for (const n of [3, 5]) {
      const c = await t.client();
      frame(c, FrameType.WINDOW_UPDATE, 0, 0, Buffer.from([0, 0, 0, 1, 0]).subarray(0, n));
      await expectConnectionError(c, H2Code.FRAME_SIZE_ERROR, 0);
    }
  });

  it('WINDOW_UPDATE on a half-closed (remote) or closed stream is not an error', async () => {
    const c = await t.client();
    expect(await roundTrip(c, 1)).toBe(200);
    writeWindowUpdate(c.w, 1, 1000);
    c.flush();
    await expectAlive(c);
  });
});
