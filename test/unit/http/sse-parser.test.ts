import { describe, expect, it } from 'vitest';
import { SseParser, type SseHandler } from '../../../src/http/sse-parser.js';

interface Ev {
  type: string;
  data: string;
  id: string;
}

/** Parses `text` fed in the given pieces; returns the events dispatched. */
function parse(pieces: readonly Buffer[], keep = true): { events: Ev[]; parser: SseParser } {
  const events: Ev[] = [];
  const handler: SseHandler = { onEvent: (p) => events.push({ type: p.eventType, data: p.eventData, id: p.lastEventId }) };
  const parser = new SseParser(handler, keep);
  for (const b of pieces) parser.feed(b);
  parser.finish();
  return { events, parser };
}

const whole = (text: string): Buffer[] => [Buffer.from(text, 'utf8')];

/** Every way to cut `bytes` in two. */
function everySplit(bytes: Buffer): Buffer[][] {
  const out: Buffer[][] = [];
  for (let i = 0; i <= bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  return out;
}

const STREAM = ': a comment\r\nevent: add\r\ndata: first\r\ndata:second line\r\nid: 7\r\n\r\ndata: {"x":1}\n\nretry: 3000\rdata\r\r';
const EXPECTED: Ev[] = [
  { type: 'add', data: 'first\nsecond line', id: '7' },
  { type: 'message', data: '{"x":1}', id: '7' },
  { type: 'message', data: '', id: '7' },
];

describe('SseParser', () => {
  it('dispatches events by the standard: fields, multi-line data, comments, default type, id kept', () => {
    const { events, parser } = parse(whole(STREAM));
    expect(events).toEqual(EXPECTED);
    expect(parser.events).toBe(3);
    expect(parser.retryMs).toBe(3000);
  });

  it('gives the same events however the bytes are split in two', () => {
    const bytes = Buffer.from(STREAM, 'utf8');
    for (const pieces of everySplit(bytes)) expect(parse(pieces).events, `split at ${pieces[0]!.length}`).toEqual(EXPECTED);
  });

  it('gives the same events fed one byte at a time', () => {
    const bytes = Buffer.from(STREAM, 'utf8');
    const pieces = [...bytes].map((b) => Buffer.from([b]));
    expect(parse(pieces).events).toEqual(EXPECTED);
  });

  it('treats CRLF, LF and CR alike, and a CRLF split across reads as one line end', () => {
    for (const eol of ['\r\n', '\n', '\r']) {
      const text = `data: a${eol}data: b${eol}${eol}data: c${eol}${eol}`;
      for (const pieces of everySplit(Buffer.from(text))) {
        expect(parse(pieces).events.map((e) => e.data), JSON.stringify(eol)).toEqual(['a\nb', 'c']);
      }
    }
    // CR then LF in the next read: one line end, so no blank line in between (one event, not two dispatches).
    expect(parse([Buffer.from('data: a\r'), Buffer.from('\ndata: b\r\n\r\n')]).events.map((e) => e.data)).toEqual(['a\nb']);
  });

  it('drops one leading space only, keeps the rest; a line with no colon is a field with an empty value', () => {
    expect(parse(whole('data:  two spaces\n\n')).events[0]!.data).toBe(' two spaces');
    expect(parse(whole('data:x:y\n\n')).events[0]!.data).toBe('x:y');
    expect(parse(whole('data\ndata\n\n')).events[0]!.data).toBe('\n');
  });

  it('dispatches nothing for a blank line without data, comments only, unknown fields or an event type alone', () => {
    const { events } = parse(whole('\n\n: ping\n\nevent: x\n\nfoo: bar\n\ndatum: no\n\n'));
    expect(events).toEqual([]);
    // the type set before a blank line without data does not leak into the next event
    expect(parse(whole('event: x\n\ndata: y\n\n')).events).toEqual([{ type: 'message', data: 'y', id: '' }]);
  });

  it('drops an event the stream ends in the middle of', () => {
    const { events, parser } = parse(whole('data: done\n\ndata: cut short\n'));
    expect(events.map((e) => e.data)).toEqual(['done']);
    expect(parser.events).toBe(1);
  });

  it('ignores an id holding NUL and a retry that is not all digits; skips a leading BOM', () => {
    const { events, parser } = parse(whole('id: 1\ndata: a\n\nid: 2\u0000x\nretry: 12a\ndata: b\n\n'));
    expect(events.map((e) => e.id)).toEqual(['1', '1']);
    expect(parser.retryMs).toBe(-1);
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('data: x\n\n')]);
    for (const pieces of everySplit(bom)) expect(parse(pieces).events.map((e) => e.data)).toEqual(['x']);
    // Bytes that only start like a BOM are content: the field name is then unknown, nothing dispatched.
    expect(parse([Buffer.from([0xef, 0xbb]), Buffer.from('data: x\n\n')]).events).toEqual([]);
  });

  it('counts events without keeping any field bytes', () => {
    const p = new SseParser(null);
    expect(p.feed(Buffer.from('data: a\n\ndata: b\n'))).toBe(1);
    expect(p.feed(Buffer.from('\n'))).toBe(1);
    expect(p.events).toBe(2);
    expect(p.eventData).toBe('');
    p.reset();
    expect(p.events).toBe(0);
    expect(p.feed(Buffer.from('data: c\n\n'))).toBe(1);
  });

  it('multi-byte UTF-8 data split anywhere decodes intact', () => {
    const text = 'data: héllo → 世界\n\n';
    for (const pieces of everySplit(Buffer.from(text, 'utf8'))) expect(parse(pieces).events[0]!.data).toBe('héllo → 世界');
  });
});
