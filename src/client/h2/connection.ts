// The HTTP/2 connection behind the ClientConnection seam (RFC 9113), over src/http2's codec. The
// connection object is its FrameReader's handler (no closures per request); each exchange rides
// one stream, held in a reused H2Stream slot (taken from a free list, found by id in a Map).
//
// Capacity: streams in flight up to min(peer SETTINGS_MAX_CONCURRENT_STREAMS, our cap =
// settings.maxInFlight); until the peer's SETTINGS arrive we assume min(100, cap) (the RFC's
// suggested floor), so a first burst is not refused. That number is `freeSlots`; any request
// may share the connection (GOAWAY says which streams the server processed, so no HTTP/1
// "nothing behind a POST" rule).
//
// Writing: every frame of a tick (HEADERS, DATA, WINDOW_UPDATE, SETTINGS/PING ACKs, RST_STREAM)
// is appended to one ByteWriter and written in one socket write on the next tick, or at the end
// of the read that produced it. HEADERS come from a PrebuiltHeaders per Request wire buffer (the
// HTTP/1 bytes a Request caches double as its "unchanged" token): static-table HPACK, valid on
// any connection, so a static request's header block is encoded once per process. When the
// encoder owes the peer a table size update, the block is rebuilt with that update in front.
// Request bodies go out as DATA within the connection and stream send windows and the peer's
// max frame size; a stream whose window is spent waits on the `blocked` list for WINDOW_UPDATE.
//
// Reading: FrameReader hands out frames by offsets; HPACK blocks decode into one reused
// HeaderFields and are copied into the Response (Response._setFields). Receive windows are the
// codec's ReceiveWindow (credit returned in batches once half a window is consumed). Completed
// exchanges are collected during the read and handed to the owner after it, as in HTTP/1.
//
// Errors: a connection error (thrown by the reader, or found here) sends GOAWAY with its code
// and tears down: every exchange in flight fails with a typed error. A stream error sends
// RST_STREAM and fails that exchange only. RST_STREAM from the peer fails its exchange with the
// peer's code (REFUSED_STREAM: retryable). GOAWAY from the peer: streams above its last-stream-id
// fail with ERR_H2_REFUSED_STREAM (not processed: safe to retry elsewhere), the rest finish, no
// new stream starts here, and the connection closes once empty. Deadlines: the pool's sweep;
// abandon() cancels one stream (RST_STREAM CANCEL) and the connection lives on.
import type net from 'node:net';
import { ByteWriter } from '../../core/byte-writer.js';
import { nowMs } from '../../core/clock.js';
import { FastbenchError } from '../../core/errors.js';
import { H2Code, MAX_STREAM_ID, SettingId } from '../../http2/constants.js';
import { checkResponseFields } from '../../http2/field-rules.js';
import { ReceiveWindow, addToWindow, applyWindowDelta } from '../../http2/flow-control.js';
import { FrameReader, type FrameHandler } from '../../http2/frame-reader.js';
import { PrebuiltHeaders, writeGoAway, writeHeaders, writePing, writePreface, writeRstStream, writeSettings, writeSettingsAck, writeWindowUpdate, writeData } from '../../http2/frame-writer.js';
import { H2Error } from '../../http2/h2-error.js';
import { HeaderFields } from '../../http2/header-fields.js';
import { HpackDecoder } from '../../http2/hpack-decoder.js';
import { HpackEncoder, encodeStatelessBlock } from '../../http2/hpack-encoder.js';
import { PeerSettings, SettingsList } from '../../http2/settings.js';
import { Phase, closedError, timeoutError, toClientError } from '../client-errors.js';
import type { ClientConnection, ConnectionFactory, ConnectionOwner, ConnectionSettings } from '../client-connection.js';
import { setSink } from '../dial.js';
import type { Request } from '../request.js';
import { ExchangeState, type Response } from '../response.js';

