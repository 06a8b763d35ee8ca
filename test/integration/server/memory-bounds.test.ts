// Attacks on a running `fastbench serve` (a child process, on loopback) that used to turn one
// connection into gigabytes; each asserts a bound on the server's own memory (its peak RSS,
// VmHWM in /proc/<pid>/status, against a baseline taken after warm-up) and what the attacker
// saw. Every loop is bounded in bytes and time; nothing asserts how long anything took.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pseudoRandomBytes } from '../../../src/server/routes/bytes.js';
import { FASTBENCH_BIN } from '../../helpers/cli.js';

const MB = 1024 * 1024;
const linux = existsSync('/proc/self/status');
const built = existsSync(new URL('../../../dist/cli/main.js', import.meta.url));

interface Serve {
  child: ChildProcess;
  port: number;
  pid: number;
}

const running: Serve[] = [];
const sockets: net.Socket[] = [];

async function serve(...args: string[]): Promise<Serve> {
  const child = spawn(process.execPath, [FASTBENCH_BIN, 'serve', '--port', '0', '--quiet', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error('serve did not print its URL')), 15_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(t);
        resolve(out.slice(0, nl).trim());
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  const s = { child, port: Number(new URL(url).port), pid: child.pid! };
  running.push(s);
  return s;
}

afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of running.splice(0)) s.child.kill('SIGKILL');
});

/** VmRSS and VmHWM (peak RSS) of a process, in bytes. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
    sockets.push(s);
  });
}

/** One request, read fully with node:http semantics kept out: raw bytes until close. */
async function fetchAll(port: number, raw: string | Buffer): Promise<Buffer> {
  const s = await connect(port);
  const parts: Buffer[] = [];
  s.on('data', (d: Buffer) => parts.push(d));
  s.write(raw);
  await new Promise<void>((resolve) => s.on('close', () => resolve()));
  return Buffer.concat(parts);
}

/** Splits "head\r\n\r\nbody" (a single Content-Length response). */
function split(resp: Buffer): { head: string; body: Buffer } {
  const e = resp.indexOf('\r\n\r\n');
  return { head: resp.subarray(0, e).toString('latin1'), body: resp.subarray(e + 4) };
}

/** Decodes a chunked body (extensions and trailers ignored). */
function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let p = 0;
  for (;;) {
    const e = b.indexOf('\r\n', p);
    const size = parseInt(b.subarray(p, e).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(out);
    out.push(b.subarray(e + 2, e + 2 + size));
    p = e + 2 + size + 2;
  }
}

