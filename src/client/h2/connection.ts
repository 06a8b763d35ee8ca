// The HTTP/2 connection behind the ClientConnection seam (RFC 9113), over src/http2's codec. The
// connection object is its FrameReader's handler (no closures per request); each exchange rides
// one stream, held in a reused H2Stream slot (stream-table.ts).
//
// Capacity: streams in flight up to min(peer SETTINGS_MAX_CONCURRENT_STREAMS, our cap =
// settings.maxInFlight); until the peer's SETTINGS arrive we assume min(100, cap) (the RFC's
// suggested floor), so a first burst is not refused. That number is `freeSlots`; any request
// may share the connection (GOAWAY says which streams the server processed, so no HTTP/1
// "nothing behind a POST" rule).
//
// Writing: every frame of a tick (HEADERS, DATA, WINDOW_UPDATE, SETTINGS/PING ACKs, RST_STREAM)
// is appended to one ByteWriter and written in one socket write on the next tick, or at the end
// of the read that produced it. HEADERS: request-headers.ts (prebuilt static-table blocks);
// bodies: body-sender.ts (DATA within the send windows, parked streams resumed on WINDOW_UPDATE).
//
// Reading: FrameReader hands out frames by offsets; HPACK blocks decode into one reused
// HeaderFields, which response-frames.ts copies into the Response. Receive windows are the
// codec's ReceiveWindow (credit returned in batches once half a window is consumed). Completed
// exchanges are collected during the read and handed to the owner after it, as in HTTP/1.
//
// Errors: a connection error (thrown by the reader, or found here) sends GOAWAY with its code
// and tears down: every exchange in flight fails with a typed error. A stream error sends
// RST_STREAM and fails that exchange only. RST_STREAM from the peer fails its exchange with the
// peer's code (REFUSED_STREAM: retryable). GOAWAY from the peer: streams above its last-stream-id
// fail with ERR_H2_REFUSED_STREAM (not processed: safe to retry elsewhere), the rest finish, no
// new stream starts here, and the connection closes once empty. Deadlines: the pool's sweep
// (stream-deadlines.ts); abandon() cancels one stream (RST_STREAM CANCEL), the connection lives on.
//
// Liveness, also from the sweep (no timers of our own):
//   | what                                   | limit                            | then                          |
//   |----------------------------------------|----------------------------------|-------------------------------|
//   | our SETTINGS not ACKed                 | min(10 s, connectTimeout) from open, | GOAWAY SETTINGS_TIMEOUT; all  |
//   |                                        | or a stream's deadline, if sooner | streams ERR_H2_SETTINGS_TIMEOUT |
//   | no frame from the peer (idle or not)   | origin.pingInterval              | PING (one outstanding)        |
//   | that PING not ACKed                    | origin.pingTimeout               | closed, streams fail with     |
//   |                                        |                                  | ERR_TIMEOUT_PING (the pools retry idempotent unanswered ones once) |
import type net from 'node:net';
import { ByteWriter } from '../../core/byte-writer.js';
import { nowMs } from '../../core/clock.js';
import { FastbenchError } from '../../core/errors.js';
import { H2Code, MAX_STREAM_ID, SettingId } from '../../http2/constants.js';
import { ReceiveWindow, addToWindow, applyWindowDelta } from '../../http2/flow-control.js';
import { FrameReader, type FrameHandler } from '../../http2/frame-reader.js';
import { writeGoAway, writePing, writePreface, writeRstStream, writeSettings, writeSettingsAck, writeWindowUpdate } from '../../http2/frame-writer.js';
import { H2Error } from '../../http2/h2-error.js';
import { HeaderFields } from '../../http2/header-fields.js';
import { HpackDecoder } from '../../http2/hpack-decoder.js';
import { HpackEncoder } from '../../http2/hpack-encoder.js';
import { PeerSettings, SettingsList } from '../../http2/settings.js';
import { closedError } from '../client-errors.js';
import type { ClientConnection, ConnectionFactory, ConnectionOwner, ConnectionSettings } from '../client-connection.js';
import type { ProtocolUsage } from '../connection-usage.js';
import type { Request } from '../request.js';
import { ExchangeState, type Response } from '../response.js';
import { BodySender } from './body-sender.js';
import { type H2Request, h2Request, writeRequestHeaders } from './request-headers.js';
import { applyData, applyHeaderBlock, completionError, resetCodeOf } from './response-frames.js';
import { attachSocket, failUnsent, flushLater } from './socket-events.js';
import { streamExpiry } from './stream-deadlines.js';
import { H2_STREAM_WINDOW, type H2Stream, StreamTable } from './stream-table.js';

