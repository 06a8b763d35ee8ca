// Response framing with a fake connection: what each ServerResponse call puts on the wire.
import { describe, expect, it } from 'vitest';
import { OutBuffer } from '../../../src/server/out-buffer.js';
import { OutgoingResponse, ResState, type ResponseOwner } from '../../../src/server/server-response.js';

const DATE = Date.UTC(2024, 0, 2, 3, 4, 5);
const DATE_LINE = 'Date: Tue, 02 Jan 2024 03:04:05 GMT\r\n';

class FakeOwner implements ResponseOwner {
  readonly out = new OutBuffer(64);
  draining = false;
  epochNow = DATE;
  done: OutgoingResponse[] = [];
  writes = 0;
  destroyed: boolean | undefined;
  wrote(): void {
    this.writes++;
  }
  responseDone(res: OutgoingResponse): void {
    this.done.push(res);
  }
  destroy(reset: boolean): void {
    this.destroyed = reset;
  }
  upgrade(): boolean {
    return false;
  }
  text(): string {
    return Buffer.concat([...(this.out.parts ?? []), this.out.w.view()]).toString('latin1');
  }
}

function response(setup: Partial<Pick<OutgoingResponse, 'isHead' | 'http10' | 'forceClose' | 'atHead'>> = {}): [OutgoingResponse, FakeOwner] {
  const owner = new FakeOwner();
  const res = new OutgoingResponse(owner);
  res.atHead = true;
  Object.assign(res, setup);
  res.state = ResState.Dispatched;
  return [res, owner];
}

const TEXT = Object.freeze(['Content-Type', 'text/plain']);

describe('OutgoingResponse', () => {
  it('send(): status line, Date, headers, Content-Length, body', () => {
    const [res, owner] = response();
    res.send(200, 'héllo', TEXT);
    expect(owner.text()).toBe(`HTTP/1.1 200 OK\r\n${DATE_LINE}Content-Type: text/plain\r\nContent-Length: 6\r\n\r\nhéllo`.replace('é', '\xc3\xa9'));
    expect(res.state).toBe(ResState.Done);
    expect(res.status).toBe(200);
    expect(owner.done).toEqual([res]);
    expect(res.closeAfter).toBe(false);
  });

  it('send() with a mutable header array uses its current contents', () => {
    const headers = ['X-A', '1'];
    const [r1, o1] = response();
    r1.send(200, '', headers);
    headers[1] = '2';
    const [r2, o2] = response();
    r2.send(200, '', headers);
    expect(o1.text()).toContain('X-A: 1\r\n');
    expect(o2.text()).toContain('X-A: 2\r\n');
  });

  it('repeated lengths and endings reuse a whole cached head; a change is still framed right', () => {
    const H = Object.freeze(['X-Cache', 'test']);
    const outputs: string[] = [];
    for (const [body, close] of [['aa', false], ['aa', false], ['aa', false], ['abc', false], ['aa', true], ['aa', true], ['aa', true], ['aa', false]] as const) {
      const [res, owner] = response({ forceClose: close });
      res.send(200, body, H);
      outputs.push(owner.text());
    }
    const expected = (body: string, close: boolean): string =>
      `HTTP/1.1 200 OK\r\n${DATE_LINE}X-Cache: test\r\nContent-Length: ${body.length}\r\n${close ? 'Connection: close\r\n' : ''}\r\n${body}`;
    expect(outputs).toEqual([
      expected('aa', false), expected('aa', false), expected('aa', false), expected('abc', false),
      expected('aa', true), expected('aa', true), expected('aa', true), expected('aa', false),
    ]);
  });

  it('a new second rebuilds the cached head', () => {
    const [r1, o1] = response();
    r1.send(200, 'a', TEXT);
    const [r2, o2] = response();
    o2.epochNow = DATE + 1000;
    r2.send(200, 'a', TEXT);
    expect(o1.text()).toContain('03:04:05 GMT');
    expect(o2.text()).toContain('03:04:06 GMT');
  });

  it('Connection headers: close when forced or draining, keep-alive for HTTP/1.0', () => {
    const [a, oa] = response({ forceClose: true });
    a.send(200, 'x', TEXT);
    expect(oa.text()).toMatch(/Content-Length: 1\r\nConnection: close\r\n\r\nx$/);
    expect(a.closeAfter).toBe(true);
    const [b, ob] = response();
    ob.draining = true;
    b.send(204);
    expect(ob.text()).toBe(`HTTP/1.1 204 No Content\r\n${DATE_LINE}Connection: close\r\n\r\n`);
    const [c, oc] = response({ http10: true });
    c.send(200, 'x');
    expect(oc.text()).toMatch(/Connection: keep-alive\r\n\r\nx$/);
  });

  it('HEAD: the head with the length of the body it would have, no body', () => {
    const [res, owner] = response({ isHead: true });
    res.send(200, 'hello', TEXT);
    expect(owner.text()).toMatch(/Content-Length: 5\r\n\r\n$/);
    const [raw, ownerRaw] = response({ isHead: true });
    raw.sendRaw(Buffer.from('HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nabc'));
    expect(ownerRaw.text()).toBe('HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\n');
    expect(raw.status).toBe(201);
  });

  it('chunked streaming with trailers; Content-Length streaming', () => {
    const [res, owner] = response();
    res.begin(200, TEXT);
    res.write('ab');
    res.write(Buffer.from('cde'));
    res.write('');
    res.end([['X-Sum', '5']]);
    expect(owner.text()).toBe(`HTTP/1.1 200 OK\r\n${DATE_LINE}Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\nX-Sum: 5\r\n\r\n`);
    expect(owner.writes).toBe(3);
    const [cl, ocl] = response();
    cl.begin(200, undefined, 3);
    cl.write('abc');
    cl.end();
    expect(ocl.text()).toBe(`HTTP/1.1 200 OK\r\n${DATE_LINE}Content-Length: 3\r\n\r\nabc`);
  });

  it('HTTP/1.0 streams of unknown length are delimited by close', () => {
    const [res, owner] = response({ http10: true });
    res.begin(200);
    res.write('abc');
    res.end();
    expect(owner.text()).toBe(`HTTP/1.1 200 OK\r\n${DATE_LINE}Connection: close\r\n\r\nabc`);
    expect(res.closeAfter).toBe(true);
  });

  it('buffers its own bytes while not at the head of the queue', () => {
    const [res, owner] = response({ atHead: false });
    res.send(200, 'later');
    expect(owner.out.empty).toBe(true);
    expect(res.own!.w.view().toString('latin1')).toMatch(/\r\n\r\nlater$/);
  });

  it('misuse throws; a dead response ignores everything', () => {
    const [res, owner] = response();
    expect(() => res.write('x')).toThrow(/not allowed/);
    res.send(200);
    expect(() => res.send(200)).toThrow(/not allowed/);
    const [dead, od] = response();
    dead.kill();
    expect(dead.closed).toBe(true);
    dead.send(200, 'x');
    dead.destroy();
    expect(od.out.empty).toBe(true);
    expect(od.destroyed).toBeUndefined();
    expect(owner.done).toHaveLength(1);
  });

  it('close() and destroy() reach the connection', () => {
    const [res, owner] = response();
    res.begin(200);
    res.write('part');
    res.close();
    expect(res.closeAfter).toBe(true);
    expect(owner.done).toEqual([res]);
    const [d, od] = response();
    d.destroy();
    expect(od.destroyed).toBe(true);
  });
});