/** Our SETTINGS_INITIAL_WINDOW_SIZE (per stream) and the connection window we open right away. */
export const H2_STREAM_WINDOW = 1 << 20;
export const H2_CONNECTION_WINDOW = 1 << 24;
/** Streams assumed allowed before the peer's SETTINGS say otherwise. */
const ASSUMED_MAX_STREAMS = 100;
/** How long the peer has to ACK our SETTINGS (ERR_H2_SETTINGS_TIMEOUT after). */
export const H2_SETTINGS_TIMEOUT_MS = 10_000;
/** Batches up to this size are copied into a fresh Buffer for the socket; larger ones are handed over. */
const COPY_WRITE_MAX = 16384;

const kConn = Symbol('fastbench.h2');
type Tagged = net.Socket & { [kConn]: H2Connection };

function onSocketData(this: Tagged, chunk: Buffer): void {
  this[kConn].onChunk(chunk);
}
/** Routes shared-buffer reads (dial.ts setSink) to the connection (its onData is the DATA frame handler). */
class ChunkSink {
  constructor(private readonly conn: H2Connection) {}
  onData(chunk: Buffer): void {
    this.conn.onChunk(chunk);
  }
}
function onSocketError(this: Tagged, err: Error): void {
  const c = this[kConn];
  c.teardown(toClientError(err, Phase.Headers, c.owner.origin.where));
}
function onSocketEnd(this: Tagged): void {
  const c = this[kConn];
  c.teardown(null);
}
function onSocketClose(this: Tagged): void {
  this[kConn].teardown(null);
}
function flushConn(c: H2Connection): void {
  c.flush();
}

/** Header fields that are HTTP/1 connection-specific and must not travel in HTTP/2 (RFC 9113 8.2.2). */
const DROPPED_FIELDS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

interface Prebuilt {
  readonly scheme: string;
  readonly frames: PrebuiltHeaders;
  readonly fields: [string, string][];
}
/** Header blocks by the Request's cached HTTP/1 wire bytes (same Buffer = request unchanged). */
const PREBUILT = new WeakMap<Buffer, Prebuilt>();

/** The HTTP/2 field list of a request (pseudo-headers first, names lower-cased, HTTP/1-only fields dropped). */
export function requestFields(req: Request, scheme: string, defaultHost: string): [string, string][] {
  const authority = req.host !== '' ? req.host : defaultHost;
  const out: [string, string][] = [[':method', req.method], [':scheme', scheme], [':authority', authority], [':path', req.path]];
  const h = req.headers;
  let hasLength = false;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i]!.toLowerCase();
    const value = h[i + 1]!;
    if (DROPPED_FIELDS.has(name)) continue;
    if (name === 'te' && value.trim().toLowerCase() !== 'trailers') continue;
    if (name === 'content-length') hasLength = true;
    out.push([name, value]);
  }
  const body = req.body;
  if (!hasLength && body !== null && (body.length > 0 || !(req.method === 'GET' || req.method === 'HEAD'))) out.push(['content-length', String(body.length)]);
  return out;
}

function prebuiltFor(req: Request, wire: Buffer, scheme: string, defaultHost: string): Prebuilt {
  let p = PREBUILT.get(wire);
  if (p === undefined || p.scheme !== scheme) {
    const fields = requestFields(req, scheme, defaultHost);
    p = { scheme, frames: PrebuiltHeaders.fromFields(fields), fields };
    PREBUILT.set(wire, p);
  }
  return p;
}

/** Makes HTTP/2 connections (ALPN "h2"; over cleartext, prior knowledge "h2c"). */
export const http2: ConnectionFactory = Object.freeze({
  protocol: 'h2',
  create(owner: ConnectionOwner, socket: net.Socket, settings: ConnectionSettings, createdAt: number, now: number): ClientConnection {
    return new H2Connection(owner, socket, settings, createdAt, now);
  },
});

/** One stream's state; slots are reused from exchange to exchange. */
class H2Stream {
  id = 0;
  res: Response | null = null;
  /** What we may still send on this stream (may go negative after a SETTINGS shrink). */
  sendWindow = 0;
  readonly recv = new ReceiveWindow(H2_STREAM_WINDOW, 0);
  body: Buffer | null = null;
  bodyOff = 0;
  /** The final (non-1xx) response head arrived. */
  gotHead = false;
  isHead = false;
  /** On the blocked list (body waiting for window). */
  blocked = false;
  /** Index in the connection's active list. */
  index = -1;
}

