// The HTTP/2 frame writer: each function appends one frame (or a HEADERS + CONTINUATION run) to a
// caller's ByteWriter, so a batch of frames goes out in one socket write and nothing is allocated
// per frame. PrebuiltHeaders holds a static request's HEADERS frames encoded once; sending it
// copies the bytes and patches the stream id in place. While the connection's HpackEncoder owes a
// table size update (`encoder.pendingUpdate`), encode the next request with that encoder instead.
import { ByteWriter } from '../core/byte-writer.js';
import { CONNECTION_PREFACE, FRAME_HEADER_SIZE, Flag, FrameType, MIN_MAX_FRAME_SIZE } from './constants.js';
import { encodeStatelessBlock } from './hpack-encoder.js';
import type { SettingsList } from './settings.js';

export function writeFrameHeader(w: ByteWriter, length: number, type: number, flags: number, streamId: number): void {
  w.ensure(FRAME_HEADER_SIZE);
  const b = w.buf;
  const p = w.len;
  b[p] = (length >>> 16) & 0xff;
  b[p + 1] = (length >>> 8) & 0xff;
  b[p + 2] = length & 0xff;
  b[p + 3] = type;
  b[p + 4] = flags;
  b.writeUInt32BE(streamId & 0x7fffffff, p + 5);
  w.len = p + FRAME_HEADER_SIZE;
}

function u32(w: ByteWriter, v: number): void {
  w.ensure(4);
  w.buf.writeUInt32BE(v >>> 0, w.len);
  w.len += 4;
}

/** The client connection preface; follow it with writeSettings (RFC 9113 3.4). */
export function writePreface(w: ByteWriter): void {
  w.bytes(CONNECTION_PREFACE);
}

/** DATA (the caller keeps it within the peer's max frame size and the send windows). */
export function writeData(w: ByteWriter, streamId: number, data: Uint8Array, start: number, end: number, endStream: boolean, padLength = 0): void {
  const n = end - start;
  const padded = padLength > 0;
  writeFrameHeader(w, n + (padded ? padLength + 1 : 0), FrameType.DATA, (endStream ? Flag.END_STREAM : 0) | (padded ? Flag.PADDED : 0), streamId);
  if (padded) w.byte(padLength);
  w.bytes(data, start, end);
  if (padded) {
    w.ensure(padLength);
    w.buf.fill(0, w.len, w.len + padLength);
    w.len += padLength;
  }
}

/**
 * A header block as HEADERS plus as many CONTINUATION frames as maxFrameSize requires.
 * Optional padding and priority fields go into the HEADERS frame (tests, fuzzing, servers).
 */
export function writeHeaders(
  w: ByteWriter, streamId: number, block: Uint8Array, start: number, end: number, endStream: boolean,
  maxFrameSize = MIN_MAX_FRAME_SIZE, padLength = 0, priority?: { dependency: number; exclusive: boolean; weight: number },
): void {
  const extra = (padLength > 0 ? padLength + 1 : 0) + (priority !== undefined ? 5 : 0);
  const first = Math.min(end - start, maxFrameSize - extra);
  const done = start + first === end;
  let flags = (endStream ? Flag.END_STREAM : 0) | (done ? Flag.END_HEADERS : 0);
  if (padLength > 0) flags |= Flag.PADDED;
  if (priority !== undefined) flags |= Flag.PRIORITY;
  writeFrameHeader(w, first + extra, FrameType.HEADERS, flags, streamId);
  if (padLength > 0) w.byte(padLength);
  if (priority !== undefined) {
    u32(w, (priority.dependency & 0x7fffffff) | (priority.exclusive ? 0x80000000 : 0));
    w.byte(priority.weight - 1);
  }
  w.bytes(block, start, start + first);
  if (padLength > 0) {
    w.ensure(padLength);
    w.buf.fill(0, w.len, w.len + padLength);
    w.len += padLength;
  }
  let at = start + first;
  while (at < end) {
    const n = Math.min(end - at, maxFrameSize);
    writeFrameHeader(w, n, FrameType.CONTINUATION, at + n === end ? Flag.END_HEADERS : 0, streamId);
    w.bytes(block, at, at + n);
    at += n;
  }
}

export function writeContinuation(w: ByteWriter, streamId: number, block: Uint8Array, start: number, end: number, endHeaders: boolean): void {
  writeFrameHeader(w, end - start, FrameType.CONTINUATION, endHeaders ? Flag.END_HEADERS : 0, streamId);
  w.bytes(block, start, end);
}

