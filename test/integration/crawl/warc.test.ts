// --warc: the crawl's exchanges as WARC/1.1, read back with warcio's parser (a real WARC reader)
// and matched against the JSONL records: one request + response pair per fetched page, linked by
// WARC-Concurrent-To, digests that match the content, a warcinfo record opening every file,
// rotation by size, and WARC-Truncated on a body cut at --max-body.
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { WARCParser, type WARCRecord } from 'warcio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotatedName } from '../../../src/crawl/warc-writer.js';
import type { ServerRequest, ServerResponse } from '../../../src/server/types.js';
import { crawlToFile, fetched, startSiteServer, tempDir, type TestServer } from './helpers.js';

const tmp = tempDir('fb-crawl-warc-');
let srv: TestServer;
const BIG = Buffer.from(`<html><title>big</title><a href="/site/p/3">x</a>${'z'.repeat(200 * 1024)}</html>`);

beforeAll(async () => {
  srv = await startSiteServer({
    pages: 30,
    extra: (req: ServerRequest, res: ServerResponse) => {
      if (req.path !== '/big') return false;
      const m = /^bytes=0-(\d+)$/.exec(req.headers.get('range') ?? '');
      if (m === null) res.send(200, BIG, ['Content-Type', 'text/html']);
      else res.send(206, BIG.subarray(0, Number(m[1]) + 1), ['Content-Type', 'text/html', 'Content-Range', `bytes 0-${m[1]}/${BIG.length}`]);
      return true;
    },
  });
});
afterAll(async () => {
  await srv.close();
  tmp.cleanup();
});

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function sha1b32(data: Uint8Array): string {
  const bytes = createHash('sha1').update(data).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return `sha1:${out}`;
}

interface Read {
  type: string;
  uri: string | null | undefined;
  id: string | null | undefined;
  concurrentTo: string[] | undefined;
  truncated: string | null | undefined;
  status: number | undefined;
  payloadDigest: string | null | undefined;
  payload: Uint8Array;
  requestLine: string | undefined;
}

async function readWarc(path: string): Promise<Read[]> {
  const out: Read[] = [];
  for await (const r of new WARCParser(createReadStream(path)) as AsyncIterable<WARCRecord>) {
    const payload = await r.readFully(true);
    out.push({
      type: r.warcType, uri: r.warcTargetURI, id: r.warcHeader('WARC-Record-ID'), concurrentTo: r.warcConcurrentTo, truncated: r.warcHeader('WARC-Truncated'),
      status: r.warcType === 'response' ? Number(r.httpHeaders?.statusCode) : undefined, payloadDigest: r.warcPayloadDigest, payload,
      requestLine: r.warcType === 'request' ? r.httpHeaders?.statusline : undefined,
    });
  }
  return out;
}

describe('--warc', () => {
  it('writes request/response pairs that a WARC reader reads back and that match the JSONL', async () => {
    const warc = join(tmp.dir, 'crawl.warc.gz');
    const { records } = await crawlToFile(join(tmp.dir, 'a.jsonl'), { seeds: [`${srv.url}/site/`], warc });
    const read = await readWarc(warc);
    expect(read[0]!.type).toBe('warcinfo');
    const responses = read.filter((r) => r.type === 'response');
    const requests = read.filter((r) => r.type === 'request');
    const pages = fetched(records).filter((r) => r.status > 0);
    expect(responses.map((r) => r.uri).sort()).toEqual(pages.map((r) => r.finalUrl).sort());
    expect(requests).toHaveLength(responses.length);
    const byId = new Map(requests.map((q) => [q.id, q]));
    for (const r of responses) {
      const q = byId.get(r.concurrentTo![0]!)!;
      expect(q.uri).toBe(r.uri);
      expect(q.requestLine).toBe(`GET ${new URL(r.uri!).pathname}${new URL(r.uri!).search} HTTP/1.1`);
      expect(r.payloadDigest).toBe(sha1b32(r.payload));
      const rec = pages.find((p) => p.finalUrl === r.uri)!;
      expect(r.status).toBe(rec.status);
      expect(r.payload.length).toBe(rec.bytes);
      expect(r.truncated).toBeNull();
    }
  });

  it('marks a body cut at --max-body WARC-Truncated: length, and rotates files by size', async () => {
    const warc = join(tmp.dir, 'rot.warc.gz');
    const { records } = await crawlToFile(join(tmp.dir, 'b.jsonl'), { seeds: [`${srv.url}/big`, `${srv.url}/site/`], maxBodyBytes: 64 * 1024, warc, warcMaxBytes: 5_000, robots: false, maxPages: 40 });
    const files = readdirSync(tmp.dir).filter((f) => /^rot-\d{5}\.warc\.gz$/.test(f)).sort();
    expect(files.length).toBeGreaterThan(2);
    expect(files[0]).toBe(rotatedName('rot.warc.gz', 0));
    const all: Read[] = [];
    for (const f of files) {
      const read = await readWarc(join(tmp.dir, f));
      expect(read[0]!.type).toBe('warcinfo'); // every file opens with its own
      all.push(...read);
    }
    for (const f of files.slice(0, -1)) expect(statSync(join(tmp.dir, f)).size).toBeGreaterThanOrEqual(5_000);
    expect(all.filter((r) => r.type === 'response')).toHaveLength(records.filter((r) => r.status > 0).length);
    const big = all.find((r) => r.type === 'response' && r.uri!.endsWith('/big'))!;
    expect(big).toMatchObject({ truncated: 'length', status: 206 });
    expect(big.payload.length).toBe(64 * 1024);
    expect(records.find((r) => r.url.endsWith('/big'))!.truncated).toBe(true);
  });
});
