// Property test of the incremental SSE parser (issue 18) against a plain string reference written
// straight from the WHATWG "event stream interpretation" steps: random streams of fields, comments
// and blank lines with mixed CR / LF / CRLF line ends, cut into random pieces, must dispatch the
// same events. `npm test` runs a short pass; FUZZ_RUNS raises it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseParser } from '../../src/http/sse-parser.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

interface Ev {
  type: string;
  data: string;
  id: string;
}

/** The reference: the whole stream as a string, line by line. */
function reference(text: string): Ev[] {
  const out: Ev[] = [];
  let data = '';
  let type = '';
  let id = '';
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  // Lines end at CRLF, LF or CR; the text after the last line end is an unfinished line (dropped).
  const lines = text.split(/\r\n|\n|\r/);
  lines.pop();
  for (const line of lines) {
    if (line === '') {
      if (data !== '') out.push({ type: type === '' ? 'message' : type, data: data.slice(0, -1), id });
      data = '';
      type = '';
      continue;
    }
    if (line.startsWith(':')) continue;
    const c = line.indexOf(':');
    const name = c < 0 ? line : line.slice(0, c);
    let value = c < 0 ? '' : line.slice(c + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') data += value + '\n';
    else if (name === 'event') type = value;
    else if (name === 'id' && !value.includes('\0')) id = value;
  }
  return out;
}

const word = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ':', 'é', '\0', 'x', 'd'), maxLength: 8 });
const eol = fc.constantFrom('\n', '\r', '\r\n');
const line = fc.oneof(
  fc.tuple(fc.constantFrom('data', 'event', 'id', 'retry', 'dat', 'datas', ''), fc.constantFrom(':', ': ', ''), word).map(([n, c, v]) => n + c + v),
  word.map((w) => ':' + w),
  fc.constant(''),
);
const stream = fc.tuple(fc.boolean(), fc.array(fc.tuple(line, eol), { maxLength: 30 }), word).map(
  ([bom, ls, tail]) => (bom ? '\uFEFF' : '') + ls.map(([l, e]) => l + e).join('') + tail,
);

describe('SseParser against the reference', () => {
  it('dispatches the same events however the stream is cut', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
        const bytes = Buffer.from(text, 'utf8');
        const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const got: Ev[] = [];
        const p = new SseParser({ onEvent: (q) => got.push({ type: q.eventType, data: q.eventData, id: q.lastEventId }) }, true);
        let from = 0;
        for (const c of [...at, bytes.length]) {
          p.feed(bytes, from, c);
          from = c;
        }
        p.finish();
        expect(got).toEqual(reference(text));
      }),
      { numRuns: RUNS },
    );
  });
});
