// What an HTTP/1 connection (connection.ts) and the HTTP/2 connection it may hand its socket to
// (h2/connection.ts) need from the server: resolved limits and timeouts, the dispatcher, counters,
// the coarse clock, and the shared read buffer and read turns.
import type { Connection } from './connection.js';
import type { ParserOptions } from '../http/limits.js';
import type { ReadTurns } from './read-turns.js';
import type { ServerCounters } from './server-stats.js';
import type { RequestDispatcher, ServerRequest } from './types.js';

/** Limits and timeouts a connection applies (resolved by the server; 0 = off). */
export interface ConnectionSettings {
  readTimeout: number;
  writeTimeout: number;
  idleTimeout: number;
  /** How long a closed-by-us connection may linger (reading and dropping) before it is destroyed. */
  lingerTimeout: number;
  maxRequestsPerConn: number;
  /** Unanswered requests per connection before reading pauses. */
  maxPipeline: number;
  parser: ParserOptions;
  /** Write the batch buffer itself when the kernel takes it whole (plain TCP only). */
  zeroCopy: boolean;
  /** Unsent output bytes above which a connection stops reading requests and streams wait. */
  outputHighWater: number;
}

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly settings: ConnectionSettings;
  readonly dispatcher: RequestDispatcher;
  readonly counters: ServerCounters;
  /** Coarse clock (ms, monotonic), refreshed by the sweep. */
  readonly now: number;
  /** The same instant as wall-clock epoch ms (for Date lines). */
  readonly epochNow: number;
  readonly draining: boolean;
  /** One buffer every plain-TCP connection reads into (see user-buffer-reads.ts), or null. */
  readonly readBuffer: Buffer | null;
  /** Fair reading: a connection that read a lot in one go yields its turn (read-turns.ts). */
  readonly readTurns: ReadTurns;
  /** HTTP/2 is on: plain connections opening with the client preface are served as h2c. */
  readonly http2: boolean;
  connectionClosed(conn: Connection): void;
  /**
   * `conn` handed its socket to an upgrade handler: no longer served (nor counted against the
   * concurrency cap); `close` (when given) ends the session gracefully at shutdown.
   */
  connectionUpgraded(conn: Connection, close: (() => void) | null): void;
  /** A handler (req given) or our own request handling (no req) threw. */
  handlerError(err: unknown, req: ServerRequest | undefined): void;
}

/** What a connection speaks: HTTP/1.1, decided by its first bytes (h2c preface or not), or HTTP/2 (ALPN h2). */
export const enum ConnMode {
  Http1 = 0,
  Sniff = 1,
  Http2 = 2,
}
