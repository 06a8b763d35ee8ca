// A bare HTTP/2 client for attack tests: writes frames with the codec's frame writer and reads the
// server's frames with the codec's FrameReader, recording what came back (GOAWAY, RST_STREAM,
// response statuses, DATA bytes per stream). No flow-control manners unless asked.
import net from 'node:net';
import { ByteWriter } from '../../../src/core/byte-writer.js';
import { FrameReader, type FrameHandler } from '../../../src/http2/frame-reader.js';
import { encodeStatelessBlock } from '../../../src/http2/hpack-encoder.js';
import { HeaderFields } from '../../../src/http2/header-fields.js';
import { HpackDecoder } from '../../../src/http2/hpack-decoder.js';
import { SettingsList } from '../../../src/http2/settings.js';
import { writePreface, writeSettings, writeSettingsAck } from '../../../src/http2/frame-writer.js';

export class RawH2 implements FrameHandler {
  readonly w = new ByteWriter(64 * 1024);
  readonly reader = new FrameReader(this, { maxFrameSize: 16777215 });
  readonly decoder = new HpackDecoder({ maxHeaderListSize: 1 << 20 });
  readonly fields = new HeaderFields();
  goAway: { lastStreamId: number; code: number; debug: string } | undefined;
  readonly resets = new Map<number, number>();
  readonly statuses = new Map<number, number>();
  readonly dataBytes = new Map<number, number>();
  readonly ended = new Set<number>();
  /** Informational (1xx) statuses per stream, in order. */
  readonly info = new Map<number, number[]>();
  /** WINDOW_UPDATE increments received per stream (0 = the connection). */
  readonly windowUpdates = new Map<number, number>();
  /** What arrived, in order: `HEADERS 1 :status=200`, `DATA 1 13 END_STREAM`, `RST_STREAM 1 5`, `GOAWAY 3 1`. */
  readonly log: string[] = [];
  /** ACK the server's SETTINGS (set false before the first read to test the ACK timeout). */
  autoAck = true;
  pingAcks = 0;
  /** Payloads of the PING ACKs received. */
  readonly pingData: Buffer[] = [];
  settingsAcks = 0;
  closed = false;
  bytesIn = 0;
  /** Why our reader stopped (a server frame it could not accept), if it did. */
  readError: Error | undefined;
  private waiters: (() => void)[] = [];

  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.bytesIn += d.length;
      try {
        this.reader.push(d);
      } catch (e) {
        /* a broken server stream: the test sees what was recorded */
        this.readError = e as Error;
      }
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
    socket.on('error', () => {});
  }

  static async connect(port: number, settings: [number, number][] = [], opts: { autoAck?: boolean } = {}): Promise<RawH2> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    const c = new RawH2(socket);
    c.autoAck = opts.autoAck ?? true;
    writePreface(c.w);
    writeSettings(c.w, SettingsList.of(settings));
    c.flush();
    return c;
  }

  /** Sends what was written to `w` (false when the socket is gone). */
  flush(): boolean {
    if (this.w.len === 0) return true;
    if (this.socket.destroyed) {
      this.w.reset();
      return false;
    }
    this.socket.write(this.w.toBuffer());
    this.w.reset();
    return true;
  }

  /** A header block (static table only, no state): `[name, value]` pairs. */
  block(fields: [string, string][]): Buffer {
    const b = new ByteWriter(256);
    encodeStatelessBlock(b, fields, false);
    return b.toBuffer();
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves once `cond()` holds, or the socket closed, or after `ms` (then returns cond()). */
  async until(cond: () => boolean, ms = 10_000): Promise<boolean> {
    const end = Date.now() + ms;
    while (!cond() && !this.closed && Date.now() < end) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return cond();
  }

  destroy(): void {
    this.socket.destroy();
  }

  // FrameHandler
  onData(streamId: number, endStream: boolean, _b: Buffer, start: number, end: number): void {
    this.log.push(`DATA ${streamId} ${end - start}${endStream ? ' END_STREAM' : ''}`);
    this.dataBytes.set(streamId, (this.dataBytes.get(streamId) ?? 0) + (end - start));
    if (endStream) this.ended.add(streamId);
  }
  onHeaders(streamId: number, endStream: boolean, block: Buffer, start: number, end: number): void {
    this.fields.reset();
    this.decoder.decode(block, start, end, this.fields, streamId);
    const st = this.fields.get(':status');
    this.log.push(`HEADERS ${streamId} :status=${st ?? ''}${endStream ? ' END_STREAM' : ''}`);
    if (st !== undefined && Number(st) >= 200) this.statuses.set(streamId, Number(st));
    else if (st !== undefined) this.info.set(streamId, [...(this.info.get(streamId) ?? []), Number(st)]);
    if (endStream) this.ended.add(streamId);
  }
  onRstStream(streamId: number, code: number): void {
    this.log.push(`RST_STREAM ${streamId} ${code}`);
    if (!this.resets.has(streamId)) this.resets.set(streamId, code); // the first one counts
  }
  onSettings(): void {
    this.log.push('SETTINGS');
    if (!this.autoAck) return;
    writeSettingsAck(this.w);
    this.flush();
  }
  onSettingsAck(): void {
    this.settingsAcks++;
  }
  onPing(ack: boolean, buf: Buffer, start: number): void {
    if (!ack) return;
    this.pingAcks++;
    this.pingData.push(Buffer.from(buf.subarray(start, start + 8)));
  }
  onGoAway(lastStreamId: number, code: number, buf: Buffer, s: number, e: number): void {
    this.log.push(`GOAWAY ${lastStreamId} ${code}`);
    this.goAway = { lastStreamId, code, debug: buf.toString('latin1', s, e) };
  }
  onWindowUpdate(streamId: number, increment: number): void {
    this.windowUpdates.set(streamId, (this.windowUpdates.get(streamId) ?? 0) + increment);
  }
  onStreamError(): void {}
}
