// /ws/echo — a WebSocket (RFC 6455) echo endpoint: every text or binary message is sent back as
// it came, pings are answered, and a close frame is answered with one before the socket ends.
//
// The handshake is checked here, on our own parsed request, so every refusal is an ordinary
// HTTP answer: no Upgrade → 426 (with `Upgrade: websocket`), a version other than 13 → 426 with
// `Sec-WebSocket-Version: 13` (RFC 6455 §4.2.2), a missing or malformed key or a Connection
// header without the upgrade token → 400. A good handshake takes the socket over from the
// connection (ServerResponse.upgrade) and gives it to the `ws` library, which writes the 101 and
// does the framing. Over HTTP/2 there is no Upgrade and RFC 8441's extended CONNECT is not
// offered: the route answers 426 there and clients fall back to HTTP/1.1.
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Router } from '../router.js';
import type { Handler, ServerRequest, ServerResponse } from '../types.js';
import { TEXT_HEADERS, badRequest } from './reply.js';

/** Largest message accepted (bigger ones close the session with 1009). */
export const WS_MAX_MESSAGE = 16 * 1024 * 1024;
const KEY = /^[+/0-9A-Za-z]{22}==$/;

const UPGRADE_REQUIRED: readonly string[] = Object.freeze([...TEXT_HEADERS, 'Upgrade', 'websocket']);
const VERSION_REQUIRED: readonly string[] = Object.freeze([...TEXT_HEADERS, 'Upgrade', 'websocket', 'Sec-WebSocket-Version', '13']);

export interface WebSocketStats {
  /** Sessions established (101 sent). */
  connections: number;
  /** Sessions open now. */
  open: number;
  /** Messages received (each one is echoed). */
  messages: number;
  /** Payload bytes received. */
  bytes: number;
  /** Handshakes answered with an HTTP error (426 or 400). */
  refused: number;
}

/** True when the comma-separated header value lists `token` (case-insensitive). */
function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  for (const part of value.split(',')) if (part.trim().toLowerCase() === token) return true;
  return false;
}

function noop(): void {}

export class WebSocketEcho {
  private readonly counts: WebSocketStats = { connections: 0, open: 0, messages: 0, bytes: 0, refused: 0 };
  private readonly wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: WS_MAX_MESSAGE });

  stats(): WebSocketStats {
    return { ...this.counts };
  }

  readonly handler: Handler = (req, res) => this.handshake(req, res);

  private refuse(res: ServerResponse, status: number, why: string, headers?: readonly string[]): void {
    this.counts.refused++;
    if (headers === undefined) badRequest(res, why);
    else res.send(status, `${status} ${why}\n`, headers);
  }

  private handshake(req: ServerRequest, res: ServerResponse): void {
    if (req.httpVersion === '2' || res.upgrade === undefined) {
      return this.refuse(res, 426, 'Upgrade Required: WebSocket needs HTTP/1.1 (RFC 8441 extended CONNECT is not offered)', TEXT_HEADERS);
    }
    const h = req.headers;
    const upgrade = h.get('upgrade');
    if (!hasToken(upgrade, 'websocket')) return this.refuse(res, 426, 'Upgrade Required: send Upgrade: websocket', UPGRADE_REQUIRED);
    const version = h.get('sec-websocket-version');
    if (version?.trim() !== '13') return this.refuse(res, 426, 'Upgrade Required: Sec-WebSocket-Version 13 only', VERSION_REQUIRED);
    const key = h.get('sec-websocket-key')?.trim();
    if (key === undefined || !KEY.test(key)) return this.refuse(res, 400, 'Sec-WebSocket-Key missing or not 16 bytes in base64');
    const connection = h.get('connection');
    if (!hasToken(connection, 'upgrade')) return this.refuse(res, 400, 'Connection header without the upgrade token');
    // Headers are views into the connection's buffer: copy what ws reads before returning.
    const headers: Record<string, string> = { upgrade: upgrade!, connection: connection!, 'sec-websocket-key': key, 'sec-websocket-version': '13' };
    const protocol = h.get('sec-websocket-protocol');
    if (protocol !== undefined) headers['sec-websocket-protocol'] = protocol;
    const reqLike = { method: 'GET', url: req.target, headers };
    const granted = res.upgrade((socket, head) => {
      let ws: WebSocket | null = null;
      // ws reads only method, url and headers of the request object.
      this.wss.handleUpgrade(reqLike as never, socket as Duplex, head, (w) => {
        ws = w;
        this.session(w);
      });
      return () => {
        if (ws !== null) ws.close(1001, 'server shutting down');
        else socket.destroy();
      };
    });
    if (!granted) this.refuse(res, 400, 'cannot upgrade now: earlier requests on this connection are unanswered, or it is closing');
  }

  private session(ws: WebSocket): void {
    const c = this.counts;
    c.connections++;
    c.open++;
    ws.on('error', noop); // protocol errors close the session; 'close' follows
    ws.on('close', () => c.open--);
    ws.on('message', (data, isBinary) => {
      c.messages++;
      const buf = data as Buffer; // binaryType 'nodebuffer', no fragments joined into arrays
      c.bytes += buf.length;
      ws.send(buf, { binary: isBinary });
    });
  }
}

export function registerWebSocket(router: Router, echo: WebSocketEcho): void {
  router.get('/ws/echo', echo.handler);
}
