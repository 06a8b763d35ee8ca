// Misbehaviour on purpose, for testing clients:
//   /fault/reset      RST at once, nothing answered.
//   /fault/close      a head promising Content-Length (?length=1024) then FIN after ?bytes=0 of it
//                     (written in slices as the connection drains: up to 1 GiB costs no memory).
//   /fault/garbage    bytes that are not HTTP, then FIN.
//   /fault/stall      never answers (the client's timeout must fire).
//   /fault/slow-body  a head, then the body (?bytes=16) one byte every ?interval=200 ms.
// and, on ANY route, `?fail=P&fault=reset|close|garbage|stall|500` fails a fraction P of requests
// with that fault (default 500). Draws come from one seeded PRNG per app, so the k-th request that
// carries `fail=` gets the same verdict in every run with the same seed.
import type { Router } from '../router.js';
import type { Handler, ServerRequest, ServerResponse } from '../types.js';
import { PatternBody } from './body-slices.js';
import { Prng } from './prng.js';
import { parseQuery } from './query-string.js';
import { BINARY_HEADERS, TEXT_HEADERS, badRequest, first, intArg, numArg } from './reply.js';

export const FAULTS = ['reset', 'close', 'garbage', 'stall', '500'] as const;
export type FaultKind = (typeof FAULTS)[number];

/** What /fault/garbage sends: no status line a parser could accept. */
export const GARBAGE = Buffer.from('\x00\xffNOT-HTTP garbage \x01\x02\x03 from fastbench\r\n\r\n\x7f', 'latin1');
const INJECTED_BODY = Buffer.from('500 Internal Server Error (injected fault)\n');
const INJECTED_HEADERS: readonly string[] = Object.freeze([...TEXT_HEADERS, 'X-Fastbench-Fault', '500']);

export const reset: Handler = (_req, res) => res.destroy();

export const stall: Handler = () => {
  // Deliberately nothing: the response stays pending until the client gives up.
};

export const garbage: Handler = (_req, res) => {
  res.writeRaw(GARBAGE);
  res.close();
};

export const closeEarly: Handler = (req, res) => {
  const q = parseQuery(req.query);
  const length = intArg(first(q.length), 1024, 1, 1 << 30);
  const sent = intArg(first(q.bytes), 0, 0, length - 1);
  if (Number.isNaN(length) || Number.isNaN(sent)) return badRequest(res, 'length and bytes are integers');
  res.begin(200, BINARY_HEADERS, length);
  new PatternBody(res, 0x2e, sent, 'close').pump();
};

class SlowBody {
  private sent = 0;
  private timer: NodeJS.Timeout | undefined;
  private static readonly DOT = Buffer.from('.');

  constructor(private readonly res: ServerResponse, private readonly total: number, intervalMs: number) {
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  private tick(): void {
    if (this.res.closed) return this.stop();
    this.res.write(SlowBody.DOT);
    if (++this.sent >= this.total) {
      this.res.end();
      this.stop();
    }
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

export const slowBody: Handler = (req, res) => {
  const q = parseQuery(req.query);
  const total = intArg(first(q.bytes), 16, 0, 65536);
  const interval = intArg(first(q.interval), 200, 1, 10_000);
  if (Number.isNaN(total) || Number.isNaN(interval)) return badRequest(res, 'bytes and interval are integers');
  res.begin(200, TEXT_HEADERS, total);
  if (total === 0) res.end();
  else new SlowBody(res, total, interval);
};

/** Applies one fault to a request (the ?fail= verdict). */
export function applyFault(kind: FaultKind, req: ServerRequest, res: ServerResponse): void {
  switch (kind) {
    case 'reset': return reset(req, res, {});
    case 'close':
      res.begin(200, BINARY_HEADERS, 1024);
      return res.close();
    case 'garbage': return garbage(req, res, {});
    case 'stall': return;
    case '500': return res.send(500, INJECTED_BODY, INJECTED_HEADERS);
  }
}

/** `fail=` present as a parameter name (at the start or after '&')? */
function hasFailParam(query: string): boolean {
  return query.startsWith('fail=') || query.includes('&fail=');
}

export class FaultInjector {
  private readonly prng: Prng;
  /** Requests failed so far, by kind (for tests and /__stats). */
  readonly injected: Record<FaultKind, number> = { reset: 0, close: 0, garbage: 0, stall: 0, '500': 0 };

  constructor(seed = 1) {
    this.prng = new Prng(seed);
  }

  /** Returns true when the request was failed (answered by a fault): the caller stops there. */
  maybeFail(req: ServerRequest, res: ServerResponse): boolean {
    if (req.query.length === 0 || !hasFailParam(req.query)) return false;
    const q = parseQuery(req.query);
    const p = numArg(first(q.fail), 0, 0, Infinity);
    if (!(p <= 1)) {
      badRequest(res, 'fail must be a fraction in [0, 1]');
      return true;
    }
    const kind = (first(q.fault) ?? '500') as FaultKind;
    if (!FAULTS.includes(kind)) {
      badRequest(res, `fault must be one of ${FAULTS.join(', ')}`);
      return true;
    }
    // Always draw, so the sequence of verdicts does not depend on the fractions asked for.
    if (!(this.prng.float() < p)) return false;
    this.injected[kind]++;
    applyFault(kind, req, res);
    return true;
  }
}

export function registerFaults(router: Router): void {
  router.all('/fault/reset', reset);
  router.all('/fault/close', closeEarly);
  router.all('/fault/garbage', garbage);
  router.all('/fault/stall', stall);
  router.all('/fault/slow-body', slowBody);
}
