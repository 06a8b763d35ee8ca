// issue 17 (fleet): three `run --fleet` shards and a `fastbench watch` against one real
// redis-server (started here on a free loopback port, persistence off) and a node:http target.
//   - The target starts answering 500 after N requests: the fleet's windowed abort-on-fail
//     threshold fails on the merged data, every shard stops within two intervals of that, every
//     shard and the watcher exit 1, and the watcher's merged result is byte for byte what
//     `fastbench merge` makes of the shards' result files.
//   - One shard is SIGKILLed mid-run: the others finish, everyone reports it lost (with the
//     requests it had published), and the merge of the survivors' files is still the watcher's.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { spawnCli, type Spawned } from './spawn-cli.js';

const HAVE_REDIS = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).status === 0;
if (!HAVE_REDIS) console.log('skipping the fleet tests: redis-server is not installed (apt-get install redis-server)');

const dir = mkdtempSync(join(tmpdir(), 'fb-fleet-'));
let redisProc: ChildProcess | undefined;
let redisPort = 0;
let redis: Redis | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = netServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${text}`)), 10_000);
    proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${text}`)));
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      if (text.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return proc;
}

/** A target that answers 200, then 500 from its `degradeAfter`-th request on. */
async function startTarget(degradeAfter: number): Promise<{ server: Server; url: string; count: () => number }> {
  let n = 0;
  const server = createServer((req, res) => {
    n++;
    res.statusCode = n > degradeAfter ? 500 : 200;
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, count: () => n };
}

function scenario(name: string, target: string, thresholds: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, [
    `name: ${name}`,
    `target: ${target}`,
    'interval: 500ms',
    'client: { connections: 3, timeout: 2s }',
    'load:',
    '  - { rate: 150, duration: 5s }',
    'requests:',
    '  - { name: item, path: /item }',
    'thresholds:',
    thresholds,
    '',
  ].join('\n'));
  return file;
}

/** ISO time a few seconds ahead: every shard (four node processes starting at once) lines up on it. */
const startAt = (): string => new Date(Date.now() + 5000).toISOString();

interface Fleet {
  shards: Promise<Spawned>[];
  watch: Promise<Spawned>;
}

function launch(file: string, job: string): Fleet {
  const url = `redis://127.0.0.1:${redisPort}/${job}`;
  const at = startAt();
  const watch = spawnCli(['watch', url, '-o', join(dir, `${job}-merged.json`), '--allow-invalid', '--wait', '30s'], { timeoutMs: 60_000 });
  const shards = [0, 1, 2].map((i) =>
    spawnCli(['run', file, '--shard', `${i}/3`, '--fleet', url, '--start-at', at, '-q', '--allow-invalid', '--out', join(dir, `${job}-shard-${i}`), '-f', 'json'], { timeoutMs: 60_000 }));
  return { shards, watch };
}

const resultOf = (job: string, i: number): Record<string, unknown> => JSON.parse(readFileSync(join(dir, `${job}-shard-${i}`, 'result.json'), 'utf8')) as Record<string, unknown>;

beforeAll(async () => {
  if (!HAVE_REDIS) return;
  redisPort = await freePort();
  redisProc = await startRedis(redisPort);
  redis = new Redis({ host: '127.0.0.1', port: redisPort, lazyConnect: true });
  await redis.connect();
}, 20_000);

