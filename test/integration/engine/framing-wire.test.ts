// One framing rule on the wire (issue 11 item 7): whatever Content-Length / Transfer-Encoding a
// user writes, exactly one Content-Length — the body's — is sent, for static and templated bodies,
// by `run`, `bench` and `request`; one that contradicts a known body is refused before sending
// (exit 2). A raw TCP server records the bytes as they arrive.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

interface Recorded {
  head: string;
  body: string;
}

let port = 0;
let srv: net.Server;
const sockets = new Set<net.Socket>();
let requests: Recorded[] = [];
let dir = '';

/** Frames requests by their first Content-Length (0 when none) and answers each with an empty 200. */
function onConnection(sock: net.Socket): void {
  sockets.add(sock);
  sock.on('close', () => sockets.delete(sock));
  sock.on('error', () => {});
  let buf = Buffer.alloc(0);
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end + 4).toString('latin1');
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      const len = m === null ? 0 : Number(m[1]);
      if (buf.length < end + 4 + len) return;
      requests.push({ head, body: buf.subarray(end + 4, end + 4 + len).toString('latin1') });
      buf = buf.subarray(end + 4 + len);
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    }
  });
}

const countCl = (head: string): number => (head.match(/\r\ncontent-length:/gi) ?? []).length;
const countTe = (head: string): number => (head.match(/\r\ntransfer-encoding:/gi) ?? []).length;

beforeAll(async () => {
  srv = net.createServer(onConnection);
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  port = (srv.address() as AddressInfo).port;
  dir = mkdtempSync(join(tmpdir(), 'fastbench-framing-'));
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  requests = [];
});

function scenarioFile(name: string, requestYaml: string): string {
  const file = join(dir, name);
  writeFileSync(file, `target: http://127.0.0.1:${port}\nload:\n  - { connections: 1, requests: 3 }\nrequests:\n${requestYaml}`);
  return file;
}

describe('exactly one Content-Length on the wire', () => {
  it('run: a templated POST with a user Content-Length sends one, the body\'s', async () => {
    const file = scenarioFile(
      'templated.yaml',
      `  - method: POST
    path: /t
    headers: { Content-Length: "5", content-type: text/plain }
    body: "n={{seq}}-padding"
`,
    );
    const r = await runCli(['run', file, '-q'], { timeoutMs: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(requests.length).toBe(3);
    for (const q of requests) {
      expect(countCl(q.head)).toBe(1);
      expect(q.head).toContain(`Content-Length: ${Buffer.byteLength(q.body)}\r\n`);
      expect(q.body).toMatch(/^n=\d+-padding$/);
    }
  });

  it('run: a static POST with a matching user Content-Length sends one', async () => {
    const file = scenarioFile(
      'static.yaml',
      `  - method: POST
    path: /s
    headers: { content-length: "5" }
    body: hello
`,
    );
    const r = await runCli(['run', file, '-q'], { timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    expect(requests.length).toBe(3);
    for (const q of requests) {
      expect(countCl(q.head)).toBe(1);
      expect(q.body).toBe('hello');
    }
  });

  it('run: a templated header value named Content-Length is replaced too', async () => {
    const file = scenarioFile(
      'templated-header.yaml',
      `  - method: PUT
    path: /h
    headers: { Content-Length: "{{seq}}" }
    body: "abc"
`,
    );
    const r = await runCli(['run', file, '-q'], { timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    for (const q of requests) {
      expect(countCl(q.head)).toBe(1);
      expect(q.head).toContain('Content-Length: 3\r\n');
    }
  });

  it('bench: -H Content-Length with a body sends one', async () => {
    const r = await runCli(['bench', `http://127.0.0.1:${port}/b`, '-X', 'POST', '-H', 'Content-Length: 2', '-b', 'hi', '-n', '3', '-c', '1', '-q'], { timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    expect(requests.length).toBe(3);
    for (const q of requests) {
      expect(countCl(q.head)).toBe(1);
      expect(q.body).toBe('hi');
    }
  });

  it('request: -H Content-Length with -d sends one', async () => {
    const r = await runCli(['request', `http://127.0.0.1:${port}/r`, '-H', 'content-length: 3', '-b', 'abc'], { timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    expect(requests.length).toBe(1);
    expect(countCl(requests[0]!.head)).toBe(1);
    expect(countTe(requests[0]!.head)).toBe(0);
    expect(requests[0]!.body).toBe('abc');
  });
});

describe('framing headers that contradict the body are refused before sending', () => {
  it('run: exit 2 at the header value\'s file:line:col, nothing sent', async () => {
    const file = scenarioFile(
      'wrong.yaml',
      `  - method: POST
    path: /w
    headers:
      Content-Length: "99"
    body: hello
`,
    );
    const r = await runCli(['run', file, '-q'], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error\[ERR_SCENARIO_VALUE\]: .*Content-Length: 99 contradicts the body, which is 5 bytes.* at .*wrong\.yaml:8:23/);
    expect(requests.length).toBe(0);
  });

  it('run: a Transfer-Encoding header is refused', async () => {
    const file = scenarioFile(
      'te.yaml',
      `  - method: POST
    path: /te
    headers: { Transfer-Encoding: chunked }
    body: "{{seq}}"
`,
    );
    const r = await runCli(['run', file, '-q'], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Transfer-Encoding/);
    expect(requests.length).toBe(0);
  });

  it('bench and request: exit 2', async () => {
    const b = await runCli(['bench', `http://127.0.0.1:${port}/b`, '-X', 'POST', '-H', 'Content-Length: 7', '-b', 'hi', '-n', '3', '-q'], { timeoutMs: 30_000 });
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/contradicts the body/);
    const q = await runCli(['request', `http://127.0.0.1:${port}/r`, '-H', 'Transfer-Encoding: chunked', '-b', 'abc'], { timeoutMs: 30_000 });
    expect(q.code).toBe(2);
    expect(requests.length).toBe(0);
  });
});
