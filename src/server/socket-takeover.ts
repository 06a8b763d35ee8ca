// The last step of an HTTP/1.1 Upgrade (connection.ts handOff): once the connection has let go of
// the socket (its listeners, deadlines, read gate and accounting), the route's take-over gets the
// socket and the bytes read after the request.
import type { Socket } from 'node:net';
import type { SocketTakeOver } from './types.js';

/** Runs a take-over on the released socket (resumed after it); its close function, if it gave one. */
export function takeOverSocket(socket: Socket, head: Buffer, fn: SocketTakeOver, onError: (err: unknown) => void): (() => void) | null {
  let close: (() => void) | void = undefined;
  try {
    close = fn(socket, head);
  } catch (err) {
    onError(err);
    socket.destroy();
  }
  if (socket.isPaused() && !socket.destroyed) socket.resume();
  return typeof close === 'function' ? close : null;
}
