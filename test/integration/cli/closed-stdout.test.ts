// A reader that goes away before the CLI writes (`fastbench serve --help | head -1`, a closed
// pager) must not turn into a crash report and exit 70: the output is dropped, the exit is the
// command's own.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../../bin/fastbench.js', import.meta.url));

function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Close our end at once: the CLI's first write to stdout meets a pipe with no reader (EPIPE).
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('stdout closed by the reader', () => {
  it.each(['serve --help', 'bench --help', '--version'])('fastbench %s exits 0 without a crash report', async (line) => {
    const r = await withClosedStdout(line.split(' '));
    expect(r.stderr).not.toContain('ERR_INTERNAL');
    expect(r.code).toBe(0);
  });
});
