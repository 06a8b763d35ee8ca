// /ws/echo: the HTTP/1.1 connection hands its socket to the ws library on a good handshake
// (released from the parser, deadlines and the concurrency cap); refusals are plain HTTP answers.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createServer, type FastbenchServer } from '../../../src/server/server.js';
import { makeSelfSignedCertificate } from '../../../src/server/tls-cert.js';
import { RawClient, get } from './raw-client.js';

let server: FastbenchServer;
let port: number;

beforeAll(async () => {
  server = createServer({ port: 0, quiet: true });
  port = (await server.listen()).port;
});

afterAll(async () => {
  await server.close(200);
});

function open(url: string, options?: WebSocket.ClientOptions): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Sends each message and waits for its echo; returns the echoes in order. */
async function echoAll(ws: WebSocket, messages: (string | Buffer)[]): Promise<{ data: Buffer; binary: boolean }[]> {
  const got: { data: Buffer; binary: boolean }[] = [];
  for (const m of messages) {
    const reply = new Promise<{ data: Buffer; binary: boolean }>((resolve) => ws.once('message', (data, binary) => resolve({ data: data as Buffer, binary })));
    ws.send(m);
    got.push(await reply);
  }
  return got;
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

async function stats(): Promise<{ websocket: { connections: number; open: number; messages: number; bytes: number; refused: number }; connections: { open: number } }> {
  const c = await RawClient.connect(port);
  try {
    c.write(get('/__stats'), 'GET');
    const [r] = await c.waitResponses(1);
    return JSON.parse(r!.body);
  } finally {
    c.destroy();
  }
}

/** A client frame (masked, FIN) of `opcode` carrying `payload` (under 126 bytes). */
function frame(opcode: number, payload: Buffer): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i & 3]!));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, body]);
}

const HANDSHAKE = 'GET /ws/echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

