// Frame reader: round trips of every frame type through the writer, frames split at every offset,
// zero-copy within a chunk, CONTINUATION reassembly, and each fixed rule with its code and scope.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../../src/core/byte-writer.js';
import { CONNECTION_PREFACE, Flag, FrameType, H2Code, SettingId } from '../../../src/http2/constants.js';
import { FrameReader, matchPreface, type FrameReaderOptions } from '../../../src/http2/frame-reader.js';
import {
  PrebuiltHeaders, writeContinuation, writeData, writeFrameHeader, writeGoAway, writeHeaders, writePing, writePreface,
  writePriority, writePushPromise, writeRstStream, writeSettings, writeSettingsAck, writeWindowUpdate,
} from '../../../src/http2/frame-writer.js';
import { H2Error } from '../../../src/http2/h2-error.js';
import { HeaderFields } from '../../../src/http2/header-fields.js';
import { HpackDecoder } from '../../../src/http2/hpack-decoder.js';
import { SettingsList } from '../../../src/http2/settings.js';
import { FrameCollector, type FrameEvent } from './collect.js';

const SETTINGS0 = (() => {
  const w = new ByteWriter(16);
  writeSettings(w, SettingsList.of([]));
  return w.toBuffer();
})();

function read(bytes: Buffer | Buffer[], opts: FrameReaderOptions = {}): FrameEvent[] {
  const c = new FrameCollector();
  const r = new FrameReader(c, { settingsFirst: false, ...opts });
  for (const b of Array.isArray(bytes) ? bytes : [bytes]) r.push(b);
  return c.events;
}

function frames(fn: (w: ByteWriter) => void): Buffer {
  const w = new ByteWriter(64);
  fn(w);
  return w.toBuffer();
}

