// RFC 9113 sections 8.1-8.3 (HTTP message rules: a malformed request is a stream error
// PROTOCOL_ERROR, never a 400) and RFC 7541 (HPACK decoding errors are connection errors
// COMPRESSION_ERROR), with raw frames against the in-process server. Header blocks are written by
// hand here (literal fields, names exactly as given) so that bad names and values reach the server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteWriter } from '../../../src/core/byte-writer.js';
import { H2Code } from '../../../src/http2/constants.js';
import { writeData, writeHeaders } from '../../../src/http2/frame-writer.js';
import { writeHpackInt, writeHpackString } from '../../../src/http2/hpack-encoder.js';
import {
  GET, POST, block, expectAlive, expectConnectionError, expectStreamError, headers, lit, startServer, type Fields, type TestServer,
} from './h2-rfc-helpers.js';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
});
afterAll(async () => {
  await t.close();
});

/** Sends `fields` as a whole request on stream 1 and expects RST_STREAM PROTOCOL_ERROR (no answer). */
async function malformed(fields: Fields | Buffer, endStream = true, then?: (c: Awaited<ReturnType<TestServer['client']>>) => void): Promise<void> {
  const c = await t.client();
  headers(c, 1, fields, endStream);
  then?.(c);
  await expectStreamError(c, 1, H2Code.PROTOCOL_ERROR);
  expect(c.statuses.has(1)).toBe(false);
}

async function accepted(fields: Fields | Buffer): Promise<number | undefined> {
  const c = await t.client();
  headers(c, 1, fields, true);
  c.flush();
  expect(await c.until(() => c.ended.has(1) || c.resets.has(1)), c.log.join(', ')).toBe(true);
  expect(c.resets.has(1), c.log.join(', ')).toBe(false);
  return c.statuses.get(1);
}

describe('RFC 9113 8.2: field names and values', () => {
  const cases: [string, Fields][] = [
    ['an upper-case field name', [...GET('/plaintext'), ['X-Upper', 'v']]],
    ['an upper-case pseudo-header name', [[':Method', 'GET'], [':scheme', 'http'], [':path', '/']]],
    ['a field name with a space', [...GET('/plaintext'), ['x y', 'v']]],
    ['a field name with a colon inside', [...GET('/plaintext'), ['x:y', 'v']]],
    ['an empty field name', [...GET('/plaintext'), ['', 'v']]],
    ['a value with CR LF', [...GET('/plaintext'), ['x-a', 'a\r\nb: c']]],
    ['a value with LF', [...GET('/plaintext'), ['x-a', 'a\nb']]],
    ['a value with NUL', [...GET('/plaintext'), ['x-a', 'a\0b']]],
    ['a value with leading whitespace', [...GET('/plaintext'), ['x-a', ' a']]],
    ['a value with trailing whitespace (tab)', [...GET('/plaintext'), ['x-a', 'a\t']]],
  ];
  for (const [what, fields] of cases) {
    it(`${what}: stream error PROTOCOL_ERROR`, async () => {
      await malformed(fields);
    });
  }

  it('a well-formed request with ordinary fields is answered', async () => {
    expect(await accepted([...GET('/plaintext'), ['x-a', 'a b'], ['accept', '*/*'], ['cookie', 'a=1'], ['cookie', 'b=2']])).toBe(200);
  });
});

describe('RFC 9113 8.2.2: connection-specific fields', () => {
  for (const [name, value] of [['connection', 'keep-alive'], ['keep-alive', 'timeout=5'], ['proxy-connection', 'keep-alive'], ['transfer-encoding', 'chunked'], ['upgrade', 'h2c'], ['te', 'gzip'], ['te', 'trailers, deflate']] as const) {
    it(`${name}: ${value}: stream error PROTOCOL_ERROR`, async () => {
      await malformed([...GET('/plaintext'), [name, value]]);
    });
  }

  it('te: trailers is allowed', async () => {
    expect(await accepted([...GET('/plaintext'), ['te', 'trailers']])).toBe(200);
  });
});

