// The sending and closing half of an HTTP/2 server connection (h2/connection.ts is the receiving
// half and the FrameReader's handler; it extends this class, so there is one object per
// connection): the stream table, response HEADERS (one HPACK encoder), window-limited DATA
// (streams waiting for window are kept in arrival order in `blocked` and pumped when a
// WINDOW_UPDATE, SETTINGS or 'drain' makes room), RST_STREAM / GOAWAY, the batch buffer and its
// one socket write per batch, flood budgets, and the deadlines checked by the server's sweep.
import type { Socket } from 'node:net';
import { FRAME_HEADER_SIZE, FrameType, H2Code } from '../../http2/constants.js';
import { writeData, writeGoAway, writeHeaders, writeRstStream } from '../../http2/frame-writer.js';
import { H2Error, registryCodeOf } from '../../http2/h2-error.js';
import { HpackEncoder } from '../../http2/hpack-encoder.js';
import { PeerSettings } from '../../http2/settings.js';
import { ByteWriter } from '../../core/byte-writer.js';
import type { ConnectionHost } from '../connection-types.js';
import { Deadlines } from '../deadlines.js';
import { OutBuffer } from '../out-buffer.js';
import { EMPTY_BODY } from '../server-request.js';
import { ClosedHow, ClosedStreams } from './closed-streams.js';
import { FloodGuard } from './flood-guard.js';
import { type H2Stream, STREAM_HIGH, type StreamOwner } from './stream.js';

const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'content-length', 'date']);

export abstract class H2ConnectionCore implements StreamOwner {
  readonly out = new OutBuffer(16 * 1024);
  protected readonly encoder = new HpackEncoder();
  private readonly block = new ByteWriter(1024);
  protected readonly peer = new PeerSettings();
  protected sendWindow = 65535;
  protected readonly streams = new Map<number, H2Stream>();
  /** Streams with body bytes or an end waiting for window, in arrival order. */
  protected readonly blocked: H2Stream[] = [];
  private readonly closed = new ClosedStreams();
  private readonly guard = new FloodGuard();
  /** Request body bytes buffered on this connection, all streams (bounded by bodyBudget). */
  protected bodyBuffered = 0;
  /** Highest client stream id seen (processed or refused). */
  protected lastStreamId = 0;
  /** Inbound chunks read so far (the current one while reading). */
  protected batch = 0;
  protected goAwaySent = false;
  private goAwayCode = -1;
  /** Our SETTINGS must be ACKed by then (coarse ms; 0 = ACKed). */
  protected settingsAckDue = 0;
  protected peerEnded = false;
  protected ended = false;
  protected destroyed = false;
  protected inBatch = false;
  private flushQueued = false;
  protected readPaused = false;
  private wakeQueued = false;
  private dateAt = 0;
  private dateStr = '';
  /** Checked by sweep(). */
  protected readonly deadlines = new Deadlines();
  private readonly onFlushTick = (): void => this.flush();
  private readonly onWakeTick = (): void => this.wake();

  constructor(
    protected readonly host: ConnectionHost,
    readonly socket: Socket,
  ) {}

  get idle(): boolean {
    return this.streams.size === 0;
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
    const before = s.queued;
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
    if (s.queued > 0 || s.endQueued) {
      if (this.blocked.indexOf(s) < 0) this.blocked.push(s);
      // Waiting for window or for the socket: the stall clock restarts whenever bytes go out.
      if (s.queued !== before || s.stalledAt === 0) s.stalledAt = this.host.now;
    }
    this.wrote();
    if (s.drainWaiter !== null) this.queueWake();
  }

