// One connection being opened: DNS, TCP connect, TLS handshake — whatever the protocol will be.
// It owns the socket until it opens, stamps the dial phases, enforces connectTimeout and
// tlsHandshakeTimeout (and the deadline of the exchange it was dialed for) from the pool's
// sweep, and maps socket failures to typed errors. Once open it reports the protocol the socket
// speaks (dialer.protocolOf) and the pool hands the socket to that protocol's factory; from then
// on the attempt is done and its listeners are gone.
//
// Through a proxy, the socket first connects to the proxy and the attempt speaks the proxy's
// handshake on it (Tunnel: HTTP CONNECT or SOCKS5, proxy-tunnel.ts) — still the connect phase,
// under connectTimeout — then, for https, TLS to the origin runs over the tunnel.
//
// Lifecycle: Dialing → (Tunnel) → (Tls) → Done. fail() is the one way to Done without a connection.
import { lookup as dnsLookup } from 'node:dns';
import net from 'node:net';
import type tls from 'node:tls';
import { nowMs } from '../core/clock.js';
import { FastbenchError } from '../core/errors.js';
import { Phase, timeoutError, toClientError } from './client-errors.js';
import type { ResolvedOrigin } from './client-options.js';
import type { Dialer, ReadInto } from './dial.js';
import { ProxyTunnel } from './proxy-tunnel.js';
import type { Response } from './response.js';

/** What a dial reports to: the pool that started it. */
export interface DialOwner {
  readonly origin: ResolvedOrigin;
  readonly dialer: Dialer;
  readonly readInto: ReadInto | undefined;
  /** The socket is open (TLS handshake done); `d.protocol` says what it speaks. The owner calls handOff() or fail(). */
  dialOpened(d: DialAttempt, now: number): void;
  /** The dial failed (or was aborted); its bound exchange, if any, is still on it. */
  dialFailed(d: DialAttempt, err: FastbenchError): void;
  /** The exchange the dial was for passed its deadline (the dial goes on for whoever waits next). */
  dialExpired(d: DialAttempt, res: Response, err: FastbenchError, now: number): void;
}

const enum DialState {
  Dialing = 0,
  Tls = 1,
  Done = 2,
  /** Connected to the proxy, speaking its handshake. */
  Tunnel = 3,
}

const kDial = Symbol('fastbench.dial');
type Tagged = net.Socket & { [kDial]: DialAttempt | undefined };

// Shared listeners (`this` is the socket), not closures per dial.
function onLookup(this: Tagged): void {
  const d = this[kDial];
  if (d !== undefined) d.dnsAt = nowMs();
}
function onConnect(this: Tagged): void {
  this[kDial]?.onConnect();
}
function onSecureConnect(this: Tagged): void {
  this[kDial]?.onSecure();
}
function onDialError(this: Tagged, err: Error): void {
  const d = this[kDial];
  if (d !== undefined) d.fail(toClientError(err, d.phase(), d.owner.origin.where));
}
function onDialClose(this: Tagged): void {
  this[kDial]?.fail(null);
}
function onTunnelData(this: Tagged, chunk: Buffer): void {
  this[kDial]?.onTunnelData(chunk);
}
/** The raw socket under a TLS tunnel: its failures surface on the TLS socket. */
function ignoreError(): void {}

export class DialAttempt {
  readonly owner: DialOwner;
  /** The socket the connection will use (through a proxy with TLS: the TLS socket over `raw`). */
  socket: net.Socket;
  /** The socket to the proxy, when there is one. */
  private raw: net.Socket | undefined;
  private tunnel: ProxyTunnel | undefined;
  /** nowMs() when the dial started. */
  readonly start: number;
  private state = DialState.Dialing;
  dnsAt = 0;
  connectAt = 0;
  tlsAt = 0;
  /** The exchange this dial is for, sent once the connection opens (null: it went elsewhere or expired). */
  bound: Response | null;
  /** Owner bookkeeping: index in the owner's list of dials. */
  ownerIndex = -1;
  /** What the open socket speaks: the ALPN answer (false: none) or, in cleartext, the configured protocol. */
  protocol: string | false = false;

  /** Starts dialing. Throws what node:net/tls refuse synchronously (a bad CA, say). */
  constructor(owner: DialOwner, bound: Response | null, now: number) {
    this.owner = owner;
    this.bound = bound;
    this.start = now;
    const o = owner.origin;
    const s = owner.dialer.dial(o.tls ? undefined : owner.readInto) as Tagged;
    s[kDial] = this;
    this.socket = s;
    s.on('lookup', onLookup);
    s.on('connect', onConnect);
    if (o.tls && owner.dialer.proxy === undefined) s.on('secureConnect', onSecureConnect);
    s.on('error', onDialError);
    s.on('close', onDialClose);
  }

  /** The phase a failure now would be blamed on. */
  phase(): Phase {
    if (this.state === DialState.Tls) return Phase.Tls;
    if (this.state === DialState.Tunnel) return Phase.Connect;
    return this.dnsAt === 0 && !this.owner.dialer.skipsDns ? Phase.Dns : Phase.Connect;
  }

  onConnect(): void {
    if (this.state !== DialState.Dialing) return;
    if (this.owner.dialer.proxy !== undefined && this.owner.origin.connect === undefined) return this.startTunnel();
    this.connectAt = nowMs();
    if (this.owner.origin.tls) this.state = DialState.Tls;
    else this.opened(this.connectAt);
  }

