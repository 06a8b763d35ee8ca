// The contract between the server's connection loop (server.ts, connection.ts) and the routes
// (router.ts, routes/). Handlers run synchronously inside the parser's onComplete; a handler that
// answers later (a delay, a drip) must copy what it needs from `req` before returning, because
// headers and trailers are views into bytes that the next pipelined request reuses.
import type { Socket } from 'node:net';
import type { HeaderList } from '../http/header-list.js';

export type RouteParams = Record<string, string | number>;

export interface ServerRequest {
  /** Interned for the common methods. */
  readonly method: string;
  /** The request-target exactly as sent (e.g. "/anything/x?a=1"). */
  readonly target: string;
  /** target up to '?' (not percent-decoded). */
  readonly path: string;
  /** target after '?', '' when there is none. */
  readonly query: string;
  /** '2' over HTTP/2 (h2 or h2c). */
  readonly httpVersion: '1.0' | '1.1' | '2';
  /** Valid only during the synchronous part of the handler. */
  readonly headers: HeaderList;
  /** Valid only during the synchronous part of the handler. */
  readonly trailers: HeaderList;
  /** The complete body (an empty Buffer when there is none). Owned: safe to keep. */
  readonly body: Buffer;
  readonly remoteAddress: string;
  /** 0-based index of this request on its connection. */
  readonly seq: number;
  /** HTTP/2 only: the request's pseudo-header fields (:method, :scheme, :authority, :path); valid like `headers`. */
  readonly pseudoHeaders?: HeaderList;
}

export interface ServerResponse {
  /**
   * A complete response with a Content-Length body. `headers` is a flat [name, value, ...] list
   * the handler built from constants or checked with checkFlat (http/response-serializer).
   */
  send(status: number, body?: Buffer | string, headers?: readonly string[]): void;
  /** A complete, prebuilt response (status line to body), written as is. */
  sendRaw(bytes: Buffer): void;
  /**
   * Starts a streamed response: with contentLength >= 0 the body is framed by Content-Length
   * (write exactly that many bytes), else it is sent chunked.
   */
  begin(status: number, headers?: readonly string[], contentLength?: number): void;
  /** Body bytes of a begun response. */
  write(data: Buffer | string): void;
  /** Ends a begun response (trailers only for chunked). */
  end(trailers?: readonly (readonly [string, string])[]): void;
  /** Writes bytes straight to the socket, bypassing framing (fault injection only). */
  writeRaw(bytes: Buffer): void;
  /** Resets the connection (RST) at once: pending responses are lost. */
  destroy(): void;
  /** Flushes what was written and closes the connection (FIN). */
  close(): void;
  /** Closes the connection after this response instead of keeping it alive. */
  setClose(): void;
  /** True once the connection is gone: a late handler should stop writing. */
  readonly closed: boolean;
  /**
   * True when a streaming handler should stop writing for now: the connection already holds
   * more unsent output than its high-water mark, or responses before this one on the
   * connection are still being sent. Large bodies are written in slices, checking this after
   * each, and go on from waitDrain().
   */
  readonly needsDrain: boolean;
  /**
   * Calls `fn` once, when writing may go on (the output fell to the low-water mark and this
   * response is the one being sent). Never called if the connection closes first. One waiter
   * per response; a later call replaces it.
   */
  waitDrain(fn: () => void): void;
  /**
   * HTTP/1.1 only (absent over HTTP/2): takes the connection's socket over for another protocol
   * (an `Upgrade:`). Returns false, changing nothing, unless this request is the one being
   * dispatched, every earlier response is done and the connection is not closing; the handler
   * then answers normally. When true, nothing more is read as HTTP: once the handler returns,
   * `fn` gets the socket and the bytes already read after this request, and owns both (it
   * writes the 101 itself). `fn` may return a function that ends the session at server shutdown.
   */
  upgrade?(fn: SocketTakeOver): boolean;
}

/** Receives an upgraded connection's socket and the bytes read after the upgrade request. */
export type SocketTakeOver = (socket: Socket, head: Buffer) => (() => void) | void;

export type Handler = (req: ServerRequest, res: ServerResponse, params: RouteParams) => void;

/** What the connection loop calls for every complete request. */
export interface RequestDispatcher {
  dispatch(req: ServerRequest, res: ServerResponse): void;
}
