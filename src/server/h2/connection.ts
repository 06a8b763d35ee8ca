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
//
// This file is the receiving half: socket events, the FrameReader's handler, request heads and
// bodies, dispatch. The sending half (stream table, DATA scheduling, GOAWAY/RST_STREAM, output,
// deadlines) is the base class in connection-core.ts.
import type { Socket } from 'node:net';
import { HeaderList } from '../../http/header-list.js';
import { FrameType, H2Code, SettingId } from '../../http2/constants.js';
import { addToWindow, applyWindowDelta, ReceiveWindow } from '../../http2/flow-control.js';
import { checkRequestFields } from '../../http2/field-rules.js';
import { FrameReader, type FrameHandler } from '../../http2/frame-reader.js';
import { writePing, writeSettings, writeSettingsAck, writeWindowUpdate } from '../../http2/frame-writer.js';
import { H2Error } from '../../http2/h2-error.js';
import { HeaderFields } from '../../http2/header-fields.js';
import { HpackDecoder } from '../../http2/hpack-decoder.js';
import { SettingsList } from '../../http2/settings.js';
import type { ConnectionHost } from '../connection-types.js';
import { EMPTY_BODY, EMPTY_HEADERS } from '../server-request.js';
import { ClosedHow } from './closed-streams.js';
import { H2ConnectionCore } from './connection-core.js';
import { copyList, readRequestHead } from './request-head.js';
import { FloodKind } from './flood-guard.js';
import { H2Stream, StreamState } from './stream.js';

/** Our SETTINGS_MAX_CONCURRENT_STREAMS. */
export const MAX_CONCURRENT_STREAMS = 100;
/** Our SETTINGS_INITIAL_WINDOW_SIZE (request bodies per stream in flight). */
export const STREAM_WINDOW = 256 * 1024;
/** The connection's receive window (all request bodies in flight). */
export const CONNECTION_WINDOW = 1024 * 1024;
/** Most time for the peer to ACK our SETTINGS when the server has no read timeout (ms). */
export const SETTINGS_ACK_TIMEOUT = 10_000;

export class H2Connection extends H2ConnectionCore implements FrameHandler {
  readonly reader: FrameReader;
  private readonly decoder: HpackDecoder;
  private readonly fields = new HeaderFields(4096, 32);
  /** Request heads dispatched as they arrive use these (no lists per stream). */
  private readonly sharedPseudo = new HeaderList(8);
  private readonly sharedFields = new HeaderList(32);
  private readonly recv = new ReceiveWindow(65535, 0);
  private readonly maxBodySize: number;
  private readonly bodyBudget: number;
  private readonly maxRequests: number;
  private streamsSeen = 0;
  /** A connection WINDOW_UPDATE or a SETTINGS of the chunk being read opened windows: pump every blocked stream at its end. */
  private pumpDue = false;
  /** Streams whose own window a WINDOW_UPDATE of the chunk being read opened: pumped at its end. */
  private readonly pumpNext: H2Stream[] = [];
  /** A stream reset by a stream error on its own opening HEADERS (see onStreamError). */
  private resetOnOpen = 0;

  constructor(
    host: ConnectionHost,
    socket: Socket,
    readonly remoteAddress: string,
    /** Deadline for the preface and SETTINGS (from accept); 0 = none. */
    readDeadline: number,
  ) {
    super(host, socket);
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
    this.deadlines.read = readDeadline;
    host.counters.h2Connections++;
    const s = new SettingsList(4);
    s.add(SettingId.MAX_CONCURRENT_STREAMS, MAX_CONCURRENT_STREAMS);
    s.add(SettingId.INITIAL_WINDOW_SIZE, STREAM_WINDOW);
    s.add(SettingId.MAX_HEADER_LIST_SIZE, maxList);
    writeSettings(this.out.w, s);
    // RFC 9113 6.5.3: a peer that never ACKs gets GOAWAY SETTINGS_TIMEOUT (after the read timeout).
    const rt = host.settings.readTimeout;
    this.settingsAckDue = host.now + (rt > 0 ? rt : SETTINGS_ACK_TIMEOUT);
    const inc = this.recv.expandTo(CONNECTION_WINDOW);
    if (inc > 0) writeWindowUpdate(this.out.w, 0, inc);
    this.scheduleFlush();
  }

  // ---------------------------------------------------------------- socket side

