// Reports say which protocol carried the requests: `bench` / `run` results carry `protocols`
// (connections opened per protocol, and the most exchanges in flight on one connection — for h2
// the streams per connection reached), the text summary prints it, the result validates against
// schema/result.schema.json; `request --json` says httpVersion "2" over h2c.
import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { checkRunResult } from '../../../src/report/result-file.js';
import { startRawH2Server, type RawServer } from '../../fixtures/client/h2-client-raw-server.js';
import { spawnCli } from '../cli/spawn-cli.js';

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
});

async function raw(o: Parameters<typeof startRawH2Server>[0]): Promise<RawServer> {
  const s = await startRawH2Server(o);
  stops.push(() => s.close());
  return s;
}

describe('protocol in run and bench results', () => {
  it('bench --http2 -c 2 -p 5: result.protocols says h2, 2 connections, 5 streams in flight per connection; valid against the schema; the text says so too', async () => {
    const s = await raw({ mode: 'ok' });
    const r = await spawnCli(['bench', '--http2', '--json', '-q', '--allow-invalid', '-c', '2', '-p', '5', '-d', '500ms', `${s.url}/`], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { protocols: unknown };
    expect(doc.protocols).toEqual({ h2: { connections: 2, maxInFlightPerConnection: 5 } });
    expect(checkRunResult(doc)).toEqual([]);
    const t = await spawnCli(['bench', '--http2', '-q', '--allow-invalid', '-c', '1', '-p', '3', '-d', '500ms', `${s.url}/`], { timeoutMs: 60_000 });
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toContain('protocol: HTTP/2 — 1 connection, up to 3 streams in flight per connection');
  }, 90_000);

  it('HTTP/1.1: result.protocols says http/1.1 with the pipelining reached', async () => {
    const server = http.createServer((_q, res) => res.end('ok'));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    stops.push(() => new Promise((ok) => server.close(() => ok())));
    const port = (server.address() as { port: number }).port;
    const r = await spawnCli(['bench', '--json', '-q', '--allow-invalid', '-c', '2', '-d', '500ms', `http://127.0.0.1:${port}/`], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { protocols: unknown };
    expect(doc.protocols).toEqual({ 'http/1.1': { connections: 2, maxInFlightPerConnection: 1 } });
  }, 90_000);

  it('request --http2 --json over h2c says httpVersion "2"', async () => {
    const s = await raw({ mode: 'ok' });
    const r = await spawnCli(['request', '--http2', '--json', `${s.url}/x`], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ httpVersion: '2', status: 200, body: 'ok' });
  }, 60_000);
});
