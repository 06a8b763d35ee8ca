// RFC 9113 sections 5.1 (stream states: each frame type on idle, open, half-closed (remote) and
// closed streams), 5.1.1 (stream identifiers), 5.1.2 (concurrency), 5.4 (error handling) and 6.9
// (flow control: window overflow on a stream and on the connection, SETTINGS_INITIAL_WINDOW_SIZE
// changes moving open streams' windows, negative windows), with raw frames against the in-process
// server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameType, H2Code, SettingId } from '../../../src/http2/constants.js';
import {
  writeContinuation, writeData, writeFrameHeader, writePing, writePriority, writeRstStream, writeSettings, writeWindowUpdate,
} from '../../../src/http2/frame-writer.js';
import { SettingsList } from '../../../src/http2/settings.js';
import {
  GET, POST, block, expectAlive, expectConnectionError, expectStreamError, headers, roundTrip, sleep, startServer, type TestServer,
} from './h2-rfc-helpers.js';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(async () => {
  await t.close();
});

describe('RFC 9113 5.1: idle streams (anything but HEADERS or PRIORITY is a connection error PROTOCOL_ERROR)', () => {
  it('DATA on an idle stream: GOAWAY PROTOCOL_ERROR, last stream 0', async () => {
    const c = await t.client();
    writeData(c.w, 1, Buffer.from('test'), 0, 4, true);
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 0);
  });

  it('RST_STREAM on an idle stream: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await t.client();
    writeRstStream(c.w, 1, H2Code.CANCEL);
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 0);
  });

  it('WINDOW_UPDATE on an idle stream: GOAWAY PROTOCOL_ERROR', async () => {
    const c = await t.client();
    writeWindowUpdate(c.w, 1, 100);
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 0);
  });

  it('DATA on an idle stream above open ones: GOAWAY PROTOCOL_ERROR naming the last one opened', async () => {
    const c = await t.client();
    expect(await roundTrip(c, 1)).toBe(200);
    headers(c, 3, POST('/anything'), false);
    writeData(c.w, 7, Buffer.from('x'), 0, 1, true);
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 3);
  });
});

describe('RFC 9113 5.1: half-closed (remote) streams (END_STREAM received, the answer still going out)', () => {
  // SETTINGS_INITIAL_WINDOW_SIZE 0 holds the response body: the stream stays half-closed (remote).
  async function halfClosed(): Promise<Awaited<ReturnType<TestServer['client']>>> {
    const c = await t.client([[SettingId.INITIAL_WINDOW_SIZE, 0]]);
    headers(c, 1, GET('/plaintext'));
    c.flush();
    expect(await c.until(() => c.statuses.has(1))).toBe(true);
    return c;
  }

  it('DATA: stream error STREAM_CLOSED', async () => {
    const c = await halfClosed();
    writeData(c.w, 1, Buffer.from('test'), 0, 4, true);
    await expectStreamError(c, 1, H2Code.STREAM_CLOSED);
  });

  it('HEADERS: stream error STREAM_CLOSED', async () => {
    const c = await halfClosed();
    headers(c, 1, GET('/plaintext'));
    await expectStreamError(c, 1, H2Code.STREAM_CLOSED);
  });

  it('WINDOW_UPDATE, PRIORITY and RST_STREAM are allowed: the window opens and the answer completes', async () => {
    const c = await halfClosed();
    writePriority(c.w, 1, 0, false, 10);
    writeWindowUpdate(c.w, 1, 1000);
    c.flush();
    expect(await c.until(() => c.ended.has(1))).toBe(true);
    expect(c.dataBytes.get(1)).toBe(13);
    const d = await halfClosed();
    writeRstStream(d.w, 1, H2Code.CANCEL);
    d.flush();
    await expectAlive(d);
    expect(d.resets.has(1)).toBe(false);
  });

  it('HEADERS with END_STREAM then DATA in the same write: stream error STREAM_CLOSED, although the answer went out in between', async () => {
    const c = await t.client();
    headers(c, 1, GET('/plaintext'));
    writeData(c.w, 1, Buffer.from('test'), 0, 4, true);
    await expectStreamError(c, 1, H2Code.STREAM_CLOSED);
    expect(c.statuses.get(1)).toBe(200);
  });

  it('HEADERS with END_STREAM twice in the same write: stream error STREAM_CLOSED', async () => {
    const c = await t.client();
    headers(c, 1, GET('/plaintext'));
    headers(c, 1, GET('/plaintext'));
    await expectStreamError(c, 1, H2Code.STREAM_CLOSED);
  });
});

