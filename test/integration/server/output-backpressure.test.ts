// Output backpressure in the connection loop (in-process server, small high-water mark): a
// client that pipelines many requests and does not read stops being read — requests wait
// unparsed instead of their answers piling up in memory — and once it reads, every answer
// arrives, complete and in order. A streaming handler waits for the drain instead of buffering.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResponseHead } from '../../../src/http/message-head.js';
import { ResponseParser } from '../../../src/http/response-parser.js';
import { createServer, type FastbenchServer } from '../../../src/server/server.js';
import type { RequestDispatcher } from '../../../src/server/types.js';

const HW = 64 * 1024;
const SIZE = 48 * 1024;
let server: FastbenchServer | undefined;
const sockets: net.Socket[] = [];

/** /big: SIZE bytes, every byte the request's seq (mod 256); /stream: `n` KiB written while the connection takes them. */
const app: RequestDispatcher = {
  dispatch(req, res) {
    if (req.path === '/big') {
      res.send(200, Buffer.alloc(SIZE, req.seq & 0xff));
      return;
    }
    const n = Number(req.query.slice(2));
    let i = 0;
    res.begin(200, undefined, n * 1024);
    const block = Buffer.alloc(1024, 0x62);
    const pump = (): void => {
      while (i < n) {
        if (res.closed) return;
        if (res.needsDrain) return res.waitDrain(pump);
        res.write(block);
        i++;
      }
      res.end();
    };
    pump();
  },
};

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close(200);
  server = undefined;
});

async function start(): Promise<number> {
  server = createServer({ port: 0, quiet: true, dispatcher: app, outputHighWater: HW });
  return (await server.listen()).port;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
    sockets.push(s);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until the server's request count stops changing; returns it. */
async function settledRequests(): Promise<number> {
  let last = -1;
  for (let i = 0; i < 40; i++) {
    await sleep(100);
    const n = server!.stats().requests;
    if (n === last) return n;
    last = n;
  }
  return last;
}

class Reader {
  readonly bodies: Buffer[] = [];
  private parts: Buffer[] = [];
  readonly parser = new ResponseParser(this, { limits: { maxBodySize: 64 * 1024 * 1024 } });
  onHead(_h: ResponseHead): number {
    this.parts = [];
    return 0;
  }
  onBody(b: Buffer, s: number, e: number): void {
    this.parts.push(Buffer.from(b.subarray(s, e)));
  }
  onComplete(): void {
    this.bodies.push(Buffer.concat(this.parts));
  }
}

describe('output backpressure', () => {
  it('stops reading pipelined requests while answers are unsent, then answers all in order', async () => {
    const port = await start();
    const s = await connect(port);
    s.pause();
    const N = 600; // 600 × 48 KiB = 28 MB: more than loopback socket buffers absorb
    s.write('GET /big HTTP/1.1\r\nHost: t\r\n\r\n'.repeat(N));
    const answeredWhileNotReading = await settledRequests();
    expect(answeredWhileNotReading).toBeLessThan(N);
    expect(server!.stats().backpressure.outputPauses).toBeGreaterThanOrEqual(1);
    // now read everything
    const r = new Reader();
    s.on('data', (d: Buffer) => r.parser.execute(d));
    s.resume();
    for (let i = 0; i < 200 && r.bodies.length < N; i++) await sleep(50);
    expect(r.bodies).toHaveLength(N);
    for (let i = 0; i < N; i++) {
      expect(r.bodies[i]!.length).toBe(SIZE);
      expect(r.bodies[i]![0]).toBe(i & 0xff);
      expect(r.bodies[i]![SIZE - 1]).toBe(i & 0xff);
    }
  }, 30_000);

  it('a streaming handler waits on a full connection and finishes once read', async () => {
    const port = await start();
    const s = await connect(port);
    s.pause();
    const kib = 24 * 1024; // 24 MiB: more than loopback socket buffers absorb
    s.write(`GET /stream?n=${kib} HTTP/1.1\r\nHost: t\r\n\r\n`);
    await settledRequests();
    await sleep(300);
    const out = server!.stats().bytesOut;
    expect(out).toBeLessThan(kib * 1024); // the rest was never generated, let alone buffered
    expect(server!.stats().backpressure.drainWaits).toBeGreaterThanOrEqual(1);
    const r = new Reader();
    s.on('data', (d: Buffer) => r.parser.execute(d));
    s.resume();
    for (let i = 0; i < 200 && r.bodies.length < 1; i++) await sleep(50);
    expect(r.bodies[0]!.length).toBe(kib * 1024);
  }, 30_000);
});
