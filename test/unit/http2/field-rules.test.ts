// RFC 9113 8.2/8.3 message rules: malformed requests and responses are stream PROTOCOL_ERRORs.
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../../src/core/byte-writer.js';
import { checkRequestFields, checkResponseFields } from '../../../src/http2/field-rules.js';
import { HeaderFields } from '../../../src/http2/header-fields.js';
import { HpackDecoder } from '../../../src/http2/hpack-decoder.js';
import { writeHpackInt, writeHpackString } from '../../../src/http2/hpack-encoder.js';

/** Encodes the list verbatim (literal, new names, no lower-casing) and decodes it. */
function fieldsOf(list: [string, string][]): HeaderFields {
  const w = new ByteWriter();
  for (const [n, v] of list) {
    writeHpackInt(w, 4, 0, 0);
    writeHpackString(w, n, false);
    writeHpackString(w, v, false);
  }
  const f = new HeaderFields();
  new HpackDecoder().decode(w.buf, 0, w.len, f);
  return f;
}

const GET: [string, string][] = [[':method', 'GET'], [':scheme', 'https'], [':path', '/'], [':authority', 'a.test'], ['accept', '*/*']];

describe('request rules (RFC 9113 8.3.1)', () => {
  it('accepts a normal request, CONNECT, extended CONNECT, TE: trailers, and trailers without pseudo-headers', () => {
    expect(checkRequestFields(fieldsOf(GET), 1)).toBeUndefined();
    expect(checkRequestFields(fieldsOf([[':method', 'CONNECT'], [':authority', 'a.test:443']]), 1)).toBeUndefined();
    expect(checkRequestFields(fieldsOf([[':method', 'CONNECT'], [':protocol', 'websocket'], [':scheme', 'https'], [':path', '/chat'], [':authority', 'a']]), 1)).toBeUndefined();
    expect(checkRequestFields(fieldsOf([...GET, ['te', 'trailers']]), 1)).toBeUndefined();
    expect(checkRequestFields(fieldsOf([['x-checksum', 'abc']]), 1, true)).toBeUndefined();
  });
  const bad: [string, [string, string][], boolean?][] = [
    ['uppercase name', [...GET, ['X-Upper', 'v']]],
    ['space in name', [...GET, ['x y', 'v']]],
    ['empty name', [...GET, ['', 'v']]],
    ['LF in value', [...GET, ['x', 'a\nb']]],
    ['NUL in value', [...GET, ['x', 'a\0b']]],
    ['leading space in value', [...GET, ['x', ' a']]],
    ['trailing tab in value', [...GET, ['x', 'a\t']]],
    ['pseudo after regular', [[':method', 'GET'], [':scheme', 'https'], ['accept', '*/*'], [':path', '/']]],
    ['duplicate :path', [...GET.slice(0, 3), [':path', '/x']]],
    ['unknown pseudo', [[':foo', 'x'], ...GET]],
    ['response pseudo in request', [[':status', '200'], ...GET]],
    ['missing :method', GET.slice(1)],
    ['missing :scheme', [GET[0]!, GET[2]!]],
    ['missing :path', GET.slice(0, 2)],
    ['empty :path', [[':method', 'GET'], [':scheme', 'https'], [':path', '']]],
    ['CONNECT with :path', [[':method', 'CONNECT'], [':authority', 'a'], [':path', '/']]],
    ['CONNECT without :authority', [[':method', 'CONNECT']]],
    [':protocol without CONNECT', [...GET, [':protocol', 'websocket']].sort((a, b) => (a[0].startsWith(':') ? 0 : 1) - (b[0].startsWith(':') ? 0 : 1))],
    ['connection header', [...GET, ['connection', 'keep-alive']]],
    ['keep-alive header', [...GET, ['keep-alive', '5']]],
    ['transfer-encoding header', [...GET, ['transfer-encoding', 'chunked']]],
    ['upgrade header', [...GET, ['upgrade', 'h2c']]],
    ['proxy-connection header', [...GET, ['proxy-connection', 'x']]],
    ['TE other than trailers', [...GET, ['te', 'gzip']]],
    ['pseudo-header in trailers', [[':path', '/']], true],
  ];
  it.each(bad)('%s is a stream PROTOCOL_ERROR', (_n, list, trailers) => {
    const e = checkRequestFields(fieldsOf(list), 7, trailers ?? false);
    expect(e).toBeDefined();
    expect([e!.code, e!.scope, e!.streamId, e!.h2Code]).toEqual(['ERR_H2_PROTOCOL', 'stream', 7, 1]);
  });
});

describe('response rules (RFC 9113 8.3.2)', () => {
  it('accepts a normal response and trailers', () => {
    expect(checkResponseFields(fieldsOf([[':status', '204'], ['server', 'x']]), 1)).toBeUndefined();
    expect(checkResponseFields(fieldsOf([['grpc-status', '0']]), 1, true)).toBeUndefined();
  });
  it.each([
    ['missing :status', [['server', 'x']]],
    ['two :status', [[':status', '200'], [':status', '204']]],
    ['non-numeric :status', [[':status', '2x0']]],
    ['four-digit :status', [[':status', '2000']]],
    ['request pseudo in response', [[':status', '200'], [':path', '/']]],
  ] as [string, [string, string][]][])('%s is a stream PROTOCOL_ERROR', (_n, list) => {
    const e = checkResponseFields(fieldsOf(list), 3);
    expect([e?.code, e?.scope]).toEqual(['ERR_H2_PROTOCOL', 'stream']);
  });
});
