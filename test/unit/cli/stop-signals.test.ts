import { describe, expect, it } from 'vitest';
import { COALESCE_MS, signalExitCode, StopPolicy } from '../../../src/cli/stop-signals.js';

describe('StopPolicy', () => {
  it('treats the signals timeout(1) sends (the command, then its group, microseconds apart) as one stop', () => {
    const p = new StopPolicy();
    expect(p.receive('SIGTERM', 10_000)).toBe('stop');
    expect(p.receive('SIGTERM', 10_000.05)).toBe('ignore');
    expect(p.receive('SIGINT', 10_000 + COALESCE_MS - 1)).toBe('ignore');
    expect(p.signal).toBe('SIGTERM');
  });

  it('a signal a second or more after the first quits now; one more after that exits', () => {
    const p = new StopPolicy();
    expect(p.receive('SIGINT', 0)).toBe('stop');
    expect(p.receive('SIGINT', 1000)).toBe('quit');
    expect(p.receive('SIGINT', 1500)).toBe('ignore');
    expect(p.receive('SIGINT', 2000)).toBe('exit');
    expect(p.signal).toBe('SIGINT');
  });

  it('exit codes are 128 + the signal number', () => {
    expect(signalExitCode('SIGINT')).toBe(130);
    expect(signalExitCode('SIGTERM')).toBe(143);
  });
});
