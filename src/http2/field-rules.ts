// HTTP/2 message rules on a decoded field list (RFC 9113 8.2, 8.3): what makes a request or
// response "malformed" — a stream error of type PROTOCOL_ERROR (8.1.1). Shared by client and server
// so both sides reject the same things. Checks run on the bytes; nothing is allocated unless a
// rule fails (then the H2Error is returned, not thrown: the caller resets the stream).
import { FrameType, H2Code } from './constants.js';
import { H2Error } from './h2-error.js';
import type { HeaderFields } from './header-fields.js';

// Lower-case tchar (RFC 9110 5.6.2) bytes allowed in an HTTP/2 field name.
const NAME_OK = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") NAME_OK[c.charCodeAt(0)] = 1;

const P_METHOD = 1;
const P_SCHEME = 2;
const P_AUTHORITY = 4;
const P_PATH = 8;
const P_PROTOCOL = 16;
const P_STATUS = 32;

function pseudoBit(fields: HeaderFields, i: number): number {
  if (fields.nameIs(i, ':method')) return P_METHOD;
  if (fields.nameIs(i, ':scheme')) return P_SCHEME;
  if (fields.nameIs(i, ':authority')) return P_AUTHORITY;
  if (fields.nameIs(i, ':path')) return P_PATH;
  if (fields.nameIs(i, ':protocol')) return P_PROTOCOL;
  if (fields.nameIs(i, ':status')) return P_STATUS;
  return 0;
}

function malformed(streamId: number, why: string): H2Error {
  return new H2Error(H2Code.PROTOCOL_ERROR, 'stream', `malformed message: ${why}`, { frameType: FrameType.HEADERS, streamId });
}

/** Checks names and values of field i (8.2.1); returns the reason or undefined. */
function fieldProblem(fields: HeaderFields, i: number): string | undefined {
  const d = fields.data;
  const p = i * 4;
  const ns = fields.pos[p]!;
  const ne = fields.pos[p + 1]!;
  const vs = fields.pos[p + 2]!;
  const ve = fields.pos[p + 3]!;
  if (ne === ns) return 'empty field name';
  for (let k = d[ns] === 0x3a ? ns + 1 : ns; k < ne; k++) {
    if (NAME_OK[d[k]!] === 0) return `invalid character 0x${d[k]!.toString(16)} in field name ${JSON.stringify(fields.name(i))}`;
  }
  for (let k = vs; k < ve; k++) {
    const c = d[k]!;
    if (c === 0 || c === 0x0a || c === 0x0d) return `NUL, CR or LF in the value of ${fields.name(i)}`;
  }
  if (ve > vs) {
    const a = d[vs]!;
    const z = d[ve - 1]!;
    if (a === 0x20 || a === 0x09 || z === 0x20 || z === 0x09) return `leading or trailing whitespace in the value of ${fields.name(i)}`;
  }
  return undefined;
}

/** Pseudo-headers seen by the last common() call (a module variable: no result object per call). */
let seen = 0;

/** Rules common to both directions: field syntax, pseudo-fields first and once, no connection-specific fields. */
function common(fields: HeaderFields, streamId: number, allowed: number, trailers: boolean): H2Error | undefined {
  seen = 0;
  let regular = false;
  for (let i = 0; i < fields.count; i++) {
    const why = fieldProblem(fields, i);
    if (why !== undefined) return malformed(streamId, why);
    if (fields.data[fields.pos[i * 4]!] === 0x3a) {
      if (trailers) return malformed(streamId, `pseudo-header ${fields.name(i)} in trailers`);
      if (regular) return malformed(streamId, `pseudo-header ${fields.name(i)} after a regular field`);
      const bit = pseudoBit(fields, i);
      if ((bit & allowed) === 0) return malformed(streamId, `pseudo-header ${fields.name(i)} not allowed here`);
      if ((seen & bit) !== 0) return malformed(streamId, `duplicate pseudo-header ${fields.name(i)}`);
      seen |= bit;
      continue;
    }
    regular = true;
    const nameLen = fields.pos[i * 4 + 1]! - fields.pos[i * 4]!;
    let bad = false;
    switch (nameLen) {
      case 2:
        if (fields.nameIs(i, 'te') && !(fields.pos[i * 4 + 3]! - fields.pos[i * 4 + 2]! === 8 && fields.value(i) === 'trailers')) {
          return malformed(streamId, 'TE other than "trailers"');
        }
        break;
      case 7: bad = fields.nameIs(i, 'upgrade'); break;
      case 10: bad = fields.nameIs(i, 'connection') || fields.nameIs(i, 'keep-alive'); break;
      case 16: bad = fields.nameIs(i, 'proxy-connection'); break;
      case 17: bad = fields.nameIs(i, 'transfer-encoding'); break;
      default: break;
    }
    if (bad) return malformed(streamId, `connection-specific field ${fields.name(i)}`);
  }
  return undefined;
}

/**
 * A request's header (or trailer) section per RFC 9113 8.3.1: :method, :scheme and a non-empty
 * :path exactly once (CONNECT: :method and :authority only, unless extended CONNECT with
 * :protocol), no response pseudo-headers. Returns the stream error, or undefined when well-formed.
 */
export function checkRequestFields(fields: HeaderFields, streamId: number, trailers = false): H2Error | undefined {
  const error = common(fields, streamId, P_METHOD | P_SCHEME | P_AUTHORITY | P_PATH | P_PROTOCOL, trailers);
  if (error !== undefined || trailers) return error;
  if ((seen & P_METHOD) === 0) return malformed(streamId, 'missing :method');
  const m = fields.indexOf(':method');
  const connect = fields.pos[m * 4 + 3]! - fields.pos[m * 4 + 2]! === 7 && fields.value(m) === 'CONNECT';
  if (connect && (seen & P_PROTOCOL) === 0) {
    if ((seen & (P_SCHEME | P_PATH)) !== 0) return malformed(streamId, 'CONNECT with :scheme or :path');
    if ((seen & P_AUTHORITY) === 0) return malformed(streamId, 'CONNECT without :authority');
    return undefined;
  }
  if ((seen & P_PROTOCOL) !== 0 && !connect) return malformed(streamId, ':protocol on a method other than CONNECT');
  if ((seen & P_SCHEME) === 0) return malformed(streamId, 'missing :scheme');
  if ((seen & P_PATH) === 0) return malformed(streamId, 'missing :path');
  const p = fields.indexOf(':path');
  if (fields.pos[p * 4 + 3] === fields.pos[p * 4 + 2]) return malformed(streamId, 'empty :path');
  return undefined;
}

/**
 * A response's header (or trailer) section per RFC 9113 8.3.2: exactly one :status of three
 * digits and no request pseudo-headers. Returns the stream error, or undefined when well-formed.
 */
export function checkResponseFields(fields: HeaderFields, streamId: number, trailers = false): H2Error | undefined {
  const error = common(fields, streamId, P_STATUS, trailers);
  if (error !== undefined || trailers) return error;
  if ((seen & P_STATUS) === 0) return malformed(streamId, 'missing :status');
  const i = fields.indexOf(':status');
  const v = fields.valueInt(i);
  if (v < 100 || v > 999 || fields.pos[i * 4 + 3]! - fields.pos[i * 4 + 2]! !== 3) return malformed(streamId, `invalid :status ${JSON.stringify(fields.value(i))}`);
  return undefined;
}