afterAll(() => {
  redis?.disconnect();
  redisProc?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!HAVE_REDIS)('run --fleet + watch (real redis-server)', () => {
  it('a target that degrades mid-run: the fleet gate stops all three shards, every shard and the watcher exit 1, the merge matches', async () => {
    const target = await startTarget(100);
    try {
      const file = scenario('degrade', target.url, '  - { check: errors < 5% over 1s windows, abortOnFail: true }\n  - p99 < 2s');
      const job = 'degrade';
      const fleet = launch(file, job);
      const shards = await Promise.all(fleet.shards);
      const watch = await fleet.watch;
      const why = 'overall: errors < 5% over 1s windows';
      for (const [i, s] of shards.entries()) {
        expect(s.code, `shard ${i}: ${s.stderr}`).toBe(1);
        expect(s.stderr).toContain(`fleet ${job}: stopping: ${why} failed on the merged fleet`);
        expect(s.stderr).toMatch(/fleet degrade verdict: FAIL \(exit 1\); 3 of 3 shard results merged/);
        const r = resultOf(job, i);
        expect(r.abortedBy).toBe(`fleet: ${why}`);
        expect(r.interrupted).toBe(true);
        expect(r.durationMs as number).toBeLessThan(5000);
      }
      expect(watch.code, watch.stderr).toBe(1);
      expect(watch.stdout).toMatch(/^fleet degrade: 3 shards, 500 ms intervals$/m);
      expect(watch.stdout).toMatch(/fleet degrade verdict: FAIL \(exit 1\).*stopped by overall: errors < 5% over 1s windows/);
      expect(await redis!.get('fastbench:{degrade}:fleet:abort')).toBe(why);
      // within two intervals: no shard measured past the second interval after the one that failed
      const lines = watch.stdout.split('\n').filter((l) => l.startsWith('fleet t='));
      // the interval whose merged data failed the window (the gate's own judgement, not who noticed first)
      const abortLine = lines.findIndex((l) => l.includes(`FAILING ${why}`));
      expect(abortLine).toBeGreaterThan(0);
      const abortT = Number(/^fleet t=([\d.]+)s/.exec(lines[abortLine]!)![1]) / 0.5 - 1;
      for (let i = 0; i < 3; i++) {
        const series = resultOf(job, i).series as Array<{ t: number }>;
        expect(series.at(-1)!.t).toBeLessThanOrEqual(abortT + 2);
      }
      // the watcher's merged result is exactly `fastbench merge` of the shards' files
      const merge = await runCli(['merge', ...[0, 1, 2].map((i) => join(dir, `${job}-shard-${i}`, 'result.json'))]);
      expect(merge.code).toBe(1);
      expect(readFileSync(join(dir, `${job}-merged.json`), 'utf8')).toBe(merge.stdout);
    } finally {
      target.server.close();
    }
  }, 90_000);

  it('a shard SIGKILLed mid-run is reported lost by everyone, the others finish, and the merge of the survivors still matches', async () => {
    const target = await startTarget(Infinity);
    try {
      const file = scenario('kill', target.url, '  - p99 < 2s');
      const job = 'kill';
      const fleet = launch(file, job);
      // wait until shard 1 has published two intervals, then SIGKILL it
      const started = Date.now();
      let published = 0;
      while (published < 2 && Date.now() - started < 30_000) {
        const entries = await redis!.xrange('fastbench:{kill}:fleet:iv', '-', '+');
        published = entries.filter(([, f]) => f[0] === 's' && f[1] === '1').length;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(published).toBeGreaterThanOrEqual(2);
      const pid = Number(await redis!.hget('fastbench:{kill}:fleet:meta', '1').then((m) => (JSON.parse(m!) as { pid: number }).pid));
      process.kill(pid, 'SIGKILL');
      const [s0, s1, s2] = await Promise.all(fleet.shards);
      const watch = await fleet.watch;
      expect(s1!.signal).toBe('SIGKILL');
      const lost = /error\[ERR_FLEET_SHARD_LOST\]: fleet kill: shard 1 of 3 stopped heartbeating after interval \d+; its (\d+) requests so far are in the live fleet view/;
      for (const s of [s0!, s2!, watch]) {
        const out = s.stdout + s.stderr;
        expect(out).toMatch(lost);
        expect(Number(lost.exec(out)![1])).toBeGreaterThan(0);
        expect(out).toMatch(/fleet kill verdict: FAIL \(exit 1\); 2 of 3 shard results merged.*shard 1 of 3 was lost/);
        expect(s.code).toBe(1);
      }
      // the survivors ran to their end
      for (const i of [0, 2]) expect(resultOf(job, i).interrupted).toBe(false);
      const merge = await runCli(['merge', join(dir, `${job}-shard-0`, 'result.json'), join(dir, `${job}-shard-2`, 'result.json')]);
      expect(merge.code, merge.stderr).toBe(0);
      expect(readFileSync(join(dir, `${job}-merged.json`), 'utf8')).toBe(merge.stdout);
    } finally {
      target.server.close();
    }
  }, 90_000);

  it('a shard stopped by SIGTERM still publishes its partial result: nobody is lost, all three merge, the fleet fails as interrupted', async () => {
    const target = await startTarget(Infinity);
    try {
      const file = scenario('term', target.url, '  - p99 < 2s');
      const job = 'term';
      const fleet = launch(file, job);
      const started = Date.now();
      let published = 0;
      while (published < 2 && Date.now() - started < 30_000) {
        const entries = await redis!.xrange('fastbench:{term}:fleet:iv', '-', '+');
        published = entries.filter(([, f]) => f[0] === 's' && f[1] === '2').length;
        await new Promise((r) => setTimeout(r, 100));
      }
      const pid = Number(await redis!.hget('fastbench:{term}:fleet:meta', '2').then((m) => (JSON.parse(m!) as { pid: number }).pid));
      process.kill(pid, 'SIGTERM');
      const [s0, s1, s2] = await Promise.all(fleet.shards);
      const watch = await fleet.watch;
      expect(s2!.code).toBe(143);
      expect(await redis!.hexists('fastbench:{term}:fleet:final', '2')).toBe(1);
      for (const s of [s0!, s1!, watch]) {
        const out = s.stdout + s.stderr;
        expect(out).not.toContain('ERR_FLEET_SHARD_LOST');
        expect(out).toMatch(/fleet term verdict: FAIL \(exit 1\); 3 of 3 shard results merged.*a shard was interrupted/);
        expect(s.code).toBe(1);
      }
      const merge = await runCli(['merge', ...[0, 1, 2].map((i) => join(dir, `${job}-shard-${i}`, 'result.json'))]);
      expect(readFileSync(join(dir, `${job}-merged.json`), 'utf8')).toBe(merge.stdout);
    } finally {
      target.server.close();
    }
  }, 90_000);

  it('refuses --fleet without --shard, and an unreachable Redis before sending anything (exit 2)', async () => {
    const target = await startTarget(Infinity);
    try {
      const file = scenario('refuse', target.url, '  - p99 < 2s');
      const noShard = await runCli(['run', file, '--fleet', `redis://127.0.0.1:${redisPort}/x`, '-q']);
      expect(noShard.code).toBe(2);
      expect(noShard.stderr).toContain('--fleet needs --shard i/N');
      const port = await freePort();
      const down = await runCli(['run', file, '--shard', '0/1', '--fleet', `redis://127.0.0.1:${port}/x`, '-q']);
      expect(down.code).toBe(2);
      expect(down.stderr).toMatch(/error\[ERR_FLEET_REDIS\]: cannot connect to Redis at 127\.0\.0\.1:\d+: connection refused/);
      expect(target.count()).toBe(0);
    } finally {
      target.server.close();
    }
  }, 60_000);
});