describe('RFC 9113 5.1: closed streams', () => {
  it('after END_STREAM both ways, DATA: GOAWAY STREAM_CLOSED (last stream 1)', async () => {
    const c = await t.client();
    expect(await roundTrip(c, 1)).toBe(200);
    writeData(c.w, 1, Buffer.from('test'), 0, 4, true);
    await expectConnectionError(c, H2Code.STREAM_CLOSED, 1);
  });

  it('after END_STREAM both ways, HEADERS: GOAWAY STREAM_CLOSED', async () => {
    const c = await t.client();
    expect(await roundTrip(c, 1)).toBe(200);
    headers(c, 1, GET('/plaintext'));
    await expectConnectionError(c, H2Code.STREAM_CLOSED, 1);
  });

  it('after END_STREAM both ways, CONTINUATION: GOAWAY PROTOCOL_ERROR (no header block is open)', async () => {
    const c = await t.client();
    expect(await roundTrip(c, 1)).toBe(200);
    const b = block([['x-a', 'b']]);
    writeContinuation(c.w, 1, b, 0, b.length, true);
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 1);
  });

  it('after END_STREAM both ways, WINDOW_UPDATE, PRIORITY and RST_STREAM are ignored', async () => {
    const c = await t.client();
    expect(await roundTrip(c, 1)).toBe(200);
    writeWindowUpdate(c.w, 1, 10);
    writePriority(c.w, 1, 0, false, 1);
    writeRstStream(c.w, 1, H2Code.CANCEL);
    c.flush();
    await expectAlive(c);
    expect(c.resets.size).toBe(0);
  });

  it('after the client reset it, DATA: stream error STREAM_CLOSED (once; later frames are ignored)', async () => {
    const c = await t.client();
    headers(c, 1, POST('/anything'), false);
    writeRstStream(c.w, 1, H2Code.CANCEL);
    writeData(c.w, 1, Buffer.from('test'), 0, 4, false);
    await expectStreamError(c, 1, H2Code.STREAM_CLOSED);
    writeData(c.w, 1, Buffer.from('more'), 0, 4, true);
    c.flush();
    await expectAlive(c);
    expect(c.log.filter((l) => l.startsWith('RST_STREAM 1 '))).toHaveLength(1);
  });

  it('after the client reset it, HEADERS: STREAM_CLOSED (as a connection error)', async () => {
    const c = await t.client();
    headers(c, 1, POST('/anything'), false);
    writeRstStream(c.w, 1, H2Code.CANCEL);
    headers(c, 1, GET('/plaintext'));
    await expectConnectionError(c, H2Code.STREAM_CLOSED, 1);
  });

  it('after the server reset it, frames in flight are ignored (RST_STREAM sent once, the connection goes on)', async () => {
    const c = await t.client();
    headers(c, 1, [[':method', 'POST'], [':scheme', 'http'], [':path', '/anything']], false); // no :authority: fine
    headers(c, 3, [[':method', 'POST'], [':path', '/anything']], false); // no :scheme: malformed
    writeData(c.w, 3, Buffer.from('x'), 0, 1, false);
    headers(c, 3, [['x-trailer', 'y']], true);
    writeWindowUpdate(c.w, 3, 5);
    c.flush();
    expect(await c.until(() => c.resets.has(3))).toBe(true);
    await expectAlive(c);
    expect(c.resets.get(3)).toBe(H2Code.PROTOCOL_ERROR);
    expect(c.log.filter((l) => l.startsWith('RST_STREAM 3 '))).toHaveLength(1);
  });
});

