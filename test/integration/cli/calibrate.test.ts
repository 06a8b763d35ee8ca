// `fastbench calibrate` as a user runs it: a child process (built dist/) that starts the bundled
// server, runs `fastbench bench` plain and pipelined, opens keep-alive connections, prints JSON.
// Figures are machine-dependent: only their presence and sign are asserted (no timing asserts).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const HARNESS = fileURLToPath(new URL('./cli-harness.mjs', import.meta.url));

function fastbench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HARNESS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}

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