export function writePriority(w: ByteWriter, streamId: number, dependency: number, exclusive: boolean, weight: number): void {
  writeFrameHeader(w, 5, FrameType.PRIORITY, 0, streamId);
  u32(w, (dependency & 0x7fffffff) | (exclusive ? 0x80000000 : 0));
  w.byte(weight - 1);
}

export function writeRstStream(w: ByteWriter, streamId: number, errorCode: number): void {
  writeFrameHeader(w, 4, FrameType.RST_STREAM, 0, streamId);
  u32(w, errorCode);
}

export function writeSettings(w: ByteWriter, settings: SettingsList): void {
  writeFrameHeader(w, settings.count * 6, FrameType.SETTINGS, 0, 0);
  w.ensure(settings.count * 6);
  const b = w.buf;
  let p = w.len;
  for (let i = 0; i < settings.count; i++) {
    b.writeUInt16BE(settings.ids[i]!, p);
    b.writeUInt32BE(settings.values[i]! >>> 0, p + 2);
    p += 6;
  }
  w.len = p;
}

export function writeSettingsAck(w: ByteWriter): void {
  writeFrameHeader(w, 0, FrameType.SETTINGS, Flag.ACK, 0);
}

/** PUSH_PROMISE (we never send one; here so tests and fuzzers can check that readers refuse it). */
export function writePushPromise(w: ByteWriter, streamId: number, promisedId: number, block: Uint8Array): void {
  writeFrameHeader(w, 4 + block.length, FrameType.PUSH_PROMISE, Flag.END_HEADERS, streamId);
  u32(w, promisedId & 0x7fffffff);
  w.bytes(block);
}

/** PING with 8 opaque bytes data[start, start+8) (an ACK echoes the peer's bytes). */
export function writePing(w: ByteWriter, ack: boolean, data: Uint8Array, start = 0): void {
  writeFrameHeader(w, 8, FrameType.PING, ack ? Flag.ACK : 0, 0);
  w.bytes(data, start, start + 8);
}

export function writeGoAway(w: ByteWriter, lastStreamId: number, errorCode: number, debug?: Uint8Array): void {
  const n = debug?.length ?? 0;
  writeFrameHeader(w, 8 + n, FrameType.GOAWAY, 0, 0);
  u32(w, lastStreamId & 0x7fffffff);
  u32(w, errorCode);
  if (debug !== undefined) w.bytes(debug);
}

export function writeWindowUpdate(w: ByteWriter, streamId: number, increment: number): void {
  writeFrameHeader(w, 4, FrameType.WINDOW_UPDATE, 0, streamId);
  u32(w, increment & 0x7fffffff);
}

/**
 * The HEADERS (+ CONTINUATION) frames of a request whose header block never changes, encoded once
 * with the static table only (valid on any connection, any stream) and split for the smallest
 * legal max frame size. writeTo() copies the frames and patches stream id and END_STREAM.
 */
export class PrebuiltHeaders {
  readonly frames: Buffer;
  readonly blockLength: number;
  /** Offsets of the stream-id fields of every frame in `frames`. */
  private readonly idAt: Int32Array;

  constructor(block: Uint8Array, maxFrameSize = MIN_MAX_FRAME_SIZE) {
    const w = new ByteWriter(block.length + FRAME_HEADER_SIZE * (2 + Math.ceil(block.length / maxFrameSize)));
    writeHeaders(w, 1, block, 0, block.length, false, maxFrameSize);
    this.frames = w.toBuffer();
    this.blockLength = block.length;
    const ids: number[] = [];
    for (let p = 0; p < this.frames.length;) {
      const len = (this.frames[p]! << 16) | (this.frames[p + 1]! << 8) | this.frames[p + 2]!;
      ids.push(p + 5);
      p += FRAME_HEADER_SIZE + len;
    }
    this.idAt = Int32Array.from(ids);
  }

  /** Encodes `fields` once (static table, no indexing) and prebuilds the frames. */
  static fromFields(fields: ReadonlyArray<readonly [string, string]>, huffman = true): PrebuiltHeaders {
    const w = new ByteWriter(256);
    encodeStatelessBlock(w, fields, huffman);
    return new PrebuiltHeaders(w.toBuffer());
  }

  /** Appends the frames for `streamId`; END_STREAM when the request has no body. */
  writeTo(w: ByteWriter, streamId: number, endStream: boolean): void {
    const at = w.len;
    w.bytes(this.frames);
    const b = w.buf;
    const ids = this.idAt;
    for (let i = 0; i < ids.length; i++) b.writeUInt32BE(streamId & 0x7fffffff, at + ids[i]!);
    if (endStream) b[at + 4] = b[at + 4]! | Flag.END_STREAM;
  }
}