export { H2_STREAM_WINDOW } from './stream-table.js';

/** The connection window we open right away. */
export const H2_CONNECTION_WINDOW = 1 << 24;
/** Streams assumed allowed before the peer's SETTINGS say otherwise. */
const ASSUMED_MAX_STREAMS = 100;
/** How long the peer has to ACK our SETTINGS (ERR_H2_SETTINGS_TIMEOUT after). */
export const H2_SETTINGS_TIMEOUT_MS = 10_000;
/** Batches up to this size are copied into a fresh Buffer for the socket; larger ones are handed over. */
const COPY_WRITE_MAX = 16384;

/** Makes HTTP/2 connections (ALPN "h2"; over cleartext, prior knowledge "h2c"). */
export const http2: ConnectionFactory = Object.freeze({
  protocol: 'h2',
  create(owner: ConnectionOwner, socket: net.Socket, settings: ConnectionSettings, createdAt: number, now: number): ClientConnection {
    return new H2Connection(owner, socket, settings, createdAt, now);
  },
});

export class H2Connection implements ClientConnection, FrameHandler {
  readonly owner: ConnectionOwner;
  /** The h2 record in the owner's ConnectionUsage (peak streams in flight). */
  private readonly usage: ProtocolUsage;
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
  /** nowMs() of the last bytes from the peer (the PING interval counts from it). */
  lastReadAt: number;
  /** nowMs() when our outstanding PING went out (0: none outstanding). */
  pingSentAt = 0;
  /** PINGs sent so far (the payload of the next one). */
  pings = 0;
  private readonly pingData = Buffer.alloc(8);
  /** Why the connection closed (null: quietly, or still open). */
  closedBy: FastbenchError | null = null;
  /** How long the peer has to ACK our SETTINGS. */
  private readonly settingsTimeout: number;

