import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../../src/core/byte-writer.js';
import { FastbenchError } from '../../../src/core/errors.js';
import { Response } from '../../../src/client/response.js';
import { HookRequest, HookResponse, HookUserView, varsPrototype, varsView } from '../../../src/engine/hook-objects.js';
import { HookRunner, THREW, frameIn } from '../../../src/engine/hook-runner.js';
import { buildLoopParts } from '../../../src/engine/loop-build.js';
import { PreparedRequest, writeHookRequest } from '../../../src/engine/prepared-request.js';
import { TargetClients } from '../../../src/engine/target-clients.js';
import { planWorker } from '../../../src/engine/worker-plan.js';
import { parseScenario } from '../../../src/scenario/index.js';
import { Recorder } from '../../../src/metrics/recorder.js';

const YAML = `
target: http://127.0.0.1:9001
load: [{ connections: 1, duration: 1s }]
requests:
  - name: signed
    path: /a
  - name: plain
    path: /b
`;

describe('hooks: runner and objects', () => {
  it('a request with no hook of its own keeps its prepared bytes; a hooked one is built per send', async () => {
    const s = parseScenario(YAML, '/tmp/h.yaml', { processEnv: {} });
    const clients = new TargetClients(['http://127.0.0.1:9001'], [], { settings: s.client, maxConns: 1, pipelining: 1, maxQueued: 1 });
    const scripts = new HookRunner({ beforeRequest: { signed: () => undefined }, afterResponse: { other: () => undefined } }, '/tmp/h.mjs', '', 0, 1);
    const parts = buildLoopParts({ scenario: s, plan: planWorker(s, 0, 1), clients, recorder: new Recorder({ requestNames: ['signed', 'plain'] }), hooks: { onInterval: () => {} }, scripts });
    const [signed, plain] = parts.requests;
    expect(signed!.before).toBeTypeOf('function');
    expect(plain!.before).toBeUndefined();
    expect(plain!.after).toBeUndefined();
    expect(plain!.static && plain!.raw.length === 1).toBe(true);
    expect(plain!.needsBody).toBe(false); // no afterResponse: the body may be discarded
    expect(parts.users[0]!.hookReq).toBeInstanceOf(HookRequest);
    await clients.close();
  });

  it('hookFor: one function for every request, or one per request name', () => {
    const f = (): void => {};
    const all = new HookRunner({ beforeRequest: f }, '/x.mjs', '', 0, 1);
    expect(all.hookFor('beforeRequest', 'any')).toBe(f);
    expect(all.hookFor('afterResponse', 'any')).toBeUndefined();
    const named = new HookRunner({ afterResponse: { a: f } }, '/x.mjs', '', 0, 1);
    expect(named.hookFor('afterResponse', 'a')).toBe(f);
    expect(named.hookFor('afterResponse', 'toString')).toBeUndefined(); // own names only
  });

  it('call: a throw is THREW, recorded once per distinct failure with a count; time is measured', () => {
    const r = new HookRunner({}, '/x.mjs', '', 0, 1);
    const boom = (): never => {
      throw new TypeError('bad');
    };
    const vu = new HookUserView(0, undefined);
    expect(r.call(boom, 'beforeRequest', 'a', {}, vu)).toBe(THREW);
    expect(r.call(boom, 'beforeRequest', 'a', {}, vu)).toBe(THREW);
    expect(r.call(() => 7, 'beforeRequest', 'a', {}, vu)).toBe(7);
    const snap = r.snapshot();
    expect(snap.calls).toBe(3);
    expect(snap.failures).toEqual([{ hook: 'beforeRequest', request: 'a', where: '', message: 'TypeError: bad', count: 2 }]);
  });

  it('frameIn: the first stack frame inside the hooks file', () => {
    const e = new Error('x');
    e.stack = 'Error: x\n    at inner (node:internal/a:1:1)\n    at sign (file:///work/s/hooks.mjs:12:5)\n    at other (file:///work/s/hooks.mjs:30:1)';
    expect(frameIn(e, '/work/s/hooks.mjs')).toMatch(/hooks\.mjs:12:5$/);
    expect(frameIn(e, '/elsewhere.mjs')).toBe('');
  });

  it('writeHookRequest: what the hook left, framed by the codec; bad fields are ERR_HOOK', () => {
    const w = new ByteWriter(64);
    const hr = new HookRequest();
    hr.method = 'post';
    hr.path = '/x y';
    hr.headers = { Host: 'h', 'X-Sig': 42, 'Content-Length': '999', Skip: undefined };
    hr.body = { a: 1 };
    expect(writeHookRequest(w, hr)).toBe('POST');
    expect(w.view().toString('latin1')).toBe('POST /x%20y HTTP/1.1\r\nHost: h\r\nX-Sig: 42\r\nContent-Length: 7\r\n\r\n{"a":1}');
    hr.headers = { 'Bad Name': 'v' };
    expect(() => writeHookRequest(w, hr)).toThrow(FastbenchError);
    hr.headers = {};
    hr.method = 'G T';
    expect(() => writeHookRequest(w, hr)).toThrow(/not an HTTP method/);
  });

  it('fillHookRequest: the rendered request as plain fields (a fresh headers object per send)', async () => {
    const s = parseScenario(`
target: http://127.0.0.1:9001
load: [{ connections: 1, duration: 1s }]
requests:
  - method: PUT
    path: /u/{{seq}}
    headers: { X-A: "{{seq}}" }
    body: "n={{seq}}"
`, '/tmp/h.yaml', { processEnv: {} });
    const clients = new TargetClients(['http://127.0.0.1:9001'], [], { settings: s.client, maxConns: 1, pipelining: 1, maxQueued: 1 });
    const pr = new PreparedRequest(s.requests[0]!, 0, clients, true);
    const hr = new HookRequest();
    const ctx = { seq: 3, row: undefined, vars: undefined };
    pr.fillHookRequest(hr, ctx, '127.0.0.1:9001', pr.targetFor(ctx), 'c=1');
    const first = hr.headers;
    expect([hr.method, hr.path, hr.body]).toEqual(['PUT', '/u/3', 'n=3']);
    expect(hr.headers).toEqual({ Host: '127.0.0.1:9001', 'X-A': '3', Cookie: 'c=1' });
    pr.fillHookRequest(hr, ctx, 'h', '/u/3', undefined);
    expect(hr.headers).not.toBe(first);
    await clients.close();
  });

  it('HookResponse: lower-cased headers built once, body/text/json; vars views write slots', () => {
    const res = new Response();
    const head = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n', 'latin1');
    // A response filled as the connection would: a parsed head and a body.
    (res as unknown as { status: number }).status = 200;
    const h = res.headers as unknown as { buf: Buffer; count: number; offsets: Int32Array };
    h.buf = head;
    const fields = [['Content-Type', 'application/json'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']] as const;
    h.offsets = new Int32Array(fields.length * 4);
    let at = head.indexOf('\r\n') + 2;
    fields.forEach(([n, v], i) => {
      h.offsets.set([at, at + n.length, at + n.length + 2, at + n.length + 2 + v.length], i * 4);
      at += n.length + 2 + v.length + 2;
    });
    h.count = fields.length;
    const hr = new HookResponse().load(res, Buffer.from('{"ok":true}'));
    expect(hr.headers).toEqual({ 'content-type': 'application/json', 'set-cookie': 'a=1\nb=2' });
    expect(hr.headers).toBe(hr.headers);
    expect(hr.text).toBe('{"ok":true}');
    expect(hr.json).toEqual({ ok: true });
    const slots = ['', 'x'];
    const vars = varsView(varsPrototype(['token', 'tier']), slots);
    expect(vars.tier).toBe('x');
    vars.token = 42;
    expect(slots).toEqual(['42', 'x']);
    vars.other = 'kept';
    expect(slots.length).toBe(2);
  });
});
