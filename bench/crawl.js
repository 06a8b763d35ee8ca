#!/usr/bin/env node
// Crawl benchmark: the bundled server's synthetic site in one process pinned to CPU 0, the crawler
// in another pinned to CPU 1 (taskset, when installed), over loopback. Measures
//   1. a deep crawl of a 10,000-page site (robots.txt fetched and obeyed, Crawl-delay 0, at most
//      --per-host connections; the server reports its peak of open connections, which must not
//      exceed it), in pages/s;
//   2. a probe of 1,000 bare host names mapped onto 127.0.0.1-4 with resolve overrides (robots.txt
//      per host, then the page), in hosts/s;
//   3. the seen set's memory per URL (bench/crawl-seen-set.js with N=1,000,000).
// Goal: >= 5,000 pages/s for the deep crawl. Run after `npm run build`.
//
//   node bench/crawl.js [--pages 10000] [--hosts 1000] [--per-host 8] [--concurrency 64]
//   node bench/crawl.js --serve PAGES          (internal: the server; prints its port)
//   node bench/crawl.js --crawl JSON           (internal: one crawl; prints its summary as JSON)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const SELF = fileURLToPath(import.meta.url);
const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];

// ------------------------------------------------------------------ the server (CPU 0)

async function serve(pages) {
  const { createServer } = await import('../dist/server/server.js');
  const { createDefaultApp } = await import('../dist/server/routes/index.js');
  let peakOpen = 0;
  const servers = [];
  const stats = () => servers.reduce((acc, s) => acc + s.stats().connections.open, 0);
  const app = createDefaultApp({ sitePages: pages, siteSeed: 1, siteCrawlDelay: 0, stats: () => ({}) });
  const dispatcher = {
    dispatch(req, res) {
      if (req.path === '/__bench') {
        const total = servers.reduce((acc, s) => acc + s.stats().connections.total, 0);
        res.send(200, JSON.stringify({ peakOpen, total }), ['Content-Type', 'application/json']);
        peakOpen = 0;
        return;
      }
      const open = stats();
      if (open > peakOpen) peakOpen = open;
      app.dispatch(req, res);
    },
  };
  let port = 0;
  for (const host of ADDRESSES) {
    const s = createServer({ host, port, dispatcher, quiet: true, idleTimeout: 10_000 });
    port = (await s.listen()).port;
    servers.push(s);
  }
  process.stdout.write(`${port}\n`);
}

// ------------------------------------------------------------------ one crawl (CPU 1)

