// The HTTP/2 client against real peers started here: Node's http2 server (h2c and TLS with ALPN),
// nginx (h2 over TLS, and h2c via `listen ... http2`) and nghttpd (h2c and TLS), each through
// the library and the built CLI (`request --http2`, `bench --http2`). A peer that is not
// installed is skipped with a printed reason.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastbenchError } from '../../../src/core/errors.js';
import { PipelineClient } from '../../../src/client/pipeline-client.js';
import { HostClient } from '../../../src/client/host-client.js';
import type { ProtocolChoice } from '../../../src/client/client-options.js';
import { Request } from '../../../src/client/request.js';
import { Response } from '../../../src/client/response.js';
import { nginxPath, startNginxServers } from '../../fixtures/nginx.js';
import { selfSignedCert } from '../../fixtures/client/servers.js';
import { spawnCli } from '../cli/spawn-cli.js';

const cert = selfSignedCert();
const certSkip = 'skip' in cert ? cert.skip : '';
if (certSkip !== '') console.log(`HTTP/2 TLS peers skipped: ${certSkip}`);
const NGHTTPD = '/usr/sbin/nghttpd';
const hasNghttpd = spawnSync(NGHTTPD, ['--version']).status === 0;
if (!hasNghttpd) console.log('nghttpd tests skipped: /usr/sbin/nghttpd is not installed (Debian nghttp2-server)');
const nginx = nginxPath();
if (nginx === undefined) console.log('nginx HTTP/2 tests skipped: nginx is not installed');

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`peer exited with ${child.exitCode}`);
    const up = await new Promise<boolean>((ok) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => (c.destroy(), ok(true)));
      c.once('error', () => ok(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`peer did not listen on ${port} in time`);
}

const stops: (() => Promise<void>)[] = [];
function stopChild(child: ChildProcess, dir: string): () => Promise<void> {
  return () =>
    new Promise<void>((ok) => {
      const done = (): void => {
        rmSync(dir, { recursive: true, force: true });
        ok();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', done);
      child.kill('SIGTERM');
    });
}

// ---- peers
let nodeH2c = '';
let nodeTls = '';
let nodeH1Tls = '';
let nginxTls = '';
let nginxH2c = '';
let nghttpdH2c = '';
let nghttpdTls = '';

function onNodeStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  let n = 0;
  stream.on('data', (d: Buffer) => (n += d.length));
  stream.on('end', () => {
    stream.respond({ ':status': 200, 'x-method': String(headers[':method']) });
    stream.end(`node ${headers[':path']} ${n}`);
  });
}