  // ---- streams
  private readonly cap: number;
  private readonly table = new StreamTable();
  /** The table's in-flight slots (the same array). */
  private readonly active: H2Stream[] = this.table.active;
  private readonly sender = new BodySender();
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
    this.usage = owner.usage.of('h2');
    const o = owner.origin;
    this.cap = settings.maxInFlight;
    this.createdAt = createdAt;
    this.lastUsedAt = now;
    this.openedAt = now;
    this.lastReadAt = now;
    this.settingsTimeout = o.connectTimeout > 0 && o.connectTimeout < H2_SETTINGS_TIMEOUT_MS ? o.connectTimeout : H2_SETTINGS_TIMEOUT_MS;
    this.scheme = o.tls ? 'https' : 'http';
    this.hostHeader = o.hostHeader;
    this.maxBody = o.limits.maxBodySize;
    const maxHeaders = Math.max(o.limits.maxHeaderBytes, 16384);
    this.decoder = new HpackDecoder({ maxHeaderListSize: maxHeaders, maxStringLength: maxHeaders });
    this.reader = new FrameReader(this, { maxHeaderBlockSize: maxHeaders + 16384 });
    this.socket = socket;
    attachSocket(socket, this, !o.tls && owner.readInto !== undefined);
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
    let p: H2Request;
    try {
      p = h2Request(req, this.scheme, this.hostHeader);
    } catch (e) {
      // Raw bytes that are not a request (a caller's setRaw): that exchange fails, nothing is sent.
      res._state = ExchangeState.InFlight;
      process.nextTick(failUnsent, this, res, e);
      return;
    }
    const table = this.table;
    const st = table.open(res, this.peer.initialWindowSize, req.isHead);
    if (table.nextId > MAX_STREAM_ID) this.closing = true;
    if (this.active.length > this.usage.maxInFlightPerConnection) this.usage.maxInFlightPerConnection = this.active.length;
    res._state = ExchangeState.InFlight;
    res._sentAt = now;
    res._reused = this.requests > 0;
    this.requests++;
    const body = p.body;
    const hasBody = body !== null;
    st.body = body;
    st.bodyOff = 0;
    const w = this.out;
    writeRequestHeaders(w, this.encoder, p, st.id, !hasBody, this.peer.maxFrameSize);
    if (hasBody && !this.sender.send(st, w, this.peer.maxFrameSize)) this.sender.park(st);
    this.scheduleFlush();
  }

  /** Windows grew: resume the parked bodies, oldest first; those still short of window stay parked. */
  private resumeBlocked(): void {
    if (this.sender.resume(this.out, this.peer.maxFrameSize)) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (!this.inData && !this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(flushLater, this);
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
    this.chunkAt = this.lastReadAt = nowMs();
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

  onHeaders(sid: number, endStream: boolean, block: Buffer, start: number, end: number): void {
    const f = this.fields;
    // Decoded even for streams we dropped: the HPACK table must stay in step.
    this.decoder.decode(block, start, end, f, sid);
    const st = this.table.lookup(sid, 'HEADERS');
    if (st === null) return;
    const err = applyHeaderBlock(st, f, endStream, this.chunkAt, this.decoder.maxHeaderListSize);
    if (err !== null) return this.resetStream(st, resetCodeOf(err), err);
    if (endStream) this.complete(st);
  }

  onRstStream(sid: number, errorCode: number): void {
    const st = this.table.lookup(sid, 'RST_STREAM');
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
    if (ack) {
      if (this.pingSentAt !== 0 && buf.compare(this.pingData, 0, 8, start, start + 8) === 0) this.pingSentAt = 0;
      return;
    }
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
      this.sender.connWindow = addToWindow(this.sender.connWindow, increment, 0);
      this.resumeBlocked();
      return;
    }
    const st = this.table.lookup(sid, 'WINDOW_UPDATE');
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
    const st = this.table.get(error.streamId);
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
    const st = this.table.lookup(sid, 'DATA');
    if (st === null) return;
    const err = applyData(st, buf, start, end, flowLength, this.maxBody, this.chunkAt);
    if (err !== null) return this.resetStream(st, resetCodeOf(err), err);
    if (endStream) {
      this.complete(st);
      return;
    }
    const sinc = st.recv.consume(flowLength);
    if (sinc > 0) writeWindowUpdate(this.out, sid, sinc);
  }

  /** The response ended (END_STREAM): check it and queue it for delivery. */
  private complete(st: H2Stream): void {
    const err = completionError(st);
    if (err !== null) {
      this.resetStream(st, H2Code.PROTOCOL_ERROR, err);
      return;
    }
    const res = st.res!;
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
    if (st.blocked) this.sender.unpark(st);
    this.table.release(st);
  }

  // ---------------------------------------------------------------- deadlines

  sweep(now: number): void {
    if (!this.isOpen) return;
    const o = this.owner.origin;
    if (!this.settingsAcked && now - this.openedAt >= this.settingsTimeout) {
      this.connectionError(new H2Error(H2Code.SETTINGS_TIMEOUT, 'connection', `${o.where} did not acknowledge our SETTINGS within ${this.settingsTimeout} ms`));
      return;
    }
    if (this.pingSentAt !== 0) {
      if (o.pingTimeout > 0 && now - this.pingSentAt >= o.pingTimeout) {
        // The peer is gone (or the path to it): nothing we write would arrive, so no GOAWAY.
        this.teardown(new FastbenchError('ERR_TIMEOUT_PING', `${o.where} did not answer a PING within ${o.pingTimeout} ms (nothing received for ${Math.round(now - this.lastReadAt)} ms); connection closed`, { phase: 'headers' }));
        return;
      }
    } else if (o.pingInterval > 0 && now - this.lastReadAt >= o.pingInterval) {
      this.ping(now);
    }
    if (this.active.length === 0) return;
    if (this.writePending && this.socket.writableLength === 0) this.markWritten(now);
    const a = this.active;
    for (let i = a.length - 1; i >= 0 && this.isOpen; i--) {
      const st = a[i];
      if (st === undefined || st.res === null) continue;
      const err = streamExpiry(st, o, this.writePending, now);
      if (err === null) continue;
      if (!this.settingsAcked) {
        // The handshake never finished: that, not this one stream, is what failed (and the
        // connection is not worth keeping).
        this.connectionError(new H2Error(H2Code.SETTINGS_TIMEOUT, 'connection', `${o.where} did not acknowledge our SETTINGS in the ${Math.round(now - this.openedAt)} ms before a request's deadline`));
        return;
      }
      this.owner.exchangeExpired(this, st.res, err, now);
    }
  }

  /** Sends a liveness PING (its payload: a counter), ACK due within origin.pingTimeout. */
  private ping(now: number): void {
    const d = this.pingData;
    this.pings++;
    d.writeUInt32BE(0, 0);
    d.writeUInt32BE(this.pings >>> 0, 4);
    writePing(this.out, false, d);
    this.pingSentAt = now;
    this.flush(now);
  }

  /** Cancels one stream (RST_STREAM CANCEL); the connection lives on. */
  abandon(res: Response, _graceMs: number, _now: number): boolean {
    const st = this.table.find(res);
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
    this.closedBy = reason;
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
      this.table.drop(st);
    }
    a.length = 0;
    this.sender.blocked.length = 0;
    owner.connClosed(this);
    for (let k = 0; k < victims.length; k++) owner.exchangeDone(this, victims[k]!, errors[k]!);
  }
}
