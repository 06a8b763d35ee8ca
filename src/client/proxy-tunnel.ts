// The proxy handshakes, spoken on the raw socket right after it connects to the proxy and
// before TLS (to the origin, through the tunnel) or the first request:
//
//   HTTP CONNECT (RFC 9110 9.3.6): "CONNECT host:port HTTP/1.1" + Host (+ Proxy-Authorization:
//     Basic when the proxy URL has user:pass); a 2xx answer opens the tunnel. Plain http://
//     targets are tunnelled too (curl sends absolute-form requests instead): our requests are
//     serialized once in origin-form, and a tunnel keeps them byte-identical and the connection
//     reusable. 407 (or 401) → ERR_PROXY_AUTH, any other status → ERR_PROXY_CONNECT with it.
//   SOCKS5 (RFC 1928, user/password RFC 1929): greeting offering "no auth" (and user/password
//     when given), CONNECT by domain name (socks5h://: the proxy resolves it) or by address
//     (socks5://: resolved here first). A reply code ≠ 0 → ERR_SOCKS_CONNECT with it.
//
// A small state machine fed the socket's chunks; nothing here runs per request.
import { FastbenchError } from '../core/errors.js';
import net from 'node:net';
import type { ProxySpec } from './proxy.js';

const enum Step {
  HttpHead = 0,
  SocksMethod = 1,
  SocksAuth = 2,
  SocksReply = 3,
  Done = 4,
}

const SOCKS_REPLIES = [
  'succeeded',
  'general SOCKS server failure',
  'connection not allowed by ruleset',
  'network unreachable',
  'host unreachable',
  'connection refused',
  'TTL expired',
  'command not supported',
  'address type not supported',
];

/** The longest CONNECT answer head we read before calling the proxy broken. */
const MAX_HEAD = 16 * 1024;

export class ProxyTunnel {
  private step: Step;
  private buf: Buffer = Buffer.alloc(0);

  /**
   * @param target the host (name or IP) the proxy should connect to; for socks5:// an IP
   * (the dialer resolves the name before starting).
   */
  constructor(
    readonly proxy: ProxySpec,
    private readonly target: string,
    private readonly port: number,
  ) {
    this.step = proxy.kind === 'http' ? Step.HttpHead : Step.SocksMethod;
  }

  get done(): boolean {
    return this.step === Step.Done;
  }

