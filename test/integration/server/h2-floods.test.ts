// HTTP/2 flood attacks on a running `fastbench serve` (a child process on loopback), each with raw
// frames from the codec's frame writer: the offender gets GOAWAY ENHANCE_YOUR_CALM (or the answer
// the RFC gives: 431 for an HPACK bomb), the flood is counted in /__stats, another client keeps
// getting answers meanwhile, and the server's peak RSS (VmHWM) stays within a stated bound.
// Every attack loop is bounded in frames and time; nothing asserts how long anything took.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameType, H2Code, SettingId } from '../../../src/http2/constants.js';
import {
  writeContinuation, writeData, writeFrameHeader, writeHeaders, writePing, writeRstStream, writeSettings, writeWindowUpdate,
} from '../../../src/http2/frame-writer.js';
import { SettingsList } from '../../../src/http2/settings.js';
import { FASTBENCH_BIN } from '../../helpers/cli.js';
import { RawH2 } from './h2-raw-client.js';

const MB = 1024 * 1024;
const linux = existsSync('/proc/self/status');
/** The bound on the server's peak RSS growth over all attacks (baseline taken after warm-up). */
const RSS_BOUND = 96 * MB;

let child: ChildProcess;
let port: number;
let url: string;
let baselinePeak = 0;
let probe: http2.ClientHttp2Session;
const raws: RawH2[] = [];

function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)![1]) * 1024;
}

function get(session: http2.ClientHttp2Session, path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path });
    const parts: Buffer[] = [];
    let status = 0;
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => resolve({ status, body: Buffer.concat(parts) }));
    req.on('error', reject);
  });
}

async function stats(): Promise<{ rejections: Record<string, number>; backpressure: { drainWaits: number; outputPauses: number }; http2: { floods: Record<string, number>; goaways: Record<string, number>; resets: Record<string, number>; headerListTooLarge: number } }> {
  return JSON.parse((await get(probe, '/__stats')).body.toString());
}

/** Runs `attack` while another client keeps asking /plaintext; returns how many answers it got (all must be 200). */
async function underAttack(attack: () => Promise<void>): Promise<number> {
  let done = false;
  let answered = 0;
  const side = (async () => {
    for (let i = 0; i < 2000 && !done; i++) {
      const r = await get(probe, '/plaintext');
      expect(r.status).toBe(200);
      answered++;
    }
  })();
  try {
    await attack();
  } finally {
    done = true;
  }
  await side;
  // and after it
  expect((await get(probe, '/plaintext')).status).toBe(200);
  return answered + 1;
}

async function attacker(settings: [number, number][] = []): Promise<RawH2> {
  const c = await RawH2.connect(port, settings);
  raws.push(c);
  return c;
}

/** Writes frames from `frame(i)` in batches until GOAWAY arrives, the socket closes, or `max` frames. */
async function flood(c: RawH2, max: number, frame: (i: number) => void): Promise<number> {
  let i = 0;
  while (i < max && c.goAway === undefined && !c.closed) {
    for (let k = 0; k < 500 && i < max; k++) frame(i++);
    if (!c.flush()) break;
    await new Promise((r) => setImmediate(r));
    if (c.socket.writableLength > 4 * MB) await c.until(() => c.socket.writableLength < MB || c.goAway !== undefined, 2000);
  }
  await c.until(() => c.goAway !== undefined, 10_000);
  return i;
}

const GET = (path: string): [string, string][] => [[':method', 'GET'], [':scheme', 'http'], [':authority', 'x'], [':path', path]];

