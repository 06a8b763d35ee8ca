// The socket side of a client HTTP/2 connection: the listeners are shared functions (no closures
// per connection) that find their connection through a symbol on the socket; reads come either
// as 'data' events or, for plain TCP dialed with `onread`, through dial.ts's sink.
import type net from 'node:net';
import { FastbenchError } from '../../core/errors.js';
import { Phase, toClientError } from '../client-errors.js';
import type { ClientConnection, ConnectionOwner } from '../client-connection.js';
import type { Response } from '../response.js';
import { setSink } from '../dial.js';

/** What the listeners call on the connection. */
export interface SocketUser {
  readonly owner: ConnectionOwner;
  onChunk(chunk: Buffer): void;
  teardown(reason: FastbenchError | null): void;
}

const kConn = Symbol('fastbench.h2');
type Tagged = net.Socket & { [kConn]: SocketUser };

function onSocketData(this: Tagged, chunk: Buffer): void {
  this[kConn].onChunk(chunk);
}
/** Routes shared-buffer reads (dial.ts setSink) to the connection (its onData is the DATA frame handler). */
class ChunkSink {
  constructor(private readonly conn: SocketUser) {}
  onData(chunk: Buffer): void {
    this.conn.onChunk(chunk);
  }
}
function onSocketError(this: Tagged, err: Error): void {
  const c = this[kConn];
  c.teardown(toClientError(err, Phase.Headers, c.owner.origin.where));
}
function onSocketEnd(this: Tagged): void {
  const c = this[kConn];
  c.teardown(null);
}
function onSocketClose(this: Tagged): void {
  this[kConn].teardown(null);
}

/** Hooks the socket's events to `conn`; `viaSink`: reads arrive through dial.ts's shared buffer. */
export function attachSocket(socket: net.Socket, conn: SocketUser, viaSink: boolean): void {
  const s = socket as Tagged;
  s[kConn] = conn;
  if (viaSink) setSink(s, new ChunkSink(conn));
  else s.on('data', onSocketData);
  s.on('error', onSocketError);
  s.on('end', onSocketEnd);
  s.on('close', onSocketClose);
}

/** process.nextTick target (no closure per call): the connection's batched frames go out. */
export function flushLater(c: { flush(): void }): void {
  c.flush();
}

/** process.nextTick target: a request that could not be sent ends with a typed error. */
export function failUnsent(c: ClientConnection & { readonly owner: ConnectionOwner }, res: Response, e: unknown): void {
  c.owner.exchangeDone(c, res, e instanceof FastbenchError ? e : new FastbenchError('ERR_INTERNAL', String(e), { cause: e }));
}
