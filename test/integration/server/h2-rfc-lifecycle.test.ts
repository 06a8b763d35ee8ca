// The HTTP/2 connection's life around the frames: the SETTINGS acknowledgement deadline (RFC 9113
// 6.5.3), Expect: 100-continue (RFC 9110 10.1.1 over HTTP/2: an interim HEADERS), request bodies
// under flow control (window credit given back as the body is read, 413 past the body limit),
// graceful shutdown (GOAWAY with the last stream processed, in-flight streams drained) and
// responses whose window the client never opens (cancelled after the write timeout). Raw frames
// against in-process servers, plus curl for a 1 MiB upload; every wait is bounded.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import tls from 'node:tls';
import { CONNECTION_PREFACE, FrameType, H2Code, SettingId } from '../../../src/http2/constants.js';
import { writeFrameHeader, writeSettings } from '../../../src/http2/frame-writer.js';
import { SettingsList } from '../../../src/http2/settings.js';
import { makeSelfSignedCertificate } from '../../../src/server/tls-cert.js';
import { RawH2 as RawClient } from './h2-raw-client.js';
import { writeData, writeWindowUpdate } from '../../../src/http2/frame-writer.js';
import { STREAM_WINDOW } from '../../../src/server/h2/connection.js';
import type { RawH2 } from './h2-raw-client.js';
import {
  GET, POST, expectAlive, expectConnectionError, headers, roundTrip, sleep, startServer, type TestServer,
} from './h2-rfc-helpers.js';

const CURL = '/usr/bin/curl';

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ maxRequestBodySize: 2 * 1024 * 1024 });
});
afterAll(async () => {
  await t.close();
});

/**
 * Sends `total` body bytes on `sid` never past the window the server granted (its SETTINGS'
 * initial window plus the stream's WINDOW_UPDATEs), in 16 KiB frames; false if the window stayed
 * shut for 5 s.
 */
async function sendWithinWindow(c: RawH2, sid: number, total: number, fill = 0x61): Promise<boolean> {
  const chunk = Buffer.alloc(16384, fill);
  let sent = 0;
  while (sent < total) {
    const granted = STREAM_WINDOW + (c.windowUpdates.get(sid) ?? 0);
    if (granted - sent <= 0) {
      if (!(await c.until(() => STREAM_WINDOW + (c.windowUpdates.get(sid) ?? 0) > sent || c.resets.has(sid), 5000))) return false;
      if (c.resets.has(sid)) return true;
      continue;
    }
    const n = Math.min(chunk.length, granted - sent, total - sent);
    writeData(c.w, sid, chunk, 0, n, sent + n === total);
    sent += n;
    if (!c.flush()) return false;
    await new Promise((r) => setImmediate(r));
  }
  return true;
}

describe('RFC 9113 6.5.3: SETTINGS acknowledgement', () => {
  it('a client that never ACKs our SETTINGS: GOAWAY SETTINGS_TIMEOUT after the read timeout (300 ms), closed, counted', async () => {
    const s = await startServer({ readTimeout: 300 });
    try {
      const { RawH2 } = await import('./h2-raw-client.js');
      const c = await RawH2.connect(s.port, [], { autoAck: false });
      // it even sends a request meanwhile: that is answered, the missing ACK still ends the connection
      headers(c, 1, GET('/plaintext'));
      c.flush();
      await expectConnectionError(c, H2Code.SETTINGS_TIMEOUT, 1);
      expect(c.statuses.get(1)).toBe(200);
      expect(s.server.stats().http2.goaways.SETTINGS_TIMEOUT).toBe(1);
      // a client that ACKs is not affected
      const ok = await s.client();
      await sleep(500);
      await expectAlive(ok);
    } finally {
      await s.close();
    }
  });
});

describe('Expect: 100-continue over HTTP/2', () => {
  it('an interim HEADERS :status 100 comes before the body is sent, then the final answer', async () => {
    const c = await t.client();
    headers(c, 1, [...POST('/anything'), ['expect', '100-continue'], ['content-length', '5']], false);
    c.flush();
    expect(await c.until(() => c.info.has(1))).toBe(true);
    expect(c.info.get(1)).toEqual([100]);
    expect(c.statuses.has(1)).toBe(false);
    writeData(c.w, 1, Buffer.from('hello'), 0, 5, true);
    c.flush();
    expect(await c.until(() => c.ended.has(1))).toBe(true);
    expect(c.statuses.get(1)).toBe(200);
    expect(c.log.indexOf('HEADERS 1 :status=100')).toBeLessThan(c.log.indexOf('HEADERS 1 :status=200'));
  });

  it('no 100 for a request without a body, nor for one refused by its content-length (413 at once)', async () => {
    const c = await t.client();
    headers(c, 1, [...GET('/plaintext'), ['expect', '100-continue']], true);
    headers(c, 3, [...POST('/anything'), ['expect', '100-continue'], ['content-length', String(3 * 1024 * 1024)]], false);
    c.flush();
    expect(await c.until(() => c.ended.has(1) && c.statuses.has(3))).toBe(true);
    expect(c.statuses.get(1)).toBe(200);
    expect(c.statuses.get(3)).toBe(413);
    expect(c.info.size).toBe(0);
  });
});

