// Headless Chromium driven over the DevTools protocol on a pipe, for the tests that need a real
// browser. --remote-debugging-pipe: Chromium reads commands on its fd 3 and writes answers and
// events on fd 4 as NUL-framed JSON — no debugging port. The launch flags keep it on loopback:
// no proxy, no QUIC, no background or component traffic, and every host name resolving nowhere
// except 127.0.0.1, so pages only reach the loopback address in their URL. Each browser gets its
// own temporary profile, removed by close(); close() asks Browser.close, then SIGKILLs a browser
// that does not exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM = '/usr/bin/chromium';

/** Whether Chromium is installed; when not, prints why `test` is skipped (CI installs it: .ci/run). */
export function haveChromium(test: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  process.stdout.write(`skipped: ${test} needs ${CHROMIUM} (not installed; apt-get install chromium, CI installs it)\n`);
  return false;
}

/** Flags for a quiet, loopback-only headless browser. */
const LOOPBACK_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-extensions', '--disable-quic',
  '--no-proxy-server',
  // every name resolves nowhere: pages only talk to the loopback address in their URL
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

/** Bounds `p`: rejects with "`what`: no answer within `ms` ms" when it has not settled by then. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

export interface CdpEvent {
  method: string;
  params: any;
  sessionId?: string;
}

/** A minimal DevTools-protocol client over the pipe: commands, their answers, and every event kept. */
export class Cdp {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: any): void; reject(e: Error): void; method: string }>();
  private readonly waiters: { match(e: CdpEvent): boolean; resolve(e: CdpEvent): void }[] = [];
  /** Every event received, in order (a test filters them by sessionId). */
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

  /** Sends a command (to a target's session when `sessionId` is given); its result, within `timeoutMs`. */
  send(method: string, params: object = {}, sessionId?: string, timeoutMs = 20_000): Promise<any> {
    const id = this.nextId++;
    this.out.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    return within(new Promise((resolve, reject) => this.pending.set(id, { resolve, reject, method })), timeoutMs, method);
  }

  /** The first event (already received or still to come) that matches, within `timeoutMs`. */
  waitFor(match: (e: CdpEvent) => boolean, what: string, timeoutMs = 20_000): Promise<CdpEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return within(new Promise((resolve) => this.waiters.push({ match, resolve })), timeoutMs, what);
  }

  /** Rejects every command still waiting for its answer (the browser went away). */
  failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

export interface Chromium {
  readonly cdp: Cdp;
  readonly process: ChildProcess;
  /** Closes the browser (Browser.close, SIGKILL if it does not exit) and removes its profile. */
  close(): Promise<void>;
}

/** Starts headless Chromium on about:blank with the loopback-only flags plus `extraArgs`. */
export function launchChromium(extraArgs: readonly string[] = []): Chromium {
  const profile = mkdtempSync(join(tmpdir(), 'fastbench-chromium-'));
  const child = spawn(CHROMIUM, [...LOOPBACK_FLAGS, ...extraArgs, `--user-data-dir=${profile}`, '--remote-debugging-pipe', 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (e) => {
      stderr += `\n${e.message}`; // could not be started
      resolve();
    });
  });
  const cdp = new Cdp(child.stdio[3] as Writable, child.stdio[4] as Readable);
  void exited.then(() => cdp.failAll(new Error(`chromium exited; stderr tail: ${stderr}`)));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      await cdp.send('Browser.close', {}, undefined, 5000).catch(() => {});
      await within(exited, 5000, 'chromium exit').catch(() => child.kill('SIGKILL'));
      await within(exited, 5000, 'chromium exit after SIGKILL').catch(() => {});
    }
    rmSync(profile, { recursive: true, force: true });
  };
  return { cdp, process: child, close };
}
