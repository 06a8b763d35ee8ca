// Property and fuzz tests for both parsers. `npm test` runs a short pass; `npm run fuzz` sets
// FUZZ_RUNS (1,000,000 by default there) and prints how many inputs each parser saw.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { HttpCodecError } from '../../src/http/codec-error.js';
import { ResponseCollector, RequestCollector } from '../unit/http/collect.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const seen = { request: 0, response: 0, mutatedRequest: 0, mutatedResponse: 0 };

afterAll(() => {
  console.log(`fuzz inputs: ${JSON.stringify(seen)}`);
});

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 12 });
const fieldValue = fc
  .string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 40 })
  .map((s) => s.trim());
const targetChar = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
const target = fc.string({ unit: targetChar, minLength: 0, maxLength: 30 }).map((s) => '/' + s);
const reserved = new Set(['content-length', 'transfer-encoding', 'host', 'connection', 'expect', 'trailer']);
const field = fc.tuple(token, fieldValue).filter(([n]) => !reserved.has(n.toLowerCase()));
const body = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 200 });

interface Plan {
  start: string;
  fields: [string, string][];
  body: string;
  chunked: boolean;
  chunkSizes: number[];
  exts: string[];
  trailers: [string, string][];
}

function render(p: Plan): string {
  let s = p.start + '\r\n';
  for (const [n, v] of p.fields) s += `${n}: ${v}\r\n`;
  if (!p.chunked) return s + `Content-Length: ${p.body.length}\r\n\r\n` + p.body;
  s += 'Transfer-Encoding: chunked\r\n\r\n';
  let at = 0;
  let i = 0;
  while (at < p.body.length) {
    const n = Math.min(p.chunkSizes[i % p.chunkSizes.length]!, p.body.length - at);
    s += n.toString(16) + (p.exts[i % p.exts.length] ?? '') + '\r\n' + p.body.slice(at, at + n) + '\r\n';
    at += n;
    i++;
  }
  s += '0\r\n';
  for (const [n, v] of p.trailers) s += `${n}: ${v}\r\n`;
  return s + '\r\n';
}

const common = {
  fields: fc.array(field, { maxLength: 8 }),
  body,
  chunked: fc.boolean(),
  chunkSizes: fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 4 }),
  exts: fc.array(fc.constantFrom('', ';a', ';a=b', ' ; q="x\\"y"', ';n=1;m'), { minLength: 1, maxLength: 3 }),
  trailers: fc.array(field, { maxLength: 2 }),
};

const requestPlan = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'X-CUSTOM'),
  target,
  ...common,
}).map((r) => ({ ...r, start: `${r.method} ${r.target} HTTP/1.1`, fields: [['Host', 'fuzz.test'] as [string, string], ...r.fields] }));

const responsePlan = fc.record({
  status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
  reason: fc.constantFrom('OK', '', 'Not Found', 'Some Reason'),
  ...common,
}).map((r) => ({ ...r, start: `HTTP/1.1 ${r.status} ${r.reason}` }));

/** Cut points: splits the bytes into pieces at sorted random offsets. */
function split(raw: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (raw.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(raw.subarray(prev, p));
    prev = p;
  }
  out.push(raw.subarray(prev));
  return out;
}

const MAX_HEADER_BYTES = 4096;

