// The accept guard's view of file descriptors. Node cannot stop accepting on a listening socket,
// and at EMFILE libuv quietly accepts-and-closes with a spare fd of its own, so the server never
// hears of it. Instead the server keeps a reserve below the process's fd limit: the kernel hands
// out the lowest free fd, so an accepted socket whose fd number is at or above `limit - reserve`
// proves every fd below it is taken. Such a connection is closed at once, counted and logged —
// and the reserve stays free for the connections already being served.
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';

/** This process's soft RLIMIT_NOFILE, or 0 when it cannot be read (not Linux) or is unlimited. */
export function softFdLimit(): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
    return m !== null ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The fd number at or above which an accepted connection is dropped (0: no guard). */
export function fdThreshold(limit: number): number {
  if (!(limit > 0)) return 0;
  const reserve = Math.min(256, Math.max(8, Math.floor(limit / 16)));
  return limit > reserve ? limit - reserve : 0;
}

/** The socket's file descriptor, or -1 where Node does not expose one. */
export function socketFd(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' ? fd : -1;
}
