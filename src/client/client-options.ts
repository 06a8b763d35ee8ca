// Options shared by the pooled clients, validated once at construction (never per request).
// Durations are milliseconds; 0 turns a timeout off.
import type net from 'node:net';
import type { LookupFunction } from 'node:net';
import tlsModule, { type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { FastbenchError } from '../core/errors.js';
import type { Sweeper } from '../core/sweeper.js';
import { DEFAULT_LIMITS, type HttpLeniency, type HttpLimits } from '../http/limits.js';
import type { ConnectionFactory } from './client-connection.js';
import { type ProxySpec, parseProxyUrl } from './proxy.js';
import type { Request } from './request.js';
import type { Response } from './response.js';

/** Decides whether a failed exchange is tried again on another connection. */
export type RetryIf = (req: Request, res: Response, err: FastbenchError, retries: number) => boolean;

/** What every pooled client takes: the origin, dialing, timeouts and parser settings. */
/** The HTTP version choice of a client (see OriginOptions.protocol). */
export type ProtocolChoice = 'auto' | 'http1' | 'h2';
export const PROTOCOL_CHOICES: readonly ProtocolChoice[] = ['auto', 'http1', 'h2'];

/** Checks a `protocol` option (undefined means 'auto'). */
export function checkProtocolChoice(v: unknown): ProtocolChoice {
  if (v === undefined) return 'auto';
  if (typeof v === 'string' && (PROTOCOL_CHOICES as readonly string[]).includes(v)) return v as ProtocolChoice;
  throw bad('protocol', '"auto", "http1" or "h2"', v);
}

export interface OriginOptions {
  /** "host:port" (fasthttp's Addr); or give host and port. */
  addr?: string;
  host?: string;
  /** Default 80, or 443 with tls. */
  port?: number;
  /** Speak https (node:tls). */
  tls?: boolean;
  /** Host header for requests that name none (default host[:port]). */
  hostHeader?: string;
  /** Connect to this IP instead of resolving `host` (the host still names SNI and the cert). */
  address?: string;
  /** Custom resolver for `host` (node:net lookup signature). */
  lookup?: LookupFunction;
  /** TLS server name (SNI); default `host` unless it is an IP literal. */
  servername?: string;
  /** Accept any certificate (self-signed, expired, wrong name). */
  insecure?: boolean;
  /**
   * Extra node:tls options (ca, cert, key, pfx, passphrase, ciphers, minVersion, maxVersion...).
   * The identity and cipher/version settings are loaded once per pool into a SecureContext (a
   * bad file, key or passphrase fails construction with ERR_TLS_CONFIG, not the first dial).
   */
  tlsOptions?: TlsConnectionOptions;
  /**
   * ALPN protocol ids to offer, most preferred first ("h2", "http/1.1"): chooses the pool's
   * protocols when `protocols` is not given (wins over `protocol`).
   */
  alpn?: readonly string[];
  /**
   * Connect through this proxy (http://[user:pass@]host:port, socks5://, socks5h://, or a
   * parsed ProxySpec): HTTP CONNECT or SOCKS5 is spoken on the socket before TLS or the first
   * request (proxy-tunnel.ts). Undefined: direct.
   */
  proxy?: string | ProxySpec;
  /** Most connections open at once. Default 512. */
  maxConns?: number;
  /** Close connections idle for longer than this. Default 10000. */
  maxIdleConnDuration?: number;
  /** Close connections older than this once their exchange ends. Default 0 (never). */
  maxConnDuration?: number;
  /** TCP connect (DNS included). Default 10000. */
  connectTimeout?: number;
  /** TLS handshake. Default 10000. */
  tlsHandshakeTimeout?: number;
  /** Request written → response complete. Default 0 (none). */
  readTimeout?: number;
  /** Request handed to the socket → flushed to the kernel. Default 0 (none). */
  writeTimeout?: number;
  /** HTTP/2: PING a connection after this long without a frame from the peer (idle pooled ones too). Default 5000; 0 = never. */
  pingInterval?: number;
  /** HTTP/2: a PING not ACKed within this closes the connection (ERR_TIMEOUT_PING, streams on it fail). Default 5000. */
  pingTimeout?: number;
  /** Largest response body, on the wire (chunked: sizes, extensions and CRLFs count). Default 16 MiB. */
  maxResponseBodySize?: number;
  /** Header limits for the response parser (see HttpLimits). */
  limits?: Partial<HttpLimits>;
  /** Bytes read from the socket at a time (one buffer shared by the client's connections). Default 65536. */
  readBufferSize?: number;
  /** Relaxed response parsing for broken servers; each relaxation is counted. */
  lenient?: HttpLeniency;
  /** First delay after a failed dial; doubles per failure, jittered. Default 20. */
  dialBackoffBase?: number;
  /** Longest delay between dials to a failing host. Default 2000. */
  dialBackoffMax?: number;
  /** Deadline sweep period (deadlines are enforced to about this). Default 10. */
  sweepInterval?: number;
  /** Share a sweeper (e.g. one per multi-host Client) instead of making one. */
  sweeper?: Sweeper;
  /**
   * Told when a connection receives bytes with no exchange in flight (a second response to one
   * request, data on an idle connection): the connection is closed, nothing else fails, and this
   * is the one place the event (ERR_HTTP_UNSOLICITED_RESPONSE, bytes read) can be counted.
   */
  onUnsolicited?: (err: FastbenchError, bytes: number) => void;
  /**
   * The protocols connections may speak, most preferred first: offered in this order by TLS
   * ALPN; in cleartext the first is spoken. Default [http1] (HTTP/1.1).
   */
  protocols?: readonly ConnectionFactory[];
  /**
   * Which HTTP version to speak when `protocols` is not given (curl's --http1.1 / --http2):
   * 'auto' (default): ALPN h2 then http/1.1 over TLS, HTTP/1.1 in cleartext; 'http1': HTTP/1.1
   * only; 'h2': ALPN h2 only over TLS, prior knowledge (h2c) in cleartext.
   */
  protocol?: ProtocolChoice;
  /**
   * Opens the socket instead of node:net / node:tls — an in-memory transport for tests and
   * micro-benchmarks (fasthttputil's InmemoryListener), or a custom connector. It returns a
   * net.Socket or a Duplex that behaves like one: emits 'connect' once open ('secureConnect'
   * when `tls` is set), then 'data' / 'end' / 'error' / 'close'. No name lookup is made.
   */
  connect?: (origin: ResolvedOrigin) => net.Socket;
}

export interface ResolvedOrigin {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly hostHeader: string;
  /** "host:port" for messages. */
  readonly where: string;
  readonly address: string | undefined;
  readonly lookup: LookupFunction | undefined;
  readonly servername: string | undefined;
  readonly insecure: boolean;
  readonly tlsOptions: TlsConnectionOptions | undefined;
  /** The proxy connections go through (undefined: direct). */
  readonly proxy: ProxySpec | undefined;
  readonly maxConns: number;
  readonly maxIdleConnDuration: number;
  readonly maxConnDuration: number;
  readonly connectTimeout: number;
  readonly tlsHandshakeTimeout: number;
  readonly readTimeout: number;
  readonly writeTimeout: number;
  readonly pingInterval: number;
  readonly pingTimeout: number;
  readonly limits: HttpLimits;
  readonly readBufferSize: number;
  readonly lenient: HttpLeniency | undefined;
  readonly dialBackoffBase: number;
  readonly dialBackoffMax: number;
  readonly sweepInterval: number;
  readonly onUnsolicited: ((err: FastbenchError, bytes: number) => void) | undefined;
  readonly connect: ((origin: ResolvedOrigin) => net.Socket) | undefined;
}

function bad(name: string, want: string, got: unknown): FastbenchError {
  return new FastbenchError('ERR_CONFIG', `option ${name} must be ${want}, got ${JSON.stringify(got) ?? String(got)}`);
}

/** A duration in ms (>= 0; 0 = off). */
export function durationOpt(o: Record<string, unknown>, name: string, def: number): number {
  const v = o[name];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !(v >= 0)) throw bad(name, 'a duration in milliseconds >= 0', v);
  return v;
}