describe.runIf(existsSync(new URL('../../../dist/cli/main.js', import.meta.url)))('HTTP/2 floods against fastbench serve', () => {
  beforeAll(async () => {
    // --write-timeout 2s: responses a client leaves unread (shut window or unread socket) are cut after 2 s
    child = spawn(process.execPath, [FASTBENCH_BIN, 'serve', '--port', '0', '--quiet', '--write-timeout', '2s'], { stdio: ['ignore', 'pipe', 'inherit'] });
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const t = setTimeout(() => reject(new Error('serve did not print its URL')), 15_000);
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(t);
          resolve(out.slice(0, nl).trim());
        }
      });
    });
    port = Number(new URL(url).port);
    probe = http2.connect(url);
    // warm-up: every path the attacks touch, then the baseline
    for (let i = 0; i < 200; i++) await get(probe, '/plaintext');
    await get(probe, '/bytes/3000000');
    if (linux) baselinePeak = peakRss(child.pid!);
  }, 30_000);

  afterAll(() => {
    for (const c of raws) c.destroy();
    probe?.close();
    child?.kill('SIGKILL');
  });

  it('rapid reset (HEADERS + RST_STREAM loop, CVE-2023-44487): GOAWAY ENHANCE_YOUR_CALM, counted', async () => {
    let sent = 0;
    let c!: RawH2;
    const answered = await underAttack(async () => {
      c = await attacker();
      const b = c.block(GET('/delay/1000'));
      sent = await flood(c, 40_000, (i) => {
        const sid = 1 + 4 * i;
        writeHeaders(c.w, sid, b, 0, b.length, true);
        writeRstStream(c.w, sid, H2Code.CANCEL);
      });
    });
    expect(c.goAway?.code).toBe(H2Code.ENHANCE_YOUR_CALM);
    // The server ends the offender's connection. (How much of the flood the attacker had written
    // by then depends on scheduling — the whole flood fits in the socket buffers — so it is not
    // asserted.)
    expect(await c.until(() => c.closed, 10_000)).toBe(true);
    expect(sent).toBeGreaterThan(0);
    expect(answered).toBeGreaterThan(0);
    expect((await stats()).http2.floods.rapidReset).toBeGreaterThanOrEqual(1);
  });

  it('CONTINUATION flood (no END_HEADERS, CVE-2024-27316): bounded by the reader, GOAWAY', async () => {
    const c = await attacker();
    const b = c.block(GET('/plaintext'));
    const filler = Buffer.alloc(100, 0x00);
    const answered = await underAttack(async () => {
      writeFrameHeader(c.w, b.length, FrameType.HEADERS, 0x1, 1); // END_STREAM, no END_HEADERS
      c.w.bytes(b);
      await flood(c, 100_000, () => writeContinuation(c.w, 1, filler, 0, filler.length, false));
    });
    expect(c.goAway?.code).toBe(H2Code.ENHANCE_YOUR_CALM);
    // stream 1's block was never complete: it was not processed
    expect(c.goAway?.lastStreamId).toBe(0);
    expect(await c.until(() => c.closed, 10_000)).toBe(true);
    expect(answered).toBeGreaterThan(0);
    expect((await stats()).http2.floods.continuation).toBeGreaterThanOrEqual(1);
  });

  it('PING flood: GOAWAY ENHANCE_YOUR_CALM, counted', async () => {
    const c = await attacker();
    const data = Buffer.from('pingping');
    await underAttack(async () => {
      await flood(c, 200_000, () => writePing(c.w, false, data));
    });
    expect(c.goAway?.code).toBe(H2Code.ENHANCE_YOUR_CALM);
    expect((await stats()).http2.floods.ping).toBeGreaterThanOrEqual(1);
  });

  it('SETTINGS flood: GOAWAY ENHANCE_YOUR_CALM, counted', async () => {
    const c = await attacker();
    const s = SettingsList.of([[SettingId.INITIAL_WINDOW_SIZE, 65535]]);
    await underAttack(async () => {
      await flood(c, 100_000, () => writeSettings(c.w, s));
    });
    expect(c.goAway?.code).toBe(H2Code.ENHANCE_YOUR_CALM);
    expect((await stats()).http2.floods.settings).toBeGreaterThanOrEqual(1);
  });

  it('empty DATA flood: GOAWAY ENHANCE_YOUR_CALM, counted', async () => {
    const c = await attacker();
    const b = c.block([[':method', 'POST'], [':scheme', 'http'], [':authority', 'x'], [':path', '/anything']]);
    writeHeaders(c.w, 1, b, 0, b.length, false);
    const none = Buffer.alloc(0);
    await underAttack(async () => {
      await flood(c, 200_000, () => writeData(c.w, 1, none, 0, 0, false));
    });
    expect(c.goAway?.code).toBe(H2Code.ENHANCE_YOUR_CALM);
    expect((await stats()).http2.floods.emptyData).toBeGreaterThanOrEqual(1);
  });

  it('WINDOW_UPDATE flood: GOAWAY ENHANCE_YOUR_CALM, counted', async () => {
    const c = await attacker();
    await underAttack(async () => {
      await flood(c, 500_000, () => writeWindowUpdate(c.w, 0, 1));
    });
    expect(c.goAway?.code).toBe(H2Code.ENHANCE_YOUR_CALM);
    expect((await stats()).http2.floods.windowUpdate).toBeGreaterThanOrEqual(1);
  });

  it('HPACK bomb (a 4 KB table entry referenced 4000 times: 16 MB decoded): 431 on the stream, the connection lives', async () => {
    const c = await attacker();
    const value = Buffer.alloc(4000, 0x61);
    // literal with incremental indexing, new name "x-bomb" → dynamic index 62; then 4000 × index 62
    const parts: Buffer[] = [c.block(GET('/plaintext')), Buffer.from([0x40, 6]), Buffer.from('x-bomb')];
    // value length 4000 as a 7-bit prefix integer: 127, then 3873 in 7-bit groups
    parts.push(Buffer.from([0x7f, (3873 & 0x7f) | 0x80, 3873 >> 7]), value);
    parts.push(Buffer.alloc(4000, 0x80 | 62));
    const block = Buffer.concat(parts);
    const answered = await underAttack(async () => {
      writeHeaders(c.w, 1, block, 0, block.length, true);
      const ok = c.block(GET('/plaintext'));
      writeHeaders(c.w, 3, ok, 0, ok.length, true);
      c.flush();
      expect(await c.until(() => c.ended.has(1) && c.ended.has(3))).toBe(true);
    });
    expect(answered).toBeGreaterThan(0);
    expect(c.statuses.get(1)).toBe(431);
    expect(c.statuses.get(3)).toBe(200);
    expect(c.goAway).toBeUndefined();
    expect((await stats()).http2.headerListTooLarge).toBeGreaterThanOrEqual(1);
  });

  it('zero-window and non-reading clients of 100 × /bytes/100MB each: memory bounded, others answered', async () => {
    const waitsBefore = (await stats()).backpressure.drainWaits;
    const answered = await underAttack(async () => {
      // 4 clients that never open a window, 4 that open every window and then never read
      for (let k = 0; k < 8; k++) {
        const zero = k < 4;
        const c = await attacker(zero ? [[SettingId.INITIAL_WINDOW_SIZE, 0]] : [[SettingId.INITIAL_WINDOW_SIZE, 0x7fffffff]]);
        if (!zero) writeWindowUpdate(c.w, 0, 0x7fffffff - 65535);
        const b = c.block(GET('/bytes/104857600'));
        for (let i = 0; i < 100; i++) writeHeaders(c.w, 1 + 2 * i, b, 0, b.length, true);
        c.flush();
        if (!zero) c.socket.pause();
      }
      await new Promise((r) => setTimeout(r, 1500));
    });
    expect(answered).toBeGreaterThan(0);
    // the routes were held back (waiting for drain) instead of queuing the bodies
    expect((await stats()).backpressure.drainWaits).toBeGreaterThan(waitsBefore);
    if (linux) {
      const grew = peakRss(child.pid!) - baselinePeak;
      process.stdout.write(`h2 floods: server peak RSS grew ${(grew / MB).toFixed(1)} MiB over the baseline (bound ${RSS_BOUND / MB} MiB)\n`);
      expect(grew).toBeLessThan(RSS_BOUND);
    }
  });
  it(`zero-window reader holding 100 × /bytes/10MB: server RSS grows < ${RSS_BOUND / MB} MiB (≤ 128 KiB queued per stream), streams cancelled after --write-timeout, then GOAWAY and close`, async () => {
    const before = (await stats()).rejections.ERR_SERVER_WRITE_TIMEOUT ?? 0;
    let c!: RawH2;
    const answered = await underAttack(async () => {
      c = await attacker([[SettingId.INITIAL_WINDOW_SIZE, 0]]);
      const b = c.block(GET('/bytes/10485760'));
      for (let i = 0; i < 100; i++) writeHeaders(c.w, 1 + 2 * i, b, 0, b.length, true);
      c.flush();
      expect(await c.until(() => c.statuses.size === 100)).toBe(true);
      // held for the write timeout (2 s), then every stream is cancelled and the connection ends
      expect(await c.until(() => c.resets.size === 100, 15_000)).toBe(true);
    });
    expect(answered).toBeGreaterThan(0);
    expect([...c.resets.values()].every((code) => code === H2Code.CANCEL)).toBe(true);
    expect(c.dataBytes.size).toBe(0);
    expect(await c.until(() => c.closed, 10_000)).toBe(true);
    expect(c.goAway?.code).toBe(H2Code.NO_ERROR);
    expect((await stats()).rejections.ERR_SERVER_WRITE_TIMEOUT ?? 0).toBeGreaterThanOrEqual(before + 100);
    if (linux) {
      const grew = peakRss(child.pid!) - baselinePeak;
      process.stdout.write(`h2 floods: after the zero-window reader, server peak RSS grew ${(grew / MB).toFixed(1)} MiB over the baseline (bound ${RSS_BOUND / MB} MiB)\n`);
      expect(grew).toBeLessThan(RSS_BOUND);
    }
  }, 30_000);
});