beforeAll(async () => {
  const s1 = http2.createServer();
  s1.on('stream', onNodeStream);
  await new Promise<void>((r) => s1.listen(0, '127.0.0.1', r));
  nodeH2c = `http://127.0.0.1:${(s1.address() as { port: number }).port}`;
  stops.push(() => new Promise<void>((r) => s1.close(() => r())));
  if ('skip' in cert) return;
  const s2 = http2.createSecureServer({ key: cert.key, cert: cert.cert });
  s2.on('stream', onNodeStream);
  await new Promise<void>((r) => s2.listen(0, '127.0.0.1', r));
  nodeTls = `https://127.0.0.1:${(s2.address() as { port: number }).port}`;
  stops.push(() => new Promise<void>((r) => s2.close(() => r())));
  const s3 = https.createServer({ key: cert.key, cert: cert.cert }, (_req, res) => res.end('h1 only'));
  await new Promise<void>((r) => s3.listen(0, '127.0.0.1', r));
  nodeH1Tls = `https://127.0.0.1:${(s3.address() as { port: number }).port}`;
  stops.push(() => new Promise<void>((r) => s3.close(() => r())));

  if (nginx !== undefined) {
    // nginx 1.22: `listen ... http2` (the `http2 on` directive came in 1.25.1).
    const n = await startNginxServers((dir, [tlsPort, h2cPort]) => `
  server {
    listen 127.0.0.1:${tlsPort} ssl http2;
    ssl_certificate ${dir}/cert.pem;
    ssl_certificate_key ${dir}/key.pem;
    root ${dir};
  }
  server {
    listen 127.0.0.1:${h2cPort} http2;
    root ${dir};
  }`, { ports: 2, files: { 'key.pem': cert.key, 'cert.pem': cert.cert, 'index.html': 'nginx says hi\n' } });
    if (n !== undefined) {
      nginxTls = `https://127.0.0.1:${n.ports[0]!}`;
      nginxH2c = `http://127.0.0.1:${n.ports[1]!}`;
      stops.push(() => n.stop());
    }
  }
  if (hasNghttpd) {
    for (const tls of [false, true]) {
      const dir = mkdtempSync(join(tmpdir(), 'fastbench-nghttpd-'));
      writeFileSync(join(dir, 'key.pem'), cert.key);
      writeFileSync(join(dir, 'cert.pem'), cert.cert);
      writeFileSync(join(dir, 'index.html'), 'nghttpd says hi\n');
      const port = await freePort();
      const args = ['-a', '127.0.0.1', '-d', dir, ...(tls ? [String(port), join(dir, 'key.pem'), join(dir, 'cert.pem')] : ['--no-tls', String(port)])];
      const child = spawn(NGHTTPD, args, { stdio: 'ignore' });
      await waitForPort(port, child);
      if (tls) nghttpdTls = `https://127.0.0.1:${port}`;
      else nghttpdH2c = `http://127.0.0.1:${port}`;
      stops.push(stopChild(child, dir));
    }
  }
}, 30_000);

