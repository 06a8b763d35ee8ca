// Opening connections to one origin: TCP (node:net) or TLS (node:tls with SNI, an insecure
// switch and session resumption). The Connection that owns the socket stamps the phases from the
// socket's own events ('lookup' → DNS done, 'connect' → TCP done, 'secureConnect' → TLS done) and
// maps failures with toClientError(); this module only decides how to open the socket.
import net from 'node:net';
import tls from 'node:tls';
import type { ResolvedOrigin } from './client-options.js';

/** Reads into a caller-owned buffer: the callback gets (bytesRead, buffer) — see net.connect onread. */
export interface ReadInto {
  buffer: Buffer;
  /** Return false to pause reading. */
  callback: (this: net.Socket, nread: number, buf: Buffer) => boolean;
  /** The last view made of `buffer` (reads of the same length reuse it: no allocation). */
  view?: Buffer;
}

const kDialer = Symbol('fastbench.dialer');

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
  private readonly servername: string | undefined;
  /** True when connecting needs no name resolution (an IP literal or an address override). */
  readonly skipsDns: boolean;

  constructor(private readonly origin: ResolvedOrigin) {
    this.connectHost = origin.address ?? origin.host;
    this.skipsDns = net.isIP(this.connectHost) !== 0;
    const sni = origin.servername ?? origin.host;
    // SNI may not carry an IP literal (RFC 6066 3); Node warns when asked to.
    this.servername = net.isIP(sni) === 0 ? sni : undefined;
  }

  /**
   * Starts a connection. Plain TCP reads into `readInto` (no Buffer allocated per read); TLS
   * sockets deliver 'data' events instead (node:tls has no caller-owned read buffer).
   */
  dial(readInto: ReadInto | undefined): net.Socket {
    const o = this.origin;
    this.dials++;
    if (!o.tls) {
      const opts: net.NetConnectOpts = { host: this.connectHost, port: o.port, noDelay: true };
      if (o.lookup !== undefined) opts.lookup = o.lookup;
      if (readInto !== undefined) opts.onread = readInto;
      const s = net.connect(opts);
      s.setNoDelay(true);
      return s;
    }
    const opts: tls.ConnectionOptions = {
      ...(o.tlsOptions ?? {}),
      host: this.connectHost,
      port: o.port,
      rejectUnauthorized: !o.insecure,
      ALPNProtocols: ['http/1.1'],
    };
    if (this.servername !== undefined) opts.servername = this.servername;
    if (o.lookup !== undefined) opts.lookup = o.lookup;
    if (this.session !== undefined) opts.session = this.session;
    const s = tls.connect(opts) as TaggedSocket;
    s[kDialer] = this;
    s.on('session', onSession);
    s.setNoDelay(true);
    return s;
  }

  /** Called by the connection after a handshake: counts resumed sessions. */
  noteHandshake(s: tls.TLSSocket): void {
    if (s.isSessionReused()) this.resumed++;
  }
}
