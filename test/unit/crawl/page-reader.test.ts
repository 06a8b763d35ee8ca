import { describe, expect, it } from 'vitest';
import { Response } from '../../../src/client/response.js';
import { isHostFailure, newRecord, readResponse, retryAfterMs } from '../../../src/crawl/page-reader.js';

/** A Response with a head and a body, as the client would leave it. */
function response(status: number, headers: [string, string][], body: string): Response {
  const res = new Response();
  const head = Buffer.from(`HTTP/1.1 ${status} X\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`, 'latin1');
  // Fill through the same entry points the connection uses.
  const hl = res.headers;
  hl.buf = head;
  const offsets: number[] = [];
  let p = head.indexOf('\r\n') + 2;
  for (const [n, v] of headers) {
    const ns = p;
    const ne = ns + n.length;
    const vs = ne + 2;
    const ve = vs + v.length;
    offsets.push(ns, ne, vs, ve);
    p = ve + 2;
  }
  hl.offsets = Int32Array.from(offsets);
  hl.count = headers.length;
  res.status = status;
  const b = Buffer.from(body);
  res._appendBody(b, 0, b.length);
  return res;
}

const O = { contentTypes: ['text/html'], nofollow: false, maxLinks: 100, includeLinks: true, normalize: {} };

describe('readResponse', () => {
  it('reads title and links of a 2xx HTML page', () => {
    const rec = newRecord('http://a.test/', 'http://a.test/', 0, 0);
    const links = readResponse(rec, response(200, [['Content-Type', 'text/html; charset=utf-8']], '<title> Hi  there </title><a href="/x#f">x</a><a href="mailto:q@q">m</a>'), 'http://a.test/', O);
    expect(links).toEqual(['http://a.test/x']);
    expect(rec).toMatchObject({ status: 200, title: 'Hi there', links: 1, linkUrls: ['http://a.test/x'], error: null });
  });
  it('puts a redirect target in location, normalised', () => {
    const rec = newRecord('http://a.test/r', 'http://a.test/r', 0, 0);
    expect(readResponse(rec, response(301, [['Location', '../b/./c?']], ''), 'http://a.test/x/r', O)).toBeNull();
    expect(rec.location).toBe('http://a.test/b/c');
  });
  it('records 2xx bodies of other types as fetched, not parsed (no error); sniffs untyped HTML; ignores error pages\' links', () => {
    const rec = newRecord('u', 'u', 0, 0);
    expect(readResponse(rec, response(200, [['Content-Type', 'application/pdf']], '%PDF'), 'http://a.test/', O)).toBeNull();
    expect(rec).toMatchObject({ status: 200, contentType: 'application/pdf', bytes: 4, links: 0, title: null, error: null });
    const sniffed = newRecord('u', 'u', 0, 0);
    expect(readResponse(sniffed, response(200, [], '  <html><a href="/y">y</a>'), 'http://a.test/', O)).toEqual(['http://a.test/y']);
    const notFound = newRecord('u', 'u', 0, 0);
    expect(readResponse(notFound, response(404, [['Content-Type', 'text/html']], '<title>NF</title><a href="/">h</a>'), 'http://a.test/', O)).toBeNull();
    expect(notFound).toMatchObject({ title: 'NF', links: 1 });
  });
});

describe('host failures and Retry-After', () => {
  it('counts transport, timeouts and broken responses, not page-sized problems', () => {
    for (const c of ['ERR_CONN_REFUSED', 'ERR_TIMEOUT_HEADERS', 'ERR_HTTP_BAD_STATUS_LINE', 'ERR_DNS_FAILED']) expect(isHostFailure(c)).toBe(true);
    for (const c of ['ERR_HTTP_BODY_TOO_LARGE', 'ERR_CLIENT_CLOSED', 'ERR_USAGE_BAD_URL', 'ERR_CRAWL_CONTENT_TYPE']) expect(isHostFailure(c)).toBe(false);
  });
  it('reads Retry-After as seconds or a date, capped', () => {
    expect(retryAfterMs(response(429, [['Retry-After', '3']], ''), 60_000)).toBe(3000);
    expect(retryAfterMs(response(429, [['Retry-After', '3600']], ''), 60_000)).toBe(60_000);
    const soon = new Date(Date.now() + 10_000).toUTCString();
    const ms = retryAfterMs(response(503, [['Retry-After', soon]], ''), 60_000);
    expect(ms).toBeGreaterThan(8000);
    expect(ms).toBeLessThanOrEqual(10_000);
    expect(retryAfterMs(response(503, [['Retry-After', 'soonish']], ''), 60_000)).toBe(0);
    expect(retryAfterMs(response(503, [], ''), 60_000)).toBe(0);
  });
});
