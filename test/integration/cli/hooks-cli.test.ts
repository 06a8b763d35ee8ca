// Hooks through the CLI (issue 16): validate imports the module (exit 2 on a bad export), and a
// run whose hooks saturate the generator is invalid (exit 3) with the hooks named as the cause.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastbenchServer } from '../../../src/server/server.js';
import { startBundled } from '../engine/helpers.js';
import { spawnCli } from './spawn-cli.js';

let server: FastbenchServer;
let url = '';
const dir = mkdtempSync(join(tmpdir(), 'fastbench-hooks-cli-'));
beforeAll(async () => {
  const b = await startBundled();
  server = b.server;
  url = b.url;
});
afterAll(async () => {
  await server.close(100);
  rmSync(dir, { recursive: true, force: true });
});

function files(name: string, hooks: string, load: string): string {
  writeFileSync(join(dir, `${name}.mjs`), hooks);
  const yaml = join(dir, `${name}.yaml`);
  writeFileSync(yaml, `target: ${url}\nhooks: ./${name}.mjs\nload: [${load}]\nrequests: [{ name: r, path: /plaintext }]\n`);
  return yaml;
}

describe('hooks from the command line', () => {
  it('validate loads the module: a bad export is ERR_HOOK_LOAD, exit 2', async () => {
    const r = await spawnCli(['validate', files('bad', 'export const teardown = "no";\n', '{ connections: 1, duration: 1s }')], { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error[ERR_HOOK_LOAD]');
    expect(r.stderr).toContain('export teardown must be a function');
    const ok = await spawnCli(['validate', files('good', 'export function beforeRequest() {}\n', '{ connections: 1, duration: 1s }')], { timeoutMs: 20_000 });
    expect([ok.code, ok.stdout]).toEqual([0, 'ok: good (1 phases, 1 requests)\n']);
  });

  it('hooks that saturate the loop: exit 3, the hooks named in the reason', async () => {
    const busy = 'export function beforeRequest() {\n  const end = performance.now() + 25;\n  while (performance.now() < end);\n}\n';
    const r = await spawnCli(['run', files('busy', busy, '{ connections: 4, duration: 1500ms }')], { timeoutMs: 30_000 });
    expect(r.code).toBe(3);
    expect(r.stderr + r.stdout).toContain('the hooks are the bottleneck');
  });
});