  /** Bytes from the socket. */
  onBytes(chunk: Buffer): void {
    if (this.ended || this.destroyed) return; // closing: read and drop
    this.deadlines.idle = 0;
    this.inBatch = true;
    this.batch++;
    try {
      this.reader.push(chunk);
      // Windows opened by this chunk's WINDOW_UPDATE / SETTINGS are used once all of it is read,
      // so a later frame of the same chunk that breaks a rule (a second WINDOW_UPDATE past
      // 2^31-1) still finds its stream open.
      if (this.pumpDue) {
        this.pumpDue = false;
        this.pumpNext.length = 0;
        this.pumpBlocked();
      } else if (this.pumpNext.length > 0) {
        const list = this.pumpNext;
        for (let i = 0; i < list.length; i++) this.pump(list[i]!);
        list.length = 0;
      }
      if (this.deadlines.read !== 0 && this.reader.frames > 0 && !this.reader.inHeaderBlock) this.deadlines.read = 0;
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
    // Routes waiting because the output was full (their streams' queues may be empty, so they are
    // not among the blocked ones) go on now.
    this.queueWake();
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
    if (delta > 0 || before !== this.peer.initialWindowSize) this.pumpDue = true;
  }

  onSettingsAck(): void {
    this.settingsAckDue = 0;
  }

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
      this.pumpDue = true;
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
    if ((s.queued > 0 || s.endQueued) && this.pumpNext.indexOf(s) < 0) this.pumpNext.push(s);
  }

  onRstStream(streamId: number): void {
    if (this.isIdle(streamId)) throw this.connErr(H2Code.PROTOCOL_ERROR, `RST_STREAM on idle stream ${streamId}`, FrameType.RST_STREAM, streamId);
    if (this.flood(FloodKind.RAPID_RESET)) return;
    const s = this.streams.get(streamId);
    if (s !== undefined) {
      this.remember(streamId, ClosedHow.RESET_BY_PEER);
      this.closeStream(s);
    }
  }

  onStreamError(error: H2Error): void {
    // WINDOW_UPDATE on an idle stream is a connection error whatever its increment (RFC 9113 5.1).
    if (error.frameType === FrameType.WINDOW_UPDATE && this.isIdle(error.streamId)) {
      throw this.connErr(H2Code.PROTOCOL_ERROR, `WINDOW_UPDATE on idle stream ${error.streamId}`, FrameType.WINDOW_UPDATE, error.streamId);
    }
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
      // Closed (RFC 9113 5.1, 6.1): after our RST_STREAM late frames are ignored; after END_STREAM
      // both ways the peer broke the protocol (connection error STREAM_CLOSED); after the peer's
      // RST_STREAM, or on a stream closed too long ago to remember how, a stream error.
      const how = this.howClosed(streamId);
      if (how === ClosedHow.RESET_BY_US) return;
      if (how === ClosedHow.ENDED) throw this.connErr(H2Code.STREAM_CLOSED, `DATA on closed stream ${streamId}`, FrameType.DATA, streamId);
      this.rst(streamId, H2Code.STREAM_CLOSED); // half-closed (remote) as the peer sees it, reset by the peer, or unknown
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
      if (s.declaredLength >= 0 && s.bodyLen + (end - start) > s.declaredLength) {
        this.reset(s, H2Code.PROTOCOL_ERROR); // more DATA than content-length: malformed (RFC 9113 8.1.1)
        return;
      }
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
      if (this.howClosed(streamId) === ClosedHow.HALF_CLOSED) return this.rst(streamId, H2Code.STREAM_CLOSED); // (the block was decoded)
      if (this.wasClosed(streamId)) throw this.connErr(H2Code.STREAM_CLOSED, `HEADERS on closed stream ${streamId}`, FrameType.HEADERS, streamId);
      throw this.connErr(H2Code.PROTOCOL_ERROR, `stream id ${streamId} not above ${this.lastStreamId}`, FrameType.HEADERS, streamId);
    }
    const c = this.host.counters;
    c.h2Streams++;
    if (this.goAwaySent) {
      // After GOAWAY: streams above its last id are ignored, and so are their later frames (the
      // client retries them elsewhere).
      this.remember(streamId, ClosedHow.RESET_BY_US);
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
      this.reset(s, H2Code.PROTOCOL_ERROR); // malformed in a way only a server judges (see readRequestHead)
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
    if (this.fields.tooLarge) {
      // Trailers past SETTINGS_MAX_HEADER_LIST_SIZE: the same 431 as for a head (fields were dropped).
      const c = this.host.counters;
      c.h2HeaderListTooLarge++;
      c.reject('ERR_HTTP_HEADERS_TOO_LARGE');
      s.discarding = true;
      s.sendError(431, 'Request Header Fields Too Large: trailer list over SETTINGS_MAX_HEADER_LIST_SIZE (ERR_HTTP_HEADERS_TOO_LARGE)\n');
      return;
    }
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

}
