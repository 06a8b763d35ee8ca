// --help of request, bench, run and crawl says what --http2 does, and that for HTTP/2 the
// pipelining knob (-p, client.pipelining, crawl's --per-host) counts concurrent streams per connection.
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

async function help(cmd: string): Promise<string> {
  const r = await runCli([cmd, '--help'], { timeoutMs: 20_000 });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.replace(/\s+/g, ' ');
}

describe('--help on HTTP/2', () => {
  it('bench: -p is streams per connection with --http2', async () => {
    const t = await help('bench');
    expect(t).toMatch(/-p, --pipelining <n> requests in flight per connection \(HTTP\/2: concurrent streams per connection\)/);
    expect(t).toMatch(/--http2 speak HTTP\/2 .*-p is then streams per connection/);
  });
  it('run: pipelining is streams per connection with --http2', async () => {
    expect(await help('run')).toMatch(/--http2 speak HTTP\/2 .*pipelining is then streams per connection/);
  });
  it('crawl: --http2 puts --per-host streams on one connection per host', async () => {
    expect(await help('crawl')).toMatch(/--http2 speak HTTP\/2 .*one connection per host, --per-host is then concurrent streams on it/);
  });
  it('request: --http2 is one stream, httpVersion "2"', async () => {
    expect(await help('request')).toMatch(/--http2 speak HTTP\/2: .*one stream; --json shows httpVersion "2"/);
  });
});
