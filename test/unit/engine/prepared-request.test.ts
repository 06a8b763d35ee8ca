import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../../src/core/byte-writer.js';
import { encodeTargetValue, PreparedRequest } from '../../../src/engine/prepared-request.js';
import { TargetClients } from '../../../src/engine/target-clients.js';
import { parseScenario, type RenderContext } from '../../../src/scenario/index.js';

function setup(yaml: string): { s: ReturnType<typeof parseScenario>; clients: TargetClients } {
  const s = parseScenario(yaml, '/tmp/prep.yaml', { processEnv: {} });
  const clients = new TargetClients(s.target.kind === 'url' ? s.target.origins : [], [], { settings: s.client, maxConns: 1, pipelining: 1, maxQueued: 1 });
  return { s, clients };
}

const ctx = (seq: number, row?: string[]): RenderContext => ({ seq, row, vars: undefined });

describe('prepared requests', () => {
  it('serializes a static request once per backend, Host included', async () => {
    const { s, clients } = setup(`
targets: [http://127.0.0.1:9001/api, http://127.0.0.1:9002/api]
load: [{ connections: 1, duration: 1s }]
requests:
  - method: POST
    path: /items
    headers: { content-type: text/plain }
    body: hello
`);
    const pr = new PreparedRequest(s.requests[0]!, 0, clients, true);
    expect(pr.static).toBe(true);
    const wire = pr.raw.map((r) => r.prepare().toString('latin1'));
    expect(wire[0]).toBe('POST /api/items HTTP/1.1\r\nHost: 127.0.0.1:9001\r\ncontent-type: text/plain\r\nContent-Length: 5\r\n\r\nhello');
    expect(wire[1]).toContain('Host: 127.0.0.1:9002\r\n');
    expect(pr.rawLength[0]).toBe(Buffer.byteLength(wire[0]!));
    await clients.close();
  });

  it('renders a dynamic request per send, encoding what a target cannot carry', async () => {
    const { s, clients } = setup(`
target: http://127.0.0.1:9001
load: [{ connections: 1, duration: 1s }]
requests:
  - path: /u/{{seq}}
    headers: { x-n: "n{{seq}}" }
    body: { n: "{{seq}}" }
`);
    const pr = new PreparedRequest(s.requests[0]!, 0, clients, false);
    expect(pr.static).toBe(false);
    const w = new ByteWriter(16);
    pr.render(w, ctx(7), 'h:1');
    // Static header lines come first (pre-rendered), then the rendered ones.
    expect(w.view().toString()).toBe(
      'GET /u/7 HTTP/1.1\r\nHost: h:1\r\ncontent-type: application/json\r\nConnection: close\r\nx-n: n7\r\nContent-Length: 7\r\n\r\n{"n":7}',
    );
    expect(encodeTargetValue('a b/é?x')).toBe('a%20b/%C3%A9?x');
    expect(encodeTargetValue('plain-1')).toBe('plain-1');
    await clients.close();
  });

  it('sends one Content-Length, the body\'s, whatever framing header the user wrote (static and templated)', async () => {
    const { s, clients } = setup(`
target: http://127.0.0.1:9001
load: [{ connections: 1, duration: 1s }]
requests:
  - name: templated
    method: POST
    path: /t
    headers: { Content-Length: "2", content-type: text/plain }
    body: "n={{seq}}"
  - name: static
    method: POST
    path: /s
    headers: { content-length: "5" }
    body: hello
  - name: templated-header
    method: PUT
    path: /h
    headers: { Content-Length: "{{seq}}" }
    body: abc
`);
    const count = (t: string): number => (t.match(/content-length:/gi) ?? []).length;
    const templated = new PreparedRequest(s.requests[0]!, 0, clients, true);
    const w = new ByteWriter(16);
    templated.render(w, ctx(12345), 'h:1');
    const t = w.view().toString();
    expect(count(t)).toBe(1);
    expect(t.endsWith('Content-Length: 7\r\n\r\nn=12345')).toBe(true);
    const stat = new PreparedRequest(s.requests[1]!, 1, clients, true);
    expect(stat.static).toBe(true);
    const st = stat.raw[0]!.prepare().toString();
    expect(count(st)).toBe(1);
    expect(st).toBe('POST /s HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nContent-Length: 5\r\n\r\nhello');
    const th = new PreparedRequest(s.requests[2]!, 2, clients, true);
    th.render(w, ctx(99), 'h:1');
    const h = w.view().toString();
    expect(count(h)).toBe(1);
    expect(h).toContain('Content-Length: 3\r\n\r\nabc');
    await clients.close();
  });

  it('refuses a rendered header value with a line break', async () => {
    const { s, clients } = setup(`
target: http://127.0.0.1:9001
flows:
  - steps:
      - path: /a
        capture: { t: $.t }
      - path: /b
        headers: { x-t: "{{vars.t}}" }
load: [{ connections: 1, duration: 1s }]
`);
    const pr = new PreparedRequest(s.flows[0]!.steps[1]!, 1, clients, true);
    const w = new ByteWriter(16);
    expect(() => pr.render(w, { seq: 0, row: undefined, vars: ['ok\r\nx: y'] }, 'h')).toThrow(/control character/);
    pr.render(w, { seq: 0, row: undefined, vars: ['ok'] }, 'h');
    expect(w.view().toString()).toContain('x-t: ok\r\n');
    await clients.close();
  });

  it('sends a header value as the same UTF-8 bytes whether the request is prepared once or rendered per send', async () => {
    const { s, clients } = setup(`
target: http://127.0.0.1:9001
load: [{ connections: 1, duration: 1s }]
requests:
  - name: fixed
    path: /a
    headers: { x-city: "Zürich" }
  - name: templated
    path: /a
    headers: { x-city: "Zürich", x-n: "{{seq}}" }
`);
    const fixed = new PreparedRequest(s.requests[0]!, 0, clients, true);
    const templated = new PreparedRequest(s.requests[1]!, 1, clients, true);
    expect(fixed.static).toBe(true);
    expect(templated.static).toBe(false);
    const once = fixed.raw[0]!.prepare();
    const w = new ByteWriter(16);
    templated.render(w, ctx(1), '127.0.0.1:9001');
    const want = Buffer.from('x-city: Zürich\r\n', 'utf8');
    expect(once.includes(want)).toBe(true);
    expect(Buffer.from(w.view()).includes(want)).toBe(true);
    await clients.close();
  });
});