describe('RFC 9113 8.3: pseudo-header fields', () => {
  const cases: [string, Fields][] = [
    ['an unknown pseudo-header', [...GET('/plaintext'), [':foo', 'bar']]],
    ['a response pseudo-header (:status) in a request', [[':status', '200'], ...GET('/plaintext')]],
    ['a pseudo-header after a regular field', [[':method', 'GET'], [':scheme', 'http'], ['x-a', 'b'], [':path', '/plaintext']]],
    ['no :method', [[':scheme', 'http'], [':authority', 'x'], [':path', '/']]],
    ['no :scheme', [[':method', 'GET'], [':authority', 'x'], [':path', '/']]],
    ['no :path', [[':method', 'GET'], [':scheme', 'http'], [':authority', 'x']]],
    ['an empty :path', [[':method', 'GET'], [':scheme', 'http'], [':authority', 'x'], [':path', '']]],
    ['two :method', [[':method', 'GET'], ...GET('/plaintext')]],
    ['two :scheme', [[':scheme', 'http'], ...GET('/plaintext')]],
    ['two :path', [[':path', '/'], ...GET('/plaintext')]],
    ['two :authority', [[':authority', 'y'], ...GET('/plaintext')]],
    ['a :path that is not an absolute path', [[':method', 'GET'], [':scheme', 'http'], [':authority', 'x'], [':path', 'plaintext']]],
    ['* as :path of a GET', [[':method', 'GET'], [':scheme', 'https'], [':authority', 'x'], [':path', '*']]],
    [':authority with userinfo', [[':method', 'GET'], [':scheme', 'http'], [':authority', 'user@x'], [':path', '/']]],
    ['a Host that differs from :authority', [...GET('/plaintext'), ['host', 'elsewhere']]],
    [':protocol (extended CONNECT was never offered)', [[':method', 'CONNECT'], [':protocol', 'websocket'], [':scheme', 'http'], [':authority', 'x'], [':path', '/']]],
    [':protocol on a GET', [[':protocol', 'websocket'], ...GET('/plaintext')]],
    ['CONNECT with :path', [[':method', 'CONNECT'], [':authority', 'x:443'], [':path', '/']]],
    ['CONNECT with :scheme', [[':method', 'CONNECT'], [':authority', 'x:443'], [':scheme', 'https']]],
    ['CONNECT without :authority', [[':method', 'CONNECT']]],
    ['an empty :method', [[':method', ''], [':scheme', 'http'], [':authority', 'x'], [':path', '/']]],
    ['an empty :scheme', [[':method', 'GET'], [':scheme', ''], [':authority', 'x'], [':path', '/']]],
  ];
  for (const [what, fields] of cases) {
    it(`${what}: stream error PROTOCOL_ERROR`, async () => {
      await malformed(fields);
    });
  }

  it('no :authority, Host only, Host equal to :authority (any case), OPTIONS *: all answered', async () => {
    expect(await accepted([[':method', 'GET'], [':scheme', 'http'], [':path', '/plaintext']])).toBe(200);
    expect(await accepted([[':method', 'GET'], [':scheme', 'http'], [':path', '/plaintext'], ['host', 'x']])).toBe(200);
    expect(await accepted([...GET('/plaintext'), ['host', 'X']])).toBe(200);
    expect(await accepted([[':method', 'OPTIONS'], [':scheme', 'http'], [':authority', 'x'], [':path', '*']])).toBeGreaterThanOrEqual(200);
  });

  it('a well-formed CONNECT (only :method and :authority) gets an answer, not a stream error', async () => {
    const status = await accepted([[':method', 'CONNECT'], [':authority', 'example.com:443']]);
    expect(status).toBeGreaterThanOrEqual(200);
  });
});

