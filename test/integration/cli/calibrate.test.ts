// `fastbench calibrate` as a user runs it: a child process (built dist/) that starts the bundled
// server, runs `fastbench bench` plain and pipelined, opens keep-alive connections, prints JSON.
// Figures are machine-dependent: only their presence and sign are asserted (no timing asserts).
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

const fastbench = (args: string[]) => runCli(args, { timeoutMs: 60_000 });

interface Throughput {
  rps: number;
  errors: number;
  pipelining: number;
}

describe('fastbench calibrate', () => {
  it('measures req/s plain and pipelined and memory per connection, as JSON', async () => {
    const r = await fastbench(['calibrate', '--duration', '500ms', '--conns', '500', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      node: string;
      cores: number;
      plain: Throughput;
      pipelined: Throughput;
      memory: { connections: number; bytesPerConnection: number; rssPer10k: number };
    };
    expect(result.node).toBe(process.version);
    expect(result.cores).toBeGreaterThan(0);
    expect(result.plain.rps).toBeGreaterThan(0);
    expect(result.plain.errors).toBe(0);
    expect(result.pipelined.rps).toBeGreaterThan(0);
    expect(result.pipelined.pipelining).toBe(10);
    expect(result.memory.connections).toBe(500);
    expect(result.memory.bytesPerConnection).toBeGreaterThan(0);
    expect(result.memory.rssPer10k).toBeGreaterThan(0);
  }, 60_000);

  it('rejects a bad --conns with exit 2 before measuring anything', async () => {
    const r = await fastbench(['calibrate', '--conns', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error\[ERR_USAGE_BAD_OPTION\]: --conns/);
    expect(r.stdout).toBe('');
  });
});
