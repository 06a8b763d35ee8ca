// A FrameHandler that records every callback as plain data (buffers copied), for tests and fuzzing.
import type { FrameHandler } from '../../../src/http2/frame-reader.js';
import type { H2Error } from '../../../src/http2/h2-error.js';
import type { SettingsList } from '../../../src/http2/settings.js';

export type FrameEvent =
  | { t: 'data'; sid: number; end: boolean; data: string; flow: number }
  | { t: 'headers'; sid: number; end: boolean; block: string }
  | { t: 'rst'; sid: number; code: number }
  | { t: 'settings'; list: [number, number][] }
  | { t: 'settingsAck' }
  | { t: 'ping'; ack: boolean; data: string }
  | { t: 'goaway'; last: number; code: number; debug: string }
  | { t: 'window'; sid: number; inc: number }
  | { t: 'streamError'; code: string; h2: number; sid: number; frameType: number };

export class FrameCollector implements FrameHandler {
  events: FrameEvent[] = [];
  /** The buffers onData was handed (to check zero-copy). */
  dataBufs: Buffer[] = [];

  onData(sid: number, end: boolean, buf: Buffer, start: number, stop: number, flow: number): void {
    this.dataBufs.push(buf);
    this.events.push({ t: 'data', sid, end, data: buf.toString('hex', start, stop), flow });
  }
  onHeaders(sid: number, end: boolean, block: Buffer, start: number, stop: number): void {
    this.events.push({ t: 'headers', sid, end, block: block.toString('hex', start, stop) });
  }
  onRstStream(sid: number, code: number): void {
    this.events.push({ t: 'rst', sid, code });
  }
  onSettings(s: SettingsList): void {
    const list: [number, number][] = [];
    for (let i = 0; i < s.count; i++) list.push([s.ids[i]!, s.values[i]!]);
    this.events.push({ t: 'settings', list });
  }
  onSettingsAck(): void {
    this.events.push({ t: 'settingsAck' });
  }
  onPing(ack: boolean, buf: Buffer, start: number): void {
    this.events.push({ t: 'ping', ack, data: buf.toString('hex', start, start + 8) });
  }
  onGoAway(last: number, code: number, buf: Buffer, s: number, e: number): void {
    this.events.push({ t: 'goaway', last, code, debug: buf.toString('hex', s, e) });
  }
  onWindowUpdate(sid: number, inc: number): void {
    this.events.push({ t: 'window', sid, inc });
  }
  onStreamError(e: H2Error): void {
    this.events.push({ t: 'streamError', code: e.code, h2: e.h2Code, sid: e.streamId, frameType: e.frameType });
  }
}