function expectConn(bytes: Buffer, code: string, frameType: number, opts: FrameReaderOptions = {}): H2Error {
  const r = new FrameReader(new FrameCollector(), { settingsFirst: false, ...opts });
  let err: unknown;
  try {
    r.push(bytes);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(H2Error);
  const h = err as H2Error;
  expect(h.code).toBe(code);
  expect(h.scope).toBe('connection');
  expect(h.frameType).toBe(frameType);
  // The reader stays failed.
  expect(() => r.push(SETTINGS0)).toThrow(h);
  return h;
}

const bytes8 = Buffer.from('0102030405060708', 'hex');

describe('frame round trips (writer → reader), every type', () => {
  it('DATA, plain and padded, with END_STREAM', () => {
    const b = frames((w) => {
      writeData(w, 1, Buffer.from('hello'), 0, 5, false);
      writeData(w, 3, Buffer.from('xyz'), 0, 3, true, 4);
    });
    expect(read(b)).toEqual([
      { t: 'data', sid: 1, end: false, data: '68656c6c6f', flow: 5 },
      { t: 'data', sid: 3, end: true, data: '78797a', flow: 3 + 4 + 1 },
    ]);
  });
  it('HEADERS with padding and priority, and split into CONTINUATION', () => {
    const block = Buffer.alloc(40, 0x82);
    const b = frames((w) => {
      writeHeaders(w, 1, block, 0, 10, true, 16384, 3, { dependency: 0, exclusive: true, weight: 16 });
      writeHeaders(w, 5, block, 0, 40, false, 16);
    });
    expect(b.length).toBe(9 + 1 + 5 + 10 + 3 + (9 + 16) * 2 + 9 + 8);
    expect(read(b)).toEqual([
      { t: 'headers', sid: 1, end: true, block: block.toString('hex', 0, 10) },
      { t: 'headers', sid: 5, end: false, block: block.toString('hex') },
    ]);
  });
  it('PRIORITY is read and ignored', () => {
    expect(read(frames((w) => writePriority(w, 3, 1, false, 200)))).toEqual([]);
  });
  it('RST_STREAM, SETTINGS (+ACK), PING (+ACK), GOAWAY, WINDOW_UPDATE', () => {
    const b = frames((w) => {
      writeRstStream(w, 7, H2Code.CANCEL);
      writeSettings(w, SettingsList.of([[SettingId.ENABLE_PUSH, 0], [SettingId.INITIAL_WINDOW_SIZE, 1 << 20], [SettingId.MAX_FRAME_SIZE, 16384], [0x77, 5]]));
      writeSettingsAck(w);
      writePing(w, false, bytes8);
      writePing(w, true, bytes8);
      writeGoAway(w, 9, H2Code.ENHANCE_YOUR_CALM, Buffer.from('bye'));
      writeWindowUpdate(w, 0, 1000);
      writeWindowUpdate(w, 3, 0x7fffffff);
    });
    expect(read(b)).toEqual([
      { t: 'rst', sid: 7, code: 8 },
      // The unknown setting 0x77 is ignored.
      { t: 'settings', list: [[2, 0], [4, 1 << 20], [5, 16384]] },
      { t: 'settingsAck' },
      { t: 'ping', ack: false, data: '0102030405060708' },
      { t: 'ping', ack: true, data: '0102030405060708' },
      { t: 'goaway', last: 9, code: 0xb, debug: '627965' },
      { t: 'window', sid: 0, inc: 1000 },
      { t: 'window', sid: 3, inc: 0x7fffffff },
    ]);
  });
  it('unknown frame types are ignored; the reserved stream-id bit is masked', () => {
    const b = frames((w) => {
      writeFrameHeader(w, 3, 0xfa, 0xff, 1);
      w.bytes(Buffer.from('abc'));
      writeFrameHeader(w, 4, FrameType.RST_STREAM, 0, 0);
      w.buf.writeUInt32BE(0x80000005, w.len - 4);
      w.bytes(Buffer.from('00000001', 'hex'));
    });
    expect(read(b)).toEqual([{ t: 'rst', sid: 5, code: 1 }]);
  });
  it('PrebuiltHeaders: patched stream id and END_STREAM, block decodes to the fields, reusable', () => {
    const fields: [string, string][] = [[':method', 'GET'], [':scheme', 'http'], [':path', '/bench'], [':authority', '127.0.0.1:8080'], ['user-agent', 'fastbench']];
    const pre = PrebuiltHeaders.fromFields(fields);
    const w = new ByteWriter(16);
    pre.writeTo(w, 1, true);
    pre.writeTo(w, 3, false);
    pre.writeTo(w, 0x7ffffffd, true);
    const ev = read(w.toBuffer());
    expect(ev.map((e) => e.t === 'headers' && [e.sid, e.end])).toEqual([[1, true], [3, false], [0x7ffffffd, true]]);
    const dec = new HpackDecoder();
    const f = new HeaderFields();
    for (const e of ev) {
      const blk = Buffer.from((e as { block: string }).block, 'hex');
      dec.decode(blk, 0, blk.length, f);
      expect(f.toPairs()).toEqual(fields);
    }
    // The prebuilt frames themselves were not modified.
    expect(pre.frames.readUInt32BE(5)).toBe(1);
    expect(pre.frames[4]).toBe(Flag.END_HEADERS);
  });
  it('PrebuiltHeaders splits a large block into CONTINUATION frames and patches every one', () => {
    const block = Buffer.alloc(40000, 0x82);
    const pre = new PrebuiltHeaders(block);
    const w = new ByteWriter(16);
    pre.writeTo(w, 9, true);
    expect(read(w.toBuffer(), { maxHeaderBlockSize: 65536 })).toEqual([{ t: 'headers', sid: 9, end: true, block: block.toString('hex') }]);
  });
});

describe('chunking', () => {
  const sample = frames((w) => {
    writeSettings(w, SettingsList.of([[SettingId.MAX_CONCURRENT_STREAMS, 100]]));
    writeHeaders(w, 1, Buffer.alloc(30, 0x84), 0, 30, false, 16);
    writeData(w, 1, Buffer.from('payload-bytes'), 0, 13, false, 2);
    writePing(w, false, bytes8);
    writeData(w, 1, Buffer.alloc(0), 0, 0, true);
    writeGoAway(w, 1, 0);
  });
  const whole = read(sample);

  it('hands out a frame inside one chunk as a view of that chunk (no copy)', () => {
    const c = new FrameCollector();
    const r = new FrameReader(c, { settingsFirst: false });
    const b = frames((w) => writeData(w, 1, Buffer.from('abc'), 0, 3, false));
    r.push(b);
    expect(c.dataBufs[0]).toBe(b);
    // Split: reassembled into the reader's buffer instead.
    const c2 = new FrameCollector();
    const r2 = new FrameReader(c2, { settingsFirst: false });
    r2.push(b.subarray(0, 10));
    r2.push(b.subarray(10));
    expect(c2.dataBufs[0]).not.toBe(b);
    expect(c2.events).toEqual(c.events);
  });

  it('gives the same frames split at EVERY offset', () => {
    for (let cut = 0; cut <= sample.length; cut++) {
      expect(read([sample.subarray(0, cut), sample.subarray(cut)])).toEqual(whole);
    }
  });

  it('gives the same frames byte by byte', () => {
    const parts: Buffer[] = [];
    for (let i = 0; i < sample.length; i++) parts.push(sample.subarray(i, i + 1));
    expect(read(parts)).toEqual(whole);
  });

  it('gives the same frames for random frame lists split anywhere (property)', () => {
    const frameArb = fc.oneof(
      fc.record({ k: fc.constant('data'), sid: fc.integer({ min: 1, max: 99 }), len: fc.integer({ min: 0, max: 60 }), pad: fc.integer({ min: 0, max: 5 }), end: fc.boolean() }),
      fc.record({ k: fc.constant('headers'), sid: fc.integer({ min: 1, max: 99 }), len: fc.integer({ min: 0, max: 80 }), max: fc.integer({ min: 16, max: 40 }), end: fc.boolean() }),
      fc.record({ k: fc.constant('ping'), ack: fc.boolean() }),
      fc.record({ k: fc.constant('window'), sid: fc.integer({ min: 0, max: 9 }), inc: fc.integer({ min: 1, max: 0x7fffffff }) }),
      fc.record({ k: fc.constant('settings'), n: fc.integer({ min: 0, max: 4 }) }),
      fc.record({ k: fc.constant('rst'), sid: fc.integer({ min: 1, max: 9 }), code: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ k: fc.constant('goaway'), len: fc.integer({ min: 0, max: 20 }) }),
      fc.record({ k: fc.constant('priority'), sid: fc.integer({ min: 1, max: 9 }) }),
    );
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 12 }), fc.array(fc.integer({ min: 0, max: 2000 }), { maxLength: 8 }), (list, cuts) => {
        const b = frames((w) => {
          for (const f of list) {
            switch (f.k) {
              case 'data': writeData(w, f.sid, Buffer.alloc(f.len, 7), 0, f.len, f.end, f.pad); break;
              case 'headers': writeHeaders(w, f.sid, Buffer.alloc(f.len, 0x82), 0, f.len, f.end, f.max); break;
              case 'ping': writePing(w, f.ack, bytes8); break;
              case 'window': writeWindowUpdate(w, f.sid, f.inc); break;
              case 'settings': writeSettings(w, SettingsList.of(Array.from({ length: f.n }, (_, i) => [SettingId.MAX_CONCURRENT_STREAMS, i] as [number, number]))); break;
              case 'rst': writeRstStream(w, f.sid, f.code); break;
              case 'goaway': writeGoAway(w, 3, 0, Buffer.alloc(f.len, 1)); break;
              case 'priority': writePriority(w, f.sid, f.sid + 1, false, 16); break;
            }
          }
        });
        const points = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
        const parts: Buffer[] = [];
        let at = 0;
        for (const p of points) {
          parts.push(b.subarray(at, p));
          at = p;
        }
        parts.push(b.subarray(at));
        expect(read(parts)).toEqual(read(b));
        expect(read(b).length).toBe(list.filter((f) => f.k !== 'priority').length);
      }),
      { numRuns: 400 },
    );
  });
});

