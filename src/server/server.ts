// The bundled test server: a raw `net` (or `tls`) listener speaking HTTP/1.1 through our own
// codec. fasthttp's model: a cap on connections served at once (`concurrency`) with a fast canned
// 503 beyond it, a per-IP cap, a cap on requests per connection, and read/write/idle deadlines
// enforced by ONE coarse sweep per server (no timer per connection or request).
//
// Accept path, for plain TCP and TLS alike: a connection is admitted (fd reserve, concurrency,
// per-IP cap) when the TCP accept happens, before any TLS handshake, so connections that never
// handshake count against the caps and run against handshakeTimeout from accept. TLS is layered
// on the admitted socket here (a net.Server, not tls.Server, which admits only after the
// handshake and gives each socket its own timer).
import net, { type AddressInfo, type Socket } from 'node:net';
import tls from 'node:tls';
import { ByteWriter } from '../core/byte-writer.js';
import { nowMs } from '../core/clock.js';
import { type ErrorCode, FastbenchError } from '../core/errors.js';
import { Sweeper, type Sweepable } from '../core/sweeper.js';
import { DEFAULT_LIMITS } from '../http/limits.js';
import { writeResponseHead } from '../http/response-serializer.js';
import { CapacityGate, type CapacityOptions } from './capacity-gate.js';
import { Connection } from './connection.js';
import { ConnMode, type ConnectionHost, type ConnectionSettings } from './connection-types.js';
import { dateCache } from './date-cache.js';
import { fdThreshold, socketFd, softFdLimit } from './fd-guard.js';
import { ServerCounters, type ServerStats } from './server-stats.js';
import type { RequestDispatcher, ServerRequest } from './types.js';
import { userBufferReads } from './user-buffer-reads.js';
import { FULL_READ, ReadTurns } from './read-turns.js';

export interface ListenInfo {
  /** "http://127.0.0.1:8080" (https with TLS; IPv6 hosts in brackets). */
  url: string;
  port: number;
  host: string;
}

export interface ServerOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. Default 8080. */
  port?: number;
  /** Most connections served at once; beyond it a canned 503 and close. Default 262144. */
  concurrency?: number;
  /** Most open connections from one IP (429 beyond). 0 = no limit (default). */
  maxConnsPerIP?: number;
  /** Requests served on one connection before it is closed. 0 = no limit (default). */
  maxRequestsPerConn?: number;
  /** Most time for one request (head and body) to arrive, from its first byte; for a new connection, from accept. Default 10 s; 0 = none. */
  readTimeout?: number;
  /** TLS: most time from accept to a finished handshake. Default: readTimeout, or 10 s when that is 0; 0 = none. */
  handshakeTimeout?: number;
  /** Most time the client may leave written bytes unread. Default 60 s; 0 = none. */
  writeTimeout?: number;
  /** Most time a keep-alive connection may sit idle between requests. Default 60 s; 0 = none. */
  idleTimeout?: number;
  /** Largest request body on the wire (chunked: sizes, extensions and CRLFs count) (413 beyond). Default 10 MiB. */
  maxRequestBodySize?: number;
  /** Most chunks in one chunked request body (413 beyond). Default 1,048,576. */
  maxChunkCount?: number;
  /** Unsent response bytes per connection above which it stops reading requests and streams wait. Default 1 MiB (at least 64 KiB). */
  outputHighWater?: number;
  /** Largest request head in bytes (431 beyond). Default 16 KiB. */
  maxHeaderBytes?: number;
  /** Most header fields in a request (431 beyond): a guard only, the head is limited by maxHeaderBytes. Default 2000. */
  maxHeaderCount?: number;
  /** Longest request line (414 beyond). Default 8 KiB. */
  maxRequestLineSize?: number;
  /** Unanswered pipelined requests per connection before reading pauses. Default 128. */
  maxPipeline?: number;
  /** How long a connection we closed may linger before it is destroyed. Default 2 s. */
  lingerTimeout?: number;
  /** What answers requests. Default: the bundled app (routes/index.ts). */
  dispatcher?: RequestDispatcher;
  /**
   * issue 18: admit at most this many requests per second (a token bucket); beyond it requests wait
   * in a bounded queue, and get 503 when it is full (capacity-gate.ts). Default: no limit.
   */
  capacity?: CapacityOptions;
  /** Options of the bundled app (used when no dispatcher is given). */
  sitePages?: number;
  siteSeed?: number;
  echoAll?: boolean;
  /**
   * HTTP/2: h2c by prior knowledge on plain connections (the first bytes decide) and h2 by ALPN
   * over TLS (offered before http/1.1). Default true.
   */
  http2?: boolean;
  /** Serve https with this certificate and key (PEM). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  onListen?: (info: ListenInfo) => void;
  /** Called once close() has finished (every connection gone). */
  onShutdown?: () => void;
  /** No log lines at all. */
  quiet?: boolean;
  /** Where log lines go. Default: stderr. */
  log?: (line: string) => void;
  /** Plain TCP: read into one shared buffer instead of a Buffer per read (default true where supported). */
  userBufferReads?: boolean;
  /**
   * The fd limit the accept guard keeps a reserve below (see fd-guard.ts). Default: the process's
   * soft RLIMIT_NOFILE where it can be read (Linux); 0 = no guard.
   */
  fdLimit?: number;
}

