// How a run is stopped from outside: SIGINT (Ctrl-C, `kill -INT`) and SIGTERM (a CI job's timeout,
// timeout(1), `kubectl delete`, `docker stop`) — one policy for every command that runs load.
//
//   1st signal                 stop: no new sends, a short grace for requests in flight, then the
//                              partial result is printed and written as usual.
//   more within COALESCE_MS    the same stop (ignored). timeout(1) signals the command and then its
//                              whole process group, and a terminal's Ctrl-C reaches every process
//                              of the foreground group: one intent arrives as two or three signals.
//   a later one                quit now: requests in flight are abandoned, and what the run has is
//                              still printed and written — synchronously if it is being written.
//   a later one still          exit at once, writing nothing more.
//
// The process exits 128 + the first signal's number (130 SIGINT, 143 SIGTERM) after a stop, as a
// shell expects of a command a signal ended — also when the stop was graceful.
import { constants } from 'node:os';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** Signals closer than this to the first one are the same request to stop. */
export const COALESCE_MS = 1000;

export type StopAction = 'stop' | 'ignore' | 'quit' | 'exit';

/** 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 15);
}

/**
 * The policy above as a pure state machine (tests drive it with their own clock): what to do with
 * a signal received at `nowMs`.
 */
export class StopPolicy {
  private first: { signal: NodeJS.Signals; at: number } | undefined;
  private quitAt: number | undefined;

  constructor(private readonly coalesceMs = COALESCE_MS) {}

  /** The first signal received, if any. */
  get signal(): NodeJS.Signals | undefined {
    return this.first?.signal;
  }

  receive(signal: NodeJS.Signals, nowMs: number): StopAction {
    if (this.first === undefined) {
      this.first = { signal, at: nowMs };
      return 'stop';
    }
    if (this.quitAt === undefined) {
      if (nowMs - this.first.at < this.coalesceMs) return 'ignore';
      this.quitAt = nowMs;
      return 'quit';
    }
    return nowMs - this.quitAt < this.coalesceMs ? 'ignore' : 'exit';
  }
}

export interface StopHandlers {
  /** Stop gracefully (the first signal). */
  stop(signal: NodeJS.Signals): void;
  /** Quit now, still writing what there is (a signal a while after the first). */
  quit(signal: NodeJS.Signals): void;
}

/**
 * Signals that arrive before a run's handlers exist: bin/fastbench.js listens from its first line
 * (loading the CLI takes a while) and hands them over; StopSignals.install() replays them, so a
 * run stopped that early still ends through the policy above (with an empty result), not killed
 * half-started. Other commands release them in main.ts.
 */
export interface EarlySignals {
  readonly signals: NodeJS.Signals[];
  readonly listener: (signal: NodeJS.Signals) => void;
}

let early: EarlySignals | undefined;

/** Takes over bin/fastbench.js's early listener (main.ts). */
export function holdEarlySignals(e: EarlySignals | undefined): void {
  early = e;
}

/** Stops holding signals; returns those that arrived meanwhile. */
export function releaseEarlySignals(): NodeJS.Signals[] {
  if (early === undefined) return [];
  for (const s of STOP_SIGNALS) process.off(s, early.listener);
  const got = early.signals;
  early = undefined;
  return got;
}

/** Installs the policy on the process's SIGINT and SIGTERM for the length of a run. */
export class StopSignals {
  private readonly policy: StopPolicy;
  private readonly listener = (signal: NodeJS.Signals): void => this.onSignal(signal);
  private installed = false;

  constructor(private readonly handlers: StopHandlers, coalesceMs = COALESCE_MS) {
    this.policy = new StopPolicy(coalesceMs);
  }

  /** The first signal received, if any: the run was stopped by it. */
  get signal(): NodeJS.Signals | undefined {
    return this.policy.signal;
  }

  /** The exit code the run ends with when a signal stopped it. */
  get exitCode(): number | undefined {
    const s = this.policy.signal;
    return s === undefined ? undefined : signalExitCode(s);
  }

  install(): this {
    if (!this.installed) {
      this.installed = true;
      for (const s of STOP_SIGNALS) process.on(s, this.listener);
      // Ours are listening before the early listener goes: no instant without one.
      for (const s of releaseEarlySignals()) this.onSignal(s);
    }
    return this;
  }

  uninstall(): void {
    if (!this.installed) return;
    this.installed = false;
    for (const s of STOP_SIGNALS) process.off(s, this.listener);
  }

  private onSignal(signal: NodeJS.Signals): void {
    switch (this.policy.receive(signal, performance.now())) {
      case 'stop':
        this.handlers.stop(signal);
        break;
      case 'quit':
        this.handlers.quit(signal);
        break;
      case 'exit':
        process.stderr.write('interrupted\n');
        process.exit(this.exitCode ?? signalExitCode(signal));
        break;
      case 'ignore':
        break;
    }
  }
}
