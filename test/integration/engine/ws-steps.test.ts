// `ws:` flow steps (issue 18) end to end: the engine against the bundled server's /ws/echo, and
// against ws-library servers that misbehave (close mid-step, never answer), each failure typed.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { runScenario } from '../../../src/engine/index.js';
import { WsSteps } from '../../../src/engine/ws-step.js';
import { createServer } from '../../../src/server/server.js';
import { makeSelfSignedCertificate } from '../../../src/server/tls-cert.js';
import type { FastbenchServer } from '../../../src/server/server.js';
import { scenario, startBundled } from './helpers.js';

let url = '';
let server: FastbenchServer;

beforeAll(async () => {
  const s = await startBundled();
  url = s.url;
  server = s.server;
});
afterAll(async () => {
  await server.close(200);
});

function flow(target: string, steps: string, extra = ''): string {
  return `name: ws
target: ${target}
client: { timeout: 2s }
load:
  - connections: 2
    iterations: 6
flows:
  - steps:
${steps}${extra}`;
}

async function wsServer(onMessage: (ws: import('ws').WebSocket) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (ws) => ws.on('message', () => onMessage(ws)));
  return {
    url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

describe('ws flow steps', () => {
  it('echo: every session connects, each message gets its reply, the step then closes', async () => {
    const r = await runScenario(
      scenario(
        flow(
          url,
          '      - { name: chat, ws: { path: /ws/echo, send: [a, "n{{seq}}", c], expect: [a, { contains: n }, c] } }\n' +
            '      - { name: after, path: /plaintext }\n',
        ),
      ),
    );
    expect(r.summary.errors).toBe(0);
    const chat = r.requests.find((q) => q.name === 'chat')!;
    const after = r.requests.find((q) => q.name === 'after')!;
    expect(chat.requests).toBe(6);
    expect(after.requests).toBe(6); // the iteration went on after the ws step
    expect(chat.statusCounts).toEqual({ '101': 6 });
    expect(chat.ws).toMatchObject({ sessions: 6, sent: 18, received: 18 });
    expect(chat.ws!.connectMs.count).toBe(6);
    expect(chat.ws!.rttMs.count).toBe(18);
    expect(chat.ws!.messagesPerSecond.count).toBe(6);
    // The step's latency is the whole session: at least its connect plus its round trips.
    expect(chat.latencyMs.min).toBeGreaterThanOrEqual(chat.ws!.connectMs.min);
    expect(after.ws).toBeUndefined();
  });

  it('an https target is wss:// (client.insecure accepts the self-signed certificate)', async () => {
    const tls = makeSelfSignedCertificate();
    const secure = createServer({ port: 0, quiet: true, tls: { cert: tls.cert, key: tls.key } });
    const info = await secure.listen();
    try {
      const yaml = flow(info.url, '      - { name: chat, ws: { path: /ws/echo, send: [x, y], expect: [x, y] } }\n').replace('timeout: 2s', 'timeout: 2s, insecure: true');
      const r = await runScenario(scenario(yaml));
      expect(r.summary.errors).toBe(0);
      expect(r.requests[0]!.ws).toMatchObject({ sessions: 6, sent: 12, received: 12 });
    } finally {
      await secure.close(200);
    }
  });

  it('a reply that does not match is ERR_WS_EXPECT and ends the iteration', async () => {
    const r = await runScenario(
      scenario(flow(url, '      - { name: chat, ws: { path: /ws/echo, send: [a, b], expect: [a, x] } }\n      - { name: after, path: /plaintext }\n')),
    );
    const chat = r.requests.find((q) => q.name === 'chat')!;
    expect(chat.errorsByCode).toEqual({ ERR_WS_EXPECT: 6 });
    expect(chat.ws).toMatchObject({ sessions: 6, sent: 12, received: 12 });
    expect(r.requests.find((q) => q.name === 'after')!.requests).toBe(0);
  });

  it('a path that does not upgrade is ERR_WS_CONNECT (no session, no connect sample)', async () => {
    const r = await runScenario(scenario(flow(url, '      - { name: chat, ws: { path: /plaintext, send: a } }\n')));
    const chat = r.requests.find((q) => q.name === 'chat')!;
    expect(chat.errorsByCode).toEqual({ ERR_WS_CONNECT: 6 });
    expect(chat.ws?.sessions ?? 0).toBe(0);
  });

  it('a peer that closes mid-step, or never answers within client.timeout, is ERR_WS_CLOSED', async () => {
    const closer = await wsServer((ws) => ws.close(1011));
    const silent = await wsServer(() => {});
    try {
      const a = await runScenario(scenario(flow(closer.url, '      - { name: chat, ws: { path: /, send: [a, b] } }\n')));
      expect(a.requests[0]!.errorsByCode).toEqual({ ERR_WS_CLOSED: 6 });
      expect(a.requests[0]!.ws).toMatchObject({ sessions: 6, sent: 6, received: 0 });
      // The silent peer: each session ends at the timeout (those the run's drain cut short are abandoned, not counted).
      const b = await runScenario(scenario(flow(silent.url, '      - { name: chat, ws: { path: /, send: a } }\n').replace('timeout: 2s', 'timeout: 200ms')));
      const chat = b.requests[0]!;
      expect(Object.keys(chat.errorsByCode)).toEqual(['ERR_WS_CLOSED']);
      expect(chat.errors).toBe(chat.requests);
      expect(chat.requests).toBeGreaterThan(0);
      expect(chat.ws!.received).toBe(0);
    } finally {
      await closer.close();
      await silent.close();
    }
  });

  it('docs/SCENARIOS.md\'s WebSocket example runs as written (against the bundled server, shortened)', async () => {
    const doc = readFileSync(new URL('../../../docs/SCENARIOS.md', import.meta.url), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf('### WebSocket')))![1]!;
    const r = await runScenario(scenario(yaml.replace('target: builtin', `target: ${url}`).replace('duration: 2s', 'iterations: 4').replace('think: 500ms', 'think: 10ms')));
    expect(r.summary.errors).toBe(0);
    expect(r.requests.map((q) => [q.name, q.requests])).toEqual([['login', 4], ['echo', 4], ['ping', 4]]);
    expect(r.requests[1]!.ws).toMatchObject({ sessions: 4, sent: 8, received: 8 });
  });

  it('a scenario without ws steps has no ws runner (the loop holds null)', () => {
    const s = scenario(flow(url, '      - { path: /plaintext }\n'));
    expect(WsSteps.forScenario(s, {} as never, {} as never, {} as never)).toBeNull();
  });
});
