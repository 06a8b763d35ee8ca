// `fastbench request <url>`: one request through the pooled client, printed for a person or as
// one JSON object for a script — how users debug a scenario step.
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { Client } from '../client/client.js';
import { Request } from '../client/request.js';
import { Response } from '../client/response.js';
import { EXIT_GATE_FAILED, FastbenchError } from '../core/errors.js';
import { framingConflict } from '../http/request-serializer.js';
import { ACCEPT_ENCODING, decodeBody } from '../http/content-coding.js';
import { basicAuthValue } from '../scenario/index.js';
import { collect, parseCookieFlags, parseCountFlag, parseDurationFlag, parseSizeFlag, parseUserFlag, protocolFlag, splitHeader } from './flags.js';
import { examples } from './help.js';
import { type NetFlags, addNetOptions, proxySettings, tlsClientOptions } from './net-flags.js';

interface RequestFlags extends NetFlags {
  method?: string;
  header: string[];
  body?: string;
  /** --data: the old long name of --body. */
  data?: string;
  timeout: string;
  insecure?: boolean;
  json?: boolean;
  location?: boolean;
  maxRedirects: string;
  resolve: string[];
  /** --max-body: the client's maxResponseBodySize (a size: 64MiB). */
  maxBody?: string;
  /** --http2 / --http1.1: the client's protocol choice. */
  http2?: boolean;
  'http1.1'?: boolean;
  // issue 15 (sess-web)
  /** --compressed: offer gzip, deflate, br (zstd) and print the body decoded. */
  compressed?: boolean;
  /** --cookie name=value (repeatable). */
  cookie?: string[];
  /** -u user:password: Basic auth. */
  user?: string;
}

/** What --compressed decoded (printed on stderr, or as `decoded` in --json). */
interface Decoded {
  contentEncoding: string;
  wireBytes: number;
  decodedBytes: number;
  decodeMs: number;
}

/** issue 15: -u, --cookie and --compressed as request headers (a -H of the same name wins). */
function helperHeaders(flags: RequestFlags, headers: [string, string][]): void {
  const has = (n: string): boolean => headers.some(([h]) => h.toLowerCase() === n);
  if (flags.user !== undefined && !has('authorization')) {
    const { user, password } = parseUserFlag(flags.user);
    headers.push(['Authorization', basicAuthValue(user, password)]);
  }
  const cookies = parseCookieFlags(flags.cookie ?? []);
  if (cookies.length > 0 && !has('cookie')) headers.push(['Cookie', cookies.map(([n, v]) => `${n}=${v}`).join('; ')]);
  if (flags.compressed === true && !has('accept-encoding')) headers.push(['Accept-Encoding', ACCEPT_ENCODING]);
}

/** The body decoded per Content-Encoding (--compressed); undefined when it was not encoded. */
function decodeResponse(res: Response, maxBody: number): { body: Buffer; info: Decoded } | undefined {
  const ce = res.header('content-encoding');
  if (res.status === 0 || ce === undefined) return undefined;
  const d = decodeBody(res.body, ce, maxBody);
  if (d.coding === '') return undefined;
  return { body: d.body, info: { contentEncoding: d.coding, wireBytes: res.bodyLength, decodedBytes: d.body.length, decodeMs: round(d.ms) } };
}

/** The client's default response body limit; a decoded body may not exceed it either. */
const DEFAULT_MAX_DECODED = 16 * 1024 * 1024;

function readBody(data: string | undefined): Buffer | undefined {
  if (data === undefined) return undefined;
  if (!data.startsWith('@')) return Buffer.from(data, 'utf8');
  try {
    return readFileSync(data.slice(1));
  } catch (e) {
    throw new FastbenchError('ERR_USAGE_FILE', `cannot read ${data.slice(1)}: ${(e as Error).message}`);
  }
}

