// `fastbench serve`: the bundled test server. Prints the bound URL on stdout (one line, so
// `--port 0` works in scripts), logs to stderr, shuts down gracefully on SIGINT/SIGTERM.
import type { Command } from 'commander';
import { FastbenchError } from '../core/errors.js';
import { startPrefork } from '../server/prefork.js';
import { createDefaultRouter } from '../server/routes/index.js';
import { createServer, type ServerOptions } from '../server/server.js';
import { loadCertificate, makeSelfSignedCertificate, type TlsMaterial } from '../server/tls-cert.js';
import { parseCountFlag, parseDurationFlag, parseRateFlag, parseSizeFlag } from './flags.js';
import { examples } from './help.js';

const parseCount = parseCountFlag;
const parseDuration = (text: string, flag: string): number => parseDurationFlag(text, flag, { allowZero: true });
const parseSize = parseSizeFlag;

/** The endpoints of the bundled server, read from its router (not a copy that could drift). */
export function endpointsHelp(): string {
  const table = createDefaultRouter({ stats: () => ({}) }).routeTable();
  const width = Math.max(...table.map((r) => r.pattern.length));
  const rows = table.map((r) => `  ${r.pattern.padEnd(width)}  ${r.methods === '*' ? 'any method' : r.methods.split(', ').filter((m) => m !== 'HEAD' && m !== 'OPTIONS').join(', ')}`);
  return `\nEndpoints (any path also takes ?fail=P&fault=reset|close|garbage|stall|500 to fail a fraction P of requests):\n${rows.join('\n')}\n`;
}

interface ServeFlags {
  host: string;
  port: string;
  workers: string;
  concurrency?: string;
  maxConnsPerIp?: string;
  maxRequestsPerConn?: string;
  readTimeout: string;
  handshakeTimeout?: string;
  writeTimeout: string;
  idleTimeout: string;
  maxBodySize: string;
  maxHeaderSize?: string;
  maxHeaderCount?: string;
  maxChunks?: string;
  outputHighWater?: string;
  sitePages?: string;
  siteSeed?: string;
  http2?: string;
  echoAll?: boolean;
  tls?: boolean;
  cert?: string;
  key?: string;
  grace: string;
  quiet?: boolean;
  // issue 18 capacity (capacity)
  capacity?: string;
  capacityQueue?: string;
}