describe('request bodies under flow control', () => {
  it('a small body (1 KiB) needs no WINDOW_UPDATE and is echoed', async () => {
    const c = await t.client();
    headers(c, 1, [...POST('/anything'), ['content-length', '1024']], false);
    expect(await sendWithinWindow(c, 1, 1024)).toBe(true);
    expect(await c.until(() => c.ended.has(1))).toBe(true);
    expect(c.statuses.get(1)).toBe(200);
    expect(c.windowUpdates.get(1) ?? 0).toBe(0);
  });

  it('a body of 4 stream windows (1 MiB) arrives only as the server gives window back, and no more credit than the body is given', async () => {
    const total = 4 * STREAM_WINDOW;
    // this client opens its own windows wide, so the ~1 MiB echo can come back
    const c = await t.client([[SettingId.INITIAL_WINDOW_SIZE, 0x7fffffff]]);
    writeWindowUpdate(c.w, 0, 0x7fffffff - 65535);
    headers(c, 1, [...POST('/anything'), ['content-length', String(total)]], false);
    expect(await sendWithinWindow(c, 1, total)).toBe(true);
    expect(await c.until(() => c.ended.has(1), 20_000)).toBe(true);
    expect(c.statuses.get(1)).toBe(200);
    expect(c.dataBytes.get(1)).toBeGreaterThan(total); // the echo holds the body
    const credit = c.windowUpdates.get(1) ?? 0;
    expect(credit).toBeGreaterThanOrEqual(total - STREAM_WINDOW);
    expect(credit).toBeLessThanOrEqual(total);
    expect(c.goAway).toBeUndefined();
  });

  it('a body past the limit sent within the window: 413 on the stream, RST_STREAM NO_ERROR, no more credit, the connection lives', async () => {
    const s = await startServer({ maxRequestBodySize: 300_000 });
    try {
      const c = await s.client();
      headers(c, 1, POST('/anything'), false);
      expect(await sendWithinWindow(c, 1, 600_000)).toBe(true);
      expect(await c.until(() => c.statuses.has(1) && c.resets.has(1))).toBe(true);
      expect(c.statuses.get(1)).toBe(413);
      expect(c.resets.get(1)).toBe(H2Code.NO_ERROR);
      expect(await roundTrip(c, 3)).toBe(200);
      expect(s.server.stats().rejections.ERR_HTTP_BODY_TOO_LARGE).toBe(1);
    } finally {
      await s.close();
    }
  });

  it.runIf(existsSync(CURL))('curl --http2-prior-knowledge uploads 1 MiB to /anything and gets it echoed over HTTP/2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-h2-body-'));
    try {
      const file = join(dir, 'body.bin');
      writeFileSync(file, Buffer.alloc(1024 * 1024, 0x62));
      // (async: the server runs in this process)
      const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(CURL, ['-sS', '--http2-prior-knowledge', '--max-time', '20', '--data-binary', `@${file}`, '-H', 'content-type: application/octet-stream', `http://127.0.0.1:${t.port}/anything`], {
          encoding: 'utf8', maxBuffer: 8 * 1024 * 1024,
        }, (err, stdout, stderr) => resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? 1), stdout, stderr }));
      });
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as { protocol: string; body: string };
      expect(doc.protocol).toBe('HTTP/2');
      expect(doc.body.length).toBe(1024 * 1024);
      expect(doc.body).toBe('b'.repeat(1024 * 1024));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('graceful shutdown', () => {
  it('GOAWAY NO_ERROR names the last stream taken; streams above it are ignored; in-flight streams (one still receiving its body) finish; then the socket closes', async () => {
    const s = await startServer();
    const c = await s.client();
    headers(c, 1, GET('/delay/300'));
    headers(c, 3, [...POST('/anything'), ['content-length', '4']], false);
    writeData(c.w, 3, Buffer.from('ab'), 0, 2, false);
    c.flush();
    await sleep(100);
    const closing = s.server.close(5_000);
    expect(await c.until(() => c.goAway !== undefined)).toBe(true);
    expect(c.goAway!.code).toBe(H2Code.NO_ERROR);
    expect(c.goAway!.lastStreamId).toBe(3);
    // a new stream after the GOAWAY is not processed
    headers(c, 5, GET('/plaintext'));
    writeData(c.w, 3, Buffer.from('cd'), 0, 2, true);
    c.flush();
    expect(await c.until(() => c.ended.has(1) && c.ended.has(3))).toBe(true);
    expect([c.statuses.get(1), c.statuses.get(3)]).toEqual([200, 200]);
    expect(await c.until(() => c.closed)).toBe(true);
    expect(c.statuses.has(5)).toBe(false);
    await closing;
    c.destroy();
  });
});