describe('connection preface', () => {
  it('server side: accepts the preface split anywhere, then SETTINGS', () => {
    const b = Buffer.concat([CONNECTION_PREFACE, SETTINGS0]);
    for (let cut = 0; cut <= b.length; cut++) {
      expect(read([b.subarray(0, cut), b.subarray(cut)], { expectPreface: true, settingsFirst: true })).toEqual([{ t: 'settings', list: [] }]);
    }
  });
  it('server side: a wrong preface is a connection PROTOCOL_ERROR at its byte offset', () => {
    const bad = Buffer.from(CONNECTION_PREFACE);
    bad[5] = 0x78;
    const r = new FrameReader(new FrameCollector(), { expectPreface: true });
    r.push(bad.subarray(0, 3));
    try {
      r.push(bad.subarray(3));
      expect.unreachable();
    } catch (e) {
      expect((e as H2Error).code).toBe('ERR_H2_PROTOCOL');
      expect((e as H2Error).scope).toBe('connection');
      expect((e as H2Error).offset).toBe(5);
    }
  });
  it('both sides: the first frame must be a non-ACK SETTINGS', () => {
    expectConn(frames((w) => writePing(w, false, bytes8)), 'ERR_H2_PROTOCOL', FrameType.PING, { settingsFirst: true });
    expectConn(frames((w) => writeSettingsAck(w)), 'ERR_H2_PROTOCOL', FrameType.SETTINGS, { settingsFirst: true });
    expect(read(Buffer.concat([SETTINGS0, frames((w) => writePing(w, false, bytes8))]), { settingsFirst: true })).toHaveLength(2);
  });
  it('writePreface + matchPreface (h2c sniffing)', () => {
    const p = frames((w) => writePreface(w));
    expect(matchPreface(p)).toBe(1);
    expect(matchPreface(p, 0, 10)).toBe(0);
    expect(matchPreface(Buffer.from('GET / HTTP/1.1\r\n'))).toBe(-1);
  });
});

