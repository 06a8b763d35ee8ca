// Fair reading: a connection that sends faster than the server parses (an endless-looking body
// of 1-byte chunks) yields its turn after each full read read in one go, so another connection's request
// is read and answered in between; the flood's own body still arrives whole.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type FastbenchServer } from '../../../src/server/server.js';
import type { RequestDispatcher } from '../../../src/server/types.js';

let server: FastbenchServer | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close();
  server = undefined;
});

/**
 * Answers every request with the length of the body it got. /block holds the event loop for
 * 150 ms first, so the flood piles up in the kernel and the server then reads it in full reads.
 */
const app: RequestDispatcher = {
  dispatch(req, res) {
    if (req.path === '/block') {
      const until = Date.now() + 150;
      while (Date.now() < until);
    }
    res.send(200, String(req.body.length));
  },
};

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
    sockets.push(s);
  });
}

/** Resolves with everything the socket received up to the first complete `Content-Length` response. */
function firstResponse(s: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      text += d;
      const m = /Content-Length: (\d+)\r\n(?:[^\r]*\r\n)*?\r\n/.exec(text);
      if (m !== null && text.length >= m.index + m[0].length + Number(m[1])) resolve(text);
    });
    s.on('error', reject);
    s.on('close', () => reject(new Error(`closed after ${JSON.stringify(text.slice(0, 200))}`)));
  });
}

describe('fair reading between connections', () => {
  it('a 1-byte-chunk flood yields its turn after each full read; the other connection is answered; the flood body arrives whole', async () => {
    server = createServer({ port: 0, quiet: true, dispatcher: app, maxBodySize: 16 * 1024 * 1024 });
    const { port } = await server.listen();
    const flood = await connect(port);
    const normal = await connect(port);
    const CHUNKS = 600_000; // 3.6 MB on the wire: several full turns
    const normalAnswer = firstResponse(normal);
    normal.write('GET /block HTTP/1.1\r\nHost: x\r\n\r\n');
    const floodAnswer = firstResponse(flood);
    flood.write('POST /flood HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    flood.write(Buffer.from('1\r\na\r\n'.repeat(CHUNKS) + '0\r\n\r\n', 'latin1'));
    const [f, n] = await Promise.all([floodAnswer, normalAnswer]);
    expect(n).toMatch(/^HTTP\/1\.1 200 [^\r]*\r\n[\s\S]*\r\n\r\n0$/);
    expect(f).toMatch(new RegExp(`^HTTP/1\\.1 200 [^\\r]*\\r\\n[\\s\\S]*\\r\\n\\r\\n${CHUNKS}$`));
    const stats = server.counters.snapshot();
    expect(stats.backpressure.readYields).toBeGreaterThan(0);
  }, 30_000);
});
