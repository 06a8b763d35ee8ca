// `ws:` flow steps (issue 18) in the load loop: each one a WebSocket session opened with the `ws`
// library — connect (ws:// or wss:// from the step's origin), send every message and wait for one
// reply to each (checked against `expect`), close — and recorded as one "request" of the step's
// name (latency: scheduled start → close) plus the ws histograms (connect time, each message's
// round trip, the session's messages per second).
//
// A session is not the request fast path: it costs a socket, a few closures and one timer, like
// a browser's. A scenario without ws steps never constructs this (the loop holds null) and never
// loads the `ws` module (it is imported when the first runner is made); HTTP steps of a scenario
// with ws steps do not pass here.
//
// Timeouts come from client.timeout: the handshake (TCP + TLS + upgrade) must finish within it,
// and so must every reply and the close handshake. What ends a step:
//   the close handshake after the last reply   → success (a close the peer never answers in time: success too, the socket is dropped)
//   no 101 (refused, status ≠ 101, timeout)    → ERR_WS_CONNECT
//   a reply that does not match its expect     → ERR_WS_EXPECT (the socket is closed)
//   a close, error or timeout before the last reply → ERR_WS_CLOSED
import type WebSocket from 'ws';
import { nowMs } from '../core/clock.js';
import { errorId } from '../core/errors.js';
import type { Recorder } from '../metrics/recorder.js';
import { renderTemplate, type CompiledRequest, type Scenario, type Template, type WsExpect } from '../scenario/index.js';
import type { PreparedRequest } from './prepared-request.js';
import type { TargetClients } from './target-clients.js';
import type { VirtualUser } from './virtual-user.js';

const WS_CONNECT = errorId('ERR_WS_CONNECT');
const WS_EXPECT = errorId('ERR_WS_EXPECT');
const WS_CLOSED = errorId('ERR_WS_CLOSED');
const INVALID_HEADER = errorId('ERR_HTTP_INVALID_HEADER');
/** Handshake fields the ws library writes itself (a scenario's own would break the upgrade). */
const OWN_FIELDS = new Set(['connection', 'upgrade', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'content-length', 'transfer-encoding']);
/** Largest reply accepted (a bigger one closes the session: ERR_WS_CLOSED). */
const MAX_REPLY = 16 * 1024 * 1024;

/** The ws library's client class, loaded with the first runner. */
let WsClient: typeof WebSocket | null = null;
let loading: Promise<void> | null = null;
function loadWs(): Promise<void> {
  return (loading ??= import('ws').then((m) => {
    WsClient = m.default;
  }));
}

/** What the loop does when a ws step ends (the step is already recorded). */
export interface WsStepHost {
  wsStepDone(u: VirtualUser, pr: PreparedRequest, failure: number, now: number): void;
}

interface WsSpec {
  /** "ws://host:port" or "wss://host:port". */
  readonly base: string;
  readonly headers: readonly (readonly [string, Template])[];
  readonly send: readonly Template[];
  readonly expect: readonly (WsExpect | undefined)[];
}

/** A rendered expect: the whole reply, or a part of it. */
interface Reply {
  readonly kind: WsExpect['kind'];
  readonly want: string;
}

const enum Phase {
  Connecting = 0,
  Messaging = 1,
  Closing = 2,
  Done = 3,
}

/** One step's session. */
class WsSession {
  phase = Phase.Connecting;
  ws: WebSocket | null = null;
  timer: NodeJS.Timeout | null = null;
  /** When the socket was asked for (connect time starts here). */
  startAt = 0;
  connectUs = -1;
  /** Index of the message awaiting its reply. */
  next = 0;
  sentAt = 0;
  firstSentAt = 0;
  lastReplyAt = 0;
  readonly rtt: Float64Array;
  replies = 0;
  sent = 0;
  bytesIn = 0;
  bytesOut = 0;
  failure = 0;

  constructor(
    readonly owner: WsSteps,
    readonly u: VirtualUser,
    readonly pr: PreparedRequest,
    readonly sends: readonly string[],
    readonly expects: readonly (Reply | undefined)[],
  ) {
    this.rtt = new Float64Array(sends.length);
  }
}

