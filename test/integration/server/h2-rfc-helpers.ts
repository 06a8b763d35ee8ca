// Shared by the h2-rfc-*.test.ts files: an in-process server on loopback, raw clients, and the two
// verdicts every case ends in — a connection error (GOAWAY with the code and the last stream id,
// then the socket closes) or a stream error (RST_STREAM with the code, no GOAWAY, and the
// connection still answers a PING and a request). Every wait is bounded.
import { expect } from 'vitest';
import { ByteWriter } from '../../../src/core/byte-writer.js';
import { writeHpackInt } from '../../../src/http2/hpack-encoder.js';
import { writeHeaders, writePing } from '../../../src/http2/frame-writer.js';
import { createServer, type FastbenchServer, type ServerOptions } from '../../../src/server/server.js';
import { RawH2 } from './h2-raw-client.js';

export type Fields = [string, string][];

export const GET = (path = '/'): Fields => [[':method', 'GET'], [':scheme', 'http'], [':authority', 'x'], [':path', path]];
export const POST = (path = '/anything'): Fields => [[':method', 'POST'], [':scheme', 'http'], [':authority', 'x'], [':path', path]];

export interface TestServer {
  server: FastbenchServer;
  port: number;
  client(settings?: [number, number][], opts?: { autoAck?: boolean }): Promise<RawH2>;
  close(): Promise<void>;
}

export async function startServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const server = createServer({ port: 0, quiet: true, ...options });
  const { port } = await server.listen();
  const open: RawH2[] = [];
  return {
    server,
    port,
    async client(settings = [], opts = {}) {
      const c = await RawH2.connect(port, settings, opts);
      open.push(c);
      // the handshake is done once our SETTINGS are acknowledged
      expect(await c.until(() => c.settingsAcks > 0)).toBe(true);
      return c;
    },
    async close() {
      for (const c of open) c.destroy();
      await server.close(200);
    },
  };
}

/** A header block (static table + literals without indexing). */
export function block(fields: Fields): Buffer {
  const b = new ByteWriter(256);
  for (const [n, v] of fields) {
    b.bytes(lit(n, v));
  }
  return b.toBuffer();
}

/** One literal field without indexing, new name, no Huffman — the name exactly as given (any case). */
export function lit(name: string, value: string): Buffer {
  const w = new ByteWriter(64);
  w.byte(0x00);
  const n = Buffer.from(name, 'latin1');
  const v = Buffer.from(value, 'latin1');
  writeHpackInt(w, 7, 0x00, n.length);
  w.bytes(n);
  writeHpackInt(w, 7, 0x00, v.length);
  w.bytes(v);
  return w.toBuffer();
}

/** Sends HEADERS (END_HEADERS) with `fields` on `sid`. */
export function headers(c: RawH2, sid: number, fields: Fields | Buffer, endStream = true): void {
  const b = Buffer.isBuffer(fields) ? fields : block(fields);
  writeHeaders(c.w, sid, b, 0, b.length, endStream);
}

/** The connection error: GOAWAY with `code` (and `lastStreamId` when given), then the socket closes. */
export async function expectConnectionError(c: RawH2, code: number, lastStreamId?: number): Promise<void> {
  c.flush();
  expect(await c.until(() => c.goAway !== undefined), `GOAWAY expected; got ${c.log.join(', ')}`).toBe(true);
  expect(c.goAway!.code, `GOAWAY code (debug: ${c.goAway!.debug})`).toBe(code);
  if (lastStreamId !== undefined) expect(c.goAway!.lastStreamId, 'GOAWAY last-stream-id').toBe(lastStreamId);
  expect(await c.until(() => c.closed), 'the server closes the connection after GOAWAY').toBe(true);
}

/** The stream error: RST_STREAM(code) on `sid`, no GOAWAY, and the connection still serves. */
export async function expectStreamError(c: RawH2, sid: number, code: number): Promise<void> {
  c.flush();
  expect(await c.until(() => c.resets.has(sid) || c.goAway !== undefined), `RST_STREAM on ${sid} expected; got ${c.log.join(', ')}`).toBe(true);
  expect(c.goAway, `no GOAWAY expected; got ${c.log.join(', ')}`).toBeUndefined();
  expect(c.resets.get(sid), `RST_STREAM code on stream ${sid}`).toBe(code);
  await expectAlive(c);
}

let pingSeq = 0;
/** The connection still answers: a PING is acknowledged and nothing was sent to end it. */
export async function expectAlive(c: RawH2): Promise<void> {
  const before = c.pingAcks;
  const data = Buffer.alloc(8);
  data.writeUInt32BE(++pingSeq, 4);
  writePing(c.w, false, data);
  c.flush();
  expect(await c.until(() => c.pingAcks > before), `PING ACK expected; got ${c.log.join(', ')}`).toBe(true);
  expect(c.goAway).toBeUndefined();
  expect(c.closed).toBe(false);
}

/** Sends a GET on `sid` and waits for its complete answer; returns the status. */
export async function roundTrip(c: RawH2, sid: number, path = '/plaintext'): Promise<number | undefined> {
  headers(c, sid, GET(path));
  c.flush();
  expect(await c.until(() => c.ended.has(sid) || c.resets.has(sid)), `answer on ${sid}; got ${c.log.join(', ')}`).toBe(true);
  return c.statuses.get(sid);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
