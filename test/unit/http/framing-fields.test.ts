// FramingFields on its own: Content-Length lists, Transfer-Encoding codings, Connection tokens,
// keep-alive per version, and error offsets mapped to the stream.
import { describe, expect, it } from 'vitest';
import { HttpCodecError } from '../../../src/http/codec-error.js';
import { FramingFields } from '../../../src/http/framing-fields.js';
import { RequestHead } from '../../../src/http/message-head.js';

/** A head whose fields are `lines` ("Name: value"), laid out in one buffer. */
function headWith(lines: string[]): RequestHead {
  const head = new RequestHead();
  const text = lines.join('\r\n');
  head.headers.buf = Buffer.from(text, 'latin1');
  let at = 0;
  for (const l of lines) {
    const colon = l.indexOf(':');
    let vs = colon + 1;
    while (l[vs] === ' ') vs++;
    head.headers.push(at, at + colon, at + vs, at + l.length);
    at += l.length + 2;
  }
  return head;
}

function apply(lines: string[], delta = 0): { f: FramingFields; head: RequestHead; framing: boolean[] } {
  const head = headWith(lines);
  const f = new FramingFields();
  f.begin();
  const framing = lines.map((l, i) => f.apply(head, i, l.indexOf(':'), delta));
  return { f, head, framing };
}

function errorOf(f: () => unknown): HttpCodecError {
  try {
    f();
  } catch (e) {
    if (e instanceof HttpCodecError) return e;
    throw e;
  }
  throw new Error('expected an HttpCodecError');
}

describe('FramingFields', () => {
  it('says which fields are framing fields and applies them', () => {
    const { f, head, framing } = apply(['Host: a', 'content-LENGTH: 5, 5', 'Connection: Keep-Alive, Upgrade']);
    expect(framing).toEqual([false, true, true]);
    expect(head.contentLength).toBe(5);
    expect(f.clSeen).toBe(true);
    expect(f.connKeepAlive).toBe(true);
    expect(head.connectionUpgrade).toBe(true);
    expect(f.keepAlive(0)).toBe(true);
    expect(f.keepAlive(1)).toBe(true);
  });

  it('Connection: close ends keep-alive in both versions; 1.0 persists only with keep-alive', () => {
    expect(apply(['Connection: close']).f.keepAlive(1)).toBe(false);
    expect(apply(['Connection: close, keep-alive']).f.keepAlive(0)).toBe(false);
    expect(apply([]).f.keepAlive(0)).toBe(false);
    expect(apply([]).f.keepAlive(1)).toBe(true);
  });

  it('tracks the final transfer coding and a coding after chunked', () => {
    const ok = apply(['Transfer-Encoding: gzip;q="a,b", chunked']);
    expect(ok.head.chunked).toBe(true);
    expect(ok.head.hasTransferEncoding).toBe(true);
    expect(ok.f.teCodings).toBe(2);
    expect(ok.f.teChunkedNotLast).toBe(false);
    const twice = apply(['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked']);
    expect(twice.f.teChunkedNotLast).toBe(true);
    const after = apply(['Transfer-Encoding: chunked, gzip']);
    expect(after.head.chunked).toBe(false);
    expect(after.f.teChunkedNotLast).toBe(true);
  });

  it.each([
    ['Content-Length: abc', 'ERR_HTTP_BAD_CONTENT_LENGTH', 16],
    ['Content-Length: 1234567890123456', 'ERR_HTTP_BAD_CONTENT_LENGTH', 16],
    ['Content-Length: 5 6', 'ERR_HTTP_BAD_CONTENT_LENGTH', 18],
    ['Content-Length: 5, 6', 'ERR_HTTP_DUP_CONTENT_LENGTH', 19],
    ['Transfer-Encoding: chunked@', 'ERR_HTTP_BAD_TRANSFER_ENCODING', 26],
  ])('%j → %s at delta + %i', (line, code, at) => {
    const e = errorOf(() => apply([line], 500));
    expect(e.code).toBe(code);
    expect(e.offset).toBe(500 + at);
  });

  it('begin() forgets the previous message', () => {
    const { f } = apply(['Content-Length: 1', 'Connection: close', 'Transfer-Encoding: chunked, gzip']);
    f.begin();
    expect([f.clSeen, f.connClose, f.connKeepAlive, f.teCodings, f.teChunkedNotLast]).toEqual([false, false, false, 0, false]);
  });
});