describe('graceful shutdown, then a protocol error', () => {
  it('a second GOAWAY carries the error code with the same last stream id, then the socket closes', async () => {
    const s = await startServer();
    const c = await s.client();
    headers(c, 1, GET('/delay/2000'));
    c.flush();
    await sleep(100);
    const closing = s.server.close(5_000);
    expect(await c.until(() => c.goAway !== undefined)).toBe(true);
    expect(c.goAway).toMatchObject({ code: H2Code.NO_ERROR, lastStreamId: 1 });
    writeFrameHeader(c.w, 7, FrameType.PING, 0, 0);
    c.w.bytes(Buffer.alloc(7));
    c.flush();
    expect(await c.until(() => c.log.filter((l) => l.startsWith('GOAWAY')).length === 2)).toBe(true);
    await expectConnectionError(c, H2Code.FRAME_SIZE_ERROR, 1);
    expect(c.log.filter((l) => l.startsWith('GOAWAY'))).toEqual(['GOAWAY 1 0', 'GOAWAY 1 6']);
    await closing;
  });
});

describe('responses the client never lets out', () => {
  it('zero-window reader of 10 × /bytes/10MB: no DATA leaves, the routes wait for drain, each stream is cancelled (RST_STREAM CANCEL) after the write timeout, then GOAWAY and close; others are served meanwhile', async () => {
    const s = await startServer({ writeTimeout: 400 });
    try {
      const slow = await s.client([[SettingId.INITIAL_WINDOW_SIZE, 0]]);
      for (let i = 0; i < 10; i++) headers(slow, 1 + 2 * i, GET('/bytes/10485760'));
      slow.flush();
      expect(await slow.until(() => slow.statuses.size === 10)).toBe(true);
      const other = await s.client();
      expect(await roundTrip(other, 1)).toBe(200);
      expect(await slow.until(() => slow.resets.size === 10, 10_000)).toBe(true);
      expect([...slow.resets.values()].every((code) => code === H2Code.CANCEL)).toBe(true);
      expect(slow.dataBytes.size).toBe(0);
      await expectConnectionError(slow, H2Code.NO_ERROR, 19);
      expect(s.server.stats().rejections.ERR_SERVER_WRITE_TIMEOUT).toBe(10);
      expect(s.server.stats().backpressure.drainWaits).toBeGreaterThanOrEqual(10);
      expect(await roundTrip(other, 3)).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('a stream still making progress is not cancelled, however long it takes in total', async () => {
    // 14 window openings 100 ms apart: ≥ 1.4 s in total, more than twice the 600 ms write timeout
    const s = await startServer({ writeTimeout: 600 });
    try {
      const c = await s.client([[SettingId.INITIAL_WINDOW_SIZE, 1000]]);
      headers(c, 1, GET('/bytes/8000'));
      c.flush();
      for (let i = 0; i < 14; i++) {
        await sleep(100);
        writeWindowUpdate(c.w, 1, 500);
        c.flush();
      }
      expect(await c.until(() => c.ended.has(1))).toBe(true);
      expect(c.dataBytes.get(1)).toBe(8000);
      expect(c.resets.size).toBe(0);
    } finally {
      await s.close();
    }
  });
});

describe('over TLS with ALPN h2: the same connection, the same answers', () => {
  it('a request is answered; a bad preface and an oversized frame get their GOAWAYs', async () => {
    const cert = makeSelfSignedCertificate();
    const s = await startServer({ tls: { cert: cert.cert, key: cert.key } });
    const open = async (): Promise<RawClient> => {
      const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const so = tls.connect({ port: s.port, host: '127.0.0.1', servername: 'localhost', ALPNProtocols: ['h2'], ca: cert.cert }, () => resolve(so));
        so.once('error', reject);
      });
      expect(socket.alpnProtocol).toBe('h2');
      return new RawClient(socket);
    };
    try {
      const ok = await open();
      ok.w.bytes(CONNECTION_PREFACE);
      writeSettings(ok.w, SettingsList.of([]));
      expect(await roundTrip(ok, 1)).toBe(200);
      ok.destroy();

      const badPreface = await open();
      badPreface.w.bytes(Buffer.from('PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n'));
      await expectConnectionError(badPreface, H2Code.PROTOCOL_ERROR, 0);

      const big = await open();
      big.w.bytes(CONNECTION_PREFACE);
      writeSettings(big.w, SettingsList.of([]));
      writeFrameHeader(big.w, 16385, FrameType.PING, 0, 0);
      big.w.bytes(Buffer.alloc(16385));
      await expectConnectionError(big, H2Code.FRAME_SIZE_ERROR, 0);
    } finally {
      await s.close();
      cert.cleanup();
    }
  });
});
