import { describe, expect, it } from 'vitest';
import { HttpCodecError } from '../../../src/http/codec-error.js';
import { BodyKind } from '../../../src/http/message-head.js';
import { RequestParser } from '../../../src/http/request-parser.js';
import { RequestCollector, bytes } from './collect.js';

/** Feeds `raw` and returns the thrown codec error (fails the test when nothing is thrown). */
function rejects(raw: string, options?: ConstructorParameters<typeof RequestCollector>[0]): HttpCodecError {
  const c = new RequestCollector(options);
  try {
    c.feed([raw]);
  } catch (e) {
    expect(e).toBeInstanceOf(HttpCodecError);
    return e as HttpCodecError;
  }
  throw new Error(`accepted: ${JSON.stringify(raw)}`);
}

/** The same input fed whole and byte by byte must give the same result. */
function both(raw: string) {
  const whole = new RequestCollector().feed([raw]).messages;
  const split = new RequestCollector().feed(bytes(raw)).messages;
  expect(split).toEqual(whole);
  return whole;
}

describe('RequestParser: accepted messages', () => {
  it('parses a GET with headers in wire order and case, values trimmed', () => {
    const [m] = both('GET /a/b?c=1 HTTP/1.1\r\nHost: example.test\r\nX-Mixed-Case:   v a l  \r\nAccept: */*\r\n\r\n');
    expect(m).toMatchObject({
      method: 'GET',
      target: '/a/b?c=1',
      version: '1.1',
      headers: [
        ['Host', 'example.test'],
        ['X-Mixed-Case', 'v a l'],
        ['Accept', '*/*'],
      ],
      body: '',
      keepAlive: true,
      bodyKind: BodyKind.None,
    });
  });

  it('parses Content-Length bodies', () => {
    const [m] = both('POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world');
    expect(m!.body).toBe('hello world');
    expect(m!.bodyKind).toBe(BodyKind.Length);
  });

  it('accepts equal repeated Content-Length values', () => {
    const [m] = both('POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3, 3\r\n\r\nabc');
    expect(m!.body).toBe('abc');
  });

  it('parses chunked bodies with extensions and trailers', () => {
    const raw =
      'POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n' +
      '5;name=value;q="quo\\"ted"\r\nhello\r\n' +
      '6 ; x\r\n world\r\n' +
      '000\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n';
    const [m] = both(raw);
    expect(m!.body).toBe('hello world');
    expect(m!.trailers).toEqual([
      ['X-Checksum', 'abc'],
      ['X-Other', '1'],
    ]);
    expect(m!.bodyKind).toBe(BodyKind.Chunked);
  });

  it('parses several pipelined messages from one chunk', () => {
    const one = 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\n';
    const two = 'POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nok';
    const three = 'PUT /3 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n';
    const ms = both(one + two + three);
    expect(ms.map((m) => `${m.method} ${m.target} ${m.body}`)).toEqual(['GET /1 ', 'POST /2 ok', 'PUT /3 x']);
  });

  it('applies HTTP/1.0 and HTTP/1.1 keep-alive rules', () => {
    const ms = both(
      'GET / HTTP/1.0\r\n\r\n' +
        'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n' +
        'GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n' +
        'GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, Keep-Alive\r\n\r\n',
    );
    expect(ms.map((m) => [m.version, m.keepAlive])).toEqual([
      ['1.0', false],
      ['1.0', true],
      ['1.1', false],
      ['1.1', true],
    ]);
  });

  it('reports Expect: 100-continue on the head, before the body arrives', () => {
    const c = new RequestCollector();
    let sawContinue = false;
    const orig = c.onHead.bind(c);
    c.onHead = (h) => {
      sawContinue = h.expectContinue;
      return orig(h);
    };
    c.feed(['PUT /u HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 4\r\n\r\n']);
    expect(sawContinue).toBe(true);
    expect(c.messages).toHaveLength(0);
    c.feed(['data']);
    expect(c.messages[0]!.body).toBe('data');
  });

  it('skips empty lines before a request line', () => {
    const [m] = both('\r\n\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(m!.target).toBe('/x');
  });

  it('keeps the head valid when the body arrives in a later chunk', () => {
    const c = new RequestCollector();
    const chunk = Buffer.from('POST /keep HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nContent-Length: 3\r\n\r\na', 'latin1');
    c.parser.execute(chunk);
    chunk.fill(0x21); // the caller reuses its buffer
    c.parser.execute(Buffer.from('bc'));
    expect(c.messages[0]).toMatchObject({ target: '/keep', headers: [['Host', 'h'], ['X-A', '1'], ['Content-Length', '3']], body: 'abc' });
  });

  it('allows obs-text in values and HTAB as OWS', () => {
    const [m] = both('GET / HTTP/1.1\r\nHost: h\r\nX-L:\t\xe9t\xe9\t\r\n\r\n');
    expect(m!.headers[1]).toEqual(['X-L', '\xe9t\xe9']);
  });

  it('counts messages and bytes', () => {
    const c = new RequestCollector().feed(['GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n']);
    expect(c.parser.messages).toBe(2);
    expect(c.parser.bytesConsumed).toBe(54);
    expect(c.parser.idle).toBe(true);
  });

  it('finish() between messages is clean, inside one is ERR_HTTP_UNEXPECTED_EOF', () => {
    const ok = new RequestCollector().feed(['GET / HTTP/1.1\r\nHost: h\r\n\r\n']);
    expect(ok.parser.finish()).toBe(false);
    const cut = new RequestCollector().feed(['POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab']);
    expect(() => cut.parser.finish()).toThrowError(expect.objectContaining({ code: 'ERR_HTTP_UNEXPECTED_EOF' }));
  });
});

describe('RequestParser: rejections (each a typed error with a byte offset)', () => {
  const cases: [string, string, string, number?][] = [
    ['CL+TE', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 'ERR_HTTP_CL_TE_CONFLICT'],
    ['TE+CL order swapped', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n', 'ERR_HTTP_CL_TE_CONFLICT'],
    ['differing Content-Length', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', 'ERR_HTTP_DUP_CONTENT_LENGTH'],
    ['differing CL list', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\n', 'ERR_HTTP_DUP_CONTENT_LENGTH'],
    ['non-numeric CL', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n', 'ERR_HTTP_BAD_CONTENT_LENGTH'],
    ['signed CL', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\n', 'ERR_HTTP_BAD_CONTENT_LENGTH'],
    ['negative CL', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n', 'ERR_HTTP_BAD_CONTENT_LENGTH'],
    ['overflowing CL', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n', 'ERR_HTTP_BAD_CONTENT_LENGTH'],
    ['CL with junk', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3x\r\n\r\n', 'ERR_HTTP_BAD_CONTENT_LENGTH'],
    ['empty CL', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \r\n\r\n', 'ERR_HTTP_BAD_CONTENT_LENGTH'],
    ['TE not ending in chunked', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 'ERR_HTTP_BAD_TRANSFER_ENCODING'],
    ['TE gzip only', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n', 'ERR_HTTP_BAD_TRANSFER_ENCODING'],
    ['TE chunked twice', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', 'ERR_HTTP_BAD_TRANSFER_ENCODING'],
    ['TE in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 'ERR_HTTP_BAD_TRANSFER_ENCODING'],
    ['TE with bad token', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "chunked"\r\n\r\n', 'ERR_HTTP_BAD_TRANSFER_ENCODING'],
    ['bad chunk size', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'ERR_HTTP_BAD_CHUNK_SIZE'],
    ['empty chunk size', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n\r\n', 'ERR_HTTP_BAD_CHUNK_SIZE'],
    ['signed chunk size', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n', 'ERR_HTTP_BAD_CHUNK_SIZE'],
    ['chunk size 0x prefix', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\n', 'ERR_HTTP_BAD_CHUNK_SIZE'],
    ['overflowing chunk size', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n', 'ERR_HTTP_BAD_CHUNK_SIZE'],
    ['space inside chunk size', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1 2\r\n', 'ERR_HTTP_BAD_CHUNK_SIZE'],
    ['chunk size CR without LF', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\rx', 'ERR_HTTP_BAD_CHUNK_SIZE'],
    ['missing CRLF after chunk data', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n', 'ERR_HTTP_BAD_CHUNK_DELIMITER'],
    ['CR without LF after chunk data', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\rz', 'ERR_HTTP_BAD_CHUNK_DELIMITER'],
    ['control char in chunk extension', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;a\x01\r\n', 'ERR_HTTP_BAD_CHUNK_EXTENSION'],
    ['bad header name char', 'GET / HTTP/1.1\r\nHost: h\r\nBad(Name): v\r\n\r\n', 'ERR_HTTP_BAD_HEADER_NAME'],
    ['empty header name', 'GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n', 'ERR_HTTP_BAD_HEADER_NAME'],
    ['header without colon', 'GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n', 'ERR_HTTP_BAD_HEADER_NAME'],
    ['NUL in value', 'GET / HTTP/1.1\r\nHost: h\r\nX: a\x00b\r\n\r\n', 'ERR_HTTP_BAD_HEADER_CHAR'],
    ['bare CR in value', 'GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n', 'ERR_HTTP_BAD_LINE_ENDING'],
    ['control char in value', 'GET / HTTP/1.1\r\nHost: h\r\nX: a\x07b\r\n\r\n', 'ERR_HTTP_BAD_HEADER_CHAR'],
    ['DEL in value', 'GET / HTTP/1.1\r\nHost: h\r\nX: a\x7fb\r\n\r\n', 'ERR_HTTP_BAD_HEADER_CHAR'],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n  b\r\n\r\n', 'ERR_HTTP_OBS_FOLD'],
    ['space before colon', 'GET / HTTP/1.1\r\nHost : h\r\n\r\n', 'ERR_HTTP_SPACE_BEFORE_COLON'],
    ['tab before colon', 'GET / HTTP/1.1\r\nHost: h\r\nContent-Length\t: 5\r\n\r\n', 'ERR_HTTP_SPACE_BEFORE_COLON'],
    ['missing Host', 'GET / HTTP/1.1\r\nX: y\r\n\r\n', 'ERR_HTTP_MISSING_HOST'],
    ['duplicate Host', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 'ERR_HTTP_DUP_HOST'],
    ['bare LF in head', 'GET / HTTP/1.1\nHost: h\r\n\r\n', 'ERR_HTTP_BAD_LINE_ENDING'],
    ['bare LF ending head', 'GET / HTTP/1.1\r\nHost: h\r\n\n', 'ERR_HTTP_BAD_LINE_ENDING'],
    ['bad method char', 'G(T / HTTP/1.1\r\nHost: h\r\n\r\n', 'ERR_HTTP_BAD_METHOD'],
    ['empty method', ' / HTTP/1.1\r\nHost: h\r\n\r\n', 'ERR_HTTP_BAD_METHOD'],
    ['two spaces after method', 'GET  / HTTP/1.1\r\nHost: h\r\n\r\n', 'ERR_HTTP_BAD_TARGET'],
    ['control char in target', 'GET /a\x01b HTTP/1.1\r\nHost: h\r\n\r\n', 'ERR_HTTP_BAD_TARGET'],
    ['missing version', 'GET /\r\nHost: h\r\n\r\n', 'ERR_HTTP_BAD_REQUEST_LINE'],
    ['HTTP/2.0', 'GET / HTTP/2.0\r\nHost: h\r\n\r\n', 'ERR_HTTP_BAD_VERSION'],
    ['HTTP/1.2', 'GET / HTTP/1.2\r\nHost: h\r\n\r\n', 'ERR_HTTP_BAD_VERSION'],
    ['lower-case http', 'GET / http/1.1\r\nHost: h\r\n\r\n', 'ERR_HTTP_BAD_VERSION'],
    ['trailing space after version', 'GET / HTTP/1.1 \r\nHost: h\r\n\r\n', 'ERR_HTTP_BAD_VERSION'],
  ];
  for (const [name, raw, code] of cases) {
    it(`${name} → ${code}`, () => {
      const e = rejects(raw);
      expect(e.code).toBe(code);
      expect(typeof e.offset).toBe('number');
      expect(e.offset!).toBeGreaterThanOrEqual(0);
      expect(e.offset!).toBeLessThanOrEqual(Buffer.byteLength(raw, 'latin1'));
      // byte by byte gives the same code
      const c = new RequestCollector();
      expect(() => c.feed(bytes(raw))).toThrowError(expect.objectContaining({ code }));
    });
  }

  it('points the offset at the offending byte', () => {
    const raw = 'GET / HTTP/1.1\r\nHost: h\r\nX: a\x00b\r\n\r\n';
    expect(rejects(raw).offset).toBe(raw.indexOf('\x00'));
    const chunked = 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\nzz\r\n';
    expect(rejects(chunked).offset).toBe(chunked.lastIndexOf('zz'));
  });

  it('refuses more input after an error until reset()', () => {
    const c = new RequestCollector();
    expect(() => c.feed(['BAD\r\n\r\n'])).toThrow(HttpCodecError);
    expect(() => c.feed(['GET / HTTP/1.1\r\nHost: h\r\n\r\n'])).toThrowError(expect.objectContaining({ code: 'ERR_HTTP_PARSER_STATE' }));
    c.parser.reset();
    c.feed(['GET / HTTP/1.1\r\nHost: h\r\n\r\n']);
    expect(c.messages).toHaveLength(1);
  });

  it('refuses unsafe leniencies for requests', () => {
    expect(() => new RequestParser(new RequestCollector(), { lenient: { obsFold: true } })).toThrow(/not allowed/);
    expect(() => new RequestParser(new RequestCollector(), { lenient: { clTeConflict: true } })).toThrow(/not allowed/);
    expect(() => new RequestParser(new RequestCollector(), { lenient: { spaceBeforeColon: true } })).toThrow(/not allowed/);
  });
});

describe('RequestParser: limits (each with its own error)', () => {
  it('request line limit', () => {
    const raw = `GET /${'a'.repeat(100)} HTTP/1.1\r\nHost: h\r\n\r\n`;
    expect(rejects(raw, { limits: { maxRequestLineSize: 50 } }).code).toBe('ERR_HTTP_REQUEST_LINE_TOO_LONG');
    const c = new RequestCollector({ limits: { maxRequestLineSize: 50 } });
    expect(() => c.feed(bytes(raw))).toThrowError(expect.objectContaining({ code: 'ERR_HTTP_REQUEST_LINE_TOO_LONG' }));
    // an endless request line is cut off without waiting for a line end
    const endless = new RequestCollector({ limits: { maxRequestLineSize: 50 } });
    expect(() => endless.feed(['GET /' + 'a'.repeat(60)])).toThrowError(expect.objectContaining({ code: 'ERR_HTTP_REQUEST_LINE_TOO_LONG' }));
    expect(new RequestCollector({ limits: { maxRequestLineSize: 200 } }).feed([raw]).messages).toHaveLength(1);
  });

  it('header bytes limit, whole and split', () => {
    const raw = `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${'v'.repeat(300)}\r\n\r\n`;
    expect(rejects(raw, { limits: { maxHeaderBytes: 200 } }).code).toBe('ERR_HTTP_HEADERS_TOO_LARGE');
    const c = new RequestCollector({ limits: { maxHeaderBytes: 200 } });
    expect(() => c.feed(bytes(raw))).toThrowError(expect.objectContaining({ code: 'ERR_HTTP_HEADERS_TOO_LARGE' }));
    // a head that never ends is cut off at the limit
    const endless = new RequestCollector({ limits: { maxHeaderBytes: 200 } });
    expect(() => {
      for (let i = 0; i < 100; i++) endless.feed([`X-${i}: y\r\n`].map((s, k) => (i === 0 && k === 0 ? 'GET / HTTP/1.1\r\n' + s : s)));
    }).toThrowError(expect.objectContaining({ code: 'ERR_HTTP_HEADERS_TOO_LARGE' }));
  });

  it('header count limit', () => {
    const fields = Array.from({ length: 20 }, (_, i) => `X-${i}: v\r\n`).join('');
    expect(rejects(`GET / HTTP/1.1\r\nHost: h\r\n${fields}\r\n`, { limits: { maxHeaderCount: 10 } }).code).toBe('ERR_HTTP_TOO_MANY_HEADERS');
  });

  it('body size limit: Content-Length up front, chunked as it accumulates', () => {
    expect(rejects('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n', { limits: { maxBodySize: 100 } }).code).toBe('ERR_HTTP_BODY_TOO_LARGE');
    const chunks = '40\r\n' + 'x'.repeat(64) + '\r\n40\r\n' + 'x'.repeat(64) + '\r\n0\r\n\r\n';
    expect(rejects('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n' + chunks, { limits: { maxBodySize: 100 } }).code).toBe('ERR_HTTP_BODY_TOO_LARGE');
  });

  it('chunk extension limit', () => {
    const raw = `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;${'e'.repeat(200)}\r\nx\r\n0\r\n\r\n`;
    expect(rejects(raw, { limits: { maxChunkExtensionSize: 100 } }).code).toBe('ERR_HTTP_BAD_CHUNK_EXTENSION');
  });

  it('trailer section limit', () => {
    const raw = `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: ${'t'.repeat(300)}\r\n\r\n`;
    expect(rejects(raw, { limits: { maxHeaderBytes: 200 } }).code).toBe('ERR_HTTP_HEADERS_TOO_LARGE');
  });

  it('validates limit values', () => {
    expect(() => new RequestParser(new RequestCollector(), { limits: { maxHeaderBytes: -1 } })).toThrow(RangeError);
  });
});

describe('RequestParser: leniency is counted, never silent', () => {
  it('bareLf accepts bare LF line ends and counts each', () => {
    const c = new RequestCollector({ lenient: { bareLf: true } });
    c.feed(['GET / HTTP/1.1\nHost: h\n\n']);
    expect(c.messages[0]!.headers).toEqual([['Host', 'h']]);
    expect(c.parser.leniencyCounts[0]).toBe(3);
  });
  it('headerValueChars accepts controls but never NUL/CR/LF', () => {
    const c = new RequestCollector({ lenient: { headerValueChars: true } });
    c.feed(['GET / HTTP/1.1\r\nHost: h\r\nX: a\x07b\r\n\r\n']);
    expect(c.parser.leniencyCounts[4]).toBe(1);
    expect(rejects('GET / HTTP/1.1\r\nHost: h\r\nX: a\x00b\r\n\r\n', { lenient: { headerValueChars: true } }).code).toBe('ERR_HTTP_BAD_HEADER_CHAR');
  });
});