export class H2Connection implements ClientConnection, FrameHandler {
  readonly owner: ConnectionOwner;
  readonly socket: net.Socket;
  readonly reader: FrameReader;
  isOpen = true;
  /** No new streams (GOAWAY received or sent, stream ids used up, retired). */
  closing = false;
  readonly createdAt: number;
  lastUsedAt: number;
  ownerIndex = -1;
  idle = false;
  /** Streams opened so far. */
  requests = 0;

  // ---- peer state
  readonly peer = new PeerSettings();
  /** The peer's first SETTINGS arrived. */
  peerSettingsSeen = false;
  /** The peer ACKed our SETTINGS. */
  settingsAcked = false;
  private readonly openedAt: number;
  /** GOAWAY from the peer: its last-stream-id (streams above it were not processed). */
  goAwayLastId = MAX_STREAM_ID;
  goAwayCode = -1;

  // ---- streams
  private readonly cap: number;
  private nextId = 1;
  private readonly streams = new Map<number, H2Stream>();
  private readonly active: H2Stream[] = [];
  private readonly free: H2Stream[] = [];
  private readonly blocked: H2Stream[] = [];
  /** Send windows. */
  connSendWindow = 65535;
  private readonly connRecv = new ReceiveWindow(65535, 0);

  // ---- codec
  private readonly encoder = new HpackEncoder();
  private readonly decoder: HpackDecoder;
  private readonly fields = new HeaderFields();
  private readonly scheme: string;
  private readonly hostHeader: string;
  private readonly maxBody: number;

  // ---- per read
  private chunkAt = 0;
  private inData = false;
  private readonly done: Response[] = [];
  private doneLen = 0;

  // ---- writes
  private out = new ByteWriter(4096);
  private flushScheduled = false;
  /** Bytes written that the socket had not flushed at the last look. */
  writePending = false;

  constructor(owner: ConnectionOwner, socket: net.Socket, settings: ConnectionSettings, createdAt: number, now: number) {
    this.owner = owner;
    const o = owner.origin;
    this.cap = settings.maxInFlight;
    this.createdAt = createdAt;
    this.lastUsedAt = now;
    this.openedAt = now;
    this.scheme = o.tls ? 'https' : 'http';
    this.hostHeader = o.hostHeader;
    this.maxBody = o.limits.maxBodySize;
    const maxHeaders = Math.max(o.limits.maxHeaderBytes, 16384);
    this.decoder = new HpackDecoder({ maxHeaderListSize: maxHeaders, maxStringLength: maxHeaders });
    this.reader = new FrameReader(this, { maxHeaderBlockSize: maxHeaders + 16384 });
    const s = socket as Tagged;
    s[kConn] = this;
    this.socket = s;
    if (o.tls || owner.readInto === undefined) s.on('data', onSocketData);
    else setSink(s, new ChunkSink(this));
    s.on('error', onSocketError);
    s.on('end', onSocketEnd);
    s.on('close', onSocketClose);
    // Preface, our SETTINGS, and the connection window opened wide: one write with the first HEADERS.
    const w = this.out;
    writePreface(w);
    writeSettings(w, SettingsList.of([
      [SettingId.ENABLE_PUSH, 0],
      [SettingId.MAX_CONCURRENT_STREAMS, this.cap],
      [SettingId.INITIAL_WINDOW_SIZE, H2_STREAM_WINDOW],
    ]));
    const inc = this.connRecv.expandTo(H2_CONNECTION_WINDOW);
    if (inc > 0) writeWindowUpdate(w, 0, inc);
    this.scheduleFlush();
  }

  // ---------------------------------------------------------------- capacity

  /** Streams allowed at once: min(peer's limit, our cap). */
  get capacity(): number {
    const peerMax = this.peerSettingsSeen ? this.peer.maxConcurrentStreams : ASSUMED_MAX_STREAMS;
    return peerMax < this.cap ? peerMax : this.cap;
  }

  get inFlight(): number {
    return this.active.length;
  }

  get usable(): boolean {
    return this.isOpen && !this.closing;
  }

  get freeSlots(): number {
    if (!this.isOpen || this.closing) return 0;
    const n = this.capacity - this.active.length;
    return n > 0 ? n : 0;
  }

