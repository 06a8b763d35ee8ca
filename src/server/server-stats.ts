// The server's counters: plain numbers and typed arrays bumped on the hot path, turned into a
// plain object only when someone asks (the /__stats route, tests, the shutdown log).
import { ERROR_ID_LIMIT, type ErrorCode, errorCodeOfId, errorId } from '../core/errors.js';
import { nowMs } from '../core/clock.js';

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
  /** This process's memory in bytes: now (process.memoryUsage()) and its peak RSS since start. */
  memory: { rss: number; peakRss: number; heapUsed: number; external: number; arrayBuffers: number };
  uptimeMs: number;
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
      memory: memory(),
      uptimeMs: Math.round(nowMs() - this.startedAt),
      pid: process.pid,
    };
  }
}

function memory(): ServerStats['memory'] {
  const m = process.memoryUsage();
  const peakRss = process.resourceUsage().maxRSS * 1024; // maxRSS is in KiB
  return { rss: m.rss, peakRss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}
