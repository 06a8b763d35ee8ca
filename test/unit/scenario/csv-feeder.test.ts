import { describe, expect, it } from 'vitest';
import type { DataSet } from '../../../src/scenario/index.js';
import { DataFeeder, parseCsv, parseCsvRecords } from '../../../src/scenario/index.js';
import { load, messages } from './helpers.js';

describe('CSV parser', () => {
  it('splits plain fields, CRLF and LF line ends, and skips a BOM and blank lines', () => {
    expect(parseCsvRecords('\ufeffa,b\r\n1,2\n\n3,\n')).toEqual({ records: [['a', 'b'], ['1', '2'], ['3', '']], lines: [1, 2, 4] });
  });

  it('handles quotes: commas, doubled quotes and line breaks inside quoted fields', () => {
    const r = parseCsvRecords('x,"a, b","say ""hi""","two\nlines",""\nnext,1,2,3,4');
    expect(r).toEqual({
      records: [
        ['x', 'a, b', 'say "hi"', 'two\nlines', ''],
        ['next', '1', '2', '3', '4'],
      ],
      lines: [1, 3],
    });
  });

  it('keeps a quote inside an unquoted field literally', () => {
    expect(parseCsvRecords('5" screen,x')).toEqual({ records: [['5" screen', 'x']], lines: [1] });
  });

  it('reports malformed input with line and column', () => {
    expect(parseCsvRecords('a,b\n1,"open')).toEqual({ message: 'unterminated quoted field', line: 2, column: 3 });
    expect(parseCsvRecords('a,"b"c')).toMatchObject({ message: expect.stringMatching(/after a closing quote/), line: 1, column: 6 });
  });

  it('parses a header row and checks row widths', () => {
    expect(parseCsv('user, pass\nalice,1\n')).toEqual({ columns: ['user', 'pass'], rows: [['alice', '1']] });
    expect(parseCsv('a,b\n1\n')).toEqual({ message: 'row has 1 field, the header has 2', line: 2, column: 1 });
    expect(parseCsv('')).toMatchObject({ message: expect.stringMatching(/empty/) });
    expect(parseCsv('a,b\n')).toMatchObject({ message: expect.stringMatching(/no data rows/) });
    expect(parseCsv('a,a\n1,2\n')).toMatchObject({ message: expect.stringMatching(/duplicate column "a"/) });
    expect(parseCsv('a,\n1,2\n')).toMatchObject({ message: expect.stringMatching(/column 2 of the header has no name/) });
  });
});

describe('DataFeeder', () => {
  const data = (order: DataSet['order']): DataSet => ({ file: 'x.csv', columns: ['n'], rows: [['0'], ['1'], ['2'], ['3'], ['4']], order });

  it('sequential: rows in file order, wrapping around', () => {
    const f = new DataFeeder(data('sequential'));
    expect(Array.from({ length: 7 }, () => f.next()[0])).toEqual(['0', '1', '2', '3', '4', '0', '1']);
  });

  it('sequential across workers: worker w takes rows w, w+W, ... so together they keep file order', () => {
    const a = new DataFeeder(data('sequential'), 0, 2);
    const b = new DataFeeder(data('sequential'), 1, 2);
    expect(Array.from({ length: 5 }, () => a.next()[0])).toEqual(['0', '2', '4', '1', '3']);
    expect(Array.from({ length: 5 }, () => b.next()[0])).toEqual(['1', '3', '0', '2', '4']);
  });

  it('random: every row comes up, only rows of the file', () => {
    const f = new DataFeeder(data('random'));
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) seen.add(f.next()[0]!);
    expect([...seen].sort()).toEqual(['0', '1', '2', '3', '4']);
  });

  it('rejects bad construction', () => {
    expect(() => new DataFeeder({ ...data('random'), rows: [] })).toThrow(RangeError);
    expect(() => new DataFeeder(data('random'), 2, 2)).toThrow(RangeError);
  });
});

describe('data in scenarios', () => {
  it('loads a CSV relative to the scenario file, as a string or a mapping', () => {
    const s = load('data: users.csv\nload: {duration: 1s}\nrequests: [{path: "/u/{{data.user}}"}]\n');
    expect(s.data).toMatchObject({ columns: ['user', 'password', 'note'], order: 'sequential' });
    expect(s.data!.rows[1]).toEqual(['bob', 'pw2', 'say "hi"']);
    expect(s.data!.file).toMatch(/fixtures\/scenario\/users\.csv$/);
    const r = load('data: {file: users.csv, order: random}\nload: {duration: 1s}\nrequests: [{path: /}]\n');
    expect(r.data!.order).toBe('random');
  });

  it('reports missing, malformed and misconfigured data files', () => {
    const m = (d: string): string[] => messages(`data: ${d}\nload: {duration: 1s}\nrequests: [{path: /}]\n`);
    expect(m('nope.csv')).toEqual([expect.stringMatching(/^ERR_SCENARIO_FILE 1:7 cannot read "nope.csv" \(no such file/)]);
    expect(m('unterminated.csv')).toEqual([expect.stringMatching(/^ERR_SCENARIO_DATA 3:3 unterminated quoted field/)]);
    expect(m('ragged.csv')).toEqual([expect.stringMatching(/^ERR_SCENARIO_DATA 3:1 row has 1 field/)]);
    expect(m('{file: users.csv, order: shuffled}')).toEqual([expect.stringMatching(/^ERR_SCENARIO_VALUE 1:32 data.order/)]);
    expect(m('{order: random}')).toEqual([expect.stringMatching(/^ERR_SCENARIO_MISSING 1:7/)]);
    expect(m('{file: users.csv, ordr: random}')).toEqual([expect.stringMatching(/^ERR_SCENARIO_UNKNOWN_KEY 1:25 .*did you mean "order"/)]);
  });

  it('errors in a data file name that file', () => {
    const errs = messages('data: ragged.csv\nload: {duration: 1s}\nrequests: [{path: /}]\n');
    expect(errs).toHaveLength(1);
  });
});