describe('/ws/echo', () => {
  it('echoes 100 text and binary messages, honours the close handshake and counts in /__stats', async () => {
    const before = await stats();
    const ws = await open(`ws://127.0.0.1:${port}/ws/echo`);
    const sent: (string | Buffer)[] = [];
    for (let i = 0; i < 100; i++) sent.push(i % 2 === 0 ? `message ${i}` : Buffer.from([i, 0, 255, i]));
    const got = await echoAll(ws, sent);
    expect(got.map((g) => (g.binary ? [...g.data] : g.data.toString()))).toEqual(sent.map((s) => (typeof s === 'string' ? s : [...s])));
    expect(got.map((g) => g.binary)).toEqual(sent.map((s) => typeof s !== 'string'));
    const during = await stats();
    expect(during.websocket.open).toBe(before.websocket.open + 1);
    // Handed off: not a served HTTP connection any more (only the /__stats one is).
    expect(during.connections.open).toBe(1);
    const done = closed(ws);
    ws.close(4000, 'bye');
    expect(await done).toEqual({ code: 4000, reason: 'bye' }); // the server answered our close frame
    const after = await stats();
    expect(after.websocket.connections - before.websocket.connections).toBe(1);
    expect(after.websocket.messages - before.websocket.messages).toBe(100);
    expect(after.websocket.open).toBe(before.websocket.open);
  });

  it('a plain GET /ws/echo is 426 Upgrade Required with Upgrade: websocket', async () => {
    const c = await RawClient.connect(port);
    try {
      c.write(get('/ws/echo'), 'GET');
      const [r] = await c.waitResponses(1);
      expect(r!.status).toBe(426);
      expect(r!.header('upgrade')).toBe('websocket');
    } finally {
      c.destroy();
    }
  });

  it('a Sec-WebSocket-Version other than 13 is 426 naming version 13 (RFC 6455 4.2.2); a bad key or Connection is 400', async () => {
    const c = await RawClient.connect(port);
    try {
      c.write(
        HANDSHAKE.replace('Version: 13', 'Version: 8') + HANDSHAKE.replace('dGhlIHNhbXBsZSBub25jZQ==', 'short') + HANDSHAKE.replace('Connection: Upgrade', 'Connection: keep-alive'),
        'GET', 'GET', 'GET',
      );
      const [version, key, connection] = await c.waitResponses(3);
      expect(version!.status).toBe(426);
      expect(version!.header('sec-websocket-version')).toBe('13');
      expect(key!.status).toBe(400);
      expect(connection!.status).toBe(400);
    } finally {
      c.destroy();
    }
    // The ws client sees the same refusal.
    const err = await new Promise<Error>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/echo`, { protocolVersion: 8 });
      ws.once('error', resolve);
    });
    expect(err.message).toContain('426');
  });

  it('answers earlier pipelined requests first and passes frames sent right after the handshake to the session', async () => {
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => sock.once('connect', resolve));
    let got = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
    // One write: a request, the handshake and a text frame.
    sock.write(Buffer.concat([Buffer.from(get('/plaintext') + HANDSHAKE, 'latin1'), frame(1, Buffer.from('early'))]));
    const deadline = Date.now() + 5000;
    while (!got.includes(Buffer.from('early')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const text = got.toString('latin1');
    expect(text.startsWith('HTTP/1.1 200 OK')).toBe(true);
    const upgrade = text.indexOf('HTTP/1.1 101 Switching Protocols');
    expect(upgrade).toBeGreaterThan(0);
    expect(text).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    const after = got.subarray(text.indexOf('\r\n\r\n', upgrade) + 4);
    expect([...after]).toEqual([0x81, 5, ...Buffer.from('early')]); // the echo, unmasked from the server
    sock.destroy();
  });

  it('over TLS (wss://): the TLS socket is handed over the same way', async () => {
    const tls = makeSelfSignedCertificate();
    const secure = createServer({ port: 0, quiet: true, tls: { cert: tls.cert, key: tls.key } });
    const p = (await secure.listen()).port;
    try {
      const ws = await open(`wss://127.0.0.1:${p}/ws/echo`, { ca: tls.cert, servername: 'localhost', rejectUnauthorized: false });
      const got = await echoAll(ws, ['one', Buffer.from([1, 2, 3])]);
      expect(got.map((g) => [...g.data])).toEqual([[...Buffer.from('one')], [1, 2, 3]]);
      const done = closed(ws);
      ws.close(1000);
      expect((await done).code).toBe(1000);
    } finally {
      await secure.close(200);
    }
  });

  it('over HTTP/2 (h2c) there is no upgrade: 426 (RFC 8441 extended CONNECT is not offered)', async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = session.request({ ':path': '/ws/echo' });
        req.on('response', (h) => resolve(Number(h[':status'])));
        req.on('error', reject);
        req.resume();
        req.end();
      });
      expect(status).toBe(426);
    } finally {
      session.close();
    }
  });

  it('an upgraded connection no longer counts against the concurrency cap', async () => {
    const capped = createServer({ port: 0, quiet: true, concurrency: 1 });
    const p = (await capped.listen()).port;
    try {
      const ws = await open(`ws://127.0.0.1:${p}/ws/echo`);
      const c = await RawClient.connect(p);
      c.write(get('/plaintext'), 'GET');
      const [r] = await c.waitResponses(1);
      expect(r!.status).toBe(200); // not the canned 503 of a full server
      c.destroy();
      const done = closed(ws);
      await capped.close(2000);
      expect((await done).code).toBe(1001); // shutdown ends sessions with "going away"
    } finally {
      await capped.close(200);
    }
  });
});

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = fileURLToPath(new URL('./fixtures/serve-cli.mjs', import.meta.url));
const built = existsSync(`${root}dist/cli/serve-command.js`) && existsSync(`${root}dist/server/routes/websocket.js`);
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe.skipIf(!built)('/ws/echo of `fastbench serve` (built CLI)', () => {
  it('connects, echoes 100 messages and closes', async () => {
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--host', '127.0.0.1'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const t = setTimeout(() => reject(new Error('no URL within 15 s')), 15_000);
      child.stdout!.on('data', (d) => {
        out += d;
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(t);
          resolve(out.slice(0, nl));
        }
      });
    });
    const ws = await open(`${url.replace(/^http/, 'ws')}/ws/echo`);
    const sent = Array.from({ length: 100 }, (_, i) => `m${i}`);
    const got = await echoAll(ws, sent);
    expect(got.map((g) => g.data.toString())).toEqual(sent);
    const done = closed(ws);
    ws.close(1000);
    expect((await done).code).toBe(1000);
    const exit = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });
});
