// What inbound HEADERS and DATA do to a client stream's Response. HPACK blocks are decoded by the
// connection into one reused HeaderFields and copied into the Response here (Response._setFields:
// pseudo-headers left out), trailers the same way, 1xx heads as interim responses; DATA is checked
// against the stream's receive window, the request (HEAD) and status (204, 304) and the body size
// limit; END_STREAM checks content-length against the content received. Each function returns the
// stream error to reset the stream with (code: resetCodeOf), or null when all is well — no
// allocation on that path.
import { FastbenchError } from '../../core/errors.js';
import { H2Code } from '../../http2/constants.js';
import { checkResponseFields } from '../../http2/field-rules.js';
import { H2Error } from '../../http2/h2-error.js';
import type { HeaderFields } from '../../http2/header-fields.js';
import type { H2Stream } from './stream-table.js';

/** The RST_STREAM code for a stream error: the H2Error's own, CANCEL for our limits. */
export function resetCodeOf(err: FastbenchError): number {
  return err instanceof H2Error ? err.h2Code : H2Code.CANCEL;
}

/**
 * A decoded header block on stream `st`: the response head (or a 1xx), or trailers. `at` is the
 * read's time; `maxListSize` is the decoder's header list limit (for the message).
 */
export function applyHeaderBlock(st: H2Stream, f: HeaderFields, endStream: boolean, at: number, maxListSize: number): FastbenchError | null {
  const res = st.res!;
  const sid = st.id;
  if (f.tooLarge) {
    return new FastbenchError('ERR_HTTP_HEADERS_TOO_LARGE', `response header list on stream ${sid} exceeds ${maxListSize} bytes`, { phase: 'headers' });
  }
  if (res._firstByteAt === 0) res._firstByteAt = at;
  if (!st.gotHead) {
    const bad = checkResponseFields(f, sid);
    if (bad !== undefined) return bad;
    const status = f.valueInt(f.indexOf(':status'));
    if (status < 200) {
      if (endStream) return new H2Error(H2Code.PROTOCOL_ERROR, 'stream', `informational response ${status} ends the stream`, { streamId: sid });
      if (status !== 101) res.interim.push({ status, reason: '', headers: f.toPairs().filter((p) => !p[0].startsWith(':')) });
      return null;
    }
    st.gotHead = true;
    res._headAt = at;
    res._setFields(f, status, false);
  } else {
    if (!endStream) return new H2Error(H2Code.PROTOCOL_ERROR, 'stream', 'a second header block that does not end the stream (trailers must)', { streamId: sid });
    const bad = checkResponseFields(f, sid, true);
    if (bad !== undefined) return bad;
    res._setFields(f, 0, true);
  }
  return null;
}

/**
 * DATA on stream `st` (content buf[start, end), `flowLength` counted against its receive window),
 * read at `at` (nowMs(): the stream timer's arrival time, when the response has one).
 */
export function applyData(st: H2Stream, buf: Buffer, start: number, end: number, flowLength: number, maxBody: number, at = 0): FastbenchError | null {
  const res = st.res!;
  const sid = st.id;
  if (!st.gotHead) return new H2Error(H2Code.PROTOCOL_ERROR, 'stream', `DATA before the response head on stream ${sid}`, { streamId: sid });
  if (flowLength > st.recv.available) {
    return new H2Error(H2Code.FLOW_CONTROL_ERROR, 'stream', `peer sent ${flowLength} bytes on stream ${sid} with only ${st.recv.available} left in its window`, { streamId: sid });
  }
  st.recv.receive(flowLength);
  if (end > start) {
    if (st.isHead || res.status === 204 || res.status === 304) {
      return new H2Error(H2Code.PROTOCOL_ERROR, 'stream', `response content on stream ${sid} where none is allowed (HEAD, 204, 304)`, { streamId: sid });
    }
    if (res.bodyLength + (end - start) > maxBody) {
      return new FastbenchError('ERR_HTTP_BODY_TOO_LARGE', `response body on stream ${sid} exceeds the limit of ${maxBody} bytes`, { phase: 'body' });
    }
    res._appendBody(buf, start, end);
    if (res.stream !== null) res.stream.onBody(buf, start, end, at);
  }
  return null;
}

/** The response on `st` ended (END_STREAM): content-length must match the content received. */
export function completionError(st: H2Stream): FastbenchError | null {
  const res = st.res!;
  const cl = res.contentLength;
  if (cl >= 0 && !st.isHead && res.status !== 204 && res.status !== 304 && cl !== res.bodyLength) {
    return new H2Error(H2Code.PROTOCOL_ERROR, 'stream', `content-length ${cl} but ${res.bodyLength} bytes of content on stream ${st.id}`, { streamId: st.id });
  }
  return null;
}
