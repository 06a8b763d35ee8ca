// WebSocket step metrics (issue 18) of one step name, or of all: three HDR histograms and three
// counters, created only when a `ws:` flow step completes (a run without one never allocates them).
//   connect   start of the step → the 101 (TCP + TLS + upgrade handshake), µs
//   rtt       a message sent → the reply it waited for, µs (one sample per send)
//   rate      replies per second of each session with at least one (replies / time from the first
//             send to the last reply), stored ×1000 (milli-messages/s) so that the ms conversion
//             every reader applies (value / 1000) gives messages/s.
import { type EncodedHistogram, encodeHistogram, mergeEncodedHistograms } from './encoded-histogram.js';
import { LatencyHistogram } from './histogram.js';

/** The metrics as thresholds spell them. */
export const WS_METRICS = ['ws_connect', 'ws_rtt', 'ws_messages/s'] as const;
export type WsMetric = (typeof WS_METRICS)[number];

export interface WsSnapshot {
  /** Sessions that reached the 101 (connected). */
  sessions: number;
  /** Messages sent. */
  sent: number;
  /** Replies received. */
  received: number;
  connect: EncodedHistogram;
  rtt: EncodedHistogram;
  /** milli-messages per second. */
  rate: EncodedHistogram;
}

export class WsHistograms {
  readonly connect = LatencyHistogram.create();
  readonly rtt = LatencyHistogram.create();
  readonly rate = LatencyHistogram.create();
  sessions = 0;
  sent = 0;
  received = 0;

  reset(): void {
    this.connect.reset();
    this.rtt.reset();
    this.rate.reset();
    this.sessions = 0;
    this.sent = 0;
    this.received = 0;
  }

  toSnapshot(): WsSnapshot {
    return {
      sessions: this.sessions,
      sent: this.sent,
      received: this.received,
      connect: encodeHistogram(this.connect),
      rtt: encodeHistogram(this.rtt),
      rate: encodeHistogram(this.rate),
    };
  }
}

/** The histogram of a snapshot that a threshold metric reads. */
export function wsHistogramOf(s: WsSnapshot, metric: WsMetric): EncodedHistogram {
  switch (metric) {
    case 'ws_connect':
      return s.connect;
    case 'ws_rtt':
      return s.rtt;
    case 'ws_messages/s':
      return s.rate;
  }
}

/** Adds ws snapshots (lossless); undefined when none of them has one. */
export function mergeWsSnapshots(list: readonly (WsSnapshot | undefined)[]): WsSnapshot | undefined {
  const present = list.filter((s): s is WsSnapshot => s !== undefined);
  if (present.length === 0) return undefined;
  const merge = (pick: (s: WsSnapshot) => EncodedHistogram): EncodedHistogram => encodeHistogram(mergeEncodedHistograms(present.map(pick)));
  return {
    sessions: present.reduce((a, s) => a + s.sessions, 0),
    sent: present.reduce((a, s) => a + s.sent, 0),
    received: present.reduce((a, s) => a + s.received, 0),
    connect: merge((s) => s.connect),
    rtt: merge((s) => s.rtt),
    rate: merge((s) => s.rate),
  };
}
