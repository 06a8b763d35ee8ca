// An HTTP/2 server connection (RFC 9113, RFC 7541) on a socket the HTTP/1 Connection accepted:
// prior-knowledge h2c (the first bytes were the client preface) or h2 chosen by ALPN. It is the
// FrameReader's handler (no closures per frame or stream), decodes request heads with one HPACK
// decoder into one reused HeaderFields, checks them (field-rules.ts), and hands each request to
// the same dispatcher and routes as HTTP/1 through an H2Stream (stream.ts). Everything produced
// while one inbound chunk is processed leaves in one socket write.
//
// Errors, as RFC 9113 5.4 prescribes: a connection error → GOAWAY(last stream id, code) and close;
// a stream error → RST_STREAM(code) and the connection goes on. Limits: SETTINGS_MAX_CONCURRENT_STREAMS
// (beyond: RST_STREAM REFUSED_STREAM), SETTINGS_MAX_HEADER_LIST_SIZE (beyond: 431 on the stream),
// the body limit (413 on the stream, then RST_STREAM NO_ERROR), flood budgets (flood-guard.ts:
// GOAWAY ENHANCE_YOUR_CALM). Memory: inbound reading pauses while our unsent output is above the
// high-water mark (a peer that floods PINGs without reading gets no more reads); response bodies
// wait in their stream's queue for window (see stream.ts), never copied.
import type { Socket } from 'node:net';
import { HeaderList } from '../../http/header-list.js';
import { FRAME_HEADER_SIZE, FrameType, H2Code, SettingId } from '../../http2/constants.js';
import { addToWindow, applyWindowDelta, ReceiveWindow } from '../../http2/flow-control.js';
import { checkRequestFields } from '../../http2/field-rules.js';
import { FrameReader, type FrameHandler } from '../../http2/frame-reader.js';
import { writeData, writeGoAway, writeHeaders, writePing, writeRstStream, writeSettings, writeSettingsAck, writeWindowUpdate } from '../../http2/frame-writer.js';
import { H2Error, registryCodeOf } from '../../http2/h2-error.js';
import { HeaderFields } from '../../http2/header-fields.js';
import { HpackDecoder } from '../../http2/hpack-decoder.js';
import { HpackEncoder } from '../../http2/hpack-encoder.js';
import { PeerSettings, SettingsList } from '../../http2/settings.js';
import { ByteWriter } from '../../core/byte-writer.js';
import type { ConnectionHost } from '../connection.js';
import { OutBuffer } from '../out-buffer.js';
import { EMPTY_BODY, EMPTY_HEADERS } from '../server-request.js';
import { ClosedStreams } from './closed-streams.js';
import { copyList, readRequestHead } from './request-head.js';
import { FloodGuard, FloodKind } from './flood-guard.js';
import { H2Stream, STREAM_HIGH, StreamState, type StreamOwner } from './stream.js';

/** Our SETTINGS_MAX_CONCURRENT_STREAMS. */
export const MAX_CONCURRENT_STREAMS = 100;
/** Our SETTINGS_INITIAL_WINDOW_SIZE (request bodies per stream in flight). */
export const STREAM_WINDOW = 256 * 1024;
/** The connection's receive window (all request bodies in flight). */
export const CONNECTION_WINDOW = 1024 * 1024;

const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'content-length', 'date']);

