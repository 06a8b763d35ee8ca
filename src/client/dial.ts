// Opening connections to one origin: TCP (node:net) or TLS (node:tls with SNI, an insecure
// switch, session resumption, and ALPN offering the protocols it is given, in order). The
// DialAttempt that owns the socket while it opens stamps the phases from the socket's own events
// ('lookup' → DNS done, 'connect' → TCP done, 'secureConnect' → TLS done) and maps failures with
// toClientError(); this module decides how to open the socket, reports which protocol it speaks
// (protocolOf), and routes caller-owned-buffer reads to whichever connection owns the socket.
// Through a proxy it opens the plain socket to the proxy; the DialAttempt speaks the proxy's
// handshake (proxy-tunnel.ts) and then asks for TLS over the tunnel (wrapTls).
import net from 'node:net';
import tls from 'node:tls';
import type { ResolvedOrigin } from './client-options.js';
import type { ProxySpec } from './proxy.js';

/** Reads into a caller-owned buffer: the callback gets (bytesRead, buffer) — see net.connect onread. */
export interface ReadInto {
  buffer: Buffer;
  /** Return false to pause reading. */
  callback: (this: net.Socket, nread: number, buf: Buffer) => boolean;
  /** The last view made of `buffer` (reads of the same length reuse it: no allocation). */
  view?: Buffer;
}

const kDialer = Symbol('fastbench.dialer');
const kInto = Symbol('fastbench.readInto');
const kSink = Symbol('fastbench.sink');

/** Whatever consumes a socket's bytes once it is open (a protocol connection). */
export interface ByteSink {
  onData(chunk: Buffer): void;
}

type ReadSocket = net.Socket & { [kInto]: ReadInto; [kSink]: ByteSink };

/** Routes the reads of a plain socket dialed with `readInto` to `sink` (set when the connection takes the socket over). */
export function setSink(s: net.Socket, sink: ByteSink): void {
  (s as ReadSocket)[kSink] = sink;
}

/**
 * The `onread` callback of plain sockets: a view of the shared buffer (reused while reads keep
 * the same length: no allocation) handed to the socket's sink.
 */
export function onReadInto(this: net.Socket, nread: number, buf: Buffer): boolean {
  const s = this as ReadSocket;
  const into = s[kInto];
  let view = into.view;
  if (view === undefined || view.length !== nread || view.buffer !== buf.buffer) into.view = view = nread === buf.length ? buf : buf.subarray(0, nread);
  s[kSink].onData(view);
  return true;
}

type TaggedSocket = tls.TLSSocket & { [kDialer]?: Dialer };

function onSession(this: TaggedSocket, session: Buffer): void {
  const d = this[kDialer];
  if (d !== undefined) d.session = session;
}

export class Dialer {
  /** The last TLS session ticket the server gave us, offered on the next handshake. */
  session: Buffer | undefined = undefined;
  /** Dials made / TLS handshakes that resumed a session (for tests and stats). */
  dials = 0;
  resumed = 0;
  private readonly connectHost: string;
  private readonly connectPort: number;
  private readonly servername: string | undefined;
  /** True when connecting needs no name resolution (an IP literal or an address override). */
  readonly skipsDns: boolean;
  /** The proxy connections go through (undefined: direct). */
  readonly proxy: ProxySpec | undefined;

  /**
   * @param protocols ALPN ids offered in TLS handshakes, most preferred first; the first one
   * is also what a cleartext connection speaks (there is nothing to negotiate).
   */
  constructor(
    private readonly origin: ResolvedOrigin,
    readonly protocols: readonly string[] = ['http/1.1'],
  ) {
    this.proxy = origin.proxy;
    // Through a proxy the socket goes to the proxy; the origin's name travels in the handshake.
    this.connectHost = this.proxy !== undefined ? this.proxy.host : (origin.address ?? origin.host);
    this.connectPort = this.proxy !== undefined ? this.proxy.port : origin.port;
    this.skipsDns = net.isIP(this.connectHost) !== 0 || origin.connect !== undefined;
    const sni = origin.servername ?? origin.host;
    // SNI may not carry an IP literal (RFC 6066 3); Node warns when asked to.
    this.servername = net.isIP(sni) === 0 ? sni : undefined;
  }

  /**
   * Starts a connection. Plain TCP reads into `readInto` (no Buffer allocated per read); TLS
   * sockets deliver 'data' events instead (node:tls has no caller-owned read buffer). Through a
   * proxy this is the plain socket to the proxy: the DialAttempt speaks the proxy handshake on
   * it, then (https) calls wrapTls().
   */
  dial(readInto: ReadInto | undefined): net.Socket {
    const o = this.origin;
    this.dials++;
    if (o.connect !== undefined) return o.connect(o);
    if (!o.tls || this.proxy !== undefined) {
      const opts: net.NetConnectOpts = { host: this.connectHost, port: this.connectPort, noDelay: true };
      if (o.lookup !== undefined) opts.lookup = o.lookup;
      if (readInto !== undefined) opts.onread = readInto;
      const s = net.connect(opts);
      if (readInto !== undefined) (s as ReadSocket)[kInto] = readInto;
      s.setNoDelay(true);
      return s;
    }
    return this.startTls({ host: this.connectHost, port: o.port });
  }

  /** TLS to the origin over an open tunnel through the proxy. */
  wrapTls(raw: net.Socket): tls.TLSSocket {
    return this.startTls({ socket: raw });
  }

  private startTls(where: tls.ConnectionOptions): tls.TLSSocket {
    const o = this.origin;
    const opts: tls.ConnectionOptions = {
      ...(o.tlsOptions ?? {}),
      ...where,
      rejectUnauthorized: !o.insecure,
      ALPNProtocols: this.protocols as string[],
    };
    if (this.servername !== undefined) opts.servername = this.servername;
    if (o.lookup !== undefined && where.socket === undefined) opts.lookup = o.lookup;
    if (this.session !== undefined) opts.session = this.session;
    const s = tls.connect(opts) as TaggedSocket;
    s[kDialer] = this;
    s.on('session', onSession);
    s.setNoDelay(true);
    return s;
  }

  /**
   * The protocol an open socket speaks: what TLS negotiated by ALPN (false: the server chose
   * none), or in cleartext the configured (first) protocol.
   */
  protocolOf(s: net.Socket): string | false {
    return this.origin.tls ? ((s as tls.TLSSocket).alpnProtocol ?? false) : this.protocols[0]!;
  }

  /** Called after a handshake: counts resumed sessions. */
  noteHandshake(s: tls.TLSSocket): void {
    if (typeof s.isSessionReused === 'function' && s.isSessionReused()) this.resumed++;
  }
}
