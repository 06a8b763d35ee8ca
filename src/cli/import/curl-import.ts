// `fastbench import curl 'curl …'`: one or more curl command lines → one request each (or one
// flow with --flow). Words are split as a shell would (shell-words.ts); then the flags:
//
// | curl                                   | scenario                                                   |
// |----------------------------------------|------------------------------------------------------------|
// | URL, --url                             | target (most frequent origin) + path, or an absolute url   |
// | -X/--request M                         | method                                                     |
// | -H/--header "N: v"                     | headers (credential headers → {{env.NAME}})                |
// | -d/--data, --data-ascii, --data-raw,   | body (several joined by &; POST unless -X/-G; form         |
// | --data-binary, --data-urlencode; @file |   content type unless one is given); @file read now,       |
// |                                        |   --data-binary @file → bodyFile (sent as-is)              |
// | --json                                 | body + Content-Type/Accept: application/json               |
// | -G/--get                               | the data goes into the query string, GET                   |
// | -u/--user user:password                | auth: { user: {{env.BASIC_USER}}, password: {{env.…}} }    |
// | -b/--cookie "a=1; b=2"                 | cookies.values: { a: {{env.COOKIE_A}}, … } (a cookie file  |
// |                                        |   is not read: warning; with -H Cookie too: one header)    |
// | --oauth2-bearer T                      | Authorization: Bearer {{env.NAME}}                         |
// | -A/--user-agent, -e/--referer          | User-Agent, Referer                                        |
// | -I/--head                              | HEAD                                                       |
// | -k/--insecure                          | client.insecure: true                                      |
// | --compressed                           | compressed: true                                           |
// | --http2 / --http2-prior-knowledge /    | client.protocol auto / h2 / http1                          |
// |   --http1.1                            |                                                            |
// | -m/--max-time S                        | client.timeout                                             |
// | output and verbosity flags (-s -S -v   | nothing (they do not change the request)                   |
// |   -i -o -O -w -L --fail …)             |                                                            |
// auth and compressed go to `client` when every request has the same, else on the requests.
// Anything else is a warning naming the token's line:column (never echoing its value, which may be a
// credential); a word that is not an option and not the first URL is one too.
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { FastbenchError } from '../../core/errors.js';
import { CookieValues, headerValue, redactForm, redactQuery } from './credentials.js';
import { chooseOrigin, hoistToClient, literal, type ImportLog, type PhaseDoc, type RequestDoc, type ScenarioDoc } from './import-output.js';
import { splitCommands, type Word } from './shell-words.js';

export interface CurlOptions {
  /** One flow (steps in line order) instead of weighted requests. */
  flow?: boolean;
  load: PhaseDoc[];
  /** Where relative @file paths are read from. */
  cwd: string;
}

/** Long options that take a value (curl's, so an unknown-to-us one still skips its argument). */
const LONG_WITH_VALUE = new Set(
  ('abstract-unix-socket alt-svc aws-sigv4 cacert capath cert cert-type ciphers config connect-timeout connect-to continue-at cookie cookie-jar ' +
    'create-file-mode crlfile curves data data-ascii data-binary data-raw data-urlencode delegation dns-interface dns-ipv4-addr dns-ipv6-addr ' +
    'dns-servers doh-url dump-header egd-file engine etag-compare etag-save expect100-timeout form form-string ftp-account ftp-alternative-to-user ' +
    'ftp-method ftp-port ftp-ssl-ccc-mode happy-eyeballs-timeout-ms header hostpubmd5 hostpubsha256 hsts interface json keepalive-time key ' +
    'key-type krb libcurl limit-rate local-port login-options mail-auth mail-from mail-rcpt max-filesize max-redirs max-time netrc-file noproxy ' +
    'oauth2-bearer output output-dir parallel-max pass pinnedpubkey preproxy proto proto-default proto-redir proxy proxy-cacert proxy-capath proxy-cert ' +
    'proxy-cert-type proxy-ciphers proxy-crlfile proxy-header proxy-key proxy-key-type proxy-pass proxy-pinnedpubkey proxy-service-name ' +
    'proxy-tls13-ciphers proxy-tlsauthtype proxy-tlspassword proxy-tlsuser proxy-user proxy1.0 pubkey quote random-file range rate referer ' +
    'request request-target resolve retry retry-delay retry-max-time sasl-authzid service-name socks4 socks4a socks5 socks5-gssapi-service ' +
    'socks5-hostname speed-limit speed-time stderr telnet-option tftp-blksize time-cond tls-max tls13-ciphers tlsauthtype tlspassword tlsuser ' +
    'trace trace-ascii unix-socket upload-file url url-query user user-agent variable write-out').split(' '),
);

