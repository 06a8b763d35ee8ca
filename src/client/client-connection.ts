// The seam between the pools (HostClient, PipelineClient) and a wire protocol. A pool never
// knows which protocol a connection speaks: it dials (dial-attempt.ts), asks the factory of the
// protocol the dial ended up with (ALPN for TLS, the configured one in cleartext) to make a
// ClientConnection from the open socket, and from then on only uses the members below.
//
//   pool                              connection (one class per protocol: h1/, later h2/)
//   ----                              ----------
//   accepts(req) / freeSlots      ←   how many more exchanges it takes now, and the protocol's
//                                     own rules (HTTP/1 pipelining: nothing behind a POST)
//   send(res, now)                →   write the exchange (the caller checked accepts())
//   sweep(now)                    →   check in-flight deadlines; expiries come back through
//                                     owner.exchangeExpired, and the pool decides:
//   abandon(res) / detach(res)    →   give up one exchange (keep reading) / take it out (a
//                                     connection whose inFlight drops on detach — HTTP/2 cancels
//                                     the stream — may serve on; HTTP/1 keeps the slot: closed)
//   retire() / close() / destroy  →   no new exchanges / close quietly / fail all in flight
//   owner.exchangeDone            ←   a response, or a typed error (called outside the parser)
//   owner.connClosed              ←   gone (before its exchanges are failed)
//
// Adding a protocol: a class implementing ClientConnection plus a ConnectionFactory whose
// `protocol` is its ALPN id, listed in the pool's `protocols` option. Nothing in the pools
// changes. A pool's connections all come from the factories it was given; with one protocol
// every connection is one concrete class, so the pool's call sites stay monomorphic.
import type net from 'node:net';
import { FastbenchError } from '../core/errors.js';
import type { ResolvedOrigin } from './client-options.js';
import type { ConnectionUsage } from './connection-usage.js';
import type { ReadInto } from './dial.js';
import type { Request } from './request.js';
import type { Response } from './response.js';

/** One connection to one origin, whatever its protocol. */
export interface ClientConnection {
  /** Pool bookkeeping: index in the pool's connection list (-1 when not in it). */
  ownerIndex: number;
  /** Pool bookkeeping: on the pool's idle stack. */
  idle: boolean;
  /** nowMs() when the dial for this connection started (maxConnDuration counts from it). */
  readonly createdAt: number;
  /** nowMs() of the last exchange completed (or of opening); idle sweeps read it. */
  lastUsedAt: number;
  /** Exchanges occupying a slot (abandoned ones whose late response is still due included). */
  readonly inFlight: number;
  /** Not closed yet. */
  readonly isOpen: boolean;
  /** Open and not retiring: it may take new exchanges (room permitting). */
  readonly usable: boolean;
  /** How many more exchanges it takes now (0 when not usable). */
  readonly freeSlots: number;
  /** May `req` be sent here now (room, and the protocol's rules for what may share it)? */
  accepts(req: Request): boolean;
  /** Writes an exchange. The caller checked accepts(). */
  send(res: Response, now: number): void;
  /** Checks in-flight exchanges against their deadlines (expiries go to owner.exchangeExpired). */
  sweep(now: number): void;
  /** Gives up on an exchange but keeps the connection: its late response is read and dropped within graceMs. */
  abandon(res: Response, graceMs: number, now: number): boolean;
  /** Takes an exchange off the connection so that closing it will not fail that exchange. */
  detach(res: Response): void;
  /** Takes no new exchanges; those in flight finish. */
  retire(): void;
  /** Closes quietly (nothing in flight is expected). */
  close(): void;
  /** Closes and fails everything in flight, the first exchange with `reason`. */
  destroy(reason: FastbenchError | null): void;
}