async function crawl(spec) {
  const { openCrawl } = await import('../dist/crawl/crawl-session.js');
  const dir = mkdtempSync(join(tmpdir(), 'fb-bench-crawl-'));
  try {
    const o = { ...spec, output: join(dir, 'out.jsonl'), fsync: false };
    if (spec.urlLines !== undefined) {
      writeFileSync(join(dir, 'urls.txt'), spec.urlLines.join('\n') + '\n');
      o.urlsFile = join(dir, 'urls.txt');
      delete o.urlLines;
    }
    const crawler = await openCrawl(o);
    const s = await crawler.run();
    process.stdout.write(JSON.stringify(s) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ the driver

const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
function pinned(cpu, nodeArgs) {
  return hasTaskset ? ['taskset', ['-c', String(cpu), process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
}

/** Runs one crawl in a child pinned to CPU 1 (asynchronously: this process keeps serving its sockets). */
function runCrawl(spec) {
  const [cmd, a] = pinned(1, [SELF, '--crawl', JSON.stringify(spec)]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, a, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`crawl failed (${code}): ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

/** The server's connection counters (on a connection of its own, closed after the answer). */
function serverStats(port) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/__bench', agent: false, headers: { Connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
  });
}

async function main() {
  const pages = Number(arg('pages', 10_000));
  const hosts = Number(arg('hosts', 1000));
  const perHost = Number(arg('per-host', 8));
  const concurrency = Number(arg('concurrency', 64));
  if (!hasTaskset) console.log('taskset not found: running unpinned');
  const [cmd, a] = pinned(0, [SELF, '--serve', String(pages)]);
  const server = spawn(cmd, a, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let buf = '';
    server.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve(Number(buf.trim()));
    });
    server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  try {
    console.log(`crawl bench: server on CPU 0 (127.0.0.1-4:${port}), crawler on CPU 1, node ${process.version}`);

    // Warm-up: a short crawl (JIT, connection set-up paths).
    await runCrawl({ seeds: [`http://127.0.0.1:${port}/site/`], maxPages: 2000, perHost, concurrency, robots: true });
    await serverStats(port);

    const deep = await runCrawl({ seeds: [`http://127.0.0.1:${port}/site/`], perHost, concurrency, robots: true });
    const deepServer = await serverStats(port);
    const ok = deep.statusCounts['200'] ?? 0;
    console.log(`deep crawl, ${pages.toLocaleString('en')}-page site, 1 host, --per-host ${perHost}, --concurrency ${concurrency}, robots on:`);
    console.log(`  ${deep.pages.toLocaleString('en')} pages (${ok} x 200, ${deep.statusCounts['404'] ?? 0} x 404, ${(deep.statusCounts['301'] ?? 0) + (deep.statusCounts['302'] ?? 0)} redirects) in ${(deep.durationMs / 1000).toFixed(2)} s`);
    console.log(`  ${Math.round(deep.pagesPerSec).toLocaleString('en')} pages/s (every URL fetched and recorded; goal >= 5,000: ${deep.pagesPerSec >= 5000 ? 'met' : 'NOT met'}), of which ${Math.round((ok * 1000) / deep.durationMs).toLocaleString('en')}/s HTML 200s parsed for links`);
    console.log(`  fetch latency p50 ${deep.latency.p50} ms, p99 ${deep.latency.p99} ms; ${(deep.bytes / 1024 / 1024).toFixed(1)} MiB`);
    console.log(`  server: peak open connections ${deepServer.peakOpen} (limit ${perHost}: ${deepServer.peakOpen <= perHost ? 'honoured' : 'EXCEEDED'}), ${deepServer.total} accepted`);

    const lines = [];
    const resolve = [];
    for (let i = 0; i < hosts; i++) {
      const name = `h${i}.bench.test`;
      lines.push(`${name}:${port}`);
      resolve.push(`${name}:${port}:${ADDRESSES[i % ADDRESSES.length]}`);
    }
    const probe = await runCrawl({ urlLines: lines, resolve, perHost: 2, concurrency: 128, robots: true });
    const probeServer = await serverStats(port);
    console.log(`probe, ${hosts.toLocaleString('en')} bare host names on 127.0.0.1-4 via resolve overrides, robots on (2 requests a host):`);
    console.log(`  ${probe.pages.toLocaleString('en')} hosts in ${(probe.durationMs / 1000).toFixed(2)} s: ${Math.round(probe.pagesPerSec).toLocaleString('en')} hosts/s, ${Math.round((probe.requests * 1000) / probe.durationMs).toLocaleString('en')} requests/s; errors ${JSON.stringify(probe.errorsByCode)}`);
    console.log(`  server: ${probeServer.total} connections accepted, peak open ${probeServer.peakOpen}`);
  } finally {
    server.kill('SIGKILL');
  }

  const seen = spawnSync(process.execPath, ['--expose-gc', join(SELF, '../crawl-seen-set.js')], { encoding: 'utf8', env: { ...process.env, N: '1000000' } });
  const line = seen.stdout.split('\n').filter((l) => /bytes\/URL|SeenSet,|peer|ratios/.test(l));
  console.log('seen set (bench/crawl-seen-set.js, N=1,000,000):');
  for (const l of line) console.log(`  ${l.trim()}`);
}

if (args[0] === '--serve') await serve(Number(args[1]));
else if (args[0] === '--crawl') await crawl(JSON.parse(args[1]));
else await main();
