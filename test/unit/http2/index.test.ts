// The codec is part of the public library API as the `http2` namespace.
import { describe, expect, it } from 'vitest';
import { http2 } from '../../../src/index.js';

describe('public API', () => {
  it('exports the HTTP/2 codec as `http2`', () => {
    expect(typeof http2.FrameReader).toBe('function');
    expect(typeof http2.HpackDecoder).toBe('function');
    expect(typeof http2.HpackEncoder).toBe('function');
    expect(typeof http2.PrebuiltHeaders.fromFields).toBe('function');
    expect(http2.H2Code.ENHANCE_YOUR_CALM).toBe(0xb);
    expect(http2.registryCodeOf(http2.H2Code.FLOW_CONTROL_ERROR)).toBe('ERR_H2_FLOW_CONTROL');
    expect(http2.CONNECTION_PREFACE.toString('latin1')).toBe('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  });
});
