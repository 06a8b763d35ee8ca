// The server's counters: plain numbers and typed arrays bumped on the hot path, turned into a
// plain object only when someone asks (the /__stats route, tests, the shutdown log).
import { ERROR_ID_LIMIT, type ErrorCode, errorCodeOfId, errorId } from '../core/errors.js';
import { nowMs } from '../core/clock.js';
import type { CapacityStats } from './capacity-gate.js';
import { H2_CODE_NAMES } from '../http2/constants.js';

export interface ServerStats {
  connections: {
    /** Connections being served now. */
    open: number;
    /** Connections accepted since start (rejected ones included). */
    total: number;
    /** Connections refused at accept (concurrency, per-IP limit, shutting down). */
    rejected: number;
    /** Keep-alive connections closed for idling past idleTimeout. */
    idleClosed: number;
    /** TLS connections accepted whose handshake has not finished yet (counted in `open`). */
    handshaking: number;
    /** Accept failures: connections dropped at accept for want of file descriptors, and accept() errors (EMFILE/ENFILE). */
    acceptErrors: number;
  };
  requests: number;
  bytesIn: number;
  bytesOut: number;
  /** Responses by status code. */
  responses: Record<string, number>;
  /** Rejections and failures by error code (ERR_SERVER_*, ERR_HTTP_* codec rejections). */
  rejections: Record<string, number>;
  /** Output backpressure (see docs/ARCHITECTURE.md, server memory bounds). */
  backpressure: {
    /** Times a connection stopped reading requests because its unsent output passed the high-water mark. */
    outputPauses: number;
    /** Times a streaming response waited for its connection's output to drain. */
    drainWaits: number;
    /** Times a connection that had filled a whole read yielded its turn to the others. */
    readYields: number;
  };
  /** HTTP/2 (h2 and h2c): connections and streams served, and the error codes we sent. */
  http2: {
    /** Connections that spoke HTTP/2 (prior-knowledge h2c or ALPN h2). */
    connections: number;
    /** Streams opened by clients (refused ones included). */
    streams: number;
    /** Streams refused past SETTINGS_MAX_CONCURRENT_STREAMS or after GOAWAY (RST_STREAM REFUSED_STREAM). */
    refusedStreams: number;
    /** GOAWAY frames we sent, by RFC 9113 error code name (NO_ERROR for graceful shutdown). */
    goaways: Record<string, number>;
    /** RST_STREAM frames we sent, by error code name. */
    resets: Record<string, number>;
    /** Requests answered 431 because their header list passed SETTINGS_MAX_HEADER_LIST_SIZE. */
    headerListTooLarge: number;
    /** Connections closed for a flood, by kind (each ends with GOAWAY ENHANCE_YOUR_CALM). */
    floods: { rapidReset: number; ping: number; settings: number; emptyData: number; windowUpdate: number; continuation: number };
  };
  /** This process's memory in bytes: now (process.memoryUsage()) and its peak RSS since start. */
  memory: { rss: number; peakRss: number; heapUsed: number; external: number; arrayBuffers: number };
  uptimeMs: number;
  /** issue 18: `serve --capacity`'s token bucket and queue (absent without it). */
  capacity?: CapacityStats;
  /** The process answering (tells prefork workers apart). */
  pid: number;
}

export class ServerCounters {
  open = 0;
  total = 0;
  rejected = 0;
  idleClosed = 0;
  handshaking = 0;
  acceptErrors = 0;
  requests = 0;
  bytesIn = 0;
  bytesOut = 0;
  outputPauses = 0;
  drainWaits = 0;
  /** A connection read a lot in one go and yielded its turn to the others (read-turns.ts). */
  readYields = 0;
  h2Connections = 0;
  h2Streams = 0;
  h2Refused = 0;
  h2HeaderListTooLarge = 0;
  /** Indexed by RFC 9113 error code (0..13; larger codes count at 14). */
  readonly h2GoAways = new Uint32Array(15);
  readonly h2Resets = new Uint32Array(15);
  /** Indexed by FloodKind (h2/flood-guard.ts). */
  readonly h2Floods = new Uint32Array(6);
  readonly byStatus = new Uint32Array(1000);
  readonly byError = new Uint32Array(ERROR_ID_LIMIT);
  private readonly startedAt = nowMs();

  /** Counts a rejection or failure by its registered error code. */
  reject(code: ErrorCode): void {
    this.byError[errorId(code)]!++;
  }

  rejections(code: ErrorCode): number {
    return this.byError[errorId(code)]!;
  }

  snapshot(): ServerStats {
    const responses: Record<string, number> = {};
    for (let s = 0; s < this.byStatus.length; s++) if (this.byStatus[s]! > 0) responses[String(s)] = this.byStatus[s]!;
    const rejections: Record<string, number> = {};
    for (let id = 1; id < this.byError.length; id++) if (this.byError[id]! > 0) rejections[errorCodeOfId(id)] = this.byError[id]!;
    return {
      connections: { open: this.open, total: this.total, rejected: this.rejected, idleClosed: this.idleClosed, handshaking: this.handshaking, acceptErrors: this.acceptErrors },
      requests: this.requests,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      responses,
      rejections,
      backpressure: { outputPauses: this.outputPauses, drainWaits: this.drainWaits, readYields: this.readYields },
      http2: {
        connections: this.h2Connections,
        streams: this.h2Streams,
        refusedStreams: this.h2Refused,
        goaways: byCode(this.h2GoAways),
        resets: byCode(this.h2Resets),
        headerListTooLarge: this.h2HeaderListTooLarge,
        floods: {
          rapidReset: this.h2Floods[0]!,
          ping: this.h2Floods[1]!,
          settings: this.h2Floods[2]!,
          emptyData: this.h2Floods[3]!,
          windowUpdate: this.h2Floods[4]!,
          continuation: this.h2Floods[5]!,
        },
      },
      memory: memory(),
      uptimeMs: Math.round(nowMs() - this.startedAt),
      pid: process.pid,
    };
  }
}


function byCode(a: Uint32Array): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < a.length; i++) if (a[i]! > 0) out[H2_CODE_NAMES[i] ?? 'OTHER'] = a[i]!;
  return out;
}

function memory(): ServerStats['memory'] {
  const m = process.memoryUsage();
  const peakRss = process.resourceUsage().maxRSS * 1024; // maxRSS is in KiB
  return { rss: m.rss, peakRss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}
