// TLS connections are admitted at TCP accept, before any handshake: connections that never send
// a ClientHello count against --concurrency and the per-IP cap, and are closed after the
// handshake timeout (counted from accept), so they cannot pile up and starve real clients.
import { execFileSync } from 'node:child_process';
import https from 'node:https';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type FastbenchServer, type ServerOptions } from '../../../src/server/server.js';
import { makeSelfSignedCertificate, type TlsMaterial } from '../../../src/server/tls-cert.js';
import { RawClient } from './raw-client.js';
import { stubApp } from './stub-app.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let material: TlsMaterial;
let server: FastbenchServer | undefined;
const raws: RawClient[] = [];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function start(options: ServerOptions): Promise<number> {
  server = createServer({ port: 0, quiet: true, dispatcher: stubApp(), tls: { cert: material.cert, key: material.key }, ...options });
  return (await server.listen()).port;
}

/** A TCP connection that never starts a TLS handshake. */
async function silent(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  raws.push(c);
  return c;
}

async function until(cond: () => boolean, tries = 500): Promise<void> {
  for (let i = 0; i < tries && !cond(); i++) await sleep(10);
}

function httpsGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path, ca: material.cert, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

describe.skipIf(!hasOpenssl)('TLS admission from accept', () => {
  beforeAll(() => {
    material = makeSelfSignedCertificate();
  });
  afterAll(() => material?.cleanup());
  afterEach(async () => {
    for (const c of raws.splice(0)) c.destroy();
    await server?.close(200);
    server = undefined;
  });

  it('closes connections that never send (or never finish) a ClientHello after the handshake timeout', async () => {
    const port = await start({ handshakeTimeout: 300, readTimeout: 60_000 });
    const conns = await Promise.all(Array.from({ length: 5 }, () => silent(port)));
    // two of them start a handshake and stall: a TLS record header of a ClientHello, then nothing
    conns[0]!.socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
    conns[1]!.socket.write(Buffer.from([0x16, 0x03, 0x01]));
    await until(() => server!.stats().connections.handshaking === 5);
    expect(server!.stats().connections).toMatchObject({ open: 5, handshaking: 5 });
    const closes = await Promise.all(conns.map((c) => c.waitClose(10_000)));
    expect(closes).toHaveLength(5);
    for (const c of conns) expect(c.raw).toBe(''); // closed without a byte: nothing was negotiated
    await until(() => server!.stats().connections.open === 0);
    const stats = server!.stats();
    expect(stats.connections).toMatchObject({ open: 0, handshaking: 0 });
    expect(stats.rejections).toEqual({ ERR_SERVER_HANDSHAKE_TIMEOUT: 5 });
    // and a real client is served afterwards
    expect(await httpsGet(port, '/plain')).toEqual({ status: 200, body: 'Hello, World!' });
  });

  it('counts connections that have not handshaken against --concurrency; a real client succeeds once they are gone', async () => {
    const K = 3;
    const port = await start({ concurrency: K, handshakeTimeout: 3_000 });
    const held = await Promise.all(Array.from({ length: K }, () => silent(port)));
    await until(() => server!.stats().connections.handshaking === K);
    // the (K+1)th connection is refused at accept, while the K are still waiting to handshake
    const extra = await silent(port);
    await extra.waitClose(10_000);
    let stats = server!.stats();
    expect(stats.rejections).toEqual({ ERR_SERVER_CONCURRENCY_LIMIT: 1 });
    expect(stats.connections).toMatchObject({ open: K, handshaking: K, rejected: 1 });
    // a real TLS client is refused too while the cap is taken
    await expect(httpsGet(port, '/plain')).rejects.toThrow();
    // the K are closed by the handshake timeout; then a real client is served
    await Promise.all(held.map((c) => c.waitClose(15_000)));
    await until(() => server!.stats().connections.open === 0);
    expect(await httpsGet(port, '/plain')).toEqual({ status: 200, body: 'Hello, World!' });
    await until(() => server!.stats().connections.open === 0);
    stats = server!.stats();
    expect(stats.rejections).toEqual({ ERR_SERVER_CONCURRENCY_LIMIT: 2, ERR_SERVER_HANDSHAKE_TIMEOUT: K });
    expect(stats.connections).toMatchObject({ open: 0, handshaking: 0, rejected: 2 });
  });

  it('counts connections that have not handshaken against the per-IP cap', async () => {
    const port = await start({ maxConnsPerIP: 2, handshakeTimeout: 60_000 });
    const held = await Promise.all([silent(port), silent(port)]);
    await until(() => server!.stats().connections.handshaking === 2);
    const extra = await silent(port);
    await extra.waitClose(10_000);
    expect(server!.stats().rejections).toEqual({ ERR_SERVER_PER_IP_LIMIT: 1 });
    // once the client gives its connections up, the slots are free again
    for (const c of held) c.destroy();
    await until(() => server!.stats().connections.open === 0);
    expect(await httpsGet(port, '/plain')).toEqual({ status: 200, body: 'Hello, World!' });
  });

  it('runs the first request\'s read timeout from accept: a client that handshakes and sends nothing is closed', async () => {
    const port = await start({ readTimeout: 300, handshakeTimeout: 60_000 });
    const socket = tls.connect({ host: '127.0.0.1', port, ca: material.cert, servername: 'localhost' });
    socket.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    await until(() => server!.stats().connections.handshaking === 0);
    expect(server!.stats().connections).toMatchObject({ open: 1, handshaking: 0 });
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(server!.stats().rejections).toEqual({ ERR_SERVER_READ_TIMEOUT: 1 });
  });
});
