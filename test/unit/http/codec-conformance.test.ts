// Conformance classes of the shared codec (client and server parse with the same code):
// chunk-extension grammar (RFC 9112 7.1.1), start lines rejected as their bytes arrive, header
// sections limited by bytes with only a generous count guard, chunked bodies limited by wire
// bytes and chunk count, and suspend() between pipelined messages.
import { describe, expect, it } from 'vitest';
import { HttpCodecError } from '../../../src/http/codec-error.js';
import { DEFAULT_LIMITS, type ParserOptions } from '../../../src/http/limits.js';
import type { RequestHead } from '../../../src/http/message-head.js';
import { RequestParser } from '../../../src/http/request-parser.js';
import { RequestCollector, ResponseCollector, bytes } from './collect.js';

const REQ_CHUNKED = 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n';
const RES_CHUNKED = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';

type Collector = RequestCollector | ResponseCollector;

/** Feeds whole and byte by byte; returns the error code thrown (the same both ways) or 'ok'. */
function outcome(make: () => Collector, raw: string): string {
  const run = (chunks: (string | Buffer)[]): string => {
    const c = make();
    try {
      c.feed(chunks);
    } catch (e) {
      expect(e).toBeInstanceOf(HttpCodecError);
      return (e as HttpCodecError).code;
    }
    return c.messages.length === 1 ? 'ok' : `incomplete (${c.messages.length} messages)`;
  };
  const whole = run([raw]);
  expect(run(bytes(raw))).toBe(whole);
  return whole;
}

describe('chunk extensions (RFC 9112 7.1.1), requests and responses alike', () => {
  const accepted: [string, string][] = [
    ['a name', '1;a'],
    ['a token value', '1;a=b'],
    ['several', '1;a;b=c;d="e"'],
    ['BWS before ;', '1 ;a=b'],
    ['BWS around ; and =', '1 ; a = b'],
    ['tabs as BWS', '1\t;\ta\t=\tb'],
    ['empty quoted value', '1;a=""'],
    ['quoted value with space, ; and =', '1;a="x ;= y"'],
    ['quoted-pair', '1;a="q\\"x\\\\"'],
    ['obs-text in a quoted value', '1;a="\xe9"'],
    ['BWS after a quoted value before ;', '1;a="b" ;c'],
  ];
  const rejected: [string, string][] = [
    ['; with no name', '1;'],
    ['; then BWS, no name', '1; '],
    ['two ;', '1;;a'],
    ['trailing ;', '1;a=b;'],
    ['= with no name', '1;=b'],
    ['= with no value', '1;a='],
    ['= then BWS, no value', '1;a= '],
    ['BWS before the line end, after a name', '1;a '],
    ['BWS before the line end, after a value', '1;a=b '],
    ['a second value', '1;a=b c'],
    ['two names', '1;a b'],
    ['text after a quoted value', '1;a="x"y'],
    ['unterminated quote', '1;a="x'],
    ['control in a name', '1;a\x01'],
    ['control in a quoted value', '1;a="\x01"'],
    ['control after a backslash', '1;a="\\\x01"'],
    ['separator in a token value', '1;a=b@c'],
    ['separator in a name', '1;a@b=c'],
    ['quoted name', '1;"a"=b'],
  ];
  for (const [name, line] of accepted) {
    it(`accepts ${name}: ${JSON.stringify(line)}`, () => {
      const body = `${line}\r\nx\r\n0\r\n\r\n`;
      expect(outcome(() => new RequestCollector(), REQ_CHUNKED + body)).toBe('ok');
      expect(outcome(() => new ResponseCollector(), RES_CHUNKED + body)).toBe('ok');
    });
  }
  for (const [name, line] of rejected) {
    it(`rejects ${name}: ${JSON.stringify(line)}`, () => {
      const body = `${line}\r\nx\r\n0\r\n\r\n`;
      expect(outcome(() => new RequestCollector(), REQ_CHUNKED + body)).toBe('ERR_HTTP_BAD_CHUNK_EXTENSION');
      expect(outcome(() => new ResponseCollector(), RES_CHUNKED + body)).toBe('ERR_HTTP_BAD_CHUNK_EXTENSION');
    });
  }
  it('applies to the last chunk too', () => {
    expect(outcome(() => new RequestCollector(), `${REQ_CHUNKED}0;\r\n\r\n`)).toBe('ERR_HTTP_BAD_CHUNK_EXTENSION');
    expect(outcome(() => new RequestCollector(), `${REQ_CHUNKED}0;last="yes"\r\n\r\n`)).toBe('ok');
  });
});

/** Feeds bytes that never finish a line; returns the code thrown, or 'waiting' when none. */
function partial(make: () => Collector, raw: string): string {
  const codes = [[raw], bytes(raw)].map((chunks) => {
    const c = make();
    try {
      c.feed(chunks);
      return 'waiting';
    } catch (e) {
      expect(e).toBeInstanceOf(HttpCodecError);
      return (e as HttpCodecError).code;
    }
  });
  expect(codes[1]).toBe(codes[0]);
  return codes[0]!;
}