export class H2Connection implements FrameHandler, StreamOwner {
  readonly reader: FrameReader;
  readonly out = new OutBuffer(16 * 1024);
  private readonly decoder: HpackDecoder;
  private readonly encoder = new HpackEncoder();
  private readonly fields = new HeaderFields(4096, 32);
  private readonly block = new ByteWriter(1024);
  /** Request heads dispatched as they arrive use these (no lists per stream). */
  private readonly sharedPseudo = new HeaderList(8);
  private readonly sharedFields = new HeaderList(32);
  private readonly peer = new PeerSettings();
  private readonly recv = new ReceiveWindow(65535, 0);
  private sendWindow = 65535;
  private readonly streams = new Map<number, H2Stream>();
  /** Streams with body bytes or an end waiting for window, in arrival order. */
  private readonly blocked: H2Stream[] = [];
  private readonly closed = new ClosedStreams();
  private readonly guard = new FloodGuard();
  private readonly maxBodySize: number;
  /** Request body bytes buffered on this connection, all streams (bounded by bodyBudget). */
  private bodyBuffered = 0;
  private readonly bodyBudget: number;
  private readonly maxRequests: number;
  /** Highest client stream id seen (processed or refused). */
  private lastStreamId = 0;
  private streamsSeen = 0;
  /** A stream reset by a stream error on its own opening HEADERS (see onStreamError). */
  private resetOnOpen = 0;
  private goAwaySent = false;
  private peerEnded = false;
  private ended = false;
  private destroyed = false;
  private inBatch = false;
  private flushQueued = false;
  private readPaused = false;
  private wakeQueued = false;
  private dateAt = 0;
  private dateStr = '';
  /** Deadlines (coarse ms, 0 = none), checked by sweep(). */
  private readDeadline = 0;
  private idleDeadline = 0;
  private writeDeadline = 0;
  private lingerDeadline = 0;
  private readonly onFlushTick = (): void => this.flush();
  private readonly onWakeTick = (): void => this.wake();

  constructor(
    private readonly host: ConnectionHost,
    readonly socket: Socket,
    readonly remoteAddress: string,
    /** Deadline for the preface and SETTINGS (from accept); 0 = none. */
    readDeadline: number,
  ) {
    const limits = host.settings.parser.limits;
    const maxList = limits?.maxHeaderBytes ?? 16 * 1024;
    this.maxBodySize = limits?.maxBodySize ?? Infinity;
    this.maxRequests = host.settings.maxRequestsPerConn;
    // Bodies are buffered whole (routes get req.body): all streams of a connection together may
    // hold twice the per-request limit; a stream that would pass it is refused (REFUSED_STREAM:
    // not processed, safe to retry), so one connection cannot pin 100 × maxRequestBodySize.
    this.bodyBudget = Number.isFinite(this.maxBodySize) ? Math.max(2 * this.maxBodySize, 1024 * 1024) : Infinity;
    // A header block is bounded by the reader (maxHeaderBlockSize), so a string in it decodes to at
    // most 8/5 of that: no separate string limit is needed, and an oversized field is a 431 (list
    // budget), not a connection error.
    const maxBlock = Math.max(65536, maxList * 2);
    this.decoder = new HpackDecoder({ maxHeaderListSize: maxList, maxStringLength: maxBlock * 2 });
    this.reader = new FrameReader(this, { expectPreface: true, maxHeaderBlockSize: maxBlock });
    this.readDeadline = readDeadline;
    host.counters.h2Connections++;
    const s = new SettingsList(4);
    s.add(SettingId.MAX_CONCURRENT_STREAMS, MAX_CONCURRENT_STREAMS);
    s.add(SettingId.INITIAL_WINDOW_SIZE, STREAM_WINDOW);
    s.add(SettingId.MAX_HEADER_LIST_SIZE, maxList);
    writeSettings(this.out.w, s);
    const inc = this.recv.expandTo(CONNECTION_WINDOW);
    if (inc > 0) writeWindowUpdate(this.out.w, 0, inc);
    this.scheduleFlush();
  }

  get idle(): boolean {
    return this.streams.size === 0;
  }

  // ---------------------------------------------------------------- socket side

  /** Bytes from the socket. */
  onBytes(chunk: Buffer): void {
    if (this.ended || this.destroyed) return; // closing: read and drop
    this.idleDeadline = 0;
    this.inBatch = true;
    try {
      this.reader.push(chunk);
      if (this.readDeadline !== 0 && this.reader.frames > 0 && !this.reader.inHeaderBlock) this.readDeadline = 0;
    } catch (err) {
      this.onReaderError(err);
    }
    this.inBatch = false;
    this.flush();
    if (!this.readPaused && !this.ended && this.outputFull) {
      // Our answers pile up unread: read nothing more until they drain.
      this.readPaused = true;
      this.socket.pause();
      this.host.counters.outputPauses++;
    }
    this.maybeIdle();
  }

  onEnd(): void {
    // The peer half-closed: no further frames can come; requests cut short are dropped, answers
    // owed still go out, then we close.
    this.peerEnded = true;
    for (const s of this.streams.values()) if (!s.recvDone) this.closeStream(s);
    if (this.streams.size === 0) this.endSocket();
  }