/** Short options that take a value, and the long name each stands for. */
const SHORT: Record<string, string> = {
  X: 'request', H: 'header', d: 'data', u: 'user', b: 'cookie', A: 'user-agent', e: 'referer', m: 'max-time', o: 'output', w: 'write-out',
  x: 'proxy', c: 'cookie-jar', D: 'dump-header', F: 'form', T: 'upload-file', E: 'cert', K: 'config', C: 'continue-at', r: 'range',
  U: 'proxy-user', Y: 'speed-limit', y: 'speed-time', z: 'time-cond', t: 'telnet-option', P: 'ftp-port', Q: 'quote',
};
/** Short flags without a value, by long name. */
const SHORT_BOOL: Record<string, string> = {
  k: 'insecure', G: 'get', I: 'head', s: 'silent', S: 'show-error', v: 'verbose', i: 'include', L: 'location', O: 'remote-name',
  f: 'fail', '#': 'progress-bar', N: 'no-buffer', g: 'globoff', '4': 'ipv4', '6': 'ipv6', n: 'netrc', q: 'disable', Z: 'parallel', J: 'remote-header-name',
};
/** Flags that change only what curl prints or keeps, not the request: accepted silently. */
const QUIET = new Set([
  'silent', 'show-error', 'verbose', 'include', 'output', 'remote-name', 'remote-header-name', 'write-out', 'progress-bar', 'no-progress-meter',
  'fail', 'fail-with-body', 'no-buffer', 'globoff', 'dump-header', 'stderr', 'trace', 'trace-ascii', 'trace-time', 'create-dirs', 'output-dir',
  'no-keepalive', 'tcp-nodelay', 'path-as-is', 'disable', 'styled-output', 'no-styled-output', 'ipv4', 'ipv6', 'remote-time',
]);

interface Curl {
  pos: Word;
  url?: Word;
  method?: string;
  headers: [string, string, Word][];
  /** Each -d/--data-*; `file`: a --data-binary @file (sent as bodyFile when it is the only data). */
  data: { text: string; word: Word; file?: string }[];
  json: boolean;
  get: boolean;
  head: boolean;
  user?: Word;
  cookie?: Word;
  insecure: boolean;
  compressed: boolean;
  protocol?: 'auto' | 'h2' | 'http1';
  timeout?: number;
}

const where = (source: string, w: Word): string => `${source} line ${w.line}:${w.column}`;

