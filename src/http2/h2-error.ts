// Typed HTTP/2 errors. Every violation the codec sees becomes an H2Error carrying the registry code
// for its RFC 9113 error kind, the scope the RFC prescribes (connection → GOAWAY, stream →
// RST_STREAM), the numeric RFC code to put on the wire, and where it happened (frame type,
// stream id, byte offset into the connection's inbound stream).
import { type ErrorCode, FastbenchError } from '../core/errors.js';
import { H2_CODE_NAMES, frameTypeName } from './constants.js';

export type H2Scope = 'connection' | 'stream';

/** Registry code for each RFC error code (index = numeric code). NO_ERROR has none. */
const REGISTRY_CODES: readonly (ErrorCode | '')[] = [
  '',
  'ERR_H2_PROTOCOL',
  'ERR_H2_INTERNAL',
  'ERR_H2_FLOW_CONTROL',
  'ERR_H2_SETTINGS_TIMEOUT',
  'ERR_H2_STREAM_CLOSED',
  'ERR_H2_FRAME_SIZE',
  'ERR_H2_REFUSED_STREAM',
  'ERR_H2_CANCEL',
  'ERR_H2_COMPRESSION',
  'ERR_H2_CONNECT',
  'ERR_H2_ENHANCE_YOUR_CALM',
  'ERR_H2_INADEQUATE_SECURITY',
  'ERR_H2_HTTP_1_1_REQUIRED',
];

/**
 * Registry code of an RFC 9113 error code. Unknown codes map to ERR_H2_INTERNAL (RFC 9113 7:
 * "Unknown or unsupported error codes ... MAY be treated as equivalent to INTERNAL_ERROR");
 * NO_ERROR has no registry code and yields undefined.
 */
export function registryCodeOf(h2Code: number): ErrorCode | undefined {
  if (h2Code === 0) return undefined;
  return REGISTRY_CODES[h2Code] || 'ERR_H2_INTERNAL';
}

/** RFC 9113 numeric code of a registry code (ERR_H2_PROTOCOL → 0x1); -1 when not an h2 code. */
export function h2CodeOf(registryCode: string): number {
  const i = (REGISTRY_CODES as readonly string[]).indexOf(registryCode);
  return i <= 0 ? -1 : i;
}

export function h2CodeName(h2Code: number): string {
  return H2_CODE_NAMES[h2Code] ?? `0x${h2Code.toString(16)}`;
}

export interface H2ErrorWhere {
  /** Frame type that carried the fault (-1: none, e.g. the preface or an API call). */
  frameType?: number;
  /** Stream the fault belongs to (0 = the connection). */
  streamId?: number;
  /** Byte offset into the connection's inbound byte stream (or into a header block). */
  offset?: number;
  /** True when the peer reported this code (RST_STREAM / GOAWAY), false when we detected it. */
  fromPeer?: boolean;
}

export class H2Error extends FastbenchError {
  /** The RFC 9113 error code to send in GOAWAY or RST_STREAM. */
  readonly h2Code: number;
  readonly scope: H2Scope;
  readonly frameType: number;
  readonly streamId: number;
  readonly fromPeer: boolean;

  constructor(h2Code: number, scope: H2Scope, message: string, where?: H2ErrorWhere) {
    const frameType = where?.frameType ?? -1;
    const streamId = where?.streamId ?? 0;
    const suffix = frameType >= 0 ? ` [${frameTypeName(frameType)} frame, stream ${streamId}]` : streamId !== 0 ? ` [stream ${streamId}]` : '';
    super(registryCodeOf(h2Code) ?? 'ERR_H2_INTERNAL', `${h2CodeName(h2Code)}: ${message}${suffix}`, where?.offset !== undefined ? { offset: where.offset } : undefined);
    this.name = 'H2Error';
    this.h2Code = h2Code;
    this.scope = scope;
    this.frameType = frameType;
    this.streamId = streamId;
    this.fromPeer = where?.fromPeer ?? false;
  }
}

/** A connection error (RFC 9113 5.4.1): answer with GOAWAY(h2Code) and close. */
export function connectionError(h2Code: number, message: string, frameType = -1, streamId = 0, offset?: number): H2Error {
  return new H2Error(h2Code, 'connection', message, { frameType, streamId, offset });
}

/** A stream error (RFC 9113 5.4.2): answer with RST_STREAM(h2Code); the connection lives on. */
export function streamError(h2Code: number, message: string, frameType: number, streamId: number, offset?: number): H2Error {
  return new H2Error(h2Code, 'stream', message, { frameType, streamId, offset });
}

export function isH2Error(e: unknown): e is H2Error {
  return e instanceof H2Error;
}
