// Reads into one reused buffer for accepted TCP sockets, the way `net.connect({ onread })`
// does for client sockets: no Buffer allocated per read, no Readable-stream machinery per chunk.
//
// Node offers `onread` only to sockets it constructs from options; a server's accepted sockets
// are built internally. So this sets the same per-socket fields `onread` sets (found by their
// symbol descriptions on a probe socket) on a socket accepted paused (pauseOnConnect), before
// its first read. Everything is feature-detected once; when anything is missing (another Node
// line, TLS sockets) `supported` is false and the caller uses 'data' events instead. The
// public pause()/resume() keep working: net.Socket handles the user-buffer mode in both.
import net from 'node:net';

interface Fields {
  buffer: symbol;
  callback: symbol;
  generator: symbol;
}

function probe(): Fields | undefined {
  try {
    const s = new net.Socket();
    const bySym = new Map<string, symbol>();
    for (const sym of Object.getOwnPropertySymbols(s)) if (sym.description) bySym.set(sym.description, sym);
    const buffer = bySym.get('kBuffer');
    const callback = bySym.get('kBufferCb');
    const generator = bySym.get('kBufferGen');
    if (buffer === undefined || callback === undefined || generator === undefined) return undefined;
    const rec = s as unknown as Record<symbol, unknown>;
    // Fresh sockets hold null in all three (the documented onread option fills them).
    if (rec[buffer] !== null || rec[callback] !== null || rec[generator] !== null) return undefined;
    s.destroy();
    return { buffer, callback, generator };
  } catch {
    return undefined;
  }
}

const fields = probe();

/** The callback a socket calls with each read: `n` bytes at the start of `buf`. */
export type UserBufferCallback = (n: number, buf: Buffer) => void;

export const userBufferReads = {
  /** Whether this Node line exposes what the fast path needs. */
  supported: fields !== undefined,

  /**
   * Switches a paused, freshly accepted TCP socket to reads into `buffer` (shared: the callback
   * must consume or copy the bytes before returning), then starts reading. Returns false (and
   * changes nothing) when the socket cannot take it; the caller then uses 'data' events.
   */
  attach(socket: net.Socket, buffer: Buffer, callback: UserBufferCallback): boolean {
    if (fields === undefined) return false;
    const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Uint8Array) => void; reading?: boolean } })._handle;
    if (handle === undefined || handle === null || typeof handle.useUserBuffer !== 'function' || handle.reading === true) return false;
    const rec = socket as unknown as Record<symbol, unknown>;
    if (rec[fields.buffer] !== null || rec[fields.generator] !== null) return false;
    handle.useUserBuffer(buffer);
    rec[fields.buffer] = buffer;
    rec[fields.callback] = callback;
    socket.resume();
    return true;
  },

  /**
   * Hands a socket switched by attach() to code that reads it through 'data' events (an upgraded
   * connection's new owner): each read is copied out of the shared buffer and emitted.
   */
  toDataEvents(socket: net.Socket): void {
    if (fields === undefined) return;
    const rec = socket as unknown as Record<symbol, unknown>;
    if (rec[fields.buffer] === null) return;
    rec[fields.callback] = (n: number, buf: Buffer): void => {
      socket.emit('data', Buffer.from(buf.subarray(0, n)));
    };
  },
};
