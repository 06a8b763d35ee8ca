import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FastbenchError } from '../../../src/core/errors.js';
import { ACCEPT_ENCODING, SUPPORTED_CODINGS, decodeBody, negotiateCoding } from '../../../src/http/content-coding.js';

const TEXT = Buffer.from('hello compressed world '.repeat(50), 'utf8');

describe('decodeBody', () => {
  it.each([
    ['gzip', gzipSync(TEXT)],
    ['x-gzip', gzipSync(TEXT)],
    ['deflate', deflateSync(TEXT)],
    ['deflate', deflateRawSync(TEXT)], // raw deflate, as some servers send it
    ['br', brotliCompressSync(TEXT)],
    ['GZIP', gzipSync(TEXT)],
  ])('decodes %s', (coding, wire) => {
    const d = decodeBody(wire, coding, 1 << 20);
    expect(d.body.equals(TEXT)).toBe(true);
    expect(d.coding).toBe(coding.toLowerCase());
    expect(d.ms).toBeGreaterThanOrEqual(0);
  });

  it('undoes stacked codings in reverse order', () => {
    const wire = brotliCompressSync(gzipSync(TEXT));
    expect(decodeBody(wire, 'gzip, br', 1 << 20).body.equals(TEXT)).toBe(true);
  });

  it('returns identity and absent codings as they are (no copy)', () => {
    expect(decodeBody(TEXT, undefined, 10).body).toBe(TEXT);
    expect(decodeBody(TEXT, 'identity', 10).body).toBe(TEXT);
  });

  it('refuses a body that decodes past the cap (a decompression bomb)', () => {
    const bomb = gzipSync(Buffer.alloc(1 << 20));
    const e = (() => {
      try {
        decodeBody(bomb, 'gzip', 64 * 1024);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(FastbenchError);
    expect((e as FastbenchError).code).toBe('ERR_CONTENT_DECODE');
    expect((e as FastbenchError).message).toMatch(/more than 65536 bytes/);
  });

  it('refuses corrupt data and unknown codings with ERR_CONTENT_DECODE', () => {
    expect(() => decodeBody(Buffer.from('not gzip at all'), 'gzip', 1 << 20)).toThrow(/gzip body is corrupt/);
    expect(() => decodeBody(TEXT, 'compress', 1 << 20)).toThrow(/cannot decode Content-Encoding "compress"/);
  });
});

describe('Accept-Encoding', () => {
  it('offers zstd exactly when this Node can decode it', () => {
    const hasZstd = typeof (zlib as unknown as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function';
    expect(SUPPORTED_CODINGS.includes('zstd')).toBe(hasZstd);
    expect(ACCEPT_ENCODING.startsWith('gzip, deflate, br')).toBe(true);
  });

  it('negotiates the server\'s preferred coding among those accepted', () => {
    const offered = ['br', 'gzip', 'deflate'];
    expect(negotiateCoding('gzip, deflate, br', offered)).toBe('br');
    expect(negotiateCoding('gzip, deflate', offered)).toBe('gzip');
    expect(negotiateCoding('br;q=0, gzip', offered)).toBe('gzip');
    expect(negotiateCoding('*', offered)).toBe('br');
    expect(negotiateCoding('identity', offered)).toBeUndefined();
    expect(negotiateCoding(undefined, offered)).toBeUndefined();
  });
});
