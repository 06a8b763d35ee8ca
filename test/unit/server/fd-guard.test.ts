import { existsSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { fdThreshold, socketFd, softFdLimit } from '../../../src/server/fd-guard.js';

describe('fd guard', () => {
  it('keeps a reserve of limit/16, at least 8 and at most 256 fds', () => {
    expect(fdThreshold(0)).toBe(0);
    expect(fdThreshold(64)).toBe(56);
    expect(fdThreshold(1024)).toBe(960);
    expect(fdThreshold(1_048_576)).toBe(1_048_576 - 256);
    expect(fdThreshold(8)).toBe(0); // no room for a reserve: no guard
  });

  it.skipIf(!existsSync('/proc/self/limits'))('reads the soft fd limit and the fd of a socket', async () => {
    expect(softFdLimit()).toBeGreaterThan(0);
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as net.AddressInfo).port;
    const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
    const client = net.connect(port, '127.0.0.1');
    const s = await accepted;
    expect(socketFd(s)).toBeGreaterThan(2);
    client.destroy();
    s.destroy();
    server.close();
  });
});
