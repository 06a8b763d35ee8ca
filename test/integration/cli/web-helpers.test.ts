// issue 15 on the command line: request / bench / run with --compressed, --cookie, -u, and run's
// -H, -k and -e overrides, against the bundled server in this process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastbenchServer } from '../../../src/server/server.js';
import { benchScenario } from '../../../src/cli/bench-command.js';
import { runCli } from '../../helpers/cli.js';
import { startBundled } from '../engine/helpers.js';

let url = '';
let server: FastbenchServer;
let dir = '';
const fastbench = (args: string[]) => runCli(args, { timeoutMs: 30_000 });

beforeAll(async () => {
  const s = await startBundled();
  url = s.url;
  server = s.server;
  dir = mkdtempSync(join(tmpdir(), 'fb-web-cli-'));
});
afterAll(async () => {
  await server.close(200);
  rmSync(dir, { recursive: true, force: true });
});

describe('fastbench request', () => {
  it('--compressed prints the decoded body and says what decoding cost, apart from the total', async () => {
    const r = await fastbench(['request', `${url}/gzip`, '--compressed']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Content-Encoding: gzip');
    expect(r.stdout).toContain('"gzipped": true');
    expect(r.stderr).toMatch(/decoded: gzip, (\d+) bytes on the wire → (\d+) bytes, [\d.]+ms \(not in total\)/);
    const [, wire, plain] = /decoded: gzip, (\d+) bytes on the wire → (\d+) bytes/.exec(r.stderr)!;
    expect(Number(wire)).toBeLessThan(Number(plain));
  });

  it('without --compressed the gzip body is not printed as text', async () => {
    const r = await fastbench(['request', `${url}/gzip`]);
    expect(r.stdout).not.toContain('"gzipped": true');
  });

  it('--compressed --json carries the decoded body and the sizes', async () => {
    const r = await fastbench(['request', `${url}/brotli`, '--compressed', '--json']);
    const o = JSON.parse(r.stdout) as { body: string; decoded: { contentEncoding: string; wireBytes: number; decodedBytes: number } };
    expect(JSON.parse(o.body)).toMatchObject({ brotli: true });
    expect(o.decoded.contentEncoding).toBe('br');
    expect(o.decoded.wireBytes).toBeLessThan(o.decoded.decodedBytes);
  });

  it('sends -u as Basic auth and --cookie as a Cookie header', async () => {
    const r = await fastbench(['request', `${url}/anything`, '-u', 'alice:pw', '--cookie', 'a=1', '--cookie', 'b=2; c=3', '--json']);
    const doc = JSON.parse((JSON.parse(r.stdout) as { body: string }).body) as { headers: [string, string][] };
    expect(doc.headers).toContainEqual(['Authorization', 'Basic YWxpY2U6cHc=']);
    expect(doc.headers).toContainEqual(['Cookie', 'a=1; b=2; c=3']);
  });

  it('refuses a cookie that is not name=value (exit 2)', async () => {
    const r = await fastbench(['request', `${url}/cookies`, '--cookie', 'novalue']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error\[ERR_USAGE_BAD_OPTION\]: --cookie "novalue": "novalue" is not name=value/);
  });
});

describe('fastbench bench', () => {
  it('--cookie, -u and --compressed become the scenario keys a file would use', () => {
    const s = benchScenario(`${url}/cookies`, { connections: '1', pipelining: '1', method: 'GET', timeout: '5s', requests: '1', cookie: ['k=v'], user: 'u:p', compressed: true });
    expect(s.cookies).toEqual({ mode: 'iteration', values: [['k', 'v']] });
    const headers = Object.fromEntries(s.requests[0]!.headers.map(([n, t]) => [n.toLowerCase(), t.literals[0]]));
    expect(headers.authorization).toBe('Basic dTpw');
    expect(headers['accept-encoding']).toMatch(/^gzip, deflate, br/);
    expect(s.requests[0]!.compressed).toBe(true);
  });

  it('runs with them: every request answered', async () => {
    const r = await fastbench(['bench', `${url}/cookies`, '-n', '20', '-c', '2', '--cookie', 'k=v', '-u', 'u:p', '--compressed', '--json', '-q']);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout) as { overall: { requests: number; errors: number } };
    expect(res.overall.requests).toBe(20);
    expect(res.overall.errors).toBe(0);
  });
});

describe('fastbench run overrides', () => {
  const scenario = (body: string): string => {
    const file = join(dir, `s${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, `target: ${url}\nload: [{ connections: 1, iterations: 3 }]\n${body}`);
    return file;
  };

  it('-H replaces a scenario header on every request', async () => {
    const file = scenario("client: { headers: { X-Mode: file } }\nrequests: [{ path: /headers, expect: { bodyContains: ['\"X-Mode\",\"cli\"'] } }]\n");
    const without = await fastbench(['run', file, '--json', '-q']);
    expect((JSON.parse(without.stdout) as { errorsByCode: Record<string, number> }).errorsByCode.ERR_EXPECT_FAILED).toBe(3);
    const r = await fastbench(['run', file, '-H', 'X-Mode: cli', '--json', '-q']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { overall: { errors: number } }).overall.errors).toBe(0);
  });

  it('-u, --cookie and -e act on every request', async () => {
    const file = scenario(
      "requests: [{ path: '/anything?who={{env.WHO}}', expect: { bodyContains: ['Basic dTpw', 'k=v', '\"who\": \"me\"'] } }]\n",
    );
    const r = await fastbench(['run', file, '-u', 'u:p', '--cookie', 'k=v', '-e', 'WHO=me', '--json', '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { overall: { errors: number } }).overall.errors).toBe(0);
  });

  it('--compressed decodes for expectations and reports wire vs decoded bytes', async () => {
    const file = scenario("requests: [{ path: /gzip, expect: { bodyContains: ['\"gzipped\": true'] } }]\n");
    const r = await fastbench(['run', file, '--compressed', '--json', '-q']);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout) as { decode: { responses: number; wireBytes: number; decodedBytes: number; cpuMs: number } };
    expect(res.decode.responses).toBe(3);
    expect(res.decode.wireBytes).toBeLessThan(res.decode.decodedBytes);
    const text = await fastbench(['run', file, '--compressed', '-q']);
    expect(text.stdout).toMatch(/decoded: 3 compressed responses, .* on the wire → .*, [\d.]+ ms decoding \(not in latency\)/);
  });

  it('-k is accepted and a bad -H is a usage error before anything is sent', async () => {
    const file = scenario('requests: [{ path: /get }]\n');
    expect((await fastbench(['run', file, '-k', '--json', '-q'])).code).toBe(0);
    const bad = await fastbench(['run', file, '-H', 'no colon here']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/error\[ERR_USAGE_BAD_OPTION\]: --header "no colon here"/);
  });
});
