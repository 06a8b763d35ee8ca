// JSON / JSONL data files, and the feeder orders: sequential (cycle), random, unique.
import { describe, expect, it } from 'vitest';
import type { DataSet } from '../../../src/scenario/index.js';
import { DataFeeder, checkScenarioText, parseJsonRows } from '../../../src/scenario/index.js';
import { FIXTURES, INLINE, load, messages } from './helpers.js';

const REQ = 'load:\n  - duration: 1s\nrequests:\n  - path: "/u/{{data.user}}"\n';

function data(rows: number, order: DataSet['order'], onExhausted?: DataSet['onExhausted']): DataSet {
  return { file: 'x', columns: ['n'], rows: Array.from({ length: rows }, (_, i) => [String(i)]), order, ...(onExhausted ? { onExhausted } : {}) };
}

/** Every row a feeder hands out until it runs out (at most `cap`). */
function drain(f: DataFeeder, cap = 1000): string[] {
  const out: string[] = [];
  for (let i = 0; i < cap; i++) {
    const row = f.next();
    if (row === undefined) break;
    out.push(row[0]!);
  }
  return out;
}

describe('JSON data files', () => {
  it('an array of objects: columns in first-seen order, missing keys empty, values as text', () => {
    const t = parseJsonRows('[{"user":"ann","id":1},{"user":"bob","tags":["a"],"ok":true,"none":null}]', 'json');
    expect(t).toEqual({
      columns: ['user', 'id', 'tags', 'ok', 'none'],
      rows: [
        ['ann', '1', '', '', ''],
        ['bob', '', '["a"]', 'true', ''],
      ],
    });
  });

  it('JSONL: an object a line, blank lines and CRLF accepted', () => {
    expect(parseJsonRows('{"a":"1"}\r\n\n{"a":"2","b":"x"}\n', 'jsonl')).toEqual({ columns: ['a', 'b'], rows: [['1', ''], ['2', 'x']] });
  });

  it('reports malformed files with line and column', () => {
    expect(parseJsonRows('{"a":1}\n{"a":2,}\n', 'jsonl')).toMatchObject({ message: expect.stringMatching(/^not valid JSON/), line: 2 });
    expect(parseJsonRows('{"a":1}\n[1]\n', 'jsonl')).toEqual({ message: 'each line of a JSONL data file holds one object', line: 2, column: 1 });
    expect(parseJsonRows('{"a":1}', 'json')).toMatchObject({ message: expect.stringMatching(/one array of objects/) });
    expect(parseJsonRows('[{"a":1}, 2]', 'json')).toMatchObject({ message: 'item 1 of the array is not an object' });
    expect(parseJsonRows('[\n  {"a": 1},\n  {"a" 2}\n]', 'json')).toMatchObject({ line: 3 });
  });

  it('the loader picks the format from the extension (or format:) and reads the rows', () => {
    const j = load(`data: users.json\n${REQ}`).data!;
    expect(j).toMatchObject({ format: 'json', columns: ['user', 'id', 'tags', 'vip'], order: 'sequential' });
    expect(j.rows.map((r) => r[0])).toEqual(['ann', 'bob', 'cy']);
    const l = load(`data: { file: users.jsonl, order: unique }\n${REQ}`).data!;
    expect(l).toMatchObject({ format: 'jsonl', columns: ['user', 'pass'], order: 'unique', onExhausted: 'stop' });
    expect(l.rows).toEqual([['ann', 'p1'], ['bob', ''], ['cy', '']]);
    expect(load(`data: { file: users.csv, order: cycle }\n${REQ.replace('data.user', 'data.note')}`).data).toMatchObject({ order: 'sequential' });
    // format: wins over the extension (this JSONL read as CSV has ragged rows).
    expect(messages(`data: { file: users.jsonl, format: csv }\n${REQ}`)).toContainEqual(expect.stringMatching(/^ERR_SCENARIO_DATA 4:1 row has 1 field/));
  });

  it('refuses a malformed file at its own line, and bad order / onExhausted values', () => {
    expect(messages(`data: bad.jsonl\n${REQ}`)).toContainEqual(expect.stringMatching(/^ERR_SCENARIO_DATA 2:16 not valid JSON/));
    expect(checkFile(`data: bad.jsonl\nload:\n  - duration: 1s\nrequests:\n  - path: /\n`)).toBe(`${FIXTURES}bad.jsonl`);
    expect(messages(`data: { file: users.json, order: shuffled }\n${REQ}`)).toContainEqual(expect.stringMatching(/ERR_SCENARIO_VALUE 1:34 data\.order must be "sequential", "cycle", "random", "unique"/));
    expect(messages(`data: { file: users.json, onExhausted: cycle }\n${REQ}`)).toContainEqual(expect.stringMatching(/ERR_SCENARIO_VALUE .*onExhausted applies to order: unique only/));
    expect(messages(`data: { file: users.json, order: unique, onExhausted: wrap }\n${REQ}`)).toContainEqual(expect.stringMatching(/data\.onExhausted must be "stop", "cycle"/));
  });
});

/** The file the first problem points into. */
function checkFile(text: string): string | undefined {
  return checkScenarioText(text, INLINE, { processEnv: {} }).errors[0]?.file;
}

describe('DataFeeder orders', () => {
  it('unique: across all slots (shards × workers) every row goes out exactly once, then undefined', () => {
    for (const slots of [1, 2, 3, 6, 7]) {
      const all = Array.from({ length: slots }, (_, s) => drain(new DataFeeder(data(20, 'unique'), s, slots))).flat();
      expect(all.sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    }
    const f = new DataFeeder(data(5, 'unique'), 1, 2);
    expect(drain(f)).toEqual(['1', '3']);
    expect(f.next()).toBeUndefined();
  });

  it('unique with onExhausted: cycle starts the slot\'s own rows over (still never another slot\'s)', () => {
    const f = new DataFeeder(data(5, 'unique', 'cycle'), 1, 2);
    expect(drain(f, 6)).toEqual(['1', '3', '1', '3', '1', '3']);
    // A slot with no row of its own is out at once, cycle or not.
    expect(new DataFeeder(data(2, 'unique', 'cycle'), 2, 3).next()).toBeUndefined();
  });

  it('sequential keeps wrapping; random draws from the generator it is given', () => {
    expect(drain(new DataFeeder(data(3, 'sequential')), 7)).toEqual(['0', '1', '2', '0', '1', '2', '0']);
    const seq = [0.1, 0.5, 0.99];
    let i = 0;
    const f = new DataFeeder(data(10, 'random'), 0, 1, () => seq[i++ % 3]!);
    expect(drain(f, 3)).toEqual(['1', '5', '9']);
  });
});
