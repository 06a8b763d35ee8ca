// ChunkedReader on its own (the parsers drive it; their tests cover it end to end): data runs,
// where it stops, error codes with stream offsets, limits, leniency counts, and reuse.
import { describe, expect, it } from 'vitest';
import { ChunkState, ChunkedReader } from '../../../src/http/chunked-reader.js';
import { HttpCodecError } from '../../../src/http/codec-error.js';
import { DEFAULT_LIMITS, Leniency, type HttpLeniency, type HttpLimits } from '../../../src/http/limits.js';

function reader(limits: Partial<HttpLimits> = {}, lenient: HttpLeniency = {}) {
  const body = { bodyBytes: 0 };
  const counts = new Uint32Array(6);
  const r = new ChunkedReader(body, { ...DEFAULT_LIMITS, ...limits }, lenient, counts);
  const data: Buffer[] = [];
  const sink = { onBody: (b: Buffer, s: number, e: number) => void data.push(Buffer.from(b.subarray(s, e))) };
  return { r, body, counts, data, sink };
}

/** Feeds `wire` in pieces of `step` bytes; returns how many bytes the reader took in all. */
function feed(t: ReturnType<typeof reader>, wire: Buffer, step: number, base = 0): number {
  let taken = 0;
  for (let i = 0; i < wire.length && t.r.state !== ChunkState.Done; i += step) {
    const piece = wire.subarray(i, Math.min(wire.length, i + step));
    taken += t.r.read(piece, 0, piece.length, base + i, t.sink);
  }
  return taken;
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

const WIRE = Buffer.from('5;a=b;q="x\\"y"\r\nhello\r\n00B\r\n, world!!!!\r\n0\r\nTrailer: t\r\n\r\n', 'latin1');
const LAST_CHUNK_END = WIRE.indexOf('Trailer');

describe('ChunkedReader', () => {
  it.each([1, 2, 3, 7, WIRE.length])('decodes the data and stops after the last-chunk line, fed %i bytes at a time', (step) => {
    const t = reader();
    t.r.begin(0);
    const taken = feed(t, WIRE, step);
    expect(t.r.state).toBe(ChunkState.Done);
    expect(Buffer.concat(t.data).toString()).toBe('hello, world!!!!');
    expect(t.body.bodyBytes).toBe(16);
    expect(taken).toBe(LAST_CHUNK_END); // the trailer section is left to the parser
  });

  it('is rewound by begin() for the next body', () => {
    const t = reader();
    t.r.begin(0);
    feed(t, Buffer.from('3\r\nabc\r\n0\r\n'), 100);
    t.data.length = 0;
    t.r.begin(0);
    expect(t.r.state).toBe(ChunkState.Size);
    feed(t, Buffer.from('2\r\nde\r\n0\r\n'), 100);
    expect(Buffer.concat(t.data).toString()).toBe('de');
    expect(t.r.state).toBe(ChunkState.Done);
  });

  it.each([
    ['x\r\n', 'ERR_HTTP_BAD_CHUNK_SIZE', 0],
    ['5 \r\n', 'ERR_HTTP_BAD_CHUNK_SIZE', 2],
    ['1 a\r\n', 'ERR_HTTP_BAD_CHUNK_SIZE', 2],
    ['5\rx', 'ERR_HTTP_BAD_CHUNK_SIZE', 2],
    ['5;\r\n', 'ERR_HTTP_BAD_CHUNK_EXTENSION', 2],
    ['5;a=\r\n', 'ERR_HTTP_BAD_CHUNK_EXTENSION', 4],
    ['5;a@\r\n', 'ERR_HTTP_BAD_CHUNK_EXTENSION', 3],
    ['5;a="\x01"\r\n', 'ERR_HTTP_BAD_CHUNK_EXTENSION', 5],
    ['5\nhello', 'ERR_HTTP_BAD_LINE_ENDING', 1],
    ['1\r\naXY', 'ERR_HTTP_BAD_CHUNK_DELIMITER', 4],
    ['1\r\na\rY', 'ERR_HTTP_BAD_CHUNK_DELIMITER', 5],
    ['10000000000000\r\n', 'ERR_HTTP_BAD_CHUNK_SIZE', 13],
  ])('%j → %s at stream offset base + %i', (wire, code, at) => {
    const t = reader();
    t.r.begin(1000);
    const e = errorOf(() => feed(t, Buffer.from(wire, 'latin1'), 100, 1000));
    expect(e.code).toBe(code);
    expect(e.offset).toBe(1000 + at);
  });

  it('lets leading zeros past the size-digit limit, but not past the size-length limit', () => {
    const t = reader();
    t.r.begin(0);
    feed(t, Buffer.from(`${'0'.repeat(20)}3\r\nabc\r\n0\r\n`), 100);
    expect(Buffer.concat(t.data).toString()).toBe('abc');
    const u = reader();
    u.r.begin(0);
    expect(errorOf(() => feed(u, Buffer.from(`${'0'.repeat(40)}3\r\n`), 100)).message).toMatch(/too long/);
  });

  it('enforces maxChunkCount, maxBodySize (wire bytes) and maxChunkExtensionSize', () => {
    const many = reader({ maxChunkCount: 2 });
    many.r.begin(0);
    expect(errorOf(() => feed(many, Buffer.from('1\r\na\r\n1\r\nb\r\n1\r\nc\r\n'), 100)).code).toBe('ERR_HTTP_TOO_MANY_CHUNKS');
    const big = reader({ maxBodySize: 10 });
    big.r.begin(0);
    // 3 + 2 data + CRLF = 7 wire bytes fit; the second size line makes 14 > 10.
    expect(errorOf(() => feed(big, Buffer.from('2\r\nab\r\n2\r\ncd\r\n'), 100)).code).toBe('ERR_HTTP_BODY_TOO_LARGE');
    const ext = reader({ maxChunkExtensionSize: 4 });
    ext.r.begin(0);
    expect(errorOf(() => feed(ext, Buffer.from('1;abcdef\r\n'), 100)).code).toBe('ERR_HTTP_BAD_CHUNK_EXTENSION');
  });

  it('accepts bare LF line ends only when lenient, counting each', () => {
    const t = reader({}, { bareLf: true });
    t.r.begin(0);
    feed(t, Buffer.from('2\nab\n0\n'), 1);
    expect(t.r.state).toBe(ChunkState.Done);
    expect(Buffer.concat(t.data).toString()).toBe('ab');
    expect(t.counts[Leniency.BareLf]).toBe(3);
  });
});