/** `@file` data: curl's -d strips CR and LF from the file; --data-binary keeps it as is. */
function readAt(name: string, w: Word, source: string, cwd: string): string {
  try {
    return readFileSync(resolvePath(cwd, name), 'utf8');
  } catch (e) {
    throw new FastbenchError('ERR_USAGE_FILE', `cannot read @${name} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: source, line: w.line, column: w.column });
  }
}

/** --data-urlencode's forms: content, =content, name=content, @file, name@file. */
function urlencoded(v: string, w: Word, source: string, cwd: string): string {
  const eq = v.indexOf('=');
  const at = v.indexOf('@');
  if (eq >= 0 && (at < 0 || eq < at)) {
    const name = v.slice(0, eq);
    const content = encodeURIComponent(v.slice(eq + 1));
    return name === '' ? content : `${name}=${content}`;
  }
  if (at >= 0) {
    const name = v.slice(0, at);
    const content = encodeURIComponent(readAt(v.slice(at + 1), w, source, cwd));
    return name === '' ? content : `${name}=${content}`;
  }
  return encodeURIComponent(v);
}

/** Reads one command's words (after `curl`) into a Curl. */
class CurlReader {
  private i = 1;
  readonly c: Curl;

  constructor(
    private readonly words: Word[],
    private readonly source: string,
    private readonly opts: CurlOptions,
    private readonly log: ImportLog,
  ) {
    this.c = { pos: words[0]!, headers: [], data: [], json: false, get: false, head: false, insecure: false, compressed: false };
  }

  read(): Curl {
    const { words } = this;
    while (this.i < words.length) {
      const w = words[this.i++]!;
      const t = w.text;
      if (t.startsWith('--') && t.length > 2) {
        const name = t.slice(2);
        this.flag(name, w, LONG_WITH_VALUE.has(name) ? this.value(t, w) : undefined);
      } else if (t.startsWith('-') && t.length > 1) {
        this.shortCluster(w);
      } else if (this.c.url === undefined) {
        this.c.url = w;
      } else {
        this.log.warn(where(this.source, w), 'an extra word (a second URL?): ignored');
      }
    }
    return this.c;
  }

  private value(flag: string, w: Word): Word {
    const v = this.words[this.i++];
    if (v === undefined) throw new FastbenchError('ERR_IMPORT_FORMAT', `${flag} needs a value`, { file: this.source, line: w.line, column: w.column });
    return v;
  }

  /** A cluster of short flags: -sSL, -XPOST, -HAccept:x/y (a value-taking flag takes the rest). */
  private shortCluster(w: Word): void {
    const t = w.text;
    for (let k = 1; k < t.length; k++) {
      const ch = t[k]!;
      const at: Word = { text: `-${ch}`, line: w.line, column: w.column + k };
      const long = SHORT[ch];
      if (long !== undefined) {
        const rest = t.slice(k + 1);
        this.flag(long, at, rest !== '' ? { text: rest, line: w.line, column: w.column + k + 1 } : this.value(at.text, w));
        return;
      }
      const b = SHORT_BOOL[ch];
      if (b !== undefined) this.flag(b, at, undefined);
      else this.log.warn(where(this.source, at), `curl option -${ch} is not mapped`);
    }
  }

  private flag(name: string, w: Word, v: Word | undefined): void {
    if (this.requestFlag(name, v) || this.dataFlag(name, v) || this.clientFlag(name, w, v)) return;
    if (QUIET.has(name)) return;
    // The value is never echoed: it may be a credential (--pass, --proxy-user, --cert file:password).
    this.log.warn(where(this.source, w), `curl option ${w.text} is not mapped${v !== undefined ? ` (its value at ${v.line}:${v.column} is skipped)` : ''}`);
  }

  /** URL, method, headers, credentials. */
  private requestFlag(name: string, v: Word | undefined): boolean {
    const { c } = this;
    const text = v?.text ?? '';
    switch (name) {
      case 'url':
        if (c.url === undefined) c.url = v;
        else this.log.warn(where(this.source, v!), 'a second URL in one curl command: only the first is imported');
        return true;
      case 'request':
        c.method = text.toUpperCase();
        return true;
      case 'header':
        this.header(v!);
        return true;
      case 'user':
        c.user = v;
        return true;
      case 'oauth2-bearer':
        c.headers.push(['Authorization', `Bearer ${text}`, v!]);
        return true;
      case 'cookie':
        if (!text.includes('=')) this.log.warn(where(this.source, v!), `-b "${text}" names a cookie file, which is not read: no Cookie header`);
        else c.cookie = v;
        return true;
      case 'user-agent':
        c.headers.push(['User-Agent', text, v!]);
        return true;
      case 'referer':
        c.headers.push(['Referer', text.replace(/;auto$/, ''), v!]);
        return true;
      case 'get':
        c.get = true;
        return true;
      case 'head':
        c.head = true;
        return true;
      default:
        return false;
    }
  }

  private header(v: Word): void {
    const text = v.text;
    if (text.startsWith('@')) {
      this.log.warn(where(this.source, v), `headers from a file (${text}) are not read`);
      return;
    }
    const colon = text.indexOf(':');
    const semi = text.indexOf(';');
    if (colon > 0) this.c.headers.push([text.slice(0, colon).trim(), text.slice(colon + 1).trim(), v]);
    else if (semi > 0 && semi === text.length - 1) this.c.headers.push([text.slice(0, semi).trim(), '', v]);
    else this.log.warn(where(this.source, v), '-H value is not "Name: value"; left out');
  }

  /** -d and its relatives, --json. */
  private dataFlag(name: string, v: Word | undefined): boolean {
    const { c, source } = this;
    const cwd = this.opts.cwd;
    const text = v?.text ?? '';
    const file = text.startsWith('@') ? text.slice(1) : undefined;
    switch (name) {
      case 'data':
      case 'data-ascii':
        c.data.push({ text: file !== undefined ? readAt(file, v!, source, cwd).replace(/[\r\n]/g, '') : text, word: v! });
        return true;
      case 'data-raw':
        c.data.push({ text, word: v! });
        return true;
      case 'data-binary':
        // Read now (an unreadable file fails here, with its position); sent as-is as a bodyFile
        // when it is the command's only data.
        if (file !== undefined) c.data.push({ text: readAt(file, v!, source, cwd), word: v!, file: resolvePath(cwd, file) });
        else c.data.push({ text, word: v! });
        return true;
      case 'data-urlencode':
        c.data.push({ text: urlencoded(text, v!, source, cwd), word: v! });
        return true;
      case 'json':
        c.json = true;
        c.data.push({ text: file !== undefined ? readAt(file, v!, source, cwd) : text, word: v! });
        return true;
      default:
        return false;
    }
  }

  /** What becomes client settings, and -L. */
  private clientFlag(name: string, w: Word, v: Word | undefined): boolean {
    const { c } = this;
    switch (name) {
      case 'insecure':
        c.insecure = true;
        return true;
      case 'compressed':
        c.compressed = true;
        return true;
      case 'http2':
        c.protocol = 'auto';
        return true;
      case 'http2-prior-knowledge':
        c.protocol = 'h2';
        return true;
      case 'http1.1':
        c.protocol = 'http1';
        return true;
      case 'max-time': {
        const s = Number(v!.text);
        if (Number.isFinite(s) && s > 0) c.timeout = Math.ceil(s * 1000);
        else this.log.warn(where(this.source, v!), `--max-time "${v!.text}" is not a number of seconds`);
        return true;
      }
      case 'location':
        this.log.warn(where(this.source, w), `${w.text}: redirects are not followed by a load test; the first response is measured`);
        return true;
      default:
        return false;
    }
  }
}

/** -u user[:password] → `auth:` with both as placeholders (curl would prompt for a missing password). */
function basicAuth(w: Word, source: string, log: ImportLog): NonNullable<RequestDoc['auth']> {
  const u = w.text;
  const colon = u.indexOf(':');
  const at = where(source, w);
  const auth: NonNullable<RequestDoc['auth']> = { user: log.secret('BASIC_USER', colon < 0 ? u : u.slice(0, colon), 'the user name of -u', at) };
  if (colon >= 0) auth.password = log.secret('BASIC_PASSWORD', u.slice(colon + 1), 'the password of -u', at);
  else log.warn(at, '-u without ":password": curl would prompt for it; add `password:` to the auth');
  return auth;
}

function toRequest(c: Curl, source: string, log: ImportLog, cookies: CookieValues): { url: URL; req: RequestDoc; client: Partial<Record<string, unknown>> } {
  const w = c.url;
  if (w === undefined) throw new FastbenchError('ERR_IMPORT_FORMAT', 'curl command without a URL', { file: source, line: c.pos.line, column: c.pos.column });
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(w.text) ? w.text : `http://${w.text}`);
  } catch {
    throw new FastbenchError('ERR_IMPORT_FORMAT', `"${w.text}" is not a URL`, { file: source, line: w.line, column: w.column });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FastbenchError('ERR_IMPORT_FORMAT', `${url.protocol} URLs are not HTTP`, { file: source, line: w.line, column: w.column });
  }
  const at = where(source, w);
  const headers: Record<string, string> = {};
  const has = (name: string): boolean => Object.keys(headers).some((k) => k.toLowerCase() === name.toLowerCase());
  const ownCookie = c.headers.find(([n]) => n.toLowerCase() === 'cookie');
  for (const [name, value, hw] of c.headers) {
    if (c.cookie !== undefined && hw === ownCookie?.[2]) continue; // joined with -b below
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
      log.warn(where(source, hw), `"${name}" is not a valid header name; left out`);
      continue;
    }
    if (/^(host|content-length|connection|transfer-encoding)$/i.test(name)) {
      log.warn(where(source, hw), `the ${name} header is computed by the client; left out`);
      continue;
    }
    const prev = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
    if (prev !== undefined) delete headers[prev];
    headers[name] = headerValue(name, value, log, where(source, hw));
  }
  const auth = c.user !== undefined ? basicAuth(c.user, source, log) : undefined;
  if (c.cookie !== undefined) {
    const prev = Object.keys(headers).find((k) => k.toLowerCase() === 'cookie');
    if (prev !== undefined) delete headers[prev];
    // A request's own Cookie header replaces the jar's: -b and -H Cookie stay one header.
    if (ownCookie !== undefined) headers['Cookie'] = headerValue('Cookie', `${c.cookie.text}; ${ownCookie[1]}`, log, where(source, c.cookie));
    else cookies.add(c.cookie.text, log, where(source, c.cookie));
  }
  let method = c.method ?? (c.head ? 'HEAD' : c.data.length > 0 ? (c.get ? 'GET' : 'POST') : 'GET');
  let query = url.search.slice(1);
  let body: string | undefined;
  let bodyFile: string | undefined;
  const data = c.data.map((d) => d.text).join('&');
  if (c.get && c.data.length > 0) {
    query = query === '' ? data : `${query}&${data}`;
    if (c.method === undefined) method = 'GET';
  } else if (c.data.length === 1 && c.data[0]!.file !== undefined && !c.json) {
    bodyFile = c.data[0]!.file;
    if (!has('content-type')) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  } else if (c.data.length > 0) {
    if (c.json) {
      if (!has('content-type')) headers['Content-Type'] = 'application/json';
      if (!has('accept')) headers['Accept'] = 'application/json';
      body = literal(data);
    } else {
      if (!has('content-type')) headers['Content-Type'] = 'application/x-www-form-urlencoded';
      const type = headers[Object.keys(headers).find((k) => k.toLowerCase() === 'content-type')!]!;
      body = /x-www-form-urlencoded/i.test(type) ? redactForm(data, log, at) : literal(data);
    }
  }
  const req: RequestDoc = {};
  if (method !== 'GET') req.method = method;
  req.url = url.origin + literal(url.pathname) + (query === '' ? '' : `?${redactQuery(query, log, at)}`);
  if (Object.keys(headers).length > 0) req.headers = headers;
  if (body !== undefined) req.body = body;
  if (bodyFile !== undefined) req.bodyFile = bodyFile;
  if (auth !== undefined) req.auth = auth;
  if (c.compressed) req.compressed = true;
  const client: Record<string, unknown> = {};
  if (c.insecure) client['insecure'] = true;
  if (c.protocol !== undefined) client['protocol'] = c.protocol;
  if (c.timeout !== undefined) client['timeout'] = `${c.timeout}ms`;
  return { url, req, client };
}