  onDrain(): void {
    if (this.readPaused && !this.outputFull) {
      this.readPaused = false;
      this.socket.resume();
    }
    this.pumpBlocked();
    this.flush();
  }

  onClose(): void {
    this.destroyed = true;
    for (const s of this.streams.values()) s.kill();
    this.streams.clear();
    this.blocked.length = 0;
  }

  private onReaderError(err: unknown): void {
    if (err instanceof H2Error) {
      // Whatever its scope, an error out of the reader ends it: the connection goes.
      if (err.h2Code === H2Code.ENHANCE_YOUR_CALM && err.frameType === FrameType.CONTINUATION) {
        this.host.counters.h2Floods[FloodKind.CONTINUATION]!++;
      }
      this.goAway(err.h2Code, err.message);
      return;
    }
    this.host.counters.reject('ERR_INTERNAL');
    this.host.handlerError(err, undefined);
    this.goAway(H2Code.INTERNAL_ERROR, 'internal error');
  }

  // ---------------------------------------------------------------- frame handler

  onSettings(list: SettingsList): void {
    if (this.flood(FloodKind.SETTINGS)) return;
    const before = this.peer.initialWindowSize;
    const tableBefore = this.peer.headerTableSize;
    const delta = this.peer.apply(list);
    if (delta !== 0) {
      for (const s of this.streams.values()) s.sendWindow = applyWindowDelta(s.sendWindow, delta, s.id);
    }
    if (this.peer.headerTableSize !== tableBefore || list.get(SettingId.HEADER_TABLE_SIZE) !== undefined) this.encoder.setPeerMaxTableSize(this.peer.headerTableSize);
    writeSettingsAck(this.out.w);
    if (delta > 0 || before !== this.peer.initialWindowSize) this.pumpBlocked();
  }

  onSettingsAck(): void {}

  onPing(ack: boolean, buf: Buffer, start: number): void {
    if (ack) return;
    if (this.flood(FloodKind.PING)) return;
    writePing(this.out.w, true, buf, start);
  }

  /**
   * The client's GOAWAY is about streams we would initiate (none: no push); the connection stays
   * usable until the client closes it or it idles out.
   */
  onGoAway(): void {}

  onWindowUpdate(streamId: number, increment: number): void {
    if (streamId === 0) {
      if (this.blocked.length === 0 && this.flood(FloodKind.WINDOW_UPDATE)) return;
      this.sendWindow = addToWindow(this.sendWindow, increment, 0);
      this.pumpBlocked();
      return;
    }
    const s = this.streams.get(streamId);
    if (s === undefined) {
      if (this.isIdle(streamId)) throw this.connErr(H2Code.PROTOCOL_ERROR, `WINDOW_UPDATE on idle stream ${streamId}`, FrameType.WINDOW_UPDATE, streamId);
      return; // closed: allowed, ignored (RFC 9113 5.1)
    }
    if (s.queued === 0 && !s.endQueued && this.flood(FloodKind.WINDOW_UPDATE)) return;
    try {
      s.sendWindow = addToWindow(s.sendWindow, increment, streamId);
    } catch (err) {
      if (err instanceof H2Error) return this.reset(s, err.h2Code);
      throw err;
    }
    if (s.queued > 0 || s.endQueued) this.pump(s);
  }

  onRstStream(streamId: number): void {
    if (this.isIdle(streamId)) throw this.connErr(H2Code.PROTOCOL_ERROR, `RST_STREAM on idle stream ${streamId}`, FrameType.RST_STREAM, streamId);
    if (this.flood(FloodKind.RAPID_RESET)) return;
    const s = this.streams.get(streamId);
    if (s !== undefined) this.closeStream(s);
  }

  onStreamError(error: H2Error): void {
    // A HEADERS that depends on itself is reported before its block is handed over: the stream
    // it would open is reset already (the block is still decoded, then ignored).
    if (error.frameType === FrameType.HEADERS) this.resetOnOpen = error.streamId;
    const s = this.streams.get(error.streamId);
    if (s !== undefined) this.reset(s, error.h2Code);
    else this.rst(error.streamId, error.h2Code);
  }

