// RFC 7541 Appendix C vectors (typed in from the RFC), encoder/decoder round trips with random
// header lists and table sizes, and each decoder rule rejecting with its code and scope.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../../src/core/byte-writer.js';
import { H2Error } from '../../../src/http2/h2-error.js';
import { FIELD_NEVER_INDEXED, HeaderFields } from '../../../src/http2/header-fields.js';
import { HpackDecoder } from '../../../src/http2/hpack-decoder.js';
import { HpackEncoder, IndexMode, encodeStatelessBlock } from '../../../src/http2/hpack-encoder.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

type Pairs = [string, string][];

function decodeAll(dec: HpackDecoder, block: Buffer): Pairs {
  const f = new HeaderFields(16, 2);
  dec.decode(block, 0, block.length, f);
  return f.toPairs();
}

function table(dec: HpackDecoder | HpackEncoder): number {
  return dec.tableSize;
}

function entries(dec: HpackDecoder): Pairs {
  const out: Pairs = [];
  for (let i = 0; i < dec.dynamicCount; i++) out.push(dec.dynamicEntry(i)!);
  return out;
}

const REQ1: Pairs = [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']];
const REQ2: Pairs = [...REQ1, ['cache-control', 'no-cache']];
const REQ3: Pairs = [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']];
const RES1: Pairs = [[':status', '302'], ['cache-control', 'private'], ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'], ['location', 'https://www.example.com']];
const RES2: Pairs = [[':status', '307'], ['cache-control', 'private'], ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'], ['location', 'https://www.example.com']];
const RES3: Pairs = [
  [':status', '200'], ['cache-control', 'private'], ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'], ['location', 'https://www.example.com'],
  ['content-encoding', 'gzip'], ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
];

const C3 = [
  '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
  '8286 84be 5808 6e6f 2d63 6163 6865',
  '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
];
const C4 = [
  '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
  '8286 84be 5886 a8eb 1064 9cbf',
  '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
];
const C5 = [
  '4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
  '4803 3330 37c1 c0bf',
  '88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31',
];
const C6 = [
  '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3',
  '4883 640e ffc1 c0bf',
  '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
];

describe('RFC 7541 Appendix C.2: header field representations', () => {
  it('C.2.1 literal with indexing', () => {
    const d = new HpackDecoder();
    expect(decodeAll(d, hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'))).toEqual([['custom-key', 'custom-header']]);
    expect(entries(d)).toEqual([['custom-key', 'custom-header']]);
    expect(table(d)).toBe(55);
  });
  it('C.2.2 literal without indexing', () => {
    const d = new HpackDecoder();
    expect(decodeAll(d, hex('040c 2f73 616d 706c 652f 7061 7468'))).toEqual([[':path', '/sample/path']]);
    expect(d.dynamicCount).toBe(0);
  });
  it('C.2.3 literal never indexed (flag kept)', () => {
    const d = new HpackDecoder();
    const f = new HeaderFields();
    const b = hex('1008 7061 7373 776f 7264 0673 6563 7265 74');
    d.decode(b, 0, b.length, f);
    expect(f.toPairs()).toEqual([['password', 'secret']]);
    expect(f.neverIndexed(0)).toBe(true);
    expect(f.flags[0]! & FIELD_NEVER_INDEXED).toBe(1);
    expect(d.dynamicCount).toBe(0);
  });
  it('C.2.4 indexed field', () => {
    const d = new HpackDecoder();
    expect(decodeAll(d, hex('82'))).toEqual([[':method', 'GET']]);
  });
});

describe.each([
  ['C.3 requests without Huffman', C3, false],
  ['C.4 requests with Huffman', C4, true],
] as const)('RFC 7541 %s', (_name, blocks, huffman) => {
  it('decodes the three requests with the table states of the RFC', () => {
    const d = new HpackDecoder();
    expect(decodeAll(d, hex(blocks[0]))).toEqual(REQ1);
    expect(entries(d)).toEqual([[':authority', 'www.example.com']]);
    expect(table(d)).toBe(57);
    expect(decodeAll(d, hex(blocks[1]))).toEqual(REQ2);
    expect(entries(d)).toEqual([['cache-control', 'no-cache'], [':authority', 'www.example.com']]);
    expect(table(d)).toBe(110);
    expect(decodeAll(d, hex(blocks[2]))).toEqual(REQ3);
    expect(entries(d)).toEqual([['custom-key', 'custom-value'], ['cache-control', 'no-cache'], [':authority', 'www.example.com']]);
    expect(table(d)).toBe(164);
  });
  it('encodes the same bytes', () => {
    const e = new HpackEncoder({ huffman });
    const w = new ByteWriter(64);
    for (const [i, list] of [REQ1, REQ2, REQ3].entries()) {
      w.reset();
      e.encode(w, list);
      expect(w.view().toString('hex')).toBe(hex(blocks[i]!).toString('hex'));
    }
    expect(table(e)).toBe(164);
  });
});

describe.each([
  ['C.5 responses without Huffman', C5, false],
  ['C.6 responses with Huffman', C6, true],
] as const)('RFC 7541 %s (table size 256, evictions)', (_name, blocks, huffman) => {
  it('decodes the three responses with the table states of the RFC', () => {
    const d = new HpackDecoder({ maxTableSize: 256 });
    expect(decodeAll(d, hex(blocks[0]))).toEqual(RES1);
    expect(entries(d)).toEqual([['location', 'https://www.example.com'], ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'], ['cache-control', 'private'], [':status', '302']]);
    expect(table(d)).toBe(222);
    expect(decodeAll(d, hex(blocks[1]))).toEqual(RES2);
    expect(entries(d)).toEqual([[':status', '307'], ['location', 'https://www.example.com'], ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'], ['cache-control', 'private']]);
    expect(table(d)).toBe(222);
    expect(decodeAll(d, hex(blocks[2]))).toEqual(RES3);
    expect(entries(d)).toEqual([
      ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'], ['content-encoding', 'gzip'], ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
    ]);
    expect(table(d)).toBe(215);
  });
  it('encodes the same bytes after the table size update to 256', () => {
    const e = new HpackEncoder({ huffman, maxTableSize: 256 });
    const w = new ByteWriter(64);
    for (const [i, list] of [RES1, RES2, RES3].entries()) {
      w.reset();
      e.beginBlock(w);
      const prefix = w.view().toString('hex');
      // The first block owes the peer a size update (4096 → 256): 001 11111 + 225.
      expect(prefix).toBe(i === 0 ? '3fe101' : '');
      for (const [n, v] of list) e.field(w, n, v, IndexMode.INDEX);
      expect(w.view().subarray(prefix.length / 2).toString('hex')).toBe(hex(blocks[i]!).toString('hex'));
    }
    expect(table(e)).toBe(215);
  });
});

function expectH2(fn: () => void, code: string, scope: 'connection' | 'stream'): H2Error {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(H2Error);
    const h = e as H2Error;
    expect(h.code).toBe(code);
    expect(h.scope).toBe(scope);
    return h;
  }
  throw new Error('expected an H2Error');
}

describe('HPACK decoder rules', () => {
  const dec = (hexStr: string, opts = {}) => () => decodeAll(new HpackDecoder(opts), hex(hexStr));
  it('index 0 is a COMPRESSION_ERROR', () => {
    const e = expectH2(dec('80'), 'ERR_H2_COMPRESSION', 'connection');
    expect(e.h2Code).toBe(9);
    expect(e.offset).toBe(0);
  });
  it('an index past the dynamic table is a COMPRESSION_ERROR', () => {
    expectH2(dec('be'), 'ERR_H2_COMPRESSION', 'connection');
    expectH2(dec('7e00'), 'ERR_H2_COMPRESSION', 'connection');
  });
  it('a truncated integer or string is a COMPRESSION_ERROR', () => {
    expectH2(dec('ff'), 'ERR_H2_COMPRESSION', 'connection');
    expectH2(dec('400a6375'), 'ERR_H2_COMPRESSION', 'connection');
  });
  it('an integer past 2^31-1 is a COMPRESSION_ERROR (overflow guard)', () => {
    expectH2(dec('ffffffffffff0f'), 'ERR_H2_COMPRESSION', 'connection');
    // A 7-bit prefix run of zero continuation bytes is fine as long as the value stays small.
    expect(() => dec('ff8080808000')()).toThrow(H2Error);
  });
  it('a size update after a field is a COMPRESSION_ERROR', () => {
    const e = expectH2(dec('8220'), 'ERR_H2_COMPRESSION', 'connection');
    expect(e.offset).toBe(1);
  });
  it('a size update above SETTINGS_HEADER_TABLE_SIZE is a COMPRESSION_ERROR', () => {
    expectH2(dec('3fe21f', { maxTableSize: 4096 }), 'ERR_H2_COMPRESSION', 'connection');
    expect(decodeAll(new HpackDecoder(), hex('3fe11f82'))).toEqual([[':method', 'GET']]);
  });
  it('after we lower the setting, the next block must start with a size update', () => {
    const d = new HpackDecoder();
    decodeAll(d, hex('400a637573746f6d2d6b65790d637573746f6d2d686561646572'));
    d.setMaxTableSize(0);
    expect(d.dynamicCount).toBe(0);
    expectH2(() => decodeAll(d, hex('82')), 'ERR_H2_COMPRESSION', 'connection');
    const d2 = new HpackDecoder();
    d2.setMaxTableSize(100);
    d2.setMaxTableSize(4096);
    // Lowered then raised: the first update must go down to 100 or less.
    expectH2(() => decodeAll(d2, hex('3fe11f82')), 'ERR_H2_COMPRESSION', 'connection');
    const d3 = new HpackDecoder();
    d3.setMaxTableSize(100);
    d3.setMaxTableSize(4096);
    expect(decodeAll(d3, hex('3f45 3fe11f 82'))).toEqual([[':method', 'GET']]);
    expect(d3.dynamicLimit).toBe(4096);
  });
  it('Huffman EOS or bad padding is a COMPRESSION_ERROR', () => {
    // Literal without indexing, name :path (4), Huffman value of 4 bytes of ones: contains EOS.
    expectH2(dec('0484ffffffff'), 'ERR_H2_COMPRESSION', 'connection');
    // 'a' is 00011 (5 bits); padding with zeros is not the EOS prefix.
    expectH2(dec('048118'), 'ERR_H2_COMPRESSION', 'connection');
    // Padding of 8+ bits: 'a' + 11 one-bits.
    expectH2(dec('0482 1fff'), 'ERR_H2_COMPRESSION', 'connection');
    // Valid: 'a' + 3 one-bits.
    expect(decodeAll(new HpackDecoder(), hex('04811f'))).toEqual([[':path', 'a']]);
  });
  it('strings past maxStringLength are ENHANCE_YOUR_CALM', () => {
    expectH2(dec('0405 6161616161', { maxStringLength: 4 }), 'ERR_H2_ENHANCE_YOUR_CALM', 'connection');
    expect(decodeAll(new HpackDecoder({ maxStringLength: 5 }), hex('0405 6161616161'))).toEqual([[':path', 'aaaaa']]);
  });
  it('fields past the header-list budget are dropped and flagged, and the table stays in step', () => {
    const d = new HpackDecoder({ maxHeaderListSize: 100 });
    const f = new HeaderFields();
    // custom-key: custom-header (55, indexed) then :method GET (42 → 97), then :path / (past 100).
    const b = hex('400a637573746f6d2d6b65790d637573746f6d2d686561646572 82 84');
    d.decode(b, 0, b.length, f);
    expect(f.toPairs()).toEqual([['custom-key', 'custom-header'], [':method', 'GET']]);
    expect(f.tooLarge).toBe(true);
    expect(f.listSize).toBe(55 + 42 + 38);
    // A dropped literal with indexing still enters the table.
    const d2 = new HpackDecoder({ maxHeaderListSize: 10 });
    d2.decode(b, 0, b.length, f);
    expect(f.count).toBe(0);
    expect(d2.dynamicCount).toBe(1);
    const b2 = hex('be');
    d2.maxHeaderListSize = 1000;
    d2.decode(b2, 0, 1, f);
    expect(f.toPairs()).toEqual([['custom-key', 'custom-header']]);
  });
  it('an entry larger than the table empties it', () => {
    const d = new HpackDecoder({ maxTableSize: 60 });
    decodeAll(d, hex('400a637573746f6d2d6b65790d637573746f6d2d686561646572'));
    expect(d.dynamicCount).toBe(1);
    decodeAll(d, hex('400a637573746f6d2d6b65791e' + '61'.repeat(30)));
    expect(d.dynamicCount).toBe(0);
    expect(d.tableSize).toBe(0);
  });
});

describe('HPACK encoder policy', () => {
  it('sends credentials never-indexed and volatile fields without indexing', () => {
    const e = new HpackEncoder();
    const w = new ByteWriter();
    e.encode(w, [['authorization', 'Bearer x'], ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'], ['x-a', 'b']]);
    const d = new HpackDecoder();
    const f = new HeaderFields();
    d.decode(w.buf, 0, w.len, f);
    expect(f.toPairs()).toEqual([['authorization', 'Bearer x'], ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'], ['x-a', 'b']]);
    expect(f.neverIndexed(0)).toBe(true);
    expect(f.neverIndexed(1)).toBe(false);
    expect(d.dynamicCount).toBe(1);
    expect(d.dynamicEntry(0)).toEqual(['x-a', 'b']);
  });
  it('re-sends an indexed field as one byte', () => {
    const e = new HpackEncoder();
    const w = new ByteWriter();
    e.encode(w, [['x-a', 'b']]);
    w.reset();
    e.encode(w, [['x-a', 'b']]);
    expect(w.view().toString('hex')).toBe('be');
  });
  it('owes a size update after the peer lowers its table, and pays it at the next block', () => {
    const e = new HpackEncoder();
    const d = new HpackDecoder();
    const w = new ByteWriter();
    e.encode(w, [['x-a', 'b']]);
    d.decode(w.buf, 0, w.len, new HeaderFields());
    expect(e.pendingUpdate).toBe(false);
    // The peer (decoder) lowers SETTINGS_HEADER_TABLE_SIZE to 0, then raises it to 100.
    d.setMaxTableSize(0);
    e.setPeerMaxTableSize(0);
    d.setMaxTableSize(100);
    e.setPeerMaxTableSize(100);
    expect(e.pendingUpdate).toBe(true);
    // A stateless (prebuilt) block now would be rejected by the peer.
    const s = new ByteWriter();
    encodeStatelessBlock(s, [[':method', 'GET']]);
    expect(() => d.decode(s.buf, 0, s.len, new HeaderFields())).toThrow(H2Error);
    const d2 = new HpackDecoder();
    d2.setMaxTableSize(0);
    d2.setMaxTableSize(100);
    w.reset();
    e.encode(w, [[':method', 'GET']]);
    // Smallest size first, then the final one: 0x20 (0), 0x3f 0x45 (100), then 0x82.
    expect(w.view().toString('hex')).toBe('203f4582');
    expect(e.pendingUpdate).toBe(false);
    const f = new HeaderFields();
    d2.decode(w.buf, 0, w.len, f);
    expect(f.toPairs()).toEqual([[':method', 'GET']]);
  });
  it('lower-cases names', () => {
    const w = new ByteWriter();
    new HpackEncoder().encode(w, [['X-Upper', 'v']]);
    expect(decodeAll(new HpackDecoder(), w.toBuffer())).toEqual([['x-upper', 'v']]);
  });
  it('stateless blocks leave the decoder table empty and decode the same every time', () => {
    const w = new ByteWriter();
    encodeStatelessBlock(w, [[':method', 'GET'], [':path', '/x'], ['user-agent', 'fastbench'], ['authorization', 'a'], ['x-k', 'v']]);
    const d = new HpackDecoder();
    for (let i = 0; i < 2; i++) {
      expect(decodeAll(d, w.toBuffer())).toEqual([[':method', 'GET'], [':path', '/x'], ['user-agent', 'fastbench'], ['authorization', 'a'], ['x-k', 'v']]);
    }
    expect(d.dynamicCount).toBe(0);
  });
});

describe('HPACK round trips (property)', () => {
  const nameChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_'.split(''));
  const name = fc.oneof(
    fc.string({ unit: nameChar, minLength: 1, maxLength: 20 }),
    fc.constantFrom(':status', ':path', 'content-type', 'date', 'set-cookie', 'authorization', 'cookie', 'accept-encoding', 'cache-control'),
  );
  const value = fc.oneof(
    fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
    fc.constantFrom('', '200', 'gzip, deflate', 'text/html; charset=utf-8', 'no-cache'),
  );
  const list = fc.array(fc.tuple(name, value), { maxLength: 25 });
  it('decode(encode(list)) === list over several blocks, any table sizes, with table updates', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(list, fc.option(fc.integer({ min: 0, max: 4096 }), { nil: undefined })), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 8192 }),
        fc.boolean(),
        (blocks, cap, huffman) => {
          const enc = new HpackEncoder({ maxTableSize: cap, huffman });
          const dec = new HpackDecoder({ maxTableSize: 4096 });
          const w = new ByteWriter(64);
          const f = new HeaderFields(8, 2);
          for (const [fields, peerSize] of blocks) {
            if (peerSize !== undefined) {
              // We (the decoder side) change SETTINGS_HEADER_TABLE_SIZE; the peer's encoder follows.
              dec.setMaxTableSize(peerSize);
              enc.setPeerMaxTableSize(peerSize);
            }
            w.reset();
            enc.encode(w, fields);
            dec.decode(w.buf, 0, w.len, f);
            expect(f.toPairs()).toEqual(fields);
            expect(dec.tableSize).toBe(enc.tableSize);
            expect(dec.dynamicCount).toBe(enc.dynamicCount);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