describe('RFC 9113 8.1: message framing', () => {
  it('a second HEADERS without END_STREAM (trailers must end the stream): stream error PROTOCOL_ERROR', async () => {
    await malformed(POST('/anything'), false, (c) => {
      writeData(c.w, 1, Buffer.from('x'), 0, 1, false);
      headers(c, 1, [['x-t', '1']], false);
    });
  });

  it('a pseudo-header in trailers: stream error PROTOCOL_ERROR', async () => {
    await malformed(POST('/anything'), false, (c) => {
      writeData(c.w, 1, Buffer.from('x'), 0, 1, false);
      headers(c, 1, [[':path', '/']], true);
    });
  });

  it('a connection-specific field in trailers: stream error PROTOCOL_ERROR', async () => {
    await malformed(POST('/anything'), false, (c) => {
      headers(c, 1, [['transfer-encoding', 'chunked']], true);
    });
  });

  it('trailers past SETTINGS_MAX_HEADER_LIST_SIZE: 431 on the stream (as for a head), the connection lives', async () => {
    const c = await t.client();
    headers(c, 1, POST('/anything'), false);
    writeData(c.w, 1, Buffer.from('x'), 0, 1, false);
    const big: Fields = [];
    for (let i = 0; i < 8; i++) big.push([`x-t${i}`, 'v'.repeat(4000)]);
    headers(c, 1, big, true);
    c.flush();
    expect(await c.until(() => c.ended.has(1) || c.resets.has(1))).toBe(true);
    expect(c.statuses.get(1)).toBe(431);
    await expectAlive(c);
  });

  it('trailers right after the head (no DATA) end the request', async () => {
    const c = await t.client();
    headers(c, 1, POST('/anything'), false);
    headers(c, 1, [['x-t', '1']], true);
    c.flush();
    expect(await c.until(() => c.ended.has(1))).toBe(true);
    expect(c.statuses.get(1)).toBe(200);
  });

  it('content-length larger than the DATA sent: stream error PROTOCOL_ERROR', async () => {
    await malformed([...POST('/anything'), ['content-length', '10']], false, (c) => writeData(c.w, 1, Buffer.from('abc'), 0, 3, true));
  });

  it('content-length smaller than the DATA, over several frames: stream error PROTOCOL_ERROR at once', async () => {
    await malformed([...POST('/anything'), ['content-length', '4']], false, (c) => {
      writeData(c.w, 1, Buffer.from('abc'), 0, 3, false);
      writeData(c.w, 1, Buffer.from('def'), 0, 3, false); // no END_STREAM: the excess alone decides
    });
  });

  it('content-length that disagrees with DATA followed by trailers: stream error PROTOCOL_ERROR', async () => {
    await malformed([...POST('/anything'), ['content-length', '5']], false, (c) => {
      writeData(c.w, 1, Buffer.from('abc'), 0, 3, false);
      headers(c, 1, [['x-t', '1']], true);
    });
  });

  it('a non-zero content-length on a request without a body (END_STREAM on HEADERS): stream error PROTOCOL_ERROR', async () => {
    await malformed([...GET('/plaintext'), ['content-length', '5']], true);
  });

  it('a content-length that is not a number, or two that differ: stream error PROTOCOL_ERROR', async () => {
    await malformed([...POST('/anything'), ['content-length', '1x']], false);
    await malformed([...POST('/anything'), ['content-length', '3'], ['content-length', '4']], false);
  });

  it('content-length equal to the DATA over several frames is answered', async () => {
    const c = await t.client();
    headers(c, 1, [...POST('/anything'), ['content-length', '6']], false);
    writeData(c.w, 1, Buffer.from('abc'), 0, 3, false);
    writeData(c.w, 1, Buffer.from('def'), 0, 3, true);
    c.flush();
    expect(await c.until(() => c.ended.has(1))).toBe(true);
    expect(c.statuses.get(1)).toBe(200);
  });
});

// ------------------------------------------------------------------------------------------ HPACK

/** GET /plaintext as a block prefix (static indices: :method GET, :scheme http, :path /). */
const BASE = [0x82, 0x86, 0x84, 0x41, 0x01, 0x78]; // + :authority "x" with incremental indexing

function hpack(...parts: (number[] | Buffer)[]): Buffer {
  return Buffer.concat(parts.map((p) => Buffer.from(p)));
}

async function compressionError(b: Buffer, lastStreamId = 0): Promise<void> {
  const c = await t.client();
  writeHeaders(c.w, 1, b, 0, b.length, true);
  await expectConnectionError(c, H2Code.COMPRESSION_ERROR, lastStreamId);
}

