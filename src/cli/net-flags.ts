// The TLS identity and proxy flags, with curl's names where curl has one, shared by `request`,
// `bench`, `run` and `crawl`:
//
//   --cacert <file>          CA bundle (PEM) instead of the default roots
//   --cert <file[:pass]>     client certificate (PEM), or PKCS#12 with --cert-type P12 (or a
//                            .p12/.pfx name); ":pass" as curl (only when <file> itself does not exist)
//   --cert-type <PEM|P12>    how to read --cert
//   --key <file>             the client certificate's key (PEM)
//   --pass <phrase>          passphrase of the key or PKCS#12
//   --servername <name>      TLS SNI (and the name the certificate must carry)
//   --tlsv1.2 / --tlsv1.3    lowest TLS version; --tls-max <1.2|1.3> the highest
//   --ciphers <list>         OpenSSL cipher list (TLS 1.2 and below)
//   --alpn <list>            ALPN ids to offer, in order (h2,http/1.1)
//   -x, --proxy <url>        http://[user:pass@]host:port, socks5://, socks5h:// (crawl: repeatable)
//   --noproxy <list>         hosts reached directly (as curl; wins over NO_PROXY)
//
// and the environment's http_proxy, https_proxy/HTTPS_PROXY, all_proxy/ALL_PROXY,
// no_proxy/NO_PROXY, read as curl reads them (client/proxy.ts).
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { parseProxyUrl, type ProxySettings } from '../client/proxy.js';
import { FastbenchError } from '../core/errors.js';
import { checkTargetTls } from '../engine/index.js';
import { applyOverrides, type Scenario, type TlsSettings, tlsVersion } from '../scenario/index.js';
import { collect } from './flags.js';

export interface NetFlags {
  cacert?: string;
  cert?: string;
  certType?: string;
  key?: string;
  pass?: string;
  servername?: string;
  'tlsv1.2'?: boolean;
  'tlsv1.3'?: boolean;
  tlsMax?: string;
  ciphers?: string;
  alpn?: string;
  /** One URL (request, bench, run) or several (crawl: repeatable). */
  proxy?: string | string[];
  noproxy?: string;
}

/** Adds the TLS flags (and the proxy flags unless `proxy: false`) to a command. */
export function addNetOptions(cmd: Command, o: { proxyList?: boolean } = {}): Command {
  cmd
    .option('--cacert <file>', 'CA bundle (PEM) to verify the server with, instead of the default roots')
    .option('--cert <file[:pass]>', 'client certificate (PEM, or PKCS#12 with --cert-type P12 / a .p12 or .pfx file) for mutual TLS')
    .option('--cert-type <type>', 'PEM (default) or P12')
    .option('--key <file>', 'private key (PEM) of --cert')
    .option('--pass <phrase>', 'passphrase of --key or of the PKCS#12')
    .option('--servername <name>', 'TLS server name (SNI) to send and verify, instead of the URL\'s host')
    .option('--tlsv1.2', 'TLS 1.2 or later')
    .option('--tlsv1.3', 'TLS 1.3 or later')
    .option('--tls-max <version>', 'highest TLS version: 1.2 or 1.3')
    .option('--ciphers <list>', 'OpenSSL cipher list (TLS 1.2 and below)')
    .option('--alpn <list>', 'ALPN protocols to offer, in order: h2,http/1.1 (default: from --http2/--http1.1)');
  if (o.proxyList === true) cmd.option('-x, --proxy <url>', 'proxy (http://[user:pass@]host:port, socks5://, socks5h://); repeat for a rotating list', collect, [] as string[]);
  else cmd.option('-x, --proxy <url>', 'proxy: http://[user:pass@]host:port (CONNECT), socks5:// or socks5h:// (remote DNS); default: http_proxy/https_proxy');
  cmd.option('--noproxy <list>', 'hosts to reach directly, comma-separated (example.com, .example.com, 10.0.0.0/8, host:port, *); default: NO_PROXY');
  return cmd;
}