  /** Connected to the proxy: resolve the target first for socks5:// (local DNS), then say hello. */
  private startTunnel(): void {
    this.state = DialState.Tunnel;
    const o = this.owner.origin;
    const proxy = this.owner.dialer.proxy!;
    const target = o.address ?? o.host;
    if (proxy.kind === 'socks5' && net.isIP(target) === 0) {
      const lookup = o.lookup ?? (dnsLookup as unknown as net.LookupFunction);
      lookup(target, {}, (err, address) => {
        if (this.state !== DialState.Tunnel) return;
        if (err !== null) return this.fail(toClientError(err, Phase.Dns, o.where));
        const a = Array.isArray(address) ? (address[0] as { address: string } | undefined)?.address : address;
        if (a === undefined) return this.fail(new FastbenchError('ERR_DNS_NOT_FOUND', `no address for ${target}`, { phase: 'dns' }));
        this.sayHello(new ProxyTunnel(proxy, a, o.port));
      });
      return;
    }
    this.sayHello(new ProxyTunnel(proxy, target, o.port));
  }

  private sayHello(t: ProxyTunnel): void {
    this.tunnel = t;
    this.socket.on('data', onTunnelData);
    this.socket.write(t.hello());
  }

  onTunnelData(chunk: Buffer): void {
    const t = this.tunnel;
    if (this.state !== DialState.Tunnel || t === undefined) return;
    let reply: Buffer | null;
    try {
      reply = t.feed(chunk);
    } catch (e) {
      return this.fail(e as FastbenchError);
    }
    if (reply !== null) this.socket.write(reply);
    if (!t.done) return;
    const raw = this.socket;
    raw.removeListener('data', onTunnelData);
    if (t.rest.length > 0) return this.fail(new FastbenchError('ERR_PROXY_PROTOCOL', `proxy ${t.proxy.label} sent ${t.rest.length} bytes past the end of its handshake`, { phase: 'connect' }));
    const now = nowMs();
    this.connectAt = now;
    if (!this.owner.origin.tls) return this.opened(now);
    // TLS to the origin through the tunnel: the TLS socket becomes the attempt's socket.
    this.state = DialState.Tls;
    this.raw = raw;
    raw.removeListener('error', onDialError);
    raw.on('error', ignoreError);
    const s = this.owner.dialer.wrapTls(raw) as unknown as Tagged;
    s[kDial] = this;
    this.socket = s;
    s.on('secureConnect', onSecureConnect);
    s.on('error', onDialError);
    s.on('close', onDialClose);
  }

  onSecure(): void {
    if (this.state === DialState.Done) return;
    const now = nowMs();
    if (this.connectAt === 0) this.connectAt = now;
    this.tlsAt = now;
    this.owner.dialer.noteHandshake(this.socket as tls.TLSSocket);
    this.opened(now);
  }

  private opened(now: number): void {
    this.protocol = this.owner.dialer.protocolOf(this.socket);
    this.owner.dialOpened(this, now);
  }

  /** The connection takes the socket over: the dial's listeners go (its own are added by the factory). */
  handOff(): void {
    this.state = DialState.Done;
    const s = this.socket as Tagged;
    s[kDial] = undefined;
    s.removeListener('lookup', onLookup);
    s.removeListener('connect', onConnect);
    s.removeListener('secureConnect', onSecureConnect);
    s.removeListener('error', onDialError);
    s.removeListener('close', onDialClose);
    const raw = this.raw as Tagged | undefined;
    if (raw !== undefined) {
      raw[kDial] = undefined;
      raw.removeListener('lookup', onLookup);
      raw.removeListener('connect', onConnect);
      raw.removeListener('close', onDialClose);
    }
  }

  /** Puts the dial phases on the exchange it was dialed for (ms; 0 for phases not gone through). */
  stamp(res: Response): void {
    const start = this.start;
    const connectFrom = this.dnsAt !== 0 ? this.dnsAt : start;
    res._dns = this.dnsAt !== 0 ? this.dnsAt - start : 0;
    res._connect = this.connectAt - connectFrom;
    res._tls = this.tlsAt !== 0 ? this.tlsAt - this.connectAt : 0;
  }

  /** Gives up: destroys the socket and tells the owner. `reason` null: the socket closed on its own. */
  fail(reason: FastbenchError | null): void {
    if (this.state === DialState.Done) return;
    this.state = DialState.Done;
    (this.socket as Tagged)[kDial] = undefined;
    this.socket.destroy();
    if (this.raw !== undefined) {
      (this.raw as Tagged)[kDial] = undefined;
      this.raw.destroy();
    }
    const where = this.owner.origin.where;
    this.owner.dialFailed(this, reason ?? new FastbenchError('ERR_CONN_CLOSED_EARLY', `connection to ${where} closed while connecting`, { phase: 'connect' }));
  }

  /** The deadline of the bound exchange, connectTimeout and tlsHandshakeTimeout. */
  sweep(now: number): void {
    if (this.state === DialState.Done) return;
    const b = this.bound;
    if (b !== null && now >= b._deadline) {
      this.bound = null;
      this.owner.dialExpired(this, b, timeoutError(this.phase(), 'request deadline'), now);
    }
    const o = this.owner.origin;
    if (this.state === DialState.Dialing || this.state === DialState.Tunnel) {
      if (o.connectTimeout > 0 && now - this.start >= o.connectTimeout) this.fail(timeoutError(this.phase(), `connectTimeout of ${o.connectTimeout} ms`));
    } else if (this.state === DialState.Tls) {
      if (o.tlsHandshakeTimeout > 0 && now - this.connectAt >= o.tlsHandshakeTimeout) this.fail(timeoutError(Phase.Tls, `tlsHandshakeTimeout of ${o.tlsHandshakeTimeout} ms`));
    }
  }
}
