// A minimal DevTools-protocol client for the headless-Chromium tests (the same one
// test/integration/server/h2-chromium.test.ts carries): Chromium started with
// --remote-debugging-pipe, so there is no debugging port, and a resolver rule that sends every name
// nowhere but the loopback address.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM = '/usr/bin/chromium';

export interface CdpEvent {
  method: string;
  params: any;
  sessionId?: string;
}

/** A minimal DevTools-protocol client over Chromium's fd 3 (our writes) / fd 4 (its writes), NUL-framed JSON. */
export class Cdp {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: any): void; reject(e: Error): void; method: string }>();
  private readonly waiters: { match(e: CdpEvent): boolean; resolve(e: CdpEvent): void }[] = [];
  readonly events: CdpEvent[] = [];
  private tail = '';

  constructor(
    private readonly out: Writable,
    input: Readable,
  ) {
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => {
      const parts = (this.tail + chunk).split('\0');
      this.tail = parts.pop()!;
      for (const p of parts) if (p) this.onMessage(JSON.parse(p));
    });
    input.on('error', () => {});
    out.on('error', () => {});
  }

  private onMessage(m: any): void {
    if (typeof m.id === 'number') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(`${p.method}: ${m.error.message}`));
      else p.resolve(m.result);
      return;
    }
    const e: CdpEvent = { method: m.method, params: m.params, sessionId: m.sessionId };
    this.events.push(e);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.match(e)) this.waiters.splice(i, 1)[0]!.resolve(e);
    }
  }

  send(method: string, params: object = {}, sessionId?: string): Promise<any> {
    const id = this.nextId++;
    this.out.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject, method }));
  }

  /** The first event (already seen or coming) that matches. */
  waitFor(match: (e: CdpEvent) => boolean): Promise<CdpEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}


/** Headless Chromium on a DevTools pipe, loopback only. */
export function launchChromium(profile: string): { browser: ChildProcess; cdp: Cdp; exit: Promise<void> } {
  const browser = spawn(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-extensions',
      '--disable-quic',
      '--no-proxy-server',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      `--user-data-dir=${profile}`,
      '--remote-debugging-pipe',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  browser.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exit = new Promise<void>((resolve) => browser.once('exit', () => resolve()));
  const cdp = new Cdp(browser.stdio[3] as Writable, browser.stdio[4] as Readable);
  void exit.then(() => cdp.failAll(new Error(`chromium exited; stderr tail: ${stderr}`)));
  return { browser, cdp, exit };
}