describe('RFC 7541: HPACK decoding errors are connection errors COMPRESSION_ERROR', () => {
  it('indexed field with index 0 (6.1)', async () => {
    await compressionError(hpack(BASE, [0x80]));
  });

  it('indexed field past the static and dynamic tables (2.3.3)', async () => {
    await compressionError(hpack(BASE, [0x80 | 70]));
  });

  it('literal with a name index past the tables (2.3.3)', async () => {
    await compressionError(hpack(BASE, [0x0f, 0x30, 0x01, 0x61])); // never-indexed... name index 15+48 = 63
  });

  it('dynamic table size update above SETTINGS_HEADER_TABLE_SIZE (4096) (4.2, 6.3)', async () => {
    const w = new ByteWriter(16);
    writeHpackInt(w, 5, 0x20, 4097);
    await compressionError(hpack(w.toBuffer(), BASE));
  });

  it('dynamic table size update after a field (4.2)', async () => {
    await compressionError(hpack([0x82], [0x20], [0x86, 0x84, 0x41, 0x01, 0x78]));
  });

  it('dynamic table size update at the end of the block (4.2)', async () => {
    await compressionError(hpack(BASE, [0x3f, 0xe1, 0x1f]));
  });

  it('integer past 2^31-1 (5.1)', async () => {
    await compressionError(hpack(BASE, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]));
  });

  it('integer cut off at the end of the block (5.1)', async () => {
    await compressionError(hpack(BASE, [0xff, 0x80]));
  });

  it('a block that ends where a literal\'s name or value should start (5.1, 5.2)', async () => {
    await compressionError(hpack([0x40])); // new name expected, block over (the h2spec "invalid header block fragment")
    await compressionError(hpack(BASE, [0x00])); // the same without indexing, after valid fields
    await compressionError(hpack(BASE, [0x44])); // indexed name :path, value missing
    await compressionError(hpack(BASE, [0x00, 0x01, 0x61])); // name "a", value missing
  });

  it('string length past the end of the block (5.2)', async () => {
    await compressionError(hpack(BASE, [0x00, 0x05, 0x61, 0x62]));
  });

  it('Huffman string containing EOS (5.2)', async () => {
    await compressionError(hpack(BASE, [0x00, 0x84, 0xff, 0xff, 0xff, 0xff, 0x01, 0x61]));
  });

  it('Huffman padding longer than 7 bits (5.2)', async () => {
    // "0" is 00000 (5 bits), then 11 one-bits of padding
    await compressionError(hpack(BASE, [0x00, 0x82, 0x07, 0xff, 0x01, 0x61]));
  });

  it('Huffman padding that is not the most significant bits of EOS (5.2)', async () => {
    // "0" is 00000, then 000 as padding
    await compressionError(hpack(BASE, [0x00, 0x81, 0x00, 0x01, 0x61]));
  });

  it('a reference to an entry evicted by a size update to 0 (4.3)', async () => {
    const c = await t.client();
    const first = hpack(BASE, [0x40, 0x03], Buffer.from('x-a'), [0x01, 0x62]); // x-a: b indexed (62), :authority x (63)
    writeHeaders(c.w, 1, first, 0, first.length, true);
    c.flush();
    expect(await c.until(() => c.ended.has(1))).toBe(true);
    const second = hpack([0x20], BASE.slice(0, 3), [0x80 | 62]); // table emptied, then index 62
    writeHeaders(c.w, 3, second, 0, second.length, true);
    await expectConnectionError(c, H2Code.COMPRESSION_ERROR, 1);
  });

  it('a decoding error in trailers is a connection error too (last stream = the open one)', async () => {
    const c = await t.client();
    headers(c, 1, POST('/anything'), false);
    writeHeaders(c.w, 1, Buffer.from([0x80]), 0, 1, true);
    await expectConnectionError(c, H2Code.COMPRESSION_ERROR, 1);
  });
});

describe('RFC 7541: the dynamic table across requests', () => {
  it('entries added by one request are referenced by the next; size updates at the start of a block (several) are fine', async () => {
    const c = await t.client();
    const first = hpack(BASE, [0x40, 0x03], Buffer.from('x-a'), [0x01, 0x62]);
    writeHeaders(c.w, 1, first, 0, first.length, true);
    const w = new ByteWriter(16);
    writeHpackInt(w, 5, 0x20, 0);
    writeHpackInt(w, 5, 0x20, 4096);
    writeHpackInt(w, 5, 0x20, 4096);
    // table emptied by the update to 0; :authority x → 62, then x-b: c → 62 (:authority moves to 63), then x-b again by index
    const second = hpack(w.toBuffer(), [0x82, 0x86, 0x84], [0x41, 0x01, 0x78], [0x40, 0x03], Buffer.from('x-b'), [0x01, 0x63], [0xbe]);
    writeHeaders(c.w, 3, second, 0, second.length, true);
    const hw = new ByteWriter(32);
    hw.bytes(Buffer.from([0x82, 0x86, 0x84, 0xbf, 0xbe])); // :authority x (63), x-b: c (62)
    writeHpackInt(hw, 4, 0x00, 0);
    writeHpackString(hw, 'x-huff', true);
    writeHpackString(hw, 'huffman value', true);
    writeHeaders(c.w, 5, hw.toBuffer(), 0, hw.len, true);
    c.flush();
    expect(await c.until(() => c.ended.has(1) && c.ended.has(3) && c.ended.has(5)), c.log.join(', ')).toBe(true);
    expect([c.statuses.get(1), c.statuses.get(3), c.statuses.get(5)]).toEqual([200, 200, 200]);
    await expectAlive(c);
  });

  it('a block built from literal fields only (no table use) is a request like any other', async () => {
    expect(await accepted(block(GET('/plaintext')))).toBe(200);
    expect(await accepted(hpack(lit(':method', 'GET'), lit(':scheme', 'http'), lit(':path', '/plaintext')))).toBe(200);
  });
});
