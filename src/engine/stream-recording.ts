// Streamed responses in the load loop (issue 18). A request with `stream:` arms the user's
// StreamTimer on its Response before the send (the connections then hand it every body run);
// every other request leaves Response.stream null, which is all the hot path checks. On
// completion the timer's arrivals become the recorder's stream histograms, measured from the
// exchange's scheduled send time like latency (coordinated-omission corrected under the open model).
import { StreamMode, StreamTimer } from '../client/stream-timer.js';
import type { Response } from '../client/response.js';
import type { Recorder } from '../metrics/recorder.js';
import type { VirtualUser } from './virtual-user.js';

/** The scenario's `stream:` value as the timer's mode. */
export function streamModeOf(stream: 'chunks' | 'sse' | undefined): StreamMode {
  return stream === 'sse' ? StreamMode.Sse : stream === 'chunks' ? StreamMode.Chunks : StreamMode.Off;
}

/** The user's timer (made once per user), started for a new exchange. */
export function armStream(u: VirtualUser, mode: StreamMode): StreamTimer {
  const t = u.streamTimer ?? (u.streamTimer = new StreamTimer());
  t.begin(mode);
  return t;
}

/** Records a completed streamed exchange of request `index` (`now`: when the loop saw it complete). */
export function recordStream(rec: Recorder, index: number, u: VirtualUser, res: Response, now: number): void {
  const t = res.stream;
  if (t === null) return;
  const from = u.scheduledAt;
  const fb = res._firstByteAt;
  const ttfbUs = fb > 0 ? Math.round((fb - from) * 1000) : -1;
  if (t.count === 0) {
    rec.recordStream(index, ttfbUs, -1, 0, 0, t.times, 0, 0);
    return;
  }
  const end = res._endAt > 0 ? res._endAt : now;
  rec.recordStream(index, ttfbUs, Math.round((t.firstAt - from) * 1000), Math.round((end - t.firstAt) * 1000), t.count, t.times, t.kept, t.lastAt);
}