  accepts(_req: Request): boolean {
    return this.isOpen && !this.closing && this.active.length < this.capacity;
  }

  /** Takes no new streams; those in flight finish (the pool closes it when empty). */
  retire(): void {
    this.closing = true;
  }

  // ---------------------------------------------------------------- sending

  send(res: Response, now: number): void {
    const req = res._req!;
    const id = this.nextId;
    this.nextId += 2;
    if (this.nextId > MAX_STREAM_ID) this.closing = true;
    const st = this.free.pop() ?? new H2Stream();
    st.id = id;
    st.res = res;
    st.sendWindow = this.peer.initialWindowSize;
    st.gotHead = false;
    st.isHead = req.isHead;
    st.index = this.active.length;
    this.active.push(st);
    this.streams.set(id, st);
    res._state = ExchangeState.InFlight;
    res._sentAt = now;
    res._reused = this.requests > 0;
    this.requests++;
    const body = req.body;
    const hasBody = body !== null && body.length > 0;
    st.body = hasBody ? body : null;
    st.bodyOff = 0;
    const wire = req.prepare(this.hostHeader);
    const p = prebuiltFor(req, wire, this.scheme, this.hostHeader);
    const w = this.out;
    if (!this.encoder.pendingUpdate) {
      p.frames.writeTo(w, id, !hasBody);
    } else {
      const bw = new ByteWriter(p.frames.blockLength + 16);
      this.encoder.beginBlock(bw);
      encodeStatelessBlock(bw, p.fields);
      writeHeaders(w, id, bw.buf, 0, bw.len, !hasBody, this.peer.maxFrameSize);
    }
    if (hasBody && !this.sendBody(st)) {
      st.blocked = true;
      this.blocked.push(st);
    }
    this.scheduleFlush();
  }

  /** Sends as much of a stream's body as the windows allow; false when they are spent first. */
  private sendBody(st: H2Stream): boolean {
    const body = st.body!;
    const w = this.out;
    const maxFrame = this.peer.maxFrameSize;
    while (st.bodyOff < body.length) {
      let n = body.length - st.bodyOff;
      if (n > this.connSendWindow) n = this.connSendWindow;
      if (n > st.sendWindow) n = st.sendWindow;
      if (n > maxFrame) n = maxFrame;
      if (n <= 0) return false;
      const end = st.bodyOff + n;
      writeData(w, st.id, body, st.bodyOff, end, end === body.length);
      st.bodyOff = end;
      st.sendWindow -= n;
      this.connSendWindow -= n;
    }
    st.body = null;
    return true;
  }

  /** Windows grew: resume the parked bodies, oldest first; those still short of window stay parked. */
  private resumeBlocked(): void {
    const list = this.blocked;
    if (list.length === 0) return;
    let k = 0;
    for (let i = 0; i < list.length; i++) {
      const st = list[i]!;
      if (st.res !== null && st.body !== null && !this.sendBody(st)) list[k++] = st;
      else st.blocked = false;
    }
    list.length = k;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (!this.inData && !this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(flushConn, this);
    }
  }

  /** Writes every frame queued this tick in one socket write. */
  flush(now = 0): void {
    this.flushScheduled = false;
    const w = this.out;
    if (w.len === 0 || !this.isOpen) return;
    const s = this.socket;
    if (w.len <= COPY_WRITE_MAX) {
      const b = Buffer.allocUnsafe(w.len);
      w.buf.copy(b, 0, 0, w.len);
      w.reset();
      s.write(b);
    } else {
      s.write(w.view());
      this.out = new ByteWriter(4096);
    }
    if (s.writableLength === 0) this.markWritten(now !== 0 ? now : nowMs());
    else this.writePending = true;
  }

  private markWritten(now: number): void {
    this.writePending = false;
    const a = this.active;
    for (let i = 0; i < a.length; i++) {
      const st = a[i]!;
      const r = st.res;
      if (r !== null && r._writtenAt === 0 && st.body === null) r._writtenAt = now;
    }
  }

  // ---------------------------------------------------------------- reading