/** Valid UTF-8 (strict): decodes and re-encodes to the same bytes. */
function utf8OrUndefined(b: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return undefined;
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export function responseJson(res: Response, err: FastbenchError | null, redirects?: string[], decoded?: { body: Buffer; info: Decoded }): Record<string, unknown> {
  const t = res.timing;
  const out: Record<string, unknown> = {};
  if (res.status !== 0) {
    out.status = res.status;
    out.reason = res.reason;
    out.httpVersion = res.httpVersion;
    out.headers = res.headers.toArray();
    const body = decoded?.body ?? res.body;
    const text = utf8OrUndefined(body);
    if (text !== undefined) out.body = text;
    else out.bodyBase64 = body.toString('base64');
    if (decoded !== undefined) out.decoded = decoded.info;
    out.trailers = res.trailers.toArray();
    out.interim = res.interim.map((i) => ({ status: i.status, reason: i.reason, headers: i.headers }));
  }
  out.timings = {
    connWait: round(t.connWait),
    dns: round(t.dns),
    connect: round(t.connect),
    tls: round(t.tls),
    write: round(t.write),
    firstByte: round(t.firstByte),
    body: round(t.body),
    total: round(t.total),
    reusedConnection: t.reused,
  };
  if (redirects !== undefined && redirects.length > 1) out.redirects = redirects;
  if (err !== null) out.error = { code: err.code, message: err.message, ...(err.phase ? { phase: err.phase } : {}) };
  return out;
}

function printHuman(res: Response, err: FastbenchError | null, decoded?: { body: Buffer; info: Decoded }): void {
  for (const i of res.interim) {
    process.stdout.write(`HTTP/1.1 ${i.status} ${i.reason}\n`);
    for (const [n, v] of i.headers) process.stdout.write(`${n}: ${v}\n`);
    process.stdout.write('\n');
  }
  if (res.status !== 0) {
    process.stdout.write(`HTTP/${res.httpVersion} ${res.status}${res.reason !== '' ? ` ${res.reason}` : ''}\n`);
    for (const [n, v] of res.headers.toArray()) process.stdout.write(`${n}: ${v}\n`);
    process.stdout.write('\n');
    const body = decoded?.body ?? res.body;
    process.stdout.write(body);
    if (body.length > 0 && body[body.length - 1] !== 0x0a) process.stdout.write('\n');
    for (const [n, v] of res.trailers.toArray()) process.stdout.write(`${n}: ${v}\n`);
  }
  const t = res.timing;
  process.stderr.write(
    `timing: wait ${t.connWait.toFixed(2)}ms, dns ${t.dns.toFixed(2)}ms, connect ${t.connect.toFixed(2)}ms, tls ${t.tls.toFixed(2)}ms, ` +
      `ttfb ${t.firstByte.toFixed(2)}ms, body ${t.body.toFixed(2)}ms, total ${t.total.toFixed(2)}ms\n`,
  );
  if (decoded !== undefined) {
    const d = decoded.info;
    process.stderr.write(`decoded: ${d.contentEncoding}, ${d.wireBytes} bytes on the wire → ${d.decodedBytes} bytes, ${d.decodeMs.toFixed(2)}ms (not in total)\n`);
  }
  if (err !== null) process.stderr.write(err.format() + (err.phase ? ` (phase: ${err.phase})` : '') + '\n');
}

export async function runRequest(url: string, flags: RequestFlags): Promise<number> {
  const timeoutMs = parseDurationFlag(flags.timeout, '--timeout');
  if (flags.body !== undefined && flags.data !== undefined) throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--body and --data are one option (--data is its old name): give one');
  const body = readBody(flags.body ?? flags.data);
  const method = (flags.method ?? (body !== undefined ? 'POST' : 'GET')).toUpperCase();
  const headers = flags.header.map((h) => splitHeader(h));
  helperHeaders(flags, headers);
  // One framing rule (http/request-serializer.ts): the Content-Length is computed from the body;
  // a -H that contradicts it is refused rather than sent.
  for (const [n, v] of headers) {
    const why = framingConflict(n, v, body?.length ?? 0, method);
    if (why !== undefined) throw new FastbenchError('ERR_USAGE_BAD_OPTION', `-H ${n}: ${why}`);
  }
  const maxBody = flags.maxBody !== undefined ? parseSizeFlag(flags.maxBody, '--max-body', 1) : undefined;
  const maxRedirects = parseCountFlag(flags.maxRedirects, '--max-redirects');
  const req = new Request({ method, url, headers, ...(body !== undefined ? { body } : {}) });
  if (req.hostname === '') throw new FastbenchError('ERR_USAGE_BAD_URL', `give an absolute http:// or https:// URL, got ${JSON.stringify(url)}`);
  const protocol = protocolFlag(flags);
  const client = new Client({
    insecure: flags.insecure === true,
    resolve: flags.resolve,
    maxConns: 1,
    ...(maxBody !== undefined ? { maxResponseBodySize: maxBody } : {}),
    ...(protocol !== undefined ? { protocol } : {}),
    ...tlsClientOptions(flags),
    proxy: proxySettings(flags),
  });
  const res = new Response();
  let err: FastbenchError | null = null;
  const hops = { urls: [] as string[] };
  try {
    if (flags.location) {
      await client.doRedirects(req, res, maxRedirects, hops, timeoutMs);
    } else {
      await client.doTimeout(req, res, timeoutMs);
    }
  } catch (e) {
    if (!(e instanceof FastbenchError)) throw e;
    if (e.category === 'usage') throw e;
    err = e;
  } finally {
    await client.close();
  }
  // --compressed: the body is decoded for printing (its time is reported apart from the exchange's).
  let decoded: { body: Buffer; info: Decoded } | undefined;
  if (flags.compressed === true && err === null) {
    try {
      decoded = decodeResponse(res, maxBody ?? DEFAULT_MAX_DECODED);
    } catch (e) {
      if (!(e instanceof FastbenchError)) throw e;
      err = e;
    }
  }
  if (flags.json) process.stdout.write(JSON.stringify(responseJson(res, err, hops.urls, decoded)) + '\n');
  else printHuman(res, err, decoded);
  return err === null ? 0 : EXIT_GATE_FAILED;
}

export function registerRequestCommand(program: Command): void {
  program
    .command('request')
    .description('send one request and print the response (status line, headers, body, timings)')
    .argument('<url>', 'absolute http:// or https:// URL')
    .option('-X, --method <method>', 'request method (default GET, or POST with -b)')
    .option('-H, --header <header>', "request header 'name: value' (repeatable)", collect, [])
    .option('-b, --body <text|@file>', 'request body, or @file to send a file')
    .addOption(new Option('--data <body>', 'the old name of --body').hideHelp())
    .option('-t, --timeout <time>', 'deadline for the whole exchange', '5s')
    .option('-k, --insecure', 'accept any TLS certificate')
    .option('-L, --location', 'follow redirects')
    .option('--max-redirects <n>', 'most redirects to follow with -L', '10')
    .option('--resolve <host:port:addr>', 'connect to addr for host:port (repeatable)', collect, [])
    .option('--max-body <size>', 'largest response body accepted (e.g. 64MiB; a bare number is bytes; default 16MiB)')
    .option('--http2', 'speak HTTP/2: ALPN h2 over TLS, prior knowledge (h2c) over http:// (the request rides one stream; --json shows httpVersion "2")')
    .option('--http1.1', 'speak HTTP/1.1 only (the default over http://; over https:// the default offers http/1.1 only too)')
    .option('--compressed', `ask for a compressed response (Accept-Encoding: ${ACCEPT_ENCODING}) and print it decoded`)
    .option('--cookie <name=value>', 'send a cookie (repeatable, or "a=1; b=2")', collect, [])
    .option('-u, --user <user:password>', 'Basic authentication')
    .option('--json', 'print one JSON object');
  addNetOptions(program.commands.at(-1)!)
    .addHelpText('after', examples([
      'fastbench request http://127.0.0.1:8080/anything -X POST -b hi --json',
      "fastbench request https://example.test/ -L -H 'Accept: text/html' --cacert ca.pem --cert client.p12 --pass secret -x socks5h://127.0.0.1:1080",
      'fastbench request http://api.test:8080/ --resolve api.test:8080:127.0.0.1 -b @payload.json',
      'fastbench request --http2 https://127.0.0.1:8443/ -k --json',
    ]))
    .action(async (url: string, flags: RequestFlags) => {
      process.exitCode = await runRequest(url, flags);
    });
}