  onData(streamId: number, endStream: boolean, buf: Buffer, start: number, end: number, flowLength: number): void {
    this.recv.receive(flowLength); // connection FLOW_CONTROL_ERROR past our window
    const inc = this.recv.consume(flowLength);
    if (inc > 0) writeWindowUpdate(this.out.w, 0, inc);
    if (flowLength === 0 && !endStream && this.flood(FloodKind.EMPTY_DATA)) return;
    const s = this.streams.get(streamId);
    if (s === undefined) {
      if (this.isIdle(streamId)) throw this.connErr(H2Code.PROTOCOL_ERROR, `DATA on idle stream ${streamId}`, FrameType.DATA, streamId);
      // After our RST_STREAM: late frames are ignored; on a stream closed otherwise: STREAM_CLOSED.
      if (!this.resetByUs(streamId)) this.rst(streamId, H2Code.STREAM_CLOSED);
      return;
    }
    if (s.recvDone) {
      this.reset(s, H2Code.STREAM_CLOSED);
      return;
    }
    try {
      s.recvWindow.receive(flowLength);
    } catch (err) {
      if (err instanceof H2Error) return this.reset(s, err.h2Code);
      throw err;
    }
    s.lastRecvAt = this.host.now;
    if (!s.discarding && end > start) {
      if (s.bodyLen + (end - start) > this.maxBodySize) {
        this.host.counters.reject('ERR_HTTP_BODY_TOO_LARGE');
        s.discarding = true;
        this.bodyBuffered -= s.bodyLen;
        s.body = null;
        s.bodyLen = 0;
        s.sendError(413, `Payload Too Large: request body over ${this.maxBodySize} bytes (ERR_HTTP_BODY_TOO_LARGE)\n`);
      } else if (this.bodyBuffered + (end - start) > this.bodyBudget) {
        this.host.counters.h2Refused++;
        this.reset(s, H2Code.REFUSED_STREAM);
        return;
      } else {
        s.appendBody(buf, start, end);
        this.bodyBuffered += end - start;
      }
    }
    if (!endStream) {
      const si = s.recvWindow.consume(flowLength);
      if (si > 0) writeWindowUpdate(this.out.w, streamId, si);
      return;
    }
    s.recvDone = true;
    if (s.discarding) {
      if (s.sendDone) this.closeStream(s);
      return;
    }
    if (s.declaredLength >= 0 && s.declaredLength !== s.bodyLen) {
      this.reset(s, H2Code.PROTOCOL_ERROR); // malformed (RFC 9113 8.1.1)
      return;
    }
    this.dispatch(s, EMPTY_HEADERS);
  }

