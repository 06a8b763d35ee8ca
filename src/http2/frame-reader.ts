// The HTTP/2 frame reader (RFC 9113 4, 6): takes inbound Buffer chunks split anywhere and hands
// frames to a handler by offsets. A frame that lies within one chunk is handed out as a view of
// that chunk (no copy); only a frame that straddles chunks is reassembled, into one reused buffer.
// Header blocks split over HEADERS + CONTINUATION are joined into a second reused buffer under a
// byte budget and a frame-count budget.
//
// Every fixed rule of every frame type is checked here, in dispatch(): lengths, the stream-id
// zero/non-zero rules, padding, SETTINGS values, the frame size limit, CONTINUATION sequencing,
// PUSH_PROMISE refusal (we always send ENABLE_PUSH=0, and clients never push) and the connection
// preface (server side) / SETTINGS-first rule (both sides). Stream state (idle, closed, ...) is
// the connection's business, not the reader's.
//
// Errors: a connection error is thrown (an H2Error with scope 'connection'); the reader is then
// dead and rethrows it on any later push. A stream error goes to handler.onStreamError and reading
// goes on. Views handed to the handler are valid only during the call. A handler must deal with
// stream-level trouble itself (RST_STREAM and carry on): anything it throws ends the reader like
// a connection error, because the rest of the chunk is abandoned.
import { CONNECTION_PREFACE, FRAME_HEADER_SIZE, Flag, FrameType, H2Code, MIN_MAX_FRAME_SIZE, SettingId } from './constants.js';
import { H2Error } from './h2-error.js';
import { SettingsList, checkSetting } from './settings.js';

export interface FrameHandler {
  /** DATA: payload view [start, end) without padding; flowLength is the whole payload (for flow control). */
  onData(streamId: number, endStream: boolean, buf: Buffer, start: number, end: number, flowLength: number): void;
  /** A complete header block (HEADERS + any CONTINUATION), padding and priority fields removed. */
  onHeaders(streamId: number, endStream: boolean, block: Buffer, start: number, end: number): void;
  onRstStream(streamId: number, errorCode: number): void;
  /** A SETTINGS frame (not ACK), values already validated; the list is reused. */
  onSettings(settings: SettingsList): void;
  onSettingsAck(): void;
  /** PING: the 8 opaque bytes are buf[start, start + 8). */
  onPing(ack: boolean, buf: Buffer, start: number): void;
  onGoAway(lastStreamId: number, errorCode: number, buf: Buffer, debugStart: number, debugEnd: number): void;
  onWindowUpdate(streamId: number, increment: number): void;
  /** A stream-scope violation (answer with RST_STREAM); the connection goes on. */
  onStreamError(error: H2Error): void;
}

export interface FrameReaderOptions {
  /** Server side: expect the client connection preface first. Default false. */
  expectPreface?: boolean;
  /** Our SETTINGS_MAX_FRAME_SIZE: larger frames are a FRAME_SIZE_ERROR. Default 16384. */
  maxFrameSize?: number;
  /** Byte budget for one header block over HEADERS + CONTINUATION. Default 65536. */
  maxHeaderBlockSize?: number;
  /** Most CONTINUATION frames in one header block (CONTINUATION floods). Default 128. */
  maxContinuationFrames?: number;
  /** Require SETTINGS as the peer's first frame (RFC 9113 3.4). Default true. */
  settingsFirst?: boolean;
}

export class FrameReader {
  maxFrameSize: number;
  maxHeaderBlockSize: number;
  maxContinuationFrames: number;
  /** Bytes consumed so far (the byte offset of the next unread byte on the connection). */
  offset = 0;
  /** Frames dispatched so far (unknown types included). */
  frames = 0;