  /** The first bytes to send once the socket to the proxy is connected. */
  hello(): Buffer {
    const p = this.proxy;
    if (p.kind === 'http') {
      const authority = net.isIPv6(this.target) ? `[${this.target}]:${this.port}` : `${this.target}:${this.port}`;
      let head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`;
      if (p.user !== undefined) head += `Proxy-Authorization: Basic ${Buffer.from(`${p.user}:${p.password ?? ''}`).toString('base64')}\r\n`;
      return Buffer.from(`${head}\r\n`, 'latin1');
    }
    return p.user !== undefined ? Buffer.from([5, 2, 0, 2]) : Buffer.from([5, 1, 0]);
  }

  /**
   * Feeds bytes from the proxy. Returns what to send next (null: nothing, wait for more);
   * throws a FastbenchError when the proxy refuses. Once `done`, `rest` holds bytes that came
   * after the handshake (none from a well-behaved proxy).
   */
  feed(chunk: Buffer): Buffer | null {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    switch (this.step) {
      case Step.HttpHead:
        return this.httpHead();
      case Step.SocksMethod:
        return this.socksMethod();
      case Step.SocksAuth:
        return this.socksAuth();
      case Step.SocksReply:
        return this.socksReply();
      default:
        return null;
    }
  }

  /** Bytes received after the handshake ended. */
  get rest(): Buffer {
    return this.buf;
  }

  private where(): string {
    return `${this.proxy.label} (to ${this.target}:${this.port})`;
  }

  private broken(why: string): FastbenchError {
    return new FastbenchError('ERR_PROXY_PROTOCOL', `proxy ${this.where()}: ${why}`, { phase: 'connect' });
  }

  private httpHead(): Buffer | null {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.buf.length > MAX_HEAD) throw this.broken(`no end of the CONNECT answer in ${MAX_HEAD} bytes`);
      return null;
    }
    const head = this.buf.toString('latin1', 0, end);
    const m = /^HTTP\/1\.[01] (\d{3})(?: ([^\r\n]*))?/.exec(head);
    if (m === null) throw this.broken(`the answer to CONNECT is not HTTP: ${JSON.stringify(head.slice(0, 60))}`);
    const status = Number(m[1]);
    // 407 is the standard answer; some proxies (tinyproxy) answer wrong credentials with 401.
    if (status === 407 || status === 401) throw new FastbenchError('ERR_PROXY_AUTH', `proxy ${this.where()} answered ${status} ${m[2] ?? ''}`.trimEnd() + (this.proxy.user === undefined ? ' (no credentials were given)' : ' (the credentials were refused)'), { phase: 'connect' });
    if (status < 200 || status > 299) throw new FastbenchError('ERR_PROXY_CONNECT', `proxy ${this.where()} answered CONNECT with ${status} ${m[2] ?? ''}`.trimEnd(), { phase: 'connect' });
    this.buf = this.buf.subarray(end + 4);
    this.step = Step.Done;
    return null;
  }

  private socksMethod(): Buffer | null {
    if (this.buf.length < 2) return null;
    if (this.buf[0] !== 5) throw this.broken(`not a SOCKS5 server (version byte ${this.buf[0]})`);
    const method = this.buf[1]!;
    this.buf = this.buf.subarray(2);
    if (method === 0xff) {
      throw new FastbenchError('ERR_PROXY_AUTH', `SOCKS5 proxy ${this.where()} accepts none of the offered methods (${this.proxy.user !== undefined ? 'none, user/password' : 'none: give user:pass in the proxy URL'})`, { phase: 'connect' });
    }
    if (method === 2) {
      if (this.proxy.user === undefined) throw this.broken('chose user/password authentication, which was not offered');
      const u = Buffer.from(this.proxy.user);
      const p = Buffer.from(this.proxy.password ?? '');
      this.step = Step.SocksAuth;
      return Buffer.concat([Buffer.from([1, u.length]), u, Buffer.from([p.length]), p]);
    }
    if (method !== 0) throw this.broken(`chose authentication method ${method}, which was not offered`);
    this.step = Step.SocksReply;
    return this.socksRequest();
  }

  private socksAuth(): Buffer | null {
    if (this.buf.length < 2) return null;
    const status = this.buf[1]!;
    this.buf = this.buf.subarray(2);
    if (status !== 0) throw new FastbenchError('ERR_PROXY_AUTH', `SOCKS5 proxy ${this.where()} refused the user name and password (status ${status})`, { phase: 'connect' });
    this.step = Step.SocksReply;
    return this.socksRequest();
  }

  private socksRequest(): Buffer {
    const port = Buffer.from([this.port >> 8, this.port & 0xff]);
    const family = net.isIP(this.target);
    let addr: Buffer;
    if (family === 4) addr = Buffer.from([1, ...this.target.split('.').map(Number)]);
    else if (family === 6) addr = Buffer.concat([Buffer.from([4]), ipv6Bytes(this.target)]);
    else {
      const name = Buffer.from(this.target);
      if (name.length > 255) throw new FastbenchError('ERR_CONFIG', `host name too long for SOCKS5: ${this.target}`);
      addr = Buffer.concat([Buffer.from([3, name.length]), name]);
    }
    return Buffer.concat([Buffer.from([5, 1, 0]), addr, port]);
  }

  private socksReply(): Buffer | null {
    const b = this.buf;
    if (b.length < 5) return null;
    if (b[0] !== 5) throw this.broken(`bad SOCKS5 reply version ${b[0]}`);
    const rep = b[1]!;
    if (rep !== 0) {
      const what = SOCKS_REPLIES[rep] ?? 'unknown reply';
      throw new FastbenchError('ERR_SOCKS_CONNECT', `SOCKS5 proxy ${this.where()} replied ${rep} (${what})`, { phase: 'connect' });
    }
    const atyp = b[3];
    const len = atyp === 1 ? 4 : atyp === 4 ? 16 : atyp === 3 ? 1 + b[4]! : -1;
    if (len < 0) throw this.broken(`bad address type ${atyp} in the SOCKS5 reply`);
    const total = 4 + len + 2;
    if (b.length < total) return null;
    this.buf = b.subarray(total);
    this.step = Step.Done;
    return null;
  }
}

/** The 16 bytes of an IPv6 address (with :: and an embedded IPv4 tail). */
export function ipv6Bytes(ip: string): Buffer {
  let text = ip.replace(/%.*$/, '');
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4 !== null) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  const head = halves[0] !== '' ? halves[0]!.split(':') : [];
  const tail = halves.length > 1 && halves[1] !== '' ? halves[1]!.split(':') : [];
  const zeros = halves.length > 1 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...new Array<string>(Math.max(0, zeros)).fill('0'), ...tail];
  const out = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) out.writeUInt16BE(parseInt(groups[i] ?? '0', 16) & 0xffff, i * 2);
  return out;
}