export class WsSteps {
  private readonly specs = new Map<string, WsSpec>();
  private readonly open = new Set<WsSession>();
  private readonly timeoutMs: number;
  private readonly insecure: boolean;

  /** The runner of a scenario's ws steps, or null when it has none (the loop then pays nothing). */
  static forScenario(s: Scenario, clients: TargetClients, recorder: Recorder, host: WsStepHost): WsSteps | null {
    const steps = [...s.flows, s.setup, s.teardown].flatMap((f) => f?.steps ?? []).filter((st) => st.ws !== undefined);
    if (steps.length === 0) return null;
    return new WsSteps(steps, s, clients, recorder, host);
  }

  private constructor(
    steps: readonly CompiledRequest[],
    s: Scenario,
    clients: TargetClients,
    private readonly recorder: Recorder,
    private readonly host: WsStepHost,
  ) {
    void loadWs();
    this.timeoutMs = s.client.timeoutMs > 0 ? s.client.timeoutMs : 0;
    this.insecure = s.client.insecure;
    for (const st of steps) {
      const origin = clients.groups[clients.groupOf(st.origin)]!.origin;
      const base = origin.replace(/^http(s?):/i, 'ws$1:').replace(/\/+$/, '');
      const headers = st.headers.filter(([n]) => !OWN_FIELDS.has(n.toLowerCase()));
      this.specs.set(st.name, { base, headers, send: st.ws!.send, expect: st.ws!.expect });
    }
  }

  /** Sessions still open. */
  get openCount(): number {
    return this.open.size;
  }

  /** Starts step `pr` for `u` (the loop has marked the user busy). Its end comes through the host, never synchronously. */
  start(u: VirtualUser, pr: PreparedRequest): void {
    const spec = this.specs.get(pr.name)!;
    const ctx = u.ctx;
    let url: string;
    const headers: Record<string, string> = {};
    const sends: string[] = [];
    const expects: (Reply | undefined)[] = [];
    try {
      url = spec.base + pr.targetFor(ctx);
      for (const [name, t] of spec.headers) headers[name] = renderTemplate(t, ctx);
      for (const t of spec.send) sends.push(renderTemplate(t, ctx));
      for (const e of spec.expect) expects.push(e === undefined ? undefined : { kind: e.kind, want: renderTemplate(e.text, ctx) });
    } catch {
      this.failSoon(u, pr, INVALID_HEADER);
      return;
    }
    const s = new WsSession(this, u, pr, sends, expects);
    this.open.add(s);
    if (WsClient !== null) this.connect(s, url, headers);
    else
      loadWs().then(
        () => {
          if (s.phase !== Phase.Done) this.connect(s, url, headers);
        },
        () => this.end(s, WS_CONNECT),
      );
  }

  private connect(s: WsSession, url: string, headers: Record<string, string>): void {
    let ws: WebSocket;
    s.startAt = nowMs();
    try {
      ws = new WsClient!(url, {
        headers,
        perMessageDeflate: false,
        maxPayload: MAX_REPLY,
        followRedirects: false,
        ...(this.timeoutMs > 0 ? { handshakeTimeout: this.timeoutMs } : {}),
        ...(url.startsWith('wss:') ? { rejectUnauthorized: !this.insecure } : {}),
      });
    } catch {
      // A URL or header the ws library refuses (rendered from data): counted like an unsendable request.
      this.open.delete(s);
      s.phase = Phase.Done;
      this.failSoon(s.u, s.pr, INVALID_HEADER);
      return;
    }
    s.ws = ws;
    ws.on('open', () => this.onOpen(s));
    ws.on('message', (data: Buffer, binary: boolean) => this.onMessage(s, data, binary));
    ws.on('error', () => this.end(s, s.phase === Phase.Connecting ? WS_CONNECT : WS_CLOSED));
    ws.on('close', () => this.end(s, s.phase === Phase.Connecting ? WS_CONNECT : s.phase === Phase.Closing ? 0 : WS_CLOSED));
  }

