// "No cost when off": a run without --dashboard/--prometheus/--otlp never loads prom-client, the
// OpenTelemetry SDK or the live-output modules. A module-resolution hook (module.register, loaded
// with --import) appends every specifier the CLI resolves to a file; the test reads it back.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FASTBENCH_BIN } from '../../helpers/cli.js';
import { serve, type Served } from './helpers.js';

let target: Served;
let dir = '';

beforeAll(async () => {
  target = await serve();
  dir = mkdtempSync(join(tmpdir(), 'fastbench-lazy-'));
  writeFileSync(join(dir, 'hooks.mjs'), [
    "import { appendFileSync } from 'node:fs';",
    'export async function resolve(specifier, context, next) {',
    '  appendFileSync(process.env.FASTBENCH_RESOLVED_LOG, specifier + "\\n");',
    '  return next(specifier, context);',
    '}',
  ].join('\n'));
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
}, 30_000);

afterAll(async () => {
  await target?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

function resolvedBy(name: string, extra: string[]): string[] {
  const log = join(dir, `${name}.log`);
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, FASTBENCH_BIN, 'bench', `${target.url}/plaintext`, '-c', '1', '-d', '500ms', '--allow-invalid', '-q', ...extra], {
    env: { ...process.env, FASTBENCH_RESOLVED_LOG: log },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}

const LIVE = /prom-client|@opentelemetry|live-(state|dashboard|prometheus|otlp)\.js|dashboard-page\.js/;

describe('live outputs are loaded only when asked for', () => {
  it('without a flag: none of their modules is resolved; with --prometheus: prom-client is, OpenTelemetry is not', () => {
    const off = resolvedBy('off', []);
    expect(off.length).toBeGreaterThan(20); // the hook saw the CLI load
    expect(off.filter((s) => LIVE.test(s))).toEqual([]);
    const on = resolvedBy('on', ['--prometheus=127.0.0.1:0', '--prometheus-hold', '0']);
    expect(on).toContain('prom-client');
    expect(on.some((s) => s.includes('live-prometheus.js'))).toBe(true);
    expect(on.filter((s) => s.includes('@opentelemetry'))).toEqual([]);
  }, 120_000);
});
