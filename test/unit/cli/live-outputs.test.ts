// The live-output flags: addresses parsed one way for --dashboard and --prometheus, and nothing
// started (or loaded) when no flag is given.
import { describe, expect, it } from 'vitest';
import { LiveOutputs, parseListenAddress, wantsLive } from '../../../src/cli/live-outputs.js';
import { buildProgram } from '../../../src/cli/main.js';

describe('parseListenAddress', () => {
  it.each([
    [true, { host: '127.0.0.1', port: 5665 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    [':8080', { host: '127.0.0.1', port: 8080 }],
    ['9000', { host: '127.0.0.1', port: 9000 }],
    ['0.0.0.0:9464', { host: '0.0.0.0', port: 9464 }],
    ['[::1]:7000', { host: '::1', port: 7000 }],
    ['[::1]', { host: '::1', port: 5665 }],
    ['localhost', { host: 'localhost', port: 5665 }],
  ] as const)('%s', (value, want) => {
    expect(parseListenAddress(value, '--dashboard', 5665)).toEqual(want);
  });

  it.each(['127.0.0.1:99999', 'a:b', '::1:80', '127.0.0.1:-1', 'a b:80'])('%s is refused with the flag named', (value) => {
    expect(() => parseListenAddress(value, '--prometheus', 9464)).toThrow(/--prometheus=/);
  });
});

describe('live outputs off', () => {
  it('no flag: nothing wanted, nothing started', async () => {
    expect(wantsLive({})).toBe(false);
    expect(wantsLive({ prometheusHold: '15s' })).toBe(false);
    expect(await LiveOutputs.start({ prometheusHold: '15s' }, { name: 'x', phases: [], intervalMs: 1000 })).toBeUndefined();
  });

  it('run, bench and crawl all take the flags', () => {
    const program = buildProgram();
    for (const name of ['run', 'bench', 'crawl']) {
      const longs = program.commands.find((c) => c.name() === name)!.options.map((o) => o.long);
      for (const flag of ['--dashboard', '--dashboard-keep', '--prometheus', '--prometheus-hold', '--otlp']) expect(longs, `${name} ${flag}`).toContain(flag);
    }
  });
});
