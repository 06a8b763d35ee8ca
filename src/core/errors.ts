// The error registry: every failure fastbench can report has one stable string code and one
// numeric id. Hot paths count failures by id in typed arrays; reporters map ids back to codes.
// Codes are never reused once retired: retire an entry by marking it `retired: true`.
// docs/ERRORS.md is kept in step with this table by test/unit/core/errors.test.ts.

import { bug } from './invariant.js';

export type ErrorCategory =
  | 'usage'
  | 'codec'
  | 'transport'
  | 'timeout'
  | 'pool'
  | 'run'
  | 'crawl'
  | 'internal';

/** Process exit class that an uncaught error of this code leads to. */
export const EXIT_OK = 0;
export const EXIT_GATE_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_GENERATOR_BOTTLENECK = 3;
export const EXIT_INTERNAL = 70;

export interface ErrorSpec {
  readonly code: ErrorCode;
  readonly id: number;
  readonly category: ErrorCategory;
  /** Exit code when this error ends the process (counted errors end nothing: 1 by convention). */
  readonly exit: number;
  readonly message: string;
  readonly hint: string;
  readonly retired?: boolean;
}

type Row = [code: string, category: ErrorCategory, exit: number, message: string, hint: string];

// Order matters: the numeric id is the row's position + 1. Append only; never reorder or delete.
const ROWS = [
  ['ERR_INTERNAL', 'internal', 70, 'internal error (a bug in fastbench)', 'Re-run with --debug and report the stack trace.'],
  ['ERR_USAGE', 'usage', 2, 'invalid command-line usage', 'See `fastbench <command> --help`.'],
  ['ERR_USAGE_BAD_URL', 'usage', 2, 'invalid URL', 'Give an absolute http:// or https:// URL.'],
  ['ERR_USAGE_BAD_DURATION', 'usage', 2, 'invalid duration', 'Use a number with a unit: 500ms, 10s, 2m, 1h.'],
  ['ERR_USAGE_BAD_OPTION', 'usage', 2, 'invalid option value', 'See `fastbench <command> --help`.'],
  ['ERR_USAGE_FILE', 'usage', 2, 'cannot read a file named on the command line', 'Check the path and its permissions.'],
  ['ERR_CONFIG', 'usage', 2, 'invalid configuration', 'Check the option named in the message.'],
  ['ERR_SCENARIO_PARSE', 'usage', 2, 'scenario file is not valid YAML/JSON', 'Fix the syntax at the position shown.'],
  ['ERR_SCENARIO_UNKNOWN_KEY', 'usage', 2, 'unknown key in scenario', 'Check the spelling; see docs/SCENARIOS.md.'],
  ['ERR_SCENARIO_TYPE', 'usage', 2, 'wrong type for a scenario value', 'See docs/SCENARIOS.md for the expected type.'],
  ['ERR_SCENARIO_VALUE', 'usage', 2, 'invalid scenario value', 'See docs/SCENARIOS.md for allowed values.'],
  ['ERR_SCENARIO_MISSING', 'usage', 2, 'required scenario key is missing', 'Add the key named in the message.'],
  ['ERR_SCENARIO_TEMPLATE', 'usage', 2, 'invalid template expression', 'Templates: {{seq}}, {{randomInt a b}}, {{uuid}}, {{env.NAME}}, {{data.column}}.'],
  ['ERR_SCENARIO_FILE', 'usage', 2, 'file referenced by the scenario cannot be read', 'Paths are relative to the scenario file.'],
  ['ERR_SCENARIO_THRESHOLD', 'usage', 2, 'invalid threshold expression', 'Examples: p99 < 50ms, errors < 1%, rps > 1000.'],
  // codec (counted, with byte offset)
  ['ERR_HTTP_BAD_REQUEST_LINE', 'codec', 1, 'malformed request line', 'The request line must be `METHOD SP target SP HTTP/1.x CRLF`.'],
  ['ERR_HTTP_BAD_METHOD', 'codec', 1, 'invalid method token', 'Methods are tokens (letters, digits, !#$%&\'*+-.^_`|~).'],
  ['ERR_HTTP_BAD_TARGET', 'codec', 1, 'invalid request target', 'The target must be visible ASCII without spaces.'],
  ['ERR_HTTP_BAD_VERSION', 'codec', 1, 'unsupported or malformed HTTP version', 'Only HTTP/1.0 and HTTP/1.1 are spoken.'],
  ['ERR_HTTP_BAD_STATUS_LINE', 'codec', 1, 'malformed status line', 'The status line must be `HTTP/1.x SP 3DIGIT SP reason CRLF`.'],
  ['ERR_HTTP_BAD_STATUS', 'codec', 1, 'invalid status code', 'Status codes are three digits, 100-999.'],
  ['ERR_HTTP_BAD_HEADER_NAME', 'codec', 1, 'invalid character in a header name', 'Header names are tokens.'],
  ['ERR_HTTP_BAD_HEADER_CHAR', 'codec', 1, 'invalid character in a header value', 'Header values may not contain CR, LF, NUL or other controls but HTAB.'],
  ['ERR_HTTP_SPACE_BEFORE_COLON', 'codec', 1, 'whitespace between header name and colon', 'RFC 9112 5.1 forbids it; the `spaceBeforeColon` leniency relaxes it for responses.'],
  ['ERR_HTTP_OBS_FOLD', 'codec', 1, 'obsolete line folding in a header', 'RFC 9112 5.2 forbids it in requests; the `obsFold` leniency relaxes it for responses.'],
  ['ERR_HTTP_BAD_LINE_ENDING', 'codec', 1, 'bare LF or CR where CRLF is required', 'The `bareLf` leniency accepts bare LF line ends.'],
  ['ERR_HTTP_REQUEST_LINE_TOO_LONG', 'codec', 1, 'request line exceeds the limit', 'Raise limits.maxRequestLineSize.'],
  ['ERR_HTTP_HEADERS_TOO_LARGE', 'codec', 1, 'header section exceeds the byte limit', 'Raise limits.maxHeaderBytes.'],
  ['ERR_HTTP_TOO_MANY_HEADERS', 'codec', 1, 'header count exceeds the limit', 'Raise limits.maxHeaderCount.'],
  ['ERR_HTTP_BODY_TOO_LARGE', 'codec', 1, 'body exceeds the size limit', 'Raise limits.maxBodySize (client: maxResponseBodySize).'],
  ['ERR_HTTP_BAD_CONTENT_LENGTH', 'codec', 1, 'invalid Content-Length', 'Content-Length must be a non-negative decimal integer.'],
  ['ERR_HTTP_DUP_CONTENT_LENGTH', 'codec', 1, 'conflicting Content-Length values', 'Several Content-Length values must all be equal.'],
  ['ERR_HTTP_CL_TE_CONFLICT', 'codec', 1, 'both Transfer-Encoding and Content-Length present', 'A request smuggling vector (RFC 9112 6.1); send only one.'],
  ['ERR_HTTP_BAD_TRANSFER_ENCODING', 'codec', 1, 'unsupported Transfer-Encoding', 'In a request the final coding must be chunked, and HTTP/1.0 may not use it.'],
  ['ERR_HTTP_BAD_CHUNK_SIZE', 'codec', 1, 'invalid chunk size', 'Chunk sizes are hex digits, at most 15 of them.'],
  ['ERR_HTTP_BAD_CHUNK_EXTENSION', 'codec', 1, 'invalid or oversized chunk extension', 'Chunk extensions are `;name[=value]` with token or quoted values.'],
  ['ERR_HTTP_BAD_CHUNK_DELIMITER', 'codec', 1, 'missing CRLF after chunk data', 'Each chunk\'s data must be followed by CRLF.'],
  ['ERR_HTTP_MISSING_HOST', 'codec', 1, 'HTTP/1.1 request without a Host header', 'RFC 9112 3.2 requires exactly one Host header.'],
  ['ERR_HTTP_DUP_HOST', 'codec', 1, 'more than one Host header', 'RFC 9112 3.2 requires exactly one Host header.'],
  ['ERR_HTTP_UNEXPECTED_EOF', 'codec', 1, 'connection ended inside a message', 'The peer closed before the message was complete.'],
  ['ERR_HTTP_INVALID_HEADER', 'codec', 1, 'header rejected by the serializer', 'Header names must be tokens and values may not contain CR, LF or NUL.'],
  ['ERR_HTTP_PARSER_STATE', 'codec', 1, 'parser used after an error or close', 'Reset the parser before reusing it.'],
  // transport
  ['ERR_CONN_REFUSED', 'transport', 1, 'connection refused', 'Is the target listening on that port?'],
  ['ERR_CONN_RESET', 'transport', 1, 'connection reset by peer', 'The peer aborted the connection.'],
  ['ERR_CONN_CLOSED_EARLY', 'transport', 1, 'connection closed before the response began', 'The server closed a connection it had accepted, or a reused connection had gone stale.'],
  ['ERR_CONN_CLOSED_MID_RESPONSE', 'transport', 1, 'connection closed while the response was being read', 'The server closed mid-response.'],
  ['ERR_CONN_OTHER', 'transport', 1, 'other socket error', 'See the message for the system error.'],
  ['ERR_DNS_NOT_FOUND', 'transport', 1, 'host name not found', 'Check the host name, or map it with a resolve override.'],
  ['ERR_DNS_FAILED', 'transport', 1, 'DNS lookup failed', 'The resolver answered with an error.'],
  ['ERR_TLS_HANDSHAKE', 'transport', 1, 'TLS handshake failed', 'Check the protocol and cipher support of the server.'],
  ['ERR_TLS_CERT', 'transport', 1, 'TLS certificate rejected', 'Pass --insecure to accept self-signed certificates.'],
  // timeouts, one per phase
  ['ERR_TIMEOUT_CONN_WAIT', 'timeout', 1, 'timed out waiting for a free connection', 'Raise maxConns or maxConnWaitTimeout.'],
  ['ERR_TIMEOUT_DNS', 'timeout', 1, 'timed out resolving the host name', 'The resolver is slow or unreachable.'],
  ['ERR_TIMEOUT_CONNECT', 'timeout', 1, 'timed out connecting', 'The target is not accepting connections fast enough.'],
  ['ERR_TIMEOUT_TLS', 'timeout', 1, 'timed out in the TLS handshake', 'The target is slow to complete TLS.'],
  ['ERR_TIMEOUT_WRITE', 'timeout', 1, 'timed out writing the request', 'The target is not reading its socket.'],
  ['ERR_TIMEOUT_HEADERS', 'timeout', 1, 'timed out waiting for the response head', 'The target is slow to answer (time to first byte).'],
  ['ERR_TIMEOUT_BODY', 'timeout', 1, 'timed out reading the response body', 'The target is slow to send the body.'],
  ['ERR_TIMEOUT_TOTAL', 'timeout', 1, 'request deadline exceeded', 'Raise the timeout or the deadline.'],
  // pool
  ['ERR_NO_FREE_CONNS', 'pool', 1, 'no free connection and the wait queue is full or disabled', 'Raise maxConns or set maxConnWaitTimeout.'],
  ['ERR_PIPELINE_OVERFLOW', 'pool', 1, 'pipeline queue is full', 'Raise maxPendingRequests or maxConns.'],
  ['ERR_CLIENT_CLOSED', 'pool', 1, 'client was closed', 'The request was made after close() or was pending when it ran.'],
  ['ERR_TOO_MANY_REDIRECTS', 'pool', 1, 'too many redirects', 'Raise the redirect limit.'],
  ['ERR_BAD_REDIRECT', 'pool', 1, 'redirect without a usable Location', 'The server answered 3xx with a missing or invalid Location.'],
  ['ERR_EXPECT_FAILED', 'pool', 1, 'response did not meet the request\'s expectations', 'See the expect clause of the request.'],
  // run
  ['ERR_RUN_ABORTED', 'run', 1, 'run aborted', 'The run was interrupted or a threshold aborted it.'],
  ['ERR_WORKER_CRASHED', 'run', 1, 'a load worker crashed', 'See the worker\'s error message.'],
  ['ERR_REPORT_WRITE', 'run', 2, 'cannot write a report', 'Check the output directory.'],
  ['ERR_GENERATOR_SATURATED', 'run', 3, 'the load generator was the bottleneck', 'Use more workers, fewer connections, or a lower rate.'],
  ['ERR_SERVER_START', 'run', 2, 'cannot start the server', 'Is the port already in use?'],
  // crawl
  ['ERR_CRAWL_ROBOTS_DISALLOWED', 'crawl', 1, 'URL disallowed by robots.txt', 'Pass --no-robots to ignore robots.txt (be polite).'],
  ['ERR_CRAWL_HOST_BUDGET', 'crawl', 1, 'host error budget exhausted', 'The host failed too often; raise --host-error-budget.'],
  ['ERR_CRAWL_STATE', 'crawl', 2, 'crawl state directory is unusable', 'Check --state and --resume.'],
  ['ERR_CRAWL_CONTENT_TYPE', 'crawl', 1, 'content type filtered out', 'See --content-type.'],
  ['ERR_CRAWL_OUTPUT', 'crawl', 2, 'cannot write the crawl output', 'Check --output and the free disk space.'],
  // server (rejections the bundled server counts; see /__stats)
  ['ERR_SERVER_CONCURRENCY_LIMIT', 'pool', 1, 'connection refused with 503: the server concurrency limit was reached', 'Raise the server\'s --concurrency, or open fewer connections.'],
  ['ERR_SERVER_PER_IP_LIMIT', 'pool', 1, 'connection refused with 429: too many connections from one IP', 'Raise the server\'s --max-conns-per-ip.'],
  ['ERR_SERVER_READ_TIMEOUT', 'timeout', 1, 'request not received within the server readTimeout', 'The client sent its request too slowly (slowloris defence); raise --read-timeout.'],
  ['ERR_SERVER_WRITE_TIMEOUT', 'timeout', 1, 'response not taken by the client within the server writeTimeout', 'The client stopped reading; raise the write timeout.'],
  ['ERR_SERVER_HANDLER', 'internal', 70, 'a request handler threw; answered 500', 'A bug in a route handler: see the logged stack.'],
  // scenario (appended)
  ['ERR_SCENARIO_DATA', 'usage', 2, 'data file referenced by the scenario is malformed', 'Fix the CSV at the position shown; the first row names the columns.'],
  ['ERR_CAPTURE_FAILED', 'pool', 1, 'a flow step could not capture a value from the response', 'Check the capture\'s JSON path, header or regex against a real response.'],
  // report (appended)
  ['ERR_RESULT_FILE', 'usage', 2, 'not a readable fastbench result file', 'Pass a result.json written by `fastbench run --format json` (see schema/result.schema.json).'],
  // crawl (appended)
  ['ERR_CRAWL_FRONTIER', 'crawl', 2, 'the shared crawl frontier (Redis) is unreachable or failed', 'Check the --frontier redis://host:port/JOB URL and that Redis is up.'],
  // failures: failure is not success (issue 11 items 3, 7, 8)
  ['ERR_HTTP_UNSOLICITED_RESPONSE', 'codec', 1, 'the server sent a response (or bytes) when no request was in flight', 'The server answered twice, or sent data on an idle connection; the connection was closed.'],
  ['ERR_NO_SUCCESS', 'run', 1, 'no request succeeded', 'Every request failed (see errors by status and by code); check the target, expect.status and --max-body.'],
  // crawl bounds (issue 20: shared frontier)
  ['ERR_CRAWL_JOB_LOST', 'crawl', 2, 'the shared crawl job is gone from Redis', 'Pass --restart to start the job over from its seeds (pages crawled before are crawled again), or point --frontier at the Redis that holds it.'],
  // server-bounds (issue 20: bounded request bodies)
  ['ERR_HTTP_TOO_MANY_CHUNKS', 'codec', 1, 'chunked body has more chunks than the limit', 'Send larger chunks, or raise limits.maxChunkCount (server: --max-chunks).'],
  // server under attack (appended: soak-tls — TLS handshake deadline, accept failures)
  ['ERR_SERVER_HANDSHAKE_TIMEOUT', 'timeout', 1, 'TLS handshake not finished within the server handshakeTimeout (counted from accept)', 'The client connected but did not finish its TLS handshake in time; raise --handshake-timeout.'],
  ['ERR_SERVER_FD_EXHAUSTED', 'pool', 1, 'connection dropped at accept: the server is out of file descriptors (EMFILE/ENFILE, or inside its reserve)', 'Raise the server\'s fd limit (ulimit -n), or lower --concurrency so excess connections get a 503 first.'],
  // verdicts (issue 11: compare fails closed)
  ['ERR_COMPARE_SCENARIO_MISMATCH', 'usage', 2, 'the compared results are of different scenarios', 'Compare runs of one scenario, or pass --allow-different to compare them anyway.'],
  // signals (issue 11 items 4, 5, 8: impossible configurations, output directory)
  ['ERR_LIMIT_OPEN_FILES', 'usage', 2, 'more connections than the open-file limit allows', 'Raise the limit (ulimit -n, LimitNOFILE=) or use fewer connections; the message has the numbers.'],
  ['ERR_LIMIT_PORTS', 'usage', 2, 'more connections to one address than the ephemeral port range allows', 'Widen net.ipv4.ip_local_port_range, spread the load over more target addresses, or use fewer connections.'],
  ['ERR_LIMIT_MEMORY', 'usage', 2, 'the run would need more memory than this machine has', 'Use fewer connections (or less pipelining), or more --workers when one thread\'s heap is the limit.'],
  ['ERR_OUT_DIR', 'usage', 2, 'the output directory cannot hold the reports', 'Pick a writable directory on a disk (not a file, not /proc or /sys, not a read-only mount).'],
  ['ERR_OUT_LOCKED', 'usage', 2, 'another fastbench run is writing into the output directory', 'Wait for it, choose another --out, or pass --force to write there anyway.'],
  // seam (issue 12 item 1: client protocol seam, ALPN)
  ['ERR_PROTOCOL_UNSUPPORTED', 'transport', 1, 'the connection negotiated a protocol this client does not speak', 'The server accepts none of the protocols the client offered by TLS ALPN, or chose none while HTTP/1.1 was not among them (option protocols).'],
  // flags (issue 12 item 7: one flag vocabulary)
  ['ERR_USAGE_UNKNOWN_OPTION', 'usage', 2, 'unknown option or command', 'See `fastbench <command> --help`; the message names the closest option, or the new name of a renamed one.'],
  // h2codec (issue 13 item 1: HTTP/2 codec; one code per RFC 9113 error kind, src/http2/h2-error.ts maps them)
  ['ERR_H2_PROTOCOL', 'codec', 1, 'HTTP/2 protocol error (PROTOCOL_ERROR)', 'The peer broke an RFC 9113 rule; the message names the frame and the rule.'],
  ['ERR_H2_INTERNAL', 'codec', 1, 'HTTP/2 internal error (INTERNAL_ERROR), or an unknown error code from the peer', 'The peer hit an internal fault; unknown RFC error codes are counted here too.'],
  ['ERR_H2_FLOW_CONTROL', 'codec', 1, 'HTTP/2 flow-control violation (FLOW_CONTROL_ERROR)', 'A window went past 2^31-1, or the peer sent more DATA than the window allowed.'],
  ['ERR_H2_SETTINGS_TIMEOUT', 'timeout', 1, 'HTTP/2 SETTINGS not acknowledged in time (SETTINGS_TIMEOUT)', 'The peer never ACKed our SETTINGS frame.'],
  ['ERR_H2_STREAM_CLOSED', 'codec', 1, 'HTTP/2 frame on a half-closed or closed stream (STREAM_CLOSED)', 'The peer sent frames on a stream after ending it.'],
  ['ERR_H2_FRAME_SIZE', 'codec', 1, 'HTTP/2 frame with an invalid size (FRAME_SIZE_ERROR)', 'A frame exceeded SETTINGS_MAX_FRAME_SIZE or had the wrong fixed length for its type.'],
  ['ERR_H2_REFUSED_STREAM', 'transport', 1, 'HTTP/2 stream refused before any processing (REFUSED_STREAM)', 'The peer refused the stream (too many concurrent streams?); the request is safe to retry.'],
  ['ERR_H2_CANCEL', 'transport', 1, 'HTTP/2 stream cancelled (CANCEL)', 'The stream was cancelled, e.g. after its deadline.'],
  ['ERR_H2_COMPRESSION', 'codec', 1, 'HPACK decoding failed (COMPRESSION_ERROR)', 'The header block is not valid RFC 7541; the connection\'s header compression state is lost.'],
  ['ERR_H2_CONNECT', 'transport', 1, 'HTTP/2 CONNECT tunnel failed (CONNECT_ERROR)', 'The connection behind a CONNECT request was reset or closed.'],
  ['ERR_H2_ENHANCE_YOUR_CALM', 'codec', 1, 'HTTP/2 peer is generating excessive load (ENHANCE_YOUR_CALM)', 'A limit was hit (header block or string too large, frame flood); see the message.'],
  ['ERR_H2_INADEQUATE_SECURITY', 'transport', 1, 'HTTP/2 TLS parameters inadequate (INADEQUATE_SECURITY)', 'Use TLS 1.2+ with an RFC 9113 Appendix A-permitted cipher suite.'],
  ['ERR_H2_HTTP_1_1_REQUIRED', 'transport', 1, 'the peer requires HTTP/1.1 for this request (HTTP_1_1_REQUIRED)', 'Retry the request over HTTP/1.1 (--http1.1).'],
  // issue 15 cookies/compression (sess-web)
  ['ERR_CONTENT_DECODE', 'codec', 1, 'a compressed response body could not be decoded', 'The body is corrupt, uses a Content-Encoding this Node cannot decode, or decodes past the response body size limit (--max-body).'],
  // issue 15 TLS/proxies (sess-net)
  ['ERR_TLS_CONFIG', 'usage', 2, 'the TLS settings cannot be loaded (CA bundle, client certificate, key, PKCS#12, cipher list or versions)', 'Check the files are PEM (or PKCS#12 for a pfx), the key belongs to the certificate, and the passphrase (--pass) is right.'],
  ['ERR_TLS_CLIENT_CERT', 'transport', 1, 'the server refused the client certificate (or its absence)', 'Give a client certificate the server trusts: --cert/--key, or a PKCS#12 with --cert-type P12 (scenario: tls.cert/tls.key or tls.pfx).'],
  ['ERR_PROXY_CONNECT', 'transport', 1, 'the HTTP proxy refused to open the tunnel (CONNECT answered with a non-2xx status)', 'The message has the proxy\'s status; check the proxy allows CONNECT to this host and port.'],
  ['ERR_PROXY_AUTH', 'transport', 1, 'the proxy wants credentials or refused the ones given (407, or SOCKS5 authentication failed)', 'Put user:password in the proxy URL (http://user:pass@proxy:3128, socks5://user:pass@proxy:1080).'],
  ['ERR_PROXY_PROTOCOL', 'transport', 1, 'the proxy answered something that is not HTTP or SOCKS5', 'Check the proxy URL\'s scheme (http:// for an HTTP proxy, socks5:// or socks5h:// for SOCKS5) and port.'],
  ['ERR_SOCKS_CONNECT', 'transport', 1, 'the SOCKS5 proxy could not connect to the target', 'The message has the SOCKS5 reply code (1 general failure, 2 not allowed, 3 network unreachable, 4 host unreachable, 5 refused, 6 TTL expired, 7 command unsupported, 8 address type unsupported).'],
  // issue 13 client (h2client2)
  ['ERR_TIMEOUT_PING', 'timeout', 1, 'HTTP/2 PING not acknowledged in time: the connection is presumed dead', 'The peer (or the path to it) stopped answering; the connection was closed and its streams failed (idempotent ones not yet answered are retried once). Tune pingInterval / pingTimeout.'],
  // issue 16 import (imports)
  ['ERR_IMPORT_PARSE', 'usage', 2, 'the file or text to import cannot be read as its format (JSON, YAML, JSONL or shell words)', 'Fix the syntax at the position shown; `fastbench import --help` lists the formats.'],
  ['ERR_IMPORT_FORMAT', 'usage', 2, 'the input parses but is not what the importer reads (HAR 1.2, OpenAPI 3.x, curl command, crawl records)', 'The message names the place (entry index, JSON pointer, line:column) and what was expected there.'],
  ['ERR_IMPORT_EMPTY', 'usage', 2, 'nothing left to import: every entry was filtered out or unusable', 'Loosen the filters (--all, --host) or check the warnings printed above.'],
  // issue 17 live (live)
  ['ERR_LIVE_LISTEN', 'usage', 2, 'a live output (--dashboard, --prometheus) cannot listen on its address', 'Give a free host:port (port 0 picks one), or stop what holds the port.'],
  ['ERR_LIVE_EXPORT', 'run', 1, 'a live output could not deliver its metrics', 'Check that the collector named by --otlp is up; the run itself goes on and its report is unaffected.'],
  // issue 16 hooks/replay (hooks)
  ['ERR_HOOK', 'run', 1, 'a scripting hook threw (beforeRequest, afterResponse, setup or teardown)', 'The run goes on; the generator health names the hook and the line of your hooks file that threw.'],
  ['ERR_HOOK_REJECTED', 'run', 1, 'an afterResponse hook failed the response (it returned false)', 'Your hook judged the response bad; see its checks.'],
  ['ERR_HOOK_LOAD', 'usage', 2, 'the hooks file could not be loaded', 'Check the `hooks:` path, that it is an ES module, and that its exports (setup, beforeRequest, afterResponse, teardown) are functions or, for beforeRequest/afterResponse, objects of functions by request name.'],
  ['ERR_HOOK_TS_UNSUPPORTED', 'usage', 2, 'a TypeScript hooks file needs a Node.js that strips types', 'Use Node 23.6+ (or 22.6+ with --experimental-strip-types), or compile the hooks to .mjs.'],
  ['ERR_REPLAY_LOG', 'usage', 2, 'the replay log could not be read', 'Use common/combined log format lines or JSONL with ts|time, method, path|url; see the line named in the message.'],
  // issue 17 fleet (fleet)
  ['ERR_FLEET_REDIS', 'run', 2, 'the fleet\'s Redis cannot be reached or refused a command', 'Check the --fleet URL (redis://host:6379/JOB-ID) and that redis-server is up; before the load nothing was sent (exit 2), during it the fleet\'s verdict is unknown (exit 1).'],
  ['ERR_FLEET_SHARD_LOST', 'run', 1, 'a shard of the fleet stopped heartbeating before publishing its result', 'Its intervals so far stay in the live fleet view; the merged result holds the other shards only, and the fleet fails. Look at that shard\'s logs (killed, out of memory, network).'],
  // issue 18 capacity (capacity)
  ['ERR_SEARCH_SPEC', 'usage', 2, 'the capacity search has nothing to search with: no SLO, or a bad range, step or duration', 'Give the scenario a `load: - search: { slo: [p99 < 200ms], from: 100/s, to: 50000/s }` item, or pass `find --slo "p99 < 200ms" --from 100/s --to 50000/s`.'],
  ['ERR_SERVER_CAPACITY_QUEUE_FULL', 'pool', 1, 'request answered 503: the bundled server\'s capacity queue was full (serve --capacity)', 'The offered rate exceeds the server\'s --capacity for longer than its queue (--capacity-queue) absorbs; this is the saturation a capacity search looks for.'],
  // issue 18 websocket (websocket)
  ['ERR_WS_CONNECT', 'transport', 1, 'a ws step could not open its WebSocket (connection failed, the upgrade was refused, or no 101 within the client timeout)', 'The message has the cause (the HTTP status when the upgrade was answered); check the step\'s path and that the target speaks WebSocket on it.'],
  ['ERR_WS_EXPECT', 'pool', 1, 'a ws step\'s reply did not match its expect', 'See the step\'s ws.expect: an exact text, or { contains }.'],
  ['ERR_WS_CLOSED', 'transport', 1, 'a ws step\'s WebSocket closed, failed or timed out before every awaited reply came', 'The peer closed (or broke the protocol) mid-step, or a reply took longer than the client timeout.'],
] as const satisfies readonly Row[];

