// Routes that take their time. These are not the hot path: one timer per request is fine here.
// Every late write first checks res.closed (the client may have gone).
// /delay/:ms — the echo document after ms (capped at 10 s).
// /stream/:n — a chunked response of n JSON lines (n capped at 1000), one chunk per line.
// /drip?numbytes=10&duration=2&delay=0&code=200 — after `delay` seconds, a Content-Length framed
//   body of `numbytes` '*' bytes spread evenly over `duration` seconds (both capped at 10 s;
//   numbytes at 10 MiB; at most one write per 10 ms).
// All of them write as the connection drains (res.needsDrain / res.waitDrain): a client that
// does not read holds at most the connection's output high-water mark in server memory.
import type { Router } from '../router.js';
import type { Handler, ServerResponse } from '../types.js';
import { writePattern } from './body-slices.js';
import { echoRequest, sendEcho } from './echo.js';
import { parseQuery } from './query-string.js';
import { BINARY_HEADERS, JSON_HEADERS, badRequest, first, intArg, numArg } from './reply.js';

export const MAX_DELAY_MS = 10_000;
export const MAX_STREAM_LINES = 1000;
export const MAX_DRIP_BYTES = 10 * 1024 * 1024;
const DRIP_TICK_MS = 10;

function later(ms: number, fn: () => void): void {
  const t = setTimeout(fn, ms);
  t.unref();
}

export const delay: Handler = (req, res, params) => {
  const ms = params.ms as number;
  if (!Number.isInteger(ms) || ms < 0) return badRequest(res, 'ms must be a non-negative integer');
  const wait = Math.min(ms, MAX_DELAY_MS);
  const doc = { delayMs: wait, ...echoRequest(req) };
  later(wait, () => {
    if (!res.closed) sendEcho(res, doc);
  });
};

export const stream: Handler = (req, res, params) => {
  const n = params.n as number;
  if (!Number.isInteger(n) || n < 0) return badRequest(res, 'n must be a non-negative integer');
  const lines = Math.min(n, MAX_STREAM_LINES);
  res.begin(200, JSON_HEADERS);
  new LineStream(res, lines, JSON.stringify(req.target)).pump();
};

/** /stream's lines, one chunk each, written while the connection takes them. */
class LineStream {
  private i = 0;
  private readonly go = (): void => this.pump();

  constructor(private readonly res: ServerResponse, private readonly lines: number, private readonly url: string) {}

  pump(): void {
    const res = this.res;
    while (this.i < this.lines) {
      if (res.closed) return;
      if (res.needsDrain) {
        res.waitDrain(this.go);
        return;
      }
      res.write(`{"id":${this.i},"url":${this.url}}\n`);
      this.i++;
    }
    res.end();
  }
}

class Drip {
  private sent = 0;
  /** Bytes that should be out by now (written as the connection takes them). */
  private due = 0;
  private step = 0;
  private readonly go = (): void => this.catchUp();
  private readonly steps: number;
  private readonly startMs: number;

  constructor(private readonly res: ServerResponse, private readonly total: number, private readonly durationMs: number) {
    this.steps = durationMs <= 0 || total === 0 ? 1 : Math.max(1, Math.min(total, Math.floor(durationMs / DRIP_TICK_MS)));
    this.startMs = Date.now();
  }

  /** The k-th write happens k/S of the way through the duration: the last one at its end. */
  start(): void {
    this.schedule();
  }

  private schedule(): void {
    const next = this.startMs + (this.durationMs * (this.step + 1)) / this.steps;
    const wait = next - Date.now();
    if (wait <= 0) this.tick();
    else later(wait, () => this.tick());
  }

  private tick(): void {
    if (this.res.closed) return;
    this.step++;
    // After step k of S, floor(total * k / S) bytes are out: evenly spread, exact at the end.
    this.due = Math.floor((this.total * this.step) / this.steps);
    this.catchUp();
  }

  /** Writes what is due in slices; waits for the connection to drain when it must. */
  private catchUp(): void {
    const res = this.res;
    this.sent += writePattern(res, 0x2a, this.due - this.sent);
    if (res.closed) return;
    if (this.sent < this.due) {
      res.waitDrain(this.go);
      return;
    }
    if (this.step >= this.steps) res.end();
    else this.schedule();
  }
}

export const drip: Handler = (req, res) => {
  const q = parseQuery(req.query);
  const total = intArg(first(q.numbytes), 10, 0, MAX_DRIP_BYTES);
  const durationS = numArg(first(q.duration), 2, 0, MAX_DELAY_MS / 1000);
  const delayS = numArg(first(q.delay), 0, 0, MAX_DELAY_MS / 1000);
  const code = intArg(first(q.code), 200, 0, 999);
  if (Number.isNaN(total) || Number.isNaN(durationS) || Number.isNaN(delayS)) {
    return badRequest(res, 'numbytes is an integer; duration and delay are seconds');
  }
  if (code < 200 || code > 599 || code === 204 || code === 304) return badRequest(res, 'code must be 200-599 and allow a body');
  const start = (): void => {
    if (res.closed) return;
    res.begin(code, BINARY_HEADERS, total);
    new Drip(res, total, total === 0 ? 0 : durationS * 1000).start();
  };
  if (delayS > 0) later(delayS * 1000, start);
  else start();
};

export function registerTiming(router: Router): void {
  router.all('/delay/:ms<int>', delay);
  router.get('/stream/:n<int>', stream);
  router.get('/drip', drip);
}