const DEFAULT_CONCURRENCY = 256 * 1024;
const DEFAULT_OUTPUT_HIGH_WATER = 1024 * 1024;
/** The low-water mark (half) must not be below a socket's own high-water mark (16 KiB). */
const MIN_OUTPUT_HIGH_WATER = 64 * 1024;
const TIME_ORIGIN = performance.timeOrigin;
const LOG_PERIOD_MS = 60_000;
const OVERLOAD_BODY = 'The server is at its concurrency limit; try again later.\n';
const CANNED_503 = cannedResponse(503, OVERLOAD_BODY, false);
/** After an accept() error the listener is closed (libuv would retry it in a tight loop) and reopened after this backoff, doubling per failure. */
const ACCEPT_BACKOFF_MIN_MS = 50;
const ACCEPT_BACKOFF_MAX_MS = 500;
/** A listener that stayed up this long without an accept error starts over at the shortest backoff. */
const ACCEPT_CALM_MS = 5_000;

/** A TLS connection between accept and the end of its handshake. */
class Handshake {
  /** 0 pending, 1 became a Connection, 2 gone. */
  state = 0;
  socket!: tls.TLSSocket;
  constructor(
    readonly ip: string,
    readonly acceptedAt: number,
    /** Coarse ms; 0 = none. */
    public deadline: number,
  ) {}
}

function cannedResponse(status: number, body: string, withDate: boolean): Buffer {
  const w = new ByteWriter(256);
  writeResponseHead(w, status, ['Content-Type', 'text/plain; charset=utf-8'], {
    bodyLength: Buffer.byteLength(body),
    close: true,
    ...(withDate ? { dateLine: dateCache.get() } : {}),
  });
  w.utf8(body);
  return w.toBuffer();
}

function ms(options: ServerOptions, key: keyof ServerOptions, dflt: number): number {
  const v = options[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new FastbenchError('ERR_CONFIG', `server option ${key} must be a non-negative number, got ${String(v)}`);
  }
  return Math.floor(v);
}

export class FastbenchServer implements ConnectionHost, Sweepable {
  readonly settings: ConnectionSettings;
  readonly counters = new ServerCounters();
  dispatcher: RequestDispatcher;
  readonly readBuffer: Buffer | null;
  readonly readTurns = new ReadTurns();
  now = nowMs();
  epochNow = Date.now();
  draining = false;
  readonly http2: boolean;

  private readonly options: ServerOptions;
  private readonly host: string;
  private readonly port: number;
  private readonly concurrency: number;
  private readonly maxConnsPerIP: number;
  private readonly listener: net.Server;
  private readonly secureContext: tls.SecureContext | null;
  private readonly handshakeTimeout: number;
  private readonly handshakes = new Set<Handshake>();
  private readonly fdThreshold: number;
  private acceptBackoff = ACCEPT_BACKOFF_MIN_MS;
  private acceptPaused = false;
  private acceptResumeTimer: NodeJS.Timeout | undefined;
  private listeningSince = 0;
  private lastAcceptLog = -Infinity;
  private acceptErrorsSinceLog = 0;
  private readonly conns = new Set<Connection>();
  /** Sockets handed to an upgrade handler (WebSocket): outside the cap, ended at shutdown (with their graceful close when given). */
  private readonly upgraded = new Map<Socket, (() => void) | null>();
  private readonly perIp = new Map<string, number>();
  private readonly sweeper: Sweeper;
  private readonly lingering: Socket[] = [];
  private readonly lingerAt: number[] = [];
  private readonly log: (line: string) => void;
  private info: ListenInfo | undefined;
  private closing: Promise<void> | undefined;
  private gate: CapacityGate | undefined;
  private lastOverloadLog = -Infinity;
  private overloadSinceLog = 0;
  private lastHandlerLog = -Infinity;
  private handlerErrorsSinceLog = 0;