/** Every registered code: a misspelt code is a compile error, not a runtime throw. */
export type ErrorCode = (typeof ROWS)[number][0];

export const ERROR_SPECS: readonly ErrorSpec[] = ROWS.map(([code, category, exit, message, hint], i) =>
  Object.freeze({ code, id: i + 1, category, exit, message, hint }),
);

const BY_CODE = new Map<string, ErrorSpec>(ERROR_SPECS.map((s) => [s.code, s]));

/** Number of ids: size typed-array counters with this. Id 0 is never used. */
export const ERROR_ID_LIMIT = ERROR_SPECS.length + 1;

export function errorSpec(code: ErrorCode): ErrorSpec {
  // ErrorCode is checked at compile time; this guards JavaScript callers and casts.
  return BY_CODE.get(code) ?? bug(`unregistered error code ${code}`);
}

/** Numeric id of a code, for counting in typed arrays. */
/** The spec of a code read from outside (a result file, a peer): undefined when it is not ours. */
export function findErrorSpec(code: string): ErrorSpec | undefined {
  return BY_CODE.get(code);
}

export function isErrorCode(code: string): code is ErrorCode {
  return BY_CODE.has(code);
}

export function errorId(code: ErrorCode): number {
  return errorSpec(code).id;
}

export function errorCodeOfId(id: number): ErrorCode {
  const spec = ERROR_SPECS[id - 1];
  return spec === undefined ? 'ERR_INTERNAL' : spec.code;
}

