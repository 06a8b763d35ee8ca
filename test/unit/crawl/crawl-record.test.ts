import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS, FileSink, StreamSink, csvRow, type CrawlRecord } from '../../../src/crawl/crawl-record.js';
import { parseCsvLine } from '../../../src/crawl/output-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'fb-crawl-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rec: CrawlRecord = {
  url: 'http://a.test/r', finalUrl: 'http://a.test/p', redirects: ['http://a.test/r'], status: 200, contentType: 'text/html',
  bytes: 42, title: 'A "quoted", title', links: 2, linkUrls: ['http://a.test/1', 'http://a.test/2'], depth: 1, location: null,
  time: 1700000000000.5, timing: { connWait: 0, dns: 0.1, connect: 0.2, tls: 0, write: 0.01, firstByte: 1.5, body: 0.3, total: 2.11, reused: false }, error: null,
};

describe('CSV rows', () => {
  it('flatten the record into CSV_COLUMNS', () => {
    const row = csvRow(rec);
    expect(Object.keys(row)).toEqual([...CSV_COLUMNS]);
    expect(row).toMatchObject({ redirects: 'http://a.test/r', firstByte: 1.5, total: 2.11, linkUrls: 'http://a.test/1 http://a.test/2' });
    expect(csvRow({ ...rec, timing: null, linkUrls: undefined })).toMatchObject({ total: undefined, linkUrls: undefined });
  });
});

describe('FileSink', () => {
  it('writes JSONL and CSV and returns byte offsets', async () => {
    const j = join(dir, 'a.jsonl');
    const s = new FileSink(j, 'jsonl', 0, false);
    const off = s.write(rec);
    expect(s.write(rec)).toBe(off * 2);
    await s.close();
    const lines = readFileSync(j, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[1]!)).toEqual(rec);
    const c = join(dir, 'a.csv');
    const cs = new FileSink(c, 'csv', 0, false);
    cs.write(rec);
    await cs.close();
    const [head, row] = readFileSync(c, 'utf8').trim().split('\n');
    expect(parseCsvLine(head!)).toEqual([...CSV_COLUMNS]);
    expect(parseCsvLine(row!)[CSV_COLUMNS.indexOf('title')]).toBe('A "quoted", title');
  });
});

describe('StreamSink', () => {
  it('writes lines, reports backpressure and drain', async () => {
    const out = new PassThrough({ highWaterMark: 64 });
    const s = new StreamSink(out, 'jsonl');
    let drained = 0;
    s.onDrain = () => drained++;
    s.write(rec);
    expect(s.backedUp).toBe(true);
    out.resume();
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(1);
    expect(s.backedUp).toBe(false);
  });
  it('stops writing and reports once when the consumer goes away (EPIPE)', async () => {
    const out = new Writable({ write: (_c, _e, cb) => cb(Object.assign(new Error('EPIPE'), { code: 'EPIPE' })) });
    const s = new StreamSink(out, 'csv');
    const errors: Error[] = [];
    s.onError = (e) => errors.push(e);
    s.write(rec);
    await new Promise((r) => setImmediate(r));
    s.write(rec);
    await s.close();
    expect(errors).toHaveLength(1);
  });
});