/** The proxy-related variables of an environment (only those, so a scenario does not carry the rest). */
export function proxyEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['http_proxy', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY']) {
    const v = env[name];
    if (v !== undefined && v !== '') out[name] = v;
  }
  return out;
}

function readFlagFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new FastbenchError('ERR_USAGE_FILE', `${flag} ${JSON.stringify(path)}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

/** --cert "file[:pass]" → file and passphrase (the split only when "file" as given does not exist). */
function splitCert(text: string): { file: string; pass: string | undefined } {
  if (existsSync(text)) return { file: text, pass: undefined };
  const i = text.lastIndexOf(':');
  if (i > 0 && existsSync(text.slice(0, i))) return { file: text.slice(0, i), pass: text.slice(i + 1) };
  return { file: text, pass: undefined };
}

/** What the TLS flags say, as file paths and values (for a scenario document) — undefined when none is given. */
export interface TlsFlagValues {
  ca?: string;
  cert?: string;
  key?: string;
  pfx?: string;
  passphrase?: string;
  servername?: string;
  minVersion?: string;
  maxVersion?: string;
  ciphers?: string;
  alpn?: string[];
}

export function tlsFlagValues(f: NetFlags): TlsFlagValues | undefined {
  const v: TlsFlagValues = {};
  if (f.cacert !== undefined) v.ca = f.cacert;
  const type = f.certType?.trim().toUpperCase();
  if (type !== undefined && type !== 'PEM' && type !== 'P12') throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--cert-type ${JSON.stringify(f.certType)}: PEM or P12`);
  if (f.cert !== undefined) {
    const { file, pass } = splitCert(f.cert);
    const p12 = type === 'P12' || (type === undefined && /\.(p12|pfx)$/i.test(file));
    if (p12) {
      if (f.key !== undefined) throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--key: a PKCS#12 --cert carries its own key');
      v.pfx = file;
    } else v.cert = file;
    if (pass !== undefined) v.passphrase = pass;
  } else if (type !== undefined) throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--cert-type needs --cert');
  if (f.key !== undefined) {
    if (f.cert === undefined) throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--key needs --cert (the certificate it belongs to)');
    v.key = f.key;
  }
  if (f.pass !== undefined) v.passphrase = f.pass;
  if (f.servername !== undefined) v.servername = f.servername;
  if (f['tlsv1.2'] === true && f['tlsv1.3'] === true) throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--tlsv1.2 and --tlsv1.3 both set the lowest version: give one');
  if (f['tlsv1.3'] === true) v.minVersion = 'TLSv1.3';
  else if (f['tlsv1.2'] === true) v.minVersion = 'TLSv1.2';
  if (f.tlsMax !== undefined) {
    const max = tlsVersion(f.tlsMax);
    if (max === undefined) throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--tls-max ${JSON.stringify(f.tlsMax)}: one of 1.0, 1.1, 1.2, 1.3`);
    if (v.minVersion !== undefined && v.minVersion > max) throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--tls-max ${f.tlsMax} is below the lowest version asked for (${v.minVersion})`);
    v.maxVersion = max;
  }
  if (f.ciphers !== undefined) v.ciphers = f.ciphers;
  if (f.alpn !== undefined) {
    v.alpn = f.alpn.split(',').map((s) => s.trim()).filter((s) => s !== '');
    for (const id of v.alpn) if (id !== 'h2' && id !== 'http/1.1') throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--alpn ${JSON.stringify(f.alpn)}: ${JSON.stringify(id)} is not h2 or http/1.1`);
    if (v.alpn.length === 0 || new Set(v.alpn).size !== v.alpn.length) throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--alpn ${JSON.stringify(f.alpn)}: list h2 and/or http/1.1, once each`);
  }
  return Object.keys(v).length > 0 ? v : undefined;
}