describe('RFC 9113 5.1.1: stream identifiers', () => {
  it('HEADERS on an even stream id: GOAWAY PROTOCOL_ERROR (last stream 0)', async () => {
    const c = await t.client();
    headers(c, 2, GET('/plaintext'));
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 0);
  });

  it('a stream id lower than one already opened: GOAWAY PROTOCOL_ERROR naming the higher one', async () => {
    const c = await t.client();
    headers(c, 5, GET('/plaintext'));
    headers(c, 3, GET('/plaintext'));
    await expectConnectionError(c, H2Code.PROTOCOL_ERROR, 5);
  });

  it('opening stream 5 closes idle streams 1 and 3: DATA on 3 is a frame on a closed stream (STREAM_CLOSED)', async () => {
    const c = await t.client();
    expect(await roundTrip(c, 5)).toBe(200);
    writeData(c.w, 3, Buffer.from('x'), 0, 1, true);
    c.flush();
    expect(await c.until(() => c.resets.has(3) || c.goAway !== undefined)).toBe(true);
    expect(c.resets.get(3) ?? c.goAway!.code).toBe(H2Code.STREAM_CLOSED);
  });

  it('ids may skip: 1, then 101, then 103', async () => {
    const c = await t.client();
    expect(await roundTrip(c, 1)).toBe(200);
    expect(await roundTrip(c, 101)).toBe(200);
    expect(await roundTrip(c, 103)).toBe(200);
  });
});

describe('RFC 9113 5.1.2: stream concurrency', () => {
  it('a stream past SETTINGS_MAX_CONCURRENT_STREAMS (100): RST_STREAM REFUSED_STREAM, the others unaffected', async () => {
    const c = await t.client();
    for (let i = 0; i < 100; i++) headers(c, 1 + 2 * i, POST('/anything'), false);
    headers(c, 201, GET('/plaintext'));
    await expectStreamError(c, 201, H2Code.REFUSED_STREAM);
    expect(c.resets.size).toBe(1);
    expect(c.statuses.has(201)).toBe(false);
    writeData(c.w, 1, Buffer.from('x'), 0, 1, true);
    c.flush();
    expect(await c.until(() => c.ended.has(1))).toBe(true);
    expect(c.statuses.get(1)).toBe(200);
    // the slot freed by stream 1 takes a new stream
    expect(await roundTrip(c, 203)).toBe(200);
  });
});

describe('RFC 9113 5.4: error handling', () => {
  it('a connection error: GOAWAY, then nothing more is answered and the socket closes', async () => {
    const c = await t.client();
    writeFrameHeader(c.w, 7, FrameType.PING, 0, 0);
    c.w.bytes(Buffer.alloc(7));
    writePing(c.w, false, Buffer.from('afterwrd'));
    headers(c, 1, GET('/plaintext'));
    await expectConnectionError(c, H2Code.FRAME_SIZE_ERROR, 0);
    expect(c.pingAcks).toBe(0);
    expect(c.statuses.size).toBe(0);
  });

  it('a stream error touches only its stream: streams before and after it are answered', async () => {
    const c = await t.client();
    headers(c, 1, GET('/plaintext'));
    headers(c, 3, [...GET('/plaintext'), ['connection', 'close']]);
    headers(c, 5, GET('/plaintext'));
    c.flush();
    expect(await c.until(() => c.ended.has(1) && c.ended.has(5) && c.resets.has(3))).toBe(true);
    expect(c.resets.get(3)).toBe(H2Code.PROTOCOL_ERROR);
    expect([c.statuses.get(1), c.statuses.get(5)]).toEqual([200, 200]);
    await expectAlive(c);
  });
});