/** A positive integer count (or Infinity where allowed). */
export function countOpt(o: Record<string, unknown>, name: string, def: number, min = 1, allowInfinity = false): number {
  const v = o[name];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !(v >= min) || (!Number.isInteger(v) && !(allowInfinity && v === Infinity))) {
    throw bad(name, `an integer >= ${min}`, v);
  }
  return v;
}

/** Splits "host:port" / "[v6]:port". */
function parseAddr(addr: string): [string, number | undefined] {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(addr);
  if (m === null) throw bad('addr', '"host:port"', addr);
  return [m[1] ?? m[2]!, m[3] !== undefined ? Number(m[3]) : undefined];
}

export function resolveOrigin(options: OriginOptions): ResolvedOrigin {
  if (options === null || typeof options !== 'object') throw bad('options', 'an object', options);
  const o = options as Record<string, unknown>;
  let host = options.host;
  let port = options.port;
  if (options.addr !== undefined) {
    if (typeof options.addr !== 'string') throw bad('addr', '"host:port"', options.addr);
    const [h, p] = parseAddr(options.addr);
    host = h;
    if (p !== undefined) port = p;
  }
  if (typeof host !== 'string' || host.length === 0) throw bad('host', 'a host name or IP (or give addr)', host);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const tls = options.tls === true;
  if (options.tls !== undefined && typeof options.tls !== 'boolean') throw bad('tls', 'a boolean', options.tls);
  if (port === undefined) port = tls ? 443 : 80;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad('port', 'an integer 1-65535', port);
  const bracketed = host.includes(':') ? `[${host}]` : host;
  const defaultPort = tls ? 443 : 80;
  const hostHeader = options.hostHeader ?? (port === defaultPort ? bracketed : `${bracketed}:${port}`);
  if (typeof hostHeader !== 'string' || /[\r\n\0]/.test(hostHeader)) throw bad('hostHeader', 'a header value', hostHeader);
  if (options.lookup !== undefined && typeof options.lookup !== 'function') throw bad('lookup', 'a function', options.lookup);
  if (options.address !== undefined && typeof options.address !== 'string') throw bad('address', 'an IP address string', options.address);
  const maxBody = options.maxResponseBodySize;
  if (maxBody !== undefined && (typeof maxBody !== 'number' || !(maxBody > 0))) throw bad('maxResponseBodySize', 'a positive number', maxBody);
  const limits: HttpLimits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
  if (maxBody !== undefined) limits.maxBodySize = maxBody;
  for (const [k, v] of Object.entries(limits)) if (typeof v !== 'number' || !(v > 0)) throw bad(`limits.${k}`, 'a positive number', v);
  const base = durationOpt(o, 'dialBackoffBase', 20);
  const max = durationOpt(o, 'dialBackoffMax', 2000);
  const sweepInterval = durationOpt(o, 'sweepInterval', 10);
  if (options.onUnsolicited !== undefined && typeof options.onUnsolicited !== 'function') throw bad('onUnsolicited', 'a function', options.onUnsolicited);
  if (sweepInterval === 0) throw bad('sweepInterval', 'a positive duration', 0);
  if (options.connect !== undefined && typeof options.connect !== 'function') throw bad('connect', 'a function', options.connect);
  const proxy = options.proxy === undefined ? undefined : typeof options.proxy === 'string' ? parseProxyUrl(options.proxy) : options.proxy;
  return Object.freeze({
    host,
    port,
    tls,
    hostHeader,
    where: `${bracketed}:${port}`,
    address: options.address,
    lookup: options.lookup,
    servername: options.servername,
    insecure: options.insecure === true,
    tlsOptions: tls ? loadTlsOptions(options.tlsOptions) : options.tlsOptions,
    proxy,
    maxConns: countOpt(o, 'maxConns', 512),
    maxIdleConnDuration: durationOpt(o, 'maxIdleConnDuration', 10_000),
    maxConnDuration: durationOpt(o, 'maxConnDuration', 0),
    connectTimeout: durationOpt(o, 'connectTimeout', 10_000),
    tlsHandshakeTimeout: durationOpt(o, 'tlsHandshakeTimeout', 10_000),
    readTimeout: durationOpt(o, 'readTimeout', 0),
    writeTimeout: durationOpt(o, 'writeTimeout', 0),
    pingInterval: durationOpt(o, 'pingInterval', 5_000),
    pingTimeout: durationOpt(o, 'pingTimeout', 5_000),
    limits,
    readBufferSize: countOpt(o, 'readBufferSize', 65_536, 512),
    lenient: options.lenient,
    dialBackoffBase: base,
    dialBackoffMax: Math.max(max, base),
    sweepInterval,
    onUnsolicited: options.onUnsolicited,
    connect: options.connect,
  });
}

/** Options that go into a SecureContext (loaded once, not per dial). */
const CONTEXT_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'ciphers', 'minVersion', 'maxVersion', 'crl', 'ecdhCurve', 'sigalgs'] as const;

/**
 * Loads the CA bundle, client identity, ciphers and versions of `o` into one SecureContext
 * (what node:tls would otherwise rebuild on every connect); a bad file, a key that does not
 * match its certificate, a wrong passphrase or an unknown cipher fail here with ERR_TLS_CONFIG.
 */
export function loadTlsOptions(o: TlsConnectionOptions | undefined): TlsConnectionOptions | undefined {
  if (o === undefined || o.secureContext !== undefined) return o;
  if (!CONTEXT_KEYS.some((k) => o[k] !== undefined)) return o;
  try {
    return { ...o, secureContext: tlsModule.createSecureContext(o) };
  } catch (e) {
    const why = (e as Error).message;
    const hint = /mac verify|bad decrypt|maybe wrong password/i.test(why) ? ' (wrong passphrase?)' : /key values mismatch/i.test(why) ? ' (the key does not belong to the certificate)' : '';
    throw new FastbenchError('ERR_TLS_CONFIG', `TLS settings cannot be loaded: ${why}${hint}`, { cause: e });
  }
}
