import { describe, expect, it } from 'vitest';
import { Response } from '../../../src/client/response.js';
import type { ResponseHead } from '../../../src/http/message-head.js';
import { ResponseParser } from '../../../src/http/response-parser.js';

/** Feeds wire bytes through a ResponseParser into a Response, the way a connection does. */
function parse(wire: string | string[], res = new Response(), lenient = false): Response {
  const handler = {
    onHead(h: ResponseHead) {
      res._setHead(h);
      return 0;
    },
    onBody(b: Buffer, s: number, e: number) {
      res._appendBody(b, s, e);
    },
    onComplete(h: ResponseHead) {
      res._finishMessage(h);
    },
    onInterim(h: ResponseHead) {
      res._addInterim(h);
    },
  };
  const p = new ResponseParser(handler, lenient ? { lenient: { missingReasonSpace: true } } : undefined);
  for (const piece of Array.isArray(wire) ? wire : [wire]) {
    // A scratch buffer that is overwritten after each chunk: the Response must have copied.
    const chunk = Buffer.from(piece, 'latin1');
    p.execute(chunk);
    chunk.fill(0x7e);
  }
  return res;
}

describe('Response', () => {
  it('copies the head out of the chunk: wire order and case survive the chunk being overwritten', () => {
    const res = parse(['\r\nHTTP/1.1 201 Created Here\r\nX-B: 2\r\nx-a: 1\r\nContent-Length: 3\r\n\r\nab', 'c']);
    expect(res.status).toBe(201);
    expect(res.reason).toBe('Created Here');
    expect(res.headers.toArray()).toEqual([
      ['X-B', '2'],
      ['x-a', '1'],
      ['Content-Length', '3'],
    ]);
    expect(res.header('X-A')).toBe('1');
    expect(res.bodyText()).toBe('abc');
    expect(res.contentLength).toBe(3);
  });

  it('finds the head when a lenient parse accepted no space after the status', () => {
    const res = parse('HTTP/1.1 204\r\nA: b\r\n\r\n', new Response(), true);
    expect(res.status).toBe(204);
    expect(res.reason).toBe('');
    expect(res.headers.toArray()).toEqual([['A', 'b']]);
  });

  it('keeps trailers and interim responses', () => {
    const res = parse('HTTP/1.1 103 Early Hints\r\nLink: <x>\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT-One: 1\r\nt-two: 2\r\n\r\n');
    expect(res.interim).toEqual([{ status: 103, reason: 'Early Hints', headers: [['Link', '<x>']] }]);
    expect(res.trailers.toArray()).toEqual([
      ['T-One', '1'],
      ['t-two', '2'],
    ]);
    expect(res.bodyText()).toBe('abc');
  });

  it('discardBody counts without keeping; reset keeps discardBody and the grown buffers', () => {
    const res = new Response();
    res.discardBody = true;
    parse('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', res);
    expect(res.bodyLength).toBe(5);
    expect(res.body.length).toBe(0);
    res.reset();
    expect(res.discardBody).toBe(true);
    expect(res.status).toBe(0);
    expect(res.headers.count).toBe(0);
    res.discardBody = false;
    parse('HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n' + 'z'.repeat(3000), res);
    expect(res.body.length).toBe(3000);
  });

  it('is pooled; an in-flight response cannot be released', () => {
    const r = Response.acquire();
    r.discardBody = true;
    Response.release(r);
    const again = Response.acquire();
    expect(again).toBe(r);
    expect(again.discardBody).toBe(false);
    again._state = 3;
    expect(() => Response.release(again)).toThrow(/in flight/);
    again._state = 0;
  });
});
