// Where the time of one exchange went, in milliseconds. The phases follow each other and add up
// to `total`: connWait + dns + connect + tls + write + firstByte + body ≈ total (sub-ms rounding aside).
//
// The hot path only stamps a few instants (nowMs() values) on the Response; the durations are
// worked out once when the exchange ends (Timing.finish), so nothing is allocated per request.

export class Timing {
  /** nowMs() when the exchange was dispatched. */
  start = 0;
  /** Waiting for a connection (pool queue, dial backoff), dial phases excluded. */
  connWait = 0;
  /** Name resolution (0 on a reused connection or when connecting to an IP). */
  dns = 0;
  /** TCP connect (0 on a reused connection). */
  connect = 0;
  /** TLS handshake (0 on a reused connection or plain http). */
  tls = 0;
  /** Handing the request to the kernel (0 unless the socket was backed up). */
  write = 0;
  /** Request written → first byte of the response (server time + network). */
  firstByte = 0;
  /** First byte → last byte of the response. */
  body = 0;
  /** Dispatch → response complete (or failed). */
  total = 0;
  /** The exchange ran on a connection that had served requests before. */
  reused = false;

  reset(): void {
    this.start = 0;
    this.connWait = 0;
    this.dns = 0;
    this.connect = 0;
    this.tls = 0;
    this.write = 0;
    this.firstByte = 0;
    this.body = 0;
    this.total = 0;
    this.reused = false;
  }

  /**
   * Derives the durations from the instants of an exchange (0 = did not happen). `dial` holds
   * the connection's dns/connect/tls durations when this exchange paid for the dial.
   */
  finish(start: number, sentAt: number, writtenAt: number, firstByteAt: number, endAt: number, dns: number, connect: number, tls: number): void {
    this.start = start;
    this.total = endAt - start;
    this.dns = dns;
    this.connect = connect;
    this.tls = tls;
    if (sentAt === 0) {
      // Never sent: all of it was waiting (or dialing).
      const w = this.total - dns - connect - tls;
      this.connWait = w > 0 ? w : 0;
      this.write = this.firstByte = this.body = 0;
      return;
    }
    const w = sentAt - start - dns - connect - tls;
    this.connWait = w > 0 ? w : 0;
    const written = writtenAt !== 0 ? writtenAt : firstByteAt !== 0 ? firstByteAt : endAt;
    this.write = written - sentAt;
    if (firstByteAt === 0) {
      this.firstByte = endAt - written;
      this.body = 0;
    } else {
      this.firstByte = firstByteAt - written;
      this.body = endAt - firstByteAt;
    }
  }

  toJSON(): Record<string, number | boolean> {
    return {
      connWait: this.connWait,
      dns: this.dns,
      connect: this.connect,
      tls: this.tls,
      write: this.write,
      firstByte: this.firstByte,
      body: this.body,
      total: this.total,
      reused: this.reused,
    };
  }
}
