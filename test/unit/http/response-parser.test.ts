import { describe, expect, it } from 'vitest';
import { HttpCodecError } from '../../../src/http/codec-error.js';
import { BodyKind } from '../../../src/http/message-head.js';
import { ResponseCollector, bytes } from './collect.js';

type Opts = ConstructorParameters<typeof ResponseCollector>[0];

function both(raw: string, methods: string[] = [], opts?: Opts) {
  const a = new ResponseCollector(opts);
  a.methods = methods;
  a.feed([raw]);
  const b = new ResponseCollector(opts);
  b.methods = methods;
  b.feed(bytes(raw));
  expect(b.messages).toEqual(a.messages);
  expect(b.interims).toEqual(a.interims);
  return a;
}

function rejects(raw: string, opts?: Opts): HttpCodecError {
  try {
    new ResponseCollector(opts).feed([raw]);
  } catch (e) {
    expect(e).toBeInstanceOf(HttpCodecError);
    return e as HttpCodecError;
  }
  throw new Error(`accepted: ${JSON.stringify(raw)}`);
}

describe('ResponseParser: framing', () => {
  it('Content-Length body', () => {
    const c = both('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!');
    expect(c.messages[0]).toMatchObject({ status: 200, reason: 'OK', body: 'Hello, World!', bodyKind: BodyKind.Length, keepAlive: true });
  });

  it('chunked body with extensions and trailers', () => {
    const c = both('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-T: done\r\n\r\n');
    expect(c.messages[0]!.body).toBe('Wikipedia in\r\n\r\nchunks.');
    expect(c.messages[0]!.trailers).toEqual([['X-T', 'done']]);
  });

  it('close-delimited body ends at finish()', () => {
    const c = new ResponseCollector();
    c.feed(['HTTP/1.1 200 OK\r\n\r\nsome ', 'bytes']);
    expect(c.messages).toHaveLength(0);
    expect(c.parser.finish()).toBe(true);
    expect(c.messages[0]).toMatchObject({ body: 'some bytes', keepAlive: false, bodyKind: BodyKind.Eof });
  });

  it('Transfer-Encoding not ending in chunked means close-delimited', () => {
    const c = new ResponseCollector().feed(['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc']);
    c.parser.finish();
    expect(c.messages[0]).toMatchObject({ body: 'abc', bodyKind: BodyKind.Eof });
  });

  it('bodiless responses: HEAD, 204, 304 (even with Content-Length)', () => {
    const raw =
      'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n' +
      'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n' +
      'HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    const c = both(raw, ['HEAD', 'GET', 'GET', 'GET']);
    expect(c.messages.map((m) => [m.status, m.body])).toEqual([
      [200, ''],
      [204, ''],
      [304, ''],
      [200, 'ok'],
    ]);
  });

  it('1xx interim responses are reported, then the final one', () => {
    const c = both('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n');
    expect(c.interims).toEqual([100, 103]);
    expect(c.messages.map((m) => m.status)).toEqual([201]);
  });

  it('101 stops parsing: the rest belongs to the new protocol', () => {
    const c = new ResponseCollector();
    const chunk = Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello', 'latin1');
    const used = c.parser.execute(chunk);
    expect(c.messages[0]!.status).toBe(101);
    expect(c.parser.upgraded).toBe(true);
    expect(chunk.subarray(used).toString('latin1')).toBe('\x81\x05hello');
  });

  it('pipelined responses in one chunk, and HTTP/1.0 keep-alive rules', () => {
    const c = both(
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na' +
        'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nb' +
        'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nc',
    );
    expect(c.messages.map((m) => [m.version, m.body, m.keepAlive])).toEqual([
      ['1.1', 'a', true],
      ['1.0', 'b', true],
      ['1.1', 'c', false],
    ]);
  });

  it('empty reason phrase, unknown status, obs-text reason', () => {
    const c = both('HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 \xc9t\xe9\r\nContent-Length: 0\r\n\r\n');
    expect(c.messages.map((m) => [m.status, m.reason])).toEqual([
      [299, ''],
      [200, '\xc9t\xe9'],
    ]);
  });
});

