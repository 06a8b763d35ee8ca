// HTTP/2 from real clients against the bundled server: Node's http2 client (h2c prior knowledge
// and TLS with ALPN), curl, nghttp and h2load, over every major route family. Clients missing on
// this machine are skipped with the reason printed (CI installs them: .ci/run).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pseudoRandomBytes } from '../../../src/server/routes/bytes.js';
import { createServer, type FastbenchServer } from '../../../src/server/server.js';
import { makeSelfSignedCertificate, type TlsMaterial } from '../../../src/server/tls-cert.js';

const CURL = '/usr/bin/curl';
const NGHTTP = '/usr/bin/nghttp';
const H2LOAD = '/usr/bin/h2load';

function have(bin: string, what: string): boolean {
  if (existsSync(bin)) return true;
  process.stdout.write(`skipped: ${what} needs ${bin} (not installed)\n`);
  return false;
}

function run(bin: string, args: string[]): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${bin} ${args.join(' ')}: ${err.message}\n${stderr.toString()}`));
      else resolve({ stdout, stderr: stderr.toString() });
    });
  });
}

interface H2Answer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
  trailers: http2.IncomingHttpHeaders;
}

function request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: Buffer | string): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const req = session.request(headers, { endStream: body === undefined });
    const parts: Buffer[] = [];
    let status = 0;
    let head: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    req.on('response', (h) => {
      status = Number(h[':status']);
      head = h;
    });
    req.on('trailers', (t) => (trailers = t));
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => resolve({ status, headers: head, body: Buffer.concat(parts), trailers }));
    req.on('error', reject);
    if (body !== undefined) req.end(body);
  });
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let server: FastbenchServer;
let url: string;
let port: number;

beforeAll(async () => {
  server = createServer({ port: 0, quiet: true });
  ({ url, port } = await server.listen());
});

afterAll(async () => {
  await server.close(500);
});

describe('h2c prior knowledge (node:http2)', () => {
  let session: http2.ClientHttp2Session;
  beforeAll(async () => {
    session = http2.connect(url);
    await new Promise<void>((resolve, reject) => session.once('connect', () => resolve()).once('error', reject));
  });
  afterAll(() => session.close());

  it('answers /plaintext and /json, and plain HTTP/1.1 on the same port still works', async () => {
    const a = await request(session, { ':path': '/plaintext' });
    expect(a.status).toBe(200);
    expect(a.body.toString()).toBe('Hello, World!');
    expect(a.headers['content-length']).toBe('13');
    const j = await request(session, { ':path': '/json' });
    expect(JSON.parse(j.body.toString())).toEqual({ message: 'Hello, World!' });
    const h1 = await new Promise<string>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.end('GET /plaintext HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('close', () => resolve(got));
    });
    expect(h1.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    expect(h1.endsWith('Hello, World!')).toBe(true);
  });

  it('streams a large /bytes body under flow control, byte for byte', async () => {
    const n = 5 * 1024 * 1024 + 17;
    const a = await request(session, { ':path': `/bytes/${n}?seed=7` });
    expect(a.status).toBe(200);
    expect(a.body.length).toBe(n);
    expect(sha(a.body)).toBe(sha(pseudoRandomBytes(7, n)));
  });

  it('many concurrent streams on one connection all get their own answer', async () => {
    const all = await Promise.all(Array.from({ length: 50 }, (_, i) => request(session, { ':path': `/anything/${i}` })));
    all.forEach((a, i) => {
      expect(a.status).toBe(200);
      expect(JSON.parse(a.body.toString()).path).toBe(`/anything/${i}`);
    });
  });

  it('/anything echoes a POST body, the protocol and the pseudo-headers', async () => {
    const body = Buffer.from(JSON.stringify({ k: 'v'.repeat(300_000) }));
    const a = await request(session, { ':method': 'POST', ':path': '/anything/x?q=1', 'content-type': 'application/json', 'x-test': 'yes' }, body);
    expect(a.status).toBe(200);
    const doc = JSON.parse(a.body.toString());
    expect(doc.protocol).toBe('HTTP/2');
    expect(doc.httpVersion).toBe('2');
    expect(doc.method).toBe('POST');
    expect(doc.url).toBe('/anything/x?q=1');
    expect(doc.query).toEqual({ q: '1' });
    expect(doc.body).toBe(body.toString());
    const pseudo = Object.fromEntries(doc.pseudoHeaders as [string, string][]);
    expect(pseudo[':method']).toBe('POST');
    expect(pseudo[':path']).toBe('/anything/x?q=1');
    expect(pseudo[':scheme']).toBe('http');
    expect(pseudo[':authority']).toBe(`127.0.0.1:${port}`);
    const headers = Object.fromEntries(doc.headers as [string, string][]);
    expect(headers['x-test']).toBe('yes');
    expect(headers.host).toBe(`127.0.0.1:${port}`);
  });

  it('/status/404, /delay and /site answer as over HTTP/1.1', async () => {
    expect((await request(session, { ':path': '/status/404' })).status).toBe(404);
    const d = await request(session, { ':path': '/delay/50' });
    expect(d.status).toBe(200);
    const site = await request(session, { ':path': '/site/' });
    expect(site.status).toBe(200);
    expect(site.headers['content-type']).toContain('text/html');
    expect(site.body.toString()).toContain('<a href=');
  });

  it('answers 413 on the stream (and keeps the connection) for a body past the limit', async () => {
    const small = createServer({ port: 0, quiet: true, maxRequestBodySize: 1000 });
    const { url: u } = await small.listen();
    const s = http2.connect(u);
    try {
      const a = await request(s, { ':method': 'POST', ':path': '/anything' }, Buffer.alloc(5000, 0x61));
      expect(a.status).toBe(413);
      const b = await request(s, { ':path': '/plaintext' });
      expect(b.status).toBe(200);
      expect(small.stats().rejections.ERR_HTTP_BODY_TOO_LARGE).toBe(1);
    } finally {
      s.close();
      await small.close(200);
    }
  });

  it('answers 431 on the stream for a header list past SETTINGS_MAX_HEADER_LIST_SIZE', async () => {
    const a = await request(session, { ':path': '/plaintext', 'x-big': 'a'.repeat(20_000) });
    expect(a.status).toBe(431);
    // the connection lives on
    expect((await request(session, { ':path': '/plaintext' })).status).toBe(200);
    expect(server.stats().http2.headerListTooLarge).toBeGreaterThan(0);
  });

  it('counts h2 connections and streams in /__stats', async () => {
    const a = await request(session, { ':path': '/__stats' });
    const stats = JSON.parse(a.body.toString());
    expect(stats.http2.connections).toBeGreaterThanOrEqual(1);
    expect(stats.http2.streams).toBeGreaterThanOrEqual(50);
  });
});

describe('TLS with ALPN', () => {
  let tls: TlsMaterial;
  let secure: FastbenchServer;
  let surl: string;
  beforeAll(async () => {
    tls = makeSelfSignedCertificate();
    secure = createServer({ port: 0, quiet: true, tls: { cert: tls.cert, key: tls.key } });
    surl = (await secure.listen()).url;
  });
  afterAll(async () => {
    await secure.close(500);
    tls.cleanup();
  });

  it('negotiates h2 with node:http2 and answers', async () => {
    const s = http2.connect(surl, { ca: tls.cert, servername: 'localhost' });
    try {
      await new Promise<void>((resolve, reject) => s.once('connect', () => resolve()).once('error', reject));
      expect(s.alpnProtocol).toBe('h2');
      const a = await request(s, { ':path': '/anything' });
      expect(JSON.parse(a.body.toString()).protocol).toBe('HTTP/2');
      expect(JSON.parse(a.body.toString()).pseudoHeaders).toContainEqual([':scheme', 'https']);
    } finally {
      s.close();
    }
  });

  it.runIf(have(CURL, 'curl over TLS'))('curl --http2 -k gets h2; --http1.1 gets HTTP/1.1 from the same port', async () => {
    const h2 = await run(CURL, ['-sk', '--http2', '-w', '\n%{http_version}', `${surl}/anything`]);
    const [body, version] = h2.stdout.toString().split('\n').reduce<[string, string]>((acc, line, i, all) => (i === all.length - 1 ? [acc[0], line] : [acc[0] + line + '\n', acc[1]]), ['', '']);
    expect(version).toBe('2');
    expect(JSON.parse(body).protocol).toBe('HTTP/2');
    const h1 = await run(CURL, ['-sk', '--http1.1', '-w', '%{http_version}', '-o', '/dev/null', `${surl}/plaintext`]);
    expect(h1.stdout.toString()).toBe('1.1');
  });

  it('with http2 off, ALPN offers only http/1.1', async () => {
    const off = createServer({ port: 0, quiet: true, http2: false, tls: { cert: tls.cert, key: tls.key } });
    const u = (await off.listen()).url;
    const s = http2.connect(u, { ca: tls.cert, servername: 'localhost' });
    const err = await new Promise<Error | undefined>((resolve) => {
      s.once('connect', () => resolve(undefined));
      s.once('error', (e) => resolve(e));
    });
    s.destroy();
    await off.close(200);
    expect(err).toBeDefined();
  });
});

describe('curl, nghttp and h2load (h2c)', () => {
  it.runIf(have(CURL, 'curl --http2-prior-knowledge'))('curl --http2-prior-knowledge: every route family', async () => {
    const get = async (path: string, ...extra: string[]): Promise<{ code: string; version: string; body: Buffer }> => {
      const r = await run(CURL, ['-s', '--http2-prior-knowledge', '-o', '-', '-w', '\n%{http_code} %{http_version}', ...extra, `${url}${path}`]);
      const out = r.stdout;
      const nl = out.lastIndexOf(0x0a);
      const [code, version] = out.subarray(nl + 1).toString().split(' ');
      return { code: code!, version: version!, body: out.subarray(0, nl) };
    };
    const p = await get('/plaintext');
    expect([p.code, p.version, p.body.toString()]).toEqual(['200', '2', 'Hello, World!']);
    expect((await get('/status/404')).code).toBe('404');
    const n = 3_000_001;
    const b = await get(`/bytes/${n}`);
    expect(b.body.length).toBe(n);
    expect(sha(b.body)).toBe(sha(pseudoRandomBytes(0, n)));
    const post = await get('/anything', '-d', 'a=1&b=2');
    expect(JSON.parse(post.body.toString()).body).toBe('a=1&b=2');
    expect((await get('/delay/10')).code).toBe('200');
    expect((await get('/site/')).body.toString()).toContain('<a href=');
  });

  it.runIf(have(NGHTTP, 'nghttp'))('nghttp fetches /plaintext and a large /bytes body', async () => {
    const r = await run(NGHTTP, ['-n', '-s', `${url}/plaintext`]);
    expect(r.stdout.toString()).toMatch(/200/);
    const big = await run(NGHTTP, [`${url}/bytes/1000000`]);
    expect(big.stdout.length).toBe(1_000_000);
    expect(sha(big.stdout)).toBe(sha(pseudoRandomBytes(0, 1_000_000)));
  });

  it.runIf(have(H2LOAD, 'h2load'))('h2load -n 2000 -c 4 -m 10: no failures', async () => {
    const r = await run(H2LOAD, ['-n', '2000', '-c', '4', '-m', '10', `${url}/plaintext`]);
    const out = r.stdout.toString();
    expect(out).toMatch(/requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, 0 errored/);
    expect(out).toMatch(/status codes: 2000 2xx/);
  });
});

describe('the ServerResponse contract over HTTP/2 (a custom dispatcher)', () => {
  it('streamed bodies with trailers, HEAD, a handler that throws (500), sendRaw re-framed', async () => {
    const raw = Buffer.from('HTTP/1.1 203 Non-Authoritative Information\r\nContent-Type: text/plain\r\nX-Raw: 1\r\nContent-Length: 3\r\n\r\nraw', 'latin1');
    const app = createServer({
      port: 0,
      quiet: true,
      dispatcher: {
        dispatch(req, res) {
          if (req.path === '/trailers') {
            res.begin(200, ['Content-Type', 'text/plain', 'Trailer', 'x-sum', 'Connection', 'keep-alive']);
            res.write('part1,');
            res.write(Buffer.from('part2'));
            res.end([['x-sum', '42']]);
          } else if (req.path === '/throw') {
            throw new Error('boom');
          } else if (req.path === '/raw') {
            res.sendRaw(raw);
          } else {
            res.send(200, `${req.method} ${req.httpVersion}`, ['Content-Type', 'text/plain']);
          }
        },
      },
    });
    const { url: u } = await app.listen();
    const s = http2.connect(u);
    try {
      const t = await request(s, { ':path': '/trailers' });
      expect(t.status).toBe(200);
      expect(t.body.toString()).toBe('part1,part2');
      expect(t.trailers['x-sum']).toBe('42');
      expect(t.headers.connection).toBeUndefined(); // connection-specific fields are dropped
      const h = await request(s, { ':path': '/x', ':method': 'HEAD' });
      expect(h.status).toBe(200);
      expect(h.body.length).toBe(0);
      expect(h.headers['content-length']).toBe('6'); // the length of the body it would have ("HEAD 2")
      const e = await request(s, { ':path': '/throw' });
      expect(e.status).toBe(500);
      const r = await request(s, { ':path': '/raw' });
      expect([r.status, r.headers['x-raw'], r.body.toString()]).toEqual([203, '1', 'raw']);
      expect(app.stats().rejections.ERR_SERVER_HANDLER).toBe(1);
    } finally {
      s.close();
      await app.close(200);
    }
  });
});

describe('--http2 off', () => {
  it('a plain connection opening with the preface is HTTP/1.1 (and rejected as such)', async () => {
    const off = createServer({ port: 0, quiet: true, http2: false });
    const { port: p } = await off.listen();
    try {
      const got = await new Promise<string>((resolve) => {
        const s = net.connect(p, '127.0.0.1', () => s.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
        let b = '';
        s.on('data', (d) => (b += d.toString('latin1')));
        s.on('close', () => resolve(b));
        s.on('error', () => resolve(b));
      });
      expect(got).toMatch(/^HTTP\/1\.1 (400|505)/);
      expect(off.stats().http2.connections).toBe(0);
    } finally {
      await off.close(200);
    }
  });
});

