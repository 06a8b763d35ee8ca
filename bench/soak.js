#!/usr/bin/env node
// Soak: `fastbench serve` under a mix of attacks for N minutes while a normal keep-alive client
// (our HostClient) keeps measuring. Prints each server's peak RSS (VmHWM, and the peak of VmRSS
// sampled every 250 ms from /proc/<pid>/status), the normal client's p50/p99/max and error
// count, what each attacker did, and PASS/FAIL against the goals:
//   peak RSS < 300 MB (each server), 0 normal-client errors, normal-client p99 < 50 ms.
// Exit code 0 on PASS, 1 on FAIL. Run after `npm run build` (`npm run soak` does).
//
//   node bench/soak.js [--duration 10m] [--only slowloris,chunks,nonread,tls,rst,reconnect]
//                      [--rate 200] [--max-rss 1536] [--json]
//
// Two servers run as children: plain http (every attack but `tls`, and the normal client) and
// https (`tls`: TCP connections that never send a ClientHello, plus a few normal https requests).
// The attackers run in a child process of their own, so their CPU does not skew the normal
// client's clock. Everything is bounded: each attacker has a cap on its connections and its
// rate, the whole run on --duration, and a server whose RSS passes --max-rss (MB) ends the run
// early (FAIL) so a leak cannot take the machine down.
//
// Attacks (caps per attacker):
//   slowloris  256 connections sending a request head one byte a second (cut by --read-timeout)
//   chunks     4 connections sending an endless chunked body of 1-byte chunks, as fast as read
//   nonread    8 connections asking for /bytes/100MB and never reading, plus 1 pipelining 16 of them
//   tls        512 TCP connections to the https server that never start a handshake
//   rst        500 connections/s that ask for /bytes/64KB and reset (RST) at once (50 in flight at most)
//   reconnect  500 connections/s: connect, one request with Connection: close, read, close
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const ATTACKS = ['slowloris', 'chunks', 'nonread', 'tls', 'rst', 'reconnect'];
const GOAL_RSS_MB = 300;
const GOAL_P99_MS = 50;
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};

function parseDurationSec(s) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(s).trim());
  if (m === null) throw new Error(`--duration: give a number with an optional unit (90, 90s, 10m), got ${s}`);
  const n = Number(m[1]);
  return { ms: n / 1000, s: n, m: n * 60, h: n * 3600 }[m[2] ?? 's'];
}