  onHeaders(streamId: number, endStream: boolean, block: Buffer, start: number, end: number): void {
    const fields = this.fields;
    fields.reset();
    // Always decode (the HPACK table must stay in step), even for streams we then refuse.
    this.decoder.decode(block, start, end, fields, streamId);
    const existing = this.streams.get(streamId);
    if (existing !== undefined) return this.trailersOf(existing, endStream);
    if (this.resetOnOpen === streamId) {
      this.resetOnOpen = 0;
      if (streamId > this.lastStreamId) this.lastStreamId = streamId;
      return;
    }
    if ((streamId & 1) === 0) throw this.connErr(H2Code.PROTOCOL_ERROR, `HEADERS on even stream id ${streamId} from a client`, FrameType.HEADERS, streamId);
    if (streamId <= this.lastStreamId) {
      if (this.resetByUs(streamId)) return; // late HEADERS (trailers) of a stream we reset: ignored
      if (this.wasClosed(streamId)) throw this.connErr(H2Code.STREAM_CLOSED, `HEADERS on closed stream ${streamId}`, FrameType.HEADERS, streamId);
      throw this.connErr(H2Code.PROTOCOL_ERROR, `stream id ${streamId} not above ${this.lastStreamId}`, FrameType.HEADERS, streamId);
    }
    const c = this.host.counters;
    c.h2Streams++;
    if (this.goAwaySent) {
      // After GOAWAY: streams above its last id are ignored, and so are their later frames (the
      // client retries them elsewhere).
      this.remember(streamId, 1);
      return;
    }
    this.lastStreamId = streamId;
    this.streamsSeen++;
    if (this.streams.size >= MAX_CONCURRENT_STREAMS) {
      c.h2Refused++;
      if (this.flood(FloodKind.RAPID_RESET)) return;
      this.rst(streamId, H2Code.REFUSED_STREAM);
      return;
    }
    // A list cut at the budget may have lost pseudo-headers: that is a 431, not a malformed request.
    const bad = fields.tooLarge ? undefined : checkRequestFields(fields, streamId);
    if (bad !== undefined) {
      this.rst(streamId, H2Code.PROTOCOL_ERROR);
      return;
    }
    const s = new H2Stream(streamId, this, this.peer.initialWindowSize, STREAM_WINDOW);
    this.streams.set(streamId, s);
    s.recvDone = endStream;
    s.lastRecvAt = this.host.now;
    if (!this.readRequest(s, endStream)) return;
    if (this.maxRequests > 0 && this.streamsSeen >= this.maxRequests) this.sendGoAway(H2Code.NO_ERROR, 'max requests per connection');
    if (fields.tooLarge) {
      c.h2HeaderListTooLarge++;
      c.reject('ERR_HTTP_HEADERS_TOO_LARGE');
      s.discarding = true;
      s.sendError(431, 'Request Header Fields Too Large: header list over SETTINGS_MAX_HEADER_LIST_SIZE (ERR_HTTP_HEADERS_TOO_LARGE)\n');
      return;
    }
    if (s.declaredLength > this.maxBodySize) {
      c.reject('ERR_HTTP_BODY_TOO_LARGE');
      s.discarding = true;
      s.sendError(413, `Payload Too Large: Content-Length over ${this.maxBodySize} bytes (ERR_HTTP_BODY_TOO_LARGE)\n`);
      return;
    }
    if (endStream) {
      this.dispatch(s, EMPTY_HEADERS);
      return;
    }
    // The body follows: the head must outlive this header block (the next one reuses the store
    // and the shared lists).
    const own = Buffer.from(fields.data.subarray(0, fields.len));
    s.pseudo = copyList(s.pseudo, own);
    s.fields = copyList(s.fields, own);
    const expect = s.fields.indexOf('expect');
    if (expect >= 0 && s.fields.value(expect).toLowerCase() === '100-continue') this.sendHead(s, 100, undefined, -1, false);
  }

  /** Fills the stream's request from the decoded fields; false when it was reset as malformed. */
  private readRequest(s: H2Stream, endStream: boolean): boolean {
    if (!readRequestHead(this.fields, s, this.sharedPseudo, this.sharedFields, endStream)) {
      this.reset(s, H2Code.PROTOCOL_ERROR); // a content-length that cannot be right (RFC 9113 8.1.1)
      return false;
    }
    s.req.remoteAddress = this.remoteAddress;
    s.req.seq = this.streamsSeen - 1;
    return true;
  }

  /** A second HEADERS on an open stream: trailers (must end the stream). */
  private trailersOf(s: H2Stream, endStream: boolean): void {
    if (s.recvDone) return this.reset(s, H2Code.STREAM_CLOSED);
    if (!endStream) return this.reset(s, H2Code.PROTOCOL_ERROR);
    if (checkRequestFields(this.fields, s.id, true) !== undefined) return this.reset(s, H2Code.PROTOCOL_ERROR);
    s.recvDone = true;
    if (s.discarding) {
      if (s.sendDone) this.closeStream(s);
      return;
    }
    if (s.declaredLength >= 0 && s.declaredLength !== s.bodyLen) return this.reset(s, H2Code.PROTOCOL_ERROR);
    const t = new HeaderList(this.fields.count);
    const f = this.fields;
    for (let i = 0; i < f.count; i++) t.push(f.pos[i * 4]!, f.pos[i * 4 + 1]!, f.pos[i * 4 + 2]!, f.pos[i * 4 + 3]!);
    t.buf = f.data;
    this.dispatch(s, t);
  }

  private dispatch(s: H2Stream, trailers: HeaderList): void {
    const req = s.req;
    req.headers = s.fields;
    req.pseudoHeaders = s.pseudo;
    req.trailers = trailers;
    this.bodyBuffered -= s.bodyLen;
    req.body = s.takeBody();
    this.host.counters.requests++;
    s.state = StreamState.Dispatched;
    try {
      this.host.dispatcher.dispatch(req, s);
    } catch (err) {
      this.host.counters.reject('ERR_SERVER_HANDLER');
      this.host.handlerError(err, req);
      if (!s.closed) {
        if (s.state === StreamState.Dispatched) s.sendError(500, 'Internal Server Error\n');
        else this.reset(s, H2Code.INTERNAL_ERROR);
      }
    }
    req.headers = req.trailers = s.fields = s.pseudo = EMPTY_HEADERS;
    req.pseudoHeaders = undefined;
    req.body = EMPTY_BODY;
  }

