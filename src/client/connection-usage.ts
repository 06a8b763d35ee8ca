// What a pool's connections were, for reports: how many were opened per protocol (the ALPN id:
// 'http/1.1', 'h2') and the most exchanges one of them ever had in flight at once — for HTTP/2 the
// streams per connection actually reached, which is the configured cap (-p / pipelining) or less
// when the server's SETTINGS_MAX_CONCURRENT_STREAMS or the load kept it lower. Connections update
// their protocol's record themselves (one compare per send).

/** One protocol's connections. */
export interface ProtocolUsage {
  /** Connections opened. */
  connections: number;
  /** Most exchanges (HTTP/2: streams) in flight on one connection at once, as observed. */
  maxInFlightPerConnection: number;
}

export class ConnectionUsage {
  readonly byProtocol = new Map<string, ProtocolUsage>();

  /** The record of `protocol` (made on first use). */
  of(protocol: string): ProtocolUsage {
    let u = this.byProtocol.get(protocol);
    if (u === undefined) {
      u = { connections: 0, maxInFlightPerConnection: 0 };
      this.byProtocol.set(protocol, u);
    }
    return u;
  }

  /** Adds `other`'s records into `into` (connections summed, the peak the larger one). */
  static merge(into: Record<string, ProtocolUsage>, other: Iterable<[string, ProtocolUsage]>): Record<string, ProtocolUsage> {
    for (const [p, u] of other) {
      const t = (into[p] ??= { connections: 0, maxInFlightPerConnection: 0 });
      t.connections += u.connections;
      if (u.maxInFlightPerConnection > t.maxInFlightPerConnection) t.maxInFlightPerConnection = u.maxInFlightPerConnection;
    }
    return into;
  }
}