describe('start lines are judged as their bytes arrive (no waiting for a line end)', () => {
  const badRequestStarts: [string, string, string][] = [
    ['a TLS ClientHello', '\x16\x03\x01\x02\x00\x01', 'ERR_HTTP_BAD_METHOD'],
    ['NUL', '\x00', 'ERR_HTTP_BAD_METHOD'],
    ['a separator', '(GET', 'ERR_HTTP_BAD_METHOD'],
    ['a space first', ' GET', 'ERR_HTTP_BAD_METHOD'],
    ['a control inside the method', 'GE\x01T', 'ERR_HTTP_BAD_METHOD'],
    ['two spaces after the method', 'GET  /', 'ERR_HTTP_BAD_TARGET'],
    ['a control in the target', 'GET /a\x7f', 'ERR_HTTP_BAD_TARGET'],
    ['a version that is not HTTP', 'GET / FTP/1', 'ERR_HTTP_BAD_VERSION'],
    ['lower-case http', 'GET / http', 'ERR_HTTP_BAD_VERSION'],
    ['a version too long', 'GET / HTTP/1.11', 'ERR_HTTP_BAD_VERSION'],
  ];
  for (const [name, raw, code] of badRequestStarts) {
    it(`rejects a request line starting with ${name} → ${code}`, () => {
      expect(partial(() => new RequestCollector(), raw)).toBe(code);
    });
  }
  it('waits on every prefix of valid request lines', () => {
    for (const line of ['GET / HTTP/1.1', 'OPTIONS * HTTP/1.0', 'get /x?y=%20 HTTP/1.1', 'M-SEARCH http://h:1/a HTTP/1.1', '\r\nGET / HTTP/1.1']) {
      for (let n = 1; n <= line.length; n++) expect(partial(() => new RequestCollector(), line.slice(0, n))).toBe('waiting');
      expect(partial(() => new RequestCollector(), `${line}\r`)).toBe('waiting');
    }
  });
  it('rejects bytes after a complete request that cannot start the next one', () => {
    const c = new RequestCollector();
    expect(() => c.feed(['GET / HTTP/1.1\r\nHost: h\r\n\r\n\x01\x02junk'])).toThrowError(expect.objectContaining({ code: 'ERR_HTTP_BAD_METHOD' }));
    expect(c.messages).toHaveLength(1);
    // and the same when the junk comes later, alone
    const d = new RequestCollector();
    d.feed(['GET / HTTP/1.1\r\nHost: h\r\n\r\n']);
    expect(() => d.feed(['{"json":1}'])).toThrowError(expect.objectContaining({ code: 'ERR_HTTP_BAD_METHOD' }));
    expect(d.messages).toHaveLength(1);
  });
  it('responses: anything but "HTTP/" first is rejected at once', () => {
    for (const raw of ['\x00', 'X', 'HTTP ', 'http/', '<html>']) {
      expect(partial(() => new ResponseCollector(), raw)).toBe('ERR_HTTP_BAD_STATUS_LINE');
    }
    for (const raw of ['H', 'HTTP/', 'HTTP/1.1 200', 'HTTP/1.1 200 OK']) expect(partial(() => new ResponseCollector(), raw)).toBe('waiting');
  });
});

function fields(n: number): string {
  return Array.from({ length: n }, (_, i) => `X-F${i}: v\r\n`).join('');
}

describe('header sections are limited by bytes; the count is only a generous guard', () => {
  it('accepts 100 and 1000 fields by default when the bytes fit', () => {
    expect(outcome(() => new RequestCollector(), `GET / HTTP/1.1\r\nHost: h\r\n${fields(100)}\r\n`)).toBe('ok');
    const big: ParserOptions = { limits: { maxHeaderBytes: 64 * 1024 } };
    expect(outcome(() => new RequestCollector(big), `GET / HTTP/1.1\r\nHost: h\r\n${fields(1000)}\r\n`)).toBe('ok');
    expect(outcome(() => new ResponseCollector(big), `HTTP/1.1 204 No Content\r\n${fields(1000)}\r\n`)).toBe('ok');
  });
  it('the count guard defaults well above 100 and is configurable', () => {
    expect(DEFAULT_LIMITS.maxHeaderCount).toBeGreaterThanOrEqual(1000);
    const big: ParserOptions = { limits: { maxHeaderBytes: 1024 * 1024 } };
    const n = DEFAULT_LIMITS.maxHeaderCount;
    expect(outcome(() => new RequestCollector(big), `GET / HTTP/1.1\r\n${fields(n - 1)}Host: h\r\n\r\n`)).toBe('ok');
    expect(outcome(() => new RequestCollector(big), `GET / HTTP/1.1\r\n${fields(n)}Host: h\r\n\r\n`)).toBe('ERR_HTTP_TOO_MANY_HEADERS');
    expect(outcome(() => new RequestCollector({ limits: { maxHeaderCount: 5 } }), `GET / HTTP/1.1\r\nHost: h\r\n${fields(5)}\r\n`)).toBe('ERR_HTTP_TOO_MANY_HEADERS');
  });
  it('the byte limit decides first with default limits', () => {
    // 1000 fields of ~30 bytes: 30 KB > 16 KiB
    const wide = Array.from({ length: 1000 }, (_, i) => `X-Field-${i}: value-value\r\n`).join('');
    expect(outcome(() => new RequestCollector(), `GET / HTTP/1.1\r\nHost: h\r\n${wide}\r\n`)).toBe('ERR_HTTP_HEADERS_TOO_LARGE');
  });
});