  /** Pumps every blocked stream (windows opened or output drained), oldest first. */
  protected pumpBlocked(): void {
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

  protected rst(streamId: number, code: number): void {
    if (this.destroyed || this.ended) return;
    writeRstStream(this.out.w, streamId, code);
    this.host.counters.h2Resets[Math.min(code, 14)]!++;
    if (code !== H2Code.NO_ERROR) {
      const reg = registryCodeOf(code);
      if (reg !== undefined) this.host.counters.reject(reg);
    }
    this.remember(streamId, ClosedHow.RESET_BY_US);
  }

  protected closeStream(s: H2Stream): void {
    if (s.dead) return;
    if (s.body !== null) this.bodyBuffered -= s.bodyLen;
    s.kill();
    this.streams.delete(s.id);
    this.remember(s.id, ClosedHow.ENDED);
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

  protected queueWake(): void {
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

  protected wrote(): void {
    if (!this.inBatch) this.scheduleFlush();
  }

  protected scheduleFlush(): void {
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
    this.host.counters.bytesOut += out.byteLength;
    out.writeTo(this.socket, false);
    this.deadlines.armWrite(this.host, this.socket);
  }

  // ---------------------------------------------------------------- errors, GOAWAY, closing

  protected connErr(code: number, message: string, frameType: number, streamId: number): H2Error {
    return new H2Error(code, 'connection', message, { frameType, streamId });
  }

  /** Counts a flood event; past the budget: GOAWAY ENHANCE_YOUR_CALM (true: stop handling the frame). */
  protected flood(kind: number): boolean {
    if (!this.guard.hit(kind, this.host.now)) return false;
    if (this.goAwaySent) return true;
    this.host.counters.h2Floods[kind]!++;
    throw this.connErr(H2Code.ENHANCE_YOUR_CALM, `flood: too many ${FLOOD_NAMES[kind]} frames per second`, -1, 0);
  }

  protected sendGoAway(code: number, message: string): void {
    if (this.destroyed || this.ended) return;
    // One GOAWAY, except that an error may follow a graceful one (same last stream id: it never
    // grows once sent, RFC 9113 6.8).
    if (this.goAwaySent && (code === H2Code.NO_ERROR || this.goAwayCode !== H2Code.NO_ERROR)) return;
    this.goAwaySent = true;
    this.goAwayCode = code;
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

  protected endSocket(): void {
    if (this.ended || this.destroyed) return;
    this.flush();
    this.ended = true;
    this.deadlines.startLinger(this.host);
    this.socket.end();
    if (this.readPaused) this.socket.resume(); // read and drop until the peer closes
  }

  protected maybeIdle(): void {
    const it = this.host.settings.idleTimeout;
    if (it > 0 && !this.ended && this.streams.size === 0) this.deadlines.idle = this.host.now + it;
  }

  /** Enforces the deadlines. */
  sweep(now: number): void {
    if (this.destroyed) return;
    const dl = this.deadlines;
    if (dl.timedOut(this.host, this.socket, now, false)) return void this.socket.destroy();
    if (this.settingsAckDue !== 0 && now >= this.settingsAckDue) {
      this.settingsAckDue = 0;
      if (!this.goAwaySent && !this.ended) {
        // RFC 9113 6.5.3: our SETTINGS were never acknowledged.
        this.goAway(H2Code.SETTINGS_TIMEOUT, 'SETTINGS not acknowledged in time');
        return;
      }
    }
    const wt = this.host.settings.writeTimeout;
    if (wt > 0 && this.blocked.length > 0) this.sweepStalled(now, wt);
    const rt = this.host.settings.readTimeout;
    if (rt > 0 && this.streams.size > 0) {
      // A request whose body stopped arriving: the stream is cancelled, the connection lives.
      for (const s of this.streams.values()) {
        if (!s.recvDone && now - s.lastRecvAt >= rt) {
          this.host.counters.reject('ERR_SERVER_READ_TIMEOUT');
          this.reset(s, H2Code.CANCEL);
        }
      }
    }
    if (dl.idleDue(now) && this.streams.size === 0) {
      this.host.counters.idleClosed++;
      this.sendGoAway(H2Code.NO_ERROR, 'idle');
      this.endSocket();
    }
    if (dl.lingerDue(now)) this.socket.destroy();
  }

  /**
   * Responses the peer leaves unsent for the write timeout — its flow-control window stays shut (a
   * zero-window reader) or its socket does not drain — are cancelled (RST_STREAM CANCEL, counted as
   * ERR_SERVER_WRITE_TIMEOUT): what they held (at most STREAM_HIGH plus one route write each) is
   * freed. A connection left with no stream then goes (GOAWAY NO_ERROR, close).
   */
  private sweepStalled(now: number, wt: number): void {
    const b = this.blocked;
    let cut = 0;
    for (let i = b.length - 1; i >= 0; i--) {
      const s = b[i]!;
      if (s.stalledAt === 0 || now - s.stalledAt < wt) continue;
      this.host.counters.reject('ERR_SERVER_WRITE_TIMEOUT');
      this.reset(s, H2Code.CANCEL);
      cut++;
    }
    if (cut > 0 && this.streams.size === 0 && !this.ended) {
      this.sendGoAway(H2Code.NO_ERROR, 'write timeout: response windows left shut');
      this.endSocket();
    }
  }

  // ---------------------------------------------------------------- stream id bookkeeping

  /** A stream id the client has not opened yet (RFC 9113 5.1: idle). */
  protected isIdle(streamId: number): boolean {
    return streamId > this.lastStreamId && !this.wasClosed(streamId);
  }

  protected remember(streamId: number, how: number): void {
    this.closed.add(streamId, how, this.batch);
  }

  /**
   * How a stream that is not open closed (ClosedHow; UNKNOWN when not remembered). A stream we
   * finished answering while the inbound chunk that carries this frame was being read counts as
   * half-closed (remote) still (HALF_CLOSED): the peer sent the frame before it could see our
   * END_STREAM, as a server that answers only after reading the whole chunk would see it.
   */
  protected howClosed(streamId: number): number {
    const how = this.closed.howClosed(streamId);
    return how === ClosedHow.ENDED && this.closed.closedIn(streamId) === this.batch ? ClosedHow.HALF_CLOSED : how;
  }

  protected resetByUs(streamId: number): boolean {
    return this.closed.resetByUs(streamId);
  }

  protected wasClosed(streamId: number): boolean {
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
