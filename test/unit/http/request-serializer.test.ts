// The codec's one framing rule: a caller's Content-Length / Transfer-Encoding is replaced by the
// Content-Length the body needs; framingConflict() tells front ends what to refuse.
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../../src/core/byte-writer.js';
import { RequestSerializer, framingConflict, serializeRequest } from '../../../src/http/request-serializer.js';
import { Request } from '../../../src/client/request.js';

const count = (s: string, name: string): number => (s.toLowerCase().match(new RegExp(`\\r\\n${name}:`, 'g')) ?? []).length;

describe('request framing', () => {
  it('replaces a wrong user Content-Length with the body length', () => {
    const wire = serializeRequest({ method: 'POST', target: '/x', host: 'h', headers: [['Content-Length', '99']], body: 'abc' }).toString();
    expect(wire).toBe('POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc');
  });

  it('never sends a user Transfer-Encoding; frames by length instead', () => {
    const wire = serializeRequest({ method: 'PUT', target: '/x', host: 'h', headers: { 'transfer-encoding': 'chunked' }, body: 'hello' }).toString();
    expect(count(wire, 'transfer-encoding')).toBe(0);
    expect(count(wire, 'content-length')).toBe(1);
    expect(wire.endsWith('Content-Length: 5\r\n\r\nhello')).toBe(true);
  });

  it('drops framing fields passed per write too', () => {
    const ser = new RequestSerializer({ method: 'POST', target: '/x', host: 'h' });
    const w = new ByteWriter(64);
    ser.write(w, ['content-length', '1', 'x-a', '1'], 'four');
    const wire = w.view().toString();
    expect(count(wire, 'content-length')).toBe(1);
    expect(wire).toContain('x-a: 1\r\nContent-Length: 4\r\n\r\nfour');
  });

  it('the client Request follows the same rule', () => {
    const req = new Request({ method: 'POST', url: 'http://h/x', headers: [['Content-Length', '1']], body: 'abcdef' });
    const wire = req.prepare().toString();
    expect(count(wire, 'content-length')).toBe(1);
    expect(wire).toContain('Content-Length: 6\r\n');
  });

  it('framingConflict: refuses what contradicts a known body, accepts what matches', () => {
    expect(framingConflict('Content-Length', '5', 5, 'POST')).toBeUndefined();
    expect(framingConflict('content-length', ' 5 ', 5, 'POST')).toBeUndefined();
    expect(framingConflict('Content-Length', '0', 0, 'GET')).toBeUndefined();
    expect(framingConflict('Content-Length', '6', 5, 'POST')).toMatch(/contradicts the body, which is 5 bytes/);
    expect(framingConflict('Content-Length', '5', undefined, 'POST')).toBeUndefined();
    expect(framingConflict('Transfer-Encoding', 'chunked', undefined, 'POST')).toMatch(/Transfer-Encoding/);
    expect(framingConflict('X-Other', '1', 5, 'POST')).toBeUndefined();
  });
});