  /** Drops every open session (the run is over). */
  closeAll(): void {
    for (const s of this.open) {
      s.phase = Phase.Done;
      if (s.timer !== null) clearTimeout(s.timer);
      s.ws?.terminate();
    }
    this.open.clear();
  }

  private failSoon(u: VirtualUser, pr: PreparedRequest, failure: number): void {
    // Never synchronously: a bad row must not spin the loop through sendStep again and again.
    setImmediate(() => {
      const now = nowMs();
      if (u.measured) this.recorder.recordError(pr.index, failure);
      this.host.wsStepDone(u, pr, failure, now);
    });
  }

  private onOpen(s: WsSession): void {
    if (s.phase !== Phase.Connecting) return;
    const now = nowMs();
    s.connectUs = Math.round((now - s.startAt) * 1000);
    s.phase = Phase.Messaging;
    this.sendNext(s, now);
  }

  private sendNext(s: WsSession, now: number): void {
    if (s.next >= s.sends.length) {
      s.phase = Phase.Closing;
      this.arm(s);
      s.ws!.close(1000);
      return;
    }
    const text = s.sends[s.next]!;
    s.sentAt = now;
    if (s.next === 0) s.firstSentAt = now;
    s.sent++;
    s.bytesOut += Buffer.byteLength(text);
    this.arm(s);
    s.ws!.send(text);
  }

  private onMessage(s: WsSession, data: Buffer, _binary: boolean): void {
    if (s.phase !== Phase.Messaging) return; // unsolicited (after the last reply): ignored
    const now = nowMs();
    const i = s.next;
    s.rtt[i] = (now - s.sentAt) * 1000;
    s.replies++;
    s.lastReplyAt = now;
    s.bytesIn += data.length;
    const e = s.expects[i];
    if (e !== undefined) {
      const text = data.toString('utf8');
      if (e.kind === 'exact' ? text !== e.want : !text.includes(e.want)) {
        s.failure = WS_EXPECT;
        s.phase = Phase.Closing;
        this.arm(s);
        s.ws!.close(1000);
        return;
      }
    }
    s.next++;
    this.sendNext(s, now);
  }

  /** (Re)starts the session's timer: the reply or the close must come within client.timeout. */
  private arm(s: WsSession): void {
    if (this.timeoutMs === 0 || s.phase === Phase.Connecting) return; // the handshake has ws's own timeout
    if (s.timer !== null) {
      s.timer.refresh();
      return;
    }
    s.timer = setTimeout(() => {
      if (s.phase === Phase.Closing) {
        s.ws!.terminate(); // the close went unanswered: the step's replies all came
        this.end(s, 0);
      } else {
        s.ws!.terminate();
        this.end(s, WS_CLOSED);
      }
    }, this.timeoutMs);
  }

  /** The session is over: record it and hand the user back (once). */
  private end(s: WsSession, why: number): void {
    if (s.phase === Phase.Done) return;
    s.phase = Phase.Done;
    this.open.delete(s);
    if (s.timer !== null) clearTimeout(s.timer);
    const failure = s.failure !== 0 ? s.failure : why;
    const u = s.u;
    const pr = s.pr;
    const now = nowMs();
    if (u.measured) {
      const rec = this.recorder;
      const correctedUs = Math.round((now - u.scheduledAt) * 1000);
      if (s.connectUs < 0) {
        rec.recordError(pr.index, failure === 0 ? WS_CONNECT : failure, correctedUs, 0, 0);
      } else {
        rec.record(pr.index, correctedUs, Math.round((now - u.sentAt) * 1000), 101, s.bytesIn, s.bytesOut, failure);
      }
      const spanUs = s.replies > 0 ? (s.lastReplyAt - s.firstSentAt) * 1000 : 0;
      rec.recordWs(pr.index, s.connectUs, s.rtt, s.replies, s.sent, spanUs);
    }
    this.host.wsStepDone(u, pr, failure, now);
  }
}
