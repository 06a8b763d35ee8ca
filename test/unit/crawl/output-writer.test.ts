import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csvField, OUTPUT_FORMATS, outputEncoder, OutputWriter, parseCsvLine } from '../../../src/crawl/output-writer.js';
import { FastbenchError } from '../../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'fb-out-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('OutputWriter JSONL', () => {
  it('reports the byte offset after each record, buffered or not', () => {
    const p = join(dir, 'a.jsonl');
    const w = OutputWriter.open(p, { format: 'jsonl', highWaterMark: 16 });
    const o1 = w.write({ url: 'http://x/é', n: 1 });
    const o2 = w.write({ url: 'http://x/2', n: null });
    w.close();
    const buf = readFileSync(p);
    expect(o2).toBe(buf.length);
    expect(buf.subarray(0, o1).toString()).toBe('{"url":"http://x/é","n":1}\n');
    expect(o1).toBe(Buffer.byteLength('{"url":"http://x/é","n":1}\n'));
    expect(w.offset).toBe(o2);
    expect(() => w.write({})).toThrow(FastbenchError);
  });

  it('opens at an offset: truncates the tail and appends', () => {
    const p = join(dir, 'b.jsonl');
    const w = OutputWriter.open(p, { format: 'jsonl' });
    const o1 = w.write({ a: 1 });
    w.write({ a: 2 });
    w.close();
    const w2 = OutputWriter.open(p, { format: 'jsonl', offset: o1 });
    expect(w2.offset).toBe(o1);
    w2.write({ a: 3 });
    w2.close();
    expect(readFileSync(p, 'utf8')).toBe('{"a":1}\n{"a":3}\n');
  });

  it('refuses an offset past the end of the file, and bad offsets', () => {
    const p = join(dir, 'c.jsonl');
    writeFileSync(p, 'abc');
    expect(() => OutputWriter.open(p, { format: 'jsonl', offset: 10 })).toThrow(/journal expects/);
    expect(() => OutputWriter.open(p, { format: 'jsonl', offset: -1 })).toThrow(/bad output offset/);
    expect(() => OutputWriter.open(join(dir, 'missing.jsonl'), { format: 'jsonl', offset: 5 })).toThrow(/cannot open/);
    expect(() => OutputWriter.open(join(dir, 'no/such/dir.jsonl'), { format: 'jsonl' })).toThrow(/cannot open/);
    try {
      OutputWriter.open(join(dir, 'no/such/dir.jsonl'), { format: 'jsonl' });
    } catch (e) {
      expect((e as FastbenchError).code).toBe('ERR_CRAWL_OUTPUT');
    }
  });
});

describe('OutputWriter CSV', () => {
  it('quotes per RFC 4180 and writes a header', () => {
    const p = join(dir, 'a.csv');
    const w = OutputWriter.open(p, { format: 'csv', columns: ['url', 'title', 'n', 'obj'] });
    w.write({ url: 'http://x/1', title: 'a, "b"\nc', n: 3, obj: { k: [1] } });
    const o = w.write({ url: 'http://x/2', title: ' padded ', extra: 'ignored' });
    w.flush();
    expect(statSync(p).size).toBe(o);
    w.close();
    expect(readFileSync(p, 'utf8')).toBe('url,title,n,obj\nhttp://x/1,"a, ""b""\nc",3,"{""k"":[1]}"\nhttp://x/2," padded ",,\n');
  });

  it('takes the columns from the first record, or from the header when resuming', () => {
    const p = join(dir, 'b.csv');
    const w = OutputWriter.open(p, { format: 'csv' });
    const o1 = w.write({ 'u,rl': 'a', d: 1 });
    w.write({ 'u,rl': 'b', d: 2 });
    w.close();
    const w2 = OutputWriter.open(p, { format: 'csv', offset: o1 });
    w2.write({ d: 3, 'u,rl': 'c' });
    w2.close();
    expect(readFileSync(p, 'utf8')).toBe('"u,rl",d\na,1\nc,3\n');
  });

  it('formats are one table of encoders: name, extension, header, encode', () => {
    expect(OUTPUT_FORMATS.map((f) => [f.name, f.extension, f.columnar])).toEqual([
      ['jsonl', 'jsonl', false],
      ['csv', 'csv', true],
    ]);
    const rec = { url: 'http://a.test/?x=1,2', status: 200, meta: { k: 'v' }, none: null };
    const jsonl = outputEncoder('jsonl');
    expect(jsonl.header(['url'])).toBe('');
    expect(JSON.parse(jsonl.encode(rec, []))).toEqual(rec);
    const csv = outputEncoder('csv');
    expect(csv.header(['url', 'status'])).toBe('url,status\n');
    expect(csv.encode(rec, ['status', 'url', 'meta', 'none', 'missing'])).toBe('200,"http://a.test/?x=1,2","{""k"":""v""}",,\n');
    expect(() => outputEncoder('xml')).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION', message: '--format must be jsonl or csv, got "xml"' }));
  });

  it('csvField / parseCsvLine round-trip', () => {
    const values = ['', 'plain', 'a,b', 'say "hi"', ' lead', 'trail ', '"', ',', 'x""y'];
    const line = values.map(csvField).join(',');
    expect(parseCsvLine(line)).toEqual(values);
    expect(csvField(undefined)).toBe('');
    expect(csvField(true)).toBe('true');
    expect(csvField(10n)).toBe('10');
    expect(parseCsvLine('"unterminated')).toEqual(['unterminated']);
  });
});