  /** Bytes from the socket. */
  onChunk(chunk: Buffer): void {
    if (!this.isOpen) return;
    this.chunkAt = nowMs();
    let err: FastbenchError | null = null;
    this.inData = true;
    try {
      this.reader.push(chunk);
    } catch (e) {
      err = e instanceof FastbenchError ? e : new FastbenchError('ERR_INTERNAL', String(e), { cause: e });
    }
    // After GOAWAY with nothing left in flight: close first, so that an exchange retried from a
    // delivery below (a refused stream) finds this connection gone and gets a new one.
    const goneAway = err === null && this.closing && this.active.length === 0 && this.goAwayCode >= 0;
    if (goneAway) this.close();
    if (this.doneLen > 0) this.deliver();
    this.inData = false;
    if (err !== null) {
      this.connectionError(err);
      return;
    }
    if (!goneAway && this.out.len > 0) this.flush(this.chunkAt);
  }

  private deliver(): void {
    const done = this.done;
    const n = this.doneLen;
    const owner = this.owner;
    owner.deliveringAt = this.chunkAt;
    for (let k = 0; k < n; k++) {
      const res = done[k]!;
      done[k] = undefined as unknown as Response;
      // A stream that failed on a live connection carries its error (failLater).
      owner.exchangeDone(this, res, res.error);
    }
    owner.deliveringAt = 0;
    this.doneLen = 0;
  }

  /** The stream an inbound frame names, or null for one we closed (its frames are dropped). */
  private streamFor(id: number, what: string): H2Stream | null {
    const st = this.streams.get(id);
    if (st !== undefined) return st;
    if ((id & 1) === 0 || id >= this.nextId) {
      // Even ids would be server-initiated (push is off); odd ones we never opened are idle.
      throw new H2Error(H2Code.PROTOCOL_ERROR, 'connection', `${what} on stream ${id}, which was never opened`, { streamId: id });
    }
    return null;
  }

  onHeaders(sid: number, endStream: boolean, block: Buffer, start: number, end: number): void {
    const f = this.fields;
    // Decoded even for streams we dropped: the HPACK table must stay in step.
    this.decoder.decode(block, start, end, f, sid);
    const st = this.streamFor(sid, 'HEADERS');
    if (st === null) return;
    const res = st.res!;
    if (f.tooLarge) {
      this.resetStream(st, H2Code.CANCEL, new FastbenchError('ERR_HTTP_HEADERS_TOO_LARGE', `response header list on stream ${sid} exceeds ${this.decoder.maxHeaderListSize} bytes`, { phase: 'headers' }));
      return;
    }
    if (res._firstByteAt === 0) res._firstByteAt = this.chunkAt;
    if (!st.gotHead) {
      const bad = checkResponseFields(f, sid);
      if (bad !== undefined) return this.resetStream(st, bad.h2Code, bad);
      const status = f.valueInt(f.indexOf(':status'));
      if (status < 200) {
        if (endStream) return this.resetStream(st, H2Code.PROTOCOL_ERROR, new H2Error(H2Code.PROTOCOL_ERROR, 'stream', `informational response ${status} ends the stream`, { streamId: sid }));
        if (status !== 101) res.interim.push({ status, reason: '', headers: f.toPairs().filter((p) => !p[0].startsWith(':')) });
        return;
      }
      st.gotHead = true;
      res._headAt = this.chunkAt;
      res._setFields(f, status, false);
    } else {
      if (!endStream) return this.resetStream(st, H2Code.PROTOCOL_ERROR, new H2Error(H2Code.PROTOCOL_ERROR, 'stream', 'a second header block that does not end the stream (trailers must)', { streamId: sid }));
      const bad = checkResponseFields(f, sid, true);
      if (bad !== undefined) return this.resetStream(st, bad.h2Code, bad);
      res._setFields(f, 0, true);
    }
    if (endStream) this.complete(st);
  }

  onRstStream(sid: number, errorCode: number): void {
    const st = this.streamFor(sid, 'RST_STREAM');
    if (st === null) return;
    const res = st.res!;
    if (errorCode === H2Code.NO_ERROR && st.gotHead) {
      // The response is complete in all but END_STREAM: the server stops our upload (RFC 9113 8.1).
      this.complete(st);
      return;
    }
    const err = new H2Error(errorCode, 'stream', `the server reset stream ${sid}`, { streamId: sid, fromPeer: true });
    res.bytesRead = res.bodyLength;
    this.endStream(st);
    this.failLater(res, err);
  }