describe('RFC 9113 6.9: flow control', () => {
  it('WINDOW_UPDATEs taking the connection window past 2^31-1: GOAWAY FLOW_CONTROL_ERROR', async () => {
    const c = await t.client();
    writeWindowUpdate(c.w, 0, 0x7fffffff);
    writeWindowUpdate(c.w, 0, 0x7fffffff);
    await expectConnectionError(c, H2Code.FLOW_CONTROL_ERROR, 0);
  });

  it('WINDOW_UPDATEs taking a stream window past 2^31-1: RST_STREAM FLOW_CONTROL_ERROR, even when the first one lets the whole answer out', async () => {
    // Window 0 holds the 13-byte answer; the first WINDOW_UPDATE would release it and end the
    // stream, but the second one, read in the same chunk, still finds the stream open.
    const c = await t.client([[SettingId.INITIAL_WINDOW_SIZE, 0]]);
    headers(c, 1, GET('/plaintext'));
    c.flush();
    expect(await c.until(() => c.statuses.has(1))).toBe(true);
    writeWindowUpdate(c.w, 1, 0x7fffffff);
    writeWindowUpdate(c.w, 1, 0x7fffffff);
    await expectStreamError(c, 1, H2Code.FLOW_CONTROL_ERROR);
    expect(c.dataBytes.get(1) ?? 0).toBe(0);
  });

  it('SETTINGS_INITIAL_WINDOW_SIZE 1: exactly one byte of DATA', async () => {
    const c = await t.client([[SettingId.INITIAL_WINDOW_SIZE, 1]]);
    headers(c, 1, GET('/plaintext'));
    c.flush();
    expect(await c.until(() => c.dataBytes.get(1) === 1)).toBe(true);
    await sleep(50);
    expect(c.log.filter((l) => l.startsWith('DATA'))).toEqual(['DATA 1 1']);
  });

  it('SETTINGS_INITIAL_WINDOW_SIZE changed after HEADERS moves the open stream window (0 → 1: one byte)', async () => {
    const c = await t.client([[SettingId.INITIAL_WINDOW_SIZE, 0]]);
    headers(c, 1, GET('/plaintext'));
    c.flush();
    expect(await c.until(() => c.statuses.has(1))).toBe(true);
    writeSettings(c.w, SettingsList.of([[SettingId.INITIAL_WINDOW_SIZE, 1]]));
    c.flush();
    expect(await c.until(() => c.dataBytes.get(1) === 1)).toBe(true);
    await sleep(50);
    expect(c.dataBytes.get(1)).toBe(1);
  });

  it('a window made negative by SETTINGS is tracked: 3 bytes sent, window 3 → 2 (-1), WINDOW_UPDATE 2 → one more byte', async () => {
    const c = await t.client([[SettingId.INITIAL_WINDOW_SIZE, 3]]);
    headers(c, 1, GET('/plaintext'));
    c.flush();
    expect(await c.until(() => c.dataBytes.get(1) === 3)).toBe(true);
    writeSettings(c.w, SettingsList.of([[SettingId.INITIAL_WINDOW_SIZE, 2]]));
    c.flush();
    expect(await c.until(() => c.settingsAcks === 2)).toBe(true);
    await sleep(30);
    expect(c.dataBytes.get(1)).toBe(3);
    writeWindowUpdate(c.w, 1, 2);
    c.flush();
    expect(await c.until(() => c.dataBytes.get(1) === 4)).toBe(true);
    await sleep(50);
    expect(c.dataBytes.get(1)).toBe(4);
  });

  it('a SETTINGS_INITIAL_WINDOW_SIZE change that takes an open stream window past 2^31-1: GOAWAY FLOW_CONTROL_ERROR', async () => {
    const c = await t.client([[SettingId.INITIAL_WINDOW_SIZE, 0]]);
    headers(c, 1, GET('/plaintext'));
    c.flush();
    expect(await c.until(() => c.statuses.has(1))).toBe(true);
    // stream window 0 + (2^31-1) is at the maximum; then the initial size grows by 1
    writeWindowUpdate(c.w, 1, 0x7fffffff);
    writeSettings(c.w, SettingsList.of([[SettingId.INITIAL_WINDOW_SIZE, 1]]));
    await expectConnectionError(c, H2Code.FLOW_CONTROL_ERROR, 1);
  });

  it('the connection window bounds all streams: DATA stops at the 65 535 bytes the connection allows until a connection WINDOW_UPDATE', async () => {
    const c = await t.client([[SettingId.INITIAL_WINDOW_SIZE, 0x7fffffff]]);
    headers(c, 1, GET('/bytes/100000'));
    c.flush();
    expect(await c.until(() => c.dataBytes.get(1) === 65535)).toBe(true);
    await sleep(50);
    expect(c.dataBytes.get(1)).toBe(65535);
    writeWindowUpdate(c.w, 0, 100000);
    c.flush();
    expect(await c.until(() => c.ended.has(1))).toBe(true);
    expect(c.dataBytes.get(1)).toBe(100000);
  });
});