export interface ErrorDetails {
  /** Byte offset into the stream where the fault was seen (codec errors). */
  offset?: number;
  file?: string;
  line?: number;
  column?: number;
  /** The phase a timeout hit, or the phase of a request. */
  phase?: string;
  cause?: unknown;
}

/** Base of every error fastbench raises on purpose. */
export class FastbenchError extends Error {
  readonly code: ErrorCode;
  readonly id: number;
  readonly offset: number | undefined;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly phase: string | undefined;

  constructor(code: ErrorCode, message?: string, details?: ErrorDetails) {
    const spec = errorSpec(code);
    super(message ?? spec.message, details?.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = 'FastbenchError';
    this.code = code;
    this.id = spec.id;
    this.offset = details?.offset;
    this.file = details?.file;
    this.line = details?.line;
    this.column = details?.column;
    this.phase = details?.phase;
  }

  get category(): ErrorCategory {
    return errorSpec(this.code).category;
  }

  get exitCode(): number {
    return errorSpec(this.code).exit;
  }

  get hint(): string {
    return errorSpec(this.code).hint;
  }

  /** `error[CODE]: message (at file:line:col | at byte N)` — the CLI's one-line form. */
  format(): string {
    let where = '';
    if (this.file !== undefined) {
      where = ` at ${this.file}`;
      if (this.line !== undefined) where += `:${this.line}:${this.column ?? 1}`;
    } else if (this.offset !== undefined) {
      where = ` at byte ${this.offset}`;
    }
    return `error[${this.code}]: ${this.message}${where}`;
  }
}

export function isFastbenchError(e: unknown): e is FastbenchError {
  return e instanceof FastbenchError;
}