  // ---------------------------------------------------------------- StreamOwner (responses)

  answered(_s: H2Stream, status: number): void {
    if (status > 0) this.host.counters.byStatus[status]!++;
  }

  sendHead(s: H2Stream, status: number, headers: readonly string[] | undefined, contentLength: number, endStream: boolean): void {
    if (s.dead || this.destroyed) return;
    const w = this.block;
    const enc = this.encoder;
    w.reset();
    enc.beginBlock(w);
    enc.field(w, ':status', String(status));
    if (status >= 200) {
      enc.field(w, 'date', this.date());
      if (headers !== undefined) {
        for (let i = 0; i + 1 < headers.length; i += 2) {
          const name = headers[i]!;
          const lower = name.toLowerCase();
          if (CONNECTION_SPECIFIC.has(lower)) continue;
          enc.field(w, lower, headers[i + 1]!);
        }
      }
      if (contentLength >= 0) enc.field(w, 'content-length', String(contentLength));
    }
    writeHeaders(this.out.w, s.id, w.buf, 0, w.len, endStream, this.peer.maxFrameSize);
    if (endStream) this.streamSent(s);
    else this.wrote();
  }

  pump(s: H2Stream): void {
    if (s.dead || s.sendDone || this.destroyed) return;
    const w = this.out;
    const max = this.peer.maxFrameSize;
    let sentEnd = false;
    while (s.queued > 0) {
      const room = Math.min(s.sendWindow, this.sendWindow);
      if (room <= 0 || this.outputFull) break;
      const part = s.queue[0]!;
      const left = part.length - s.partAt;
      const n = Math.min(left, room, max);
      const last = n === left && s.queue.length === 1 && s.endQueued && s.trailers === undefined && s.resetAfter < 0;
      writeFrameHead(w, n, last, s.id);
      w.append(part.subarray(s.partAt, s.partAt + n));
      s.sendWindow -= n;
      this.sendWindow -= n;
      s.queued -= n;
      if (n === left) {
        s.queue.shift();
        s.partAt = 0;
      } else {
        s.partAt += n;
      }
      if (last) sentEnd = true;
    }
    if (s.queued === 0 && s.endQueued && !sentEnd) {
      if (s.resetAfter >= 0) {
        this.wrote();
        this.reset(s, s.resetAfter);
        return;
      }
      if (s.trailers !== undefined) {
        const b = this.block;
        b.reset();
        this.encoder.beginBlock(b);
        for (const [n, v] of s.trailers) this.encoder.field(b, n.toLowerCase(), v);
        writeHeaders(w.w, s.id, b.buf, 0, b.len, true, max);
      } else {
        writeData(w.w, s.id, EMPTY_BODY, 0, 0, true);
      }
      sentEnd = true;
    }
    if (sentEnd) {
      this.streamSent(s);
      return;
    }
    if ((s.queued > 0 || s.endQueued) && this.blocked.indexOf(s) < 0) this.blocked.push(s);
    this.wrote();
    if (s.drainWaiter !== null) this.queueWake();
  }