  constructor(options: ServerOptions = {}) {
    this.options = options;
    this.host = options.host ?? '127.0.0.1';
    this.port = ms(options, 'port', 8080);
    this.http2 = options.http2 !== false;
    if (this.port > 65535) throw new FastbenchError('ERR_CONFIG', `server option port must be 0-65535, got ${this.port}`);
    this.concurrency = ms(options, 'concurrency', DEFAULT_CONCURRENCY) || DEFAULT_CONCURRENCY;
    this.maxConnsPerIP = ms(options, 'maxConnsPerIP', 0);
    const readTimeout = ms(options, 'readTimeout', 10_000);
    const writeTimeout = ms(options, 'writeTimeout', 60_000);
    const idleTimeout = ms(options, 'idleTimeout', 60_000);
    const lingerTimeout = ms(options, 'lingerTimeout', 2_000);
    this.handshakeTimeout = options.tls !== undefined ? ms(options, 'handshakeTimeout', readTimeout > 0 ? readTimeout : 10_000) : 0;
    this.fdThreshold = fdThreshold(ms(options, 'fdLimit', softFdLimit()));
    this.settings = {
      readTimeout,
      writeTimeout,
      idleTimeout,
      lingerTimeout,
      maxRequestsPerConn: ms(options, 'maxRequestsPerConn', 0),
      maxPipeline: ms(options, 'maxPipeline', 128) || 128,
      parser: {
        limits: {
          maxBodySize: ms(options, 'maxRequestBodySize', 10 * 1024 * 1024) || Infinity,
          maxHeaderBytes: ms(options, 'maxHeaderBytes', DEFAULT_LIMITS.maxHeaderBytes) || DEFAULT_LIMITS.maxHeaderBytes,
          maxHeaderCount: ms(options, 'maxHeaderCount', DEFAULT_LIMITS.maxHeaderCount) || DEFAULT_LIMITS.maxHeaderCount,
          maxRequestLineSize: ms(options, 'maxRequestLineSize', DEFAULT_LIMITS.maxRequestLineSize) || DEFAULT_LIMITS.maxRequestLineSize,
          maxChunkCount: ms(options, 'maxChunkCount', DEFAULT_LIMITS.maxChunkCount) || DEFAULT_LIMITS.maxChunkCount,
        },
      },
      zeroCopy: options.tls === undefined,
      outputHighWater: Math.max(MIN_OUTPUT_HIGH_WATER, ms(options, 'outputHighWater', DEFAULT_OUTPUT_HIGH_WATER) || DEFAULT_OUTPUT_HIGH_WATER),
    };
    // Deadlines are enforced to within a quarter of the shortest one (10-250 ms).
    const shortest = Math.min(...[readTimeout, writeTimeout, idleTimeout, lingerTimeout, this.handshakeTimeout].map((t) => (t > 0 ? t : Infinity)));
    this.sweeper = new Sweeper(Math.max(10, Math.min(250, Math.floor(shortest / 4))));
    this.dispatcher = options.dispatcher ?? UNSET_DISPATCHER;
    this.readBuffer =
      options.tls === undefined && options.userBufferReads !== false && userBufferReads.supported ? Buffer.allocUnsafeSlow(FULL_READ) : null;
    this.log = options.quiet ? () => {} : (options.log ?? ((line) => process.stderr.write(line + '\n')));
    this.secureContext = options.tls !== undefined ? tls.createSecureContext({ cert: options.tls.cert, key: options.tls.key }) : null;
    this.listener = net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: this.readBuffer !== null }, (socket) =>
      this.onConnection(socket),
    );
  }

  /** Starts listening; resolves with the bound URL. */
  async listen(): Promise<ListenInfo> {
    if (this.info !== undefined) return this.info;
    if (this.closing !== undefined) throw new FastbenchError('ERR_SERVER_START', 'the server was closed');
    if (this.dispatcher === UNSET_DISPATCHER) await this.loadDefaultApp();
    // Wrapped only when set: without --capacity the request path has no gate at all.
    if (this.options.capacity !== undefined && this.gate === undefined) {
      this.dispatcher = this.gate = new CapacityGate(this.dispatcher, this.options.capacity, this.counters);
    }
    const listener = this.listener;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(new FastbenchError('ERR_SERVER_START', `cannot listen on ${this.host}:${this.port}: ${err.message}`, { cause: err }));
      };
      listener.once('error', onError);
      listener.listen({ host: this.host, port: this.port }, () => {
        listener.off('error', onError);
        resolve();
      });
    });
    listener.on('error', (err) => this.onListenerError(err));
    listener.on('listening', () => {
      // reopened after an accept failure
      this.acceptPaused = false;
      this.listeningSince = nowMs();
    });
    this.listeningSince = nowMs();
    const addr = listener.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.info = { url: `${this.options.tls ? 'https' : 'http'}://${host}:${addr.port}`, port: addr.port, host: addr.address };
    this.options.onListen?.(this.info);
    return this.info;
  }

  /** The bound address, once listening. */
  get address(): ListenInfo | undefined {
    return this.info;
  }

  /**
   * Graceful shutdown: stop accepting, let in-flight requests finish (their responses say
   * Connection: close), close idle keep-alive connections now, destroy what is left after
   * graceMs. Resolves when every connection is gone.
   */
  close(graceMs = 5_000): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.draining = true;
    this.closing = this.shutdown(graceMs);
    return this.closing;
  }

  stats(): ServerStats {
    const s = this.counters.snapshot();
    if (this.gate !== undefined) s.capacity = this.gate.stats();
    return s;
  }

  private async shutdown(graceMs: number): Promise<void> {
    // Resolves once the listener is closed and every socket it accepted is gone (also when it
    // never listened, or was closed by an accept failure).
    const closed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    if (this.acceptResumeTimer !== undefined) clearTimeout(this.acceptResumeTimer);
    this.acceptResumeTimer = undefined;
    for (const hs of this.handshakes) hs.socket.destroy();
    for (let i = 0; i < this.lingering.length; i++) this.lingering[i]!.destroy();
    this.lingering.length = 0;
    this.lingerAt.length = 0;
    for (const conn of this.conns) conn.drain();
    for (const [socket, close] of this.upgraded) {
      if (close !== null) close();
      else socket.end();
    }
    const timer = setTimeout(() => {
      for (const conn of this.conns) conn.destroy(false);
      for (const socket of this.upgraded.keys()) socket.destroy();
    }, graceMs);
    await closed;
    clearTimeout(timer);
    this.sweeper.stop();
    this.options.onShutdown?.();
  }

  private async loadDefaultApp(): Promise<void> {
    const { createDefaultApp } = await import('./routes/index.js');
    const o = this.options;
    this.dispatcher = createDefaultApp({
      sitePages: o.sitePages,
      siteSeed: o.siteSeed,
      echoAll: o.echoAll,
      secure: o.tls !== undefined,
      stats: () => this.stats(),
    });
  }

  // ---------------------------------------------------------------- connections

  private onConnection(socket: Socket): void {
    const c = this.counters;
    c.total++;
    this.tickClock(nowMs());
    if (this.fdThreshold > 0 && socketFd(socket) >= this.fdThreshold) {
      // Inside the fd reserve: nothing we could answer with is cheaper than closing now.
      socket.on('error', noop);
      socket.destroy();
      this.acceptFailed('EMFILE', 'only the reserve is left below the fd limit');
      return;
    }
    if (this.draining) {
      c.rejected++;
      socket.destroy();
      return;
    }
    if (c.open >= this.concurrency) {
      this.refuse(socket, CANNED_503, 'ERR_SERVER_CONCURRENCY_LIMIT');
      this.overloadSinceLog++;
      if (this.now - this.lastOverloadLog >= LOG_PERIOD_MS) {
        this.log(`fastbench serve: concurrency limit (${this.concurrency}) reached: refused ${this.overloadSinceLog} connection(s) with 503 since the last report`);
        this.lastOverloadLog = this.now;
        this.overloadSinceLog = 0;
      }
      return;
    }
    if (this.maxConnsPerIP > 0) {
      const ip = socket.remoteAddress ?? '';
      const n = this.perIp.get(ip) ?? 0;
      if (n >= this.maxConnsPerIP) {
        this.refuse(socket, cannedResponse(429, 'Too many connections from your IP.\n', true), 'ERR_SERVER_PER_IP_LIMIT');
        return;
      }
      this.perIp.set(ip, n + 1);
    }
    c.open++;
    if (this.secureContext !== null) this.startHandshake(socket);
    else this.conns.add(new Connection(this, socket, this.http2 ? ConnMode.Sniff : ConnMode.Http1));
    this.sweeper.add(this);
  }

  /** Wraps an admitted TCP socket in TLS; it becomes a Connection once the handshake is done. */
  private startHandshake(raw: Socket): void {
    this.counters.handshaking++;
    const ht = this.handshakeTimeout;
    const hs = new Handshake(raw.remoteAddress ?? '', this.now, ht > 0 ? this.now + ht : 0);
    const socket = new tls.TLSSocket(raw, {
      isServer: true,
      secureContext: this.secureContext!,
      ALPNProtocols: this.http2 ? ['h2', 'http/1.1'] : ['http/1.1'],
    });
    hs.socket = socket;
    this.handshakes.add(hs);
    socket.on('error', noop); // a failed handshake: the client sees it; 'close' follows
    socket.once('secure', () => this.handshakeDone(hs));
    socket.once('end', () => {
      if (hs.state === 0) socket.destroy(); // the peer gave up before the handshake (half-open is allowed for HTTP, not here)
    });
    socket.once('close', () => this.handshakeGone(hs));
  }

  private handshakeDone(hs: Handshake): void {
    if (hs.state !== 0) return;
    const socket = hs.socket;
    if (socket.destroyed) return this.handshakeGone(hs);
    hs.state = 1;
    this.handshakes.delete(hs);
    this.counters.handshaking--;
    socket.setNoDelay(true);
    // The first request's read deadline runs from accept, not from the end of the handshake.
    const mode = this.http2 && socket.alpnProtocol === 'h2' ? ConnMode.Http2 : ConnMode.Http1;
    this.conns.add(new Connection(this, socket, mode, hs.acceptedAt));
  }

  private handshakeGone(hs: Handshake): void {
    if (hs.state !== 0) return;
    hs.state = 2;
    this.handshakes.delete(hs);
    const c = this.counters;
    c.handshaking--;
    c.open--;
    this.releaseIp(hs.ip);
  }

  /** A canned answer, then FIN; the socket is read and dropped until the peer closes or lingerTimeout. TLS: just closed (nothing can be said before a handshake). */
  private refuse(socket: Socket, bytes: Buffer, code: ErrorCode): void {
    const c = this.counters;
    c.rejected++;
    c.reject(code);
    if (this.secureContext !== null) {
      socket.on('error', noop);
      socket.destroy();
      return;
    }
    c.bytesOut += bytes.length;
    socket.on('error', noop);
    socket.end(bytes);
    socket.resume();
    this.lingering.push(socket);
    this.lingerAt.push(this.now + (this.settings.lingerTimeout || 1));
    this.sweeper.add(this);
  }

  connectionUpgraded(conn: Connection, close: (() => void) | null): void {
    this.connectionClosed(conn);
    const socket = conn.socket;
    if (socket.destroyed) return;
    this.upgraded.set(socket, close);
    socket.once('close', () => this.upgraded.delete(socket));
    if (this.draining && close !== null) close();
  }

  connectionClosed(conn: Connection): void {
    if (!this.conns.delete(conn)) return;
    this.counters.open--;
    this.releaseIp(conn.remoteAddress);
  }

  private releaseIp(ip: string): void {
    if (this.maxConnsPerIP === 0) return;
    const n = (this.perIp.get(ip) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, n);
  }

  // ---------------------------------------------------------------- accept failures

  /** Counts an accept failure; logs at most once a minute (with how many since the last line). */
  private acceptFailed(code: string, why: string): void {
    const c = this.counters;
    c.acceptErrors++;
    c.reject('ERR_SERVER_FD_EXHAUSTED');
    this.acceptErrorsSinceLog++;
    if (this.now - this.lastAcceptLog < LOG_PERIOD_MS) return;
    this.log(
      `fastbench serve: out of file descriptors (${code}: ${why}): dropped ${this.acceptErrorsSinceLog} connection(s) at accept since the last report; raise the fd limit (ulimit -n) or lower --concurrency`,
    );
    this.lastAcceptLog = this.now;
    this.acceptErrorsSinceLog = 0;
  }

  private onListenerError(err: NodeJS.ErrnoException): void {
    this.tickClock(nowMs());
    const code = err.code ?? '';
    if (code !== 'EMFILE' && code !== 'ENFILE' && err.syscall !== 'accept' && !this.acceptPaused) {
      this.log(`fastbench serve: listener error: ${err.message}`);
      return;
    }
    if (code === 'EMFILE' || code === 'ENFILE') this.acceptFailed(code, err.syscall === 'accept' ? 'accept() failed' : `${err.syscall ?? 'listen'} failed`);
    else this.log(`fastbench serve: listener error: ${err.message}`);
    this.pauseAccepting();
  }

  /**
   * libuv retries a failing accept() in a loop that never yields to JavaScript, so nothing can
   * free an fd: the only way out is to close the listening socket. Connections already accepted
   * are kept; the listener reopens on the same address after a backoff (50 ms doubling to 500 ms).
   */
  private pauseAccepting(): void {
    if (this.draining || this.info === undefined || this.acceptResumeTimer !== undefined) return;
    if (this.now - this.listeningSince >= ACCEPT_CALM_MS) this.acceptBackoff = ACCEPT_BACKOFF_MIN_MS;
    const wait = this.acceptBackoff;
    this.acceptBackoff = Math.min(ACCEPT_BACKOFF_MAX_MS, wait * 2);
    this.acceptPaused = true;
    if (this.listener.listening) this.listener.close();
    this.acceptResumeTimer = setTimeout(() => this.resumeAccepting(), wait);
  }

  private resumeAccepting(): void {
    this.acceptResumeTimer = undefined;
    if (this.draining || this.info === undefined) return;
    this.listener.listen({ host: this.info.host, port: this.info.port });
  }

  handlerError(err: unknown, req: ServerRequest | undefined): void {
    this.handlerErrorsSinceLog++;
    if (this.now - this.lastHandlerLog < LOG_PERIOD_MS) return;
    const more = this.handlerErrorsSinceLog > 1 ? ` (${this.handlerErrorsSinceLog - 1} more since the last report)` : '';
    const e = err as Error;
    const where = req !== undefined ? `handler for ${req.method} ${req.target}` : 'request handling';
    this.log(`fastbench serve: ${where} threw${more}: ${e?.stack ?? String(err)}`);
    this.lastHandlerLog = this.now;
    this.handlerErrorsSinceLog = 0;
  }

  private tickClock(now: number): void {
    this.now = now;
    this.epochNow = TIME_ORIGIN + now;
  }

  /** The sweep: enforces every connection's deadlines and ends lingering refused sockets. */
  sweep(now: number): boolean {
    this.tickClock(now);
    for (const conn of this.conns) conn.sweep(now);
    if (this.handshakes.size > 0) {
      for (const hs of this.handshakes) {
        if (hs.deadline !== 0 && now >= hs.deadline) {
          hs.deadline = 0;
          this.counters.reject('ERR_SERVER_HANDSHAKE_TIMEOUT');
          hs.socket.destroy();
        }
      }
    }
    const l = this.lingering;
    if (l.length > 0) {
      const at = this.lingerAt;
      let k = 0;
      for (let i = 0; i < l.length; i++) {
        const s = l[i]!;
        if (s.destroyed) continue;
        if (now >= at[i]!) {
          s.destroy();
          continue;
        }
        l[k] = s;
        at[k++] = at[i]!;
      }
      l.length = k;
      at.length = k;
    }
    return this.conns.size > 0 || l.length > 0 || this.handshakes.size > 0;
  }
}

function noop(): void {}

const UNSET_DISPATCHER: RequestDispatcher = {
  dispatch(_req, res) {
    res.send(500, 'no dispatcher\n');
  },
};

/** Creates a server; call listen() to start it. */
export function createServer(options: ServerOptions = {}): FastbenchServer {
  return new FastbenchServer(options);
}