describe('ResponseParser: rejections', () => {
  const cases: [string, string, string][] = [
    ['garbage', 'garbage\r\n\r\n', 'ERR_HTTP_BAD_STATUS_LINE'],
    ['HTTP/2', 'HTTP/2.0 200 OK\r\n\r\n', 'ERR_HTTP_BAD_VERSION'],
    ['bad status', 'HTTP/1.1 2x0 OK\r\n\r\n', 'ERR_HTTP_BAD_STATUS'],
    ['status under 100', 'HTTP/1.1 099 OK\r\n\r\n', 'ERR_HTTP_BAD_STATUS'],
    ['four-digit status', 'HTTP/1.1 2000 OK\r\n\r\n', 'ERR_HTTP_BAD_STATUS'],
    ['no space after status', 'HTTP/1.1 200\r\n\r\n', 'ERR_HTTP_BAD_STATUS_LINE'],
    ['CL+TE', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n', 'ERR_HTTP_CL_TE_CONFLICT'],
    ['differing CL', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n', 'ERR_HTTP_DUP_CONTENT_LENGTH'],
    ['bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nq\r\n', 'ERR_HTTP_BAD_CHUNK_SIZE'],
    ['missing chunk CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc', 'ERR_HTTP_BAD_CHUNK_DELIMITER'],
    ['space before colon', 'HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\n', 'ERR_HTTP_SPACE_BEFORE_COLON'],
    ['obs-fold', 'HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n', 'ERR_HTTP_OBS_FOLD'],
    ['bare LF', 'HTTP/1.1 200 OK\nContent-Length: 0\n\n', 'ERR_HTTP_BAD_LINE_ENDING'],
    ['control char in reason', 'HTTP/1.1 200 O\x01K\r\n\r\n', 'ERR_HTTP_BAD_STATUS_LINE'],
  ];
  for (const [name, raw, code] of cases) {
    it(`${name} → ${code}`, () => {
      const e = rejects(raw);
      expect(e.code).toBe(code);
      expect(e.offset).toBeGreaterThanOrEqual(0);
    });
  }

  it('body over maxBodySize', () => {
    expect(rejects('HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n', { limits: { maxBodySize: 10 } }).code).toBe('ERR_HTTP_BODY_TOO_LARGE');
    const c = new ResponseCollector({ limits: { maxBodySize: 10 } });
    expect(() => c.feed(['HTTP/1.1 200 OK\r\n\r\n', '0123456789', 'x'])).toThrowError(expect.objectContaining({ code: 'ERR_HTTP_BODY_TOO_LARGE' }));
  });

  it('truncated body → ERR_HTTP_UNEXPECTED_EOF at finish()', () => {
    const c = new ResponseCollector().feed(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab']);
    expect(() => c.parser.finish()).toThrowError(expect.objectContaining({ code: 'ERR_HTTP_UNEXPECTED_EOF' }));
  });
});

describe('ResponseParser: leniency for broken servers, counted', () => {
  it('bareLf', () => {
    const c = both('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n1\nx\n0\n\n', [], { lenient: { bareLf: true } });
    expect(c.messages[0]!.body).toBe('x');
    expect(c.parser.leniencyCounts[0]).toBeGreaterThan(0);
  });
  it('spaceBeforeColon drops the whitespace', () => {
    const c = both('HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok', [], { lenient: { spaceBeforeColon: true } });
    expect(c.messages[0]!.headers).toEqual([['Content-Length', '2']]);
    expect(c.messages[0]!.body).toBe('ok');
    expect(c.parser.leniencyCounts[1]).toBe(1);
  });
  it('obsFold folds continuation lines into one value with spaces', () => {
    const c = new ResponseCollector({ lenient: { obsFold: true } }).feed(['HTTP/1.1 200 OK\r\nX-Long: part one\r\n  part two\r\nContent-Length: 0\r\n\r\n']);
    expect(c.messages[0]!.headers[0]![1]).toMatch(/^part one +part two$/);
    expect(c.parser.leniencyCounts[2]).toBe(1);
  });
  it('clTeConflict lets Transfer-Encoding win', () => {
    const c = new ResponseCollector({ lenient: { clTeConflict: true } }).feed(['HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n']);
    expect(c.messages[0]!.body).toBe('ok');
    expect(c.parser.leniencyCounts[3]).toBe(1);
  });
  it('missingReasonSpace', () => {
    const c = new ResponseCollector({ lenient: { missingReasonSpace: true } }).feed(['HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n']);
    expect(c.messages[0]!.status).toBe(200);
    expect(c.parser.leniencyCounts[5]).toBe(1);
  });
});
