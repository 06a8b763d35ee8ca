// /bytes/:n — n deterministic pseudo-random bytes (application/octet-stream), n capped at 100 MiB.
// `?seed=S` (default 0) picks the sequence; the bytes for n are a prefix of the bytes for any
// larger n with the same seed, so a client can verify what it got with pseudoRandomBytes().
// Large bodies are generated and written 64 KiB at a time as the connection drains (never more
// than its output high-water mark ahead of the socket), yielding to the event loop every MiB.
import type { Router } from '../router.js';
import type { Handler, ServerResponse } from '../types.js';
import { Prng } from './prng.js';
import { parseQuery } from './query-string.js';
import { BINARY_HEADERS, badRequest, first, intArg } from './reply.js';

export const MAX_BYTES = 100 * 1024 * 1024;
const BLOCK = 64 * 1024;
const BLOCKS_PER_TURN = 16;

/** The first n bytes of the sequence for `seed` — exactly what /bytes/n?seed=seed sends. */
export function pseudoRandomBytes(seed: number, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  new Prng(seed).fill(out);
  return out;
}

class ByteStream {
  private sent = 0;
  private readonly prng: Prng;
  private readonly go = (): void => this.pump();

  constructor(private readonly res: ServerResponse, private readonly total: number, seed: number) {
    this.prng = new Prng(seed);
  }

  /** Writes up to BLOCKS_PER_TURN blocks while the connection takes them; goes on until done. */
  pump(): void {
    const res = this.res;
    for (let i = 0; i < BLOCKS_PER_TURN; i++) {
      if (res.closed) return;
      const n = Math.min(BLOCK, this.total - this.sent);
      if (n === 0) {
        res.end();
        return;
      }
      if (res.needsDrain) {
        res.waitDrain(this.go);
        return;
      }
      // BLOCK is a multiple of 4, so filling block by block gives the same stream as one fill.
      // A fresh block each time: the connection keeps a written block by reference until sent.
      const block = Buffer.allocUnsafe(n);
      this.prng.fill(block, 0, n);
      res.write(block);
      this.sent += n;
    }
    setImmediate(this.go);
  }
}

export const bytes: Handler = (req, res, params) => {
  const n = params.n as number;
  if (!Number.isInteger(n) || n < 0) return badRequest(res, 'n must be a non-negative integer');
  const seed = intArg(first(parseQuery(req.query).seed), 0, 0, 0xffffffff);
  if (Number.isNaN(seed)) return badRequest(res, 'seed must be an integer');
  const total = Math.min(n, MAX_BYTES);
  if (total <= BLOCK) {
    res.send(200, pseudoRandomBytes(seed, total), BINARY_HEADERS);
    return;
  }
  res.begin(200, BINARY_HEADERS, total);
  new ByteStream(res, total, seed).pump();
};

export function registerBytes(router: Router): void {
  router.get('/bytes/:n<int>', bytes);
}
