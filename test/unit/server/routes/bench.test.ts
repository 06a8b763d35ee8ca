import { describe, expect, it } from 'vitest';
import { exchange } from '../../../fixtures/server/fake-exchange.js';
import { app } from '../../../fixtures/server/default-app.js';

describe('bench routes', () => {
  const a = app();

  it('/ and /plaintext answer Hello, World! as text/plain', () => {
    for (const path of ['/', '/plaintext']) {
      const res = exchange(a, path);
      expect(res.status).toBe(200);
      expect(res.text).toBe('Hello, World!');
      expect(res.headers).toEqual(['Content-Type', 'text/plain']);
    }
  });

  it('/json answers the TechEmpower document', () => {
    const res = exchange(a, '/json');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ message: 'Hello, World!' });
    expect(res.header('content-type')).toBe('application/json');
  });

  it('answers with one send of constant Buffers and header lists', () => {
    const r1 = exchange(a, '/plaintext');
    const r2 = exchange(a, '/plaintext');
    expect(r1.calls).toHaveLength(1);
    expect(r1.calls[0]!.op).toBe('send');
    expect(r1.calls[0]!.args[1]).toBe(r2.calls[0]!.args[1]);
    expect(r1.calls[0]!.args[2]).toBe(r2.calls[0]!.args[2]);
  });

  it('HEAD is answered by the GET handler (the loop drops the body)', () => {
    const res = exchange(a, { method: 'HEAD', target: '/json' });
    expect(res.status).toBe(200);
    expect(res.contentLength).toBe(27);
  });

  it('POST is refused with 405 and Allow', () => {
    const res = exchange(a, { method: 'POST', target: '/plaintext' });
    expect(res.status).toBe(405);
    expect(res.header('allow')).toBe('GET, HEAD, OPTIONS');
  });
});
