// h2c prior knowledge: a plain connection of a server with HTTP/2 on is HTTP/2 when its first
// bytes are the client preface. Decided once per connection, on as many bytes as that takes.
import { matchPreface } from '../http2/frame-reader.js';

/** Length of "PRI * HTTP/2.0", the start of the HTTP/2 client preface. */
const H2_REQUEST_LINE = 14;

export class PrefaceSniffer {
  /** The bytes so far, while they are a prefix of the preface. */
  private sniffed: Buffer | null = null;
  /** Set by feed() once decided: the connection speaks HTTP/2. */
  isH2 = false;

  /** Adds a chunk; null while undecided, else all the bytes so far (`chunk` itself when alone). */
  feed(chunk: Buffer): Buffer | null {
    const got = this.sniffed === null ? chunk : Buffer.concat([this.sniffed, chunk]);
    const m = matchPreface(got);
    if (m === 0) {
      this.sniffed = this.sniffed === null ? Buffer.from(chunk) : got;
      return null;
    }
    this.sniffed = null;
    // "PRI * HTTP/2.0" and then not the rest of the preface is a broken HTTP/2 client, not an
    // HTTP/1.1 request: served as HTTP/2, whose reader answers GOAWAY PROTOCOL_ERROR.
    this.isH2 = m === 1 || (got.length >= H2_REQUEST_LINE && matchPreface(got, 0, H2_REQUEST_LINE) === 0);
    return got;
  }

  /** The peer ended while undecided: the bytes so far (a prefix of the preface: not HTTP/2), or null. */
  end(): Buffer | null {
    const got = this.sniffed;
    this.sniffed = null;
    return got;
  }
}