describe('fixed rules: each violation has its code and scope', () => {
  const raw = (len: number, type: number, flags: number, sid: number, payload: Buffer = Buffer.alloc(len)): Buffer =>
    frames((w) => {
      writeFrameHeader(w, len, type, flags, sid);
      w.bytes(payload);
    });
  const D = FrameType;
  const cases: [string, Buffer, string, number, FrameReaderOptions?][] = [
    ['frame larger than SETTINGS_MAX_FRAME_SIZE', raw(16385, D.DATA, 0, 1), 'ERR_H2_FRAME_SIZE', D.DATA],
    ['DATA on stream 0', raw(1, D.DATA, 0, 0), 'ERR_H2_PROTOCOL', D.DATA],
    ['DATA padding >= payload', raw(3, D.DATA, Flag.PADDED, 1, Buffer.from([3, 0, 0])), 'ERR_H2_PROTOCOL', D.DATA],
    ['DATA PADDED with no pad length', raw(0, D.DATA, Flag.PADDED, 1), 'ERR_H2_FRAME_SIZE', D.DATA],
    ['HEADERS on stream 0', raw(1, D.HEADERS, Flag.END_HEADERS, 0), 'ERR_H2_PROTOCOL', D.HEADERS],
    ['HEADERS padding too long', raw(3, D.HEADERS, Flag.END_HEADERS | Flag.PADDED, 1, Buffer.from([3, 0x82, 0])), 'ERR_H2_PROTOCOL', D.HEADERS],
    ['HEADERS PRIORITY too short', raw(4, D.HEADERS, Flag.END_HEADERS | Flag.PRIORITY, 1), 'ERR_H2_FRAME_SIZE', D.HEADERS],
    ['PRIORITY on stream 0', raw(5, D.PRIORITY, 0, 0), 'ERR_H2_PROTOCOL', D.PRIORITY],
    ['RST_STREAM on stream 0', raw(4, D.RST_STREAM, 0, 0), 'ERR_H2_PROTOCOL', D.RST_STREAM],
    ['RST_STREAM of 3 bytes', raw(3, D.RST_STREAM, 0, 1), 'ERR_H2_FRAME_SIZE', D.RST_STREAM],
    ['SETTINGS on a stream', raw(0, D.SETTINGS, 0, 1), 'ERR_H2_PROTOCOL', D.SETTINGS],
    ['SETTINGS length not a multiple of 6', raw(5, D.SETTINGS, 0, 0), 'ERR_H2_FRAME_SIZE', D.SETTINGS],
    ['SETTINGS ACK with payload', raw(6, D.SETTINGS, Flag.ACK, 0), 'ERR_H2_FRAME_SIZE', D.SETTINGS],
    ['SETTINGS_ENABLE_PUSH = 2', raw(6, D.SETTINGS, 0, 0, Buffer.from('000200000002', 'hex')), 'ERR_H2_PROTOCOL', D.SETTINGS],
    ['SETTINGS_INITIAL_WINDOW_SIZE > 2^31-1', raw(6, D.SETTINGS, 0, 0, Buffer.from('000480000000', 'hex')), 'ERR_H2_FLOW_CONTROL', D.SETTINGS],
    ['SETTINGS_MAX_FRAME_SIZE < 16384', raw(6, D.SETTINGS, 0, 0, Buffer.from('000500003fff', 'hex')), 'ERR_H2_PROTOCOL', D.SETTINGS],
    ['SETTINGS_MAX_FRAME_SIZE > 2^24-1', raw(6, D.SETTINGS, 0, 0, Buffer.from('000501000000', 'hex')), 'ERR_H2_PROTOCOL', D.SETTINGS],
    ['PUSH_PROMISE (push disabled)', frames((w) => writePushPromise(w, 1, 2, Buffer.from([0x82]))), 'ERR_H2_PROTOCOL', D.PUSH_PROMISE],
    ['PING on a stream', raw(8, D.PING, 0, 1), 'ERR_H2_PROTOCOL', D.PING],
    ['PING of 7 bytes', raw(7, D.PING, 0, 0), 'ERR_H2_FRAME_SIZE', D.PING],
    ['GOAWAY on a stream', raw(8, D.GOAWAY, 0, 1), 'ERR_H2_PROTOCOL', D.GOAWAY],
    ['GOAWAY of 7 bytes', raw(7, D.GOAWAY, 0, 0), 'ERR_H2_FRAME_SIZE', D.GOAWAY],
    ['WINDOW_UPDATE of 3 bytes', raw(3, D.WINDOW_UPDATE, 0, 1), 'ERR_H2_FRAME_SIZE', D.WINDOW_UPDATE],
    ['WINDOW_UPDATE 0 on the connection', raw(4, D.WINDOW_UPDATE, 0, 0), 'ERR_H2_PROTOCOL', D.WINDOW_UPDATE],
    ['CONTINUATION without HEADERS', raw(1, D.CONTINUATION, Flag.END_HEADERS, 1), 'ERR_H2_PROTOCOL', D.CONTINUATION],
    ['CONTINUATION on another stream', Buffer.concat([raw(1, D.HEADERS, 0, 1), raw(1, D.CONTINUATION, Flag.END_HEADERS, 3)]), 'ERR_H2_PROTOCOL', D.CONTINUATION],
    ['another frame inside a header block', Buffer.concat([raw(1, D.HEADERS, 0, 1), raw(8, D.PING, 0, 0)]), 'ERR_H2_PROTOCOL', D.PING],
    ['unknown frame inside a header block', Buffer.concat([raw(1, D.HEADERS, 0, 1), raw(0, 0x42, 0, 0)]), 'ERR_H2_PROTOCOL', 0x42],
    ['header block over the byte budget', Buffer.concat([raw(60, D.HEADERS, 0, 1), raw(60, D.CONTINUATION, 0, 1)]), 'ERR_H2_ENHANCE_YOUR_CALM', D.CONTINUATION, { maxHeaderBlockSize: 100 }],
    ['CONTINUATION flood (empty frames)', Buffer.concat([raw(0, D.HEADERS, 0, 1), ...Array.from({ length: 5 }, () => raw(0, D.CONTINUATION, 0, 1))]), 'ERR_H2_ENHANCE_YOUR_CALM', D.CONTINUATION, { maxContinuationFrames: 4 }],
  ];
  it.each(cases)('%s', (_name, b, code, type, opts) => {
    const e = expectConn(b, code, type, opts);
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.message.length).toBeGreaterThan(10);
  });

  it('the error names the offending frame, stream and byte offset', () => {
    const b = Buffer.concat([SETTINGS0, raw(3, D.RST_STREAM, 0, 7)]);
    const e = expectConn(b, 'ERR_H2_FRAME_SIZE', D.RST_STREAM);
    expect(e.streamId).toBe(7);
    expect(e.offset).toBe(SETTINGS0.length);
    expect(e.h2Code).toBe(H2Code.FRAME_SIZE_ERROR);
    expect(e.message).toContain('RST_STREAM frame, stream 7');
  });

  it('stream-scope rules go to onStreamError and reading goes on', () => {
    const b = Buffer.concat([
      raw(4, D.WINDOW_UPDATE, 0, 3),
      raw(4, D.PRIORITY, 0, 5),
      raw(5, D.PRIORITY, 0, 7, Buffer.from('0000000710', 'hex')),
      raw(6, D.HEADERS, Flag.END_HEADERS | Flag.PRIORITY, 9, Buffer.from('0000000910' + '82', 'hex')),
      frames((w) => writePing(w, false, bytes8)),
    ]);
    expect(read(b)).toEqual([
      { t: 'streamError', code: 'ERR_H2_PROTOCOL', h2: 1, sid: 3, frameType: D.WINDOW_UPDATE },
      { t: 'streamError', code: 'ERR_H2_FRAME_SIZE', h2: 6, sid: 5, frameType: D.PRIORITY },
      { t: 'streamError', code: 'ERR_H2_PROTOCOL', h2: 1, sid: 7, frameType: D.PRIORITY },
      // Self-dependent HEADERS: a stream error, but the block is still handed out (HPACK state).
      { t: 'streamError', code: 'ERR_H2_PROTOCOL', h2: 1, sid: 9, frameType: D.HEADERS },
      { t: 'headers', sid: 9, end: false, block: '82' },
      { t: 'ping', ack: false, data: '0102030405060708' },
    ]);
  });

  it('a larger maxFrameSize admits larger frames', () => {
    const b = raw(20000, D.DATA, 0, 1);
    expect(read(b, { maxFrameSize: 20000 })).toHaveLength(1);
  });

  it('CONTINUATION joins fragments split over chunks', () => {
    const b = Buffer.concat([raw(2, D.HEADERS, Flag.END_STREAM, 1, Buffer.from('8286', 'hex')), frames((w) => writeContinuation(w, 1, Buffer.from('8441', 'hex'), 0, 2, false)), raw(1, D.CONTINUATION, Flag.END_HEADERS, 1, Buffer.from('88', 'hex'))]);
    for (let cut = 0; cut <= b.length; cut++) {
      expect(read([b.subarray(0, cut), b.subarray(cut)])).toEqual([{ t: 'headers', sid: 1, end: true, block: '8286844188' }]);
    }
  });
});