  onSettings(list: SettingsList): void {
    const delta = this.peer.apply(list);
    this.peerSettingsSeen = true;
    if (delta !== 0) {
      const a = this.active;
      for (let i = 0; i < a.length; i++) a[i]!.sendWindow = applyWindowDelta(a[i]!.sendWindow, delta, a[i]!.id);
    }
    if (list.get(SettingId.HEADER_TABLE_SIZE) !== undefined) this.encoder.setPeerMaxTableSize(this.peer.headerTableSize);
    writeSettingsAck(this.out);
    if (delta > 0) this.resumeBlocked();
    this.scheduleFlush();
  }

  onSettingsAck(): void {
    this.settingsAcked = true;
  }

  onPing(ack: boolean, buf: Buffer, start: number): void {
    if (ack) return;
    writePing(this.out, true, buf, start);
    this.scheduleFlush();
  }

  onGoAway(lastStreamId: number, errorCode: number, buf: Buffer, debugStart: number, debugEnd: number): void {
    this.closing = true;
    if (lastStreamId < this.goAwayLastId) this.goAwayLastId = lastStreamId;
    this.goAwayCode = errorCode;
    const debug = debugEnd > debugStart ? ` (${buf.toString('latin1', debugStart, Math.min(debugEnd, debugStart + 200))})` : '';
    // Streams above last-stream-id were not processed: fail them as refused (safe to retry).
    const a = this.active;
    for (let i = a.length - 1; i >= 0; i--) {
      const st = a[i];
      if (st === undefined || st.id <= lastStreamId) continue;
      const res = st.res!;
      this.endStream(st);
      this.failLater(res, new H2Error(H2Code.REFUSED_STREAM, 'stream', `GOAWAY (${H2Code.NO_ERROR === errorCode ? 'NO_ERROR' : errorCode}) from ${this.owner.origin.where}: stream ${st.id} above last-stream-id ${lastStreamId} was not processed; safe to retry on a new connection${debug}`, { streamId: st.id, fromPeer: true }));
    }
  }

  onWindowUpdate(sid: number, increment: number): void {
    if (sid === 0) {
      this.connSendWindow = addToWindow(this.connSendWindow, increment, 0);
      this.resumeBlocked();
      return;
    }
    const st = this.streamFor(sid, 'WINDOW_UPDATE');
    if (st === null) return;
    const next = st.sendWindow + increment;
    if (next > 0x7fffffff) {
      this.resetStream(st, H2Code.FLOW_CONTROL_ERROR, new H2Error(H2Code.FLOW_CONTROL_ERROR, 'stream', `WINDOW_UPDATE takes stream ${sid}'s window past 2^31-1`, { streamId: sid }));
      return;
    }
    st.sendWindow = next;
    if (st.blocked) this.resumeBlocked();
  }

  onStreamError(error: H2Error): void {
    const st = this.streams.get(error.streamId);
    if (st === undefined) {
      writeRstStream(this.out, error.streamId, error.h2Code);
      this.scheduleFlush();
      return;
    }
    this.resetStream(st, error.h2Code, error);
  }

  // ---------------------------------------------------------------- stream ends