/** The server options the flags describe (everything but TLS). */
export function serveOptions(f: ServeFlags): ServerOptions {
  const port = parseCount(f.port, '--port');
  if (port > 65535) throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--port must be 0-65535, got ${port}`);
  const o: ServerOptions = {
    host: f.host,
    port,
    readTimeout: parseDuration(f.readTimeout, '--read-timeout'),
    writeTimeout: parseDuration(f.writeTimeout, '--write-timeout'),
    idleTimeout: parseDuration(f.idleTimeout, '--idle-timeout'),
    maxRequestBodySize: parseSize(f.maxBodySize, '--max-body-size'),
    quiet: f.quiet === true,
    echoAll: f.echoAll === true,
  };
  if (f.http2 !== undefined) o.http2 = parseOnOff(f.http2, '--http2');
  if (f.handshakeTimeout !== undefined) o.handshakeTimeout = parseDuration(f.handshakeTimeout, '--handshake-timeout');
  if (f.concurrency !== undefined) o.concurrency = parseCount(f.concurrency, '--concurrency');
  if (f.maxConnsPerIp !== undefined) o.maxConnsPerIP = parseCount(f.maxConnsPerIp, '--max-conns-per-ip');
  if (f.maxRequestsPerConn !== undefined) o.maxRequestsPerConn = parseCount(f.maxRequestsPerConn, '--max-requests-per-conn');
  if (f.maxHeaderSize !== undefined) o.maxHeaderBytes = parseSize(f.maxHeaderSize, '--max-header-size');
  if (f.maxHeaderCount !== undefined) o.maxHeaderCount = parseCount(f.maxHeaderCount, '--max-header-count');
  if (f.maxChunks !== undefined) o.maxChunkCount = parseCount(f.maxChunks, '--max-chunks');
  if (f.outputHighWater !== undefined) o.outputHighWater = parseSize(f.outputHighWater, '--output-high-water');
  if (f.sitePages !== undefined) o.sitePages = parseCount(f.sitePages, '--site-pages');
  if (f.siteSeed !== undefined) o.siteSeed = parseCount(f.siteSeed, '--site-seed');
  if (f.capacity !== undefined) {
    const rate = parseRateFlag(f.capacity, '--capacity');
    o.capacity = { rate, ...(f.capacityQueue !== undefined ? { queue: parseCount(f.capacityQueue, '--capacity-queue') } : {}) };
  } else if (f.capacityQueue !== undefined) {
    throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--capacity-queue needs --capacity');
  }
  return o;
}

function parseOnOff(text: string, flag: string): boolean {
  if (text === 'on') return true;
  if (text === 'off') return false;
  throw new FastbenchError('ERR_USAGE_BAD_OPTION', `${flag} must be on or off, got ${JSON.stringify(text)}`);
}

function tlsMaterial(f: ServeFlags): TlsMaterial | undefined {
  if (f.cert !== undefined || f.key !== undefined) {
    if (f.cert === undefined || f.key === undefined) throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--cert and --key go together');
    return loadCertificate(f.cert, f.key);
  }
  return f.tls === true ? makeSelfSignedCertificate() : undefined;
}

/** Resolves on the first SIGINT/SIGTERM (a second one exits at once), or when `orElse` settles. */
function untilSignal(orElse: Promise<unknown>, log: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    let seen = false;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (seen) {
        log(`fastbench serve: ${sig} again, exiting now`);
        process.exit(130);
      }
      seen = true;
      log(`fastbench serve: ${sig}, shutting down`);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    void orElse.then(() => resolve());
  });
}

async function serve(f: ServeFlags): Promise<void> {
  const options = serveOptions(f);
  const workers = parseCount(f.workers, '--workers');
  const graceMs = parseDuration(f.grace, '--grace');
  const log = options.quiet ? () => {} : (line: string) => process.stderr.write(line + '\n');
  const tls = tlsMaterial(f);
  try {
    let url: string;
    let close: (graceMs: number) => Promise<void>;
    let gone: Promise<unknown> = new Promise(() => {});
    if (workers > 1) {
      // --capacity is the whole server's: each worker process admits its share.
      const capacity = options.capacity === undefined ? undefined : {
        rate: options.capacity.rate / workers,
        ...(options.capacity.queue !== undefined ? { queue: Math.ceil(options.capacity.queue / workers) } : {}),
      };
      const server = {
        ...options,
        ...(capacity !== undefined ? { capacity } : {}),
        ...(tls !== undefined ? { tlsCertFile: tls.certFile, tlsKeyFile: tls.keyFile } : {}),
      };
      const handle = await startPrefork({ workers, server, log });
      url = handle.url;
      close = (g) => handle.close(g);
      gone = handle.done;
    } else {
      const server = createServer({ ...options, ...(tls !== undefined ? { tls: { cert: tls.cert, key: tls.key } } : {}) });
      url = (await server.listen()).url;
      close = (g) => server.close(g);
    }
    process.stdout.write(url + '\n');
    log(`fastbench serve: listening on ${url}${workers > 1 ? ` with ${workers} workers` : ''}${tls !== undefined && f.cert === undefined ? ' (self-signed certificate)' : ''}`);
    await untilSignal(gone, log);
    await close(graceMs);
    log('fastbench serve: stopped');
  } finally {
    tls?.cleanup();
  }
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the bundled fast test server (prints its URL on stdout)')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '8080')
    .option('-w, --workers <n>', 'worker processes sharing the port (prefork)', '1')
    .option('--concurrency <n>', 'most connections served at once, counted from accept (TLS too); beyond: 503 and close (TLS: closed)')
    .option('--max-conns-per-ip <n>', 'most connections from one IP, counted from accept; beyond: 429 and close (TLS: closed)')
    .option('--max-requests-per-conn <n>', 'close a connection after this many requests')
    .option('--read-timeout <duration>', 'most time for one request to arrive (0: none)', '10s')
    .option('--handshake-timeout <duration>', 'TLS: most time from accept to a finished handshake (default: the read timeout; 0: none)')
    .option('--write-timeout <duration>', 'most time the client may leave a response unread (0: none)', '60s')
    .option('--idle-timeout <duration>', 'close keep-alive connections idle this long (0: never)', '60s')
    .option('--max-body-size <size>', 'largest request body on the wire, chunk framing included (413 and close beyond)', '10mb')
    .option('--max-chunks <n>', 'most chunks in a chunked request body (413 and close beyond)', '1048576')
    .option('--max-header-size <size>', 'largest request head (431 beyond)', '16kb')
    .option('--max-header-count <n>', 'most header fields in a request, a guard only: heads are limited by size (431 beyond)', '2000')
    .option('--output-high-water <size>', 'unsent response bytes per connection above which it stops reading requests (min 64kb)', '1mb')
    .option('--site-pages <n>', 'pages of the synthetic /site')
    .option('--site-seed <n>', 'seed of the synthetic /site')
    .option('--echo-all', 'answer every path with the echo of the request')
    .option('--http2 <on|off>', 'HTTP/2 on the same port: h2c by prior knowledge, h2 by ALPN over TLS (default: on)')
    .option('--tls', 'serve https (self-signed certificate unless --cert/--key)')
    .option('--cert <file>', 'TLS certificate (PEM)')
    .option('--key <file>', 'TLS private key (PEM)')
    .option('--capacity <rate>', 'admit at most this many requests per second (token bucket, e.g. 5000/s); beyond it requests queue (latency grows), and get 503 when the queue is full')
    .option('--capacity-queue <n>', 'requests that may wait for --capacity (default: half a second of the rate, at least 16)')
    .option('--grace <duration>', 'shutdown bound: in-flight requests get this long', '5s')
    .option('-q, --quiet', 'no log lines on stderr')
    .addHelpText('after', () => endpointsHelp() + examples([
      'fastbench serve --port 8080',
      'fastbench serve --port 0 -w 2 --tls          # prints the https URL it bound',
      'fastbench serve --concurrency 1000 --read-timeout 5s --max-body-size 1mb',
      'fastbench serve --port 0 --capacity 5000/s    # a knee for `fastbench find` to find',
    ]))
    .action((flags: ServeFlags) => serve(flags));
}