/** The curl import: `text` holds one or more commands. */
export function importCurl(text: string, source: string, opts: CurlOptions, log: ImportLog): ScenarioDoc {
  const commands = splitCommands(text, source);
  if (commands.length === 0) throw new FastbenchError('ERR_IMPORT_EMPTY', 'no curl command given', { file: source, line: 1, column: 1 });
  const cookies = new CookieValues();
  const built = commands.map((words) => {
    const first = words[0]!;
    if (!/(^|\/)curl(\.exe)?$/.test(first.text)) {
      throw new FastbenchError('ERR_IMPORT_FORMAT', `expected a curl command, got "${first.text}"`, { file: source, line: first.line, column: first.column });
    }
    return { pos: first, ...toRequest(new CurlReader(words, source, opts, log).read(), source, log, cookies) };
  });
  const target = chooseOrigin(built.map((b) => b.url.origin));
  const client: Record<string, unknown> = {};
  for (const b of built) {
    for (const [k, v] of Object.entries(b.client)) {
      if (client[k] !== undefined && client[k] !== v && k !== 'insecure') log.warn(where(source, b.pos), `client.${k} ${String(v)} differs from an earlier line's ${String(client[k])}: the scenario has one client, the first is kept`);
      else if (client[k] === undefined || k === 'insecure') client[k] = client[k] === true ? true : v;
    }
  }
  const requests = built.map((b, i) => {
    const { url, ...rest } = b.req;
    // Requests on the target's origin use `path`; others keep their absolute `url`.
    const place = b.url.origin === target ? { path: url!.slice(target.length) } : { url };
    const r: RequestDoc = { name: `${i + 1} ${rest.method ?? 'GET'} ${b.url.pathname}` };
    if (rest.method !== undefined) r.method = rest.method;
    return { ...r, ...place, ...rest };
  });
  hoistToClient(requests, client, 'auth');
  hoistToClient(requests, client, 'compressed');
  // cookies and client before load, as a person would write them
  const doc = { name: 'curl', description: `${requests.length} curl command(s)`, target } as ScenarioDoc;
  if (cookies.size > 0) {
    doc.cookies = { values: cookies.values };
    log.note('-b cookies seed every virtual user\'s cookie jar (cookies.values), so every request sends them; Set-Cookie answers update the jar');
  }
  if (Object.keys(client).length > 0) doc.client = client;
  doc.load = opts.load;
  if (opts.flow === true) doc.flows = [{ name: 'curl', steps: requests }];
  else doc.requests = requests;
  return doc;
}