  /** DATA for a stream (socket chunks come through onChunk). */
  onData(sid: number, endStream: boolean, buf: Buffer, start: number, end: number, flowLength: number): void {
    // Connection window first: a violation is a connection error (thrown to the reader).
    this.connRecv.receive(flowLength);
    const inc = this.connRecv.consume(flowLength);
    if (inc > 0) writeWindowUpdate(this.out, 0, inc);
    const st = this.streamFor(sid, 'DATA');
    if (st === null) return;
    const res = st.res!;
    if (!st.gotHead) return this.resetStream(st, H2Code.PROTOCOL_ERROR, new H2Error(H2Code.PROTOCOL_ERROR, 'stream', `DATA before the response head on stream ${sid}`, { streamId: sid }));
    if (flowLength > st.recv.available) {
      return this.resetStream(st, H2Code.FLOW_CONTROL_ERROR, new H2Error(H2Code.FLOW_CONTROL_ERROR, 'stream', `peer sent ${flowLength} bytes on stream ${sid} with only ${st.recv.available} left in its window`, { streamId: sid }));
    }
    st.recv.receive(flowLength);
    if (end > start) {
      if (st.isHead || res.status === 204 || res.status === 304) {
        return this.resetStream(st, H2Code.PROTOCOL_ERROR, new H2Error(H2Code.PROTOCOL_ERROR, 'stream', `response content on stream ${sid} where none is allowed (HEAD, 204, 304)`, { streamId: sid }));
      }
      if (res.bodyLength + (end - start) > this.maxBody) {
        return this.resetStream(st, H2Code.CANCEL, new FastbenchError('ERR_HTTP_BODY_TOO_LARGE', `response body on stream ${sid} exceeds the limit of ${this.maxBody} bytes`, { phase: 'body' }));
      }
      res._appendBody(buf, start, end);
    }
    if (endStream) {
      this.complete(st);
      return;
    }
    const sinc = st.recv.consume(flowLength);
    if (sinc > 0) writeWindowUpdate(this.out, sid, sinc);
  }

  /** The response ended (END_STREAM): check it and queue it for delivery. */
  private complete(st: H2Stream): void {
    const res = st.res!;
    const cl = res.contentLength;
    if (cl >= 0 && !st.isHead && res.status !== 204 && res.status !== 304 && cl !== res.bodyLength) {
      this.resetStream(st, H2Code.PROTOCOL_ERROR, new H2Error(H2Code.PROTOCOL_ERROR, 'stream', `content-length ${cl} but ${res.bodyLength} bytes of content on stream ${st.id}`, { streamId: st.id }));
      return;
    }
    // Still uploading (the server answered early): stop the upload.
    if (st.body !== null) writeRstStream(this.out, st.id, H2Code.NO_ERROR);
    res._endAt = this.chunkAt;
    if (res._writtenAt === 0) res._writtenAt = this.chunkAt;
    this.lastUsedAt = this.chunkAt;
    this.endStream(st);
    this.done[this.doneLen++] = res;
  }

  /** RST_STREAM with `code` and the exchange fails with `err`; the connection goes on. */
  private resetStream(st: H2Stream, code: number, err: FastbenchError): void {
    const res = st.res!;
    writeRstStream(this.out, st.id, code);
    res.bytesRead = res.bodyLength;
    this.endStream(st);
    this.failLater(res, err);
    this.scheduleFlush();
  }

  /** An exchange failed on a live connection: reported with the read's completions (outside the reader). */
  private failLater(res: Response, err: FastbenchError): void {
    res.error = err;
    this.done[this.doneLen++] = res;
  }

  /** Frees the stream's slot (the stream is closed for us). */
  private endStream(st: H2Stream): void {
    this.streams.delete(st.id);
    const a = this.active;
    const i = st.index;
    const last = a.pop()!;
    if (last !== st) {
      a[i] = last;
      last.index = i;
    }
    st.index = -1;
    st.res = null;
    st.body = null;
    if (st.blocked) {
      st.blocked = false;
      const k = this.blocked.indexOf(st);
      if (k >= 0) this.blocked.splice(k, 1);
    }
    // Credit withheld for this stream no longer matters; the window starts over for the next one.
    st.recv.flush();
    st.recv.size = st.recv.available = H2_STREAM_WINDOW;
    this.free.push(st);
  }

  // ---------------------------------------------------------------- deadlines

  sweep(now: number): void {
    if (!this.isOpen) return;
    if (!this.settingsAcked && now - this.openedAt >= H2_SETTINGS_TIMEOUT_MS) {
      this.connectionError(new H2Error(H2Code.SETTINGS_TIMEOUT, 'connection', `${this.owner.origin.where} did not acknowledge our SETTINGS within ${H2_SETTINGS_TIMEOUT_MS} ms`));
      return;
    }
    if (this.active.length === 0) return;
    if (this.writePending && this.socket.writableLength === 0) this.markWritten(now);
    const a = this.active;
    for (let i = a.length - 1; i >= 0 && this.isOpen; i--) {
      const st = a[i];
      if (st === undefined || st.res === null) continue;
      const err = this.expiry(st, now);
      if (err !== null) this.owner.exchangeExpired(this, st.res, err, now);
    }
  }

