// Huffman coding (RFC 7541 5.2, Appendix B): codes derived from the lengths match known rows of the
// RFC table, every byte round-trips, and the decoder rejects EOS and bad padding.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HUFFMAN_CODES, HUFFMAN_ERR_EOS, HUFFMAN_ERR_PADDING, HUFFMAN_LENGTHS, huffmanDecode, huffmanDecodedBound, huffmanEncode, huffmanEncodedLength,
} from '../../../src/http2/huffman.js';

function enc(s: string): Buffer {
  const out = Buffer.alloc(huffmanEncodedLength(s));
  expect(huffmanEncode(s, out, 0)).toBe(out.length);
  return out;
}

function dec(b: Buffer): string | number {
  const out = Buffer.alloc(huffmanDecodedBound(b.length));
  const n = huffmanDecode(b, 0, b.length, out, 0);
  return n < 0 ? n : out.toString('latin1', 0, n);
}

describe('Huffman code table', () => {
  it('matches rows of RFC 7541 Appendix B', () => {
    const rows: [number, number, number][] = [
      [0, 0x1ff8, 13], [1, 0x7fffd8, 23], [10, 0x3ffffffc, 30], [32, 0x14, 6], [48, 0x0, 5], [97, 0x3, 5],
      [101, 0x5, 5], [122, 0x7b, 7], [127, 0xffffffc, 28], [255, 0x3ffffee, 26], [256, 0x3fffffff, 30],
    ];
    for (const [sym, code, len] of rows) expect([sym, HUFFMAN_CODES[sym], HUFFMAN_LENGTHS[sym]]).toEqual([sym, code, len]);
  });
  it('is a prefix code covering every bit pattern (Kraft sum is exactly 1)', () => {
    let sum = 0;
    for (let s = 0; s < 257; s++) sum += 2 ** -HUFFMAN_LENGTHS[s]!;
    expect(sum).toBe(1);
  });
});

describe('Huffman encode/decode', () => {
  it('encodes the RFC examples', () => {
    expect(enc('www.example.com').toString('hex')).toBe('f1e3c2e5f23a6ba0ab90f4ff');
    expect(enc('no-cache').toString('hex')).toBe('a8eb10649cbf');
    expect(enc('custom-key').toString('hex')).toBe('25a849e95ba97d7f');
    expect(enc('').length).toBe(0);
  });
  it('round-trips every byte value alone and any latin1 string (property)', () => {
    for (let c = 0; c < 256; c++) expect(dec(enc(String.fromCharCode(c)))).toBe(String.fromCharCode(c));
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 200 }), (s) => {
        expect(dec(enc(s))).toBe(s);
      }),
      { numRuns: 500 },
    );
  });
  it('rejects EOS in the string and padding that is longer than 7 bits or not all ones', () => {
    expect(dec(Buffer.from('ffffffff', 'hex'))).toBe(HUFFMAN_ERR_EOS);
    // '0' is 00000: padding 000 is not the EOS prefix.
    expect(dec(Buffer.from([0x00]))).toBe(HUFFMAN_ERR_PADDING);
    // '0' + 3 ones is fine; '0' + 11 ones (8+ bits of padding) is not.
    expect(dec(Buffer.from([0x07]))).toBe('0');
    expect(dec(Buffer.from([0x07, 0xff]))).toBe(HUFFMAN_ERR_PADDING);
    // A lone byte of ones: 8 bits of padding.
    expect(dec(Buffer.from([0xff]))).toBe(HUFFMAN_ERR_PADDING);
  });
});