describe('request parser properties', () => {
  it('valid messages, pipelined and split anywhere, parse to what was sent', () => {
    fc.assert(
      fc.property(fc.array(requestPlan, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 12 }), (plans, cuts) => {
        seen.request++;
        const raw = Buffer.from(plans.map(render).join(''), 'latin1');
        const c = new RequestCollector({ limits: { maxHeaderBytes: MAX_HEADER_BYTES } });
        c.feed(split(raw, cuts));
        expect(c.messages).toHaveLength(plans.length);
        plans.forEach((p, i) => {
          const m = c.messages[i]!;
          expect(`${m.method} ${m.target} HTTP/1.1`).toBe(p.start);
          expect(m.body).toBe(p.body);
          expect(m.headers.slice(0, p.fields.length)).toEqual(p.fields);
          expect(m.trailers).toEqual(p.chunked && p.body.length >= 0 ? p.trailers : []);
        });
        expect(c.parser.idle).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated messages: nothing escapes but our typed errors, state stays bounded', () => {
    fc.assert(
      fc.property(requestPlan, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (plan, muts, cuts) => {
        seen.mutatedRequest++;
        const raw = mutate(Buffer.from(render(plan), 'latin1'), muts);
        const c = new RequestCollector({ limits: { maxHeaderBytes: MAX_HEADER_BYTES, maxBodySize: 1 << 16 } });
        try {
          c.feed(split(raw, cuts));
          c.parser.finish();
        } catch (e) {
          if (!(e instanceof HttpCodecError)) throw e;
          expect(e.offset).toBeGreaterThanOrEqual(0);
          expect(e.offset!).toBeLessThanOrEqual(raw.length);
        }
        expect(c.parser.pendingHeadBytes).toBeLessThanOrEqual(MAX_HEADER_BYTES);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('response parser properties', () => {
  it('valid messages, pipelined and split anywhere, parse to what was sent', () => {
    fc.assert(
      fc.property(fc.array(responsePlan, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 12 }), (plans, cuts) => {
        seen.response++;
        const raw = Buffer.from(plans.map(render).join(''), 'latin1');
        const c = new ResponseCollector({ limits: { maxHeaderBytes: MAX_HEADER_BYTES } });
        c.feed(split(raw, cuts));
        expect(c.messages).toHaveLength(plans.length);
        plans.forEach((p, i) => {
          const m = c.messages[i]!;
          expect(m.status).toBe(p.status);
          expect(m.reason).toBe(p.reason);
          expect(m.body).toBe(p.body);
          expect(m.headers.slice(0, p.fields.length)).toEqual(p.fields);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated messages: nothing escapes but our typed errors, state stays bounded', () => {
    fc.assert(
      fc.property(responsePlan, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), (plan, muts, cuts, lenient) => {
        seen.mutatedResponse++;
        const raw = mutate(Buffer.from(render(plan), 'latin1'), muts);
        const opts = {
          limits: { maxHeaderBytes: MAX_HEADER_BYTES, maxBodySize: 1 << 16 },
          lenient: lenient ? { bareLf: true, obsFold: true, spaceBeforeColon: true, clTeConflict: true, headerValueChars: true, missingReasonSpace: true } : {},
        };
        const c = new ResponseCollector(opts);
        try {
          c.feed(split(raw, cuts));
          c.parser.finish();
        } catch (e) {
          if (!(e instanceof HttpCodecError)) throw e;
        }
        expect(c.parser.pendingHeadBytes).toBeLessThanOrEqual(MAX_HEADER_BYTES);
      }),
      { numRuns: RUNS },
    );
  });

  it('random bytes never escape as anything but typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, asRequest) => {
        const c = asRequest ? new RequestCollector() : new ResponseCollector();
        try {
          c.feed([Buffer.from(bytes)]);
          c.parser.finish();
        } catch (e) {
          if (!(e instanceof HttpCodecError)) throw e;
        }
      }),
      { numRuns: RUNS },
    );
  });
});

/** Applies (position, byte, kind) mutations: 0 replace, 1 insert, 2 delete. */
function mutate(raw: Buffer, muts: [number, number, number][]): Buffer {
  let b = Buffer.from(raw);
  for (const [pos, byte, kind] of muts) {
    if (b.length === 0) break;
    const at = pos % b.length;
    if (kind === 0) b[at] = byte;
    else if (kind === 1) b = Buffer.concat([b.subarray(0, at), Buffer.from([byte]), b.subarray(at)]);
    else b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
  }
  return b;
}
