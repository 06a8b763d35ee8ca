// Per-stream deadlines of a client HTTP/2 connection, checked by the pool's sweep (no timers per
// request): the request deadline, writeTimeout while the request is still going out (HEADERS not
// flushed, or a body waiting for window), readTimeout once it is all written.
import type { FastbenchError } from '../../core/errors.js';
import { Phase, timeoutError } from '../client-errors.js';
import type { ResolvedOrigin } from '../client-options.js';
import type { H2Stream } from './stream-table.js';

/** The phase a stream in flight is in; `writePending`: the socket had not flushed our last write. */
export function streamPhase(st: H2Stream, writePending: boolean): Phase {
  const res = st.res!;
  if (res._writtenAt === 0 && (writePending || st.body !== null)) return Phase.Write;
  return st.gotHead ? Phase.Body : Phase.Headers;
}

/** The timeout error of a stream in flight at `now`, or null while it has time left. */
export function streamExpiry(st: H2Stream, o: ResolvedOrigin, writePending: boolean, now: number): FastbenchError | null {
  const res = st.res!;
  const phase = streamPhase(st, writePending);
  if (now >= res._deadline) return timeoutError(phase, 'request deadline');
  if (phase === Phase.Write) {
    if (o.writeTimeout > 0 && now - res._sentAt >= o.writeTimeout) return timeoutError(phase, `writeTimeout of ${o.writeTimeout} ms`);
  } else if (o.readTimeout > 0 && res._writtenAt !== 0 && now - res._writtenAt >= o.readTimeout) {
    return timeoutError(phase, `readTimeout of ${o.readTimeout} ms`);
  }
  return null;
}
