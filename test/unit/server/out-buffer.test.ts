import { describe, expect, it } from 'vitest';
import { BIG_WRITE, OutBuffer } from '../../../src/server/out-buffer.js';

const text = (o: OutBuffer): string => Buffer.concat([...(o.parts ?? []), o.w.view()]).toString('latin1');

describe('OutBuffer', () => {
  it('copies small buffers and keeps large ones by reference, in order', () => {
    const o = new OutBuffer(16);
    const big = Buffer.alloc(BIG_WRITE, 0x62);
    o.append(Buffer.from('a1'));
    o.append(big);
    o.append(Buffer.from('a2'));
    expect(o.parts).toHaveLength(2);
    expect(o.parts![1]).toBe(big);
    expect(o.byteLength).toBe(4 + BIG_WRITE);
    expect(text(o)).toBe('a1' + 'b'.repeat(BIG_WRITE) + 'a2');
  });

  it('take() moves another buffer to the end and empties it', () => {
    const a = new OutBuffer(16);
    const b = new OutBuffer(16);
    a.append(Buffer.from('x'));
    b.append(Buffer.from('y'));
    b.append(Buffer.alloc(BIG_WRITE, 0x7a));
    b.append(Buffer.from('w'));
    a.take(b);
    expect(b.empty).toBe(true);
    expect(text(a)).toBe('xy' + 'z'.repeat(BIG_WRITE) + 'w');
    a.reset();
    expect(a.empty).toBe(true);
    expect(a.byteLength).toBe(0);
  });
});