  private phaseOf(st: H2Stream): Phase {
    const res = st.res!;
    if (res._writtenAt === 0 && (this.writePending || st.body !== null)) return Phase.Write;
    return st.gotHead ? Phase.Body : Phase.Headers;
  }

  private expiry(st: H2Stream, now: number): FastbenchError | null {
    const o = this.owner.origin;
    const res = st.res!;
    const phase = this.phaseOf(st);
    if (now >= res._deadline) return timeoutError(phase, 'request deadline');
    if (phase === Phase.Write) {
      if (o.writeTimeout > 0 && now - res._sentAt >= o.writeTimeout) return timeoutError(phase, `writeTimeout of ${o.writeTimeout} ms`);
    } else if (o.readTimeout > 0 && res._writtenAt !== 0 && now - res._writtenAt >= o.readTimeout) {
      return timeoutError(phase, `readTimeout of ${o.readTimeout} ms`);
    }
    return null;
  }

  /** Cancels one stream (RST_STREAM CANCEL); the connection lives on. */
  abandon(res: Response, _graceMs: number, _now: number): boolean {
    const st = this.find(res);
    if (st === null) return false;
    writeRstStream(this.out, st.id, H2Code.CANCEL);
    this.endStream(st);
    this.scheduleFlush();
    return true;
  }

  /** Takes an exchange off the connection (cancelling its stream) so closing will not fail it. */
  detach(res: Response): void {
    this.abandon(res, 0, 0);
  }

  private find(res: Response): H2Stream | null {
    const a = this.active;
    for (let i = 0; i < a.length; i++) if (a[i]!.res === res) return a[i]!;
    return null;
  }

  // ---------------------------------------------------------------- closing

  close(): void {
    if (!this.isOpen) return;
    // A polite goodbye: nothing more will be opened here.
    writeGoAway(this.out, 0, H2Code.NO_ERROR);
    this.flush();
    this.teardown(null);
  }

  destroy(reason: FastbenchError | null): void {
    this.teardown(reason);
  }

  /** A connection error: GOAWAY with its code, then everything in flight fails. */
  private connectionError(err: FastbenchError): void {
    if (!this.isOpen) return;
    const code = err instanceof H2Error ? err.h2Code : H2Code.INTERNAL_ERROR;
    if (!(err instanceof H2Error && err.fromPeer)) {
      writeGoAway(this.out, 0, code, Buffer.from(err.message.slice(0, 200), 'latin1'));
      this.flush();
    }
    this.teardown(err);
  }

  /**
   * Closes the connection and fails every stream on it: each exchange with `reason` (a copy for
   * all but the first) or, with no reason, a "closed early / mid-response" error.
   */
  teardown(reason: FastbenchError | null): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.closing = true;
    const s = this.socket as net.Socket & { destroySoon?: () => void };
    if (typeof s.destroySoon === 'function') s.destroySoon();
    else s.end();
    s.destroy();
    const owner = this.owner;
    const where = owner.origin.where;
    const victims: Response[] = [];
    const errors: FastbenchError[] = [];
    const a = this.active;
    for (let i = 0; i < a.length; i++) {
      const st = a[i]!;
      const res = st.res!;
      let err: FastbenchError;
      if (reason === null) err = closedError(st.gotHead || res._firstByteAt !== 0, where);
      else if (victims.length === 0) err = reason;
      else err = reason instanceof H2Error ? new H2Error(reason.h2Code, reason.scope, reason.message, { streamId: reason.streamId, fromPeer: reason.fromPeer }) : new FastbenchError(reason.code, reason.message, { cause: reason, phase: reason.phase ?? 'headers' });
      res.bytesRead = res.bodyLength;
      victims.push(res);
      errors.push(err);
      this.streams.delete(st.id);
      st.res = null;
      st.body = null;
      st.index = -1;
    }
    a.length = 0;
    this.blocked.length = 0;
    owner.connClosed(this);
    for (let k = 0; k < victims.length; k++) owner.exchangeDone(this, victims[k]!, errors[k]!);
  }
}