/** The Client options the TLS flags describe (files read now: a missing file is ERR_USAGE_FILE). */
export function tlsClientOptions(f: NetFlags): { tlsOptions?: TlsConnectionOptions; servername?: string; alpn?: string[] } {
  const v = tlsFlagValues(f);
  if (v === undefined) return {};
  const t: TlsConnectionOptions = {};
  if (v.ca !== undefined) t.ca = readFlagFile(v.ca, '--cacert');
  if (v.cert !== undefined) t.cert = readFlagFile(v.cert, '--cert');
  if (v.pfx !== undefined) t.pfx = readFlagFile(v.pfx, '--cert');
  if (v.key !== undefined) t.key = readFlagFile(v.key, '--key');
  if (v.passphrase !== undefined) t.passphrase = v.passphrase;
  if (v.minVersion !== undefined) t.minVersion = v.minVersion as TlsConnectionOptions['minVersion'];
  if (v.maxVersion !== undefined) t.maxVersion = v.maxVersion as TlsConnectionOptions['maxVersion'];
  if (v.ciphers !== undefined) t.ciphers = v.ciphers;
  return {
    ...(Object.keys(t).length > 0 ? { tlsOptions: t } : {}),
    ...(v.servername !== undefined ? { servername: v.servername } : {}),
    ...(v.alpn !== undefined ? { alpn: v.alpn } : {}),
  };
}

/** A scenario `tls:` block from the flags (files read now), for `run` and `bench`. */
export function tlsSettings(f: NetFlags): TlsSettings | undefined {
  const v = tlsFlagValues(f);
  if (v === undefined) return undefined;
  const o = tlsClientOptions(f).tlsOptions ?? {};
  const bytes = (b: unknown): Uint8Array | undefined => (b === undefined ? undefined : new Uint8Array(b as Buffer));
  const t: { -readonly [K in keyof TlsSettings]: TlsSettings[K] } = {};
  const set = <K extends keyof TlsSettings>(k: K, x: TlsSettings[K] | undefined): void => {
    if (x !== undefined) t[k] = x;
  };
  set('ca', bytes(o.ca));
  set('cert', bytes(o.cert));
  set('key', bytes(o.key));
  set('pfx', bytes(o.pfx));
  set('passphrase', v.passphrase);
  set('servername', v.servername);
  set('minVersion', v.minVersion as TlsSettings['minVersion']);
  set('maxVersion', v.maxVersion as TlsSettings['maxVersion']);
  set('ciphers', v.ciphers);
  set('alpn', v.alpn);
  return t;
}

/** The proxy URLs of -x (checked), in order. */
export function proxyFlagList(f: NetFlags): string[] {
  const list = f.proxy === undefined ? [] : Array.isArray(f.proxy) ? f.proxy : [f.proxy];
  for (const url of list) {
    try {
      parseProxyUrl(url, '--proxy');
    } catch (e) {
      throw new FastbenchError('ERR_USAGE_BAD_OPTION', (e as Error).message);
    }
  }
  return list;
}

/** ProxySettings for a Client: -x (one), --noproxy, and the environment. */
export function proxySettings(f: NetFlags, env: NodeJS.ProcessEnv = process.env): ProxySettings {
  const [url] = proxyFlagList(f);
  return { ...(url !== undefined ? { url } : {}), ...(f.noproxy !== undefined ? { noProxy: f.noproxy } : {}), env: proxyEnv(env) };
}

/**
 * The last network step before a scenario runs: -x / --noproxy and the environment's proxy
 * variables go into client.proxy, and every `tls:` block is loaded once (a bad certificate, key,
 * passphrase or cipher list is ERR_TLS_CONFIG, exit 2, before anything is sent).
 */
export function prepareNet(s: Scenario, f: NetFlags, env: NodeJS.ProcessEnv = process.env): Scenario {
  const [url] = proxyFlagList(f);
  const tls = tlsSettings(f);
  const out = applyOverrides(s, { proxy: url, noProxy: f.noproxy, proxyEnv: proxyEnv(env), ...(tls !== undefined ? { tls } : {}) });
  checkTargetTls(out);
  return out;
}