afterAll(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

function clientFor(origin: string, protocol: ProtocolChoice, streams = 10): PipelineClient {
  const u = new URL(origin);
  return new PipelineClient({ host: u.hostname, port: Number(u.port), tls: u.protocol === 'https:', insecure: true, protocol, maxConns: 2, maxPendingRequests: streams });
}

async function many(c: PipelineClient | HostClient, n: number, path: string, method = 'GET', body?: Buffer): Promise<Response[]> {
  const all: Promise<Response>[] = [];
  for (let i = 0; i < n; i++) all.push(c.doTimeout(new Request({ url: path, method, ...(body !== undefined ? { body } : {}) }), new Response(), 10_000));
  return Promise.all(all);
}

describe('HTTP/2 client against Node\'s http2 server', () => {
  it('h2c (prior knowledge): 40 requests over multiplexed streams, bodies up and down', async () => {
    const c = clientFor(nodeH2c, 'h2');
    try {
      const rs = await many(c, 40, '/get');
      expect(rs.every((r) => r.status === 200 && r.httpVersion === '2' && r.bodyText() === 'node /get 0')).toBe(true);
      const up = await many(c, 4, '/up', 'POST', Buffer.alloc(300_000, 7)); // past the default 64 KiB windows
      expect(up.map((r) => r.bodyText())).toEqual(Array(4).fill('node /up 300000'));
      expect(up[0]!.header('x-method')).toBe('POST');
      expect(c.connCount).toBeLessThanOrEqual(2);
    } finally {
      await c.close();
    }
  });

  it.skipIf(certSkip !== '')('TLS: ALPN picks h2 for protocol h2 and auto; auto falls back to HTTP/1.1 on a server without h2', async () => {
    for (const choice of ['h2', 'auto'] as const) {
      const c = clientFor(nodeTls, choice);
      try {
        const rs = await many(c, 20, '/tls');
        expect(rs.every((r) => r.httpVersion === '2' && r.bodyText() === 'node /tls 0')).toBe(true);
      } finally {
        await c.close();
      }
    }
    const auto = clientFor(nodeH1Tls, 'auto', 1);
    try {
      const [r] = await many(auto, 1, '/');
      expect(r!.httpVersion).toBe('1.1');
      expect(r!.bodyText()).toBe('h1 only');
    } finally {
      await auto.close();
    }
    const strict = clientFor(nodeH1Tls, 'h2', 1);
    try {
      const err = await many(strict, 1, '/').then(() => null, (e: FastbenchError) => e);
      expect(err?.code).toBe('ERR_PROTOCOL_UNSUPPORTED');
    } finally {
      await strict.close();
    }
  });

  it('HostClient speaks h2 too (one stream per connection)', async () => {
    const u = new URL(nodeH2c);
    const c = new HostClient({ host: u.hostname, port: Number(u.port), protocol: 'h2', maxConns: 2, maxConnWaitTimeout: 5000 });
    try {
      const rs = await many(c, 10, '/host');
      expect(rs.every((r) => r.httpVersion === '2' && r.bodyText() === 'node /host 0')).toBe(true);
    } finally {
      await c.close();
    }
  });
});

describe.skipIf(nginx === undefined || certSkip !== '')('HTTP/2 client against nginx', () => {
  for (const [name, origin] of [['TLS + ALPN', () => nginxTls], ['h2c', () => nginxH2c]] as const) {
    it(`${name}: 30 requests on streams, static file bodies intact`, async () => {
      const c = clientFor(origin(), 'h2');
      try {
        const rs = await many(c, 30, '/index.html');
        expect(rs.every((r) => r.status === 200 && r.httpVersion === '2' && r.bodyText() === 'nginx says hi\n')).toBe(true);
        const missing = await many(c, 2, '/nope');
        expect(missing.map((r) => r.status)).toEqual([404, 404]);
      } finally {
        await c.close();
      }
    });
  }

  it('CLI: request --http2 prints HTTP/2 responses over h2c and TLS; --json says httpVersion "2"', async () => {
    const plain = await spawnCli(['request', '--http2', `${nginxH2c}/index.html`], { timeoutMs: 20_000 });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^HTTP\/2 200\n/);
    expect(plain.stdout).toContain('nginx says hi');
    const secure = await spawnCli(['request', '--http2', `${nginxTls}/index.html`, '--insecure', '--json'], { timeoutMs: 20_000 });
    expect(secure.code).toBe(0);
    const j = JSON.parse(secure.stdout) as { httpVersion: string; status: number; body: string };
    expect(j).toMatchObject({ httpVersion: '2', status: 200, body: 'nginx says hi\n' });
  });

  it('CLI: bench --http2 -c 2 -p 10 -d 1s completes with 0 errors (TLS)', async () => {
    const r = await spawnCli(['bench', '--http2', '-c', '2', '-p', '10', '-d', '1s', '-k', '--allow-invalid', `${nginxTls}/index.html`], { timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('errors: none');
    expect(r.stdout).toMatch(/status: 200 × \d+/);
  });
});

describe.skipIf(!hasNghttpd)('HTTP/2 client against nghttpd', () => {
  it('h2c and TLS: requests on streams, bodies intact', async () => {
    for (const origin of [nghttpdH2c, ...(certSkip === '' ? [nghttpdTls] : [])]) {
      const c = clientFor(origin, 'h2');
      try {
        const rs = await many(c, 30, '/index.html');
        expect(rs.every((r) => r.status === 200 && r.httpVersion === '2' && r.bodyText() === 'nghttpd says hi\n')).toBe(true);
      } finally {
        await c.close();
      }
    }
  });

  it('CLI: bench --http2 -c 2 -p 10 -d 1s completes with 0 errors (h2c), and against Node\'s h2c server', async () => {
    for (const origin of [nghttpdH2c, nodeH2c]) {
      const r = await spawnCli(['bench', '--http2', '-c', '2', '-p', '10', '-d', '1s', '--allow-invalid', `${origin}/index.html`], { timeoutMs: 30_000 });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('errors: none');
      expect(r.stdout).toMatch(/status: 200 × \d+/);
    }
  });
});
