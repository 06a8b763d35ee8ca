// Test helper: a small dispatcher so the server core is tested apart from the real routes.
import type { RequestDispatcher, ServerRequest, ServerResponse } from '../../../src/server/types.js';

const TEXT = Object.freeze(['Content-Type', 'text/plain']);

export interface StubApp extends RequestDispatcher {
  /** Responses parked by /hold, answered by release(). */
  held: ServerResponse[];
  release(): void;
}

function param(req: ServerRequest, name: string): string | undefined {
  for (const kv of req.query.split('&')) {
    const [k, v] = kv.split('=');
    if (k === name) return v ?? '';
  }
  return undefined;
}

export function stubApp(): StubApp {
  const held: ServerResponse[] = [];
  return {
    held,
    release() {
      for (const res of held.splice(0)) res.send(200, 'released', TEXT);
    },
    dispatch(req, res) {
      switch (req.path) {
        case '/plain':
          res.send(200, 'Hello, World!', TEXT);
          return;
        case '/late': {
          const ms = Number(param(req, 'ms') ?? 50);
          const target = req.target;
          setTimeout(() => res.send(200, `late:${target}`, TEXT), ms);
          return;
        }
        case '/echo': {
          const ua = req.headers.get('x-test') ?? '';
          res.send(200, `${req.method} ${req.target} ${req.httpVersion} seq=${req.seq} x-test=${ua} body=${req.body.toString()}`, TEXT);
          return;
        }
        case '/late-echo': {
          const body = req.body; // owned: safe to keep past the handler
          setTimeout(() => res.send(200, `late body=${body.toString()}`, TEXT), 40);
          return;
        }
        case '/stream':
          res.begin(200, TEXT);
          res.write('one,');
          res.write(Buffer.from('two,'));
          res.end([['X-Trailer', 'done']]);
          return;
        case '/late-stream':
          res.begin(200, TEXT);
          res.write('a');
          setTimeout(() => {
            res.write('b');
            res.end();
          }, 30);
          return;
        case '/length-stream':
          res.begin(200, TEXT, 6);
          res.write('abc');
          res.write('def');
          res.end();
          return;
        case '/throw':
          throw new Error('boom');
        case '/hold':
          held.push(res);
          return;
        case '/close':
          res.begin(200, TEXT);
          res.write('partial');
          res.close();
          return;
        case '/set-close':
          res.setClose();
          res.send(200, 'bye', TEXT);
          return;
        case '/raw':
          res.sendRaw(Buffer.from('HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nraw'));
          return;
        case '/big':
          res.send(200, Buffer.alloc(Number(param(req, 'n') ?? 1 << 20), 0x61), TEXT);
          return;
        case '/empty':
          res.send(204);
          return;
        default:
          res.send(404, 'not found', TEXT);
      }
    },
  };
}
