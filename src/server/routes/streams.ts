// Paced streams for timing streamed responses (issue 18). Like the other timing routes these are
// not the hot path: each stream keeps one pending timer at a time (unref'd), and writes as the
// connection drains (res.needsDrain / res.waitDrain). Times are absolute — the k-th piece is due
// at start + first + k × interval — so a late timer never stretches the stream: what is due goes
// out at once.
//   /sse?events=N&interval=10ms&first=0ms — text/event-stream: N events (`id`, `event: tick`,
//     `data: {"i":k}`), the first after `first`, then one every `interval`; then the end.
//   /stream/tokens?n=20&rate=50&first=100ms&format=text|sse — an LLM-like token stream: the head at
//     once, the first token after `first`, then n-1 more at `rate` tokens per second, each in its
//     own chunk (chunked over HTTP/1.1, a DATA frame over HTTP/2); format=sse sends each token as
//     an event (`data: tok`) and a final `data: [DONE]`.
// Durations take a unit (10ms, 1.5s) or are ms; events/n are capped at MAX_STREAM_EVENTS, each
// duration at MAX_DELAY_MS, and a stream's whole length at MAX_STREAM_MS.
import { parseDuration } from '../../core/units.js';
import { checkFlat } from '../../http/response-serializer.js';
import type { Router } from '../router.js';
import type { Handler, ServerResponse } from '../types.js';
import { parseQuery } from './query-string.js';
import { TEXT_HEADERS, badRequest, first, intArg, numArg } from './reply.js';
import { MAX_DELAY_MS } from './timing.js';

export const MAX_STREAM_EVENTS = 100_000;
export const MAX_STREAM_MS = 60_000;

export const SSE_HEADERS: readonly string[] = Object.freeze(['Content-Type', 'text/event-stream', 'Cache-Control', 'no-cache']);
checkFlat(SSE_HEADERS);

/** A duration query value: "10ms", "1.5s", or a bare number of ms. NaN when malformed. */
function durationArg(raw: string | undefined, def: number): number {
  if (raw === undefined || raw === '') return def;
  const ms = /^\d+(?:\.\d+)?$/.test(raw) ? Number(raw) : parseDuration(raw);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return NaN;
  return Math.min(ms, MAX_DELAY_MS);
}

/** What one piece of a stream is. */
interface PieceSource {
  piece(k: number): string;
  /** Written after the last piece (before the end), or ''. */
  readonly tail: string;
}

/** Writes `count` pieces on a schedule, then ends the response. */
class PacedStream {
  private k = 0;
  private startMs = 0;
  private readonly go = (): void => this.catchUp();

  constructor(
    private readonly res: ServerResponse,
    private readonly src: PieceSource,
    private readonly count: number,
    private readonly firstMs: number,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.startMs = Date.now();
    this.schedule();
  }

  private dueAt(k: number): number {
    return this.startMs + this.firstMs + k * this.intervalMs;
  }

  private schedule(): void {
    if (this.k >= this.count) {
      this.finish();
      return;
    }
    const wait = this.dueAt(this.k) - Date.now();
    if (wait <= 0) this.catchUp();
    else setTimeout(this.go, wait).unref();
  }

  /** Writes every piece that is due, pausing when the connection is backed up. */
  private catchUp(): void {
    const res = this.res;
    const now = Date.now();
    while (this.k < this.count && this.dueAt(this.k) <= now) {
      if (res.closed) return;
      if (res.needsDrain) {
        res.waitDrain(this.go);
        return;
      }
      res.write(this.src.piece(this.k));
      this.k++;
    }
    if (res.closed) return;
    this.schedule();
  }

  private finish(): void {
    if (this.res.closed) return;
    if (this.src.tail !== '') this.res.write(this.src.tail);
    this.res.end();
  }
}

const SSE_TICKS: PieceSource = {
  piece: (k) => `id: ${k}\nevent: tick\ndata: {"i":${k}}\n\n`,
  tail: '',
};

const TOKENS_TEXT: PieceSource = { piece: (k) => `tok${k} `, tail: '' };
const TOKENS_SSE: PieceSource = { piece: (k) => `data: tok${k}\n\n`, tail: 'data: [DONE]\n\n' };

export const sse: Handler = (req, res) => {
  const q = parseQuery(req.query);
  const events = intArg(first(q.events), 10, 0, MAX_STREAM_EVENTS);
  const interval = durationArg(first(q.interval), 10);
  const firstMs = durationArg(first(q.first), 0);
  if (Number.isNaN(events) || Number.isNaN(interval) || Number.isNaN(firstMs)) {
    return badRequest(res, 'events is an integer; interval and first are durations (10ms, 1s)');
  }
  const n = cap(events, firstMs, interval);
  res.begin(200, SSE_HEADERS);
  new PacedStream(res, SSE_TICKS, n, firstMs, interval).start();
};

export const tokens: Handler = (req, res) => {
  const q = parseQuery(req.query);
  const n = intArg(first(q.n), 20, 0, MAX_STREAM_EVENTS);
  const rate = numArg(first(q.rate), 50, 0, 1_000_000);
  const firstMs = durationArg(first(q.first), 100);
  const format = first(q.format) ?? 'text';
  if (Number.isNaN(n) || Number.isNaN(rate) || Number.isNaN(firstMs) || rate <= 0) {
    return badRequest(res, 'n is an integer; rate is tokens per second (> 0); first is a duration (100ms)');
  }
  if (format !== 'text' && format !== 'sse') return badRequest(res, 'format is text or sse');
  const interval = 1000 / rate;
  res.begin(200, format === 'sse' ? SSE_HEADERS : TEXT_HEADERS);
  new PacedStream(res, format === 'sse' ? TOKENS_SSE : TOKENS_TEXT, cap(n, firstMs, interval), firstMs, interval).start();
};

/** The pieces that fit in MAX_STREAM_MS. */
function cap(n: number, firstMs: number, intervalMs: number): number {
  if (intervalMs <= 0) return n;
  const fit = Math.floor((MAX_STREAM_MS - firstMs) / intervalMs) + 1;
  return Math.max(0, Math.min(n, fit));
}

export function registerStreams(router: Router): void {
  router.get('/sse', sse);
  router.get('/stream/tokens', tokens);
}