function parseOnly(s) {
  if (s === undefined) return ATTACKS;
  const list = s.split(',').map((x) => x.trim()).filter(Boolean);
  for (const a of list) if (a !== 'none' && !ATTACKS.includes(a)) throw new Error(`--only: unknown attack ${a} (known: ${ATTACKS.join(', ')}, none)`);
  return list.filter((a) => a !== 'none');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ attackers (child process)

function attackerMain() {
  const port = Number(arg('port'));
  const tlsPort = Number(arg('tls-port'));
  const only = parseOnly(arg('only'));
  const endAt = Date.now() + parseDurationSec(arg('duration', '60')) * 1000;
  const stats = {};
  const live = new Set();
  const timers = [];
  for (const a of only) stats[a] = { opened: 0, closedByServer: 0, connectErrors: 0, bytesSent: 0, peakOpen: 0, open: 0 };

  /** A socket to 127.0.0.1 counted under attack `a`; `onClose(byServer)` after it is gone. */
  function open(a, p, onConnect, onClose) {
    const st = stats[a];
    const s = net.connect(p, '127.0.0.1');
    s.setNoDelay(true);
    st.opened++;
    st.open++;
    if (st.open > st.peakOpen) st.peakOpen = st.open;
    live.add(s);
    s.ourClose = false;
    s.on('error', (e) => {
      if (!s.connected) st.connectErrors++;
      void e;
    });
    s.on('connect', () => {
      s.connected = true;
      onConnect?.(s);
    });
    s.on('close', () => {
      live.delete(s);
      st.open--;
      if (s.connected && !s.ourClose) st.closedByServer++;
      onClose?.(s);
    });
    const write = s.write.bind(s);
    s.send = (data) => {
      st.bytesSent += data.length;
      return write(data);
    };
    return s;
  }
  const ourDestroy = (s, reset = false) => {
    s.ourClose = true;
    if (reset) s.resetAndDestroy();
    else s.destroy();
  };
  const every = (ms, f) => timers.push(setInterval(f, ms));
  const running = () => Date.now() < endAt;

  if (only.includes('slowloris')) {
    const CAP = 256;
    const conns = new Set();
    const head = Buffer.from('GET / HTTP/1.1\r\nHost: soak\r\nX-Slow: ');
    every(1000, () => {
      for (const s of conns) if (s.connected) s.send(Buffer.from('a'));
      for (let i = 0; i < 64 && conns.size < CAP && running(); i++) {
        const s = open('slowloris', port, (c) => c.send(head), (c) => conns.delete(c));
        conns.add(s);
      }
    });
  }

  if (only.includes('chunks')) {
    const CAP = 4;
    const head = Buffer.from('POST /anything HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: chunked\r\n\r\n');
    const block = Buffer.from('1\r\na\r\n'.repeat(10_000)); // 60 kB of 1-byte chunks
    const start = () => {
      if (!running()) return;
      const s = open(
        'chunks',
        port,
        (c) => {
          c.send(head);
          const pump = () => {
            while (!c.destroyed && running() && c.send(block));
          };
          c.on('drain', pump);
          pump();
        },
        () => setTimeout(start, 100),
      );
      s.resume(); // read and drop whatever the server answers (413, 400)
    };
    for (let i = 0; i < CAP; i++) start();
  }

  if (only.includes('nonread')) {
    const one = 'GET /bytes/104857600 HTTP/1.1\r\nHost: soak\r\n\r\n';
    const start = (pipelined) => {
      if (!running()) return;
      const s = open('nonread', port, (c) => c.send(Buffer.from(one.repeat(pipelined))), () => setTimeout(() => start(pipelined), 100));
      s.pause(); // never read: the server's writes back up
    };
    for (let i = 0; i < 8; i++) start(1);
    start(16);
  }

  if (only.includes('tls')) {
    const CAP = 512;
    const conns = new Set();
    every(1000, () => {
      for (let i = 0; i < 128 && conns.size < CAP && running(); i++) {
        const s = open('tls', tlsPort, null, (c) => conns.delete(c));
        conns.add(s);
        s.resume();
      }
    });
  }

  if (only.includes('rst')) {
    const req = Buffer.from('GET /bytes/65536 HTTP/1.1\r\nHost: soak\r\n\r\n');
    let inFlight = 0;
    every(10, () => {
      for (let i = 0; i < 5 && inFlight < 50 && running(); i++) {
        inFlight++;
        open(
          'rst',
          port,
          (c) => {
            c.send(req);
            setImmediate(() => ourDestroy(c, true));
          },
          () => inFlight--,
        );
      }
    });
  }

  if (only.includes('reconnect')) {
    const req = Buffer.from('GET / HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n');
    let inFlight = 0;
    every(10, () => {
      for (let i = 0; i < 5 && inFlight < 32 && running(); i++) {
        inFlight++;
        const s = open('reconnect', port, (c) => c.send(req), () => inFlight--);
        s.resume();
      }
    });
  }

  const finish = () => {
    for (const t of timers) clearInterval(t);
    for (const s of live) ourDestroy(s);
    for (const a of only) delete stats[a].open;
    process.stdout.write(JSON.stringify(stats) + '\n', () => process.exit(0));
  };
  setTimeout(finish, Math.max(0, endAt - Date.now()));
  process.on('SIGTERM', finish);
}

// ------------------------------------------------------------------ driver

const root = fileURLToPath(new URL('../', import.meta.url));

function startServer(extra) {
  const child = spawn(process.execPath, [`${root}bin/fastbench.js`, 'serve', '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  return new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`server did not start: ${log}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(t);
        resolve({ child, url: out.slice(0, nl), port: Number(new URL(out.slice(0, nl)).port), log: () => log });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${log}`)));
  });
}

/** VmRSS and VmHWM of a process, in MB. */
function memOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'latin1');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/** utime + stime of a process, in seconds (USER_HZ = 100). */
function cpuSecOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

const loadavg = () => {
  try {
    return readFileSync('/proc/loadavg', 'latin1').split(' ')[0];
  } catch {
    return '?';
  }
};

async function fetchStats(port, tls) {
  const mod = tls ? await import('node:https') : await import('node:http');
  return new Promise((resolve) => {
    const req = mod.get({ host: '127.0.0.1', port, path: '/__stats', agent: false, rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => {
        try {
          resolve(JSON.parse(b));
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/** The normal client: `rate` requests/s of GET / over a keep-alive HostClient (4 connections), each with a 5 s deadline. */
async function normalClient(dist, port, tls, rate) {
  const { HostClient, Request, Response } = await import(`${dist}client/index.js`);
  const { LatencyHistogram } = await import(`${dist}metrics/histogram.js`);
  const { nowMs } = await import(`${dist}core/clock.js`);
  // A queue for a free connection (5 s) rather than failing at once: an exchange that waits counts in its latency.
  const client = new HostClient({ addr: `127.0.0.1:${port}`, tls, maxConns: 4, maxConnWaitTimeout: 5_000, ...(tls ? { insecure: true } : {}) });
  const hist = LatencyHistogram.create();
  const errors = {};
  let sent = 0;
  let done = 0;
  const req = new Request({ url: '/' });
  const free = [];
  const ctx = {
    onResponse(_rq, res, err) {
      const t = performance.now() - res.soakStart;
      done++;
      if (err !== null) errors[err.code] = (errors[err.code] ?? 0) + 1;
      else if (res.status !== 200) errors[`HTTP_${res.status}`] = (errors[`HTTP_${res.status}`] ?? 0) + 1;
      else hist.record(Math.max(1, Math.round(t * 1000)));
      free.push(res);
    },
  };
  const tickMs = 10;
  const perTick = rate / (1000 / tickMs);
  let owed = 0;
  const timer = setInterval(() => {
    owed += perTick;
    for (; owed >= 1; owed--) {
      if (sent - done >= 64) {
        errors.ERR_CLIENT_BACKLOG = (errors.ERR_CLIENT_BACKLOG ?? 0) + 1; // more than 64 waiting: the server is not keeping up
        continue;
      }
      const res = free.pop() ?? new Response();
      res.discardBody = true;
      res.soakStart = performance.now();
      sent++;
      client.dispatch(req, res, ctx, nowMs() + 5_000);
    }
  }, tickMs);
  return {
    async stop() {
      clearInterval(timer);
      for (let i = 0; i < 600 && done < sent; i++) await sleep(10);
      await client.close();
      const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
      return { sent, done, errors, errorCount, p50: hist.percentile(50) / 1000, p99: hist.percentile(99) / 1000, max: hist.max / 1000, count: hist.count };
    },
  };
}

async function driverMain() {
  const durationSec = parseDurationSec(arg('duration', '10m'));
  const only = parseOnly(arg('only'));
  const rate = Number(arg('rate', '200'));
  const maxRss = Number(arg('max-rss', '1536'));
  const asJson = args.includes('--json');
  const dist = new URL('../dist/', import.meta.url).href;
  const say = (line) => process.stderr.write(line + '\n');

  const plain = await startServer([]);
  const secure = await startServer(['--tls']);
  const servers = { http: plain, https: secure };
  say(`soak: ${durationSec}s of [${only.join(', ') || 'no attacks'}] on ${plain.url} and ${secure.url}; normal client ${rate} req/s`);

  const peak = { http: 0, https: 0 };
  let aborted = '';
  const sampler = setInterval(() => {
    for (const [name, s] of Object.entries(servers)) {
      const { rss } = memOf(s.child.pid);
      if (rss > peak[name]) peak[name] = rss;
      if (rss > maxRss && aborted === '') aborted = `${name} server RSS ${rss.toFixed(0)} MB passed --max-rss ${maxRss} MB`;
    }
  }, 250);

  const attacker = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), '--role', 'attack', '--port', String(plain.port), '--tls-port', String(secure.port), '--only', only.join(',') || 'none', '--duration', String(durationSec)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let attackOut = '';
  attacker.stdout.on('data', (d) => (attackOut += d));
  const attackerDone = new Promise((r) => attacker.on('exit', r));

  const normal = await normalClient(dist, plain.port, false, rate);
  const normalTls = await normalClient(dist, secure.port, true, Math.max(1, Math.floor(rate / 10)));
  const started = Date.now();
  const cpu0 = { http: cpuSecOf(plain.child.pid), https: cpuSecOf(secure.child.pid) };
  const load0 = loadavg();
  let lastReport = started;
  while (Date.now() - started < durationSec * 1000 && aborted === '') {
    await sleep(250);
    if (Date.now() - lastReport >= 10_000) {
      lastReport = Date.now();
      say(`soak: ${Math.round((lastReport - started) / 1000)}s  rss http ${memOf(plain.child.pid).rss.toFixed(0)} MB, https ${memOf(secure.child.pid).rss.toFixed(0)} MB`);
    }
  }
  if (aborted !== '') say(`soak: ABORTED: ${aborted}`);
  const wallSec = (Date.now() - started) / 1000;
  // Server CPU over the run, as a share of one core: near 100% means the server itself was the bottleneck.
  const cpuPct = { http: (100 * (cpuSecOf(plain.child.pid) - cpu0.http)) / wallSec, https: (100 * (cpuSecOf(secure.child.pid) - cpu0.https)) / wallSec };
  const load1 = loadavg();
  attacker.kill('SIGTERM');
  await Promise.race([attackerDone, sleep(5000)]);
  if (attacker.exitCode === null) attacker.kill('SIGKILL');
  const n = await normal.stop();
  const nt = await normalTls.stop();
  clearInterval(sampler);
  const hwm = { http: memOf(plain.child.pid).hwm, https: memOf(secure.child.pid).hwm };
  const serverStats = { http: await fetchStats(plain.port, false), https: await fetchStats(secure.port, true) };
  for (const s of Object.values(servers)) s.child.kill('SIGTERM');
  let attacks = {};
  try {
    attacks = JSON.parse(attackOut.trim().split('\n').pop() || '{}');
  } catch {
    /* attacker killed before it reported */
  }

  const peakRss = Math.max(hwm.http, hwm.https, peak.http, peak.https);
  const checks = [
    { goal: `peak server RSS < ${GOAL_RSS_MB} MB`, value: `${peakRss.toFixed(0)} MB`, ok: peakRss < GOAL_RSS_MB && aborted === '' },
    { goal: 'normal client errors = 0', value: String(n.errorCount + nt.errorCount), ok: n.errorCount + nt.errorCount === 0 },
    { goal: `normal client p99 < ${GOAL_P99_MS} ms`, value: n.count > 0 ? `${n.p99.toFixed(1)} ms` : 'no successful request', ok: n.count > 0 && n.p99 < GOAL_P99_MS },
  ];
  const pass = checks.every((c) => c.ok);
  const result = { durationSec, only, rate, aborted: aborted || undefined, serverCpuPct: cpuPct, loadavg: [load0, load1], peakRssMb: { sampled: peak, hwm }, normal: n, normalTls: nt, attacks, serverStats, checks, pass };
  if (asJson) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } else {
    const mb = (x) => `${x.toFixed(0)} MB`;
    const msOf = (h, v) => (h.count > 0 ? `${v.toFixed(2)} ms` : 'n/a'); // no successful request: no latency
    const lines = [];
    lines.push(`soak ${durationSec}s, attacks: ${only.join(', ') || 'none'}${aborted ? `  (ABORTED: ${aborted})` : ''}`);
    lines.push(`  server CPU        http ${cpuPct.http.toFixed(0)}% of a core, https ${cpuPct.https.toFixed(0)}%   (machine load average ${load0} → ${load1})`);
    lines.push(`  server RSS peak   http ${mb(Math.max(peak.http, hwm.http))} (VmHWM ${mb(hwm.http)})   https ${mb(Math.max(peak.https, hwm.https))} (VmHWM ${mb(hwm.https)})`);
    lines.push(`  normal client     ${n.done} requests, p50 ${msOf(n, n.p50)}, p99 ${msOf(n, n.p99)}, max ${msOf(n, n.max)}, errors ${n.errorCount} ${JSON.stringify(n.errors)}`);
    lines.push(`  normal https      ${nt.done} requests, p99 ${msOf(nt, nt.p99)}, errors ${nt.errorCount} ${JSON.stringify(nt.errors)}`);
    for (const [a, st] of Object.entries(attacks)) {
      lines.push(`  attack ${a.padEnd(10)} opened ${st.opened}, peak open ${st.peakOpen}, closed by server ${st.closedByServer}, connect errors ${st.connectErrors}, sent ${(st.bytesSent / 1048576).toFixed(1)} MB`);
    }
    for (const [name, st] of Object.entries(serverStats)) {
      if (st !== undefined) lines.push(`  ${name} server rejections ${JSON.stringify(st.rejections)} acceptErrors ${st.connections?.acceptErrors ?? '?'}`);
    }
    for (const c of checks) lines.push(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.goal}: ${c.value}`);
    lines.push(pass ? 'PASS' : 'FAIL');
    process.stdout.write(lines.join('\n') + '\n');
  }
  process.exitCode = pass ? 0 : 1;
}

if (arg('role') === 'attack') attackerMain();
else
  driverMain().catch((err) => {
    process.stderr.write(`soak: ${err.stack ?? err}\n`);
    process.exit(70);
  });
