// HPACK Huffman coding (RFC 7541 5.2, Appendix B).
//
// The Appendix B code is canonical: sorting the 257 symbols by (code length, symbol) and counting
// up gives exactly the RFC's codes. So the only data here is the code length of each symbol (the
// `len` column of Appendix B); codes, the decoding tree and the decoding table are derived at load.
//
// Decoding is a byte-at-a-time state machine: a state is an internal node of the code tree (256 of
// them); for each (state, input byte) a precomputed entry says which symbols (0, 1 or 2) the byte
// completes, the next state, whether EOS was hit (an error, 5.2) and whether stopping here is
// legal (the bits since the last symbol are at most 7 and all ones — the EOS prefix padding).

/** Appendix B code lengths, symbols 0..255 then EOS (256). */
const CODE_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];

export const HUFFMAN_EOS = 256;

/** Code of each symbol, right-aligned (`HUFFMAN_CODES[s]` has `HUFFMAN_LENGTHS[s]` significant bits). */
export const HUFFMAN_CODES = new Uint32Array(257);
export const HUFFMAN_LENGTHS = new Uint8Array(CODE_LENGTHS);

{
  const order = Array.from({ length: 257 }, (_, s) => s).sort((a, b) => CODE_LENGTHS[a]! - CODE_LENGTHS[b]! || a - b);
  let code = 0;
  let prevLen = CODE_LENGTHS[order[0]!]!;
  for (let i = 0; i < order.length; i++) {
    const s = order[i]!;
    const len = CODE_LENGTHS[s]!;
    if (i > 0) code = (code + 1) * 2 ** (len - prevLen);
    prevLen = len;
    HUFFMAN_CODES[s] = code;
  }
}

// Decoding tree: internal nodes 0..255 (0 = root); child >= 0 is a node, child < 0 is leaf -(sym+1).
const LEFT = new Int16Array(256);
const RIGHT = new Int16Array(256);
/** Bits below this node since the last symbol boundary (= its depth) and whether all were ones. */
const DEPTH = new Uint8Array(256);
const ALL_ONES = new Uint8Array(256);
{
  let nodes = 1;
  ALL_ONES[0] = 1;
  for (let s = 0; s < 257; s++) {
    const len = HUFFMAN_LENGTHS[s]!;
    const code = HUFFMAN_CODES[s]!;
    let node = 0;
    for (let i = len - 1; i >= 0; i--) {
      const bit = Math.floor(code / 2 ** i) & 1;
      const arr = bit === 1 ? RIGHT : LEFT;
      if (i === 0) {
        arr[node] = -(s + 1);
      } else {
        let next = arr[node]!;
        if (next === 0) {
          next = nodes++;
          arr[node] = next;
          DEPTH[next] = DEPTH[node]! + 1;
          ALL_ONES[next] = ALL_ONES[node]! & bit;
        }
        node = next;
      }
    }
  }
}

// Decode table entry: bits 0-7 next state, 8-15 first symbol, 16-23 second symbol,
// 24-25 symbol count, bit 26 EOS seen (fail), bit 27 the next state may end the string.
const F_FAIL = 1 << 26;
const F_ACCEPT = 1 << 27;
let DECODE: Int32Array | undefined;

function buildDecodeTable(): Int32Array {
  const t = new Int32Array(256 * 256);
  for (let state = 0; state < 256; state++) {
    for (let byte = 0; byte < 256; byte++) {
      let node = state;
      let count = 0;
      let syms = 0;
      let fail = 0;
      for (let b = 7; b >= 0; b--) {
        const child = (byte >> b) & 1 ? RIGHT[node]! : LEFT[node]!;
        if (child < 0) {
          const sym = -child - 1;
          if (sym === HUFFMAN_EOS) {
            fail = F_FAIL;
            break;
          }
          syms |= sym << (8 * count);
          count++;
          node = 0;
        } else {
          node = child;
        }
      }
      const accept = node === 0 || (ALL_ONES[node] === 1 && DEPTH[node]! <= 7) ? F_ACCEPT : 0;
      t[(state << 8) | byte] = node | (syms << 8) | (count << 24) | fail | accept;
    }
  }
  return t;
}

/** Huffman-decoding failure reasons (returned as negative numbers by huffmanDecode). */
export const HUFFMAN_ERR_EOS = -1;
export const HUFFMAN_ERR_PADDING = -2;

/**
 * Decodes src[start, end) into out at pos; returns the new end position in out, or
 * HUFFMAN_ERR_EOS / HUFFMAN_ERR_PADDING. out must have room for ceil((end-start)*8/5) bytes.
 */
export function huffmanDecode(src: Uint8Array, start: number, end: number, out: Uint8Array, pos: number): number {
  const t = DECODE ?? (DECODE = buildDecodeTable());
  let state = 0;
  let accept = F_ACCEPT;
  for (let i = start; i < end; i++) {
    const e = t[(state << 8) | src[i]!]!;
    if ((e & F_FAIL) !== 0) return HUFFMAN_ERR_EOS;
    const count = (e >>> 24) & 3;
    if (count !== 0) {
      out[pos++] = (e >>> 8) & 0xff;
      if (count === 2) out[pos++] = (e >>> 16) & 0xff;
    }
    state = e & 0xff;
    accept = e & F_ACCEPT;
  }
  return accept !== 0 ? pos : HUFFMAN_ERR_PADDING;
}

/** Upper bound of the decoded size of n Huffman-coded bytes (shortest code is 5 bits). */
export function huffmanDecodedBound(n: number): number {
  return Math.ceil((n * 8) / 5);
}

/** Encoded size in bytes of a latin1 string (char codes 0-255). */
export function huffmanEncodedLength(s: string): number {
  let bits = 0;
  for (let i = 0; i < s.length; i++) bits += HUFFMAN_LENGTHS[s.charCodeAt(i) & 0xff]!;
  return (bits + 7) >>> 3;
}

/** Encoded size in bytes of src[start, end). */
export function huffmanEncodedLengthOfBytes(src: Uint8Array, start: number, end: number): number {
  let bits = 0;
  for (let i = start; i < end; i++) bits += HUFFMAN_LENGTHS[src[i]!]!;
  return (bits + 7) >>> 3;
}

/** Huffman-encodes a latin1 string into out at pos (room: huffmanEncodedLength); returns the new pos. */
export function huffmanEncode(s: string, out: Uint8Array, pos: number): number {
  let acc = 0;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const sym = s.charCodeAt(i) & 0xff;
    let code = HUFFMAN_CODES[sym]!;
    let len = HUFFMAN_LENGTHS[sym]!;
    if (len > 24) {
      // Keep the accumulator under 31 bits: emit the high part first.
      const hiLen = len - 16;
      acc = (acc << hiLen) | (code >>> 16);
      n += hiLen;
      while (n >= 8) {
        n -= 8;
        out[pos++] = (acc >>> n) & 0xff;
      }
      acc &= (1 << n) - 1;
      code &= 0xffff;
      len = 16;
    }
    acc = (acc << len) | code;
    n += len;
    while (n >= 8) {
      n -= 8;
      out[pos++] = (acc >>> n) & 0xff;
    }
    acc &= (1 << n) - 1;
  }
  // Pad with the most significant bits of EOS (all ones).
  if (n > 0) out[pos++] = ((acc << (8 - n)) | ((1 << (8 - n)) - 1)) & 0xff;
  return pos;
}