describe('chunked bodies: the limit counts wire bytes and chunks', () => {
  const oneByteChunk = '1\r\nx\r\n'; // 6 wire bytes for 1 data byte
  it('cuts a 1-byte-chunk flood within one chunk-size line of the wire limit', () => {
    const limit = 1000;
    const c = new RequestCollector({ limits: { maxBodySize: limit } });
    c.feed([REQ_CHUNKED]);
    const bodyStart = c.parser.bytesConsumed;
    let err: HttpCodecError | undefined;
    for (let i = 0; i < 10_000 && err === undefined; i++) {
      try {
        c.parser.execute(Buffer.from(oneByteChunk, 'latin1'));
      } catch (e) {
        err = e as HttpCodecError;
      }
    }
    expect(err?.code).toBe('ERR_HTTP_BODY_TOO_LARGE');
    const wireAtCut = err!.offset! - bodyStart;
    expect(wireAtCut).toBeLessThanOrEqual(limit + oneByteChunk.length);
    expect(wireAtCut).toBeGreaterThan(limit - oneByteChunk.length);
  });
  it('a body of exactly the limit on the wire is accepted; one byte more is not', () => {
    const body = '5\r\nhello\r\n3;e=1\r\nabc\r\n0\r\n\r\n';
    // The last chunk line counts; the final CRLF (the empty trailer section) is the trailers'.
    const wire = body.length - 2;
    expect(outcome(() => new RequestCollector({ limits: { maxBodySize: wire } }), REQ_CHUNKED + body)).toBe('ok');
    expect(outcome(() => new RequestCollector({ limits: { maxBodySize: wire - 1 } }), REQ_CHUNKED + body)).toBe('ERR_HTTP_BODY_TOO_LARGE');
    expect(outcome(() => new ResponseCollector({ limits: { maxBodySize: wire - 1 } }), RES_CHUNKED + body)).toBe('ERR_HTTP_BODY_TOO_LARGE');
  });
  it('counts chunks against maxChunkCount (the last, empty chunk not counted)', () => {
    const ten = oneByteChunk.repeat(10) + '0\r\n\r\n';
    expect(outcome(() => new RequestCollector({ limits: { maxChunkCount: 10 } }), REQ_CHUNKED + ten)).toBe('ok');
    expect(outcome(() => new RequestCollector({ limits: { maxChunkCount: 9 } }), REQ_CHUNKED + ten)).toBe('ERR_HTTP_TOO_MANY_CHUNKS');
    expect(DEFAULT_LIMITS.maxChunkCount).toBeGreaterThanOrEqual(100_000);
  });
  it('still reports the decoded size as bodyBytes', () => {
    const c = new RequestCollector();
    c.feed([REQ_CHUNKED + oneByteChunk.repeat(3) + '0\r\n\r\n']);
    expect(c.messages[0]!.body).toBe('xxx');
  });
});

describe('suspend(): a handler stops execute() between pipelined messages', () => {
  class Suspending extends RequestCollector {
    suspendAfter = true;
    override onComplete(h: RequestHead): void {
      super.onComplete(h);
      if (this.suspendAfter) this.parser.suspend();
    }
  }
  it('returns the bytes consumed; the rest parses when fed again', () => {
    const one = 'GET /a HTTP/1.1\r\nHost: h\r\n\r\n';
    const two = 'POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz';
    const three = `${REQ_CHUNKED.replace('/ ', '/c ')}1;e=1\r\nq\r\n0\r\n\r\n`;
    const all = Buffer.from(one + two + three, 'latin1');
    const c = new Suspending();
    let rest = all;
    const consumed: number[] = [];
    while (rest.length > 0) {
      const n = c.parser.execute(rest);
      consumed.push(n);
      rest = rest.subarray(n);
    }
    expect(consumed).toEqual([one.length, two.length, three.length]);
    expect(c.messages.map((m) => `${m.method} ${m.target} ${m.body}`)).toEqual(['GET /a ', 'POST /b xyz', 'POST /c q']);
    expect(c.parser.bytesConsumed).toBe(all.length);
  });
  it('a suspension asked at the end of a chunk does not stop the next one', () => {
    const c = new Suspending();
    expect(c.parser.execute(Buffer.from('GET / HTTP/1.1\r\nHost: h\r\n\r\n'))).toBe(27);
    c.suspendAfter = false;
    expect(c.parser.execute(Buffer.from('GET / HTTP/1.1\r\nHost: h\r\n\r\n'))).toBe(27);
    expect(c.messages).toHaveLength(2);
  });
  it('is ignored by parsers that never ask', () => {
    const p = new RequestParser(new RequestCollector());
    expect(p.execute(Buffer.from('GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n'))).toBe(54);
  });
});