/** What a connection reports to: the pool that owns it. */
export interface ConnectionOwner {
  readonly origin: ResolvedOrigin;
  /** Shared read buffer for plain TCP connections (undefined: 'data' events). */
  readonly readInto: ReadInto | undefined;
  /** nowMs() of the read whose responses are being delivered (0 outside deliveries). */
  deliveringAt: number;
  /** Connections per protocol and their peak in flight (each connection updates its protocol's record). */
  readonly usage: ConnectionUsage;
  /** An exchange ended. `err` null is a response (any status). Called outside any parser. */
  exchangeDone(conn: ClientConnection, res: Response, err: FastbenchError | null): void;
  /** An exchange passed a deadline (found by sweep at `now`). The owner abandons it or closes the connection. */
  exchangeExpired(conn: ClientConnection, res: Response, err: FastbenchError, now: number): void;
  /** The connection is closed. Called before its exchanges fail. */
  connClosed(conn: ClientConnection): void;
}

/** Per-pool settings a factory gets for every connection it makes (fixed when the pool is built). */
export interface ConnectionSettings {
  /** Most exchanges in flight on one connection (HostClient: 1; PipelineClient: maxPendingRequests). */
  readonly maxInFlight: number;
  /** Batch the writes of one tick (or one read's worth of answers) into one socket write. */
  readonly batchWrites: boolean;
  /** Let non-idempotent requests share a connection with others in flight. */
  readonly pipelineNonIdempotent: boolean;
}

/** Makes the connections of one protocol. */
export interface ConnectionFactory {
  /** The protocol's ALPN id ('http/1.1', 'h2'); offered in this order in TLS handshakes. */
  readonly protocol: string;
  /**
   * A connection over a socket that has just opened (TLS handshake done). It adds its own
   * 'error' / 'close' (and 'end') listeners. A plain TCP socket was dialed reading into the
   * pool's shared buffer (owner.readInto defined, no custom `connect`): call setSink(socket,
   * conn) from dial.ts to receive those reads; otherwise listen for 'data'.
   */
  create(owner: ConnectionOwner, socket: net.Socket, settings: ConnectionSettings, createdAt: number, now: number): ClientConnection;
}

/** Checks a `protocols` option once, at construction. */
export function checkProtocols(v: unknown): readonly ConnectionFactory[] {
  const ok =
    Array.isArray(v) &&
    v.length > 0 &&
    v.every((f: unknown) => f !== null && typeof f === 'object' && typeof (f as ConnectionFactory).protocol === 'string' && (f as ConnectionFactory).protocol.length > 0 && typeof (f as ConnectionFactory).create === 'function');
  if (!ok) throw new FastbenchError('ERR_CONFIG', 'option protocols must be a non-empty array of connection factories ({ protocol, create })');
  return Object.freeze([...(v as ConnectionFactory[])]);
}

/**
 * The factory for a dial's outcome. Cleartext: the first (configured) protocol. TLS: the one the
 * server picked by ALPN; no ALPN answer means HTTP/1.1 (RFC 7301 3.2: the server may ignore the
 * extension). Anything we did not offer, or HTTP/1.1 by default when it was not offered, is
 * ERR_PROTOCOL_UNSUPPORTED.
 */
export function pickFactory(factories: readonly ConnectionFactory[], tls: boolean, negotiated: string | false, where: string): ConnectionFactory {
  if (!tls) return factories[0]!;
  const want = negotiated === false || negotiated === '' ? 'http/1.1' : negotiated;
  for (let i = 0; i < factories.length; i++) if (factories[i]!.protocol === want) return factories[i]!;
  const offered = factories.map((f) => f.protocol).join(', ');
  const got = negotiated === false || negotiated === '' ? 'no ALPN protocol (HTTP/1.1 implied)' : `ALPN protocol "${negotiated}"`;
  return unsupported(`${where} negotiated ${got}; this client speaks ${offered}`);
}

function unsupported(message: string): never {
  throw new FastbenchError('ERR_PROTOCOL_UNSUPPORTED', message, { phase: 'tls' });
}