  /** Pumps every blocked stream (windows opened or output drained), oldest first. */
  private pumpBlocked(): void {
    const b = this.blocked;
    if (b.length === 0) return;
    const list = b.splice(0, b.length);
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (this.outputFull || this.sendWindow <= 0) {
        for (let k = i; k < list.length; k++) if (!list[k]!.dead && !list[k]!.sendDone && b.indexOf(list[k]!) < 0) b.push(list[k]!);
        break;
      }
      this.pump(s);
    }
    this.queueWake();
  }

  /** END_STREAM is out: close the stream, or ask the client to stop sending a body we will not read. */
  private streamSent(s: H2Stream): void {
    s.sendDone = true;
    s.drainWaiter = null;
    if (!s.recvDone) {
      this.rst(s.id, H2Code.NO_ERROR);
    }
    this.closeStream(s);
    this.wrote();
  }

  reset(s: H2Stream, code: number): void {
    if (!s.dead) this.rst(s.id, code);
    this.closeStream(s);
    this.wrote();
  }

  private rst(streamId: number, code: number): void {
    if (this.destroyed || this.ended) return;
    writeRstStream(this.out.w, streamId, code);
    this.host.counters.h2Resets[Math.min(code, 14)]!++;
    if (code !== H2Code.NO_ERROR) {
      const reg = registryCodeOf(code);
      if (reg !== undefined) this.host.counters.reject(reg);
    }
    this.remember(streamId, 1);
  }

  private closeStream(s: H2Stream): void {
    if (s.dead) return;
    if (s.body !== null) this.bodyBuffered -= s.bodyLen;
    s.kill();
    this.streams.delete(s.id);
    this.remember(s.id);
    const i = this.blocked.indexOf(s);
    if (i >= 0) this.blocked.splice(i, 1);
    if (this.streams.size === 0 && (this.goAwaySent || this.peerEnded)) this.endSocket();
  }

  get outputFull(): boolean {
    return this.socket.writableLength + this.out.byteLength > this.host.settings.outputHighWater;
  }

  waitingForDrain(s: H2Stream): void {
    this.host.counters.drainWaits++;
    if (s.queued < STREAM_HIGH && !this.outputFull) this.queueWake();
  }

  private queueWake(): void {
    if (this.wakeQueued) return;
    this.wakeQueued = true;
    setImmediate(this.onWakeTick);
  }

  /** Calls the drain waiters of streams whose queue emptied below half the mark while output has room. */
  private wake(): void {
    this.wakeQueued = false;
    if (this.destroyed || this.ended) return;
    if (this.socket.writableLength + this.out.byteLength > this.host.settings.outputHighWater >> 1) return; // 'drain' comes
    for (const s of this.streams.values()) {
      const fn = s.drainWaiter;
      if (fn === null || s.queued >= STREAM_HIGH >> 1) continue;
      s.drainWaiter = null;
      fn();
    }
    this.flush();
  }

  writeRaw(bytes: Buffer): void {
    this.out.append(bytes);
    this.flush();
    this.endSocket();
  }

  // ---------------------------------------------------------------- output

  private wrote(): void {
    if (!this.inBatch) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    process.nextTick(this.onFlushTick);
  }

  flush(): void {
    this.flushQueued = false;
    const out = this.out;
    if (this.destroyed || this.socket.destroyed) {
      out.reset();
      return;
    }
    if (out.empty || this.ended) return;
    const sock = this.socket;
    const host = this.host;
    host.counters.bytesOut += out.byteLength;
    if (out.parts === null) {
      sock.write(out.w.toBuffer());
      out.w.reset();
    } else {
      sock.cork();
      for (const p of out.parts) sock.write(p);
      if (out.w.len > 0) sock.write(out.w.toBuffer());
      sock.uncork();
      out.reset();
    }
    if (this.writeDeadline === 0 && host.settings.writeTimeout > 0 && sock.writableLength > 0) {
      this.writeDeadline = host.now + host.settings.writeTimeout;
    }
  }

  // ---------------------------------------------------------------- errors, GOAWAY, closing

  private connErr(code: number, message: string, frameType: number, streamId: number): H2Error {
    return new H2Error(code, 'connection', message, { frameType, streamId });
  }

  /** Counts a flood event; past the budget: GOAWAY ENHANCE_YOUR_CALM (true: stop handling the frame). */
  private flood(kind: number): boolean {
    if (!this.guard.hit(kind, this.host.now)) return false;
    if (this.goAwaySent) return true;
    this.host.counters.h2Floods[kind]!++;
    throw this.connErr(H2Code.ENHANCE_YOUR_CALM, `flood: too many ${FLOOD_NAMES[kind]} frames per second`, -1, 0);
  }

  private sendGoAway(code: number, message: string): void {
    if (this.goAwaySent || this.destroyed) return;
    this.goAwaySent = true;
    writeGoAway(this.out.w, this.lastStreamId, code, Buffer.from(message.slice(0, 200), 'latin1'));
    const c = this.host.counters;
    c.h2GoAways[Math.min(code, 14)]!++;
    const reg = registryCodeOf(code);
    if (reg !== undefined) c.reject(reg);
  }

  /** A connection error: GOAWAY(last stream id, code), then close (RFC 9113 5.4.1). */
  goAway(code: number, message: string): void {
    this.sendGoAway(code, message);
    for (const s of this.streams.values()) s.kill();
    this.streams.clear();
    this.blocked.length = 0;
    this.endSocket();
  }

  /** Graceful shutdown: GOAWAY with the last stream processed; streams finish, then close. */
  shutdown(): void {
    if (this.destroyed || this.ended) return;
    this.sendGoAway(H2Code.NO_ERROR, 'server shutting down');
    if (this.streams.size === 0) this.endSocket();
    else this.scheduleFlush();
  }

  private endSocket(): void {
    if (this.ended || this.destroyed) return;
    this.flush();
    this.ended = true;
    this.readDeadline = 0;
    this.idleDeadline = 0;
    this.socket.end();
    if (this.readPaused) this.socket.resume(); // read and drop until the peer closes
    const lt = this.host.settings.lingerTimeout;
    this.lingerDeadline = this.host.now + (lt > 0 ? lt : 1);
  }

  private maybeIdle(): void {
    const it = this.host.settings.idleTimeout;
    if (it > 0 && !this.ended && this.streams.size === 0) this.idleDeadline = this.host.now + it;
  }

  /** Enforces the deadlines; true when the connection was ended or destroyed. */
  sweep(now: number): void {
    if (this.destroyed) return;
    const c = this.host.counters;
    if (this.readDeadline !== 0 && now >= this.readDeadline) {
      c.reject('ERR_SERVER_READ_TIMEOUT');
      this.socket.destroy();
      return;
    }
    if (this.writeDeadline !== 0) {
      if (this.socket.writableLength === 0) this.writeDeadline = 0;
      else if (now >= this.writeDeadline) {
        c.reject('ERR_SERVER_WRITE_TIMEOUT');
        this.socket.destroy();
        return;
      }
    }
    const rt = this.host.settings.readTimeout;
    if (rt > 0 && this.streams.size > 0) {
      // A request whose body stopped arriving: the stream is cancelled, the connection lives.
      for (const s of this.streams.values()) {
        if (!s.recvDone && now - s.lastRecvAt >= rt) {
          c.reject('ERR_SERVER_READ_TIMEOUT');
          this.reset(s, H2Code.CANCEL);
        }
      }
    }
    if (this.idleDeadline !== 0 && now >= this.idleDeadline) {
      this.idleDeadline = 0;
      if (this.streams.size === 0) {
        c.idleClosed++;
        this.sendGoAway(H2Code.NO_ERROR, 'idle');
        this.endSocket();
      }
    }
    if (this.lingerDeadline !== 0 && now >= this.lingerDeadline) this.socket.destroy();
  }

  // ---------------------------------------------------------------- stream id bookkeeping

  /** A stream id the client has not opened yet (RFC 9113 5.1: idle). */
  private isIdle(streamId: number): boolean {
    return streamId > this.lastStreamId && !this.wasClosed(streamId);
  }

  private remember(streamId: number, byReset = 0): void {
    this.closed.add(streamId, byReset === 1);
  }

  private resetByUs(streamId: number): boolean {
    return this.closed.resetByUs(streamId);
  }

  private wasClosed(streamId: number): boolean {
    return this.closed.has(streamId);
  }

  private date(): string {
    const now = this.host.epochNow;
    if (now - this.dateAt >= 1000 || now < this.dateAt) {
      this.dateAt = now - (now % 1000);
      this.dateStr = new Date(now).toUTCString();
    }
    return this.dateStr;
  }
}

const FLOOD_NAMES = ['RST_STREAM', 'PING', 'SETTINGS', 'empty DATA', 'WINDOW_UPDATE', 'CONTINUATION'];

/** A DATA frame header whose payload the caller appends by reference. */
function writeFrameHead(out: OutBuffer, length: number, endStream: boolean, streamId: number): void {
  const w = out.w;
  w.ensure(FRAME_HEADER_SIZE);
  const b = w.buf;
  const p = w.len;
  b[p] = (length >>> 16) & 0xff;
  b[p + 1] = (length >>> 8) & 0xff;
  b[p + 2] = length & 0xff;
  b[p + 3] = FrameType.DATA;
  b[p + 4] = endStream ? 1 : 0;
  b.writeUInt32BE(streamId, p + 5);
  w.len = p + FRAME_HEADER_SIZE;
}
