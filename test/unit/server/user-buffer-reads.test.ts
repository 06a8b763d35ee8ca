import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { userBufferReads } from '../../../src/server/user-buffer-reads.js';

describe('userBufferReads', () => {
  it('is supported on this Node line', () => {
    expect(userBufferReads.supported).toBe(true);
  });

  it('reads an accepted socket into the shared buffer, and refuses a socket already reading', async () => {
    const shared = Buffer.alloc(1024);
    const got: string[] = [];
    let second: boolean | undefined;
    const server = net.createServer({ pauseOnConnect: true }, (socket) => {
      const ok = userBufferReads.attach(socket, shared, (n, buf) => {
        expect(buf).toBe(shared);
        got.push(buf.toString('latin1', 0, n));
        socket.end('ok');
      });
      expect(ok).toBe(true);
      second = userBufferReads.attach(socket, shared, () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    const reply = await new Promise<string>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => c.write('hello'));
      let data = '';
      c.on('data', (d) => (data += d));
      c.on('end', () => {
        c.end();
        resolve(data);
      });
    });
    await new Promise((r) => server.close(r));
    expect(reply).toBe('ok');
    expect(got).toEqual(['hello']);
    expect(second).toBe(false);
  });
});