/** Reads the server's /__stats. */
async function stats(port: number): Promise<{ bytesOut: number; backpressure: { outputPauses: number; drainWaits: number }; rejections: Record<string, number> }> {
  const resp = await fetchAll(port, 'GET /__stats HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
  return JSON.parse(split(resp).body.toString('utf8'));
}

/** Warm the server up (routes loaded, JIT), then take its RSS as the baseline. */
async function baseline(s: Serve): Promise<number> {
  await fetchAll(s.port, 'GET /bytes/200000 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
  await stats(s.port);
  await sleep(100);
  return memoryOf(s.pid).rss;
}

/** Polls /__stats until bytesOut stops growing (the server wrote all it will), bounded. */
async function settle(port: number): Promise<void> {
  let last = -1;
  for (let i = 0; i < 40; i++) {
    await sleep(250);
    const out = (await stats(port)).bytesOut;
    if (out === last) return;
    last = out;
  }
}

/** Opens a connection that sends `raw` and never reads a byte. */
async function nonReader(port: number, raw: string | Buffer): Promise<net.Socket> {
  const s = await connect(port);
  s.pause();
  s.write(raw);
  return s;
}

describe.skipIf(!linux || !built)('server memory under attack (child `fastbench serve`)', () => {
  it('a never-ending 1-byte-chunk body is cut at the wire limit (413, close) on 4 connections; memory stays bounded', async () => {
    const s = await serve('--max-body-size', '2mb');
    const base = await baseline(s);
    const chunk = Buffer.from('1\r\nx\r\n'.repeat(10_000), 'latin1'); // 60,000 wire bytes, 10,000 chunks
    const BOUND = 8 * MB; // an attacker stops here at the latest (4× the limit; the old decoded-bytes limit let 12 MB through)
    const attack = async (): Promise<{ sent: number; cut: boolean; reply: string }> => {
      const sock = await connect(s.port);
      let reply = '';
      let closed = false;
      sock.on('data', (d: Buffer) => (reply += d.toString('latin1')));
      sock.on('error', () => {});
      const gone = new Promise<void>((resolve) => sock.on('close', () => resolve()));
      void gone.then(() => (closed = true));
      sock.write('POST /anything HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n');
      let sent = 0;
      while (!closed && sent < BOUND && reply.length === 0) {
        if (!sock.write(chunk)) await Promise.race([new Promise((r) => sock.once('drain', r)), gone, sleep(2000)]);
        sent += chunk.length;
      }
      await Promise.race([gone, sleep(5000)]);
      return { sent, cut: closed, reply };
    };
    const results = await Promise.all([attack(), attack(), attack(), attack()]);
    for (const r of results) {
      expect(r.reply).toMatch(/^HTTP\/1\.1 413 /);
      expect(r.reply).toContain('ERR_HTTP_BODY_TOO_LARGE');
      expect(r.cut).toBe(true);
      expect(r.sent).toBeLessThan(BOUND);
    }
    const st = await stats(s.port);
    expect(st.rejections.ERR_HTTP_BODY_TOO_LARGE).toBe(4);
    const grew = memoryOf(s.pid).peak - base;
    // Four bodies of at most 2 MiB (one buffer each, grown by doubling) plus read buffers.
    expect(grew).toBeLessThan(48 * MB);
  }, 60_000);

  it('ten non-reading clients of /bytes/100MB (and of /fault/close 1 GiB, /drip, /stream, a large echo) keep memory bounded', async () => {
    const s = await serve();
    const base = await baseline(s);
    const longTarget = `/stream/1000?${'q'.repeat(7000)}`; // 1000 lines of ~7 KB: 7 MB if built whole
    const echoBody = Buffer.alloc(6 * MB, 0x61);
    const conns: net.Socket[] = [];
    for (let i = 0; i < 10; i++) conns.push(await nonReader(s.port, 'GET /bytes/104857600 HTTP/1.1\r\nHost: t\r\n\r\n'));
    for (let i = 0; i < 2; i++) {
      conns.push(await nonReader(s.port, 'GET /fault/close?length=1073741824&bytes=1073741823 HTTP/1.1\r\nHost: t\r\n\r\n'));
      conns.push(await nonReader(s.port, 'GET /drip?numbytes=10485760&duration=0 HTTP/1.1\r\nHost: t\r\n\r\n'));
      conns.push(await nonReader(s.port, `GET ${longTarget} HTTP/1.1\r\nHost: t\r\n\r\n`));
      conns.push(await nonReader(s.port, Buffer.concat([Buffer.from(`POST /anything HTTP/1.1\r\nHost: t\r\nContent-Length: ${echoBody.length}\r\n\r\n`), echoBody])));
    }
    await settle(s.port);
    const st = await stats(s.port);
    expect(st.backpressure.drainWaits).toBeGreaterThanOrEqual(18);
    // What was written went to the kernel's socket buffers, not to gigabytes in the process.
    expect(st.bytesOut).toBeLessThan(18 * 40 * MB);
    const grew = memoryOf(s.pid).peak - base;
    // 18 connections × (1 MiB output high-water + a slice) + the echo bodies (6 MiB each, held as
    // the request body and its text) ≈ 70 MB; before, /bytes alone held 1.08 GB.
    expect(grew).toBeLessThan(160 * MB);
    for (const c of conns) expect(c.destroyed).toBe(false);
  }, 60_000);

  it('30 pipelined /bytes/100MB on one non-reading connection: reading stops at the high-water mark; memory bounded', async () => {
    const s = await serve();
    const base = await baseline(s);
    await nonReader(s.port, 'GET /bytes/104857600 HTTP/1.1\r\nHost: t\r\n\r\n'.repeat(30));
    // and the same 30 sent one write at a time (each request in its own segment)
    const one = await nonReader(s.port, 'GET /bytes/104857600 HTTP/1.1\r\nHost: t\r\n\r\n');
    for (let i = 1; i < 30; i++) {
      await sleep(20);
      one.write('GET /bytes/104857600 HTTP/1.1\r\nHost: t\r\n\r\n');
    }
    await settle(s.port);
    const st = await stats(s.port);
    expect(st.backpressure.outputPauses).toBeGreaterThanOrEqual(2);
    const grew = memoryOf(s.pid).peak - base;
    expect(grew).toBeLessThan(48 * MB); // before: 2.9 GB for the first connection alone
  }, 60_000);

  it('a reading client still gets every byte, in order, through the same bounded paths', async () => {
    const s = await serve();
    const n = 12_000_000;
    const hash = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    // three pipelined /bytes on one connection, read to the end
    const three = await fetchAll(
      s.port,
      `GET /bytes/${n}?seed=3 HTTP/1.1\r\nHost: t\r\n\r\n`.repeat(2) + `GET /bytes/${n}?seed=4 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`,
    );
    const want3 = pseudoRandomBytes(3, n);
    const want4 = pseudoRandomBytes(4, n);
    let at = 0;
    for (const want of [want3, want3, want4]) {
      const e = three.indexOf('\r\n\r\n', at);
      expect(three.subarray(at, e).toString('latin1')).toContain(`Content-Length: ${n}`);
      expect(hash(three.subarray(e + 4, e + 4 + n))).toBe(hash(want));
      at = e + 4 + n;
    }
    expect(at).toBe(three.length);
    // /fault/close: exactly `bytes` of the promised length, then FIN
    const fc = split(await fetchAll(s.port, 'GET /fault/close?length=9000000&bytes=5000000 HTTP/1.1\r\nHost: t\r\n\r\n'));
    expect(fc.head).toContain('Content-Length: 9000000');
    expect(fc.body.length).toBe(5_000_000);
    expect(fc.body.every((b) => b === 0x2e)).toBe(true);
    // a large echo (streamed in slices): the body comes back exactly, astral characters intact
    const text = 'ascii and ünïcödé and 😀 emoji '.repeat(8000);
    const body = Buffer.from(text, 'utf8');
    const ec = split(await fetchAll(s.port, Buffer.concat([Buffer.from(`POST /anything HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n`), body])));
    expect(ec.head).toContain('Transfer-Encoding: chunked');
    const doc = JSON.parse(dechunk(ec.body).toString('utf8')) as { body: string; method: string };
    expect(doc.method).toBe('POST');
    expect(doc.body).toBe(text);
    // /drip with no duration: all of it
    const dr = split(await fetchAll(s.port, 'GET /drip?numbytes=3000000&duration=0 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'));
    expect(dr.body.length).toBe(3_000_000);
    expect(dr.body.every((b) => b === 0x2a)).toBe(true);
  }, 60_000);
});
