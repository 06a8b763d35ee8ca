// Test helper: a raw TCP client that writes exact bytes and parses what comes back with our own
// ResponseParser, so tests see every response (interim ones included) and how the socket ended.
import net from 'node:net';
import { ResponseParser } from '../../../src/http/response-parser.js';
import type { ResponseHead } from '../../../src/http/message-head.js';
import { SKIP_BODY } from '../../../src/http/message-parser.js';

export interface RawResponse {
  status: number;
  headers: [string, string][];
  body: string;
  /** Lower-cased header lookup. */
  header(name: string): string | undefined;
}

export interface CloseInfo {
  /** The socket ended with an error (ECONNRESET: the server reset it). */
  error: string | undefined;
  /** Milliseconds from connect to close. */
  afterMs: number;
}

function toResponse(head: ResponseHead, body: string): RawResponse {
  const headers = head.headers.toArray();
  return {
    status: head.status,
    headers,
    body,
    header(name: string) {
      const n = name.toLowerCase();
      return headers.find(([k]) => k.toLowerCase() === n)?.[1];
    },
  };
}

export class RawClient {
  readonly socket: net.Socket;
  readonly responses: RawResponse[] = [];
  readonly interim: number[] = [];
  /** Methods of the requests sent, oldest unanswered first (HEAD answers have no body). */
  readonly methods: string[] = [];
  raw = '';
  parseError: Error | undefined;
  readonly closed: Promise<CloseInfo>;
  private readonly parser: ResponseParser;
  private body: Buffer[] = [];
  private waiters: (() => void)[] = [];
  private readonly start = Date.now();
  private isClosed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.parser = new ResponseParser(this);
    let error: string | undefined;
    socket.on('data', (chunk: Buffer) => {
      this.raw += chunk.toString('latin1');
      if (this.parseError) return;
      try {
        this.parser.execute(chunk);
      } catch (err) {
        this.parseError = err as Error;
      }
      this.wake();
    });
    socket.on('error', (err) => {
      error = (err as NodeJS.ErrnoException).code ?? err.message;
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.isClosed = true;
        try {
          this.parser.finish();
        } catch {
          /* cut short */
        }
        this.wake();
        resolve({ error, afterMs: Date.now() - this.start });
      });
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host);
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  // ResponseParser handler
  onHead(head: ResponseHead): number {
    this.body = [];
    return this.methods[this.responses.length] === 'HEAD' ? SKIP_BODY : 0;
  }
  onBody(buf: Buffer, start: number, end: number): void {
    this.body.push(Buffer.from(buf.subarray(start, end)));
  }
  onComplete(head: ResponseHead): void {
    this.responses.push(toResponse(head, Buffer.concat(this.body).toString('utf8')));
  }
  onInterim(head: ResponseHead): void {
    this.interim.push(head.status);
  }

  /** Writes bytes; `methods` lists the request methods in them (for HEAD handling). */
  write(data: string | Buffer, ...methods: string[]): void {
    this.methods.push(...methods);
    this.socket.write(data);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves once n responses arrived (or rejects after timeoutMs / on close with fewer). */
  async waitResponses(n: number, timeoutMs = 3000): Promise<RawResponse[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.responses.length < n) {
      if (this.isClosed) throw new Error(`closed after ${this.responses.length}/${n} responses; raw: ${JSON.stringify(this.raw.slice(0, 500))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out with ${this.responses.length}/${n} responses; raw: ${JSON.stringify(this.raw.slice(0, 500))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.responses.slice(0, n);
  }

  /** Resolves when the server closed the socket, or rejects after timeoutMs. */
  waitClose(timeoutMs = 3000): Promise<CloseInfo> {
    return Promise.race([
      this.closed,
      new Promise<CloseInfo>((_, reject) => setTimeout(() => reject(new Error('socket still open')), timeoutMs).unref()),
    ]);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** "GET / HTTP/1.1" with a Host header, plus extra header lines. */
export function get(target: string, ...headers: string[]): string {
  return `GET ${target} HTTP/1.1\r\nHost: t\r\n${headers.map((h) => h + '\r\n').join('')}\r\n`;
}
