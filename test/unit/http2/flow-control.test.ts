// Flow control windows and the h2 error mapping.
import { describe, expect, it } from 'vitest';
import { ERROR_SPECS, errorSpec } from '../../../src/core/errors.js';
import { H2Code, SettingId } from '../../../src/http2/constants.js';
import { ReceiveWindow, addToWindow, applyWindowDelta } from '../../../src/http2/flow-control.js';
import { H2Error, h2CodeOf, registryCodeOf } from '../../../src/http2/h2-error.js';
import { PeerSettings, SettingsList } from '../../../src/http2/settings.js';

function catchH2(fn: () => unknown): H2Error {
  try {
    fn();
  } catch (e) {
    if (e instanceof H2Error) return e;
    throw e;
  }
  throw new Error('expected an H2Error');
}

describe('send windows', () => {
  it('WINDOW_UPDATE past 2^31-1 is FLOW_CONTROL_ERROR: connection scope on stream 0, stream scope else', () => {
    expect(addToWindow(65535, 1000, 0)).toBe(66535);
    expect(addToWindow(0x7fffffff - 5, 5, 3)).toBe(0x7fffffff);
    const c = catchH2(() => addToWindow(0x7fffffff, 1, 0));
    expect([c.code, c.scope, c.h2Code]).toEqual(['ERR_H2_FLOW_CONTROL', 'connection', H2Code.FLOW_CONTROL_ERROR]);
    const s = catchH2(() => addToWindow(0x7fffffff - 5, 6, 3));
    expect([s.code, s.scope, s.streamId]).toEqual(['ERR_H2_FLOW_CONTROL', 'stream', 3]);
  });
  it('SETTINGS_INITIAL_WINDOW_SIZE applies its delta to open streams (may go negative), overflow is a connection error', () => {
    const peer = new PeerSettings();
    const streams = [65535, 1000, 0x7fffffff - 65535];
    const delta = peer.apply(SettingsList.of([[SettingId.INITIAL_WINDOW_SIZE, 0]]));
    expect(delta).toBe(-65535);
    expect(streams.map((w, i) => applyWindowDelta(w, delta, i * 2 + 1))).toEqual([0, 1000 - 65535, 0x7fffffff - 131070]);
    const up = peer.apply(SettingsList.of([[SettingId.INITIAL_WINDOW_SIZE, 131071]]));
    expect(up).toBe(131071);
    const e = catchH2(() => applyWindowDelta(0x7fffffff - 65535, up, 5));
    expect([e.code, e.scope]).toEqual(['ERR_H2_FLOW_CONTROL', 'connection']);
  });
  it('PeerSettings starts at the protocol defaults and applies every known setting', () => {
    const p = new PeerSettings();
    expect([p.headerTableSize, p.enablePush, p.maxConcurrentStreams, p.initialWindowSize, p.maxFrameSize, p.maxHeaderListSize]).toEqual([4096, 1, Infinity, 65535, 16384, Infinity]);
    p.apply(SettingsList.of([[1, 0], [2, 0], [3, 100], [5, 1 << 20], [6, 8192], [8, 1]]));
    expect([p.headerTableSize, p.enablePush, p.maxConcurrentStreams, p.maxFrameSize, p.maxHeaderListSize, p.enableConnectProtocol]).toEqual([0, 0, 100, 1 << 20, 8192, 1]);
  });
});

describe('receive windows', () => {
  it('batches WINDOW_UPDATEs: credit is returned only past half the window, not per DATA frame', () => {
    const w = new ReceiveWindow(65535, 1);
    const updates: number[] = [];
    for (let i = 0; i < 16; i++) {
      w.receive(4096);
      const inc = w.consume(4096);
      if (inc > 0) updates.push(inc);
    }
    // 16 frames of 4 KiB: credit goes back twice (after 8 frames = 32768 > 32767.5), not 16 times.
    expect(updates).toEqual([32768, 32768]);
    expect(w.available).toBe(65535);
  });
  it('more DATA than the window is FLOW_CONTROL_ERROR (stream scope on a stream, connection on 0)', () => {
    const s = new ReceiveWindow(100, 5);
    s.receive(60);
    const e = catchH2(() => s.receive(41));
    expect([e.code, e.scope, e.streamId]).toEqual(['ERR_H2_FLOW_CONTROL', 'stream', 5]);
    const c = new ReceiveWindow(100, 0);
    expect(catchH2(() => c.receive(101)).scope).toBe('connection');
  });
  it('expandTo grows the advertised window (the increment to send), flush returns owed credit', () => {
    const c = new ReceiveWindow();
    expect(c.expandTo(1 << 24)).toBe((1 << 24) - 65535);
    expect(c.expandTo(1000)).toBe(0);
    c.receive(10);
    expect(c.consume(10)).toBe(0);
    expect(c.flush()).toBe(10);
    expect(c.available).toBe(1 << 24);
    c.applyInitialDelta(-100);
    expect(c.size).toBe((1 << 24) - 100);
  });
});

describe('h2 error codes', () => {
  it('every RFC 9113 error code maps to a registry code and back', () => {
    for (let code = 1; code <= 0xd; code++) {
      const reg = registryCodeOf(code)!;
      expect(errorSpec(reg).code).toBe(reg);
      expect(h2CodeOf(reg)).toBe(code);
    }
    expect(registryCodeOf(0)).toBeUndefined();
    // Unknown codes are treated as INTERNAL_ERROR (RFC 9113 7).
    expect(registryCodeOf(0x99)).toBe('ERR_H2_INTERNAL');
    expect(h2CodeOf('ERR_HTTP_BAD_CHUNK_SIZE')).toBe(-1);
    expect(ERROR_SPECS.filter((s) => s.code.startsWith('ERR_H2_')).length).toBe(13);
  });
  it('carries scope, frame, stream and offset, and formats like other codec errors', () => {
    const e = new H2Error(H2Code.PROTOCOL_ERROR, 'stream', 'bad thing', { frameType: 1, streamId: 3, offset: 42 });
    expect(e.format()).toBe('error[ERR_H2_PROTOCOL]: PROTOCOL_ERROR: bad thing [HEADERS frame, stream 3] at byte 42');
    expect(e.category).toBe('codec');
    expect(e.fromPeer).toBe(false);
    const peer = new H2Error(H2Code.REFUSED_STREAM, 'stream', 'reset by peer', { streamId: 5, fromPeer: true });
    expect([peer.code, peer.fromPeer, peer.category]).toEqual(['ERR_H2_REFUSED_STREAM', true, 'transport']);
  });
});