  private readonly handler: FrameHandler;
  private prefaceLeft: number;
  private wantSettings: boolean;
  private error: H2Error | undefined;
  // Frame header being assembled across chunks.
  private readonly hdr = Buffer.alloc(FRAME_HEADER_SIZE);
  private hdrHave = 0;
  // Payload being assembled across chunks (header known).
  private pend: Buffer = Buffer.alloc(0);
  private pendHave = 0;
  private pendNeed = -1;
  private fType = 0;
  private fFlags = 0;
  private fStream = 0;
  private fStart = 0;
  // Header block being joined over CONTINUATION frames.
  private block: Buffer = Buffer.alloc(0);
  private blockLen = 0;
  private blockStream = 0;
  private blockEndStream = false;
  private blockFrames = 0;
  private readonly settings = new SettingsList();

  constructor(handler: FrameHandler, opts: FrameReaderOptions = {}) {
    this.handler = handler;
    this.prefaceLeft = opts.expectPreface === true ? CONNECTION_PREFACE.length : 0;
    this.wantSettings = opts.settingsFirst ?? true;
    this.maxFrameSize = opts.maxFrameSize ?? MIN_MAX_FRAME_SIZE;
    this.maxHeaderBlockSize = opts.maxHeaderBlockSize ?? 65536;
    this.maxContinuationFrames = opts.maxContinuationFrames ?? 128;
  }

  /** True while a header block waits for CONTINUATION frames. */
  get inHeaderBlock(): boolean {
    return this.blockStream !== 0;
  }

  /** Feeds the next inbound chunk. Throws H2Error (connection scope) on a connection error. */
  push(chunk: Buffer): void {
    if (this.error !== undefined) throw this.error;
    try {
      this.read(chunk);
    } catch (e) {
      if (e instanceof H2Error) this.error = e;
      throw e;
    }
  }

