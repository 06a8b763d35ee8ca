// `bench` and `run` over HTTP/2 against misbehaving raw servers (test/fixtures/client/
// h2-client-raw-server.ts: net.createServer + our own frame writer, on 127.0.0.1): a peer that
// never ACKs our SETTINGS, one that sends GOAWAY mid-run, one that shrinks the window to 0 for
// good, one that sends a huge header block, one that resets every stream. Each run must finish
// (bounded by -d and -t), exit with the right code, and count its failures by their typed code.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { H2Code } from '../../../src/http2/constants.js';
import { startRawH2Server, type RawServer, type RawServerOptions } from '../../fixtures/client/h2-client-raw-server.js';
import { spawnCli, type Spawned } from '../cli/spawn-cli.js';

const servers: RawServer[] = [];
const dir = mkdtempSync(join(tmpdir(), 'fastbench-h2-misbehaving-'));
afterAll(async () => {
  for (const s of servers) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  r: Spawned;
  server: RawServer;
  requests: number;
  errors: number;
  byCode: Record<string, number>;
}

async function start(o: RawServerOptions): Promise<RawServer> {
  const s = await startRawH2Server(o);
  servers.push(s);
  return s;
}

function outcome(r: Spawned, server: RawServer): Outcome {
  expect(r.signal, r.stderr).toBeNull(); // finished by itself, not killed by the guard
  const j = JSON.parse(r.stdout) as { summary: { requests: number; errors: number }; errorsByCode: Record<string, number> };
  return { r, server, requests: j.summary.requests, errors: j.summary.errors, byCode: j.errorsByCode };
}

/** `bench --http2 --json` against a raw server in `mode` (killed after 60 s: a hang fails the test). */
async function bench(o: RawServerOptions, args: string[]): Promise<Outcome> {
  const server = await start(o);
  const r = await spawnCli(['bench', '--http2', '--json', '-q', '--allow-invalid', ...args, `${server.url}/x`], { timeoutMs: 60_000 });
  return outcome(r, server);
}

describe('bench --http2 sends the request it was given', () => {
  it('method, path, headers and body of the engine\'s prepared (raw HTTP/1.1) request reach the server as HTTP/2 fields and DATA', async () => {
    const server = await start({ mode: 'ok' });
    const r = await spawnCli(['bench', '--http2', '--json', '-q', '--allow-invalid', '-c', '1', '-n', '20', '-X', 'POST', '-H', 'X-Test: yes', '-H', 'Connection: close', '-b', 'hello', `${server.url}/some/path?q=1`], { timeoutMs: 60_000 });
    const o = outcome(r, server);
    expect(o.r.code, o.r.stderr).toBe(0);
    expect(o.errors).toBe(0);
    const f = server.stats.lastRequest;
    expect(f.slice(0, 4)).toEqual([[':method', 'POST'], [':scheme', 'http'], [':authority', `127.0.0.1:${server.port}`], [':path', '/some/path?q=1']]);
    expect(f).toContainEqual(['x-test', 'yes']);
    expect(f).toContainEqual(['content-length', '5']);
    expect(f.some(([n]) => n === 'connection' || n === 'host')).toBe(false);
    expect(server.stats.bodyBytes).toBe(5 * server.stats.requests);
  }, 90_000);
});

describe('bench --http2 against misbehaving raw HTTP/2 servers', () => {
  it('a peer that never ACKs our SETTINGS: the handshake times out as ERR_H2_SETTINGS_TIMEOUT (GOAWAY SETTINGS_TIMEOUT), the run ends, exit 1', async () => {
    const o = await bench({ mode: 'no-settings-ack' }, ['-c', '2', '-p', '5', '-d', '1s', '-t', '1s']);
    expect(o.r.code, o.r.stderr).toBe(1);
    expect(o.r.stderr).toContain('ERR_NO_SUCCESS');
    expect(o.requests).toBeGreaterThan(0);
    expect(o.errors).toBe(o.requests);
    expect(Object.keys(o.byCode)).toEqual(['ERR_H2_SETTINGS_TIMEOUT']);
    expect(o.byCode.ERR_H2_SETTINGS_TIMEOUT).toBe(o.requests);
    expect(o.server.stats.goAwaysFromClient.get(H2Code.SETTINGS_TIMEOUT)).toBeGreaterThan(0);
  }, 90_000);

  it('GOAWAY mid-run (after 18 streams): GETs above last-stream-id are retried on a new connection, no errors, exit 0', async () => {
    const o = await bench({ mode: 'goaway', goAwayAfter: 18 }, ['-c', '2', '-p', '5', '-d', '1s']);
    expect(o.r.code, o.r.stderr).toBe(0);
    expect(o.errors).toBe(0);
    expect(o.requests).toBeGreaterThan(0);
    expect(o.server.stats.connections).toBeGreaterThan(2);
    // Streams the server saw but never processed were sent again: it saw more than the run counted.
    expect(o.server.stats.requests).toBeGreaterThan(o.requests);
  }, 90_000);

  it('GOAWAY mid-run: a POST above last-stream-id is not retried; it fails as ERR_H2_REFUSED_STREAM, counted', async () => {
    const o = await bench({ mode: 'goaway', goAwayAfter: 3 }, ['-c', '2', '-p', '5', '-d', '1s', '-X', 'POST', '-b', 'hi']);
    expect(o.r.code, o.r.stderr).toBe(0);
    expect(Object.keys(o.byCode)).toEqual(['ERR_H2_REFUSED_STREAM']);
    expect(o.byCode.ERR_H2_REFUSED_STREAM).toBe(o.errors);
    expect(o.errors).toBeGreaterThan(0);
    expect(o.requests).toBeGreaterThan(o.errors);
  }, 90_000);

  it('a window shrunk to 0 for good: bodies cannot go out, each stream\'s deadline fires (ERR_TIMEOUT_WRITE) with RST_STREAM CANCEL', async () => {
    const o = await bench({ mode: 'window-zero' }, ['-c', '2', '-p', '5', '-d', '1s', '-t', '300ms', '-X', 'POST', '-b', 'hello']);
    // The first requests went out under the default window, before the server's SETTINGS: those
    // were answered; so the run exits 0 unless (crowded machine) none made it (then ERR_NO_SUCCESS, 1).
    expect(o.r.code, o.r.stderr).toBe(o.errors < o.requests ? 0 : 1);
    expect(o.byCode.ERR_TIMEOUT_WRITE).toBeGreaterThan(0);
    expect(Object.keys(o.byCode).filter((c) => c !== 'ERR_TIMEOUT_WRITE')).toEqual([]);
    expect(o.server.stats.rstFromClient.get(H2Code.CANCEL)).toBeGreaterThanOrEqual(o.byCode.ERR_TIMEOUT_WRITE!);
    // The connections lived on (a stream deadline is not a connection error).
    expect(o.server.stats.connections).toBe(2);
  }, 90_000);

  it('a peer that refuses every stream (REFUSED_STREAM): each GET is tried again a bounded number of times, then counted as ERR_H2_REFUSED_STREAM, exit 1', async () => {
    const o = await bench({ mode: 'reset-all', resetCodes: [H2Code.REFUSED_STREAM] }, ['-c', '2', '-p', '5', '-d', '1s']);
    expect(o.r.code, o.r.stderr).toBe(1);
    expect(o.byCode).toEqual({ ERR_H2_REFUSED_STREAM: o.requests });
    // 1 + UNPROCESSED_RETRIES (6) attempts each, give or take the ones cut off at the end.
    expect(o.server.stats.requests).toBeGreaterThan(5 * o.requests);
    expect(o.server.stats.requests).toBeLessThanOrEqual(7 * o.requests + 20);
  }, 90_000);

  it('a header list over our limit but within the block budget: that stream fails (ERR_HTTP_HEADERS_TOO_LARGE), the connection lives', async () => {
    const o = await bench({ mode: 'huge-headers', hugeHeaderBytes: 20_000 }, ['-c', '1', '-p', '5', '-d', '1s']);
    expect(o.r.code, o.r.stderr).toBe(1);
    expect(Object.keys(o.byCode)).toEqual(['ERR_HTTP_HEADERS_TOO_LARGE']);
    expect(o.byCode.ERR_HTTP_HEADERS_TOO_LARGE).toBe(o.requests);
    expect(o.server.stats.connections).toBe(1);
  }, 90_000);

  it('a huge header block (200 kB): a connection error ERR_H2_ENHANCE_YOUR_CALM (GOAWAY), counted per request, the run ends', async () => {
    const o = await bench({ mode: 'huge-headers', hugeHeaderBytes: 200_000 }, ['-c', '1', '-p', '5', '-d', '1s']);
    expect(o.r.code, o.r.stderr).toBe(1);
    expect(Object.keys(o.byCode)).toEqual(['ERR_H2_ENHANCE_YOUR_CALM']);
    expect(o.byCode.ERR_H2_ENHANCE_YOUR_CALM).toBe(o.requests);
    expect(o.server.stats.goAwaysFromClient.get(H2Code.ENHANCE_YOUR_CALM)).toBeGreaterThan(0);
  }, 90_000);
});

describe('run (scenario, client.protocol h2) against misbehaving raw HTTP/2 servers', () => {
  async function run(o: RawServerOptions, extra = ''): Promise<Outcome> {
    const server = await start(o);
    const file = join(dir, `${o.mode}.yaml`);
    writeFileSync(file, `name: h2-${o.mode}
target: ${server.url}
client:
  protocol: h2
  connections: 2
  pipelining: 5
  timeout: 1s
load:
  - duration: 1s
requests:
  - path: /x
${extra}`);
    const r = await spawnCli(['run', file, '--json', '-q', '--allow-invalid'], { timeoutMs: 60_000 });
    return outcome(r, server);
  }

  it('a peer that resets every stream (INTERNAL_ERROR, CANCEL in turn): both counted by code, nothing retried, the run ends, exit 1', async () => {
    const o = await run({ mode: 'reset-all', resetCodes: [H2Code.INTERNAL_ERROR, H2Code.CANCEL] });
    expect(o.r.code, o.r.stderr).toBe(1);
    expect(o.requests).toBeGreaterThan(0);
    expect(o.errors).toBe(o.requests);
    expect(Object.keys(o.byCode).sort()).toEqual(['ERR_H2_CANCEL', 'ERR_H2_INTERNAL']);
    expect(o.byCode.ERR_H2_INTERNAL! + o.byCode.ERR_H2_CANCEL!).toBe(o.requests);
    expect(o.server.stats.requests).toBeLessThan(2 * o.requests + 20);
  }, 90_000);

  it('GOAWAY mid-run: the run finishes with every request answered (retried on new connections), exit 0', async () => {
    const o = await run({ mode: 'goaway', goAwayAfter: 18 });
    expect(o.r.code, o.r.stderr).toBe(0);
    expect(o.errors).toBe(0);
    expect(o.server.stats.requests).toBeGreaterThan(o.requests);
  }, 90_000);

  it('a peer that never ACKs SETTINGS: ERR_H2_SETTINGS_TIMEOUT for every request, exit 1', async () => {
    const o = await run({ mode: 'no-settings-ack' });
    expect(o.r.code, o.r.stderr).toBe(1);
    expect(o.byCode).toEqual({ ERR_H2_SETTINGS_TIMEOUT: o.requests });
  }, 90_000);
});