  private read(chunk: Buffer): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.prefaceLeft > 0) {
        const i0 = i;
        while (this.prefaceLeft > 0 && i < n) {
          if (chunk[i] !== CONNECTION_PREFACE[CONNECTION_PREFACE.length - this.prefaceLeft]) {
            throw new H2Error(H2Code.PROTOCOL_ERROR, 'connection', 'invalid connection preface', { offset: this.offset + (i - i0) });
          }
          this.prefaceLeft--;
          i++;
        }
        this.offset += i - i0;
        if (this.prefaceLeft > 0) return;
        continue;
      }
      if (this.pendNeed >= 0) {
        // Finishing a payload that straddles chunks.
        const take = Math.min(this.pendNeed - this.pendHave, n - i);
        chunk.copy(this.pend, this.pendHave, i, i + take);
        this.pendHave += take;
        i += take;
        this.offset += take;
        if (this.pendHave < this.pendNeed) return;
        const len = this.pendNeed;
        this.pendNeed = -1;
        this.dispatch(this.fType, this.fFlags, this.fStream, this.pend, 0, len);
        continue;
      }
      if (this.hdrHave > 0 || n - i < FRAME_HEADER_SIZE) {
        // Assembling a frame header across chunks.
        const take = Math.min(FRAME_HEADER_SIZE - this.hdrHave, n - i);
        chunk.copy(this.hdr, this.hdrHave, i, i + take);
        this.hdrHave += take;
        i += take;
        this.offset += take;
        if (this.hdrHave < FRAME_HEADER_SIZE) return;
        this.hdrHave = 0;
        const len = this.header(this.hdr, 0, this.offset - FRAME_HEADER_SIZE);
        this.startPending(len);
        continue;
      }
      // Fast path: the header is in this chunk.
      const len = this.header(chunk, i, this.offset);
      i += FRAME_HEADER_SIZE;
      this.offset += FRAME_HEADER_SIZE;
      if (n - i >= len) {
        i += len;
        this.offset += len;
        this.dispatch(this.fType, this.fFlags, this.fStream, chunk, i - len, i);
      } else {
        this.startPending(len);
      }
    }
  }

  private startPending(len: number): void {
    if (len === 0) {
      this.dispatch(this.fType, this.fFlags, this.fStream, this.pend, 0, 0);
      return;
    }
    if (this.pend.length < len) this.pend = Buffer.allocUnsafe(Math.max(len, Math.min(this.maxFrameSize, 2 * this.pend.length)));
    this.pendHave = 0;
    this.pendNeed = len;
  }

  /** Parses and checks a frame header (rules knowable before the payload); returns the length. */
  private header(b: Buffer, at: number, start: number): number {
    const len = (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
    const type = b[at + 3]!;
    const flags = b[at + 4]!;
    const sid = ((b[at + 5]! & 0x7f) * 0x1000000) + ((b[at + 6]! << 16) | (b[at + 7]! << 8) | b[at + 8]!);
    this.fType = type;
    this.fFlags = flags;
    this.fStream = sid;
    this.fStart = start;
    if (len > this.maxFrameSize) throw this.conn(H2Code.FRAME_SIZE_ERROR, `frame of ${len} bytes exceeds SETTINGS_MAX_FRAME_SIZE ${this.maxFrameSize}`);
    if (this.wantSettings) {
      if (type !== FrameType.SETTINGS || (flags & Flag.ACK) !== 0) throw this.conn(H2Code.PROTOCOL_ERROR, 'the first frame must be SETTINGS (connection preface)');
      this.wantSettings = false;
    }
    if (this.blockStream !== 0 && type !== FrameType.CONTINUATION) {
      throw this.conn(H2Code.PROTOCOL_ERROR, `frame interleaved in the header block of stream ${this.blockStream}; CONTINUATION expected`);
    }
    if (type === FrameType.PUSH_PROMISE) throw this.conn(H2Code.PROTOCOL_ERROR, 'PUSH_PROMISE received but push is disabled (SETTINGS_ENABLE_PUSH=0)');
    return len;
  }

  private conn(code: number, message: string): H2Error {
    return new H2Error(code, 'connection', message, { frameType: this.fType, streamId: this.fStream, offset: this.fStart });
  }

  private streamErr(code: number, message: string): H2Error {
    return new H2Error(code, 'stream', message, { frameType: this.fType, streamId: this.fStream, offset: this.fStart });
  }

  private dispatch(type: number, flags: number, sid: number, b: Buffer, s: number, e: number): void {
    this.frames++;
    const len = e - s;
    const h = this.handler;
    switch (type) {
      case FrameType.DATA:
        this.readData(flags, sid, b, s, e);
        return;
      case FrameType.HEADERS:
        this.readHeaders(flags, sid, b, s, e);
        return;
      case FrameType.PRIORITY:
        this.readPriority(flags, sid, b, s, e);
        return;
      case FrameType.RST_STREAM: {
        if (sid === 0) throw this.conn(H2Code.PROTOCOL_ERROR, 'RST_STREAM on stream 0');
        if (len !== 4) throw this.conn(H2Code.FRAME_SIZE_ERROR, `RST_STREAM of ${len} bytes (must be 4)`);
        h.onRstStream(sid, b.readUInt32BE(s));
        return;
      }
      case FrameType.SETTINGS:
        this.readSettings(flags, sid, b, s, e);
        return;
      case FrameType.PING: {
        if (sid !== 0) throw this.conn(H2Code.PROTOCOL_ERROR, 'PING on a stream other than 0');
        if (len !== 8) throw this.conn(H2Code.FRAME_SIZE_ERROR, `PING of ${len} bytes (must be 8)`);
        h.onPing((flags & Flag.ACK) !== 0, b, s);
        return;
      }
      case FrameType.GOAWAY: {
        if (sid !== 0) throw this.conn(H2Code.PROTOCOL_ERROR, 'GOAWAY on a stream other than 0');
        if (len < 8) throw this.conn(H2Code.FRAME_SIZE_ERROR, `GOAWAY of ${len} bytes (at least 8)`);
        h.onGoAway(b.readUInt32BE(s) & 0x7fffffff, b.readUInt32BE(s + 4), b, s + 8, e);
        return;
      }
      case FrameType.WINDOW_UPDATE:
        this.readWindowUpdate(flags, sid, b, s, e);
        return;
      case FrameType.CONTINUATION:
        this.readContinuation(flags, sid, b, s, e);
        return;
      default:
        // Unknown frame types are ignored (RFC 9113 4.1, 5.5).
        return;
    }
  }

  private readData(flags: number, sid: number, b: Buffer, s: number, e: number): void {
    const len = e - s;
    const h = this.handler;
    if (sid === 0) throw this.conn(H2Code.PROTOCOL_ERROR, 'DATA on stream 0');
    let end = e;
    let ds = s;
    if ((flags & Flag.PADDED) !== 0) {
      if (len < 1) throw this.conn(H2Code.FRAME_SIZE_ERROR, 'padded DATA without a pad length');
      const pad = b[s]!;
      if (pad >= len) throw this.conn(H2Code.PROTOCOL_ERROR, `DATA padding ${pad} is not shorter than the payload ${len}`);
      ds = s + 1;
      end = e - pad;
    }
    h.onData(sid, (flags & Flag.END_STREAM) !== 0, b, ds, end, len);
    return;
  }

  private readHeaders(flags: number, sid: number, b: Buffer, s: number, e: number): void {
    const len = e - s;
    const h = this.handler;
    if (sid === 0) throw this.conn(H2Code.PROTOCOL_ERROR, 'HEADERS on stream 0');
    let fs = s;
    let fe = e;
    if ((flags & Flag.PADDED) !== 0) {
      if (len < 1) throw this.conn(H2Code.FRAME_SIZE_ERROR, 'padded HEADERS without a pad length');
      const pad = b[s]!;
      fs++;
      if (pad > fe - fs - ((flags & Flag.PRIORITY) !== 0 ? 5 : 0)) throw this.conn(H2Code.PROTOCOL_ERROR, `HEADERS padding ${pad} is longer than the rest of the payload`);
      fe -= pad;
    }
    let selfDep = false;
    if ((flags & Flag.PRIORITY) !== 0) {
      if (fe - fs < 5) throw this.conn(H2Code.FRAME_SIZE_ERROR, 'HEADERS with PRIORITY shorter than 5 bytes');
      const dep = ((b[fs]! & 0x7f) * 0x1000000) + ((b[fs + 1]! << 16) | (b[fs + 2]! << 8) | b[fs + 3]!);
      selfDep = dep === sid;
      fs += 5;
    }
    const endStream = (flags & Flag.END_STREAM) !== 0;
    if (selfDep) h.onStreamError(this.streamErr(H2Code.PROTOCOL_ERROR, 'stream depends on itself'));
    if ((flags & Flag.END_HEADERS) !== 0) {
      h.onHeaders(sid, endStream, b, fs, fe);
      return;
    }
    this.blockStream = sid;
    this.blockEndStream = endStream;
    this.blockLen = 0;
    this.blockFrames = 0;
    this.appendBlock(b, fs, fe);
    return;
  }

  private readPriority(_flags: number, sid: number, b: Buffer, s: number, e: number): void {
    const len = e - s;
    const h = this.handler;
    if (sid === 0) throw this.conn(H2Code.PROTOCOL_ERROR, 'PRIORITY on stream 0');
    if (len !== 5) {
      h.onStreamError(this.streamErr(H2Code.FRAME_SIZE_ERROR, `PRIORITY of ${len} bytes (must be 5)`));
      return;
    }
    const dep = ((b[s]! & 0x7f) * 0x1000000) + ((b[s + 1]! << 16) | (b[s + 2]! << 8) | b[s + 3]!);
    if (dep === sid) h.onStreamError(this.streamErr(H2Code.PROTOCOL_ERROR, 'stream depends on itself'));
    // Otherwise read and ignored (RFC 9113 5.3.2).
    return;
  }

  private readSettings(flags: number, sid: number, b: Buffer, s: number, e: number): void {
    const len = e - s;
    const h = this.handler;
    if (sid !== 0) throw this.conn(H2Code.PROTOCOL_ERROR, 'SETTINGS on a stream other than 0');
    if ((flags & Flag.ACK) !== 0) {
      if (len !== 0) throw this.conn(H2Code.FRAME_SIZE_ERROR, 'SETTINGS ACK with a payload');
      h.onSettingsAck();
      return;
    }
    if (len % 6 !== 0) throw this.conn(H2Code.FRAME_SIZE_ERROR, `SETTINGS of ${len} bytes (not a multiple of 6)`);
    const list = this.settings;
    list.reset();
    for (let p = s; p < e; p += 6) {
      const id = (b[p]! << 8) | b[p + 1]!;
      const v = b.readUInt32BE(p + 2);
      const bad = checkSetting(id, v);
      if (bad !== 0) throw this.conn(bad, `invalid value ${v} for setting 0x${id.toString(16)}`);
      if (id >= SettingId.HEADER_TABLE_SIZE && id <= SettingId.NO_RFC7540_PRIORITIES) list.add(id, v);
    }
    h.onSettings(list);
    return;
  }

  private readWindowUpdate(_flags: number, sid: number, b: Buffer, s: number, e: number): void {
    const len = e - s;
    const h = this.handler;
    if (len !== 4) throw this.conn(H2Code.FRAME_SIZE_ERROR, `WINDOW_UPDATE of ${len} bytes (must be 4)`);
    const inc = b.readUInt32BE(s) & 0x7fffffff;
    if (inc === 0) {
      if (sid === 0) throw this.conn(H2Code.PROTOCOL_ERROR, 'WINDOW_UPDATE with increment 0 on the connection');
      h.onStreamError(this.streamErr(H2Code.PROTOCOL_ERROR, 'WINDOW_UPDATE with increment 0'));
      return;
    }
    h.onWindowUpdate(sid, inc);
    return;
  }

  private readContinuation(flags: number, sid: number, b: Buffer, s: number, e: number): void {
    const h = this.handler;
    if (this.blockStream === 0) throw this.conn(H2Code.PROTOCOL_ERROR, 'CONTINUATION without a preceding HEADERS');
    if (sid !== this.blockStream) throw this.conn(H2Code.PROTOCOL_ERROR, `CONTINUATION on stream ${sid} inside the header block of stream ${this.blockStream}`);
    if (++this.blockFrames > this.maxContinuationFrames) throw this.conn(H2Code.ENHANCE_YOUR_CALM, `more than ${this.maxContinuationFrames} CONTINUATION frames in one header block`);
    this.appendBlock(b, s, e);
    if ((flags & Flag.END_HEADERS) !== 0) {
      const stream = this.blockStream;
      this.blockStream = 0;
      h.onHeaders(stream, this.blockEndStream, this.block, 0, this.blockLen);
    }
    return;
  }

  private appendBlock(b: Buffer, s: number, e: number): void {
    const n = e - s;
    const need = this.blockLen + n;
    if (need > this.maxHeaderBlockSize) throw this.conn(H2Code.ENHANCE_YOUR_CALM, `header block larger than ${this.maxHeaderBlockSize} bytes`);
    if (need > this.block.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.maxHeaderBlockSize, Math.max(need, this.block.length * 2, 1024)));
      this.block.copy(grown, 0, 0, this.blockLen);
      this.block = grown;
    }
    b.copy(this.block, this.blockLen, s, e);
    this.blockLen = need;
  }
}

/**
 * Sniffs the start of a connection for the HTTP/2 client preface (h2c prior knowledge on a
 * listener that also speaks HTTP/1.1): 1 = the whole preface is there, 0 = a prefix of it so far
 * (read more), -1 = not HTTP/2.
 */
export function matchPreface(buf: Uint8Array, start = 0, end = buf.length): 1 | 0 | -1 {
  const n = Math.min(end - start, CONNECTION_PREFACE.length);
  for (let i = 0; i < n; i++) if (buf[start + i] !== CONNECTION_PREFACE[i]) return -1;
  return n === CONNECTION_PREFACE.length ? 1 : 0;
}
